#!/usr/bin/env bash
# Sets everything up, then runs the built-in demo: a short multitrack song
# generated in code is mixed (and, as the library grows, mastered and
# checked) into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
python examples/demo.py --out out "$@"
