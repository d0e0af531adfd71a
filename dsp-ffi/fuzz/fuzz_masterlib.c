/*
 * libFuzzer harness over the C API: every processor kind and the meters.
 *
 * Each input picks a kind, sets every parameter (default, minimum, maximum,
 * a value inside the range, or any double at all: NaN, infinities, values
 * far out of range), a sample rate, a channel count and a block size, then
 * processes audio made of ordinary samples and hostile ones (1e38,
 * FLT_MAX, NaN, infinities, denormals), changing one parameter half way.
 * It fails (aborts) when a call panics behind the C ABI, when processing a
 * well-formed block reports an error, when the output holds a non-finite
 * sample, or when a limiter's sample-peak ceiling is exceeded. The same
 * audio goes through the loudness and level meters, which must refuse
 * non-finite audio with a status and read finite audio without failing.
 * Inputs whose first byte is odd are read as preset JSON instead.
 *
 * Built and run by scripts/fuzz.sh (the Rust library instrumented for
 * coverage, this file with -fsanitize=fuzzer,address,undefined).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "masterlib.h"

enum { MAX_FRAMES = 4096, MAX_BLOCK = 1024 };

/* Bytes of the input, read front to back; once it runs out, a fixed
 * pseudo-random sequence, so that short inputs (libFuzzer starts small)
 * still make whole blocks of varied audio. */
typedef struct {
  const uint8_t *data;
  size_t size, pos;
} Reader;

static uint8_t byte(Reader *r) {
  size_t i = r->pos++;
  return i < r->size ? r->data[i] : (uint8_t)(((uint32_t)i * 2654435761u) >> 24);
}

static uint64_t bits(Reader *r, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) {
    v = (v << 8) | byte(r);
  }
  return v;
}

static double raw_double(Reader *r) {
  uint64_t b = bits(r, 8);
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

static float raw_float(Reader *r) {
  uint32_t b = (uint32_t)bits(r, 4);
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

static void fail(const char *what, const char *kind, MlStatus status) {
  fprintf(stderr, "%s (%s): status %d: %s\n", what, kind, (int)status, ml_last_error_message());
  abort();
}

/* A panic or a poisoned handle is a bug whatever the call. */
static MlStatus call(MlStatus status, const char *what, const char *kind) {
  if (status == ML_STATUS_PANIC || status == ML_STATUS_POISONED) {
    fail(what, kind, status);
  }
  return status;
}

/* A parameter value: the default, an end of the range, a point inside it,
 * or any double at all (which the setter may refuse). */
static double pick_value(Reader *r, const MlParamInfo *info) {
  switch (byte(r) % 5) {
    case 0:
      return info->default_value;
    case 1:
      return info->min;
    case 2:
      return isfinite(info->max) ? info->max : 1e300;
    case 3: {
      double hi = isfinite(info->max) ? info->max : info->min + 1e6;
      double v = info->min + (hi - info->min) * ((double)bits(r, 2) / 65535.0);
      return info->type == ML_PARAM_TYPE_FLOAT ? v : round(v);
    }
    default:
      return raw_double(r);
  }
}

/* A sample: mostly audio, sometimes hostile. */
static float pick_sample(Reader *r) {
  static const float hostile[] = {1e38f, -1e38f, FLT_MAX, -FLT_MAX, 1e30f, 1e-42f, 0.0f,
                                  NAN,   INFINITY, -INFINITY};
  uint8_t b = byte(r);
  if (b < 224) {
    return ((float)b - 112.0f) / 112.0f;
  }
  if (b < 248) {
    return hostile[b % (sizeof hostile / sizeof hostile[0])];
  }
  return raw_float(r);
}

static int has_nonfinite(float *const *ch, size_t channels, size_t frames) {
  for (size_t c = 0; c < channels; c++) {
    for (size_t i = 0; i < frames; i++) {
      if (!isfinite(ch[c][i])) {
        return 1;
      }
    }
  }
  return 0;
}

static double param(MlProcessor *p, const char *id) {
  double v = NAN;
  ml_processor_param_get(p, id, &v);
  return v;
}

/* The sample-peak ceiling a processor holds as a gain: a limiter's own
 * (not bypassed, sample-peak mode), else infinity. */
static double limiter_ceiling(MlProcessor *p, const char *kind) {
  if (strcmp(kind, "limiter") != 0 || param(p, "bypass") != 0.0 || param(p, "true_peak") != 0.0) {
    return INFINITY;
  }
  return pow(10.0, param(p, "ceiling_db") / 20.0);
}

/* Feeds `ch` to a loudness meter and a level meter: non-finite audio must
 * be refused with ML_STATUS_NONFINITE, finite audio accepted. */
static void meter(float *const *ch, size_t channels, size_t frames, double rate) {
  int bad = has_nonfinite(ch, channels, frames);
  MlMeterConfig config = ml_meter_config_default();
  config.sample_rate = rate;
  config.channels = channels;
  MlMeter *m = NULL;
  if (call(ml_meter_new(&config, &m), "meter new", "meter") != ML_STATUS_OK) {
    return;
  }
  MlStatus s = call(ml_meter_add_planar(m, ch, channels, frames), "meter add", "meter");
  if (s != (bad ? ML_STATUS_NONFINITE : ML_STATUS_OK)) {
    fail("meter add", "meter", s);
  }
  double v;
  call(ml_meter_integrated_lufs(m, &v), "meter read", "meter");
  call(ml_meter_loudness_range_lu(m, &v), "meter read", "meter");
  call(ml_meter_true_peak_dbtp(m, &v), "meter read", "meter");
  ml_meter_free(m);

  MlLevelMeter *level = NULL;
  call(ml_level_meter_new(50.0, &level), "level new", "level");
  call(ml_level_meter_prepare(level, rate, channels), "level prepare", "level");
  call(ml_level_meter_add_planar(level, ch, channels, frames), "level add", "level");
  for (size_t c = 0; c < channels; c++) {
    if (call(ml_level_meter_peak_dbfs(level, c, &v), "level read", "level") == ML_STATUS_OK &&
        isnan(v)) {
      fail("level peak is NaN", "level", ML_STATUS_OK);
    }
  }
  ml_level_meter_free(level);
}

static void fuzz_processor(Reader *r) {
  static const double rates[] = {8000.0, 22050.0, 44100.0, 48000.0, 96000.0, 192000.0};
  static float buf[2][MAX_FRAMES];
  MlKindInfo kind;
  if (ml_kind_info(byte(r) % ml_kind_count(), &kind) != ML_STATUS_OK) {
    abort();
  }
  MlProcessor *p = NULL;
  call(ml_processor_new_kind(kind.name, &p), "new", kind.name);
  for (size_t i = 0; i < kind.param_count; i++) {
    MlParamInfo info;
    call(ml_processor_param_info(p, i, &info), "param info", kind.name);
    call(ml_processor_param_set_at(p, i, pick_value(r, &info)), "param set", kind.name);
  }
  double rate = rates[byte(r) % (sizeof rates / sizeof rates[0])];
  size_t channels = 1 + byte(r) % 2;
  size_t block = 1 + (size_t)bits(r, 2) % MAX_BLOCK;
  size_t frames = 64 + (size_t)bits(r, 2) % (MAX_FRAMES - 63);
  if (call(ml_processor_prepare(p, rate, block, channels), "prepare", kind.name) != ML_STATUS_OK) {
    ml_processor_free(p); /* a refusal (a cutoff above Nyquist, a layout) is fine */
    return;
  }
  for (size_t i = 0; i < frames; i++) {
    for (size_t c = 0; c < channels; c++) {
      buf[c][i] = pick_sample(r);
    }
  }
  float *ch[2] = {buf[0], buf[1]};
  meter(ch, channels, frames, rate);
  double ceiling = limiter_ceiling(p, kind.name);
  for (size_t start = 0; start < frames; start += block) {
    if (start >= frames / 2 && start < frames / 2 + block && kind.param_count > 0) {
      /* Automation half way: one parameter to a new value. */
      size_t i = byte(r) % kind.param_count;
      MlParamInfo info;
      call(ml_processor_param_info(p, i, &info), "param info", kind.name);
      call(ml_processor_param_set_at(p, i, pick_value(r, &info)), "automation", kind.name);
      ceiling = fmax(ceiling, limiter_ceiling(p, kind.name));
    }
    size_t n = frames - start < block ? frames - start : block;
    float *view[2] = {buf[0] + start, buf[1] + start};
    MlStatus s = call(ml_processor_process_planar(p, view, channels, n), "process", kind.name);
    if (s != ML_STATUS_OK) {
      fail("process", kind.name, s);
    }
  }
  if (has_nonfinite(ch, channels, frames)) {
    fail("non-finite output", kind.name, ML_STATUS_OK);
  }
  for (size_t c = 0; c < channels; c++) {
    for (size_t i = 0; i < frames; i++) {
      if (fabsf(buf[c][i]) > ceiling) {
        fail("limiter over its ceiling", kind.name, ML_STATUS_OK);
      }
    }
  }
  call(ml_processor_reset(p), "reset", kind.name);
  ml_processor_free(p);
}

/* The input as preset JSON: loading either works or fails with a status. */
static void fuzz_json(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL) {
    return;
  }
  memcpy(text, data, size);
  text[size] = '\0';
  MlProcessor *p = NULL;
  if (call(ml_processor_load_json(text, &p), "load json", "preset") == ML_STATUS_OK) {
    ml_processor_free(p);
  }
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 0 && (data[0] & 1)) {
    fuzz_json(data + 1, size - 1);
    return 0;
  }
  Reader r = {data, size, size > 0 ? 1 : 0};
  fuzz_processor(&r);
  return 0;
}
