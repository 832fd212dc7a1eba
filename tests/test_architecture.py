"""The import direction is a contract (pyproject.toml [tool.importlinter]), not a hope: the engine knows no actor, an
actor no other actor, and the assembly of a country and a month sits between the actors and the experiments."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_linter_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_month_only_writes_to_the_recorder_and_never_reads_it():
    """One-way flow: phases hand the recorder closed months (record_*), no decision sees what it recorded."""
    import re

    for name in ("phases.py", "model.py"):
        text = (ROOT / "passend" / "model" / name).read_text()
        reads = re.findall(r"recorder\.(?!record_)\w+", text)
        assert reads == [], (name, reads)
    for path in (ROOT / "passend" / "agents").glob("*.py"):
        assert "recorder" not in path.read_text(), path.name
