#!/usr/bin/env bash
# ThreadSanitizer over the Rust side too (opt-in; needs a nightly toolchain):
# builds libmasterlib.a with -Zsanitizer=thread (dsp-core and dsp-ffi
# instrumented, std not), compiles dsp-ffi/tests/c/test_threads.c with
# gcc -fsanitize=thread, links both with LLVM's TSan runtime shipped with
# nightly, and runs it halting at the first report. `cargo test -p dsp-ffi`
# runs the same C test under gcc's TSan with the Rust side uninstrumented.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "tsan.sh: no nightly toolchain; skipped (rustup toolchain install nightly)"
    exit 0
fi
host=$(rustc -vV | sed -n 's/^host: //p')
target_dir=target/tsan
RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
    cargo +nightly build -p dsp-ffi --target "$host" --target-dir "$target_dir"
runtime="$(rustup run nightly rustc --print sysroot)/lib/rustlib/$host/lib/librustc-nightly_rt.tsan.a"
exe="$target_dir/test_threads"
cc -std=c11 -g -O1 -fsanitize=thread -Iinclude -c dsp-ffi/tests/c/test_threads.c -o "$exe.o"
# LLVM's runtime, not gcc's: the Rust side calls entry points gcc's lacks.
cc -g "$exe.o" "$target_dir/$host/debug/libmasterlib.a" \
    -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive -lpthread -ldl -lm -lstdc++ -o "$exe"
TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$exe"
