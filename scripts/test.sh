#!/usr/bin/env bash
# Runs every test of masterlib: Rust (fmt, clippy, tests, the no_std
# thumbv7em build), the C ABI tests, the soak test, a short fuzzing run,
# and the Python tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate

step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "no_std builds (dsp-core without std, with and without alloc)"
if rustup target list --installed 2>/dev/null | grep -q thumbv7em-none-eabihf; then
    target=(--target thumbv7em-none-eabihf)
else
    echo "thumbv7em-none-eabihf is not installed: building for the host with the same features"
    target=()
fi
cargo build -p dsp-core --locked --no-default-features "${target[@]}"
cargo build -p dsp-core --locked --no-default-features --features alloc "${target[@]}"

step "Rust and C tests"
cargo test --workspace --exclude dsp-python --locked

step "soak: every kind at 192 kHz with random automation (release)"
cargo test -p dsp-core --release --locked --test soak -- --ignored --nocapture

step "fuzz: 60 s of libFuzzer over the C API (scripts/fuzz.sh 3600 runs an hour)"
bash scripts/fuzz.sh 60

step "Python tests"
python -m pytest dsp-python/tests -q
