"""The structure is a contract (pyproject.toml [tool.importlinter]), not a hope: the engine knows no actor, an actor no
other actor, the model sits between the actors and the experiments, a phase of the month sees the World and the Month
and never the Mesa model, no module imports itself in a circle, and where a pupil is changes only through the doors of
``passend.model.moves``."""

import ast
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import numpy as np
import pytest

from passend.engine.population import Pupils, Route, Setting
from passend.engine.settings import RunSettings
from passend.model import moves
from passend.model.model import WorldModel

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "passend"


def test_the_import_linter_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_no_module_imports_itself_in_a_circle_not_even_for_type_hints():
    graph = grimp.build_graph("passend", include_external_packages=False, exclude_type_checking_imports=False)
    imports = nx.DiGraph((module, imported) for module in graph.modules
                         for imported in graph.find_modules_directly_imported_by(module))
    assert imports.number_of_edges() > 200  # the graph was built: a check on an empty graph would pass anything
    circles = [sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1]
    assert circles == []


def test_no_function_of_the_month_takes_the_whole_model():
    """The phases, the doors, the money and the recorder are functions of the World and the Month: none of their
    modules names the Mesa model."""
    month_wing = [path for path in (PACKAGE / "model").glob("*.py") if path.name != "model.py"]
    assert len(month_wing) >= 10
    for path in month_wing:
        text = path.read_text()
        assert not re.search(r"\b(WorldModel|PassendModel)\b", text), path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                assert "m" not in [a.arg for a in node.args.args], f"{path.name}: {node.name}(m, ...)"


def test_the_month_only_writes_to_the_recorder_and_never_reads_what_it_recorded():
    """One-way flow: phases hand the recorder the World and closed months (record_*), and no decision reads the rows
    it wrote (``world.record``), which only the recorder and the model's output touch."""
    for path in (PACKAGE / "model").glob("*.py"):
        text = path.read_text()
        assert re.findall(r"recorder\.(?!record_|pupils_with_a_need|RunOutput|by_payer|py\b)\w+", text) == [], path.name
        if path.name not in ("recorder.py", "model.py", "world.py"):
            assert not re.search(r"\.record\b", text), path.name
    for path in (PACKAGE / "agents").glob("*.py"):
        assert "recorder" not in path.read_text(), path.name


def test_only_the_doors_open_the_columns_that_say_where_a_pupil_is():
    """``Pupils.GUARDED`` are written inside ``pupils.writing()`` only, and only the doors of moves.py open it or book
    a move in the ledger."""
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("moves.py", "columns.py", "ledger.py"):
            continue
        text = path.read_text()
        assert ".writing()" not in text, path
        assert not re.search(r"ledger\.move\(", text), path


def test_a_write_to_where_a_pupil_is_outside_a_door_is_refused_and_a_door_makes_it():
    model = WorldModel(RunSettings(seed=3, scale=0.002, end=dt.date(2004, 9, 30)))
    world, month = model.world, model.month
    p = world.pupils
    pupil = np.array([int(np.flatnonzero(p.setting == Setting.BAO)[0])])
    for column in Pupils.GUARDED:
        with pytest.raises(ValueError, match="read-only"):
            getattr(p, column)[pupil] = getattr(p, column)[pupil]
    with pytest.raises(PermissionError, match="writing"):
        p.setting = p.setting.copy()
    with pytest.raises(PermissionError, match="writing"):
        p.keep(np.ones(len(p), dtype=bool) & (np.arange(len(p)) != pupil[0]))
    before = len(world.rows.at_home(month.school_year))
    moves.send_home(world, month, pupil, Route.BREAKDOWN)
    assert p.setting[pupil[0]] == Setting.HOME and p.registered[pupil[0]] == Setting.BAO
    at_home = world.rows.at_home(month.school_year)
    assert pupil[0] in at_home and len(at_home) == before + 1
    assert world.ledger.close_month().moved("breakdown", Setting.HOME, source=Setting.BAO) == 1
    model.run()  # the run goes on through the doors alone
    assert not p.setting.flags.writeable
