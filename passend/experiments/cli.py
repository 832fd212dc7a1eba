"""The ``passend`` command.

    passend run          simulate one scenario and write a results folder
    passend validate     several seeds against the published targets (mean, range), with figures
    passend calibrate    fit the calibrated behaviour parameters to 2003-2018
    passend benchmark    wall time, pupil-months per second and peak memory per scale; --sweep: runs per minute
    passend scenarios    list the registered scenarios
    passend reforms      list the registered reforms
    passend compare      a reform against a base on paired seeds: a report a reader can quote
    passend sweep        a design of parameter values x seeds, in parallel (joblib or Dask), resumable
    passend sensitivity  Morris or Sobol indices and incentive response curves
    passend baseline     a small fixed run against the stored regression baseline: which series moved (--update)
    passend discover     scenario discovery on a sweep: the parameter ranges where an outcome holds (PRIM, CART)
    passend dashboard    a reform and its baseline side by side in the browser, with levers and lessons (docs/teaching.md)

Exit codes: 0 done; 1 some runs failed (sweep, sensitivity) or the baseline moved; 2 invalid options or values (a
message naming the option and what is allowed; nothing is written); 74 the disk (or a quota) is full (one line; nothing
half-written is left, and a command of many runs keeps its finished runs and prints the command that continues);
130 interrupted by Ctrl-C (one line saying what was kept and how to continue).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
from pathlib import Path

from passend.engine import __version__
from passend.engine.behaviour import CALIBRATION_GROUPS
from passend.engine.errors import ConfigError
from passend.experiments.output import default_folder, new_results_folder
from passend.experiments.runner import DISK_FULL_ERRORS, LONG_WORK_HOURS, DiskFull, Interrupted
from passend.engine.settings import FIRST_START, LAST_END, MAX_SCALE, MIN_SCALE

USAGE_ERROR = 2
DISK_FULL = 74  # sysexits.h's EX_IOERR: an input/output error (here a full disk or quota)
INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C (128 + SIGINT)


EXIT_CODES = """exit codes:
  0    done
  1    some runs failed (sweep, sensitivity), or the regression baseline moved (baseline)
  2    invalid options, values or input files: one message naming the field and what is allowed; nothing written
  74   the disk (or a quota) is full: one line; nothing half-written is left; a command of many runs keeps its
       finished runs and prints the command that continues it (--out FOLDER --resume)
  130  interrupted (Ctrl-C): one line saying what was kept and, for a command of many runs, how to continue"""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; allowed: YYYY-MM-DD") from None


def _whole(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; allowed: a whole number >= {minimum}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small; allowed: a whole number >= {minimum}")
        return value

    return parse


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; allowed: a number in [{MIN_SCALE}, {MAX_SCALE}]") from None
    if not MIN_SCALE <= value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"{value} is out of range; allowed: a number in [{MIN_SCALE}, {MAX_SCALE}]")
    return value


def _fraction(low: float, high: float):
    """An argparse type: a finite number in (low, high]."""

    def parse(text: str) -> float:
        allowed = f"allowed: a number above {low:g} and at most {high:g}"
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number; {allowed}") from None
        if not low < value <= high:  # also refuses nan and inf
            raise argparse.ArgumentTypeError(f"{value} is out of range; {allowed}")
        return value

    return parse


def _add_period_options(p: argparse.ArgumentParser) -> None:
    """Options that override a scenario's [settings]; their defaults are the scenario's, else the model's."""
    p.add_argument("--scale", type=_scale,
                   help=f"fraction of the national population, {MIN_SCALE} to {MAX_SCALE} (default: the scenario's, else 0.1)")
    p.add_argument("--start", type=_date, help=f"first date reported (default: the scenario's, else {FIRST_START})")
    p.add_argument("--end", type=_date, help=f"last day simulated (default: the scenario's, else {LAST_END})")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="default",
                   help="a registered scenario or reform (see `passend scenarios`, `passend reforms`) or a scenario "
                        "file (.toml) (default: %(default)s)")
    _add_period_options(p)


def _add_parallel_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=_whole(1), default=2,
                   help="local worker processes, or workers of a local Dask cluster (default: %(default)s)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on dask.distributed: a scheduler's address (tcp://host:8786; --jobs is then ignored) "
                        "or 'local' for a local cluster of --jobs workers")


def _add_sweep_options(p: argparse.ArgumentParser) -> None:
    _add_parallel_options(p)
    _add_yes_option(p)
    p.add_argument("--out", type=Path, help="folder to create (default: results/<command>-<spec name>-<time>)")
    p.add_argument("--resume", action="store_true", help="continue the sweep in --out: skip finished runs, rerun the rest")
    p.add_argument("--csv", action="store_true", help="write runs.csv next to runs.parquet")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_yes_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", action="store_true",
                   help=f"start work estimated above {LONG_WORK_HOURS:g} hours without asking (see the estimate first)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="passend", description="Simulate extra support in Dutch education.",
                                     epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"passend {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="simulate one scenario and write a results folder")
    _add_run_options(run)
    run.add_argument("--seed", type=_whole(0), help="random seed, a whole number >= 0 (default: the scenario's, else 1)")
    run.add_argument("--out", type=Path, help="results folder to create (default: results/<scenario>-<time>)")
    run.add_argument("--no-figures", action="store_true", help="write the tables only")
    run.add_argument("--parquet", action="store_true",
                     help="each table as Parquet too, with the run's scenario, seed and scale as its first columns, so "
                          "that a folder of many runs loads in one call (pandas, polars, DuckDB)")
    run.add_argument("--quiet", action="store_true", help="no progress lines")

    val = sub.add_parser("validate", help="several seeds against the published targets")
    _add_run_options(val)
    val.add_argument("--seeds", type=_whole(1), default=5, help="number of seeds (default: %(default)s)")
    val.add_argument("--root-seed", type=_whole(0), default=1, help="seeds are spawned from this one (default: %(default)s)")
    _add_parallel_options(val)
    val.add_argument("--out", type=Path, help="folder to create (default: results/validate-<time>)")
    _add_yes_option(val)
    val.add_argument("--resume", action="store_true",
                     help="continue an interrupted validation in --out: its finished runs are read back, not run again")
    val.add_argument("--posterior", action="store_true",
                     help="every seed with each of --parameter-sets sets drawn from the ensemble in the package "
                          "(calibrate --posterior --install replaces it): bands.csv then holds the 5/50/95%% "
                          "quantiles of every series")
    val.add_argument("--parameter-sets", type=_whole(1), default=20,
                     help="--posterior: sets drawn from the posterior (default: %(default)s)")
    val.add_argument("--ensemble", type=Path,
                     help="--posterior: the folder of a posterior or ensemble (default: the one shipped)")

    cal = sub.add_parser("calibrate", help="fit the calibrated behaviour parameters to 2003-2018")
    cal.add_argument("--seeds", type=_whole(1), default=4, help="seeds per evaluation (default: %(default)s)")
    cal.add_argument("--scale", type=_scale, help="scale of the runs (default: 0.05; with --ensemble, --history-match "
                                                  "or --posterior 0.02)")
    cal.add_argument("--max-evaluations", type=_whole(1), default=250,
                     help="at most this many evaluations of --seeds runs each, up to 100,000 (default: %(default)s)")
    _add_parallel_options(cal)
    cal.add_argument("--step", type=_fraction(0.0, 1.0), default=0.08,
                     help="starting simplex size as a fraction of each parameter's range; smaller to refine (default: %(default)s)")
    _add_yes_option(cal)
    cal.add_argument("--group", choices=CALIBRATION_GROUPS,
                     help="fit only this group's parameters on its targets: counts (pupil counts, intake, labelling) "
                          "or attendance (the Leerplichttelling); default: all on all")
    cal.add_argument("--out", type=Path, help="folder to create (default: results/calibration-<time>)")
    cal.add_argument("--install", action="store_true",
                     help="write the fitted values into the package's behaviour.toml as the new defaults (with "
                          "--ensemble: the ensemble into passend/engine/data/)")
    cal.add_argument("--ensemble", action="store_true",
                     help="instead: an accepted ensemble of the calibrated parameters by ABC-SMC (pyabc) against the "
                          "calibration targets, for compare --uncertainty parameters")
    cal.add_argument("--population", type=_whole(10),
                     help="--ensemble, --posterior: parameter sets per generation (default: 100 with --ensemble; "
                          "with --posterior 10 per parameter)")
    cal.add_argument("--generations", type=_whole(1),
                     help="--ensemble, --posterior: at most this many generations (default: 6 with --ensemble, 8 "
                          "with --posterior)")
    cal.add_argument("--prior-width", type=_fraction(0.0, 1.0), default=0.3,
                     help="--ensemble: each uniform prior's width as a fraction of the parameter's range, around the "
                          "shipped default (default: %(default)s)")
    cal.add_argument("--sampler", default="multicore",
                     help="--ensemble, --posterior: single (one process, reproducible from --seed), multicore (--jobs processes) or "
                          "a Dask scheduler's address (default: %(default)s)")
    cal.add_argument("--seed", type=_whole(0), default=1,
                     help="--ensemble, --history-match, --posterior: the seed of the designs and the sampler "
                          "(default: %(default)s)")
    cal.add_argument("--quantile", type=_fraction(0.0, 0.999), default=0.5,
                     help="--ensemble: each generation accepts runs closer than this quantile of the last distances "
                          "(the first: of a calibration sample from the prior) (default: %(default)s)")
    cal.add_argument("--history-match", action="store_true",
                     help="instead: history matching over the full bounds of every parameter marked for it, in waves "
                          "of runs with Gaussian-process emulators, each wave kept as it finishes (see "
                          "docs/calibration/history-matching.md)")
    cal.add_argument("--posterior", action="store_true",
                     help="history matching (as --history-match, continued if --resume) and then ABC-SMC inside what "
                          "it left: the posterior, with what the data know per parameter; --install ships it for "
                          "compare --uncertainty parameters")
    cal.add_argument("--runs-per-wave", type=_whole(10), default=250,
                     help="--history-match, --posterior: runs in each wave's design (default: %(default)s)")
    cal.add_argument("--waves", type=_whole(1), default=5,
                     help="--history-match, --posterior: at most this many waves (default: %(default)s)")
    cal.add_argument("--max-runs", type=_whole(10), default=9000,
                     help="--posterior: at most this many runs of ABC in all (default: %(default)s)")
    cal.add_argument("--resume", action="store_true",
                     help="--history-match, --posterior: continue in --out (the finished runs of each wave are read "
                          "back, not run again; ABC goes on from its last finished generation)")

    bench = sub.add_parser("benchmark", help="speed and memory per scale (each in a fresh process)")
    bench.add_argument("--scales", type=_scale, nargs="+", default=[0.1, 1.0], help="(default: 0.1 1.0)")
    bench.add_argument("--end", type=_date, default=LAST_END, help=f"last day simulated (default: {LAST_END})")
    bench.add_argument("--seed", type=_whole(0), default=1)
    bench.add_argument("--sweep", action="store_true",
                       help="instead: runs per minute of a small sweep with 1 and 2 processes, and the speed-up")
    bench.add_argument("--runs", type=_whole(2), default=12,
                       help="runs in the --sweep benchmark, at most 10,000 (default: %(default)s)")
    bench.add_argument("--sweep-scale", type=_scale, default=0.05, help="scale of the --sweep runs (default: %(default)s)")
    bench.add_argument("--profile", action="store_true",
                       help="instead: profile one run at the first of --scales (pyinstrument): the call tree on screen "
                            "and an interactive HTML report")
    bench.add_argument("--profile-out", type=Path, default=None,
                       help="where the --profile report goes, a file that does not exist yet in a folder that can be "
                            "written (default: results/profile-scale<X>-<time>.html)")

    cmp = sub.add_parser("compare", help="a reform against a base on paired seeds: a report with tables and figures")
    cmp.add_argument("base", help="the base: a registered scenario or reform, or a scenario file")
    cmp.add_argument("reform", help="a registered reform or reform file (applied to the base), or another scenario")
    _add_period_options(cmp)
    cmp.add_argument("--seeds", type=_whole(2), default=10, help="seed pairs, at least 2 (default: %(default)s)")
    cmp.add_argument("--uncertainty", choices=("seeds", "parameters"), default="seeds",
                     help="what the intervals cover: seeds at the calibrated parameters, or parameter sets drawn from "
                          "the ensemble (passend calibrate --ensemble) x seeds (default: %(default)s)")
    cmp.add_argument("--parameter-sets", type=_whole(1), default=10,
                     help="--uncertainty parameters: sets drawn from the ensemble, each run on --seeds seeds "
                          "(default: %(default)s)")
    cmp.add_argument("--ensemble", type=Path, help="--uncertainty parameters: the folder of an ensemble (default: the "
                                                    "one shipped in the package)")
    cmp.add_argument("--decompose", action="store_true",
                     help="split each effect on spending into the mechanical effect (the reform's rules applied to the "
                          "base run's decisions, on the same seed) and the behavioural effect (the rest)")
    cmp.add_argument("--root-seed", type=_whole(0), default=1, help="seeds are spawned from this one (default: %(default)s)")
    _add_parallel_options(cmp)
    cmp.add_argument("--out", type=Path, help="folder to create (default: results/compare-<reform>-<time>)")
    _add_yes_option(cmp)
    cmp.add_argument("--resume", action="store_true",
                     help="continue an interrupted comparison in --out: its finished runs are read back, not run again")

    swp = sub.add_parser("sweep", help="run a design of parameter values x seeds (spec: TOML, see docs/experiments.md)")
    swp.add_argument("spec", type=Path, help="the sweep spec (TOML)")
    _add_sweep_options(swp)

    sens = sub.add_parser("sensitivity", help="Morris or Sobol indices and incentive response curves (spec: TOML)")
    sens.add_argument("spec", type=Path, help="the sensitivity spec (TOML): a sweep spec with design morris or sobol")
    _add_sweep_options(sens)

    disc = sub.add_parser("discover", help="scenario discovery on a sweep: the parameter ranges where an outcome holds "
                                           "(PRIM, with CART as a check)")
    disc.add_argument("sweep_folder", type=Path, metavar="SWEEP_FOLDER", help="the folder a sweep wrote")
    disc.add_argument("--where", required=True, metavar="EXPRESSION",
                      help="the outcome of interest, true or false per run, over the sweep table's numeric columns "
                           "(e.g. \"home_2020 > 6000 and policy.rugzak_school_eur < 9000\"). A small language, "
                           "never run as code: column names, numbers, + - * / // %% **, < <= > >= == !=, and/or/not "
                           "(& | ~), parentheses; at most 1000 characters. Anything else ends with exit code 2")
    disc.add_argument("--min-coverage", type=_fraction(0.0, 0.999), default=0.5,
                      help="the chosen box is the densest with at least this coverage (default: %(default)s)")
    disc.add_argument("--mass-min", type=_fraction(0.0, 0.5), default=0.05,
                      help="the smallest share of runs a box may hold (default: %(default)s)")
    disc.add_argument("--out", type=Path, help="folder to create (default: results/discover-<sweep folder>-<time>)")

    sub.add_parser("scenarios", help="list the registered scenarios")
    sub.add_parser("reforms", help="list the registered reforms")

    base = sub.add_parser("baseline", help="a small fixed run against the stored regression baseline (developers)")
    base.add_argument("--update", action="store_true", help="store the fresh run as the new baseline")

    dash = sub.add_parser("dashboard", help="a reform and its baseline side by side in the browser")
    dash.add_argument("--port", type=_port, default=8765, help="port to serve on")
    dash.add_argument("--host", default="127.0.0.1",
                      help="address to listen on; anything but this machine's own lets others on the network use it")
    return parser


def _port(text: str) -> int:
    port = _whole(1)(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"{port} is too large; allowed: a port from 1 to 65535")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    sub = parser._subparsers._group_actions[0].choices[args.command]  # the subcommand's parser, for its error()
    try:
        return COMMANDS[args.command](args)
    except ConfigError as err:
        sub.error(str(err))  # exits with code 2
    except Interrupted as stop:  # a command of many runs: its finished runs are kept
        print(f"\npassend {args.command}: interrupted; {stop}. Continue with: "
              f"{resume_command(sub, args, stop.folder)}", file=sys.stderr)
        return INTERRUPTED
    except KeyboardInterrupt:
        print(f"\npassend {args.command}: interrupted; nothing was written (results are written only when the work "
              "is done)", file=sys.stderr)
        return INTERRUPTED
    except DiskFull as full:  # a command of many runs: its finished runs are kept, nothing half-written is left
        print(f"\npassend {args.command}: the disk is full ({full}); the finished runs are kept and nothing "
              f"half-written is left. Make room, then continue with: {resume_command(sub, args, full.folder)}",
              file=sys.stderr)
        return DISK_FULL
    except OSError as error:
        if error.errno not in DISK_FULL_ERRORS:
            raise
        where = f" writing {error.filename}" if error.filename else ""
        print(f"\npassend {args.command}: the disk is full ({error.strerror}{where}); nothing half-written is left. "
              "Make room, then run the command again", file=sys.stderr)
        return DISK_FULL
    return USAGE_ERROR


def resume_command(sub: argparse.ArgumentParser, args: argparse.Namespace, folder: Path | None) -> str:
    """The command line that continues an interrupted one: every argument and option as parsed (so none is lost,
    however it was typed: abbreviated, ``--opt=value``, in any order), with ``--out FOLDER --resume``."""
    words = ["passend", args.command]
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction) or action.dest in ("out", "resume", "command"):
            continue
        value = getattr(args, action.dest, None)
        if not action.option_strings:  # a positional argument (BASE, REFORM, SPEC)
            words.append(str(value))
        elif isinstance(action, argparse._StoreTrueAction):
            if value:
                words.append(action.option_strings[-1])
        elif value is not None and value != action.default:
            values = value if isinstance(value, list) else [value]
            words += [action.option_strings[-1], *(_as_typed(v) for v in values)]
    if folder is not None:
        words += ["--out", str(folder)]
    return shlex.join([*words, "--resume"])


def _as_typed(value) -> str:
    """An option's value as it would be typed (dates as YYYY-MM-DD)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _progress_printer(quiet: bool):
    began = time.perf_counter()

    def progress(done: int, total: int) -> None:
        from passend.engine.calendar import month_of_step

        month = month_of_step(done - 1)
        if not quiet and (month.month == 7 or done == total):
            print(f"  {month.year - 1}-{month.year} done ({done}/{total} months, {time.perf_counter() - began:.1f} s)",
                  file=sys.stderr, flush=True)

    return progress


def cmd_run(args) -> int:
    from passend.experiments.api import simulate
    from passend.experiments.scenarios import get_scenario

    scenario = get_scenario(args.scenario)
    settings = scenario.run_settings(args.seed, args.scale, args.start, args.end)
    folder = new_results_folder(args.out, scenario.name)
    if not args.quiet:
        print(f"passend run: scenario {scenario.name}, seed {settings.seed}, scale {settings.scale}, "
              f"{settings.start} to {settings.end}", file=sys.stderr)
    run = simulate(scenario, settings.seed, settings.scale, settings.start, settings.end, _progress_printer(args.quiet))
    run.save(folder, figures=not args.no_figures, parquet=args.parquet)
    print(f"results written to {folder} ({run.output.wall_seconds:.1f} s simulated)")
    return 0


def cmd_validate(args) -> int:
    from passend.experiments.api import validate

    if not args.posterior and (args.ensemble is not None or args.parameter_sets != 20):
        raise ConfigError("--ensemble" if args.ensemble is not None else "--parameter-sets",
                          str(args.ensemble or args.parameter_sets), "only with --posterior")
    result = validate(args.scenario, args.seeds, args.scale, args.start, args.end, args.root_seed, args.jobs,
                      args.scheduler, args.out, args.resume, progress=True, yes=args.yes, posterior=args.posterior,
                      parameter_sets=args.parameter_sets, ensemble=args.ensemble)
    fit = result.targets.to_dict("records")
    _print_comparison("target", fit)
    print(f"{sum(r['within'] for r in fit)}/{len(fit)} targets within tolerance")
    moving = [r for r in fit if not r["starting_state"]]
    inside = sum(r["inside_band"] for r in moving)
    print(f"{inside}/{len(moving)} published values inside the 90% band of the runs ({inside / max(len(moving), 1):.0%}"
          f"; not counted: {len(fit) - len(moving)} counts of the starting state, the same in every run)")
    if len(result.out_of_sample):
        _print_comparison("out of sample (never fitted)", result.out_of_sample.to_dict("records"))
    print(f"{result.seconds:.0f} s ({result.backend}); written to {result.folder} (bands.csv: per year the mean, "
          "range and 5/50/95% quantiles over the runs)")
    return 0


def _print_comparison(title: str, rows: list[dict]) -> None:
    print(f"{title:40s} {'published':>11s} {'simulated':>11s} {'error':>7s} {'tol':>5s}")
    for row in rows:
        mark = "" if row["within"] else "  <- outside"
        print(f"{row['target']:40s} {row['published']:11.2f} {row['simulated']:11.2f} {row['relative_error']:+7.1%} "
              f"{row['tolerance']:5.0%}{mark}")


def cmd_calibrate(args) -> int:
    from passend.experiments import api

    if args.history_match or args.posterior:
        return _calibrate_history_match(args)
    if args.resume:
        raise ConfigError("--resume", True, "with --history-match or --posterior (their waves are kept as they finish)")
    if args.ensemble:
        if args.scheduler is not None:
            raise ConfigError("--scheduler", args.scheduler, "no --scheduler with --ensemble: pyabc's samplers run its "
                              "parameter sets (give a Dask scheduler's address as --sampler)")
        return _calibrate_ensemble(args)
    result = api.calibrate(args.seeds, args.scale or 0.05, args.max_evaluations, args.jobs, args.scheduler, args.step,
                           args.group, args.out, args.install, progress=True, yes=args.yes)
    for name, value in result.fitted.items():
        print(f"{name:24s} {result.start[name]:>10.4g} -> {value:.4g}")
    print(f"{int(result.fit['within'].sum())}/{len(result.fit)} targets within tolerance; written to {result.folder}")
    if result.installed:
        print(f"defaults updated in {result.installed}")
    return 0


def _calibrate_history_match(args) -> int:
    from passend.experiments import api

    if args.ensemble:
        raise ConfigError("--ensemble", True, "not with --history-match or --posterior (the posterior replaces it)")
    result = api.calibrate_history_match(args.runs_per_wave, args.waves, args.scale or 0.02, args.seed, args.jobs,
                                         args.scheduler, args.out, args.resume, args.posterior, args.population,
                                         args.generations or 8, args.max_runs, args.sampler, args.install,
                                         progress=True, command="passend " + " ".join(sys.argv[1:]))
    last = result.waves.iloc[-1]
    print(f"{len(result.waves)} waves, {int(result.waves['runs'].sum())} runs; the space not ruled out: "
          f"{float(last['space_share']):.3g} of the prior box; written to {result.folder}")
    if result.knowledge is not None:
        meta = result.description
        print(f"posterior: generation {meta['generation_shipped']} of {meta['generations_run']}, {meta['size']} sets, "
              f"effective sample size {meta['effective_sample_size']} (floor {meta['effective_sample_size_floor']}); "
              f"{len(meta['pinned'])} of {len(result.knowledge)} parameters pinned down (knowledge.csv)")
    if result.installed:
        print(f"installed as {result.installed}")
    return 0


def _calibrate_ensemble(args) -> int:
    from passend.experiments import api

    result = api.calibrate_ensemble(args.population or 100, args.generations or 6, args.scale or 0.02, args.prior_width,
                                    args.sampler, args.jobs, args.seed, args.quantile, args.out, args.install,
                                    progress=True, command="passend " + " ".join(sys.argv[1:]))
    meta = result.description
    for path in result.written:
        print(f"written: {path}")
    print(f"{meta['size']} parameter sets, effective sample size {meta['effective_sample_size']}, "
          f"{meta['runs']} runs in {meta['seconds']} s; median share of the ensemble within each target's tolerance "
          f"{meta['within_tolerance_median_share']:.0%}")
    if result.installed:
        print(f"installed as {result.installed}")
    return 0


def cmd_benchmark(args) -> int:
    from passend.experiments.benchmark import benchmark, check_benchmark, check_profile_out, profile, sweep_benchmark

    check_benchmark(args.scales + [args.sweep_scale], args.end, args.seed, args.runs)
    if args.profile:
        scale = args.scales[0]
        out = args.profile_out or Path(f"{default_folder(f'profile-scale{scale:g}')}.html")
        check_profile_out(out)  # before the profiling, not after it
        profile(scale, args.end, args.seed, out)
        return 0
    if args.sweep:
        sweep_benchmark(args.runs, args.sweep_scale, args.end)
        return 0
    for scale in args.scales:
        benchmark(scale, args.end, args.seed)
    return 0


def cmd_compare(args) -> int:
    from passend.experiments.api import compare
    from passend.experiments.scenarios import alternative, get_scenario

    base = get_scenario(args.base, "BASE")  # resolved here so that errors name the command's arguments
    alt = alternative(base, args.reform)
    out = args.out if args.out is not None or args.resume else default_folder(f"compare-{Path(args.reform).stem}")
    result = compare(base, alt, args.seeds, args.scale, args.start, args.end, args.root_seed, args.jobs,
                     args.scheduler, progress=True, out=out, resume=args.resume, uncertainty=args.uncertainty,
                     parameter_sets=args.parameter_sets, ensemble=args.ensemble, decompose=args.decompose,
                     yes=args.yes)
    comparison = result.comparison
    runs = 2 * len(comparison.pairs)
    print(f"{runs} runs in {comparison.seconds:.0f} s ({comparison.backend}); report: {result.folder / 'report.md'}")
    return 0


def cmd_sweep(args) -> int:
    from passend.experiments.api import sweep
    from passend.experiments.sweep import TABLE

    table = sweep(args.spec, args.out, args.jobs, args.scheduler, args.resume, args.csv, not args.quiet, args.yes)
    ok, failed = int((table["status"] == "ok").sum()), int((table["status"] != "ok").sum())
    info = table.attrs
    print(f"{ok}/{len(table)} runs ok, {failed} failed; {info['ran_now']} run now in {info['seconds']:.0f} s "
          f"({info['backend']}); table: {Path(info['folder']) / TABLE}")
    return 0 if failed == 0 else 1


def cmd_sensitivity(args) -> int:
    from passend.experiments.api import RunsFailed, sensitivity

    try:
        indices = sensitivity(args.spec, args.out, args.jobs, args.scheduler, args.resume, args.csv, not args.quiet,
                              args.yes)
    except RunsFailed as failed:
        print(failed, file=sys.stderr)
        return 1
    for path in indices.attrs["written"]:
        print(f"written: {path}")
    return 0


def cmd_discover(args) -> int:
    from passend.experiments.api import discover

    out = args.out or default_folder(f"discover-{args.sweep_folder.name}")
    found = discover(args.sweep_folder, args.where, out, args.min_coverage, args.mass_min)
    print(found.summary)
    print(f"written to {out}")
    return 0


def cmd_scenarios(args) -> int:
    from passend.experiments.scenarios import registry_listing

    for name, description in registry_listing()[1]:
        print(f"{name:28s} {description}")
    return 0


def cmd_reforms(args) -> int:
    from passend.experiments.scenarios import registry_listing

    for name, description in registry_listing()[0]:
        print(f"{name:28s} {description}")
    return 0


def cmd_baseline(args) -> int:
    from passend.experiments.baseline import (BASELINE_FILE, differences, in_source_checkout, read_baseline, report,
                                              simulate_baseline, write_baseline)

    if not in_source_checkout():
        print("passend baseline: a developers' tool that needs a source checkout installed with scripts/bootstrap.sh "
              "(this passend is installed from a package; nothing was run or written)", file=sys.stderr)
        return USAGE_ERROR
    if not BASELINE_FILE.exists() and not args.update:
        print(f"passend baseline: no stored baseline at {BASELINE_FILE} (--update stores one)", file=sys.stderr)
        return 1
    fresh = simulate_baseline()
    stored = read_baseline() if BASELINE_FILE.exists() else {}
    moved, missing, new = differences(stored, fresh)
    print(report(moved, missing, new, len(stored)))
    if args.update:
        write_baseline(fresh)
        print(f"stored {len(fresh)} values in {BASELINE_FILE}")
        return 0
    return 1 if (moved or missing or new) else 0


def cmd_dashboard(args) -> int:
    """Serve the dashboard with Solara's server (a child process, so the model layers never import the page). The
    server ends with this command however it ends: Ctrl-C, SIGINT or SIGTERM sent to this process alone (``kill PID``)
    stop it, and on Linux the kernel ends it with SIGTERM if this process is killed outright (SIGKILL)."""
    import signal
    import subprocess

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"passend dashboard: warning: listening on {args.host}; anyone who can reach this machine on that "
              "network can use the dashboard", file=sys.stderr)
    print(f"passend dashboard: http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "passend.dashboard.app", "--host", args.host,
               "--port", str(args.port), "--production", "--no-open"]

    def stop(signum, frame):  # SIGTERM or SIGHUP to this process: stop the server as Ctrl-C does
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    server = subprocess.Popen(command, preexec_fn=_dies_with_parent(signal.SIGTERM))
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print("passend dashboard: stopped")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _dies_with_parent(signum: int):
    """A ``preexec_fn`` that asks Linux to send ``signum`` to the child when this process dies, even by SIGKILL
    (prctl PR_SET_PDEATHSIG; the process's main thread starts the child, so the signal comes when the process goes).
    Elsewhere, or if libc cannot be reached, None: SIGINT and SIGTERM still stop the child through the handlers."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import os

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child may only call it
    except (OSError, AttributeError):
        return None
    parent, PR_SET_PDEATHSIG = os.getpid(), 1

    def in_the_child() -> None:
        prctl(PR_SET_PDEATHSIG, signum)
        if os.getppid() != parent:  # the parent died before the request was made: go now
            os._exit(1)

    return in_the_child


COMMANDS = {
    "baseline": cmd_baseline,
    "dashboard": cmd_dashboard,
    "run": cmd_run,
    "validate": cmd_validate,
    "calibrate": cmd_calibrate,
    "benchmark": cmd_benchmark,
    "discover": cmd_discover,
    "scenarios": cmd_scenarios,
    "reforms": cmd_reforms,
    "compare": cmd_compare,
    "sweep": cmd_sweep,
    "sensitivity": cmd_sensitivity,
}

if __name__ == "__main__":
    sys.exit(main())
