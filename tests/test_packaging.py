"""What a user gets from ``pip install .`` (issue 31, part 6): every file the package reads ships in the wheel.

The editable install of the developers reads the source tree, so a data file that pyproject.toml's package-data
patterns miss works for them and fails only for users (the ensemble's ensemble.json did: ``compare --uncertainty
parameters`` raised FileNotFoundError from a wheel). These tests compare the source tree with the patterns, in
milliseconds; ``scripts/check_wheel.sh`` (run by .ci/run) builds the wheel, installs it in a fresh environment and runs
every subcommand from it.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def source_files(suffixes_left_out: tuple[str, ...]) -> set[str]:
    """The files under passend/ (relative to the checkout), less Python's caches, hidden files and the suffixes given."""
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / "passend").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
            and not p.name.endswith(suffixes_left_out)}


def matched_by_package_data() -> set[str]:
    """The files pyproject's package-data patterns take, globbed as setuptools does (``**`` at any depth, none too)."""
    matched = set()
    for package, patterns in SETUPTOOLS["package-data"].items():
        folder = ROOT / package.replace(".", "/")
        for pattern in patterns:
            matched |= {p.relative_to(ROOT).as_posix() for p in folder.glob(pattern) if p.is_file()}
    return matched


def test_every_data_file_in_the_package_is_shipped_by_a_package_data_pattern():
    missing = sorted(source_files((".py", ".pyc")) - matched_by_package_data())
    assert not missing, (f"not in the wheel, so missing from a user's install: {missing}; add a pattern for their "
                         "kind to [tool.setuptools.package-data] in pyproject.toml")


def test_every_folder_of_python_code_is_a_package_the_wheel_takes():
    # setuptools' find takes only folders with an __init__.py (and names matching packages.find's include): a module
    # in any other folder would be left out of the wheel without a word
    include = SETUPTOOLS["packages"]["find"]["include"]
    assert include == ["passend*"]
    folders = {Path(f).parent for f in source_files((".pyc",)) if f.endswith(".py")}
    not_packages = sorted(str(d) for d in folders if not (ROOT / d / "__init__.py").is_file())
    assert not not_packages, f"Python code in folders without __init__.py, left out of the wheel: {not_packages}"
