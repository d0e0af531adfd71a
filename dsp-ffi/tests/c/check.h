/* Minimal assertion helpers for the masterlib C tests (no framework). */
#ifndef MASTERLIB_TEST_CHECK_H
#define MASTERLIB_TEST_CHECK_H

#include <math.h>
#include <stdio.h>

#include "masterlib.h"

static int check_passed = 0;
static int check_failed = 0;

/* Records one check; prints the failing expression and location. */
static void check_record(int ok, const char *what, const char *file, int line) {
  if (ok) {
    check_passed++;
  } else {
    check_failed++;
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
  }
}

#define CHECK(cond) check_record((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

/* Checks a call's status; on a mismatch prints both codes and the last error. */
#define CHECK_STATUS(call, expected)                                                  \
  do {                                                                                \
    MlStatus check_got_ = (call);                                                     \
    MlStatus check_want_ = (expected);                                                \
    check_record(check_got_ == check_want_, #call " == " #expected, __FILE__, __LINE__); \
    if (check_got_ != check_want_) {                                                  \
      fprintf(stderr, "  got %d (%s: %s), want %d (%s)\n", (int)check_got_,           \
              ml_status_str(check_got_), ml_last_error_message(), (int)check_want_,   \
              ml_status_str(check_want_));                                            \
    }                                                                                 \
  } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, ML_STATUS_OK)

/* Checks |got - want| <= tol and prints both values on failure. */
#define CHECK_NEAR(got, want, tol)                                                    \
  do {                                                                                \
    double check_g_ = (got), check_w_ = (want);                                       \
    int check_ok_ = fabs(check_g_ - check_w_) <= (tol);                               \
    check_record(check_ok_, #got " ~= " #want, __FILE__, __LINE__);                   \
    if (!check_ok_) {                                                                 \
      fprintf(stderr, "  got %.9g, want %.9g (tolerance %g)\n", check_g_, check_w_,   \
              (double)(tol));                                                         \
    }                                                                                 \
  } while (0)

/* Prints the summary line and returns the process exit code. */
static int check_summary(void) {
  printf("%d passed, %d failed\n", check_passed, check_failed);
  return check_failed == 0 ? 0 : 1;
}

#endif
