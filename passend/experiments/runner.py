"""Running many runs: in parallel (joblib), kept as they finish so that an interrupted command can resume, and the
results folder they write. One run is :mod:`passend.experiments.one_run`."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path
from typing import Callable, Sequence

from joblib import Parallel, delayed

from passend.engine.behaviour import Behaviour
from passend.engine.errors import ConfigError
from passend.engine.policy import PolicyTimeline
from passend.engine.settings import RunSettings
from passend.model.recorder import RunOutput


def simulate_many(
    settings_list: Sequence[RunSettings],
    behaviour: Behaviour | None = None,
    policy: PolicyTimeline | None = None,
    scenario: str = "default",
    n_jobs: int = 1,
    progress: str | None = None,
    journal: Path | None = None,
    resume: bool = False,
) -> list[RunOutput]:
    """Several runs, in parallel processes when ``n_jobs`` > 1; results in the order of ``settings_list``.
    ``progress``: a label for a progress bar on standard error (runs done, time left), or None for none.
    ``journal``, ``resume``: keep every finished run there, and read back those kept (see :func:`open_kept_runs`)."""
    tasks = [(s, behaviour, policy, scenario) for s in settings_list]
    identity = {"scenario": scenario, "settings": [s.to_dict() for s in settings_list],
                "behaviour": (behaviour or Behaviour()).to_dict(), "policy": (policy or PolicyTimeline.baseline()).to_dict()}
    outputs = open_kept_runs(journal, identity, len(tasks), resume)
    from passend.experiments.one_run import simulate_rows  # imported here: workers pay for mesa only when running

    run_missing(simulate_rows, tasks, outputs, n_jobs, journal, progress)
    return outputs


def open_kept_runs(journal: Path | None, identity: dict, n: int, resume: bool) -> list["RunOutput | None"]:
    """The runs kept in ``journal`` by an interrupted command, None where one is missing (all None without a journal
    or when not resuming; then a new journal is started). ``identity`` is everything that makes the runs what they
    are: resuming with another is refused."""
    outputs: list[RunOutput | None] = [None] * n
    if journal is None:
        return outputs
    identity = json.loads(json.dumps(identity, default=str))
    path = journal / "identity.json"
    if not resume:
        journal.mkdir(parents=True)
        path.write_text(json.dumps(identity, indent=1))
        return outputs
    if not path.exists():
        raise ConfigError("--resume", str(journal), "the runs of an interrupted command (this folder has none)")
    if json.loads(path.read_text()) != identity:
        raise ConfigError("--resume", str(journal), "the same scenarios, seeds and period as the interrupted command "
                          "(these differ)")
    for i in range(n):
        kept = journal / f"run-{i:05d}.pkl"
        if kept.exists():
            outputs[i] = pickle.loads(kept.read_bytes())
    return outputs


def run_missing(function: Callable, tasks: Sequence[tuple], outputs: list, n_jobs: int, journal: Path | None,
                progress: str | None) -> None:
    """Run ``function(*task)`` for every task whose output is still None, in parallel when ``n_jobs`` > 1, filling
    ``outputs`` in place and keeping each in ``journal`` as it finishes (written whole, then renamed). A run does not
    depend on what else runs or in what order, so a resumed command gives what an uninterrupted one would."""
    todo = [i for i, output in enumerate(outputs) if output is None]
    if n_jobs == 1 or len(todo) <= 1:
        runs = (function(*tasks[i]) for i in todo)
    else:
        runs = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(function)(*tasks[i]) for i in todo)
    for i, output in zip(todo, with_progress(runs, len(todo), progress)):
        outputs[i] = output
        if journal is not None:
            part = journal / f"run-{i:05d}.part"
            part.write_bytes(pickle.dumps(output, protocol=pickle.HIGHEST_PROTOCOL))
            part.replace(journal / f"run-{i:05d}.pkl")


def with_progress(items, total: int, label: str | None):
    """``items`` as they come, with a progress bar on standard error (runs done, time left) when ``label`` is set."""
    if label is None:
        yield from items
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="run", desc=label, file=sys.stderr, dynamic_ncols=True) as bar:
        for item in items:
            bar.update()
            yield item
