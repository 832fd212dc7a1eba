"""The notebooks in docs/notebooks run as they are, on their own small scales, so that they never rot (issue 17), and
they run again: a reader's second "Run All" in the same kernel works too, and leaves nothing in the checkout (issue
35). They are stored without outputs: what a reader sees is what their own run makes."""

import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_and_they_are_stored_without_outputs():
    assert [p.stem for p in NOTEBOOKS] == ["01_first_run", "02_reform_against_baseline", "03_sweep_and_sensitivity"]
    for path in NOTEBOOKS:
        code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), f"{path.name} holds outputs"


def test_no_notebook_writes_into_the_checkout():
    """Each notebook writes under a fresh temporary folder (``OUT``), never under a path relative to where it runs."""
    for path in NOTEBOOKS:
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert "tempfile.mkdtemp(" in source, path.name
        assert '"results/' not in source and "'results/" not in source, f"{path.name} writes under results/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_runs_from_top_to_bottom_twice(path, tmp_path, monkeypatch):
    # The kernel inherits TMPDIR, so the notebook's fresh folders land in this test's folder
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    book = nbformat.read(path, as_version=4)
    before = _untracked()
    client = NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    # Twice in one kernel, as a second "Run All" in Jupyter: the first run's folders and the country cache are still
    # there (the second run is the quicker for it)
    with client.setup_kernel():
        for _ in range(2):
            for index, cell in enumerate(book.cells):
                client.execute_cell(cell, index)
    figures = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} drew no figure"
    written = sorted(tmp_path.glob("passend-*"))
    assert len(written) == 2, f"{path.name}: expected a fresh folder per run, found {written}"
    assert all(any(folder.rglob("*.csv")) or any(folder.rglob("*.parquet")) for folder in written), written
    assert _untracked() == before, f"{path.name} left files in the checkout"


def _untracked() -> set[str]:
    """Files in the checkout that git does not track and does not ignore either."""
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True,
                         text=True)
    return {line for line in out.stdout.splitlines() if line.startswith("??")}
