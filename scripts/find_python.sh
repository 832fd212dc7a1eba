#!/usr/bin/env bash
# Print the path of a Python 3.12 or newer, or fail with a message.
#   python=$(bash scripts/find_python.sh)
# Why: mesa 3.5 needs Python >= 3.12, while the default python3 on our machines is 3.11; python3.12/python3.13 exist
# through pyenv, whose shims only answer when the version is selected. Used by scripts/bootstrap.sh and by the scripts
# that make a virtual environment of their own (scripts/check_wheel.sh).
set -euo pipefail

is_new_enough() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

for candidate in "${PASSEND_PYTHON:-}" python3.13 python3.12 python3; do
  [ -n "$candidate" ] && is_new_enough "$candidate" && { echo "$candidate"; exit 0; }
done
# pyenv installs that are not the selected version
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
  [ -x "$candidate" ] && is_new_enough "$candidate" && { echo "$candidate"; exit 0; }
done
echo "find_python: no Python 3.12 or newer found (set PASSEND_PYTHON=/path/to/python3.12)" >&2
exit 1
