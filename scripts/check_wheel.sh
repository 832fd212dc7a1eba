#!/usr/bin/env bash
# What a user gets from `pip install`: build passend's wheel, install it (not editable) in a fresh virtual environment
# and run one small command of every `passend` subcommand from a folder outside the checkout, so that nothing is
# imported or read from the source tree. A data file missing from the wheel, a module left out of it or a dependency
# missing from pyproject.toml fails here, while the developers' editable install (.venv) reads the source tree and
# hides it (ensemble.json did: issue 31, part 6).
#   bash scripts/check_wheel.sh          # a few minutes; stops at the first failure, exit 1
#   bash scripts/check_wheel.sh --keep   # keep the work folder (wheel, environment, outputs, logs) to look into
# Needs git (what to build: the checkout's files, tracked or new, less the ignored ones), a Python >= 3.12
# (scripts/find_python.sh) and the package index or pip's cache (the dependencies are installed afresh, about a minute
# here; pip's cache, filled by scripts/bootstrap.sh, spares the downloads). .ci/run runs it after the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$(pwd)

keep=0
case "${1:-}" in
  "") ;;
  --keep) keep=1 ;;
  *) echo "usage: bash scripts/check_wheel.sh [--keep]" >&2; exit 2 ;;
esac

# nothing may reach the source tree by another way than the wheel
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP
STEP_TIMEOUT=${PASSEND_CHECK_STEP_TIMEOUT:-300}  # seconds: a hung step fails the check instead of using up CI's time

work=$(mktemp -d "${TMPDIR:-/tmp}/passend-wheel-check.XXXXXX")
mkdir -p "$work/logs" "$work/run" "$work/src"
cleanup() {
  if [ "$keep" = 1 ]; then echo "check_wheel: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%6.1f s", b - a }'; }
say() { echo "check_wheel: $*"; }
began=$(now)
passed=0

fail() {  # fail NAME LOG MESSAGE: say what failed, show the end of its output, stop
  say "FAILED: $1: $3"
  if [ -s "$2" ]; then
    echo "----- last 40 lines of the output of $1 -----"
    tail -n 40 "$2"
    echo "-----"
  fi
  say "$passed passed, 1 failed (after$(since "$began" | tr -s " "))"
  exit 1
}

# step NAME EXIT_CODES CREATES COMMAND...: run COMMAND with a time limit, its output in logs/NAME.log; it must end
# with one of EXIT_CODES ("0", or "1|2"), print no Python traceback and leave CREATES (a path, "-" for none)
step() {
  local name=$1 codes=$2 creates=$3
  shift 3
  local log="$work/logs/$name.log" start rc=0
  start=$(now)
  timeout --kill-after=10 "$STEP_TIMEOUT" "$@" >"$log" 2>&1 </dev/null || rc=$?
  [ "$rc" = 124 ] && fail "$name" "$log" "no result within ${STEP_TIMEOUT} s: $*"
  [[ "|$codes|" == *"|$rc|"* ]] || fail "$name" "$log" "exit code $rc, expected $codes: $*"
  grep -q "^Traceback (most recent call last)" "$log" && fail "$name" "$log" "a Python traceback: $*"
  [ "$creates" = - ] || [ -e "$creates" ] || fail "$name" "$log" "$creates was not written: $*"
  passed=$((passed + 1))
  printf 'check_wheel: ok %s  %-19s %s\n' "$(since "$start")" "$name" "${*/#$work\//}"
}

expect_output() {  # expect_output NAME TEXT: the step's output says TEXT
  grep -qF -- "$2" "$work/logs/$1.log" || fail "$1" "$work/logs/$1.log" "its output does not say \"$2\""
}

# --- build and install ------------------------------------------------------------------------------------------

python=$(bash scripts/find_python.sh)
say "work folder $work; Python $("$python" -c 'import sys; print(sys.version.split()[0])') ($python); pip's cache: $("$python" -m pip cache dir 2>/dev/null || echo 'none')"
step venv 0 "$work/venv/bin/python" "$python" -m venv "$work/venv"
py="$work/venv/bin/python"

# Build from a copy of the checkout's files (tracked, and new ones not ignored), not from the tree itself: setuptools'
# build/ folder keeps files from earlier builds that the source has since lost, and would put them in the wheel.
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$work/src"
step wheel 0 - "$py" -m pip wheel --no-deps --wheel-dir "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/passend-*.whl)

# The wheel holds exactly the package's files of the source: every module and every data file (the patterns in
# pyproject.toml's [tool.setuptools.package-data]), and nothing else.
cat >"$work/contents.py" <<'EOF'
import sys, zipfile
from pathlib import Path

wheel, src = sys.argv[1], Path(sys.argv[2])
in_wheel = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("passend/")}
in_source = {p.relative_to(src).as_posix() for p in (src / "passend").rglob("*") if p.is_file()}
missing, extra = sorted(in_source - in_wheel), sorted(in_wheel - in_source)
data = sorted(n for n in in_wheel if not n.endswith(".py"))
print(f"{len(in_wheel)} files of passend in the wheel, {len(data)} of them data:", *data, sep="\n  ")
if missing or extra:
    sys.exit(f"source files not in the wheel: {missing}; in the wheel, not in the source: {extra}")
EOF
step contents 0 - "$py" "$work/contents.py" "$wheel" "$work/src"
expect_output contents "passend/engine/data/ensemble.json"

# with pip's bytecode compilation (half of the install's minute), as users get it: without it, and with
# PYTHONDONTWRITEBYTECODE set, every command below would compile its imports again (3 s instead of 1 s a start)
step install 0 - "$py" -m pip install "$wheel"
passend="$work/venv/bin/passend"

# --- every subcommand, from a folder outside the checkout -----------------------------------------------------------

cd "$work/run"
step imported-from 0 - "$py" -c "import passend, sys; print(passend.__file__); sys.exit(not passend.__file__.startswith('$work/venv/'))"

# the subcommands `passend --help` lists: each must have a step below (a new one fails here until it has)
covered="run validate calibrate benchmark compare sweep sensitivity discover scenarios reforms baseline dashboard"
step help 0 - "$passend" --help
listed=$(grep -o -m1 '{[a-z,_-]*}' "$work/logs/help.log" | tr -d '{}' | tr , ' ')
[ -n "$listed" ] || fail help "$work/logs/help.log" "no list of subcommands in passend --help"
for command in $listed; do
  [[ " $covered " == *" $command "* ]] || fail help "$work/logs/help.log" "subcommand '$command' has no step in scripts/check_wheel.sh"
done
step version 0 - "$passend" --version
expect_output version "passend 0.2"

step scenarios 0 - "$passend" scenarios
expect_output scenarios "no_reform"
step reforms 0 - "$passend" reforms
expect_output reforms "cut_2012_300m"

# the smallest runs that still go through the code: scale 0.002 (the smallest allowed is 0.001), a few school years
step run 0 run/counts.parquet "$passend" run --scale 0.002 --end 2005-07-31 --parquet --quiet --out run
step validate 0 validate/bands.csv "$passend" validate --seeds 2 --scale 0.002 --end 2008-07-31 --jobs 2 --out validate
step calibrate 0 calibrate/fitted.toml \
  "$passend" calibrate --seeds 1 --scale 0.002 --max-evaluations 2 --jobs 2 --out calibrate
step calibrate-ensemble 0 ensemble/ensemble.json \
  "$passend" calibrate --ensemble --population 10 --generations 1 --scale 0.002 --jobs 2 --out ensemble
step benchmark 0 - "$passend" benchmark --scales 0.002 --end 2005-07-31
step benchmark-profile 0 profile.html \
  "$passend" benchmark --profile --scales 0.002 --end 2005-07-31 --profile-out profile.html
step benchmark-sweep 0 - "$passend" benchmark --sweep --runs 2 --sweep-scale 0.002 --end 2005-07-31
# the period must reach the cut (August 2012)
step compare 0 compare/report.md \
  "$passend" compare default cut_2012_300m --decompose --seeds 2 --scale 0.002 --end 2013-07-31 --jobs 2 --out compare
# reads the ensemble shipped in the package (passend/engine/data/ensemble.csv and ensemble.json)
step compare-parameters 0 compare-parameters/report.md \
  "$passend" compare default cut_2012_300m --uncertainty parameters --parameter-sets 2 --seeds 2 --scale 0.002 \
  --end 2013-07-31 --jobs 2 --out compare-parameters

# a sweep of 20 runs: discover refuses fewer (MIN_RUNS in passend/experiments/discover.py)
cat >sweep.toml <<'EOF'
[sweep]
scenario = "default"
design = "latin_hypercube"
samples = 20
outcomes = ["so@2005", "inflow_sbo@2004-2005"]
[settings]
scale = 0.002
end = 2006-07-31
[parameters.tlv_budget_response]
range = [0.0, 4.0]
[parameters.apply_reward]
range = [0.05, 0.4]
EOF
step sweep 0 sweep/runs.parquet "$passend" sweep sweep.toml --jobs 2 --quiet --out sweep
# an outcome over a varied parameter: true in about half of a Latin hypercube's runs whatever the simulation gives,
# as discover requires (true in some runs and false in others)
step discover 0 discover/summary.md "$passend" discover sweep --where "apply_reward > 0.2" --out discover

cat >sensitivity.toml <<'EOF'
[sweep]
design = "morris"
samples = 2
outcomes = ["indications@2004"]
[settings]
scale = 0.002
end = 2005-07-31
[parameters.apply_reward]
range = [0.05, 0.4]
[parameters.sbo_cost]
range = [0.0, 1.0]

[[response]]
parameter = "policy.rugzak_school_eur"
values = [6000, 14000]
outcomes = ["indications@2004"]
replicates = 2
EOF
step sensitivity 0 sensitivity/sensitivity.csv "$passend" sensitivity sensitivity.toml --jobs 2 --quiet --out sensitivity

# baseline is a developers' tool: its stored baseline is tests/baseline/regression_baseline.csv in the source tree,
# which the wheel does not ship. From a wheel it must say that it needs a source checkout and end with exit 2 ("not
# usable like this"), with --update too, and write nothing into the environment.
step baseline 2 - "$passend" baseline
expect_output baseline "source checkout"
step baseline-update 2 - "$passend" baseline --update
site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
[ ! -e "$site/tests" ] || fail baseline-update "$work/logs/baseline-update.log" "it wrote $site/tests"

# dashboard: the page module and the lessons load from the wheel; the server answers on a free port of this machine;
# Ctrl-C (SIGINT to its process group, as a terminal sends it) stops it with exit 0 and leaves no process behind
cat >"$work/dashboard.py" <<'EOF'
import os, signal, socket, subprocess, sys, time, urllib.request

import passend.dashboard.app  # noqa: F401  (the page Solara serves)
from passend.experiments.classroom import lessons


def gone(group: int, seconds: float) -> bool:
    """Whether every process of ``group`` (passend dashboard and its Solara server) has ended within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


print(f"page module imported; {len(lessons())} lessons")
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
# The server starts with SIGINT at its default even if whoever started this check ignores it (exec resets a handler,
# not an ignore); a time limit's SIGTERM still reaches the finally below.
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
server = subprocess.Popen([sys.argv[1], "dashboard", "--port", str(port)], start_new_session=True)
stopped = False
try:
    url, answer, deadline = f"http://127.0.0.1:{port}/", None, time.monotonic() + 120
    while answer is None and server.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                answer = response.status, response.read()
        except OSError:
            time.sleep(0.5)
    if answer is None:
        sys.exit(f"no answer on {url} within 120 s (server exit code {server.poll()})")
    if answer[0] != 200 or b"solara" not in answer[1]:
        sys.exit(f"{url} answered {answer[0]} without Solara's page")
    print(f"{url} answered {answer[0]} with Solara's page ({len(answer[1])} bytes)")
    os.killpg(server.pid, signal.SIGINT)
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        sys.exit("passend dashboard did not stop within 30 s of Ctrl-C")
    if code != 0:
        sys.exit(f"after Ctrl-C passend dashboard ended with exit code {code}, not 0")
    stopped = True
finally:
    if not stopped:  # a failure above: end it, and report that failure, not this
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if not gone(server.pid, 10):
        os.killpg(server.pid, signal.SIGKILL)
        sys.exit("processes of passend dashboard were left running after it stopped (killed now)")
print("stopped; no process left")
EOF
step dashboard 0 - "$py" "$work/dashboard.py" "$passend"
expect_output dashboard "passend dashboard: stopped"

cd "$checkout"
say "$passed passed, 0 failed in$(since "$began" | tr -s " ") (the wheel $(basename "$wheel"), installed in a fresh environment)"
