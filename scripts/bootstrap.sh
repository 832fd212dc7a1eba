#!/usr/bin/env bash
# Create .venv with Python 3.12 or newer and install passend into it (editable).
#   bash scripts/bootstrap.sh          # the model and its command line
#   bash scripts/bootstrap.sh --test   # plus the test tools
# Why a script: mesa 3.5 needs Python >= 3.12, while the default python3 on our machines is 3.11;
# python3.12/python3.13 exist through pyenv, whose shims only answer when the version is selected.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

is_new_enough() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

if [ ! -x .venv/bin/python ] || ! is_new_enough .venv/bin/python; then
  python=$(bash scripts/find_python.sh) || exit 1
  echo "bootstrap: creating .venv with $("$python" --version 2>&1) ($python)"
  rm -rf .venv
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --editable ".${extras}"
bash scripts/solara_assets.sh .venv  # the dashboard's front end, served from this machine
echo "bootstrap: passend installed in .venv ($(.venv/bin/python --version))"
