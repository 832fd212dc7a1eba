"""The command line: bad input ends with exit code 2, a message naming the option and what is allowed, and no
results folder; a good run writes the results contract."""

import csv
import json

import pytest

from passend.experiments.cli import main


def fails(args, capsys, tmp_path, *expected):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["run", *args, "--out", str(out), "--quiet"])
    assert exit_.value.code == 2
    message = capsys.readouterr().err
    for text in expected:
        assert text in message, (text, message)
    assert not out.exists() and not list(tmp_path.iterdir())


BAD_OPTIONS = {
    "scale out of range": (["--scale", "5"], ["--scale", "allowed", "[0.001, 1.0]"]),
    "scale not a number": (["--scale", "ten"], ["--scale", "not a number"]),
    "seed negative": (["--seed", "-1"], ["--seed", ">= 0"]),
    "end after the modelled period": (["--end", "2030-01-01"], ["end", "2025-07-31"]),
    "start before the synthetic country": (["--start", "2001-01-01"], ["start", "2003-10-01"]),
    "date that is not a date": (["--end", "31-07-2014"], ["--end", "YYYY-MM-DD"]),
    "unknown scenario": (["--scenario", "utopia"], ["--scenario", "default"]),
}


@pytest.mark.parametrize("args, expected", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_bad_option_exits_2_naming_it_and_writes_nothing(args, expected, capsys, tmp_path):
    fails(args, capsys, tmp_path, *expected)


def test_an_existing_results_folder_is_never_overwritten(capsys, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--out", str(out), "--quiet", "--scale", "0.002", "--end", "2004-07-31"])
    assert exit_.value.code == 2
    assert "--out" in capsys.readouterr().err and list(out.iterdir()) == []


def test_a_run_writes_the_results_contract(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--seed", "2", "--scale", "0.005", "--end", "2005-07-31", "--out", str(out), "--quiet"]) == 0
    with open(out / "counts.csv") as f:
        header = next(csv.reader(f))
    contract = "date,bao,sbo,so,vso,lwoo,pro,vo_other,so_cl1,so_cl2,so_cl34,vso_cl1,vso_cl2,vso_cl34,rugzak,indications"
    assert header[:16] == contract.split(",")
    with open(out / "school_years.csv") as f:
        years = list(csv.DictReader(f))
    assert years[0]["school_year"] == "2003-2004"
    for column in ("inflow_sbo", "inflow_so", "inflow_vso", "long_relative_absence", "home_over_3_months", "exempt_5a",
                   "indications_granted", "spend_rugzak_school_eur", "spend_state_total_eur"):
        assert column in years[0]
    with open(out / "alliances.csv") as f:
        alliances = list(csv.DictReader(f))
    assert {r["sector"] for r in alliances} == {"po", "vo"}
    assert len({r["alliance"] for r in alliances}) == 77 + 75
    for column in ("date", "alliance", "sector", "pupils", "sbo_share", "so_share", "vso_share", "spending_eur_per_year"):
        assert column in alliances[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 2 and manifest["scale"] == 0.005 and manifest["scenario"] == "default"
    assert "policy_timeline" in manifest and "simplifications" in manifest and manifest["passend_version"]
    assert manifest["behaviour"]["cvi_noise"]["source"]
    assert sorted(p.name for p in out.glob("*.png")) == [
        "alliance_money.png", "alliances.png", "attendance_vs_published.png", "counts_vs_published.png",
        "home_routes.png", "regular_placement.png", "spending.png"]


def test_a_start_after_2003_leaves_the_earlier_years_out(tmp_path):
    out = tmp_path / "late"
    assert main(["run", "--scale", "0.003", "--start", "2005-01-01", "--end", "2006-07-31", "--out", str(out),
                 "--quiet", "--no-figures"]) == 0
    with open(out / "counts.csv") as f:
        dates = [r["date"] for r in csv.DictReader(f)]
    assert dates == ["2005-10-01"]


def test_every_manifest_names_the_commit_and_git_missing_is_no_error(tmp_path, monkeypatch):
    import subprocess

    from passend.experiments import output

    out = tmp_path / "run"
    assert main(["run", "--scale", "0.002", "--end", "2004-07-31", "--out", str(out), "--quiet", "--no-figures"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          cwd=output.Path(output.__file__).parent).stdout.strip()
    assert manifest["commit"].removesuffix("-dirty") == head and len(head) == 40
    assert manifest["environment"]["passend_commit"] == manifest["commit"]  # where compare's manifest carries it

    def no_git(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "git")

    output.source_revision.cache_clear()
    monkeypatch.setattr(subprocess, "run", no_git)
    try:
        assert output.source_revision().startswith("passend ") and "no git checkout" in output.source_revision()
    finally:
        output.source_revision.cache_clear()
