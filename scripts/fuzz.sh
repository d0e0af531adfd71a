#!/usr/bin/env bash
# Coverage-guided fuzzing of the C API with libFuzzer: every processor kind,
# the meters and preset JSON (dsp-ffi/fuzz/fuzz_masterlib.c says what is
# checked).
#
#   scripts/fuzz.sh              # a 60 s run (the test suite's)
#   scripts/fuzz.sh 3600         # a longer run: an hour
#   scripts/fuzz.sh 0 CRASHFILE  # replays one input (a crash libFuzzer saved)
#
# The Rust library is built on stable Rust with sanitizer-coverage
# instrumentation (so libFuzzer is guided by the Rust code's branches),
# debug assertions and overflow checks; the harness with clang's
# -fsanitize=fuzzer,address,undefined. Needs clang and libclang-rt (installed
# through apt-get when missing and run as root). The corpus grows in
# target/fuzz/corpus; crashes are written to target/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=target/fuzz

has_libfuzzer() {
    command -v clang >/dev/null 2>&1 &&
        echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' |
        clang -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null
}
if ! has_libfuzzer; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "[fuzz] installing clang and libclang-rt (libFuzzer)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev; } >/dev/null
    else
        echo "[fuzz] needs clang with libFuzzer (Debian: apt-get install clang libclang-rt-14-dev)" >&2
        exit 1
    fi
fi

coverage=(
    -Cpasses=sancov-module
    -Cllvm-args=-sanitizer-coverage-level=4
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
    -Cllvm-args=-sanitizer-coverage-pc-table
    -Cllvm-args=-sanitizer-coverage-trace-compares
    -Cdebug-assertions
    -Coverflow-checks
)
# An explicit --target keeps the flags off build scripts.
host=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="${coverage[*]}" cargo build -p dsp-ffi --release --locked --lib \
    --target "$host" --target-dir "$out/build"

mkdir -p "$out/corpus"
clang -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined \
    -I include dsp-ffi/fuzz/fuzz_masterlib.c "$out/build/$host/release/libmasterlib.a" \
    -lpthread -ldl -lm -o "$out/fuzz_masterlib"

if [ -n "${2:-}" ]; then
    exec "$out/fuzz_masterlib" "$2"
fi
# Two processes share the corpus (each logs to target/fuzz/fuzz-N.log);
# each input at most 16 kB and 10 s.
rm -f "$out"/fuzz-*.log
(cd "$out" && ./fuzz_masterlib corpus -max_total_time="$seconds" -max_len=16384 -timeout=10 \
    -rss_limit_mb=2048 -jobs=2 -workers=2 -artifact_prefix=./ -print_final_stats=1) || true
for log in "$out"/fuzz-*.log; do
    echo "[fuzz] $log:"
    grep -E "^Done|number_of_executed_units|new_units_added|ERROR|SUMMARY" "$log" || tail -n 5 "$log"
done
if ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* >/dev/null 2>&1; then
    echo "[fuzz] failures found (replay with: scripts/fuzz.sh 0 FILE):" >&2
    ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null >&2
    exit 1
fi
echo "[fuzz] no failure in ${seconds} s"
