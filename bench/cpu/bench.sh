#!/usr/bin/env bash
# The CPU benchmark in one command: installs the peers pinned in
# bench/cpu/requirements.txt into build/bench/venv (once), builds the
# compiler, and runs bench/cpu/run.py with the arguments given, e.g.
#   bench/cpu/bench.sh --cases crate_tiny:1 --peers ours,openvino
# Results: build/bench/results.md (record them in bench/RESULTS.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$root/build/bench/venv
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
if [ ! -x "$venv/bin/python" ] ||
   ! cmp -s "$root/bench/cpu/requirements.txt" "$venv/requirements.txt"; then
  echo "bench: installing the peers into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r "$root/bench/cpu/requirements.txt"
  cp "$root/bench/cpu/requirements.txt" "$venv/requirements.txt"
fi
exec "$venv/bin/python" "$root/bench/cpu/run.py" "$@"
