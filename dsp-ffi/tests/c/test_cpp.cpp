// Tests of the C++17 wrapper include/masterlib.hpp: ownership (move-only
// handles), errors as exceptions with status and message, spans, and
// measured results through processors, chains, meters and the mixer.
#include <cmath>
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
static_assert(std::is_base_of<std::runtime_error, ml::Error>::value, "Error is a runtime_error");

namespace {

constexpr double kRate = 48000.0;
constexpr double kPi = 3.14159265358979323846;

// `seconds` of a 997 Hz sine with peak `amplitude`.
std::vector<float> sine(double amplitude, double seconds) {
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate));
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(amplitude * std::sin(2.0 * kPi * 997.0 * static_cast<double>(i) / kRate));
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
  return check_summary();
}
