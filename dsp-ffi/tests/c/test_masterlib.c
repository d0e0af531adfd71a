/* C test of libmasterlib through include/masterlib.h: measured results and
 * every error path. Built and run (static and shared) by tests/c_api.rs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "masterlib.h"

#define FS 48000.0
#define N 4800
#define TWO_PI 6.283185307179586

static void fill_sine(float *x, size_t n, double freq, double amp) {
  for (size_t i = 0; i < n; i++) {
    x[i] = (float)(amp * sin(TWO_PI * freq * (double)i / FS));
  }
}

static double rms(const float *x, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) {
    sum += (double)x[i] * (double)x[i];
  }
  return sqrt(sum / (double)n);
}

static double gain_db(const float *out, const float *in, size_t n) {
  return 20.0 * log10(rms(out, n) / rms(in, n));
}

static MlProcessor *new_kind(const char *kind) {
  MlProcessor *p = NULL;
  CHECK_OK(ml_processor_new_kind(kind, &p));
  return p;
}

/* The value of parameter `id` of `p` (NAN if it cannot be read). */
static double param(MlProcessor *p, const char *id) {
  double v = NAN;
  CHECK_OK(ml_processor_param_get(p, id, &v));
  return v;
}

/* The index of choice `name` of parameter `id` of `kind` (-1 if none). */
static double choice(const char *kind, const char *id, const char *name) {
  MlKindInfo k;
  CHECK_OK(ml_kind_find(kind, &k));
  for (size_t i = 0; i < k.param_count; i++) {
    MlParamInfo info;
    CHECK_OK(ml_kind_param_info(kind, i, &info));
    if (strcmp(info.id, id) != 0) {
      continue;
    }
    for (size_t c = 0; c < info.choice_count; c++) {
      if (strcmp(info.choices[c], name) == 0) {
        return (double)c;
      }
    }
  }
  return -1.0;
}

static MlProcessor *new_gain(double db) {
  MlProcessor *p = new_kind("gain");
  CHECK_OK(ml_processor_param_set(p, "gain_db", db));
  return p;
}

static void test_status_strings(void) {
  for (int code = -40; code <= 5; code++) {
    const char *s = ml_status_str((MlStatus)code);
    CHECK(s != NULL && s[0] != '\0');
  }
  CHECK(strcmp(ml_status_str(ML_STATUS_OK), "ok") == 0);
  CHECK(strcmp(ml_status_str(ML_STATUS_PANIC), ml_status_str(ML_STATUS_POISONED)) != 0);
  CHECK(ml_last_error_message() != NULL);
}

static void test_gain_halves_amplitude(void) {
  float in[N], x[N];
  fill_sine(in, N, 1000.0, 0.5);
  memcpy(x, in, sizeof x);
  MlProcessor *g = new_gain(-6.0);
  CHECK_OK(ml_processor_prepare(g, FS, 512, 1));
  float *channels[1] = {x};
  CHECK_OK(ml_processor_process_planar(g, channels, 1, N));
  CHECK_NEAR(gain_db(x, in, N), -6.0, 1e-4);
  CHECK_NEAR(rms(x, N) / rms(in, N), 0.5012, 1e-4);

  CHECK(param(g, "gain_db") == -6.0 && param(g, "invert") == 0.0);
  size_t latency = 99, tail = 99;
  CHECK_OK(ml_processor_latency(g, &latency));
  CHECK_OK(ml_processor_tail(g, &tail));
  CHECK(latency == 0 && tail == 0);

  /* Non-finite input is silence, and counted. */
  float bad[4] = {NAN, 1.0f, INFINITY, 1.0f};
  float *bad_channels[1] = {bad};
  uint64_t count = 0;
  CHECK_OK(ml_processor_process_planar(g, bad_channels, 1, 4));
  CHECK_OK(ml_processor_nonfinite_count(g, &count));
  CHECK(count == 2 && bad[0] == 0.0f && bad[2] == 0.0f && bad[1] > 0.49f && bad[1] < 0.51f);
  ml_processor_free(g);
}

static void test_constant_power_pan_centre(void) {
  static float in[N], l[N], r[N];
  fill_sine(in, N, 1000.0, 0.5);
  memcpy(l, in, sizeof l);
  memcpy(r, in, sizeof r);
  MlProcessor *p = new_kind("pan");
  double constant_power = choice("pan", "law", "constant_power");
  CHECK(constant_power == 1.0);
  CHECK(param(p, "law") == constant_power && param(p, "pan") == 0.0);
  CHECK_OK(ml_processor_param_set(p, "source", choice("pan", "source", "mono")));
  CHECK_STATUS(ml_processor_prepare(p, FS, 256, 1), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_OK(ml_processor_prepare(p, FS, 256, 2));
  float *channels[2] = {l, r};
  CHECK_OK(ml_processor_process_planar(p, channels, 2, N));
  CHECK_NEAR(gain_db(l, in, N), -3.0103, 1e-3);
  CHECK_NEAR(gain_db(r, in, N), -3.0103, 1e-3);
  CHECK(param(p, "law") == constant_power);
  CHECK_STATUS(ml_processor_param_set(p, "law", 42.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(ml_last_error_message(), "compromise") != NULL);
  ml_processor_free(p);
}

static void test_width_zero_is_mono(void) {
  static float l[N], r[N];
  fill_sine(l, N, 440.0, 0.7);
  fill_sine(r, N, 660.0, 0.3);
  MlProcessor *w = new_kind("stereo_width");
  CHECK_OK(ml_processor_param_set(w, "width", 0.0));
  CHECK_OK(ml_processor_prepare(w, FS, 1024, 2));
  float *channels[2] = {l, r};
  CHECK_OK(ml_processor_process_planar(w, channels, 2, N));
  CHECK(memcmp(l, r, sizeof l) == 0);
  CHECK(rms(l, N) > 0.1);
  ml_processor_free(w);
}

static void test_interleaved_equals_planar(void) {
  enum { FRAMES = 3000 };
  static float l[FRAMES], r[FRAMES], inter[2 * FRAMES];
  fill_sine(l, FRAMES, 440.0, 0.5);
  fill_sine(r, FRAMES, 1250.0, 0.4);
  for (size_t i = 0; i < FRAMES; i++) {
    inter[2 * i] = l[i];
    inter[2 * i + 1] = r[i];
  }
  MlProcessor *a = new_kind("stereo_width"), *b = new_kind("stereo_width");
  MlProcessor *both[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    CHECK_OK(ml_processor_param_set(both[i], "width", 1.7));
    CHECK_OK(ml_processor_param_set(both[i], "mid_gain_db", -2.0));
    CHECK_OK(ml_processor_prepare(both[i], FS, 700, 2));
    CHECK_OK(ml_processor_param_set(both[i], "side_gain_db", 3.0));
  }
  float *channels[2] = {l, r};
  CHECK_OK(ml_processor_process_planar(a, channels, 2, FRAMES));
  CHECK_OK(ml_processor_process_interleaved(b, inter, 2, FRAMES));
  int same = 1;
  for (size_t i = 0; i < FRAMES; i++) {
    same &= inter[2 * i] == l[i] && inter[2 * i + 1] == r[i];
  }
  CHECK(same);
  ml_processor_free(a);
  ml_processor_free(b);
}

static void test_chain(void) {
  static float in[N], x[N];
  fill_sine(in, N, 1000.0, 0.5);
  memcpy(x, in, sizeof x);
  MlProcessor *chain = new_kind("chain");
  CHECK_OK(ml_chain_push(chain, new_gain(-3.0)));
  CHECK_OK(ml_chain_push(chain, new_gain(-3.0)));
  CHECK_OK(ml_chain_push(chain, new_gain(-12.0)));
  /* A member is bypassed by its own `bypass` parameter, as every processor. */
  MlProcessor *third = NULL;
  CHECK_STATUS(ml_chain_member(chain, 3, &third), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_chain_member(chain, 2, &third));
  CHECK_OK(ml_processor_param_set(third, "bypass", 1.0));
  size_t len = 0;
  CHECK_OK(ml_chain_len(chain, &len));
  CHECK(len == 3);
  CHECK_OK(ml_processor_prepare(chain, FS, 128, 1));
  float *channels[1] = {x};
  CHECK_OK(ml_processor_process_planar(chain, channels, 1, N));
  CHECK_NEAR(gain_db(x, in, N), -6.0, 1e-4);
  CHECK_STATUS(ml_processor_param_set(chain, "gain_db", 0.0), ML_STATUS_UNKNOWN_NAME);
  ml_processor_free(chain);
}

static void test_level_meter(void) {
  enum { FRAMES = 48000 };
  static float l[FRAMES], r[FRAMES], inter[2 * FRAMES];
  fill_sine(l, FRAMES, 997.0, 1.0);
  fill_sine(r, FRAMES, 997.0, 0.1);
  for (size_t i = 0; i < FRAMES; i++) {
    inter[2 * i] = l[i];
    inter[2 * i + 1] = r[i];
  }
  MlLevelMeter *a = NULL, *b = NULL;
  CHECK_STATUS(ml_level_meter_new(NAN, &a), ML_STATUS_INVALID_ARGUMENT);
  CHECK(a == NULL);
  CHECK_OK(ml_level_meter_new(300.0, &a));
  CHECK_OK(ml_level_meter_new(300.0, &b));
  float *channels[2] = {l, r};
  CHECK_STATUS(ml_level_meter_add_planar(a, channels, 2, FRAMES), ML_STATUS_NOT_PREPARED);
  CHECK_STATUS(ml_level_meter_prepare(a, 0.0, 2), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK_OK(ml_level_meter_prepare(a, FS, 2));
  CHECK_OK(ml_level_meter_prepare(b, FS, 2));
  CHECK_OK(ml_level_meter_add_planar(a, channels, 2, FRAMES));
  CHECK_OK(ml_level_meter_add_interleaved(b, inter, 2, FRAMES));
  double rms_a = 0.0, rms_b = 1.0, peak = 0.0;
  CHECK_OK(ml_level_meter_rms_dbfs(a, 0, &rms_a));
  CHECK_OK(ml_level_meter_rms_dbfs(b, 0, &rms_b));
  CHECK_NEAR(rms_a, -3.0103, 1e-3);
  CHECK(rms_a == rms_b);
  CHECK_OK(ml_level_meter_max_peak_dbfs(b, 1, &peak));
  CHECK_NEAR(peak, -20.0, 1e-3);
  CHECK_STATUS(ml_level_meter_peak_dbfs(a, 2, &peak), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_level_meter_add_planar(a, channels, 1, FRAMES), ML_STATUS_CHANNEL_MISMATCH);
  ml_level_meter_free(a);
  ml_level_meter_free(b);
}

/* Reads every summary reading of a loudness meter. */
typedef struct {
  double integrated, range, max_m, max_s, true_peak, sample_peak, duration;
} Readings;

static Readings meter_readings(MlMeter *m) {
  Readings r = {0};
  CHECK_OK(ml_meter_integrated_lufs(m, &r.integrated));
  CHECK_OK(ml_meter_loudness_range_lu(m, &r.range));
  CHECK_OK(ml_meter_max_momentary_lufs(m, &r.max_m));
  CHECK_OK(ml_meter_max_short_term_lufs(m, &r.max_s));
  CHECK_OK(ml_meter_true_peak_dbtp(m, &r.true_peak));
  CHECK_OK(ml_meter_sample_peak_dbfs(m, &r.sample_peak));
  CHECK_OK(ml_meter_duration_s(m, &r.duration));
  return r;
}

static void test_loudness_meter(void) {
  enum { FRAMES = 10 * 48000, BLOCK = 1000 };
  static float l[FRAMES], r[FRAMES], inter[2 * FRAMES];
  double amp = pow(10.0, -23.0 / 20.0); /* EBU 3341 case 1: -23 dBFS, 1 kHz */
  fill_sine(l, FRAMES, 1000.0, amp);
  fill_sine(r, FRAMES, 1000.0, amp);
  for (size_t i = 0; i < FRAMES; i++) {
    inter[2 * i] = l[i];
    inter[2 * i + 1] = r[i];
  }
  MlMeterConfig config = ml_meter_config_default();
  config.max_duration_s = 10.0;
  MlMeter *planar = NULL, *frames = NULL;
  CHECK_OK(ml_meter_new(&config, &planar));
  CHECK_OK(ml_meter_new(&config, &frames));
  /* Planar in blocks of 1000, interleaved in one call. */
  for (size_t start = 0; start < FRAMES; start += BLOCK) {
    float *block[2] = {l + start, r + start};
    CHECK_OK(ml_meter_add_planar(planar, block, 2, BLOCK));
  }
  CHECK_OK(ml_meter_add_interleaved(frames, inter, 2, FRAMES));
  Readings a = meter_readings(planar), b = meter_readings(frames);
  CHECK_NEAR(a.integrated, -23.0, 0.1);
  CHECK_NEAR(a.true_peak, -23.0, 0.1);
  CHECK_NEAR(a.sample_peak, -23.0, 0.01);
  CHECK_NEAR(a.max_m, -23.0, 0.1);
  CHECK_NEAR(a.max_s, -23.0, 0.1);
  CHECK_NEAR(a.range, 0.0, 0.1);
  CHECK_NEAR(a.duration, 10.0, 1e-9);
  CHECK(memcmp(&a, &b, sizeof a) == 0); /* interleaved == planar, bit for bit */
  double channel_tp = 0.0;
  CHECK_OK(ml_meter_channel_true_peak_dbtp(planar, 1, &channel_tp));
  CHECK_NEAR(channel_tp, -23.0, 0.1);

  /* 10 Hz series: ask for the length, then copy. */
  size_t len = 0;
  CHECK_OK(ml_meter_series(planar, NULL, NULL, 0, &len));
  CHECK(len == 100);
  static double momentary[100], short_term[100];
  CHECK_OK(ml_meter_series(planar, momentary, short_term, 100, &len));
  CHECK_NEAR(momentary[99], -23.0, 0.1);
  CHECK_NEAR(short_term[99], -23.0, 0.1);
  CHECK(isinf(short_term[0]) || short_term[0] < -30.0); /* 0.1 s of a 3 s window */

  /* Reset: silence reads -INFINITY. */
  CHECK_OK(ml_meter_reset(planar));
  Readings z = meter_readings(planar);
  CHECK(isinf(z.integrated) && z.integrated < 0.0);
  CHECK(isinf(z.true_peak) && z.true_peak < 0.0);
  CHECK(z.range == 0.0 && z.duration == 0.0);

  /* The one-shot report agrees with the meter. */
  float *channels[2] = {l, r};
  MlQaReport report;
  CHECK_OK(ml_measure(channels, 2, FRAMES, FS, &report, NULL));
  CHECK(report.integrated_lufs == a.integrated);
  CHECK(report.true_peak_dbtp == a.true_peak);
  CHECK(report.channels == 2);
  CHECK_NEAR(report.correlation, 1.0, 1e-9);
  CHECK_NEAR(report.balance_db, 0.0, 1e-9);
  CHECK_NEAR(report.plr_db, 0.0, 0.1);
  CHECK(report.clipped_samples == 0);
  CHECK(report.octave_band_count == 10);
  CHECK(report.octave_band_hz[5] == 1000.0);
  CHECK_NEAR(report.octave_band_db[5], -23.0 - 3.0103, 0.1);
  ml_meter_free(planar);
  ml_meter_free(frames);
}

static void test_true_peak_quarter_rate_sine(void) {
  /* EBU 3341 case 15: fs/4 at 0.5 FS, 45 degree phase: samples at -9.03 dBFS,
   * true peak -6.02 dBTP. */
  enum { FRAMES = 48000 };
  static float x[FRAMES];
  for (size_t i = 0; i < FRAMES; i++) {
    x[i] = (float)(0.5 * sin(TWO_PI * 0.25 * (double)i + TWO_PI / 8.0));
  }
  float *channels[1] = {x};
  MlQaReport report;
  CHECK_OK(ml_measure(channels, 1, FRAMES, FS, &report, NULL));
  CHECK_NEAR(report.sample_peak_dbfs, -9.03, 0.01);
  CHECK_NEAR(report.true_peak_dbtp, -6.02, 0.2);
  CHECK(report.correlation == 1.0 && report.mono_loudness_drop_lu == 0.0);
}

/* Translation readings: a 3 kHz part in anti-phase (L = -R) over a 200 Hz
 * part in phase loses its octave band in the mono fold; a 50 Hz tone all
 * but vanishes through the small loudspeaker, a 1 kHz tone does not. */
static void test_translation(void) {
  enum { FRAMES = 3 * 48000 };
  static float l[FRAMES], r[FRAMES], low[FRAMES], high[FRAMES];
  fill_sine(low, FRAMES, 200.0, 0.3);
  fill_sine(high, FRAMES, 3000.0, 0.3);
  for (size_t i = 0; i < FRAMES; i++) {
    l[i] = low[i] + high[i];
    r[i] = low[i] - high[i];
  }
  float *stereo[2] = {l, r};
  MlQaReport report;
  CHECK_OK(ml_measure(stereo, 2, FRAMES, FS, &report, NULL));
  CHECK(report.octave_band_count == 10);
  CHECK(report.octave_band_hz[7] == 4000.0 && report.octave_band_hz[3] == 250.0);
  CHECK(report.mono_band_change_db[7] <= -20.0);
  CHECK_NEAR(report.mono_band_change_db[3], 0.0, 0.1);

  float *mono[1] = {low};
  CHECK_OK(ml_measure(mono, 1, FRAMES, FS, &report, NULL));
  for (size_t b = 0; b < report.octave_band_count; b++) {
    CHECK(report.mono_band_change_db[b] == 0.0);
  }

  fill_sine(l, FRAMES, 50.0, 0.5);
  float *sub[2] = {l, l};
  CHECK_OK(ml_measure(sub, 2, FRAMES, FS, &report, NULL));
  CHECK(report.small_speaker_drop_lu > 10.0);
  CHECK_NEAR(report.small_speaker_lufs, report.integrated_lufs - report.small_speaker_drop_lu, 1e-9);
  fill_sine(r, FRAMES, 1000.0, 0.5);
  float *mid[2] = {r, r};
  CHECK_OK(ml_measure(mid, 2, FRAMES, FS, &report, NULL));
  CHECK_NEAR(report.small_speaker_drop_lu, 0.0, 0.5);
  CHECK_NEAR(report.small_speaker_bands_db[5], 0.0, 0.05); /* all of it at 1 kHz */

  /* Silence: no loudness through the speaker, no drop, no band shares. */
  memset(l, 0, sizeof l);
  CHECK_OK(ml_measure(sub, 2, FRAMES, FS, &report, NULL));
  CHECK(isinf(report.small_speaker_lufs) && report.small_speaker_lufs < 0.0);
  CHECK(report.small_speaker_drop_lu == 0.0);
  CHECK(isinf(report.small_speaker_bands_db[5]) && report.mono_band_change_db[5] == 0.0);
}

/* A QA meter fed a synthetic track in odd blocks (planar, then
 * interleaved with three channels) reports exactly what ml_measure does;
 * bad blocks are refused and change nothing. */
static void test_qa_meter(void) {
  enum { FRAMES = 2 * 48000 + 777 };
  static float l[FRAMES], r[FRAMES], c[FRAMES], inter[3 * FRAMES];
  uint32_t seed = 12345u;
  fill_sine(l, FRAMES, 220.0, 0.4);
  fill_sine(c, FRAMES, 3100.0, 0.2);
  for (size_t i = 0; i < FRAMES; i++) {
    seed = seed * 1664525u + 1013904223u;
    r[i] = 0.5f * l[i] + (float)((double)seed / 4294967296.0 - 0.5) * 0.3f + 0.01f;
  }
  for (size_t i = 4798; i < 4803; i++) l[i] = 1.0f; /* a clipped run across a 100 ms hop */
  float *stereo[2] = {l, r};
  MlQaReport whole, streamed;
  CHECK_OK(ml_measure(stereo, 2, FRAMES, FS, &whole, NULL));
  CHECK(whole.clipped_samples == 5);

  MlQaMeter *m = NULL;
  CHECK_OK(ml_qa_meter_new(FS, 2, &m));
  CHECK_STATUS(ml_qa_meter_report(m, &streamed), ML_STATUS_EMPTY_INPUT);
  const size_t sizes[] = {1, 7, 4799, 0, 13, 10007};
  size_t start = 0;
  for (size_t k = 0; start < FRAMES; k++) {
    size_t n = sizes[k % 6];
    if (n > FRAMES - start) n = FRAMES - start;
    float *block[2] = {l + start, r + start};
    CHECK_OK(ml_qa_meter_add_planar(m, block, 2, n));
    start += n;
  }
  /* Refused: a NaN, a wrong channel count; the meter is unchanged. */
  float bad[3] = {0.0f, NAN, 0.0f};
  float *bad_block[2] = {bad, bad};
  CHECK_STATUS(ml_qa_meter_add_planar(m, bad_block, 2, 3), ML_STATUS_NONFINITE);
  CHECK(strstr(ml_last_error_message(), "channel 0, index 1") != NULL);
  CHECK_STATUS(ml_qa_meter_add_planar(m, bad_block, 1, 3), ML_STATUS_CHANNEL_MISMATCH);
  CHECK_OK(ml_qa_meter_report(m, &streamed));
  CHECK(memcmp(&whole, &streamed, sizeof whole) == 0);
  CHECK(streamed.integrated_lufs == whole.integrated_lufs);
  CHECK(streamed.worst_correlation == whole.worst_correlation);

  /* Reset, then three channels interleaved. */
  CHECK_OK(ml_qa_meter_reset(m));
  CHECK_STATUS(ml_qa_meter_report(m, &streamed), ML_STATUS_EMPTY_INPUT);
  ml_qa_meter_free(m);
  m = NULL;
  CHECK_OK(ml_qa_meter_new(44100.0, 3, &m));
  float *three[3] = {l, r, c};
  CHECK_OK(ml_measure(three, 3, FRAMES, 44100.0, &whole, NULL));
  for (size_t i = 0; i < FRAMES; i++) {
    inter[3 * i] = l[i];
    inter[3 * i + 1] = r[i];
    inter[3 * i + 2] = c[i];
  }
  for (start = 0; start < FRAMES; start += 333) {
    size_t n = FRAMES - start < 333 ? FRAMES - start : 333;
    CHECK_OK(ml_qa_meter_add_interleaved(m, inter + 3 * start, 3, n));
  }
  CHECK_OK(ml_qa_meter_report(m, &streamed));
  CHECK(streamed.channels == 3);
  CHECK(memcmp(&whole, &streamed, sizeof whole) == 0);

  /* NULL pointers and bad settings. */
  CHECK_STATUS(ml_qa_meter_new(FS, 2, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_qa_meter_add_planar(NULL, stereo, 2, 10), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_qa_meter_add_planar(m, NULL, 3, 10), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_qa_meter_add_interleaved(m, NULL, 3, 10), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_qa_meter_report(NULL, &streamed), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_qa_meter_report(m, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_qa_meter_reset(NULL), ML_STATUS_NULL_POINTER);
  ml_qa_meter_free(m);
  ml_qa_meter_free(NULL);
  m = NULL;
  CHECK_STATUS(ml_qa_meter_new(0.0, 2, &m), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK(m == NULL);
  CHECK_STATUS(ml_qa_meter_new(FS, 0, &m), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_STATUS(ml_qa_meter_new(FS, 65, &m), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK(m == NULL);
}

static void test_targets(void) {
  enum { FRAMES = 5 * 48000 };
  static float x[FRAMES];
  fill_sine(x, FRAMES, 1000.0, pow(10.0, -23.0 / 20.0));
  float *channels[2] = {x, x};
  MlQaReport report;
  CHECK_OK(ml_measure(channels, 2, FRAMES, FS, &report, NULL));

  MlTarget spotify, ebu, listed;
  CHECK_OK(ml_target_by_name("spotify", &spotify));
  CHECK(strcmp(spotify.name, "spotify") == 0 && strcmp(spotify.label, "Spotify") == 0);
  CHECK(spotify.integrated_lufs == -14.0 && spotify.true_peak_dbtp == -1.0);
  CHECK(spotify.tolerance_lu == 1.0 && spotify.turns_up);
  CHECK_OK(ml_target_by_name("EBU-R128", &ebu));
  CHECK(ebu.integrated_lufs == -23.0);

  /* Every built-in target can be listed and looked up by its name. */
  CHECK(ml_target_count() == 9);
  for (size_t i = 0; i < ml_target_count(); i++) {
    MlTarget again;
    CHECK_OK(ml_target_at(i, &listed));
    CHECK_OK(ml_target_by_name(listed.name, &again));
    CHECK(strcmp(listed.label, again.label) == 0);
    CHECK(listed.integrated_lufs == again.integrated_lufs);
    CHECK(listed.true_peak_dbtp == again.true_peak_dbtp);
  }

  /* -23 LUFS is 9 LU too quiet for Spotify, which turns it up 9 dB. */
  MlTargetCheck check;
  CHECK_OK(ml_qa_check(&report, &spotify, &check));
  CHECK(!check.pass);
  CHECK_NEAR(check.gain_change_db, 9.0, 0.1);
  CHECK(strncmp(check.message, "FAIL: ", 6) == 0);
  CHECK(strstr(check.message, "below -14.0") != NULL);
  CHECK(strstr(check.message, "Spotify will turn it up 9.0 dB") != NULL);
  CHECK_OK(ml_qa_check(&report, &ebu, &check));
  CHECK(check.pass);
  CHECK_NEAR(check.gain_change_db, 0.0, 0.1);
  CHECK(strncmp(check.message, "PASS: ", 6) == 0);

  /* A custom target, and hand-edited fields that are validated when used. */
  MlTarget custom;
  CHECK_OK(ml_target_custom("broadcast -23", -23.0, 0.5, -2.0, false, &custom));
  CHECK(strcmp(custom.label, "broadcast -23") == 0);
  CHECK_OK(ml_qa_check(&report, &custom, &check));
  CHECK(check.pass);
  CHECK(strstr(check.message, "broadcast -23 will leave it as is") != NULL);
  custom.integrated_lufs = 3.0;
  CHECK_STATUS(ml_qa_check(&report, &custom, &check), ML_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(ml_last_error_message(), "integrated_lufs") != NULL);
  memset(custom.name, 'x', sizeof custom.name); /* no NUL */
  custom.integrated_lufs = -23.0;
  CHECK_STATUS(ml_qa_check(&report, &custom, &check), ML_STATUS_INVALID_ARGUMENT);
}

static void test_loudness_error_paths(void) {
  float x[480] = {0};
  float *one[1] = {x};
  float *two[2] = {x, x};
  MlMeterConfig config = ml_meter_config_default();
  MlMeter *m = NULL;
  MlQaReport report;
  MlTarget target;
  MlTargetCheck check;
  double value = 0.0;
  size_t len = 0;

  /* NULL pointers. */
  CHECK_STATUS(ml_meter_new(NULL, &m), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_meter_new(&config, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_meter_add_planar(NULL, two, 2, 480), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_meter_add_interleaved(NULL, x, 2, 240), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_meter_integrated_lufs(NULL, &value), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_meter_reset(NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_measure(NULL, 1, 480, FS, &report, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_measure(one, 1, 480, FS, NULL, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_target_by_name(NULL, &target), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_target_by_name("spotify", NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_qa_check(NULL, &target, &check), ML_STATUS_NULL_POINTER);
  ml_meter_free(NULL);

  /* Bad configurations leave no handle. */
  config.sample_rate = 0.0;
  CHECK_STATUS(ml_meter_new(&config, &m), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK(m == NULL);
  config = ml_meter_config_default();
  config.channels = 0;
  CHECK_STATUS(ml_meter_new(&config, &m), ML_STATUS_INVALID_CHANNEL_COUNT);
  config = ml_meter_config_default();
  config.true_peak_precision = 7;
  CHECK_STATUS(ml_meter_new(&config, &m), ML_STATUS_UNKNOWN_NAME);
  config = ml_meter_config_default();
  config.max_duration_s = -1.0;
  CHECK_STATUS(ml_meter_new(&config, &m), ML_STATUS_INVALID_ARGUMENT);

  /* Channel mismatch, NaN (planar and interleaved) and getters. */
  config = ml_meter_config_default();
  CHECK_OK(ml_meter_new(&config, &m));
  CHECK_STATUS(ml_meter_add_planar(m, one, 1, 480), ML_STATUS_CHANNEL_MISMATCH);
  CHECK_STATUS(ml_meter_add_interleaved(m, x, 1, 480), ML_STATUS_CHANNEL_MISMATCH);
  CHECK_OK(ml_meter_add_planar(m, two, 2, 0));
  float bad[480] = {0};
  bad[123] = NAN;
  float *with_nan[2] = {x, bad};
  CHECK_STATUS(ml_meter_add_planar(m, with_nan, 2, 480), ML_STATUS_NONFINITE);
  CHECK(strstr(ml_last_error_message(), "channel 1, index 123") != NULL);
  bad[123] = 0.0f;
  bad[201] = INFINITY; /* interleaved: frame 100, channel 1 */
  CHECK_STATUS(ml_meter_add_interleaved(m, bad, 2, 240), ML_STATUS_NONFINITE);
  CHECK(strstr(ml_last_error_message(), "channel 1, index 100") != NULL);
  CHECK_OK(ml_meter_duration_s(m, &value));
  CHECK(value == 0.0); /* refused blocks leave the meter unchanged */
  CHECK_STATUS(ml_meter_channel_true_peak_dbtp(m, 2, &value), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_meter_set_channel_weight(m, 0, NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_meter_set_channel_weight(m, 5, 1.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_meter_series(m, NULL, NULL, 0, NULL), ML_STATUS_NULL_POINTER);
  CHECK_OK(ml_meter_series(m, NULL, NULL, 0, &len));
  CHECK(len == 0);
  ml_meter_free(m);

  /* One-shot measurement: empty, bad rate, channel counts, NaN. */
  CHECK_STATUS(ml_measure(one, 1, 0, FS, &report, NULL), ML_STATUS_EMPTY_INPUT);
  CHECK_STATUS(ml_measure(one, 1, 480, 1e9, &report, NULL), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK_STATUS(ml_measure(one, 1, 480, NAN, &report, NULL), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK_STATUS(ml_measure(one, 0, 480, FS, &report, NULL), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_STATUS(ml_measure(one, 65, 480, FS, &report, NULL), ML_STATUS_INVALID_CHANNEL_COUNT);
  bad[201] = 0.0f;
  bad[7] = -INFINITY;
  CHECK_STATUS(ml_measure(with_nan, 2, 480, FS, &report, NULL), ML_STATUS_NONFINITE);
  CHECK(strstr(ml_last_error_message(), "channel 1, index 7") != NULL);

  /* Silence and very short input have defined readings. */
  CHECK_OK(ml_measure(two, 2, 480, FS, &report, NULL));
  CHECK(isinf(report.integrated_lufs) && report.integrated_lufs < 0.0);
  CHECK(isinf(report.true_peak_dbtp) && isinf(report.sample_peak_dbfs));
  CHECK(report.loudness_range_lu == 0.0 && report.plr_db == 0.0);

  /* Targets: unknown names, index out of range, invalid custom values. */
  CHECK_STATUS(ml_target_by_name("myspace", &target), ML_STATUS_UNKNOWN_NAME);
  CHECK(strstr(ml_last_error_message(), "spotify") != NULL);
  CHECK(strstr(ml_last_error_message(), "aes_td1008") != NULL);
  CHECK_STATUS(ml_target_at(ml_target_count(), &target), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_target_custom("x", -14.0, -1.0, -1.0, false, &target),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_target_custom(NULL, -14.0, 1.0, -1.0, false, &target), ML_STATUS_NULL_POINTER);
}

static void test_error_paths(void) {
  float x[64] = {0};
  float *one[1] = {x};
  float *two[2] = {x, x + 32};
  MlProcessor *p = NULL;
  double value = 0.0;

  /* NULL handles and pointers. */
  CHECK_STATUS(ml_processor_new_kind(NULL, &p), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_new_kind("gain", NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_prepare(NULL, FS, 64, 1), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_process_planar(NULL, one, 1, 8), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_reset(NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_param_set(NULL, "gain_db", 0.0), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_level_meter_prepare(NULL, FS, 1), ML_STATUS_NULL_POINTER);
  CHECK(strlen(ml_last_error_message()) > 0);

  /* A rejected parameter or kind leaves no handle behind. */
  p = (MlProcessor *)&value; /* overwritten with NULL on failure */
  CHECK_STATUS(ml_processor_load_json("{\"kind\": \"gain\", \"params\": {\"gain_db\": 1e9}}", &p),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK(p == NULL);
  p = (MlProcessor *)&value;
  CHECK_STATUS(ml_processor_new_kind("gian", &p), ML_STATUS_UNKNOWN_NAME);
  CHECK(p == NULL);
  CHECK(strstr(ml_last_error_message(), "stereo_width") != NULL); /* lists the kinds */

  p = new_gain(0.0);
  CHECK_STATUS(ml_processor_param_get(p, "gain_db", NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_param_set(p, "gain_db", NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(ml_last_error_message(), "gain_db") != NULL);
  CHECK_STATUS(ml_processor_param_set(p, "gain_db", INFINITY), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, "pan", 0.5), ML_STATUS_UNKNOWN_NAME);
  CHECK_STATUS(ml_processor_param_get(p, "width", &value), ML_STATUS_UNKNOWN_NAME);
  MlProcessor *member = NULL;
  CHECK_STATUS(ml_chain_member(p, 0, &member), ML_STATUS_WRONG_KIND);

  /* Process before prepare, bad specs, channel mismatch. */
  CHECK_STATUS(ml_processor_process_planar(p, one, 1, 8), ML_STATUS_NOT_PREPARED);
  CHECK_STATUS(ml_processor_process_interleaved(p, x, 1, 8), ML_STATUS_NOT_PREPARED);
  CHECK_STATUS(ml_processor_prepare(p, 0.0, 64, 1), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK_STATUS(ml_processor_prepare(p, 1e9, 64, 1), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK(strstr(ml_last_error_message(), "sample rate") != NULL);
  CHECK_STATUS(ml_processor_prepare(p, FS, 0, 1), ML_STATUS_INVALID_BLOCK_SIZE);
  CHECK_STATUS(ml_processor_prepare(p, FS, 64, 0), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_STATUS(ml_processor_process_planar(p, one, 1, 8), ML_STATUS_NOT_PREPARED);
  CHECK_OK(ml_processor_prepare(p, FS, 64, 1));
  CHECK_STATUS(ml_processor_process_planar(p, two, 2, 8), ML_STATUS_CHANNEL_MISMATCH);
  CHECK_STATUS(ml_processor_process_interleaved(p, x, 2, 8), ML_STATUS_CHANNEL_MISMATCH);
  CHECK_STATUS(ml_processor_process_planar(p, NULL, 1, 8), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_process_interleaved(p, NULL, 1, 8), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_latency(p, NULL), ML_STATUS_NULL_POINTER);

  /* Empty buffers are no-ops; longer than max_block is split. */
  CHECK_OK(ml_processor_process_planar(p, one, 1, 0));
  CHECK_OK(ml_processor_process_interleaved(p, x, 1, 0));
  CHECK_OK(ml_processor_process_planar(p, one, 1, 64));
  CHECK_OK(ml_processor_reset(p));
  ml_processor_free(p);

  /* Freeing NULL is a no-op. */
  ml_processor_free(NULL);
  ml_level_meter_free(NULL);
}

/* A filter of `kind` with cutoff, gain and q (gain NAN: left at its default). */
static MlProcessor *new_filter(const char *kind, double cutoff_hz, double gain_db, double q) {
  MlProcessor *f = new_kind(kind);
  CHECK_OK(ml_processor_param_set(f, "cutoff_hz", cutoff_hz));
  if (!isnan(gain_db)) {
    CHECK_OK(ml_processor_param_set(f, "gain_db", gain_db));
  }
  CHECK_OK(ml_processor_param_set(f, "q", q));
  return f;
}

static void test_equalizer_peak_matches_measured_gain(void) {
  enum { LEN = 19200, SKIP = 9600 }; /* the last 9600 samples hold whole periods */
  static float in[LEN], y[LEN];
  MlProcessor *peak = new_filter("peak_filter", 1000.0, 6.0, 1.0);
  MlProcessor *high_pass = new_filter("high_pass", 40.0, NAN, 0.7071);
  CHECK_OK(ml_processor_param_set(high_pass, "order", 4.0));
  MlProcessor *eq = new_kind("equalizer");
  CHECK_OK(ml_equalizer_push_band(eq, peak));
  CHECK_OK(ml_equalizer_push_band(eq, high_pass));
  const double freqs[4] = {250.0, 1000.0, 2000.0, 4000.0};
  double designed[4] = {0};
  CHECK_OK(ml_equalizer_magnitude_db(eq, freqs, designed, 4, FS));
  CHECK_NEAR(designed[1], 6.0, 0.01);
  for (int i = 0; i < 4; i++) {
    fill_sine(in, LEN, freqs[i], 0.25);
    memcpy(y, in, sizeof y);
    float *channels[1] = {y};
    CHECK_OK(ml_processor_prepare(eq, FS, 512, 1));
    CHECK_OK(ml_processor_process_planar(eq, channels, 1, LEN));
    double measured = gain_db(y + SKIP, in + SKIP, LEN - SKIP);
    printf("eq at %6.0f Hz: designed %+.4f dB, measured %+.4f dB\n", freqs[i], designed[i],
           measured);
    CHECK_NEAR(measured, designed[i], 0.02);
  }

  /* Setting a band changes the designed response. */
  CHECK_OK(ml_processor_param_set(peak, "gain_db", -6.0));
  CHECK_OK(ml_equalizer_set_band(eq, 0, peak));
  CHECK_OK(ml_equalizer_magnitude_db(eq, freqs + 1, designed, 1, FS));
  CHECK_NEAR(designed[0], -6.0, 0.01);
  MlProcessor *band = NULL;
  CHECK_OK(ml_equalizer_get_band(eq, 1, &band));
  CHECK(param(band, "order") == 4.0 && param(band, "cutoff_hz") == 40.0);
  ml_processor_free(band);

  /* Error paths. */
  CHECK_STATUS(ml_equalizer_magnitude_db(eq, freqs, designed, 4, 0.0), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK_STATUS(ml_equalizer_magnitude_db(eq, NULL, designed, 4, FS), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_equalizer_set_band(eq, 2, peak), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_equalizer_push_band(peak, peak), ML_STATUS_WRONG_KIND);
  CHECK_STATUS(ml_processor_param_set(peak, "q", NAN), ML_STATUS_INVALID_ARGUMENT);
  MlProcessor *gain = new_gain(0.0);
  CHECK_STATUS(ml_equalizer_set_band(eq, 0, gain), ML_STATUS_WRONG_KIND);
  CHECK(strstr(ml_last_error_message(), "peak_filter") != NULL);
  ml_processor_free(gain);
  ml_processor_free(peak);
  ml_processor_free(high_pass);
  ml_processor_free(eq);
}

static void test_filter_and_dc_blocker(void) {
  static float x[N];
  MlProcessor *f = new_filter("low_pass", 30000.0, NAN, 0.7071);
  CHECK_STATUS(ml_processor_prepare(f, FS, 256, 2), ML_STATUS_ABOVE_NYQUIST);
  CHECK(strstr(ml_last_error_message(), "Nyquist") != NULL);
  CHECK_OK(ml_processor_prepare(f, 96000.0, 256, 2));
  CHECK_STATUS(ml_processor_param_set(f, "cutoff_hz", NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_param_set(f, "cutoff_hz", 1000.0));
  size_t tail = 0;
  CHECK_OK(ml_processor_tail(f, &tail));
  CHECK(tail > 0);
  MlKindInfo kind;
  CHECK_OK(ml_processor_kind(f, &kind));
  CHECK(strcmp(kind.name, "low_pass") == 0 && kind.tail);
  CHECK(param(f, "cutoff_hz") == 1000.0 && param(f, "bypass") == 0.0);
  CHECK_STATUS(ml_processor_param_set(f, "gain_db", 0.0), ML_STATUS_UNKNOWN_NAME);
  ml_processor_free(f);

  MlProcessor *dc = new_kind("dc_blocker");
  CHECK_STATUS(ml_processor_param_set(dc, "cutoff_hz", 0.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK(param(dc, "cutoff_hz") == 5.0);
  CHECK_OK(ml_processor_prepare(dc, FS, 512, 1));
  float *channels[1] = {x};
  for (int block = 0; block < 10; block++) { /* 1 s of constant 0.5 */
    for (size_t i = 0; i < N; i++) {
      x[i] = 0.5f;
    }
    CHECK_OK(ml_processor_process_planar(dc, channels, 1, N));
  }
  CHECK(fabs(x[N - 1]) < 1e-6);
  ml_processor_free(dc);
}

static double peak_abs(const float *x, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    m = fmax(m, fabs((double)x[i]));
  }
  return m;
}

/* Static gain of a steady level through the compressor vs the gain-computer
 * formula (hard part above the knee, and inside the knee). */
static void test_compressor_static_gain(void) {
  MlProcessor *c = new_kind("compressor");
  CHECK_OK(ml_processor_param_set(c, "threshold_db", -20.0));
  CHECK_OK(ml_processor_param_set(c, "ratio", 4.0));
  CHECK_OK(ml_processor_param_set(c, "knee_db", 6.0));
  CHECK_OK(ml_processor_param_set(c, "attack_ms", 1.0));
  CHECK_OK(ml_processor_param_set(c, "release_ms", 20.0));
  CHECK_OK(ml_processor_prepare(c, FS, 512, 2));
  /* level dBFS -> expected output dBFS (Giannoulis et al. soft knee) */
  const double levels[3] = {-8.0, -19.0, -30.0};
  const double want[3] = {-20.0 + 12.0 / 4.0, -19.0 - 0.75 * 16.0 / 12.0, -30.0};
  for (int k = 0; k < 3; k++) {
    float l[N], r[N];
    float amp = (float)pow(10.0, levels[k] / 20.0);
    for (size_t i = 0; i < N; i++) {
      l[i] = amp;
      r[i] = -amp;
    }
    float *channels[2] = {l, r};
    CHECK_OK(ml_processor_reset(c));
    CHECK_OK(ml_processor_process_planar(c, channels, 2, N));
    CHECK_NEAR(20.0 * log10(fabs(l[N - 1])), want[k], 0.05);
    CHECK_NEAR(20.0 * log10(fabs(r[N - 1])), want[k], 0.05);
    double gr = -1.0;
    CHECK_OK(ml_processor_gain_reduction_db(c, &gr));
    CHECK_NEAR(gr, levels[k] - want[k], 0.05);
  }
  CHECK(param(c, "threshold_db") == -20.0 && param(c, "ratio") == 4.0 && param(c, "link") == 1.0);
  CHECK_OK(ml_processor_param_set(c, "ratio", INFINITY));
  CHECK_OK(ml_processor_param_set(c, "auto_makeup", 1.0));
  CHECK_OK(ml_processor_param_set(c, "detector", choice("compressor", "detector", "rms")));
  CHECK(param(c, "ratio") == INFINITY && param(c, "detector") == 1.0);
  ml_processor_free(c);
}

/* A loud tone at the centre of a dynamic band is cut by the static law:
 * (level - threshold)(1 - 1/ratio) within the range; a quiet one passes. */
static void test_dynamic_band_cut(void) {
  MlProcessor *b = new_kind("dynamic_band");
  CHECK_OK(ml_processor_param_set(b, "threshold_db", -30.0));
  CHECK_OK(ml_processor_param_set(b, "ratio", 4.0));
  CHECK_OK(ml_processor_param_set(b, "range_db", -12.0));
  CHECK_OK(ml_processor_param_set(b, "attack_ms", 1.0));
  CHECK_OK(ml_processor_param_set(b, "release_ms", 20.0));
  CHECK_OK(ml_processor_prepare(b, FS, 512, 1));
  /* RMS level dBFS of a 1 kHz tone -> expected gain dB */
  const double levels[2] = {-20.0, -50.0};
  const double want[2] = {-7.5, 0.0};
  for (int k = 0; k < 2; k++) {
    float x[N], y[N];
    double amp = sqrt(2.0) * pow(10.0, levels[k] / 20.0);
    for (size_t i = 0; i < N; i++) {
      x[i] = y[i] = (float)(amp * sin(TWO_PI * 1000.0 * (double)i / FS));
    }
    float *channels[1] = {y};
    CHECK_OK(ml_processor_reset(b));
    CHECK_OK(ml_processor_process_planar(b, channels, 1, N));
    CHECK_NEAR(gain_db(y + N / 2, x + N / 2, N / 2), want[k], 0.2);
    double gr = -1.0;
    CHECK_OK(ml_processor_gain_reduction_db(b, &gr));
    CHECK_NEAR(gr, -want[k], 0.2);
  }
  ml_processor_free(b);
}

/* A hot signal never leaves the limiter above its ceiling; the reported
 * latency is the delay of an impulse below the ceiling. */
static void test_limiter_ceiling_and_latency(void) {
  MlProcessor *lim = new_kind("limiter");
  CHECK_OK(ml_processor_param_set(lim, "ceiling_db", -1.0));
  CHECK_OK(ml_processor_prepare(lim, FS, 256, 1));
  float x[N];
  uint32_t seed = 1;
  for (size_t i = 0; i < N; i++) {
    seed = seed * 1664525u + 1013904223u;
    double noise = ((double)(seed >> 8) / 16777216.0 - 0.5);
    x[i] = (float)(2.5 * sin(TWO_PI * 997.0 * (double)i / FS) + 2.0 * noise);
  }
  float *channels[1] = {x};
  CHECK_OK(ml_processor_process_planar(lim, channels, 1, N));
  CHECK(peak_abs(x, N) <= pow(10.0, -1.0 / 20.0));
  CHECK(peak_abs(x + N / 2, N / 2) > 0.8);
  double gr = 0.0;
  CHECK_OK(ml_processor_gain_reduction_db(lim, &gr));
  CHECK(gr > 1.0f);

  size_t latency = 0;
  CHECK_OK(ml_processor_latency(lim, &latency));
  CHECK(latency == 240); /* 5 ms at 48 kHz */
  CHECK_OK(ml_processor_reset(lim));
  memset(x, 0, sizeof x);
  x[10] = 0.25f;
  CHECK_OK(ml_processor_process_planar(lim, channels, 1, N));
  size_t at = 0;
  for (size_t i = 0; i < N; i++) {
    if (fabs(x[i]) > fabs(x[at])) {
      at = i;
    }
  }
  CHECK(at == 10 + latency);
  CHECK_NEAR(x[at], 0.25, 1e-6);

  /* True-peak mode adds the detector's delay. */
  CHECK_OK(ml_processor_param_set(lim, "true_peak", 1.0));
  CHECK_OK(ml_processor_prepare(lim, FS, 256, 1));
  size_t tp_latency = 0;
  CHECK_OK(ml_processor_latency(lim, &tp_latency));
  CHECK(tp_latency > latency);
  ml_processor_free(lim);
}

/* A gate keyed by a sidechain burst opens where the burst is, and only there. */
static void test_sidechain_keyed_gate(void) {
  MlProcessor *gate = new_kind("noise_gate");
  CHECK_OK(ml_processor_param_set(gate, "threshold_db", -30.0));
  CHECK_OK(ml_processor_param_set(gate, "hold_ms", 0.0));
  CHECK_OK(ml_processor_param_set(gate, "hysteresis_db", 0.0));
  CHECK_OK(ml_processor_param_set(gate, "release_ms", 5.0));
  CHECK_OK(ml_processor_prepare(gate, FS, 512, 2));
  float l[N], r[N], key[N];
  fill_sine(l, N, 440.0, 0.1);
  fill_sine(r, N, 440.0, 0.1);
  memset(key, 0, sizeof key);
  for (size_t i = 2400; i < 3600; i++) {
    key[i] = 0.5f;
  }
  float *channels[2] = {l, r};
  float *side[1] = {key};
  CHECK_OK(ml_processor_process_sidechain_planar(gate, channels, 2, side, 1, N));
  CHECK(rms(l + 1000, 1000) < 1e-4 * 0.0707 * 10); /* closed: -80 dB range */
  CHECK_NEAR(rms(l + 2500, 1000), 0.1 / sqrt(2.0), 1e-3); /* open */
  CHECK(rms(r + 4200, 600) < 1e-3);                         /* closed again */
  double gr = 0.0;
  CHECK_OK(ml_processor_gain_reduction_db(gate, &gr));
  CHECK(gr > 70.0f);

  /* Kinds without a sidechain input. */
  MlProcessor *lim = new_kind("limiter");
  CHECK_OK(ml_processor_prepare(lim, FS, 512, 2));
  CHECK_STATUS(ml_processor_process_sidechain_planar(lim, channels, 2, side, 1, N),
               ML_STATUS_WRONG_KIND);
  MlProcessor *g = new_gain(0.0);
  CHECK_OK(ml_processor_prepare(g, FS, 512, 2));
  CHECK_STATUS(ml_processor_process_sidechain_planar(g, channels, 2, side, 1, N),
               ML_STATUS_WRONG_KIND);
  CHECK_STATUS(ml_processor_gain_reduction_db(g, &gr), ML_STATUS_WRONG_KIND);
  CHECK_STATUS(ml_processor_param_set(lim, "ratio", 2.0), ML_STATUS_UNKNOWN_NAME);
  CHECK_STATUS(ml_processor_param_set(gate, "ceiling_db", -3.0), ML_STATUS_UNKNOWN_NAME);
  CHECK_STATUS(ml_processor_param_set(g, "range_db", 10.0), ML_STATUS_UNKNOWN_NAME);

  /* Bypassed, the gate passes the signal the key would close it on. */
  CHECK_STATUS(ml_processor_param_set(gate, "rms_window_ms", 0.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_param_set(gate, "rms_window_ms", 50.0));
  CHECK(param(gate, "rms_window_ms") == 50.0);
  CHECK_OK(ml_processor_param_set(gate, "bypass", 1.0));
  CHECK_OK(ml_processor_reset(gate));
  fill_sine(l, N, 440.0, 0.1);
  fill_sine(r, N, 440.0, 0.1);
  memset(key, 0, sizeof key);
  CHECK_OK(ml_processor_process_sidechain_planar(gate, channels, 2, side, 1, N));
  CHECK_NEAR(rms(l + 1000, 1000), 0.1 / sqrt(2.0), 1e-3);
  CHECK_STATUS(ml_processor_param_set(g, "bypass", 0.5), ML_STATUS_INVALID_ARGUMENT);

  /* Sidechain argument errors. */
  CHECK_STATUS(ml_processor_process_sidechain_planar(gate, channels, 2, NULL, 1, N),
               ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_process_sidechain_planar(gate, channels, 2, side, 0, N),
               ML_STATUS_INVALID_ARGUMENT);
  float *aliased[1] = {r + 10}; /* overlaps a processed channel */
  CHECK_STATUS(ml_processor_process_sidechain_planar(gate, channels, 2, aliased, 1, N),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_process_sidechain_planar(gate, channels, 1, side, 1, N),
               ML_STATUS_CHANNEL_MISMATCH);
  ml_processor_free(g);
  ml_processor_free(lim);
  ml_processor_free(gate);
}

/* NaN and out-of-range parameters, unknown choices, NULL pointers. */
static void test_dynamics_errors(void) {
  MlProcessor *p = (MlProcessor *)&p; /* must be overwritten with NULL */
  CHECK_STATUS(ml_processor_load_json("{\"kind\": \"compressor\", \"params\": {\"ratio\": 0.5}}", &p),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK(p == NULL);
  CHECK_STATUS(ml_processor_load_json("{\"kind\": \"compressor\", \"params\": {\"detector\": \"loud\"}}",
                                      &p),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(ml_last_error_message(), "peak, rms") != NULL);
  CHECK_STATUS(ml_processor_new_kind(NULL, &p), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_new_kind("compressor", NULL), ML_STATUS_NULL_POINTER);
  p = new_kind("compressor");
  CHECK_STATUS(ml_processor_param_set(p, "detector", 7.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, "ratio", NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, "threshold_db", NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, "ratio", 0.5), ML_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(ml_last_error_message(), "ratio") != NULL);
  CHECK_STATUS(ml_processor_param_set(p, "mix", NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, "link", 1.5), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, NULL, 0.0), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_param_set(NULL, "threshold_db", -10.0), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_gain_reduction_db(p, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_gain_reduction_db(NULL, NULL), ML_STATUS_NULL_POINTER);
  float x[8] = {0};
  float *channels[1] = {x};
  float *side[1] = {x};
  CHECK_STATUS(ml_processor_process_sidechain_planar(p, channels, 1, side, 1, 8),
               ML_STATUS_NOT_PREPARED);
  ml_processor_free(p);

  p = new_kind("limiter");
  CHECK_STATUS(ml_processor_param_set(p, "ceiling_db", NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, "ceiling_db", 3.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, "release_ms", INFINITY), ML_STATUS_INVALID_ARGUMENT);
  CHECK(param(p, "ceiling_db") == -1.0);
  ml_processor_free(p);

  p = new_kind("expander");
  CHECK_STATUS(ml_processor_param_set(p, "range_db", NAN), ML_STATUS_INVALID_ARGUMENT);
  ml_processor_free(p);
  p = new_kind("noise_gate");
  CHECK_STATUS(ml_processor_param_set(p, "hold_ms", -1.0), ML_STATUS_INVALID_ARGUMENT);
  ml_processor_free(p);
  p = new_kind("de_esser");
  CHECK_STATUS(ml_processor_param_set(p, "frequency_hz", NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_param_set(p, "frequency_hz", 30000.0));
  CHECK_STATUS(ml_processor_prepare(p, FS, 512, 1), ML_STATUS_ABOVE_NYQUIST);
  ml_processor_free(p);

  p = new_kind("multiband_compressor");
  CHECK_STATUS(ml_processor_param_set(p, "bands", 6.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_param_set(p, "crossover_2_hz", 100.0)); /* not ascending */
  CHECK_STATUS(ml_processor_prepare(p, FS, 512, 1), ML_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(ml_last_error_message(), "crossover") != NULL);
  CHECK_OK(ml_processor_param_set(p, "crossover_2_hz", 2000.0));
  CHECK_OK(ml_processor_prepare(p, FS, 512, 1));
  MlProcessor *band = new_kind("compressor");
  CHECK_STATUS(ml_processor_param_set(band, "ratio", NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_multiband_set_band(p, 3, band), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_multiband_set_band(p, 0, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_multiband_set_band_solo(p, 3, true), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_param_set(p, "crossover_1_hz", NAN), ML_STATUS_INVALID_ARGUMENT);
  double gr = 0.0;
  CHECK_STATUS(ml_processor_gain_reduction_row_db(p, 3, &gr), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_gain_reduction_row_db(p, 2, &gr));
  ml_processor_free(band);
  ml_processor_free(p);
}

/* Unity bands sum flat; solo passes one band; the de-esser leaves a
 * low tone alone and reduces a loud high one. */
static void test_multiband_and_de_esser(void) {
  MlProcessor *m = new_kind("multiband_compressor");
  MlProcessor *unity = new_kind("compressor");
  CHECK_OK(ml_processor_param_set(unity, "ratio", 1.0));
  CHECK(param(m, "bands") == 3.0);
  for (size_t b = 0; b < 3; b++) {
    CHECK_OK(ml_multiband_set_band(m, b, unity));
  }
  ml_processor_free(unity);
  CHECK_OK(ml_processor_prepare(m, FS, 512, 1));
  size_t rows = 0;
  CHECK_OK(ml_processor_gain_reduction_rows(m, &rows));
  CHECK(rows == 3);
  const double freqs[4] = {60.0, 200.0, 1000.0, 9000.0};
  for (int k = 0; k < 4; k++) {
    float in[N], x[N];
    fill_sine(in, N, freqs[k], 0.5);
    memcpy(x, in, sizeof x);
    float *channels[1] = {x};
    CHECK_OK(ml_processor_reset(m));
    CHECK_OK(ml_processor_process_planar(m, channels, 1, N));
    CHECK_NEAR(gain_db(x + N / 2, in + N / 2, N / 2), 0.0, 0.05);
  }
  MlProcessor *band = NULL;
  CHECK_OK(ml_multiband_get_band(m, 1, &band));
  CHECK(param(band, "ratio") == 1.0);
  ml_processor_free(band);
  ml_processor_free(m);

  MlProcessor *d = new_kind("de_esser");
  CHECK_OK(ml_processor_param_set(d, "frequency_hz", 5000.0));
  CHECK_OK(ml_processor_param_set(d, "threshold_db", -30.0));
  CHECK_OK(ml_processor_param_set(d, "ratio", 8.0));
  CHECK_OK(ml_processor_prepare(d, FS, 512, 1));
  float in[N], x[N];
  float *channels[1] = {x};
  fill_sine(in, N, 500.0, 0.5);
  memcpy(x, in, sizeof x);
  CHECK_OK(ml_processor_process_planar(d, channels, 1, N));
  CHECK_NEAR(gain_db(x + N / 2, in + N / 2, N / 2), 0.0, 0.1);
  fill_sine(in, N, 9000.0, 0.5);
  memcpy(x, in, sizeof x);
  CHECK_OK(ml_processor_reset(d));
  CHECK_OK(ml_processor_process_planar(d, channels, 1, N));
  CHECK(gain_db(x + N / 2, in + N / 2, N / 2) < -10.0);
  ml_processor_free(d);
}

/* Album loudness pools the tracks' gating blocks: a 10 s -20 dBFS track and
 * a 20 s -40 dBFS one read like the loud track alone (the quiet one falls
 * under the relative gate), not like the mean of the two readings. */
static void test_album_loudness(void) {
  enum { LOUD = 10 * 48000, QUIET = 20 * 48000 };
  static float loud[LOUD], quiet[QUIET];
  fill_sine(loud, LOUD, 1000.0, pow(10.0, -20.0 / 20.0));
  fill_sine(quiet, QUIET, 1000.0, pow(10.0, -40.0 / 20.0));
  MlMeterConfig config = ml_meter_config_default();
  config.channels = 1;
  config.true_peak = false;
  MlMeter *a = NULL, *b = NULL;
  CHECK_OK(ml_meter_new(&config, &a));
  CHECK_OK(ml_meter_new(&config, &b));
  float *la[1] = {loud}, *qa[1] = {quiet};
  CHECK_OK(ml_meter_add_planar(a, la, 1, LOUD));
  CHECK_OK(ml_meter_add_planar(b, qa, 1, QUIET));
  double ia = 0.0, ib = 0.0, album = 0.0;
  CHECK_OK(ml_meter_integrated_lufs(a, &ia));
  CHECK_OK(ml_meter_integrated_lufs(b, &ib));
  const MlMeter *both[2] = {a, b};
  CHECK_OK(ml_meter_album_integrated_lufs(both, 2, &album));
  CHECK_NEAR(album, ia, 0.01);
  CHECK(album > 0.5 * (ia + ib) + 5.0);
  CHECK_STATUS(ml_meter_album_integrated_lufs(both, 0, &album), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_meter_album_integrated_lufs(NULL, 2, &album), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_meter_album_integrated_lufs(both, 2, NULL), ML_STATUS_NULL_POINTER);
  const MlMeter *with_null[2] = {a, NULL};
  CHECK_STATUS(ml_meter_album_integrated_lufs(with_null, 2, &album), ML_STATUS_NULL_POINTER);
  ml_meter_free(a);
  ml_meter_free(b);
}

/* The processor's settings as JSON, in a buffer the caller frees. */
static char *save_json(MlProcessor *p) {
  size_t len = 0;
  CHECK_OK(ml_processor_save_json(p, NULL, 0, &len));
  char *buf = malloc(len + 1);
  size_t again = 0;
  CHECK_OK(ml_processor_save_json(p, buf, len + 1, &again));
  CHECK(again == len && strlen(buf) == len);
  return buf;
}

/* Prepares `p` at 192 kHz (every declared cutoff lies below its Nyquist
 * frequency) and processes a fixed signal of `channels` channels into `out`
 * (channels * FRAMES floats, planar). */
enum { FRAMES = 2000 };
static void render(MlProcessor *p, size_t channels, float *out) {
  float *planes[2] = {out, out + FRAMES};
  for (size_t c = 0; c < channels; c++) {
    fill_sine(planes[c], FRAMES, 220.0 * (double)(c + 1), 0.5);
  }
  CHECK_OK(ml_processor_prepare(p, 192000.0, 256, channels));
  CHECK_OK(ml_processor_process_planar(p, planes, channels, FRAMES));
}

/* Walks every kind through the generic API: info, creation, every
 * parameter at min, default and max (and refused below, above and at NaN),
 * processing, and a JSON round trip with identical output. */
static void test_every_kind(void) {
  size_t kinds = ml_kind_count();
  CHECK(kinds >= 5);
  for (size_t k = 0; k < kinds; k++) {
    MlKindInfo info, found;
    CHECK_OK(ml_kind_info(k, &info));
    CHECK(info.name[0] != '\0' && info.class_name[0] != '\0' && info.doc[0] != '\0');
    CHECK_OK(ml_kind_find(info.name, &found));
    CHECK(found.name == info.name && found.param_count == info.param_count);
    MlProcessor *p = new_kind(info.name);
    if (p == NULL) {
      continue;
    }
    size_t count = 99;
    CHECK_OK(ml_processor_param_count(p, &count));
    CHECK(count == info.param_count);
    CHECK_OK(ml_processor_kind(p, &found));
    CHECK(found.name == info.name && found.channels == info.channels);
    for (size_t i = 0; i < count; i++) {
      MlParamInfo pi, ki;
      CHECK_OK(ml_processor_param_info(p, i, &pi));
      CHECK_OK(ml_kind_param_info(info.name, i, &ki));
      CHECK(pi.id == ki.id && pi.min == ki.min && pi.max == ki.max);
      CHECK(pi.doc[0] != '\0' && pi.unit != NULL);
      CHECK(pi.min <= pi.default_value && pi.default_value <= pi.max);
      CHECK((pi.type == ML_PARAM_TYPE_CHOICE) == (pi.choice_count > 0));
      CHECK(pi.type != ML_PARAM_TYPE_CHOICE || pi.max == (double)(pi.choice_count - 1));
      for (size_t c = 0; c < pi.choice_count; c++) {
        CHECK(pi.choices[c] != NULL && pi.choices[c][0] != '\0');
      }
      size_t index = 99;
      CHECK_OK(ml_processor_param_index(p, pi.id, &index));
      CHECK(index == i);
      CHECK(param(p, pi.id) == pi.default_value);
      double bad[3] = {pi.min - 1.0, isinf(pi.max) ? NAN : pi.max + 1.0, NAN};
      for (int b = 0; b < 3; b++) {
        CHECK_STATUS(ml_processor_param_set(p, pi.id, bad[b]), ML_STATUS_INVALID_ARGUMENT);
        CHECK(strstr(ml_last_error_message(), pi.id) != NULL);
        CHECK(param(p, pi.id) == pi.default_value);
      }
      double good[3] = {pi.min, pi.default_value, pi.max};
      for (int g = 0; g < 3; g++) {
        double got = NAN;
        CHECK_OK(ml_processor_param_set(p, pi.id, good[g]));
        CHECK(param(p, pi.id) == good[g]);
        CHECK_OK(ml_processor_param_set_at(p, i, good[g]));
        CHECK_OK(ml_processor_param_get_at(p, i, &got));
        CHECK(got == good[g]);
      }
      /* Leave it off its default for the round trip. */
      double to = isinf(pi.max) ? pi.min : pi.max;
      double v = pi.default_value + 0.25 * (to - pi.default_value);
      if (pi.type != ML_PARAM_TYPE_FLOAT) {
        v = pi.type == ML_PARAM_TYPE_INT ? round(v) : to;
      }
      CHECK_OK(ml_processor_param_set_at(p, i, v));
    }
    CHECK_STATUS(ml_processor_param_set_at(p, count, 0.0), ML_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(ml_processor_param_set(p, "no_such_param", 0.0), ML_STATUS_UNKNOWN_NAME);

    char *json = save_json(p);
    MlProcessor *q = NULL;
    CHECK_OK(ml_processor_load_json(json, &q));
    char *again = save_json(q);
    CHECK(strcmp(json, again) == 0);
    size_t channels = info.channels == ML_CHANNELS_ANY ? 1 : 2;
    static float a[2 * FRAMES], b[2 * FRAMES];
    render(p, channels, a);
    render(q, channels, b);
    CHECK(memcmp(a, b, channels * FRAMES * sizeof(float)) == 0);
    if (memcmp(a, b, channels * FRAMES * sizeof(float)) != 0) {
      fprintf(stderr, "  kind %s: %s\n", info.name, json);
    }
    free(json);
    free(again);
    ml_processor_free(p);
    ml_processor_free(q);
  }
  MlKindInfo none;
  CHECK_STATUS(ml_kind_info(kinds, &none), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_kind_find("reverb9000", &none), ML_STATUS_UNKNOWN_NAME);
  CHECK(strstr(ml_last_error_message(), "channel_tool") != NULL);
}

/* A chain with a nested chain and a bypassed member, configured before the
 * pushes, survives JSON with identical output; a small buffer is refused
 * and still told the length. */
static void test_chain_json(void) {
  MlProcessor *outer = new_kind("chain"), *inner = new_kind("chain");
  MlProcessor *pan = new_kind("pan"), *tool = new_kind("channel_tool");
  CHECK_OK(ml_processor_param_set(pan, "pan", -0.3));
  CHECK_OK(ml_processor_param_set(tool, "mode", choice("channel_tool", "mode", "swap")));
  CHECK_OK(ml_chain_push(inner, pan));
  CHECK_OK(ml_chain_push(inner, tool));
  CHECK_OK(ml_processor_param_set(pan, "bypass", 1.0));
  CHECK_OK(ml_chain_push(outer, new_gain(-2.5)));
  CHECK_OK(ml_chain_push(outer, inner));
  char *json = save_json(outer);
  CHECK(strstr(json, "\"mode\":\"swap\"") != NULL && strstr(json, "\"bypass\":true") != NULL);
  char small[4] = "xyz";
  size_t len = 0;
  CHECK_STATUS(ml_processor_save_json(outer, small, sizeof small, &len), ML_STATUS_CAPACITY_EXCEEDED);
  CHECK(len == strlen(json) && small[0] == '\0');
  MlProcessor *copy = NULL;
  CHECK_OK(ml_processor_load_json(json, &copy));
  static float a[2 * FRAMES], b[2 * FRAMES];
  render(outer, 2, a);
  render(copy, 2, b);
  CHECK(memcmp(a, b, sizeof a) == 0);
  ml_processor_free(copy);
  CHECK_STATUS(ml_processor_load_json("{\"kind\": \"chain\", \"members\": [{\"kind\": \"gain\", "
                                      "\"params\": {\"volume\": 1}}]}",
                                      &copy),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK(copy == NULL);
  CHECK(strstr(ml_last_error_message(), "volume") != NULL);
  free(json);
  ml_processor_free(outer);
}

/* A pushed member stays the host's to automate and read; the chain owns it. */
static void test_chain_member_handles(void) {
  static float in[N], x[N];
  fill_sine(in, N, 1000.0, 0.5);
  memcpy(x, in, sizeof x);
  MlProcessor *chain = new_kind("chain");
  MlProcessor *gain = new_gain(-3.0);
  CHECK_OK(ml_chain_push(chain, gain));
  CHECK_OK(ml_processor_prepare(chain, FS, 128, 1));
  CHECK_OK(ml_processor_param_set(gain, "gain_db", -9.0)); /* after the push */
  MlProcessor *found = NULL;
  CHECK_OK(ml_chain_member(chain, 0, &found));
  CHECK(found == gain);
  CHECK_STATUS(ml_chain_member(chain, 1, &found), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_reset(chain)); /* the new gain without its glide */
  float *channels[1] = {x};
  CHECK_OK(ml_processor_process_planar(chain, channels, 1, N));
  CHECK_NEAR(gain_db(x, in, N), -9.0, 0.05);
  CHECK_STATUS(ml_processor_process_planar(gain, channels, 1, N), ML_STATUS_INVALID_ARGUMENT);
  ml_processor_free(gain); /* a no-op: the chain frees it */
  ml_processor_free(chain);
}

/* A mixing session: a lookahead limiter on one track, an inverted dry copy
   on another: latency compensation makes them cancel. */
static void test_mixer_null(void) {
  static float x[N], left[N], right[N];
  fill_sine(x, N, 440.0, 0.25);
  MlMixer *m = NULL;
  CHECK_OK(ml_mixer_new(FS, 256, &m));
  size_t a = 0, b = 0;
  CHECK_OK(ml_mixer_add_track(m, "limited", 1, &a));
  CHECK_OK(ml_mixer_add_track(m, "dry", 1, &b));
  MlProcessor *lim = new_kind("limiter");
  CHECK_OK(ml_processor_param_set(lim, "ceiling_db", 0.0));
  CHECK_OK(ml_mixer_insert_push(m, ML_MIXER_TRACK, a, lim));
  CHECK_OK(ml_mixer_param_set(m, ML_MIXER_TRACK, b, "invert_polarity", 1.0));
  CHECK_STATUS(ml_mixer_param_set(m, ML_MIXER_TRACK, 9, "pan", 0.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_mixer_prepare(m));
  size_t latency = 0;
  CHECK_OK(ml_mixer_latency(m, &latency));
  CHECK(latency > 0);
  float *chans[1] = {x};
  float *const *tracks[2] = {chans, chans};
  CHECK_OK(ml_mixer_process(m, tracks, left, right, N));
  float worst = 0.0f;
  for (size_t i = 0; i < N; i++) {
    worst = fmaxf(worst, fmaxf(fabsf(left[i]), fabsf(right[i])));
  }
  CHECK(worst < 1e-6f);
  ml_mixer_free(m);
}

/* One convention: the channel array a host processes is the one it meters
   (no cast), getters take const handles, readings are double. */
static void test_conventions_need_no_casts(void) {
  static float l[N], r[N];
  fill_sine(l, N, 997.0, 0.5);
  fill_sine(r, N, 997.0, 0.5);
  float *channels[2] = {l, r};
  MlProcessor *lim = new_kind("limiter");
  CHECK_OK(ml_processor_prepare(lim, FS, 256, 2));
  CHECK_OK(ml_processor_process_planar(lim, channels, 2, N));
  MlMeterConfig config = ml_meter_config_default();
  config.sample_rate = FS;
  config.channels = 2;
  MlMeter *meter = NULL;
  CHECK_OK(ml_meter_new(&config, &meter));
  CHECK_OK(ml_meter_add_planar(meter, channels, 2, N));
  MlQaReport report;
  CHECK_OK(ml_measure(channels, 2, N, FS, &report, NULL));
  const MlProcessor *view = lim;
  double ceiling = 0.0, gr = -1.0;
  size_t latency = 0;
  CHECK_OK(ml_processor_param_get(view, "ceiling_db", &ceiling));
  CHECK_OK(ml_processor_gain_reduction_db(view, &gr));
  CHECK_OK(ml_processor_latency(view, &latency));
  CHECK(ceiling == -1.0 && gr >= 0.0 && latency > 0);
  const MlMeter *reading = meter;
  double peak = 0.0;
  CHECK_OK(ml_meter_sample_peak_dbfs(reading, &peak));
  CHECK(peak <= -1.0 + 1e-6);
  ml_meter_free(meter);
  ml_processor_free(lim);
}

/* A convolution reverb with a stereo impulse response: the output is the
 * input convolved with each side's response, delayed by the reported
 * latency; the response's errors have their own statuses. */
static void test_convolution_reverb(void) {
  MlProcessor *p = new_kind("convolution_reverb");
  enum { IR = 300 };
  static float left_ir[IR], right_ir[IR];
  for (size_t i = 0; i < IR; i++) {
    left_ir[i] = (float)(exp(-(double)i / 60.0) * ((i % 7) - 3.0) / 3.0);
    right_ir[i] = 0.5f * left_ir[i];
  }
  float *ir[2] = {left_ir, right_ir};
  CHECK_OK(ml_processor_set_ir(p, ir, 2, IR, 48000.0));
  /* The response's rate must be the processing rate; a stereo response
   * needs stereo input. */
  CHECK_STATUS(ml_processor_prepare(p, 44100.0, 512, 2), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK(strstr(ml_last_error_message(), "44100") != NULL);
  CHECK_STATUS(ml_processor_prepare(p, 48000.0, 512, 1), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_prepare(p, 48000.0, 512, 2));
  size_t latency = 0, tail = 0;
  CHECK_OK(ml_processor_latency(p, &latency));
  CHECK_OK(ml_processor_tail(p, &tail));
  CHECK(latency > 0 && latency < 1024 && tail == IR - 1);
  static float l[N], r[N]; /* N = 4800 frames */
  memset(l, 0, sizeof l);
  memset(r, 0, sizeof r);
  l[10] = 1.0f;
  r[20] = 1.0f;
  float *planes[2] = {l, r};
  CHECK_OK(ml_processor_process_planar(p, planes, 2, N));
  double err = 0.0;
  for (size_t i = 0; i < IR; i++) {
    err = fmax(err, fabs(l[10 + latency + i] - left_ir[i]));
    err = fmax(err, fabs(r[20 + latency + i] - right_ir[i]));
  }
  CHECK(err < 1e-5);
  /* Errors: wrong kind, NULL, bad channel counts, empty, non-finite. */
  MlProcessor *gain = new_gain(0.0);
  CHECK_STATUS(ml_processor_set_ir(gain, ir, 2, IR, 48000.0), ML_STATUS_WRONG_KIND);
  ml_processor_free(gain);
  CHECK_STATUS(ml_processor_set_ir(p, NULL, 2, IR, 48000.0), ML_STATUS_NULL_POINTER);
  float *with_null[2] = {left_ir, NULL};
  CHECK_STATUS(ml_processor_set_ir(p, with_null, 2, IR, 48000.0), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_set_ir(p, ir, 3, IR, 48000.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_set_ir(p, ir, 0, IR, 48000.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_processor_set_ir(p, ir, 2, 0, 48000.0), ML_STATUS_EMPTY_INPUT);
  CHECK_STATUS(ml_processor_set_ir(p, ir, 2, IR, 44100.0), ML_STATUS_INVALID_SAMPLE_RATE);
  left_ir[5] = NAN;
  CHECK_STATUS(ml_processor_set_ir(p, ir, 2, IR, 48000.0), ML_STATUS_NONFINITE);
  ml_processor_free(p);
}

/* Dither by kind name: 16-bit output lies on the grid k / 32768, the
 * TPDF error is 1/4 LSB^2, and a shaping name is a choice index. */
static void test_dither(void) {
  static float in[N], x[N];
  fill_sine(in, N, 1000.0, 0.25);
  memcpy(x, in, sizeof x);
  MlProcessor *d = new_kind("dither");
  CHECK(param(d, "bits") == 16.0 && param(d, "shaping") == choice("dither", "shaping", "tpdf"));
  CHECK_STATUS(ml_processor_param_set(d, "bits", 25.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_prepare(d, FS, 512, 1));
  float *channels[1] = {x};
  CHECK_OK(ml_processor_process_planar(d, channels, 1, N));
  double err = 0.0;
  int on_grid = 1;
  for (size_t i = 0; i < N; i++) {
    double k = (double)x[i] * 32768.0;
    on_grid &= k == floor(k);
    err += (k - (double)in[i] * 32768.0) * (k - (double)in[i] * 32768.0);
  }
  CHECK(on_grid);
  CHECK_NEAR(err / N, 0.25, 0.03);
  CHECK_OK(ml_processor_param_set(d, "shaping", choice("dither", "shaping", "e_weighted")));
  ml_processor_free(d);
}

/* A linear-phase EQ's curve is a table: set, read back, carried by JSON with
 * identical output; the impulse peaks at the reported latency. */
static void test_linear_phase_eq_tables(void) {
  MlProcessor *p = new_kind("linear_phase_eq");
  const double curve[] = {60.0, 6.0, 250.0, 0.0, 2000.0, -4.0, 4000.0, -4.0, 6000.0, 0.0};
  CHECK_OK(ml_processor_set_table(p, "curve", curve, 10));
  size_t len = 0;
  CHECK_OK(ml_processor_get_table(p, "curve", NULL, 0, &len));
  CHECK(len == 10);
  double back[10] = {0};
  CHECK_STATUS(ml_processor_get_table(p, "curve", back, 4, &len), ML_STATUS_CAPACITY_EXCEEDED);
  CHECK_OK(ml_processor_get_table(p, "curve", back, 10, &len));
  CHECK(memcmp(back, curve, sizeof curve) == 0);
  CHECK_OK(ml_processor_get_table(p, "side_curve", NULL, 0, &len));
  CHECK(len == 0);
  char *json = save_json(p);
  CHECK(strstr(json, "\"tables\"") != NULL && strstr(json, "\"curve\"") != NULL);
  MlProcessor *copy = NULL;
  CHECK_OK(ml_processor_load_json(json, &copy));
  free(json);
  static float a[N], b[N];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  a[0] = b[0] = 1.0f;
  float *pa[1] = {a}, *pb[1] = {b};
  CHECK_OK(ml_processor_prepare(p, FS, 512, 1));
  CHECK_OK(ml_processor_prepare(copy, FS, 512, 1));
  CHECK_OK(ml_processor_process_planar(p, pa, 1, N));
  CHECK_OK(ml_processor_process_planar(copy, pb, 1, N));
  CHECK(memcmp(a, b, sizeof a) == 0);
  size_t latency = 0, peak = 0;
  CHECK_OK(ml_processor_latency(p, &latency));
  for (size_t i = 0; i < N; i++) {
    peak = fabsf(a[i]) > fabsf(a[peak]) ? i : peak;
  }
  CHECK(latency == 128 + 4096 && peak == latency);
  /* Errors: NULL, unknown table, a kind without tables, bad values. */
  CHECK_STATUS(ml_processor_set_table(NULL, "curve", curve, 10), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_set_table(p, NULL, curve, 10), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_set_table(p, "curve", NULL, 10), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_get_table(p, "curve", NULL, 0, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_processor_set_table(p, "curves", curve, 10), ML_STATUS_UNKNOWN_NAME);
  CHECK(strstr(ml_last_error_message(), "side_curve") != NULL);
  CHECK_STATUS(ml_processor_get_table(p, "curves", NULL, 0, &len), ML_STATUS_UNKNOWN_NAME);
  MlProcessor *gain = new_gain(0.0);
  CHECK_STATUS(ml_processor_set_table(gain, "curve", curve, 10), ML_STATUS_UNKNOWN_NAME);
  CHECK(strstr(ml_last_error_message(), "no tables") != NULL);
  ml_processor_free(gain);
  const double odd[] = {100.0, 1.0, 200.0};
  CHECK_STATUS(ml_processor_set_table(p, "curve", odd, 3), ML_STATUS_INVALID_ARGUMENT);
  const double nan_gain[] = {100.0, NAN};
  CHECK_STATUS(ml_processor_set_table(p, "curve", nan_gain, 2), ML_STATUS_INVALID_ARGUMENT);
  const double descending[] = {200.0, 1.0, 100.0, 2.0};
  CHECK_STATUS(ml_processor_set_table(p, "curve", descending, 4), ML_STATUS_INVALID_ARGUMENT);
  CHECK_OK(ml_processor_get_table(p, "curve", back, 10, &len));
  CHECK(len == 10 && memcmp(back, curve, sizeof curve) == 0);
  CHECK_OK(ml_processor_set_table(p, "curve", NULL, 0));
  CHECK_OK(ml_processor_get_table(p, "curve", NULL, 0, &len));
  CHECK(len == 0);
  ml_processor_free(copy);
  ml_processor_free(p);
}

int main(void) {
  test_status_strings();
  test_gain_halves_amplitude();
  test_constant_power_pan_centre();
  test_width_zero_is_mono();
  test_interleaved_equals_planar();
  test_chain();
  test_level_meter();
  test_loudness_meter();
  test_true_peak_quarter_rate_sine();
  test_targets();
  test_qa_meter();
  test_translation();
  test_loudness_error_paths();
  test_album_loudness();
  test_equalizer_peak_matches_measured_gain();
  test_filter_and_dc_blocker();
  test_error_paths();
  test_compressor_static_gain();
  test_dynamic_band_cut();
  test_limiter_ceiling_and_latency();
  test_sidechain_keyed_gate();
  test_dynamics_errors();
  test_multiband_and_de_esser();
  test_every_kind();
  test_chain_json();
  test_chain_member_handles();
  test_mixer_null();
  test_conventions_need_no_casts();
  test_convolution_reverb();
  test_dither();
  test_linear_phase_eq_tables();
  return check_summary();
}
