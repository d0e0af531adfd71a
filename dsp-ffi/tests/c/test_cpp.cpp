// Tests of the C++17 wrapper include/masterlib.hpp: ownership (move-only
// handles), errors as exceptions with status and message, spans, and
// measured results through every wrapped call: processors (sidechain,
// tables, impulse responses, equalizer and multiband bands), meters, the
// mixer, kinds and targets, mastering, normalization and reference matching.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "check.h"
#include "masterlib.hpp"

namespace ml = masterlib;

static_assert(!std::is_copy_constructible<ml::Processor>::value, "move-only");
static_assert(!std::is_copy_assignable<ml::Processor>::value, "move-only");
static_assert(std::is_nothrow_move_constructible<ml::Processor>::value, "noexcept move");
static_assert(std::is_nothrow_move_assignable<ml::Processor>::value, "noexcept move");
static_assert(!std::is_copy_constructible<ml::Meter>::value, "move-only");
static_assert(!std::is_copy_constructible<ml::Mixer>::value, "move-only");
static_assert(!std::is_copy_constructible<ml::MasteringChain>::value, "move-only");
static_assert(!std::is_copy_constructible<ml::LevelMeter>::value, "move-only");
static_assert(!std::is_copy_constructible<ml::Profile>::value, "move-only");
static_assert(!std::is_copy_constructible<ml::Equalizer>::value, "move-only");
static_assert(std::is_nothrow_move_constructible<ml::LevelMeter>::value, "noexcept move");
static_assert(std::is_nothrow_move_constructible<ml::Profile>::value, "noexcept move");
static_assert(std::is_nothrow_move_constructible<ml::MultibandCompressor>::value, "noexcept move");
static_assert(std::is_base_of<std::runtime_error, ml::Error>::value, "Error is a runtime_error");

namespace {

constexpr double kRate = 48000.0;
constexpr double kPi = 3.14159265358979323846;

// `seconds` of a sine of `hz` (997 Hz unless given) with peak `amplitude`.
std::vector<float> sine(double amplitude, double seconds, double hz = 997.0) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate));
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    x[i] = static_cast<float>(amplitude * std::sin(2.0 * kPi * hz * t));
  }
  return x;
}

// RMS of `x` from sample `from` to the end, in dB re full scale.
double rms_db(const std::vector<float> &x, std::size_t from = 0) {
  double sum = 0.0;
  for (std::size_t i = from; i < x.size(); ++i) {
    sum += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  }
  return 10.0 * std::log10(sum / static_cast<double>(x.size() - from));
}

// Gain in dB from `in` to `out` over their second halves (past transients).
double gain_db(const std::vector<float> &out, const std::vector<float> &in) {
  return rms_db(out, out.size() / 2) - rms_db(in, in.size() / 2);
}

// Stereo test music of `seconds` at peak level about `level`: a pulsing
// bass, a swelling chord and noise hits on the off-beats; the channels
// differ by a quiet tone each. `seed` varies the noise.
std::array<std::vector<float>, 2> music(double seconds, double level, std::uint32_t seed) {
  const std::size_t frames = static_cast<std::size_t>(seconds * kRate);
  std::array<std::vector<float>, 2> x{std::vector<float>(frames), std::vector<float>(frames)};
  for (std::size_t i = 0; i < x[0].size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double beat = std::fmod(2.0 * t, 1.0);
    seed = seed * 1664525u + 1013904223u;
    const double noise = static_cast<double>(seed >> 8) / 16777216.0 - 0.5;
    const double mid = 0.5 * std::sin(2.0 * kPi * 55.0 * t) * std::exp(-5.0 * beat) +
                       0.2 * (0.7 + 0.3 * std::sin(2.0 * kPi * 0.25 * t)) *
                           (std::sin(2.0 * kPi * 220.0 * t) + std::sin(2.0 * kPi * 277.2 * t)) +
                       (beat > 0.5 ? 1.2 * noise * std::exp(-25.0 * (beat - 0.5)) : 0.0);
    x[0][i] = static_cast<float>(level * (mid + 0.1 * std::sin(2.0 * kPi * 330.0 * t)));
    x[1][i] = static_cast<float>(level * (mid + 0.1 * std::sin(2.0 * kPi * 440.0 * t)));
  }
  return x;
}

// The status of the Error thrown by `f`, or ML_STATUS_OK if none was; the
// message goes to `message`.
template <typename F>
MlStatus thrown(F f, std::string *message = nullptr) {
  try {
    f();
  } catch (const ml::Error &e) {
    if (message != nullptr) {
      *message = e.what();
    }
    return e.status();
  }
  return ML_STATUS_OK;
}

// A limiter holds a +6 dBFS sine's output samples at its ceiling, processed
// through spans in blocks of 100 (not dividing the prepared 256).
void limiter_holds_its_ceiling() {
  ml::Processor limiter = ml::Processor::create("limiter");
  limiter.set("ceiling_db", -3.0);
  CHECK_NEAR(limiter.get("ceiling_db"), -3.0, 0.0);
  limiter.prepare(kRate, 256, 2);
  std::vector<float> left = sine(2.0, 1.0), right = sine(2.0, 1.0);
  ml::span<float> l(left), r(right);
  for (std::size_t at = 0; at < left.size(); at += 100) {
    limiter.process({l.subspan(at, 100), r.subspan(at, 100)});
  }
  MlQaReport report = ml::measure({left, right}, kRate);
  CHECK(report.sample_peak_dbfs <= -3.0 + 1e-4);
  CHECK(report.sample_peak_dbfs > -3.5);  // limited, not silenced
  CHECK(std::strcmp(limiter.kind().name, "limiter") == 0);
}

// A gain of -6 dB read back by a loudness meter and by the report; a sine at
// -20 dBFS in both channels reads -20 LUFS (BS.1770 calibration).
void gain_and_meter_agree() {
  ml::Processor gain = ml::Processor::create(std::string("gain"));
  gain.set("gain_db", -6.0);
  gain.prepare(kRate, 512, 2);
  const double amplitude = std::pow(10.0, -14.0 / 20.0);
  std::vector<float> left = sine(amplitude, 3.0), right = sine(amplitude, 3.0);
  // Interleaved processing of the first half, planar of the second.
  const std::size_t half = left.size() / 2;
  std::vector<float> frames(2 * half);
  for (std::size_t i = 0; i < half; ++i) {
    frames[2 * i] = left[i];
    frames[2 * i + 1] = right[i];
  }
  gain.process_interleaved(frames, 2);
  for (std::size_t i = 0; i < half; ++i) {
    left[i] = frames[2 * i];
    right[i] = frames[2 * i + 1];
  }
  float *rest[2] = {left.data() + half, right.data() + half};
  gain.process(rest, 2, left.size() - half);

  ml::Meter meter(kRate, 2);
  meter.add({left, right});
  CHECK_NEAR(meter.sample_peak_dbfs(), -20.0, 0.01);
  CHECK_NEAR(meter.integrated_lufs(), -20.0, 0.1);
  CHECK_NEAR(meter.duration_s(), 3.0, 1e-9);
  MlQaReport report = ml::measure({left, right}, kRate);
  CHECK_NEAR(report.integrated_lufs, meter.integrated_lufs(), 1e-9);
  // -20 LUFS is 6 LU under Spotify's -14: it fails and would be turned up.
  MlTargetCheck verdict = ml::check(report, ml::target("spotify"));
  CHECK(!verdict.pass);
  CHECK(verdict.gain_change_db > 0.0);
}

// Failures throw Error with the status and the library's message.
void errors_carry_status_and_message() {
  std::string message;
  CHECK(thrown([] { ml::Processor::create("no_such_kind"); }, &message) != ML_STATUS_OK);
  CHECK(message.find("no_such_kind") != std::string::npos);
  ml::Processor limiter = ml::Processor::create("limiter");
  CHECK(thrown([&] { limiter.set("ceiling_db", 5.0); }, &message) == ML_STATUS_INVALID_ARGUMENT);
  CHECK(message.find("ceiling_db") != std::string::npos);
  CHECK(thrown([&] { limiter.set("no_such_param", 0.0); }) == ML_STATUS_UNKNOWN_NAME);
  std::vector<float> x(64), shorter(32);
  CHECK(thrown([&] { limiter.process({x}); }) == ML_STATUS_NOT_PREPARED);
  limiter.prepare(kRate, 64, 2);
  CHECK(thrown([&] { limiter.process({x}); }) == ML_STATUS_CHANNEL_MISMATCH);
  CHECK(thrown([&] { limiter.process({x, shorter}); }) == ML_STATUS_LENGTH_MISMATCH);
  CHECK(thrown([&] { limiter.process_interleaved(shorter, 3); }) == ML_STATUS_LENGTH_MISMATCH);
  CHECK(thrown([&] { ml::Meter(1.0, 2); }) == ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK(thrown([] { ml::target("nowhere"); }) == ML_STATUS_UNKNOWN_NAME);
}

// Moves transfer the handle; a moved-from handle is empty and refuses calls.
void handles_move() {
  ml::Processor a = ml::Processor::create("gain");
  MlProcessor *raw = a.handle();
  ml::Processor b = std::move(a);
  CHECK(b.handle() == raw);
  CHECK(!a);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  CHECK(thrown([&] { a.set("gain_db", 0.0); }) == ML_STATUS_NULL_POINTER);
  a = ml::Processor::create("limiter");
  b = std::move(a);  // frees the gain
  CHECK(std::strcmp(b.kind().name, "limiter") == 0);
  MlProcessor *released = b.release();
  CHECK(!b);
  ml::Processor adopted(released);
  CHECK(adopted.handle() == released);
  ml::Processor copy = ml::Processor::from_json(adopted.to_json());
  CHECK(std::strcmp(copy.kind().name, "limiter") == 0);
}

// A chain owns its pushed members; their handles stay usable for
// parameters: two gains of -3 dB and -9 dB make -12 dB, bypassing one -3 dB.
void chain_members_stay_reachable() {
  ml::Chain chain = ml::Chain::create();
  ml::ProcessorRef first = chain.push(ml::Processor::create("gain"));
  ml::ProcessorRef second = chain.push(ml::Processor::create("gain"));
  CHECK(chain.size() == 2);
  CHECK(chain.member(1).handle() == second.handle());
  first.set("gain_db", -3.0);
  second.set("gain_db", -9.0);
  chain.prepare(kRate, 256, 1);
  std::vector<float> x = sine(1.0, 0.5);
  chain.process({x});
  CHECK_NEAR(ml::measure({x}, kRate).sample_peak_dbfs, -12.0, 0.01);
  chain.member(1).set("bypass", 1.0);
  CHECK(second.get("bypass") == 1.0);
  chain.reset();
  x = sine(1.0, 0.5);
  chain.process({x});
  CHECK_NEAR(ml::measure({x}, kRate).sample_peak_dbfs, -3.0, 0.01);
  CHECK(thrown([&] { chain.member(2); }) != ML_STATUS_OK);
}

// A stereo track through an insert gain of -6 dB and a fader of -4 dB
// reaches the master 10 dB down.
void mixer_sums_a_track() {
  ml::Mixer mixer(kRate, 256);
  std::size_t track = mixer.add_track("piano", 2);
  ml::ProcessorRef insert = mixer.insert(ml::Owner::track, track, ml::Processor::create("gain"));
  insert.set("gain_db", -6.0);
  mixer.set(ml::Owner::track, track, "gain_db", -4.0);
  CHECK_NEAR(mixer.get(ml::Owner::track, track, "gain_db"), -4.0, 0.0);
  mixer.prepare();
  std::vector<float> left = sine(0.5, 1.0), right = sine(0.5, 1.0);
  std::vector<float> out_left(left.size()), out_right(left.size());
  const float *channels[2] = {left.data(), right.data()};
  const float *const *tracks[1] = {channels};
  mixer.process(tracks, out_left, out_right);
  CHECK_NEAR(ml::measure({out_left, out_right}, kRate).sample_peak_dbfs,
             20.0 * std::log10(0.5) - 10.0, 0.05);
  CHECK_NEAR(mixer.meter(ml::Owner::master).sample_peak_dbfs, 20.0 * std::log10(0.5) - 10.0, 0.05);
  // Offline on two threads: the same samples, as the stream has no latency.
  std::array<std::vector<float>, 2> rendered = mixer.render(tracks, left.size(), false, 2);
  CHECK(rendered[0] == out_left && rendered[1] == out_right);
  ml::Mixer copy = ml::Mixer::from_json(mixer.to_json(), 256);
  CHECK_NEAR(copy.get(ml::Owner::track, 0, "gain_db"), -4.0, 0.0);
  CHECK(thrown([&] { mixer.add_track("piano", 2); }) == ML_STATUS_INVALID_ARGUMENT);
}

void version_matches_the_header() {
  CHECK(ml_version() == MASTERLIB_VERSION);
  CHECK(ml::version_compatible());
  const std::string expected = std::to_string(MASTERLIB_VERSION_MAJOR) + "." +
                               std::to_string(MASTERLIB_VERSION_MINOR) + "." +
                               std::to_string(MASTERLIB_VERSION_PATCH);
  CHECK(ml::version().compare(0, expected.size(), expected) == 0);
}

// The streaming preset masters 4 s of a swelling two-tone signal to -14
// LUFS under -1 dBTP; the chain survives JSON and moves; errors throw.
void mastering_chain_masters_to_its_target() {
  std::vector<float> left = sine(0.1, 4.0), right = sine(0.1, 4.0);
  for (std::size_t i = 0; i < left.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    left[i] *= static_cast<float>(1.0 + 0.5 * std::sin(2.0 * kPi * 0.5 * t));
    right[i] = 0.5f * left[i] + 0.1f * static_cast<float>(std::sin(2.0 * kPi * 110.0 * t));
  }
  ml::MasteringChain chain("streaming");
  ml::MasteringChain copy = ml::MasteringChain::from_json(chain.to_json());
  ml::MasteringChain moved = std::move(copy);
  CHECK(copy.handle() == nullptr && moved.target_lufs() == -14.0);
  std::vector<float> out_left(left.size()), out_right(left.size());
  std::string report_json;
  MlMasterResult result =
      ml::master(moved, {left, right}, {out_left, out_right}, kRate, &report_json);
  CHECK(report_json.find("\"normalization\":{") != std::string::npos);
  CHECK(report_json.find("\"target\":{\"name\":\"spotify\"") != std::string::npos);
  MlQaReport report = ml::measure({out_left, out_right}, kRate);
  CHECK_NEAR(report.integrated_lufs, -14.0, 0.3);
  CHECK(report.true_peak_dbtp <= -1.0);
  CHECK_NEAR(result.output_lufs, report.integrated_lufs, 1e-9);
  std::string message;
  CHECK(thrown([] { ml::MasteringChain("shiny"); }, &message) == ML_STATUS_UNKNOWN_NAME);
  CHECK(message.find("gentle") != std::string::npos);
  CHECK(thrown([&] { moved.set_target_lufs(2.0); }) == ML_STATUS_INVALID_ARGUMENT);
  moved.set_target_lufs(-12.0);
  moved.clear_overrides();
  CHECK(moved.target_lufs() == -14.0);
  std::vector<float> short_out(10);
  CHECK(thrown([&] { ml::master(moved, {left, right}, {out_left, short_out}, kRate); }) ==
        ML_STATUS_LENGTH_MISMATCH);
}

// Parameters by index reach the same values as by id; non-finite input is
// counted and processed as silence.
void parameters_by_index_and_nonfinite_count() {
  ml::Processor limiter = ml::Processor::create("limiter");
  const std::size_t ceiling = limiter.param_index("ceiling_db");
  CHECK(std::strcmp(limiter.param_info(ceiling).id, "ceiling_db") == 0);
  limiter.set_at(ceiling, -6.0);
  CHECK(limiter.get("ceiling_db") == -6.0 && limiter.get_at(ceiling) == -6.0);
  CHECK(thrown([&] { limiter.param_index(std::string("no_such_param")); }) ==
        ML_STATUS_UNKNOWN_NAME);
  CHECK(thrown([&] { limiter.set_at(limiter.param_count(), 0.0); }) ==
        ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { limiter.get_at(limiter.param_count()); }) == ML_STATUS_INVALID_ARGUMENT);

  ml::Processor gain = ml::Processor::create("gain");
  gain.prepare(kRate, 64, 1);
  std::vector<float> x = sine(0.5, 0.01);
  x[3] = NAN;
  x[40] = INFINITY;
  gain.process({x});
  CHECK(gain.nonfinite_count() == 2);
  CHECK(x[3] == 0.0f && x[40] == 0.0f && std::isfinite(x[41]));
  gain.reset();
  CHECK(gain.nonfinite_count() == 0);
}

// A compressor keyed by a loud sidechain turns a quiet input (below its
// threshold) down by the reduction the key's level calls for; unkeyed, the
// input passes unchanged.
void sidechain_keys_a_compressor() {
  ml::Processor comp = ml::Processor::create("compressor");
  comp.set("threshold_db", -30.0);
  comp.set("ratio", 10.0);
  comp.set("knee_db", 0.0);
  comp.set("attack_ms", 1.0);
  comp.set("release_ms", 200.0);
  comp.prepare(kRate, 512, 2);
  const std::vector<float> quiet = sine(0.01, 0.5);  // -40 dBFS
  std::vector<float> left = quiet, right = quiet;
  comp.process({left, right});
  CHECK_NEAR(gain_db(left, quiet), 0.0, 0.01);
  const std::vector<float> key = sine(0.5, 0.5, 100.0);  // -6 dBFS peak
  comp.reset();
  left = quiet;
  right = quiet;
  comp.process_sidechain({left, right}, {key});
  const double reduction = (-6.02 + 30.0) * (1.0 - 1.0 / 10.0);
  std::printf("sidechain: %.2f dB reduction reported, %.2f dB measured, %.2f dB expected\n",
              comp.gain_reduction_db(), -gain_db(right, quiet), reduction);
  CHECK_NEAR(comp.gain_reduction_db(), reduction, 0.5);
  CHECK_NEAR(gain_db(left, quiet), -reduction, 0.5);
  CHECK_NEAR(gain_db(right, quiet), -reduction, 0.5);
  std::vector<float> short_key(10);
  CHECK(thrown([&] { comp.process_sidechain({left, right}, {short_key}); }) ==
        ML_STATUS_LENGTH_MISMATCH);
  ml::Processor limiter = ml::Processor::create("limiter");
  limiter.prepare(kRate, 512, 2);
  CHECK(thrown([&] { limiter.process_sidechain({left, right}, {key}); }) == ML_STATUS_WRONG_KIND);
}

// An equalizer's designed response (magnitude_db) is what processing
// measures; bands are read, replaced and removed.
void equalizer_bands_match_processing() {
  ml::Equalizer eq = ml::Equalizer::create();
  ml::Processor peak = ml::Processor::create("peak_filter");
  peak.set("cutoff_hz", 1000.0);
  peak.set("gain_db", 6.0);
  peak.set("q", 1.0);
  ml::Processor high_pass = ml::Processor::create("high_pass");
  high_pass.set("cutoff_hz", 200.0);
  eq.push_band(peak);
  eq.push_band(high_pass);
  CHECK(eq.size() == 2);
  const std::vector<double> freqs = {100.0, 250.0, 1000.0, 4000.0};
  const std::vector<double> designed = eq.magnitude_db(freqs, kRate);
  CHECK_NEAR(designed[2], 6.0, 0.01);
  CHECK(designed[0] < -6.0);  // below the high-pass
  eq.prepare(kRate, 512, 1);
  for (std::size_t k = 0; k < freqs.size(); ++k) {
    const std::vector<float> in = sine(0.25, 0.4, freqs[k]);
    std::vector<float> out = in;
    eq.reset();
    eq.process({out});
    CHECK_NEAR(gain_db(out, in), designed[k], 0.02);
  }
  ml::Processor band = eq.band(0);
  CHECK(std::strcmp(band.kind().name, "peak_filter") == 0 && band.get("gain_db") == 6.0);
  peak.set("gain_db", -4.0);
  eq.set_band(0, peak);
  CHECK_NEAR(eq.magnitude_db({1000.0}, kRate)[0], -4.0, 0.01);
  eq.remove_band(0);
  CHECK(eq.size() == 1 && std::strcmp(eq.band(0).kind().name, "high_pass") == 0);
  CHECK_NEAR(eq.magnitude_db({4000.0}, kRate)[0], 0.0, 0.01);
  CHECK(thrown([&] { eq.band(1); }) == ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { eq.push_band(ml::Processor::create("gain")); }) == ML_STATUS_WRONG_KIND);
  CHECK(thrown([&] { eq.magnitude_db({1000.0}, 0.0); }) == ML_STATUS_INVALID_SAMPLE_RATE);
}

// A multiband compressor's band settings reach the band: a hard low band
// reduces a bass tone and reports it in its row, a unity top band leaves a
// high tone alone, and soloing the top band mutes the bass.
void multiband_bands_take_their_settings() {
  ml::MultibandCompressor mb = ml::MultibandCompressor::create();
  ml::Processor hard = ml::Processor::create("compressor");
  hard.set("threshold_db", -40.0);
  hard.set("ratio", 10.0);
  hard.set("attack_ms", 1.0);
  ml::Processor unity = ml::Processor::create("compressor");
  unity.set("ratio", 1.0);
  mb.set_band(0, hard);
  mb.set_band(1, unity);
  mb.set_band(2, unity);
  CHECK(mb.band(0).get("threshold_db") == -40.0 && mb.band(2).get("ratio") == 1.0);
  mb.prepare(kRate, 512, 1);
  const std::vector<float> bass = sine(0.5, 0.5, 60.0), treble = sine(0.5, 0.5, 8000.0);
  std::vector<float> out = bass;
  mb.process({out});
  CHECK(mb.gain_reduction_rows() == 3);
  std::printf("multiband: bass %.2f dB through a hard low band (row 0 %.2f dB, row 2 %.2f dB)\n",
              gain_db(out, bass), mb.gain_reduction_db(std::size_t{0}),
              mb.gain_reduction_db(std::size_t{2}));
  CHECK(gain_db(out, bass) < -20.0);
  CHECK(mb.gain_reduction_db(std::size_t{0}) > 20.0);
  CHECK(mb.gain_reduction_db(std::size_t{2}) < 0.01);
  CHECK_NEAR(mb.gain_reduction_db(), mb.gain_reduction_db(std::size_t{0}), 1e-9);
  mb.reset();
  out = treble;
  mb.process({out});
  CHECK_NEAR(gain_db(out, treble), 0.0, 0.05);
  mb.set_band_solo(2, true);
  mb.reset();
  out = bass;
  mb.process({out});
  CHECK(gain_db(out, bass) < -60.0);
  CHECK(thrown([&] { mb.set_band(3, hard); }) == ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { mb.set_band(0, ml::Processor::create("gain")); }) == ML_STATUS_WRONG_KIND);
  CHECK(thrown([&] { mb.set_band_solo(3, true); }) == ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { mb.gain_reduction_db(std::size_t{3}); }) == ML_STATUS_INVALID_ARGUMENT);
}

// A linear-phase EQ's curve table is read back and shapes the response
// (-6 dB at 1 kHz, halfway in log frequency along a 0 to -12 dB slope); a
// convolution reverb's impulse response is what it outputs for an impulse.
void tables_and_impulse_responses() {
  ml::Processor eq = ml::Processor::create("linear_phase_eq");
  const std::vector<double> curve = {100.0, 0.0, 10000.0, -12.0};
  eq.set_table("curve", curve);
  CHECK(eq.table("curve") == curve && eq.table("side_curve").empty());
  eq.prepare(kRate, 512, 1);
  const std::vector<float> in = sine(0.25, 1.0, 1000.0);
  std::vector<float> out = in;
  eq.process({out});
  CHECK(eq.latency() > 4096);
  CHECK_NEAR(gain_db(out, in), -6.0, 0.05);
  CHECK(thrown([&] { eq.set_table("curves", curve); }) == ML_STATUS_UNKNOWN_NAME);
  CHECK(thrown([&] { eq.set_table("curve", {100.0, 0.0, 10000.0}); }) ==
        ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { eq.table("curves"); }) == ML_STATUS_UNKNOWN_NAME);

  ml::Processor reverb = ml::Processor::create("convolution_reverb");
  std::vector<float> ir(64);
  ir[10] = 0.5f;
  ir[30] = -0.25f;
  reverb.set_ir({ir}, kRate);
  reverb.prepare(kRate, 256, 1);
  std::vector<float> x(2048);
  x[0] = 1.0f;
  reverb.process({x});
  const std::size_t at = reverb.latency();
  CHECK(at < 1024 && reverb.tail() == ir.size() - 1);
  double error = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float want = i >= at && i - at < ir.size() ? ir[i - at] : 0.0f;
    error = std::max(error, static_cast<double>(std::fabs(x[i] - want)));
  }
  CHECK(error < 1e-5);
  CHECK(thrown([&] { reverb.set_ir({ir}, 44100.0); }) == ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK(thrown([&] { ml::Processor::create("gain").set_ir({ir}, kRate); }) ==
        ML_STATUS_WRONG_KIND);
}

// A level meter reads a sine's peak and its RMS 3.01 dB below, the same
// fed planar or interleaved, and counts non-finite samples.
void level_meter_reads_peak_and_rms() {
  ml::LevelMeter planar(300.0), interleaved(300.0);
  CHECK(thrown([&] { planar.add({sine(0.5, 0.1)}); }) == ML_STATUS_NOT_PREPARED);
  planar.prepare(kRate, 2);
  interleaved.prepare(kRate, 2);
  const std::vector<float> left = sine(0.5, 1.0), right = sine(0.25, 1.0);
  planar.add({left, right});
  std::vector<float> frames(2 * left.size());
  for (std::size_t i = 0; i < left.size(); ++i) {
    frames[2 * i] = left[i];
    frames[2 * i + 1] = right[i];
  }
  interleaved.add_interleaved(frames, 2);
  const double left_db = 20.0 * std::log10(0.5), right_db = 20.0 * std::log10(0.25);
  CHECK_NEAR(planar.peak_dbfs(0), left_db, 0.01);
  CHECK_NEAR(planar.rms_dbfs(0), left_db - 3.0103, 0.01);
  CHECK_NEAR(planar.rms_dbfs(1), right_db - 3.0103, 0.01);
  CHECK_NEAR(planar.max_peak_dbfs(1), right_db, 0.01);
  CHECK_NEAR(planar.max_rms_dbfs(0), left_db - 3.0103, 0.01);
  CHECK_NEAR(interleaved.rms_dbfs(1), planar.rms_dbfs(1), 1e-9);
  CHECK(planar.nonfinite_count() == 0);
  std::vector<float> bad(10, NAN);
  planar.add({bad, bad});
  CHECK(planar.nonfinite_count() == 20);
  planar.reset();
  CHECK(planar.nonfinite_count() == 0);
  CHECK(thrown([&] { planar.peak_dbfs(2); }) == ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { planar.add({bad}); }) == ML_STATUS_CHANNEL_MISMATCH);
  CHECK(thrown([&] { planar.add_interleaved(bad, 3); }) == ML_STATUS_LENGTH_MISMATCH);
  CHECK(thrown([] { ml::LevelMeter(NAN); }) == ML_STATUS_INVALID_ARGUMENT);
}

// A loudness meter fed interleaved audio: per-channel true peak, the 10 Hz
// series, channel weights (a channel at weight 0 costs 3.01 LU), and album
// loudness (a much quieter track falls under the relative gate).
void meter_series_weights_and_album() {
  const std::vector<float> left = sine(0.1, 3.0), right = sine(0.05, 3.0);
  std::vector<float> frames(2 * left.size());
  for (std::size_t i = 0; i < left.size(); ++i) {
    frames[2 * i] = left[i];
    frames[2 * i + 1] = left[i];
  }
  ml::Meter meter(kRate, 2);
  meter.add_interleaved(frames, 2);
  CHECK_NEAR(meter.integrated_lufs(), -20.0, 0.1);
  ml::LoudnessSeries series = meter.series();
  CHECK(series.momentary.size() == 30 && series.short_term.size() == 30);
  CHECK_NEAR(series.momentary.back(), meter.momentary_lufs(), 1e-9);
  CHECK_NEAR(series.short_term.back(), -20.0, 0.1);
  CHECK(thrown([&] { meter.add_interleaved({frames.data(), 7}, 2); }) ==
        ML_STATUS_LENGTH_MISMATCH);

  ml::Meter peaks(kRate, 2);
  peaks.add({left, right});
  CHECK_NEAR(peaks.channel_true_peak_dbtp(0), -20.0, 0.05);
  CHECK_NEAR(peaks.channel_true_peak_dbtp(1), 20.0 * std::log10(0.05), 0.05);
  CHECK(thrown([&] { peaks.channel_true_peak_dbtp(2); }) == ML_STATUS_INVALID_ARGUMENT);

  ml::Meter weighted(kRate, 2);
  weighted.set_channel_weight(1, 0.0);
  weighted.add({left, left});
  CHECK_NEAR(weighted.integrated_lufs(), meter.integrated_lufs() - 3.0103, 0.01);
  CHECK(thrown([&] { weighted.set_channel_weight(2, 1.0); }) == ML_STATUS_INVALID_ARGUMENT);

  ml::Meter quiet(kRate, 2);
  const std::vector<float> soft = sine(0.01, 6.0);
  quiet.add({soft, soft});
  const double album = ml::Meter::album_integrated_lufs({&meter, &quiet});
  CHECK_NEAR(album, meter.integrated_lufs(), 0.01);
  CHECK(album > 0.5 * (meter.integrated_lufs() + quiet.integrated_lufs()) + 5.0);
  CHECK(thrown([] { ml::Meter::album_integrated_lufs({}); }) == ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { ml::Meter::album_integrated_lufs({&meter, nullptr}); }) ==
        ML_STATUS_NULL_POINTER);
}

// Every kind is listed (ml_kind_count of them), found by name, creates a
// processor with its declared parameter count, and has `bypass` as its last
// parameter; the targets are listed and found by name; a custom target is
// validated.
void kinds_and_targets_are_listed() {
  const std::vector<MlKindInfo> kinds = ml::kinds();
  CHECK(kinds.size() == ml_kind_count() && kinds.size() > 30);
  for (const MlKindInfo &k : kinds) {
    CHECK(std::strcmp(ml::kind(k.name).class_name, k.class_name) == 0);
    CHECK(ml::Processor::create(k.name).param_count() == k.param_count);
    CHECK(k.param_count > 0 &&
          std::strcmp(ml::kind_param_info(k.name, k.param_count - 1).id, "bypass") == 0);
  }
  CHECK(ml::kind("compressor").sidechain && !ml::kind("limiter").sidechain);
  CHECK(thrown([] { ml::kind("no_such_kind"); }) == ML_STATUS_UNKNOWN_NAME);
  CHECK(thrown([] { ml::kind_param_info("gain", 99); }) == ML_STATUS_INVALID_ARGUMENT);

  const std::vector<MlTarget> targets = ml::targets();
  CHECK(targets.size() == ml_target_count() && targets.size() == 9);
  for (const MlTarget &t : targets) {
    MlTarget again = ml::target(t.name);
    CHECK(again.integrated_lufs == t.integrated_lufs && again.true_peak_dbtp == t.true_peak_dbtp);
  }
  MlTarget club = ml::custom_target("club", -8.0, 1.0, -0.5, false);
  CHECK(std::strcmp(club.name, "club") == 0 && club.integrated_lufs == -8.0 &&
        club.tolerance_lu == 1.0 && club.true_peak_dbtp == -0.5 && !club.turns_up);
  CHECK(thrown([] { ml::custom_target("club", -8.0, -1.0, -0.5, false); }) ==
        ML_STATUS_INVALID_ARGUMENT);
}

// A track routed to a group bus reaches the master through the bus's
// fader; fader automation ramps the level; switched-off
// metering refuses readings; reverb on the master gives the session a tail.
void mixer_routes_automates_and_meters() {
  ml::Mixer mixer(kRate, 256);
  const std::size_t track = mixer.add_track("piano", 2);
  const std::size_t bus = mixer.add_bus("group");
  mixer.route(track, ml::Owner::bus, bus);
  mixer.set(ml::Owner::bus, bus, "gain_db", -6.0);
  ml::ProcessorRef trim = mixer.insert(ml::Owner::track, track, ml::Processor::create("gain"));
  CHECK(mixer.insert(ml::Owner::track, track, 0).handle() == trim.handle());
  const std::vector<double> times = {0.0, 0.5}, values = {0.0, -20.0};
  mixer.automate(ml::Owner::track, track, "gain_db", times, values);
  CHECK(mixer.tail() == 0);
  mixer.prepare();
  const std::vector<float> x = sine(0.5, 1.0);
  const float *channels[2] = {x.data(), x.data()};
  const float *const *tracks[1] = {channels};
  std::array<std::vector<float>, 2> out = mixer.render(tracks, x.size());
  auto peak_db = [&](double from_s, double to_s) {
    float peak = 0.0f;
    for (std::size_t i = static_cast<std::size_t>(from_s * kRate);
         i < static_cast<std::size_t>(to_s * kRate); ++i) {
      peak = std::max(peak, std::fabs(out[0][i]));
    }
    return 20.0 * std::log10(static_cast<double>(peak));
  };
  const double routed = 20.0 * std::log10(0.5) - 6.0;
  CHECK_NEAR(peak_db(0.0, 0.002), routed, 0.1);
  // Mid-ramp (40 dB/s) the fader's 20 ms glide follows about 20 ms behind.
  CHECK_NEAR(peak_db(0.248, 0.252), routed - 40.0 * (0.25 - 0.02), 0.2);
  CHECK_NEAR(peak_db(0.6, 1.0), routed - 20.0, 0.05);
  CHECK(thrown([&] { mixer.automate(ml::Owner::track, track, "gain_db", times, {0.0}); }) ==
        ML_STATUS_LENGTH_MISMATCH);
  CHECK(thrown([&] { mixer.route(track, ml::Owner::track, 0); }) == ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { mixer.insert(ml::Owner::track, track, 1); }) == ML_STATUS_INVALID_ARGUMENT);

  mixer.set_metering(false);
  mixer.prepare();
  CHECK(thrown([&] { mixer.meter(ml::Owner::master); }) == ML_STATUS_INVALID_ARGUMENT);
  mixer.insert(ml::Owner::master, 0, ml::Processor::create("reverb"));
  mixer.prepare();
  CHECK(mixer.tail() > 0);
}

// The balance helper sets each track's fader so its loudness (measured by
// ml_measure) plus the fader lands at the reference plus its offset.
void mixer_balances_tracks() {
  ml::Mixer mixer(kRate, 512);
  mixer.add_track("loud", 2);
  mixer.add_track("soft", 1);
  mixer.prepare();
  const std::vector<float> a = sine(0.3, 2.0), b = sine(0.02, 2.0, 300.0);
  const float *loud[2] = {a.data(), a.data()};
  const float *soft[1] = {b.data()};
  const float *const *tracks[2] = {loud, soft};
  const std::vector<double> offsets = {0.0, -6.0};
  const std::vector<double> faders = mixer.balance(tracks, a.size(), offsets, -18.0);
  CHECK(faders.size() == 2);
  CHECK_NEAR(faders[0], -18.0 - ml::measure({a, a}, kRate).integrated_lufs, 0.01);
  CHECK_NEAR(faders[1], -24.0 - ml::measure({b}, kRate).integrated_lufs, 0.01);
  CHECK(mixer.get(ml::Owner::track, 1, "gain_db") == faders[1]);
  CHECK(thrown([&] { mixer.balance(tracks, a.size(), {0.0}, -18.0); }) ==
        ML_STATUS_LENGTH_MISMATCH);
}

// A profile of a loud master survives JSON and averaging; matching a mix to
// it lands at its loudness; mastering to it at half loudness strength lands
// halfway between the chain's target and the reference; mid/side stages are
// set and reverted.
void reference_matching_lands_on_the_reference() {
  std::array<std::vector<float>, 2> ref = music(5.0, 0.5, 9);
  ml::master(ml::MasteringChain("loud"), {ref[0], ref[1]}, {ref[0], ref[1]}, kRate);
  const ml::Profile profile = ml::Profile::analyze({ref[0], ref[1]}, kRate);
  const double ref_lufs = profile.integrated_lufs();
  CHECK_NEAR(ref_lufs, ml::measure({ref[0], ref[1]}, kRate).integrated_lufs, 0.1);
  const ml::Profile back = ml::Profile::from_json(profile.to_json());
  CHECK(back.to_json() == profile.to_json() && back.integrated_lufs() == ref_lufs);
  const ml::Profile average = ml::Profile::average({&profile, &back});
  CHECK_NEAR(average.integrated_lufs(), ref_lufs, 1e-9);

  std::array<std::vector<float>, 2> mix = music(4.0, 0.2, 10);
  const MlMatching matching = ml::matching_default();
  CHECK(matching.tonal == 1.0 && matching.loudness == 1.0 && matching.width == 0.5);
  std::string report;
  MlMasterResult r =
      ml::match_reference(back, matching, {mix[0], mix[1]}, {mix[0], mix[1]}, kRate, &report);
  CHECK(report.find("\"matching\":[\"tonal balance") != std::string::npos);
  MlQaReport q = ml::measure({mix[0], mix[1]}, kRate);
  std::printf("reference %.2f LUFS: matched mix %.2f LUFS %.2f dBTP\n", ref_lufs,
              q.integrated_lufs, q.true_peak_dbtp);
  CHECK_NEAR(q.integrated_lufs, ref_lufs, 0.3);
  CHECK(q.true_peak_dbtp <= -1.0);
  CHECK_NEAR(r.target_lufs, ref_lufs, 0.01);

  ml::MasteringChain chain("streaming");
  MlMatching half = matching;
  half.loudness = 0.5;
  chain.set_matching(half);
  mix = music(4.0, 0.2, 11);
  r = ml::master_to_reference(chain, average, {mix[0], mix[1]}, {mix[0], mix[1]}, kRate);
  const double halfway = 0.5 * (chain.target_lufs() + ref_lufs);
  CHECK_NEAR(r.target_lufs, halfway, 0.01);
  CHECK_NEAR(ml::measure({mix[0], mix[1]}, kRate).integrated_lufs, halfway, 0.3);
  half.width = 1.5;
  CHECK(thrown([&] { chain.set_matching(half); }) == ML_STATUS_INVALID_ARGUMENT);

  const std::string plain = chain.to_json();
  chain.set_mid_side("glue", true);
  CHECK(chain.to_json().find("mid_side_encode") != std::string::npos);
  chain.set_mid_side("glue", false);
  CHECK(chain.to_json() == plain);
  CHECK(thrown([&] { chain.set_mid_side("reverb", true); }) == ML_STATUS_UNKNOWN_NAME);
  CHECK(thrown([] { ml::Profile::from_json("{}"); }) == ML_STATUS_INVALID_ARGUMENT);
  CHECK(thrown([&] { ml::Profile::analyze({mix[0], mix[1], mix[0]}, kRate); }) ==
        ML_STATUS_INVALID_CHANNEL_COUNT);
}

// The assistant's chain masters a mix to the target under the ceiling and
// explains itself; a warm target and one learned from the master through
// JSON steer it; bad settings throw with the C status.
void assistant_sets_up_a_chain() {
  std::array<std::vector<float>, 2> mix = music(6.0, 0.1, 12);
  std::string report;
  const ml::TonalTarget warm("warm");
  ml::MasteringChain chain =
      ml::MasteringChain::assist({mix[0], mix[1]}, kRate, "apple", &warm, 0.6, &report);
  CHECK(report.find("\"decisions\":[{\"stage\":") != std::string::npos);
  CHECK(report.find("\"character\":\"warm\"") != std::string::npos);
  ml::master(chain, {mix[0], mix[1]}, {mix[0], mix[1]}, kRate);
  MlQaReport q = ml::measure({mix[0], mix[1]}, kRate);
  CHECK_NEAR(q.integrated_lufs, -16.0, 0.5);
  CHECK(q.true_peak_dbtp <= -1.0);
  const ml::Profile profile = ml::Profile::analyze({mix[0], mix[1]}, kRate);
  const ml::TonalTarget learned =
      ml::TonalTarget::from_json(ml::TonalTarget::learn({&profile}).to_json());
  ml::MasteringChain::assist({mix[0], mix[1]}, kRate, "apple", &learned, 0.6, &report);
  CHECK(report.find("\"action\":\"no EQ\"") != std::string::npos);
  CHECK(thrown([] { ml::TonalTarget("dark"); }) == ML_STATUS_UNKNOWN_NAME);
  CHECK(thrown([&] { ml::MasteringChain::assist({mix[0], mix[1]}, kRate, "apple", nullptr, 2.0); }) ==
        ML_STATUS_INVALID_ARGUMENT);
}

// Normalization lands within its target's tolerance under its ceiling; an
// album keeps its tracks' loudness difference, each under the ceiling.
void album_and_normalize_land_on_target() {
  std::array<std::vector<float>, 2> mix = music(4.0, 0.5, 4);
  const MlTarget ebu = ml::target("ebu_r128");
  MlNormalizeResult n = ml::normalize({mix[0], mix[1]}, {mix[0], mix[1]}, kRate, "ebu_r128");
  MlQaReport q = ml::measure({mix[0], mix[1]}, kRate);
  CHECK(std::fabs(q.integrated_lufs - ebu.integrated_lufs) <= ebu.tolerance_lu);
  CHECK_NEAR(q.integrated_lufs, -23.0, 0.1);
  CHECK(q.true_peak_dbtp <= ebu.true_peak_dbtp);
  CHECK_NEAR(n.output_lufs, q.integrated_lufs, 0.01);
  CHECK(n.target_lufs == -23.0 && n.gain_db < 0.0);
  CHECK(thrown([&] { ml::normalize({mix[0]}, {mix[0]}, kRate, "venus"); }) ==
        ML_STATUS_UNKNOWN_NAME);

  std::array<std::vector<float>, 2> a = music(4.0, 0.3, 2), b = music(3.0, 0.07, 3);
  std::array<std::vector<float>, 2> oa = a, ob = b;
  ml::MasteringChain chain("gentle");
  std::string report;
  ml::AlbumResult album = ml::master_album(chain, {{a[0], a[1]}, {b[0], b[1]}},
                                           {{oa[0], oa[1]}, {ob[0], ob[1]}}, kRate, &report);
  CHECK(report.find("\"tracks\":[{") != std::string::npos);
  MlQaReport ia = ml::measure({a[0], a[1]}, kRate), ib = ml::measure({b[0], b[1]}, kRate);
  MlQaReport qa = ml::measure({oa[0], oa[1]}, kRate), qb = ml::measure({ob[0], ob[1]}, kRate);
  std::printf("album: %.2f / %.2f LUFS -> %.2f / %.2f LUFS, album gain %.2f dB\n",
              ia.integrated_lufs, ib.integrated_lufs, qa.integrated_lufs, qb.integrated_lufs,
              album.album_gain_db);
  CHECK(album.tracks.size() == 2 && album.album_gain_db > 0.0);
  CHECK_NEAR(qa.integrated_lufs - qb.integrated_lufs, ia.integrated_lufs - ib.integrated_lufs,
             0.1);
  CHECK(qa.true_peak_dbtp <= -1.0 && qb.true_peak_dbtp <= -1.0);
  CHECK_NEAR(album.tracks[0].output_lufs, qa.integrated_lufs, 1e-9);
  CHECK_NEAR(album.tracks[1].output_lufs, qb.integrated_lufs, 1e-9);
  CHECK(thrown([&] { ml::master_album(chain, {}, {}, kRate); }) == ML_STATUS_EMPTY_INPUT);
  CHECK(thrown([&] {
          ml::master_album(chain, {{a[0], a[1]}, {b[0]}}, {{oa[0], oa[1]}, {ob[0]}}, kRate);
        }) == ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK(thrown([&] { ml::master_album(chain, {{a[0], a[1]}}, {}, kRate); }) ==
        ML_STATUS_LENGTH_MISMATCH);
}

// A progress callback hears rising fractions up to 1 without changing the
// master; returning false throws ML_STATUS_CANCELLED and writes nothing; an
// exception it throws comes out of the call as it is.
void progress_reports_and_cancels() {
  std::vector<float> left = sine(0.2, 3.0), right = sine(0.1, 3.0, 440.0);
  ml::MasteringChain chain("streaming");
  std::vector<float> a(left.size()), b(left.size()), untouched(left.size());
  std::vector<double> seen;
  ml::master(chain, {left, right}, {a, b}, kRate, nullptr, [&](double f) {
    seen.push_back(f);
    return true;
  });
  CHECK(seen.size() > 10 && seen.back() == 1.0);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  std::vector<float> a2(left.size()), b2(left.size());
  ml::master(chain, {left, right}, {a2, b2}, kRate);
  CHECK(a == a2 && b == b2);
  std::vector<float> c(left.size());
  CHECK(thrown([&] {
          ml::master(chain, {left, right}, {untouched, c}, kRate, nullptr,
                     [](double f) { return f < 0.5; });
        }) == ML_STATUS_CANCELLED);
  CHECK(std::all_of(untouched.begin(), untouched.end(), [](float v) { return v == 0.0f; }));
  bool passed_on = false;
  try {
    ml::measure({left, right}, kRate, [](double) -> bool { throw std::logic_error("stop here"); });
  } catch (const std::logic_error &e) {
    passed_on = std::string(e.what()) == "stop here";
  }
  CHECK(passed_on);
}

}  // namespace

int main() {
  limiter_holds_its_ceiling();
  mastering_chain_masters_to_its_target();
  gain_and_meter_agree();
  errors_carry_status_and_message();
  handles_move();
  chain_members_stay_reachable();
  mixer_sums_a_track();
  version_matches_the_header();
  parameters_by_index_and_nonfinite_count();
  sidechain_keys_a_compressor();
  equalizer_bands_match_processing();
  multiband_bands_take_their_settings();
  tables_and_impulse_responses();
  level_meter_reads_peak_and_rms();
  meter_series_weights_and_album();
  kinds_and_targets_are_listed();
  mixer_routes_automates_and_meters();
  mixer_balances_tracks();
  reference_matching_lands_on_the_reference();
  assistant_sets_up_a_chain();
  album_and_normalize_land_on_target();
  progress_reports_and_cancels();
  return check_summary();
}
