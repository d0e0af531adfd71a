/*
 * masterlib.hpp: header-only C++17 wrapper of the masterlib C API
 * (masterlib.h). Link with libmasterlib as for C.
 *
 * - Handles are move-only RAII objects (like std::unique_ptr): Processor
 *   (and Chain, Equalizer, MultibandCompressor), Meter, LevelMeter, Mixer,
 *   MasteringChain, Profile free their C handle when destroyed; release()
 *   hands it over, handle() lends it to the C functions.
 * - A failing call throws masterlib::Error (a std::runtime_error) carrying
 *   the MlStatus and the library's message (ml_last_error_message).
 *   Errors on the audio path (process) come only from misuse (not prepared,
 *   wrong channel count); a caller that must never throw there can call
 *   ml_processor_process_planar(p.handle(), ...) and check the status.
 * - Buffers are masterlib::span<T> (pointer and length, as std::span of
 *   C++20): built from a std::vector, std::array, C array or pointer and
 *   size. Planar audio is a span of channel spans: p.process({left, right}).
 * - The thread rules are the C API's (see masterlib.h): one thread
 *   processes a handle; set()/get() of parameters from any thread; a meter
 *   one thread at a time; mastering and profiles offline. The wrapper adds
 *   no state and no locks.
 */
#ifndef MASTERLIB_HPP
#define MASTERLIB_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>
#include <utility>

#include "masterlib.h"

namespace masterlib {

/** A failed call: its status code and message. */
class Error : public std::runtime_error {
 public:
  Error(MlStatus status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  /** The C status code (a negative ML_STATUS_* value). */
  MlStatus status() const noexcept { return status_; }

 private:
  MlStatus status_;
};

namespace detail {

/** Throws an Error for a failing status, with the thread's last message. */
inline void check(MlStatus status) {
  if (status == ML_STATUS_OK) {
    return;
  }
  std::string message = ml_status_str(status);
  const char *detail = ml_last_error_message();
  if (detail != nullptr && *detail != '\0') {
    message += ": ";
    message += detail;
  }
  throw Error(status, message);
}

/** Deleter calling a C free function. */
template <typename T, void (*FreeFn)(T *)>
struct Free {
  void operator()(T *p) const noexcept { FreeFn(p); }
};

}  // namespace detail

/** A view of `size()` contiguous `T`s (a minimal std::span for C++17). */
template <typename T>
class span {
 public:
  using element_type = T;
  using value_type = std::remove_cv_t<T>;

  constexpr span() noexcept = default;
  constexpr span(T *data, std::size_t size) noexcept : data_(data), size_(size) {}
  template <std::size_t N>
  constexpr span(T (&array)[N]) noexcept : data_(array), size_(N) {}
  /** Any container with data() and size(): std::vector, std::array, span<U>. */
  template <typename C,
            typename = std::enable_if_t<
                std::is_convertible<decltype(std::declval<C &>().data()), T *>::value>>
  constexpr span(C &container) noexcept : data_(container.data()), size_(container.size()) {}
  template <typename C,
            typename = std::enable_if_t<
                std::is_convertible<decltype(std::declval<const C &>().data()), T *>::value>>
  constexpr span(const C &container) noexcept
      : data_(container.data()), size_(container.size()) {}
  /** A braced list, e.g. {left, right} (read-only views; lives for the call). */
  template <typename U = T, typename = std::enable_if_t<std::is_const<U>::value>>
  constexpr span(std::initializer_list<value_type> list) noexcept {
    data_ = list.begin();
    size_ = list.size();
  }

  constexpr T *data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr T &operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr T *begin() const noexcept { return data_; }
  constexpr T *end() const noexcept { return data_ + size_; }
  /** The `count` elements from `offset` (clamped to the view). */
  constexpr span subspan(std::size_t offset, std::size_t count) const noexcept {
    offset = offset < size_ ? offset : size_;
    count = count < size_ - offset ? count : size_ - offset;
    return span(data_ + offset, count);
  }

 private:
  T *data_ = nullptr;
  std::size_t size_ = 0;
};

/** Planar audio to process in place: one span per channel, equal lengths. */
using Planar = span<const span<float>>;
/** Planar audio to read: one span per channel, equal lengths. */
using ConstPlanar = span<const span<const float>>;

namespace detail {

/** Pointers to the channels of `channels` (all of one length) in `out`;
 * returns the common length. Never allocates. */
template <typename T>
std::size_t channel_pointers(span<const span<T>> channels,
                             std::array<T *, ML_MAX_CHANNELS> &out) {
  if (channels.size() > out.size()) {
    throw Error(ML_STATUS_INVALID_CHANNEL_COUNT,
                "more than ML_MAX_CHANNELS channels (" + std::to_string(channels.size()) + ")");
  }
  std::size_t length = channels.empty() ? 0 : channels[0].size();
  for (std::size_t c = 0; c < channels.size(); ++c) {
    if (channels[c].size() != length) {
      throw Error(ML_STATUS_LENGTH_MISMATCH, "channel " + std::to_string(c) + " has " +
                                                 std::to_string(channels[c].size()) +
                                                 " samples, channel 0 has " +
                                                 std::to_string(length));
    }
    out[c] = channels[c].data();
  }
  return length;
}

/** The C API's planar form of read-only channel pointers: calls that only
 * read (meters, measure) take the same `float *const *` as processing. */
inline float *const *as_planar(const std::array<const float *, ML_MAX_CHANNELS> &pointers) {
  return const_cast<float *const *>(pointers.data());
}

/** What a C call writes with a capacity and a length out-parameter:
 * `write(buffer, capacity, &length)` is asked for the length first (null
 * buffer, capacity 0), then fills an `Out` of that length (std::string:
 * text, with room for its NUL; std::vector: values). */
template <typename Out, typename Write>
Out written(Write write) {
  constexpr std::size_t nul = std::is_same<Out, std::string>::value ? 1 : 0;
  std::size_t length = 0;
  check(write(nullptr, 0, &length));
  Out out(length + nul, typename Out::value_type{});
  if (length != 0) {
    check(write(&out[0], out.size(), &length));
  }
  out.resize(length);
  return out;
}

/** Text written by a C JSON writer `save(handle, buf, capacity, len)`. */
template <typename H, typename Save>
std::string saved_json(H *handle, Save save) {
  return written<std::string>([&](char *buf, std::size_t capacity, std::size_t *length) {
    return save(handle, buf, capacity, length);
  });
}

/** Frames in `samples` interleaved samples of `channels` channels; throws
 * unless they are whole frames. */
inline std::size_t whole_frames(std::size_t samples, std::size_t channels) {
  if (channels == 0 || samples % channels != 0) {
    throw Error(ML_STATUS_LENGTH_MISMATCH, std::to_string(samples) +
                                               " samples are not whole frames of " +
                                               std::to_string(channels) + " channels");
  }
  return samples / channels;
}

/** Pointers to the channels of `input` and of `output`, which must have
 * the same shape; returns the length. */
inline std::size_t in_out(ConstPlanar input, Planar output,
                          std::array<const float *, ML_MAX_CHANNELS> &in,
                          std::array<float *, ML_MAX_CHANNELS> &out) {
  std::size_t length = channel_pointers(input, in);
  if (output.size() != input.size() || channel_pointers(output, out) != length) {
    throw Error(ML_STATUS_LENGTH_MISMATCH, "the output's shape differs from the input's");
  }
  return length;
}

/** The C handles of `objects` (null stays null), for calls taking arrays. */
template <typename T>
auto handles(span<const T *const> objects) {
  std::vector<decltype(std::declval<const T &>().handle())> out;
  out.reserve(objects.size());
  for (const T *object : objects) {
    out.push_back(object != nullptr ? object->handle() : nullptr);
  }
  return out;
}

/** The `count` items `at(index, &item)` fills (kinds, targets). */
template <typename T, typename At>
std::vector<T> listed(std::size_t count, At at) {
  std::vector<T> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    check(at(i, &out[i]));
  }
  return out;
}

}  // namespace detail

/** The library's version at run time, e.g. "0.1.0" (ml_version_string). */
inline std::string version() { return ml_version_string(); }

/** Whether the library loaded has the major version this header declares. */
inline bool version_compatible() noexcept {
  return ml_version() / 1000000u == MASTERLIB_VERSION_MAJOR;
}

/** A processor handle that does not own it (a chain member, a mixer insert,
 * or a Processor lent out). Valid while its owner lives. */
class ProcessorRef {
 public:
  ProcessorRef() noexcept = default;
  explicit ProcessorRef(MlProcessor *handle) noexcept : raw_(handle) {}

  /** The C handle, for calls the wrapper does not cover. */
  MlProcessor *handle() const noexcept { return raw_; }
  explicit operator bool() const noexcept { return raw_ != nullptr; }

  /** The kind: name, class name, doc, capabilities (static strings). */
  MlKindInfo kind() const {
    MlKindInfo info;
    detail::check(ml_processor_kind(raw_, &info));
    return info;
  }
  std::size_t param_count() const {
    std::size_t n = 0;
    detail::check(ml_processor_param_count(raw_, &n));
    return n;
  }
  MlParamInfo param_info(std::size_t index) const {
    MlParamInfo info;
    detail::check(ml_processor_param_info(raw_, index, &info));
    return info;
  }
  /** Sets parameter `id` (any thread); throws for an unknown id or a bad value. */
  void set(const char *id, double value) const {
    detail::check(ml_processor_param_set(raw_, id, value));
  }
  void set(const std::string &id, double value) const { set(id.c_str(), value); }
  /** The value of parameter `id` (any thread). */
  double get(const char *id) const {
    double value = 0.0;
    detail::check(ml_processor_param_get(raw_, id, &value));
    return value;
  }
  double get(const std::string &id) const { return get(id.c_str()); }
  /** The index of parameter `id` (any thread), for get_at()/set_at(). */
  std::size_t param_index(const char *id) const {
    std::size_t index = 0;
    detail::check(ml_processor_param_index(raw_, id, &index));
    return index;
  }
  std::size_t param_index(const std::string &id) const { return param_index(id.c_str()); }
  /** Sets parameter `index` (any thread), as set() does by id. */
  void set_at(std::size_t index, double value) const {
    detail::check(ml_processor_param_set_at(raw_, index, value));
  }
  /** The value of parameter `index` (any thread). */
  double get_at(std::size_t index) const {
    double value = 0.0;
    detail::check(ml_processor_param_get_at(raw_, index, &value));
    return value;
  }

  /** Prepares for a sample rate, a largest block and a channel count. */
  void prepare(double sample_rate, std::size_t max_block, std::size_t channels) const {
    detail::check(ml_processor_prepare(raw_, sample_rate, max_block, channels));
  }
  /** Processes planar audio in place: p.process({left, right}). Any length. */
  void process(Planar channels) const {
    std::array<float *, ML_MAX_CHANNELS> pointers{};
    std::size_t length = detail::channel_pointers(channels, pointers);
    detail::check(ml_processor_process_planar(raw_, pointers.data(), channels.size(), length));
  }
  /** Processes `num_channels` planar channels of `num_samples` in place. */
  void process(float *const *channels, std::size_t num_channels, std::size_t num_samples) const {
    detail::check(ml_processor_process_planar(raw_, channels, num_channels, num_samples));
  }
  /** Processes interleaved audio of `num_channels` channels in place. */
  void process_interleaved(span<float> samples, std::size_t num_channels) const {
    std::size_t frames = detail::whole_frames(samples.size(), num_channels);
    detail::check(ml_processor_process_interleaved(raw_, samples.data(), num_channels, frames));
  }
  /** Processes planar audio in place with the detector keyed by `sidechain`
   * (kinds with the sidechain capability): p.process_sidechain({l, r}, {key}).
   * As many key channels as inputs key channel by channel; any other count
   * is averaged to one key. */
  void process_sidechain(Planar channels, ConstPlanar sidechain) const {
    std::array<float *, ML_MAX_CHANNELS> pointers{};
    std::array<const float *, ML_MAX_CHANNELS> keys{};
    std::size_t length = detail::channel_pointers(channels, pointers);
    if (detail::channel_pointers(sidechain, keys) != length && !sidechain.empty()) {
      throw Error(ML_STATUS_LENGTH_MISMATCH, "the sidechain's length differs from the input's");
    }
    detail::check(ml_processor_process_sidechain_planar(raw_, pointers.data(), channels.size(),
                                                        detail::as_planar(keys),
                                                        sidechain.size(), length));
  }
  /** Clears the signal state, as at the start of a new stream. */
  void reset() const { detail::check(ml_processor_reset(raw_)); }
  /** Delay added, in samples. */
  std::size_t latency() const {
    std::size_t n = 0;
    detail::check(ml_processor_latency(raw_, &n));
    return n;
  }
  /** Output samples that may follow the end of the input. */
  std::size_t tail() const {
    std::size_t n = 0;
    detail::check(ml_processor_tail(raw_, &n));
    return n;
  }
  /** Non-finite input samples since prepare or reset (processed as silence). */
  std::uint64_t nonfinite_count() const {
    std::uint64_t n = 0;
    detail::check(ml_processor_nonfinite_count(raw_, &n));
    return n;
  }
  /** Current gain reduction in dB (kinds that report it). */
  double gain_reduction_db() const {
    double db = 0.0;
    detail::check(ml_processor_gain_reduction_db(raw_, &db));
    return db;
  }
  /** Gain-reduction rows after the last block: 1, or one per band in use. */
  std::size_t gain_reduction_rows() const {
    std::size_t n = 0;
    detail::check(ml_processor_gain_reduction_rows(raw_, &n));
    return n;
  }
  /** Gain reduction in dB of row `row` (band `row`, lowest first). */
  double gain_reduction_db(std::size_t row) const {
    double db = 0.0;
    detail::check(ml_processor_gain_reduction_row_db(raw_, row, &db));
    return db;
  }
  /** Sets the table `name` (a linear_phase_eq's "curve": hz0, db0, hz1,
   * db1, ...; empty: the default). Copied; allocates. */
  void set_table(const std::string &name, span<const double> values) const {
    detail::check(ml_processor_set_table(raw_, name.c_str(), values.data(), values.size()));
  }
  /** The table called `name`. */
  std::vector<double> table(const std::string &name) const {
    return detail::written<std::vector<double>>(
        [&](double *values, std::size_t capacity, std::size_t *length) {
          return ml_processor_get_table(raw_, name.c_str(), values, capacity, length);
        });
  }
  /** Sets a convolution reverb's impulse response: 1, 2 or 4 (true stereo:
   * LL, LR, RL, RR) channels recorded at `sample_rate`. Copied; allocates. */
  void set_ir(ConstPlanar ir, double sample_rate) const {
    std::array<const float *, ML_MAX_CHANNELS> pointers{};
    std::size_t length = detail::channel_pointers(ir, pointers);
    detail::check(ml_processor_set_ir(raw_, detail::as_planar(pointers), ir.size(), length,
                                      sample_rate));
  }
  /** The preset: kind, parameters and members, as JSON. */
  std::string to_json() const { return detail::saved_json(raw_, ml_processor_save_json); }

 protected:
  MlProcessor *raw_ = nullptr;
};

/** An owned processor: move-only, freed when destroyed. */
class Processor : public ProcessorRef {
 public:
  Processor() noexcept = default;
  /** Adopts a handle from a C constructor. */
  explicit Processor(MlProcessor *handle) noexcept : ProcessorRef(handle) {}
  Processor(const Processor &) = delete;
  Processor &operator=(const Processor &) = delete;
  Processor(Processor &&other) noexcept : ProcessorRef(other.release()) {}
  Processor &operator=(Processor &&other) noexcept {
    if (this != &other) {
      ml_processor_free(raw_);
      raw_ = other.release();
    }
    return *this;
  }
  ~Processor() { ml_processor_free(raw_); }

  /** A new processor of kind `kind` ("limiter", "compressor"...), with defaults. */
  static Processor create(const char *kind) {
    MlProcessor *handle = nullptr;
    detail::check(ml_processor_new_kind(kind, &handle));
    return Processor(handle);
  }
  static Processor create(const std::string &kind) { return create(kind.c_str()); }
  /** A processor from a preset written by to_json(). */
  static Processor from_json(const std::string &json) {
    MlProcessor *handle = nullptr;
    detail::check(ml_processor_load_json(json.c_str(), &handle));
    return Processor(handle);
  }
  /** Gives up ownership: the caller frees the handle. */
  MlProcessor *release() noexcept { return std::exchange(raw_, nullptr); }
};

/** A chain processor ("chain" kind) with its structural calls. */
class Chain : public Processor {
 public:
  Chain() noexcept = default;
  /** An empty chain. */
  static Chain create() {
    Chain chain;
    chain.Processor::operator=(Processor::create("chain"));
    return chain;
  }
  /** Appends `member`, which the chain then owns; returns its handle (valid
   * while the chain lives; its parameters may be set from any thread).
   * Prepare the chain again afterwards. */
  ProcessorRef push(Processor &&member) const {
    detail::check(ml_chain_push(raw_, member.handle()));
    return ProcessorRef(member.release());
  }
  std::size_t size() const {
    std::size_t n = 0;
    detail::check(ml_chain_len(raw_, &n));
    return n;
  }
  /** Member `index` (owned by the chain). */
  ProcessorRef member(std::size_t index) const {
    MlProcessor *handle = nullptr;
    detail::check(ml_chain_member(raw_, index, &handle));
    return ProcessorRef(handle);
  }
};

/** An equalizer ("equalizer" kind): filter bands in series. Its band calls
 * belong to the processing thread. */
class Equalizer : public Processor {
 public:
  Equalizer() noexcept = default;
  /** An equalizer without bands. */
  static Equalizer create() {
    Equalizer eq;
    eq.Processor::operator=(Processor::create("equalizer"));
    return eq;
  }
  std::size_t size() const {
    std::size_t n = 0;
    detail::check(ml_equalizer_len(raw_, &n));
    return n;
  }
  /** Appends a band shaped and set as `filter` (a peak_filter, low_shelf,
   * high_pass... processor; copied). May allocate. */
  void push_band(const ProcessorRef &filter) const {
    detail::check(ml_equalizer_push_band(raw_, filter.handle()));
  }
  /** Sets band `index` to the shape and settings of `filter` (copied); glides. */
  void set_band(std::size_t index, const ProcessorRef &filter) const {
    detail::check(ml_equalizer_set_band(raw_, index, filter.handle()));
  }
  /** A new filter processor with the shape and settings of band `index`. */
  Processor band(std::size_t index) const {
    MlProcessor *handle = nullptr;
    detail::check(ml_equalizer_get_band(raw_, index, &handle));
    return Processor(handle);
  }
  /** Removes band `index` at once (bypass it 20 ms before to avoid a click). */
  void remove_band(std::size_t index) const {
    detail::check(ml_equalizer_remove_band(raw_, index));
  }
  /** The designed response in dB at each of `freqs_hz` at `sample_rate`: the
   * sum of the bands not bypassed. */
  std::vector<double> magnitude_db(span<const double> freqs_hz, double sample_rate) const {
    std::vector<double> out(freqs_hz.size());
    detail::check(ml_equalizer_magnitude_db(raw_, freqs_hz.data(), out.data(), out.size(),
                                            sample_rate));
    return out;
  }
};

/** A multiband compressor ("multiband_compressor" kind): its parameter
 * `bands` sets how many bands, each a compressor. Its band calls belong to
 * the processing thread. */
class MultibandCompressor : public Processor {
 public:
  MultibandCompressor() noexcept = default;
  /** A multiband compressor with its defaults (3 bands). */
  static MultibandCompressor create() {
    MultibandCompressor m;
    m.Processor::operator=(Processor::create("multiband_compressor"));
    return m;
  }
  /** Sets band `index` (0 is the lowest) to the settings of `compressor`, a
   * compressor processor (copied); its bypass bypasses the band. */
  void set_band(std::size_t index, const ProcessorRef &compressor) const {
    detail::check(ml_multiband_set_band(raw_, index, compressor.handle()));
  }
  /** A new compressor processor with the settings of band `index`. */
  Processor band(std::size_t index) const {
    MlProcessor *handle = nullptr;
    detail::check(ml_multiband_get_band(raw_, index, &handle));
    return Processor(handle);
  }
  /** Solos band `index` (or not): while any band is soloed, only soloed
   * bands are heard. */
  void set_band_solo(std::size_t index, bool solo) const {
    detail::check(ml_multiband_set_band_solo(raw_, index, solo));
  }
};

/** A meter's 10 Hz loudness series in LUFS (entry k at (k + 1) * 100 ms). */
struct LoudnessSeries {
  std::vector<double> momentary;
  std::vector<double> short_term;
};

/** A loudness meter (BS.1770 / EBU R128): move-only, one thread at a time. */
class Meter {
 public:
  explicit Meter(const MlMeterConfig &config) {
    MlMeter *handle = nullptr;
    detail::check(ml_meter_new(&config, &handle));
    meter_.reset(handle);
  }
  /** A meter with the default configuration at this rate and channel count. */
  Meter(double sample_rate, std::size_t channels) : Meter(config(sample_rate, channels)) {}

  MlMeter *handle() const noexcept { return meter_.get(); }
  /** Gives up ownership: the caller frees the handle. */
  MlMeter *release() noexcept { return meter_.release(); }
  /** Adds planar audio: m.add({left, right}). Any block length. */
  void add(ConstPlanar channels) {
    std::array<const float *, ML_MAX_CHANNELS> pointers{};
    std::size_t length = detail::channel_pointers(channels, pointers);
    detail::check(
        ml_meter_add_planar(handle(), detail::as_planar(pointers), channels.size(), length));
  }
  /** Adds interleaved audio of `num_channels` channels. */
  void add_interleaved(span<const float> samples, std::size_t num_channels) {
    std::size_t frames = detail::whole_frames(samples.size(), num_channels);
    detail::check(ml_meter_add_interleaved(handle(), samples.data(), num_channels, frames));
  }
  /** Sets the BS.1770 weight of `channel` (0 to 10; 0 excludes it) for audio added next. */
  void set_channel_weight(std::size_t channel, double weight) {
    detail::check(ml_meter_set_channel_weight(handle(), channel, weight));
  }
  void reset() { detail::check(ml_meter_reset(handle())); }
  double integrated_lufs() const { return read(ml_meter_integrated_lufs); }
  double momentary_lufs() const { return read(ml_meter_momentary_lufs); }
  double short_term_lufs() const { return read(ml_meter_short_term_lufs); }
  double max_momentary_lufs() const { return read(ml_meter_max_momentary_lufs); }
  double max_short_term_lufs() const { return read(ml_meter_max_short_term_lufs); }
  double loudness_range_lu() const { return read(ml_meter_loudness_range_lu); }
  double true_peak_dbtp() const { return read(ml_meter_true_peak_dbtp); }
  double sample_peak_dbfs() const { return read(ml_meter_sample_peak_dbfs); }
  double duration_s() const { return read(ml_meter_duration_s); }
  /** True peak of one channel, dBTP. */
  double channel_true_peak_dbtp(std::size_t channel) const {
    double value = 0.0;
    detail::check(ml_meter_channel_true_peak_dbtp(handle(), channel, &value));
    return value;
  }
  /** The 10 Hz momentary and short-term loudness series so far. */
  LoudnessSeries series() const {
    std::size_t length = 0;
    detail::check(ml_meter_series(handle(), nullptr, nullptr, 0, &length));
    LoudnessSeries s{std::vector<double>(length), std::vector<double>(length)};
    detail::check(
        ml_meter_series(handle(), s.momentary.data(), s.short_term.data(), length, &length));
    return s;
  }
  /** Album loudness, LUFS: the meters' programmes as one (gating blocks
   * pooled): Meter::album_integrated_lufs({&a, &b}). */
  static double album_integrated_lufs(span<const Meter *const> meters) {
    double value = 0.0;
    detail::check(
        ml_meter_album_integrated_lufs(detail::handles(meters).data(), meters.size(), &value));
    return value;
  }

 private:
  static MlMeterConfig config(double sample_rate, std::size_t channels) {
    MlMeterConfig c = ml_meter_config_default();
    c.sample_rate = sample_rate;
    c.channels = channels;
    return c;
  }
  double read(MlStatus (*getter)(const MlMeter *, double *)) const {
    double value = 0.0;
    detail::check(getter(handle(), &value));
    return value;
  }
  std::unique_ptr<MlMeter, detail::Free<MlMeter, ml_meter_free>> meter_;
};

/** A level meter: sample peak and windowed RMS per channel; move-only, one
 * thread at a time. Adding audio never allocates. */
class LevelMeter {
 public:
  /** A meter with an RMS window of `window_ms` (1 ms to 60 s; 300 is usual). */
  explicit LevelMeter(double window_ms) {
    MlLevelMeter *handle = nullptr;
    detail::check(ml_level_meter_new(window_ms, &handle));
    meter_.reset(handle);
  }

  MlLevelMeter *handle() const noexcept { return meter_.get(); }
  /** Gives up ownership: the caller frees the handle. */
  MlLevelMeter *release() noexcept { return meter_.release(); }
  /** Prepares for a sample rate and channel count; clears the readings. */
  void prepare(double sample_rate, std::size_t channels) {
    detail::check(ml_level_meter_prepare(handle(), sample_rate, channels));
  }
  void reset() { detail::check(ml_level_meter_reset(handle())); }
  /** Adds planar audio: m.add({left, right}). Non-finite samples count as silence. */
  void add(ConstPlanar channels) {
    std::array<const float *, ML_MAX_CHANNELS> pointers{};
    std::size_t length = detail::channel_pointers(channels, pointers);
    detail::check(ml_level_meter_add_planar(handle(), detail::as_planar(pointers),
                                            channels.size(), length));
  }
  /** Adds interleaved audio of `num_channels` channels. */
  void add_interleaved(span<const float> samples, std::size_t num_channels) {
    std::size_t frames = detail::whole_frames(samples.size(), num_channels);
    detail::check(ml_level_meter_add_interleaved(handle(), samples.data(), num_channels, frames));
  }
  /** Sample peak of `channel` over about the last window, dBFS. */
  double peak_dbfs(std::size_t channel) const { return read(ml_level_meter_peak_dbfs, channel); }
  /** RMS of `channel` over the last window, dBFS (a full-scale sine reads -3.01). */
  double rms_dbfs(std::size_t channel) const { return read(ml_level_meter_rms_dbfs, channel); }
  /** Largest sample peak of `channel` since the last reset, dBFS. */
  double max_peak_dbfs(std::size_t channel) const {
    return read(ml_level_meter_max_peak_dbfs, channel);
  }
  /** Largest full-window RMS of `channel` since the last reset, dBFS. */
  double max_rms_dbfs(std::size_t channel) const {
    return read(ml_level_meter_max_rms_dbfs, channel);
  }
  /** Non-finite samples added since creation or the last reset. */
  std::uint64_t nonfinite_count() const {
    std::uint64_t n = 0;
    detail::check(ml_level_meter_nonfinite_count(handle(), &n));
    return n;
  }

 private:
  double read(MlStatus (*getter)(const MlLevelMeter *, std::size_t, double *),
              std::size_t channel) const {
    double value = 0.0;
    detail::check(getter(handle(), channel, &value));
    return value;
  }
  std::unique_ptr<MlLevelMeter, detail::Free<MlLevelMeter, ml_level_meter_free>> meter_;
};

/** Told the fraction done (0 to 1, rising) by a long call (mastering,
 * matching, measuring, rendering a mix); returning false cancels the call,
 * which throws masterlib::Error with ML_STATUS_CANCELLED and writes no
 * output. An exception it throws stops the call and is rethrown. */
using Progress = std::function<bool(double)>;

namespace detail {

/** A Progress as the C API's MlProgress, for one call. */
class ProgressBridge {
 public:
  explicit ProgressBridge(const Progress &progress)
      : progress_(progress), c_{progress ? &tell : nullptr, this} {}
  ProgressBridge(const ProgressBridge &) = delete;
  ProgressBridge &operator=(const ProgressBridge &) = delete;
  /** The MlProgress to pass (NULL without a callback). */
  const MlProgress *get() const noexcept { return progress_ ? &c_ : nullptr; }
  /** After the call: `status`, unless the callback threw (then that). */
  MlStatus passed(MlStatus status) const {
    if (error_) {
      std::rethrow_exception(error_);
    }
    return status;
  }

 private:
  static bool tell(double fraction, void *self) noexcept {
    auto *bridge = static_cast<ProgressBridge *>(self);
    try {
      return bridge->progress_(fraction);
    } catch (...) {
      bridge->error_ = std::current_exception();
      return false;
    }
  }
  const Progress &progress_;
  MlProgress c_;
  std::exception_ptr error_;
};

}  // namespace detail

/** Measures a whole track: loudness, peaks, DC, stereo, octave bands. */
inline MlQaReport measure(ConstPlanar channels, double sample_rate, const Progress &progress = {}) {
  std::array<const float *, ML_MAX_CHANNELS> pointers{};
  std::size_t length = detail::channel_pointers(channels, pointers);
  MlQaReport report;
  detail::ProgressBridge bridge(progress);
  detail::check(bridge.passed(ml_measure(detail::as_planar(pointers), channels.size(), length,
                                         sample_rate, &report, bridge.get())));
  return report;
}

/** The built-in delivery target `name` ("spotify", "ebu_r128"...). */
inline MlTarget target(const char *name) {
  MlTarget t;
  detail::check(ml_target_by_name(name, &t));
  return t;
}

/** Checks a report against a target. */
inline MlTargetCheck check(const MlQaReport &report, const MlTarget &target) {
  MlTargetCheck result;
  detail::check(ml_qa_check(&report, &target, &result));
  return result;
}

/** Every built-in delivery target, in ml_target_at order. */
inline std::vector<MlTarget> targets() {
  return detail::listed<MlTarget>(ml_target_count(), ml_target_at);
}

/** A delivery target of your own, validated (loudness -60 to 0 LUFS,
 * tolerance 0 to 10 LU, ceiling -30 to +3 dBTP). */
inline MlTarget custom_target(const std::string &name, double integrated_lufs,
                              double tolerance_lu, double true_peak_dbtp, bool turns_up) {
  MlTarget t;
  detail::check(ml_target_custom(name.c_str(), integrated_lufs, tolerance_lu, true_peak_dbtp,
                                 turns_up, &t));
  return t;
}

/** Every processor kind (ml_kind_count of them), in registry order. */
inline std::vector<MlKindInfo> kinds() {
  return detail::listed<MlKindInfo>(ml_kind_count(), ml_kind_info);
}

/** The kind called `name`, without creating a processor. */
inline MlKindInfo kind(const std::string &name) {
  MlKindInfo info;
  detail::check(ml_kind_find(name.c_str(), &info));
  return info;
}

/** Parameter `index` of the kind called `kind`, without creating a processor. */
inline MlParamInfo kind_param_info(const std::string &kind, std::size_t index) {
  MlParamInfo info;
  detail::check(ml_kind_param_info(kind.c_str(), index, &info));
  return info;
}

/** What an index names in the Mixer calls. */
enum class Owner : std::int32_t { track = 0, bus = 1, master = 2 };

/** A mixing session: tracks and buses into a master, move-only. */
class Mixer {
 public:
  Mixer(double sample_rate, std::size_t max_block) {
    MlMixer *handle = nullptr;
    detail::check(ml_mixer_new(sample_rate, max_block, &handle));
    mixer_.reset(handle);
  }
  /** A session from JSON written by to_json(), prepared. */
  static Mixer from_json(const std::string &json, std::size_t max_block) {
    MlMixer *handle = nullptr;
    detail::check(ml_mixer_load_json(json.c_str(), max_block, &handle));
    return Mixer(handle);
  }

  MlMixer *handle() const noexcept { return mixer_.get(); }
  /** Gives up ownership: the caller frees the handle. */
  MlMixer *release() noexcept { return mixer_.release(); }
  /** Adds a track of 1 or 2 channels; returns its index. */
  std::size_t add_track(const std::string &name, std::size_t channels) {
    std::size_t index = 0;
    detail::check(ml_mixer_add_track(handle(), name.c_str(), channels, &index));
    return index;
  }
  /** Adds an aux bus; returns its index. */
  std::size_t add_bus(const std::string &name) {
    std::size_t index = 0;
    detail::check(ml_mixer_add_bus(handle(), name.c_str(), &index));
    return index;
  }
  void send(std::size_t track, std::size_t bus, double level_db, bool pre_fader = false) {
    detail::check(ml_mixer_send(handle(), track, bus, level_db, pre_fader));
  }
  /** Routes a track's output to aux bus `index` (Owner::bus: a group) or
   * back to the master (Owner::master). */
  void route(std::size_t track, Owner who, std::size_t index = 0) {
    detail::check(ml_mixer_route(handle(), track, owner(who), index));
  }
  /** Turns the track and bus meters on (the default) or off (less work; meter() then fails). */
  void set_metering(bool on) { detail::check(ml_mixer_set_metering(handle(), on)); }
  /** Appends `processor` to an insert chain; the mixer owns it from then on. */
  ProcessorRef insert(Owner who, std::size_t index, Processor &&processor) {
    detail::check(ml_mixer_insert_push(handle(), owner(who), index, processor.handle()));
    return ProcessorRef(processor.release());
  }
  /** Insert `position` of a track, bus or the master (also of a loaded session). */
  ProcessorRef insert(Owner who, std::size_t index, std::size_t position) {
    MlProcessor *processor = nullptr;
    detail::check(ml_mixer_insert(handle(), owner(who), index, position, &processor));
    return ProcessorRef(processor);
  }
  /** Sets a parameter by path ("gain_db", "inserts.0.ceiling_db", ...). */
  void set(Owner who, std::size_t index, const std::string &path, double value) {
    detail::check(ml_mixer_param_set(handle(), owner(who), index, path.c_str(), value));
  }
  double get(Owner who, std::size_t index, const std::string &path) const {
    double value = 0.0;
    detail::check(ml_mixer_param_get(handle(), owner(who), index, path.c_str(), &value));
    return value;
  }
  /** Automates a parameter through breakpoints (seconds from the start,
   * non-decreasing, and values), in straight lines; no breakpoints remove it. */
  void automate(Owner who, std::size_t index, const std::string &path, span<const double> times_s,
                span<const double> values) {
    if (times_s.size() != values.size()) {
      throw Error(ML_STATUS_LENGTH_MISMATCH, "times and values differ in length");
    }
    detail::check(ml_mixer_automate(handle(), owner(who), index, path.c_str(), times_s.data(),
                                    values.data(), values.size()));
  }
  void prepare() { detail::check(ml_mixer_prepare(handle())); }
  void reset() { detail::check(ml_mixer_reset(handle())); }
  std::size_t latency() const {
    std::size_t n = 0;
    detail::check(ml_mixer_latency(handle(), &n));
    return n;
  }
  /** Samples of output that may follow the end of the input (reverb and delay tails). */
  std::size_t tail() const {
    std::size_t n = 0;
    detail::check(ml_mixer_tail(handle(), &n));
    return n;
  }
  /** Processes one stretch: tracks[t][c] is channel c of track t; the master
   * goes to `left` and `right` (equal lengths, the number of frames). */
  void process(const float *const *const *tracks, span<float> left, span<float> right) {
    if (left.size() != right.size()) {
      throw Error(ML_STATUS_LENGTH_MISMATCH, "left and right outputs differ in length");
    }
    // The C API takes the planar arrays hosts process (float *const *) and
    // only reads the tracks.
    auto planar = const_cast<float *const *const *>(tracks);
    detail::check(ml_mixer_process(handle(), planar, left.data(), right.data(), left.size()));
  }
  /** Renders the session offline from its start: `frames` samples of every
   * track (tracks[t][c]), aligned (latency removed), plus the tails if
   * `tail`; the tracks on `threads` threads (0: one per CPU). Returns
   * {left, right}. */
  std::array<std::vector<float>, 2> render(const float *const *const *tracks, std::size_t frames,
                                           bool tail = false, std::size_t threads = 0,
                                           const Progress &progress = {}) {
    auto planar = const_cast<float *const *const *>(tracks);
    std::size_t length = 0;
    detail::check(ml_mixer_render(handle(), planar, frames, tail, threads, nullptr, nullptr, 0,
                                  &length, nullptr));
    std::array<std::vector<float>, 2> out{std::vector<float>(length), std::vector<float>(length)};
    detail::ProgressBridge bridge(progress);
    detail::check(bridge.passed(ml_mixer_render(handle(), planar, frames, tail, threads,
                                                out[0].data(), out[1].data(), length, &length,
                                                bridge.get())));
    return out;
  }
  /** Sets every track's fader so that its loudness after its inserts, over
   * `frames` samples of the tracks (as for process()), sits at
   * `reference_lufs + offsets_lu[t]`; returns the faders in dB. Resets the
   * stream; allocates. */
  std::vector<double> balance(const float *const *const *tracks, std::size_t frames,
                              span<const double> offsets_lu, double reference_lufs) {
    auto planar = const_cast<float *const *const *>(tracks);
    std::vector<double> faders_db(offsets_lu.size());
    detail::check(ml_mixer_balance(handle(), planar, frames, offsets_lu.data(), reference_lufs,
                                   faders_db.data(), faders_db.size()));
    return faders_db;
  }
  /** The meter of a track, bus or the master since the last reset. */
  MlMixerMeter meter(Owner who, std::size_t index = 0) const {
    MlMixerMeter m;
    detail::check(ml_mixer_meter(handle(), owner(who), index, &m));
    return m;
  }
  std::string to_json() const { return detail::saved_json(handle(), ml_mixer_save_json); }

 private:
  explicit Mixer(MlMixer *handle) : mixer_(handle) {}
  static MlMixerOwner owner(Owner who) noexcept {
    MlMixerOwner o;
    o._0 = static_cast<std::int32_t>(who);
    return o;
  }
  std::unique_ptr<MlMixer, detail::Free<MlMixer, ml_mixer_free>> mixer_;
};

/** A mastering chain (preset or JSON): move-only, freed when destroyed.
 * Reading it (master(), to_json()) from several threads at once is fine;
 * changing it is not, while it is read. */
class TonalTarget;

class MasteringChain {
 public:
  /** The built-in preset `preset`: "streaming", "broadcast", "loud", "gentle". */
  explicit MasteringChain(const std::string &preset) {
    MlMasteringChain *handle = nullptr;
    detail::check(ml_mastering_chain_new(preset.c_str(), &handle));
    chain_.reset(handle);
  }
  /** A chain from JSON written by to_json() (checked: it must load). */
  static MasteringChain from_json(const std::string &json) {
    MlMasteringChain *handle = nullptr;
    detail::check(ml_mastering_chain_from_json(json.c_str(), &handle));
    return MasteringChain(handle);
  }
  /** The chain the assistant sets up for `mix` (1 or 2 channels; offline):
   * tonal balance against `tonal` (nullptr: "balanced"), dynamics and
   * stereo from the mix, scaled by `intensity` (0 to 1), for the loudness
   * `target`. With `report_json`, also the report explaining each decision
   * (see ml_assist). */
  static MasteringChain assist(ConstPlanar mix, double sample_rate,
                               const std::string &target = "spotify",
                               const TonalTarget *tonal = nullptr, double intensity = 0.5,
                               std::string *report_json = nullptr,
                               const Progress &progress = {});

  MlMasteringChain *handle() const noexcept { return chain_.get(); }
  /** Gives up ownership: the caller frees the handle. */
  MlMasteringChain *release() noexcept { return chain_.release(); }
  /** Sets the loudness target by name ("spotify", "ebu_r128"...); a loudness
   * or ceiling set with the setters below still replaces the target's. */
  void set_target(const std::string &name) {
    detail::check(ml_mastering_chain_set_target(handle(), name.c_str()));
  }
  /** Overrides the target loudness (-60 to 0 LUFS). */
  void set_target_lufs(double lufs) {
    detail::check(ml_mastering_chain_set_target_lufs(handle(), lufs));
  }
  /** Overrides the true-peak ceiling (-30 to +3 dBTP). */
  void set_ceiling_dbtp(double dbtp) {
    detail::check(ml_mastering_chain_set_ceiling_dbtp(handle(), dbtp));
  }
  /** Drops the loudness and ceiling overrides: the target's own apply. */
  void clear_overrides() { detail::check(ml_mastering_chain_clear_overrides(handle())); }
  /** Sets the strengths with which master_to_reference() matches (each 0 to 1). */
  void set_matching(const MlMatching &matching) {
    detail::check(ml_mastering_chain_set_matching(handle(), &matching));
  }
  /** Puts the stage `stage` ("glue", "width"...) on mid and side (`on`) or
   * back on left and right; mid/side stages need stereo audio. */
  void set_mid_side(const std::string &stage, bool on) {
    detail::check(ml_mastering_chain_set_mid_side(handle(), stage.c_str(), on));
  }
  double target_lufs() const { return read(ml_mastering_chain_target_lufs); }
  double ceiling_dbtp() const { return read(ml_mastering_chain_ceiling_dbtp); }
  std::string to_json() const { return detail::saved_json(handle(), ml_mastering_chain_to_json); }

 private:
  explicit MasteringChain(MlMasteringChain *handle) : chain_(handle) {}
  double read(MlStatus (*getter)(const MlMasteringChain *, double *)) const {
    double value = 0.0;
    detail::check(getter(handle(), &value));
    return value;
  }
  std::unique_ptr<MlMasteringChain, detail::Free<MlMasteringChain, ml_mastering_chain_free>>
      chain_;
};

/** A reference profile for matching (loudness, peaks, width, mid and side
 * spectra of reference masters): move-only; never changed once made, so
 * any number of threads may use it. */
class Profile {
 public:
  /** The profile of a reference master (1 or 2 channels; offline). */
  static Profile analyze(ConstPlanar reference, double sample_rate) {
    std::array<const float *, ML_MAX_CHANNELS> pointers{};
    std::size_t length = detail::channel_pointers(reference, pointers);
    MlProfile *handle = nullptr;
    detail::check(ml_profile_analyze(detail::as_planar(pointers), reference.size(), length,
                                     sample_rate, &handle));
    return Profile(handle);
  }
  /** The average of several references' profiles: Profile::average({&a, &b}). */
  static Profile average(span<const Profile *const> profiles) {
    MlProfile *handle = nullptr;
    detail::check(
        ml_profile_average(detail::handles(profiles).data(), profiles.size(), &handle));
    return Profile(handle);
  }
  /** A profile from JSON written by to_json(). */
  static Profile from_json(const std::string &json) {
    MlProfile *handle = nullptr;
    detail::check(ml_profile_from_json(json.c_str(), &handle));
    return Profile(handle);
  }

  MlProfile *handle() const noexcept { return profile_.get(); }
  /** Gives up ownership: the caller frees the handle. */
  MlProfile *release() noexcept { return profile_.release(); }
  /** Integrated loudness of the reference, LUFS. */
  double integrated_lufs() const {
    double lufs = 0.0;
    detail::check(ml_profile_integrated_lufs(handle(), &lufs));
    return lufs;
  }
  std::string to_json() const { return detail::saved_json(handle(), ml_profile_to_json); }

 private:
  explicit Profile(MlProfile *handle) : profile_(handle) {}
  std::unique_ptr<MlProfile, detail::Free<MlProfile, ml_profile_free>> profile_;
};

/** A tonal-balance target for the assistant (a mean curve with a tolerance
 * per 1/3-octave band): move-only; never changed once made. */
class TonalTarget {
 public:
  /** A built-in character: "balanced", "warm" or "bright". */
  explicit TonalTarget(const std::string &character = "balanced") {
    MlTonalTarget *handle = nullptr;
    detail::check(ml_tonal_target_new(character.c_str(), &handle));
    target_.reset(handle);
  }
  /** The target learned from reference masters' profiles: learn({&a, &b}). */
  static TonalTarget learn(span<const Profile *const> profiles) {
    MlTonalTarget *handle = nullptr;
    detail::check(
        ml_tonal_target_learn(detail::handles(profiles).data(), profiles.size(), &handle));
    return TonalTarget(handle);
  }
  /** A target from JSON written by to_json() (checked). */
  static TonalTarget from_json(const std::string &json) {
    MlTonalTarget *handle = nullptr;
    detail::check(ml_tonal_target_from_json(json.c_str(), &handle));
    return TonalTarget(handle);
  }

  MlTonalTarget *handle() const noexcept { return target_.get(); }
  /** Gives up ownership: the caller frees the handle. */
  MlTonalTarget *release() noexcept { return target_.release(); }
  std::string to_json() const { return detail::saved_json(handle(), ml_tonal_target_to_json); }

 private:
  explicit TonalTarget(MlTonalTarget *handle) : target_(handle) {}
  std::unique_ptr<MlTonalTarget, detail::Free<MlTonalTarget, ml_tonal_target_free>> target_;
};

namespace detail {

/** Checks a mastering call's status and frees its report, after writing
 * the report's JSON to `*json` if asked. */
inline void reported(MlStatus status, MlReport *report, std::string *json) {
  std::unique_ptr<MlReport, Free<MlReport, ml_report_free>> owned(report);
  check(status);
  if (json != nullptr) {
    *json = saved_json(report, ml_report_json);
  }
}

/** Runs `call(in, out, channels, frames, &result, report, progress)`, a C
 * call mastering one track, on `input` into `output` (same shape). */
template <typename Call>
MlMasterResult mastered(ConstPlanar input, Planar output, std::string *report_json,
                        const Progress &progress, Call call) {
  std::array<const float *, ML_MAX_CHANNELS> in{};
  std::array<float *, ML_MAX_CHANNELS> out{};
  std::size_t length = in_out(input, output, in, out);
  MlMasterResult result;
  MlReport *report = nullptr;
  ProgressBridge bridge(progress);
  MlStatus status = bridge.passed(call(as_planar(in), out.data(), input.size(), length, &result,
                                       report_json != nullptr ? &report : nullptr, bridge.get()));
  reported(status, report, report_json);
  return result;
}

}  // namespace detail

inline MasteringChain MasteringChain::assist(ConstPlanar mix, double sample_rate,
                                             const std::string &target, const TonalTarget *tonal,
                                             double intensity, std::string *report_json,
                                             const Progress &progress) {
  std::array<const float *, ML_MAX_CHANNELS> pointers{};
  std::size_t length = detail::channel_pointers(mix, pointers);
  MlMasteringChain *handle = nullptr;
  MlReport *report = nullptr;
  detail::ProgressBridge bridge(progress);
  MlStatus status = bridge.passed(ml_assist(
      detail::as_planar(pointers), mix.size(), length, sample_rate, target.c_str(),
      tonal != nullptr ? tonal->handle() : nullptr, intensity, &handle,
      report_json != nullptr ? &report : nullptr, bridge.get()));
  detail::reported(status, report, report_json);
  return MasteringChain(handle);
}

/** Masters a track (1 or 2 channels, offline: allocates) into `output`
 * (same shape; may be `input`): master(chain, {l, r}, {out_l, out_r}, rate).
 * With `report_json`, also the full report as JSON (see MlReport). */
inline MlMasterResult master(const MasteringChain &chain, ConstPlanar input, Planar output,
                             double sample_rate, std::string *report_json = nullptr,
                             const Progress &progress = {}) {
  return detail::mastered(input, output, report_json, progress,
                          [&](auto in, auto out, auto channels, auto frames, auto result,
                              auto report, auto tell) {
                            return ml_master(chain.handle(), in, out, channels, frames,
                                             sample_rate, result, report, tell);
                          });
}

/** master() with the chain first matched to `reference` at the chain's
 * matching strengths (MasteringChain::set_matching). */
inline MlMasterResult master_to_reference(const MasteringChain &chain, const Profile &reference,
                                          ConstPlanar input, Planar output, double sample_rate,
                                          std::string *report_json = nullptr,
                                          const Progress &progress = {}) {
  return detail::mastered(input, output, report_json, progress,
                          [&](auto in, auto out, auto channels, auto frames, auto result,
                              auto report, auto tell) {
                            return ml_master_to_reference(chain.handle(), reference.handle(), in,
                                                          out, channels, frames, sample_rate,
                                                          result, report, tell);
                          });
}

/** The default matching strengths: tonal 1, loudness 1, width 0.5, dynamics 0.5. */
inline MlMatching matching_default() noexcept { return ml_matching_default(); }

/** Matches a mix to `reference` and does nothing else: tonal balance,
 * loudness (limited at -1 dBTP), width and dynamics at `matching`'s
 * strengths. Audio and report as for master(). */
inline MlMasterResult match_reference(const Profile &reference, const MlMatching &matching,
                                      ConstPlanar input, Planar output, double sample_rate,
                                      std::string *report_json = nullptr,
                                      const Progress &progress = {}) {
  return detail::mastered(input, output, report_json, progress,
                          [&](auto in, auto out, auto channels, auto frames, auto result,
                              auto report, auto tell) {
                            return ml_match_reference(reference.handle(), &matching, in, out,
                                                      channels, frames, sample_rate, result,
                                                      report, tell);
                          });
}

/** What master_album() did: each track's figures and the album's loudness change. */
struct AlbumResult {
  std::vector<MlMasterResult> tracks;
  double album_gain_db;
};

/** Masters an album (offline): each track (1 or 2 channels, alike) through
 * the same stages with one album gain, so the album sits at the target and
 * each track keeps its loudness relative to the others; outputs may be the
 * inputs: master_album(chain, {{al, ar}, {bl, br}}, {{oal, oar}, {obl, obr}}, rate). */
inline AlbumResult master_album(const MasteringChain &chain, span<const ConstPlanar> tracks,
                                span<const Planar> outputs, double sample_rate,
                                std::string *report_json = nullptr,
                                const Progress &progress = {}) {
  if (tracks.empty()) {
    throw Error(ML_STATUS_EMPTY_INPUT, "an album needs a track");
  }
  if (outputs.size() != tracks.size()) {
    throw Error(ML_STATUS_LENGTH_MISMATCH, "the outputs differ in number from the tracks");
  }
  const std::size_t n = tracks.size(), channels = tracks[0].size();
  std::vector<std::array<const float *, ML_MAX_CHANNELS>> in(n);
  std::vector<std::array<float *, ML_MAX_CHANNELS>> out(n);
  std::vector<float *const *> in_tracks(n), out_tracks(n);
  std::vector<std::size_t> frames(n);
  for (std::size_t t = 0; t < n; ++t) {
    if (tracks[t].size() != channels) {
      throw Error(ML_STATUS_INVALID_CHANNEL_COUNT,
                  "track " + std::to_string(t) + " has " + std::to_string(tracks[t].size()) +
                      " channels, track 0 has " + std::to_string(channels));
    }
    frames[t] = detail::in_out(tracks[t], outputs[t], in[t], out[t]);
    in_tracks[t] = detail::as_planar(in[t]);
    out_tracks[t] = out[t].data();
  }
  AlbumResult result{std::vector<MlMasterResult>(n), 0.0};
  MlReport *report = nullptr;
  detail::ProgressBridge bridge(progress);
  MlStatus status = bridge.passed(ml_master_album(
      chain.handle(), in_tracks.data(), out_tracks.data(), n, channels, frames.data(), sample_rate,
      result.tracks.data(), &result.album_gain_db, report_json != nullptr ? &report : nullptr,
      bridge.get()));
  detail::reported(status, report, report_json);
  return result;
}

/** Normalizes a track (1 to ML_MAX_CHANNELS channels, offline) to the
 * delivery target called `target`: one gain, then the true-peak limiter
 * at its ceiling. `output` may be `input`. */
inline MlNormalizeResult normalize(ConstPlanar input, Planar output, double sample_rate,
                                   const std::string &target) {
  std::array<const float *, ML_MAX_CHANNELS> in{};
  std::array<float *, ML_MAX_CHANNELS> out{};
  std::size_t length = detail::in_out(input, output, in, out);
  MlNormalizeResult result;
  detail::check(ml_normalize(detail::as_planar(in), out.data(), input.size(), length, sample_rate,
                             target.c_str(), &result));
  return result;
}

}  // namespace masterlib

#endif /* MASTERLIB_HPP */
