/* Thread test of libmasterlib: one thread processes a stereo width and a
 * compressor in a loop while another sets and reads their parameters (by id
 * and by index), reads the compressor's gain reduction, and queries kind and
 * parameter info. Built with -fsanitize=thread and run by tests/c_api.rs. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "masterlib.h"

#define FS 48000.0
#define FRAMES 256
#define SETS 20000
#define TWO_PI 6.283185307179586

typedef struct {
  MlProcessor *p;
  MlProcessor *comp;
  atomic_int done;
  int blocks;
  int failures;
} Shared;

static void fill(float *l, float *r, size_t n) {
  for (size_t i = 0; i < n; i++) {
    l[i] = (float)(0.5 * sin(TWO_PI * 440.0 * (double)i / FS));
    r[i] = (float)(0.3 * sin(TWO_PI * 660.0 * (double)i / FS));
  }
}

/* The processing thread: planar and interleaved blocks until told to stop. */
static void *process(void *arg) {
  Shared *s = arg;
  float l[FRAMES], r[FRAMES], inter[2 * FRAMES];
  float *channels[2] = {l, r};
  while (!atomic_load(&s->done) || s->blocks < 20) {
    fill(l, r, FRAMES);
    for (size_t i = 0; i < FRAMES; i++) {
      inter[2 * i] = l[i];
      inter[2 * i + 1] = r[i];
    }
    s->failures += ml_processor_process_planar(s->p, channels, 2, FRAMES) != ML_STATUS_OK;
    s->failures += ml_processor_process_interleaved(s->p, inter, 2, FRAMES) != ML_STATUS_OK;
    s->failures += ml_processor_process_planar(s->comp, channels, 2, FRAMES) != ML_STATUS_OK;
    s->blocks++;
  }
  return NULL;
}

/* The control thread: parameters by id and index, values read back, info. */
static void *control(void *arg) {
  Shared *s = arg;
  size_t width = 99;
  int failures = ml_processor_param_index(s->p, "width", &width) != ML_STATUS_OK;
  for (int i = 0; i < SETS; i++) {
    double w = (double)(i % 200) / 100.0, got = -1.0;
    failures += ml_processor_param_set(s->p, "width", w) != ML_STATUS_OK;
    failures += ml_processor_param_get_at(s->p, width, &got) != ML_STATUS_OK || got != w;
    failures += ml_processor_param_set_at(s->p, 1, -0.01 * (double)(i % 100)) != ML_STATUS_OK;
    failures += ml_processor_param_get(s->p, "mid_gain_db", &got) != ML_STATUS_OK;
    failures += ml_processor_param_set(s->p, "side_gain_db", NAN) != ML_STATUS_INVALID_ARGUMENT;
    double gr = -1.0;
    failures += ml_processor_param_set(s->comp, "threshold_db", -10.0 - (double)(i % 30)) != ML_STATUS_OK;
    failures += ml_processor_param_set(s->comp, "ratio", i % 2 ? 2.0 : INFINITY) != ML_STATUS_OK;
    failures += ml_processor_gain_reduction_db(s->comp, &gr) != ML_STATUS_OK || gr < 0.0f;
    if (i % 1000 == 0) {
      MlKindInfo kind;
      MlParamInfo info;
      failures += ml_processor_kind(s->p, &kind) != ML_STATUS_OK || kind.param_count != 4;
      failures += ml_processor_param_info(s->p, width, &info) != ML_STATUS_OK;
      failures += strcmp(info.id, "width") != 0;
    }
  }
  /* The last word: mono (width 0), mid unchanged. */
  failures += ml_processor_param_set(s->p, "width", 0.0) != ML_STATUS_OK;
  failures += ml_processor_param_set(s->p, "mid_gain_db", 0.0) != ML_STATUS_OK;
  atomic_store(&s->done, 1);
  return (void *)(size_t)failures;
}

int main(void) {
  Shared s = {NULL, NULL, 0, 0, 0};
  CHECK_OK(ml_processor_new_kind("stereo_width", &s.p));
  CHECK_OK(ml_processor_prepare(s.p, FS, 64, 2));
  CHECK_OK(ml_processor_new_kind("compressor", &s.comp));
  CHECK_OK(ml_processor_prepare(s.comp, FS, 128, 2));
  pthread_t worker, controller;
  CHECK(pthread_create(&worker, NULL, process, &s) == 0);
  CHECK(pthread_create(&controller, NULL, control, &s) == 0);
  void *control_failures = NULL;
  CHECK(pthread_join(controller, &control_failures) == 0);
  CHECK(pthread_join(worker, NULL) == 0);
  CHECK(control_failures == NULL);
  CHECK(s.failures == 0);
  CHECK(s.blocks >= 20);
  printf("processed %d blocks while setting parameters %d times\n", s.blocks, SETS);

  /* The processing thread hears the last values once the glide is over. */
  static float l[4800], r[4800];
  fill(l, r, 4800);
  float *channels[2] = {l, r};
  CHECK_OK(ml_processor_process_planar(s.p, channels, 2, 4800));
  CHECK(memcmp(l + 2400, r + 2400, 2400 * sizeof(float)) == 0);
  double w = -1.0;
  CHECK_OK(ml_processor_param_get(s.p, "width", &w));
  CHECK(w == 0.0);
  double ratio = 0.0;
  CHECK_OK(ml_processor_param_get(s.comp, "ratio", &ratio));
  CHECK(ratio == 2.0); /* the last set (i = SETS - 1 is odd) */
  ml_processor_free(s.p);
  ml_processor_free(s.comp);
  return check_summary();
}
