/* C test of the mastering API (MlMasteringChain, ml_master, ml_master_album,
 * ml_normalize, MlProfile, reference matching and the assistant) through include/masterlib.h: loudness and true peak of the
 * masters measured with ml_measure, bit-identical output after a JSON round
 * trip and in place, relative loudness kept across an album, and every
 * error path. Built and run by tests/c_api.rs. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "masterlib.h"

#define FS 48000.0
#define TWO_PI 6.283185307179586

/* Planar stereo audio owned by the test. */
typedef struct {
  float *ch[2];
  size_t frames;
} Stereo;

static Stereo stereo_new(size_t frames) {
  Stereo s = {{calloc(frames, sizeof(float)), calloc(frames, sizeof(float))}, frames};
  return s;
}

static void stereo_free(Stereo *s) {
  free(s->ch[0]);
  free(s->ch[1]);
}

/* Test music at peak level about `level`: a bass, a chord and a bell tone
 * under a slow swell and 4 Hz pulses, with noise bursts (snare-like) on the
 * off-beats; left and right differ in voicing. */
static Stereo music(double seconds, double level, uint32_t seed) {
  Stereo s = stereo_new((size_t)(seconds * FS));
  for (size_t i = 0; i < s.frames; i++) {
    double t = (double)i / FS;
    double swell = 0.6 + 0.4 * sin(TWO_PI * 0.25 * t);
    double beat = fmod(t * 2.0, 1.0);
    double pulse = exp(-6.0 * beat);
    double bass = sin(TWO_PI * 55.0 * t) * pulse;
    double chord = sin(TWO_PI * 220.0 * t) + 0.7 * sin(TWO_PI * 277.2 * t);
    double bell = 0.3 * sin(TWO_PI * 1760.0 * t) * exp(-3.0 * fmod(t, 1.5));
    seed = seed * 1664525u + 1013904223u;
    double noise = (double)(seed >> 8) / 16777216.0 - 0.5;
    double snare = beat > 0.5 && beat < 0.6 ? 1.6 * noise * exp(-30.0 * (beat - 0.5)) : 0.0;
    double mid = 0.45 * bass + 0.2 * swell * chord + bell + snare;
    s.ch[0][i] = (float)(level * (mid + 0.08 * sin(TWO_PI * 330.0 * t)));
    s.ch[1][i] = (float)(level * (mid + 0.08 * sin(TWO_PI * 440.0 * t)));
  }
  return s;
}

static MlQaReport measure(const Stereo *s) {
  MlQaReport r;
  memset(&r, 0, sizeof r);
  CHECK_OK(ml_measure(s->ch, 2, s->frames, FS, &r, NULL));
  return r;
}

static MlMasteringChain *new_chain(const char *preset) {
  MlMasteringChain *c = NULL;
  CHECK_OK(ml_mastering_chain_new(preset, &c));
  return c;
}

/* The chain as JSON, in a buffer the caller frees. */
static char *chain_json(const MlMasteringChain *c) {
  size_t len = 0;
  CHECK_OK(ml_mastering_chain_to_json(c, NULL, 0, &len));
  char *buf = malloc(len + 1);
  size_t again = 0;
  CHECK_OK(ml_mastering_chain_to_json(c, buf, len + 1, &again));
  CHECK(again == len && strlen(buf) == len);
  return buf;
}

/* The report's JSON, malloc'ed (checked as chain_json is). */
static char *report_json(const MlReport *r) {
  size_t len = 0;
  CHECK_OK(ml_report_json(r, NULL, 0, &len));
  char *buf = malloc(len + 1);
  size_t again = 0;
  CHECK_OK(ml_report_json(r, buf, len + 1, &again));
  CHECK(again == len && strlen(buf) == len);
  return buf;
}

static int same(const Stereo *a, const Stereo *b) {
  return a->frames == b->frames &&
         memcmp(a->ch[0], b->ch[0], a->frames * sizeof(float)) == 0 &&
         memcmp(a->ch[1], b->ch[1], a->frames * sizeof(float)) == 0;
}

/* Preset "streaming" masters 10 s of music to -14 LUFS under -1 dBTP; a
 * chain loaded from its JSON, and mastering in place, give the same bits. */
static void test_master_streaming(void) {
  Stereo mix = music(10.0, 0.25, 1);
  Stereo out = stereo_new(mix.frames), again = stereo_new(mix.frames);
  MlMasteringChain *c = new_chain("streaming");
  MlMasterResult r;
  MlReport *report = NULL;
  CHECK_OK(ml_master(c, mix.ch, out.ch, 2, mix.frames, FS, &r, &report, NULL));
  MlQaReport in = measure(&mix), q = measure(&out);
  printf("streaming: mix %.2f LUFS %.2f dBTP -> master %.2f LUFS %.2f dBTP, LRA %.2f -> %.2f LU,\n"
         "  input gain %.2f dB, normalize gain %.2f dB, limiter max %.2f mean %.2f dB, %u pass(es)\n",
         in.integrated_lufs, in.true_peak_dbtp, q.integrated_lufs, q.true_peak_dbtp,
         r.input_loudness_range_lu, r.output_loudness_range_lu, r.input_gain_db,
         r.normalize_gain_db, r.limiter_max_gr_db, r.limiter_mean_gr_db, r.passes);
  CHECK_NEAR(q.integrated_lufs, -14.0, 0.3);
  CHECK(q.true_peak_dbtp <= -1.0);
  CHECK_NEAR(r.output_lufs, q.integrated_lufs, 1e-9);
  CHECK_NEAR(r.output_true_peak_dbtp, q.true_peak_dbtp, 1e-9);
  CHECK_NEAR(r.input_lufs, in.integrated_lufs, 1e-9);
  CHECK_NEAR(r.input_gain_db, -20.0 - in.integrated_lufs, 1e-9);
  CHECK(r.target_lufs == -14.0 && r.ceiling_dbtp == -1.0);
  CHECK(r.passes >= 1 && r.passes <= 3 && r.limiter_max_gr_db >= r.limiter_mean_gr_db);
  /* The full report: the master's reading, every stage, the loudness stage. */
  char *text = report_json(report);
  char after[64];
  snprintf(after, sizeof after, "\"after\":{\"sample_rate\":48000.0");
  CHECK(strstr(text, after) != NULL);
  CHECK(strstr(text, "\"name\":\"glue\"") && strstr(text, "\"normalization\":{"));
  CHECK(strstr(text, "\"stages\":[") && strstr(text, "\"momentary_series_lufs\":["));
  printf("report: %zu bytes of JSON\n", strlen(text));
  free(text);
  ml_report_free(report);

  char *json = chain_json(c);
  MlMasteringChain *back = NULL;
  CHECK_OK(ml_mastering_chain_from_json(json, &back));
  free(json);
  CHECK_OK(ml_master(back, mix.ch, again.ch, 2, mix.frames, FS, NULL, NULL, NULL));
  CHECK(same(&out, &again));
  /* In place: the output buffers are the input's. */
  CHECK_OK(ml_master(c, mix.ch, mix.ch, 2, mix.frames, FS, NULL, NULL, NULL));
  CHECK(same(&out, &mix));
  ml_mastering_chain_free(back);
  ml_mastering_chain_free(c);
  stereo_free(&mix);
  stereo_free(&out);
  stereo_free(&again);
}

/* What a progress callback saw: the fractions in order, and where to
 * cancel (above 1: never). */
typedef struct {
  double seen[1024];
  size_t count;
  double cancel_at;
} Seen;

static bool on_progress(double fraction, void *user_data) {
  Seen *s = user_data;
  if (s->count < sizeof s->seen / sizeof s->seen[0]) {
    s->seen[s->count++] = fraction;
  }
  return fraction < s->cancel_at;
}

/* The progress callback is told rising fractions up to 1 with the same
 * master as without it; returning false cancels with ML_STATUS_CANCELLED and
 * leaves the output and the result as they were. */
static void test_progress_and_cancel(void) {
  Stereo mix = music(6.0, 0.25, 4);
  Stereo out = stereo_new(mix.frames), plain = stereo_new(mix.frames);
  MlMasteringChain *c = new_chain("streaming");
  Seen seen = {.count = 0, .cancel_at = 2.0};
  MlProgress progress = {on_progress, &seen};
  CHECK_OK(ml_master(c, mix.ch, out.ch, 2, mix.frames, FS, NULL, NULL, &progress));
  CHECK_OK(ml_master(c, mix.ch, plain.ch, 2, mix.frames, FS, NULL, NULL, NULL));
  CHECK(same(&out, &plain));
  CHECK(seen.count > 20 && seen.seen[seen.count - 1] == 1.0);
  int rising = 1;
  for (size_t i = 1; i < seen.count; i++) {
    rising &= seen.seen[i] > seen.seen[i - 1];
  }
  CHECK(rising);
  Seen stop = {.count = 0, .cancel_at = 0.5};
  MlProgress cancel = {on_progress, &stop};
  Stereo untouched = stereo_new(mix.frames);
  MlMasterResult r = {.passes = 77};
  CHECK_STATUS(ml_master(c, mix.ch, untouched.ch, 2, mix.frames, FS, &r, NULL, &cancel),
               ML_STATUS_CANCELLED);
  CHECK(stop.seen[stop.count - 1] >= 0.5 && stop.seen[stop.count - 1] < 0.6 && r.passes == 77);
  int zero = 1;
  for (size_t i = 0; i < mix.frames; i++) {
    zero &= untouched.ch[0][i] == 0.0f;
  }
  CHECK(zero);
  MlQaReport q;
  Seen measuring = {.count = 0, .cancel_at = 0.1};
  MlProgress measure_cancel = {on_progress, &measuring};
  CHECK_STATUS(ml_measure(mix.ch, 2, mix.frames, FS, &q, &measure_cancel), ML_STATUS_CANCELLED);
  ml_mastering_chain_free(c);
  stereo_free(&mix);
  stereo_free(&out);
  stereo_free(&plain);
  stereo_free(&untouched);
}

/* Two tracks mastered as an album keep their loudness difference (within
 * 0.1 LU), each under the ceiling, the album around the target. */
static void test_master_album(void) {
  Stereo a = music(6.0, 0.3, 2), b = music(5.0, 0.07, 3);
  Stereo oa = stereo_new(a.frames), ob = stereo_new(b.frames);
  float *const *tracks[2] = {a.ch, b.ch};
  float *const *outs[2] = {oa.ch, ob.ch};
  size_t frames[2] = {a.frames, b.frames};
  MlMasterResult r[2];
  double album_gain = NAN;
  MlMasteringChain *c = new_chain("gentle");
  MlReport *report = NULL;
  CHECK_OK(ml_master_album(c, tracks, outs, 2, 2, frames, FS, r, &album_gain, &report, NULL));
  char *text = report_json(report);
  CHECK(strstr(text, "\"album_gain_db\":") && strstr(text, "\"tracks\":[{"));
  free(text);
  ml_report_free(report);
  MlQaReport ia = measure(&a), ib = measure(&b), qa = measure(&oa), qb = measure(&ob);
  printf("album: mixes %.2f / %.2f LUFS -> masters %.2f / %.2f LUFS (%.2f / %.2f dBTP), "
         "album gain %.2f dB\n",
         ia.integrated_lufs, ib.integrated_lufs, qa.integrated_lufs, qb.integrated_lufs,
         qa.true_peak_dbtp, qb.true_peak_dbtp, album_gain);
  CHECK_NEAR(qa.integrated_lufs - qb.integrated_lufs, ia.integrated_lufs - ib.integrated_lufs,
             0.1);
  CHECK(qa.true_peak_dbtp <= -1.0 && qb.true_peak_dbtp <= -1.0);
  CHECK(isfinite(album_gain) && album_gain > 0.0);
  CHECK_NEAR(r[0].output_lufs, qa.integrated_lufs, 1e-9);
  CHECK_NEAR(r[1].output_lufs, qb.integrated_lufs, 1e-9);
  CHECK(r[0].input_gain_db == r[1].input_gain_db);
  CHECK(qa.integrated_lufs > -16.0 && qb.integrated_lufs < -16.0);
  /* Results and album gain are optional. */
  CHECK_OK(ml_master_album(c, tracks, outs, 2, 2, frames, FS, NULL, NULL, NULL, NULL));
  ml_mastering_chain_free(c);
  stereo_free(&a);
  stereo_free(&b);
  stereo_free(&oa);
  stereo_free(&ob);
}

/* Normalization alone lands on the named target under its ceiling. */
static void test_normalize(void) {
  Stereo mix = music(5.0, 0.5, 4);
  MlNormalizeResult r;
  CHECK_OK(ml_normalize(mix.ch, mix.ch, 2, mix.frames, FS, "ebu_r128", &r));
  MlQaReport q = measure(&mix);
  CHECK_NEAR(q.integrated_lufs, -23.0, 0.1);
  CHECK(q.true_peak_dbtp <= -1.0);
  CHECK(r.target_lufs == -23.0 && r.ceiling_dbtp == -1.0 && r.gain_db < 0.0);
  CHECK_NEAR(r.output_lufs, q.integrated_lufs, 0.01);
  CHECK(fabs(r.trim_db) <= 0.5);
  stereo_free(&mix);
}

/* Reference matching: a profile of a loud master drives ml_match_reference
 * and ml_master_to_reference to its loudness under the ceiling; a profile
 * through JSON gives bit-identical output; mid/side stages and matching
 * strengths are set and checked. */
static void test_reference(void) {
  Stereo ref = music(6.0, 0.5, 9);
  MlMasteringChain *loud = new_chain("loud");
  CHECK_OK(ml_master(loud, ref.ch, ref.ch, 2, ref.frames, FS, NULL, NULL, NULL));
  MlProfile *profile = NULL, *back = NULL, *avg = NULL;
  CHECK_OK(ml_profile_analyze(ref.ch, 2, ref.frames, FS, &profile));
  double ref_lufs = 0.0;
  CHECK_OK(ml_profile_integrated_lufs(profile, &ref_lufs));
  CHECK_NEAR(ref_lufs, measure(&ref).integrated_lufs, 0.1);

  size_t len = 0;
  CHECK_OK(ml_profile_to_json(profile, NULL, 0, &len));
  char *json = malloc(len + 1);
  CHECK_OK(ml_profile_to_json(profile, json, len + 1, &len));
  CHECK_OK(ml_profile_from_json(json, &back));
  free(json);
  const MlProfile *both[2] = {profile, back};
  CHECK_OK(ml_profile_average(both, 2, &avg));

  Stereo a = music(5.0, 0.2, 10), b = music(5.0, 0.2, 10);
  MlMatching m = ml_matching_default();
  CHECK(m.tonal == 1.0 && m.loudness == 1.0 && m.width == 0.5 && m.dynamics == 0.5);
  MlMasterResult r;
  MlReport *report = NULL;
  CHECK_OK(ml_match_reference(profile, NULL, a.ch, a.ch, 2, a.frames, FS, &r, &report, NULL));
  char *text = report_json(report);
  CHECK(strstr(text, "\"matching\":[\"tonal balance") != NULL);
  free(text);
  ml_report_free(report);
  CHECK_OK(ml_match_reference(back, &m, b.ch, b.ch, 2, b.frames, FS, NULL, NULL, NULL));
  CHECK(memcmp(a.ch[0], b.ch[0], a.frames * sizeof(float)) == 0);
  MlQaReport q = measure(&a);
  CHECK_NEAR(q.integrated_lufs, ref_lufs, 0.3);
  CHECK(q.true_peak_dbtp <= -1.0);
  CHECK_NEAR(r.target_lufs, ref_lufs, 0.01);

  MlMasteringChain *c = new_chain("streaming");
  CHECK_OK(ml_mastering_chain_set_mid_side(c, "glue", true));
  CHECK_STATUS(ml_mastering_chain_set_mid_side(c, "reverb", true), ML_STATUS_UNKNOWN_NAME);
  m.width = 1.5;
  CHECK_STATUS(ml_mastering_chain_set_matching(c, &m), ML_STATUS_INVALID_ARGUMENT);
  m.width = 0.0;
  CHECK_OK(ml_mastering_chain_set_matching(c, &m));
  Stereo x = music(5.0, 0.2, 11);
  CHECK_OK(ml_master_to_reference(c, avg, x.ch, x.ch, 2, x.frames, FS, &r, NULL, NULL));
  q = measure(&x);
  CHECK_NEAR(q.integrated_lufs, ref_lufs, 0.3);
  CHECK(q.true_peak_dbtp <= -1.0);
  CHECK_STATUS(ml_master_to_reference(c, NULL, x.ch, x.ch, 2, x.frames, FS, &r, NULL, NULL),
               ML_STATUS_NULL_POINTER);
  ml_profile_free(back);
  CHECK_STATUS(ml_profile_analyze(x.ch, 3, x.frames, FS, &back), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK(back == NULL);
  CHECK_STATUS(ml_profile_from_json("{}", &back), ML_STATUS_INVALID_ARGUMENT);

  ml_mastering_chain_free(c);
  ml_mastering_chain_free(loud);
  ml_profile_free(profile);
  ml_profile_free(avg);
  ml_profile_free(NULL);
  stereo_free(&ref);
  stereo_free(&a);
  stereo_free(&b);
  stereo_free(&x);
}

/* The assistant: a chain set up from the mix masters it to the target under
 * the ceiling; the report explains each decision; the same mix gives the
 * same chain; tonal targets are built in, learned or read from JSON; bad
 * arguments are refused with the chain left NULL. */
static void test_assist(void) {
  Stereo mix = music(8.0, 0.1, 21);
  MlMasteringChain *chain = NULL, *again = NULL;
  MlReport *report = NULL;
  CHECK_OK(ml_assist(mix.ch, 2, mix.frames, FS, "spotify", NULL, 0.5, &chain, &report, NULL));
  char *text = report_json(report);
  CHECK(strstr(text, "\"decisions\":[{\"stage\":\"tonal_balance\",\"measurement\":") != NULL);
  free(text);
  ml_report_free(report);
  CHECK_OK(ml_assist(mix.ch, 2, mix.frames, FS, "spotify", NULL, 0.5, &again, NULL, NULL));
  char *a = chain_json(chain), *b = chain_json(again);
  CHECK(strcmp(a, b) == 0 && strstr(a, "\"preset\":\"assistant\"") != NULL);
  free(a);
  free(b);
  CHECK_OK(ml_master(chain, mix.ch, mix.ch, 2, mix.frames, FS, NULL, NULL, NULL));
  MlQaReport q = measure(&mix);
  CHECK_NEAR(q.integrated_lufs, -14.0, 0.5);
  CHECK(q.true_peak_dbtp <= -1.0);

  MlTonalTarget *warm = NULL, *learned = NULL, *back = NULL;
  CHECK_OK(ml_tonal_target_new("warm", &warm));
  MlProfile *profile = NULL;
  CHECK_OK(ml_profile_analyze(mix.ch, 2, mix.frames, FS, &profile));
  const MlProfile *refs[1] = {profile};
  CHECK_OK(ml_tonal_target_learn(refs, 1, &learned));
  size_t len = 0;
  CHECK_OK(ml_tonal_target_to_json(learned, NULL, 0, &len));
  char *json = malloc(len + 1);
  CHECK_OK(ml_tonal_target_to_json(learned, json, len + 1, &len));
  CHECK_OK(ml_tonal_target_from_json(json, &back));
  free(json);
  ml_mastering_chain_free(again);
  again = NULL;
  /* The master itself, against the target learned from it, needs no EQ. */
  CHECK_OK(ml_assist(mix.ch, 2, mix.frames, FS, "spotify", back, 0.5, &again, &report, NULL));
  text = report_json(report);
  CHECK(strstr(text, "\"action\":\"no EQ\"") != NULL);
  free(text);
  ml_report_free(report);
  ml_mastering_chain_free(again);
  again = (MlMasteringChain *)1;
  CHECK_STATUS(ml_assist(mix.ch, 2, mix.frames, FS, "nowhere", warm, 0.5, &again, NULL, NULL),
               ML_STATUS_UNKNOWN_NAME);
  CHECK(again == NULL);
  CHECK_STATUS(ml_assist(mix.ch, 2, mix.frames, FS, "spotify", warm, 1.5, &again, NULL, NULL),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_assist(mix.ch, 3, mix.frames, FS, "spotify", warm, 0.5, &again, NULL, NULL),
               ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_STATUS(ml_assist(NULL, 2, mix.frames, FS, "spotify", warm, 0.5, &again, NULL, NULL),
               ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_assist(mix.ch, 2, mix.frames, FS, NULL, warm, 0.5, &again, NULL, NULL),
               ML_STATUS_NULL_POINTER);
  Stereo silent = stereo_new(48000);
  CHECK_STATUS(ml_assist(silent.ch, 2, silent.frames, FS, "spotify", NULL, 0.5, &again, NULL, NULL),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK(again == NULL);
  MlTonalTarget *bad = (MlTonalTarget *)1;
  CHECK_STATUS(ml_tonal_target_new("dark", &bad), ML_STATUS_UNKNOWN_NAME);
  CHECK(bad == NULL);
  CHECK_STATUS(ml_tonal_target_from_json("{\"name\":\"x\",\"bands\":[]}", &bad),
               ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_tonal_target_learn(refs, 0, &bad), ML_STATUS_EMPTY_INPUT);
  ml_tonal_target_free(warm);
  ml_tonal_target_free(learned);
  ml_tonal_target_free(back);
  ml_tonal_target_free(NULL);
  ml_profile_free(profile);
  ml_mastering_chain_free(chain);
  stereo_free(&mix);
  stereo_free(&silent);
}

/* Target names and overrides: set, read back, refused out of range. */
static void test_chain_targets(void) {
  MlMasteringChain *c = new_chain("streaming");
  double lufs = 0.0, ceiling = 0.0;
  CHECK_OK(ml_mastering_chain_target_lufs(c, &lufs));
  CHECK(lufs == -14.0);
  CHECK_OK(ml_mastering_chain_set_target(c, "apple"));
  CHECK_OK(ml_mastering_chain_target_lufs(c, &lufs));
  CHECK(lufs == -16.0);
  MlMasteringChain *loud = new_chain("loud");
  CHECK_OK(ml_mastering_chain_set_target(loud, "apple"));
  CHECK_OK(ml_mastering_chain_target_lufs(loud, &lufs));
  CHECK(lufs == -9.0); /* the preset's own loudness stays */
  ml_mastering_chain_free(loud);
  CHECK_OK(ml_mastering_chain_set_target_lufs(c, -12.5));
  CHECK_OK(ml_mastering_chain_set_ceiling_dbtp(c, -2.0));
  CHECK_STATUS(ml_mastering_chain_set_target_lufs(c, 1.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_mastering_chain_set_target_lufs(c, NAN), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_mastering_chain_set_ceiling_dbtp(c, 4.0), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_mastering_chain_set_target(c, "moon"), ML_STATUS_UNKNOWN_NAME);
  CHECK(strstr(ml_last_error_message(), "spotify") != NULL);
  CHECK_OK(ml_mastering_chain_target_lufs(c, &lufs));
  CHECK_OK(ml_mastering_chain_ceiling_dbtp(c, &ceiling));
  CHECK(lufs == -12.5 && ceiling == -2.0);
  /* The overrides travel with the JSON. */
  char *json = chain_json(c);
  MlMasteringChain *back = NULL;
  CHECK_OK(ml_mastering_chain_from_json(json, &back));
  free(json);
  CHECK_OK(ml_mastering_chain_target_lufs(back, &lufs));
  CHECK(lufs == -12.5);
  ml_mastering_chain_free(back);
  /* Without the overrides the target's own figures apply again. */
  CHECK_OK(ml_mastering_chain_clear_overrides(c));
  CHECK_OK(ml_mastering_chain_target_lufs(c, &lufs));
  CHECK_OK(ml_mastering_chain_ceiling_dbtp(c, &ceiling));
  CHECK(lufs == -16.0 && ceiling == -1.0);
  CHECK_STATUS(ml_mastering_chain_clear_overrides(NULL), ML_STATUS_NULL_POINTER);
  ml_mastering_chain_free(c);
}

/* Every error path has its status, leaves the outputs alone and writes no
 * handle. */
static void test_master_errors(void) {
  enum { F = 4800 };
  static float l[F], r[F], ol[F], orr[F];
  float *in[2] = {l, r}, *out[2] = {ol, orr}, *half_null[2] = {ol, NULL};
  for (size_t i = 0; i < F; i++) {
    l[i] = r[i] = (float)(0.3 * sin(TWO_PI * 997.0 * (double)i / FS));
    ol[i] = orr[i] = 7.0f;
  }
  MlMasteringChain *c = NULL;
  CHECK_STATUS(ml_mastering_chain_new("shiny", &c), ML_STATUS_UNKNOWN_NAME);
  CHECK(c == NULL);
  CHECK(strstr(ml_last_error_message(), "broadcast") != NULL);
  CHECK_STATUS(ml_mastering_chain_new(NULL, &c), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_mastering_chain_new("streaming", NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_mastering_chain_from_json("{\"version\": 1", &c), ML_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(ml_mastering_chain_from_json(NULL, &c), ML_STATUS_NULL_POINTER);

  /* A chain whose limiter is not a limiter is refused with the reason. */
  c = new_chain("streaming");
  char *json = chain_json(c);
  char *limiter = strstr(json, "\"limiter\":{");
  CHECK(limiter != NULL);
  if (limiter != NULL) {
    char *kind = strstr(limiter, "\"kind\":\"limiter\"");
    CHECK(kind != NULL);
    if (kind != NULL) {
      memcpy(kind + 8, "gain\"   ", 8);
      MlMasteringChain *bad = NULL;
      CHECK_STATUS(ml_mastering_chain_from_json(json, &bad), ML_STATUS_INVALID_ARGUMENT);
      CHECK(bad == NULL && strstr(ml_last_error_message(), "limiter") != NULL);
    }
  }
  free(json);
  size_t len = 0;
  char small[8];
  CHECK_STATUS(ml_mastering_chain_to_json(c, small, sizeof small, &len),
               ML_STATUS_CAPACITY_EXCEEDED);
  CHECK(small[0] == '\0' && len > sizeof small);
  CHECK_STATUS(ml_mastering_chain_to_json(c, NULL, 0, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_mastering_chain_to_json(NULL, NULL, 0, &len), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_mastering_chain_set_target(NULL, "spotify"), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_mastering_chain_set_target(c, NULL), ML_STATUS_NULL_POINTER);

  MlMasterResult res;
  memset(&res, 0, sizeof res);
  CHECK_STATUS(ml_master(NULL, in, out, 2, F, FS, &res, NULL, NULL), ML_STATUS_NULL_POINTER);
  size_t report_len = 0;
  CHECK_STATUS(ml_report_json(NULL, NULL, 0, &report_len), ML_STATUS_NULL_POINTER);
  ml_report_free(NULL);
  CHECK_STATUS(ml_master(c, NULL, out, 2, F, FS, &res, NULL, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_master(c, in, NULL, 2, F, FS, &res, NULL, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_master(c, in, half_null, 2, F, FS, &res, NULL, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_master(c, in, out, 0, F, FS, &res, NULL, NULL), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_STATUS(ml_master(c, in, out, 3, F, FS, &res, NULL, NULL), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_STATUS(ml_master(c, in, out, 2, 0, FS, &res, NULL, NULL), ML_STATUS_EMPTY_INPUT);
  CHECK_STATUS(ml_master(c, in, out, 2, F, 0.0, &res, NULL, NULL), ML_STATUS_INVALID_SAMPLE_RATE);
  CHECK_STATUS(ml_master(c, in, out, 2, F, NAN, &res, NULL, NULL), ML_STATUS_INVALID_SAMPLE_RATE);
  r[123] = NAN;
  CHECK_STATUS(ml_master(c, in, out, 2, F, FS, &res, NULL, NULL), ML_STATUS_NONFINITE);
  CHECK(strstr(ml_last_error_message(), "123") != NULL);
  CHECK_STATUS(ml_normalize(in, out, 2, F, FS, "spotify", NULL), ML_STATUS_NONFINITE);
  r[123] = 0.0f;
  CHECK(res.passes == 0 && res.output_lufs == 0.0);
  CHECK_STATUS(ml_normalize(in, out, 2, F, FS, "venus", NULL), ML_STATUS_UNKNOWN_NAME);
  CHECK_STATUS(ml_normalize(in, out, 2, F, FS, NULL, NULL), ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_normalize(in, out, 0, F, FS, "spotify", NULL), ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_STATUS(ml_normalize(in, out, 2, 0, FS, "spotify", NULL), ML_STATUS_EMPTY_INPUT);
  CHECK_STATUS(ml_normalize(in, out, 2, F, -1.0, "spotify", NULL), ML_STATUS_INVALID_SAMPLE_RATE);

  float *const *tracks[1] = {in}, *const *outs[1] = {out}, *const *null_track[1] = {NULL};
  size_t frames[1] = {F};
  CHECK_STATUS(ml_master_album(c, tracks, outs, 0, 2, frames, FS, NULL, NULL, NULL, NULL),
               ML_STATUS_EMPTY_INPUT);
  CHECK_STATUS(ml_master_album(c, tracks, outs, 1, 3, frames, FS, NULL, NULL, NULL, NULL),
               ML_STATUS_INVALID_CHANNEL_COUNT);
  CHECK_STATUS(ml_master_album(c, NULL, outs, 1, 2, frames, FS, NULL, NULL, NULL, NULL),
               ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_master_album(c, tracks, null_track, 1, 2, frames, FS, NULL, NULL, NULL, NULL),
               ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_master_album(c, null_track, outs, 1, 2, frames, FS, NULL, NULL, NULL, NULL),
               ML_STATUS_NULL_POINTER);
  CHECK_STATUS(ml_master_album(c, tracks, outs, 1, 2, NULL, FS, NULL, NULL, NULL, NULL),
               ML_STATUS_NULL_POINTER);
  size_t no_frames[1] = {0};
  CHECK_STATUS(ml_master_album(c, tracks, outs, 1, 2, no_frames, FS, NULL, NULL, NULL, NULL),
               ML_STATUS_EMPTY_INPUT);
  int untouched = 1;
  for (size_t i = 0; i < F; i++) {
    untouched &= ol[i] == 7.0f && orr[i] == 7.0f;
  }
  CHECK(untouched);
  ml_mastering_chain_free(c);
  ml_mastering_chain_free(NULL);
}

int main(void) {
  test_master_errors();
  test_chain_targets();
  test_normalize();
  test_master_streaming();
  test_master_album();
  test_progress_and_cancel();
  test_reference();
  test_assist();
  return check_summary();
}
