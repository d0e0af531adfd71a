/* Limits a +6 dBFS sine to a -1 dB ceiling with masterlib's C API and
 * measures the result. Build against an installed masterlib:
 *   cc limit.c $(pkg-config --cflags --libs masterlib) -lm -o limit
 * or with CMake (CMakeLists.txt beside this file). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <masterlib.h>

#define RATE 48000
#define BLOCK 512

/* Prints the failing call's status and message and exits. */
static void check(MlStatus status, const char *what) {
  if (status != ML_STATUS_OK) {
    fprintf(stderr, "%s: %s (%s)\n", what, ml_status_str(status), ml_last_error_message());
    exit(1);
  }
}

int main(void) {
  printf("masterlib %s (header %d.%d.%d)\n", ml_version_string(), MASTERLIB_VERSION_MAJOR,
         MASTERLIB_VERSION_MINOR, MASTERLIB_VERSION_PATCH);
  if (ml_version() != MASTERLIB_VERSION) {
    fprintf(stderr, "library version %u differs from the header's %u\n", (unsigned)ml_version(),
            (unsigned)MASTERLIB_VERSION);
    return 1;
  }

  static float left[RATE], right[RATE]; /* one second of stereo */
  for (int i = 0; i < RATE; i++) {
    left[i] = right[i] = (float)(2.0 * sin(2.0 * 3.14159265358979 * 997.0 * i / RATE));
  }

  const double ceiling_db = -1.0;
  MlProcessor *limiter = NULL;
  check(ml_processor_new_kind("limiter", &limiter), "create");
  check(ml_processor_param_set(limiter, "ceiling_db", ceiling_db), "set ceiling_db");
  check(ml_processor_prepare(limiter, RATE, BLOCK, 2), "prepare");
  for (size_t at = 0; at < RATE; at += BLOCK) {
    size_t n = RATE - at < BLOCK ? RATE - at : BLOCK;
    float *block[2] = {left + at, right + at};
    check(ml_processor_process_planar(limiter, block, 2, n), "process");
  }
  ml_processor_free(limiter);

  MlQaReport report;
  float *channels[2] = {left, right};
  check(ml_measure(channels, 2, RATE, RATE, &report, NULL), "measure");
  printf("limiter: output peak %.3f dBFS, ceiling %.1f dB\n", report.sample_peak_dbfs, ceiling_db);
  return report.sample_peak_dbfs <= ceiling_db + 1e-4 ? 0 : 1;
}
