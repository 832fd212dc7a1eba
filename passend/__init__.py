"""passend: an agent-based simulation of extra support in Dutch education (the rugzak era and passend onderwijs).

The Python interface (documented in the README and ``docs/notebooks/``; its implementation is
``passend.experiments.api``)::

    import passend
    run = passend.simulate("default", seed=1, scale=0.05)    # one run: run.counts, run.school_years, ... (pandas)
    run.save("results/my-run")                               # the results folder of `passend run`

    model = passend.PassendModel(scale=0.02, alliance_budget_cut=300e6)   # a Mesa model with keyword arguments
    model.run_model(); model.datacollector.get_model_vars_dataframe()

    passend.compare("default", "cut_2012_300m", seeds=4)     # a reform against its base: effects with intervals
    passend.sweep("my_sweep.toml")                           # a design x seeds: one row per run

The names are loaded when first used, so that ``import passend.engine`` (which every worker process does) stays
light: importing Mesa alone takes over a second.
"""

from passend.engine import __version__
from passend.engine.errors import ConfigError  # what every bad input raises: it names the field and what is allowed

API = ("PassendModel", "Run", "simulate", "validate", "compare", "ComparisonResult", "sweep", "sensitivity", "discover",
       "calibrate", "calibrate_ensemble", "calibrate_history_match", "setup")
__all__ = ["__version__", "ConfigError", *API]


def __getattr__(name: str):
    if name in API:
        from passend.experiments import api

        return getattr(api, name)
    raise AttributeError(f"module 'passend' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
