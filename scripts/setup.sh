#!/usr/bin/env bash
# Sets up everything masterlib's demo and tests need, idempotently:
# the thumbv7em target (for the no_std build), the system tools of the C
# packaging test, a Python virtual environment in .venv with the build and
# test tools (cmake too), and the `masterlib` Python package built from
# source into it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# no_std check target: best effort (the test script falls back to a host build).
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -q thumbv7em-none-eabihf; then
    log "installing the thumbv7em-none-eabihf Rust target"
    rustup target add thumbv7em-none-eabihf || log "could not install thumbv7em-none-eabihf; the no_std check will build for the host instead"
fi

# System tools of the C tests (make install, pkg-config, readelf; valgrind
# for the memcheck run): best effort through apt-get when missing.
missing=()
command -v make >/dev/null 2>&1 || missing+=(make)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v readelf >/dev/null 2>&1 || missing+=(binutils)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    log "installing ${missing[*]}"
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >/dev/null || log "could not install ${missing[*]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate

STAMP=.venv/.requirements-installed
if [ ! -f "$STAMP" ] || [ scripts/requirements.txt -nt "$STAMP" ]; then
    log "installing Python build and test tools"
    python -m pip install --quiet --upgrade pip
    python -m pip install --quiet -r scripts/requirements.txt
    touch "$STAMP"
fi

log "building the masterlib Python package (release)"
if ! (cd dsp-python && maturin develop --release) > .venv/maturin.log 2>&1; then
    cat .venv/maturin.log >&2
    exit 1
fi
python -c "import masterlib" || { echo "masterlib failed to import" >&2; exit 1; }
log "ready"
