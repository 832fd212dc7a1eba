"""Scenario discovery on a sweep (``passend discover``): in which ranges of the varied parameters does an outcome of
interest happen, say thuiszitters rising under a reform or its saving disappearing?

PRIM (the patient rule induction method of Friedman and Fisher, as ``ema_workbench.analysis.prim`` implements it for
scenario discovery after Bryant and Lempert 2010) peels a box around the runs of interest, step by step, trading
**coverage** (the share of the runs of interest inside the box) for **density** (the share of the runs inside the box
that are of interest). Its peeling trajectory is every box on the way; the chosen box is the densest with at least the
coverage asked for. Each limit has a quasi-p value: the chance of a box as dense by luck without that limit (one-sided
binomial). CART (a classification tree, ``ema_workbench.analysis.cart``) is the check: a box found by both is one to
trust.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from passend.engine.errors import ConfigError

MIN_RUNS = 20
"""Fewer finished runs than this give no box worth reading."""


@dataclass
class Discovery:
    """What PRIM and CART found in a sweep for one outcome of interest."""

    folder: Path
    where: str
    parameters: list[str]
    runs: int  # finished runs analysed
    failed: int  # runs left out because they failed
    of_interest: int
    trajectory: pd.DataFrame  # one row per box: coverage, density, mass, res_dim, n, k, chosen
    chosen: int  # row of the trajectory
    box: pd.DataFrame  # one row per parameter the chosen box restricts: its limits, the full range, quasi-p values
    cart: pd.DataFrame  # CART's leaves (of interest first, by coverage): coverage, density, mass, res_dim, limits
    min_coverage: float
    ranges: dict[str, tuple[float, float]]  # each parameter's range in the sweep

    @property
    def chosen_stats(self) -> pd.Series:
        return self.trajectory.iloc[self.chosen]

    @property
    def summary(self) -> str:
        """The Markdown summary (``summary.md``)."""
        return summary(self)


SWEEP_FOLDER_ALLOWED = ("the folder of a sweep (passend sweep or passend sensitivity's screening/), with the "
                        "runs.parquet and manifest.json it wrote")


def read_sweep(folder: Path) -> tuple[pd.DataFrame, list[str], int]:
    """The finished runs of a sweep folder, the names of its varied parameters and the number of failed runs. A
    folder whose files are not what a sweep writes is a ConfigError naming SWEEP_FOLDER."""
    import pyarrow

    from passend.experiments.scenarios import read_input_bytes

    if not isinstance(folder, (str, Path)):
        raise ConfigError("SWEEP_FOLDER", folder, SWEEP_FOLDER_ALLOWED)
    folder = Path(folder)
    table_path, manifest_path = folder / "runs.parquet", folder / "manifest.json"
    if not table_path.is_file() or not manifest_path.is_file():
        raise ConfigError("SWEEP_FOLDER", str(folder), SWEEP_FOLDER_ALLOWED)
    try:
        manifest = json.loads(read_input_bytes(manifest_path, "SWEEP_FOLDER", "a sweep's manifest.json"))
        parameters = [str(p["name"]) for p in manifest["spec"]["parameters"]]
        table = pd.read_parquet(table_path)
        ok = table[table["status"] == "ok"].reset_index(drop=True)
        missing = [p for p in parameters if p not in ok.columns]
    except (ValueError, TypeError, KeyError, IndexError, RecursionError, OSError, pyarrow.ArrowException) as error:
        raise ConfigError("SWEEP_FOLDER", str(folder), f"{SWEEP_FOLDER_ALLOWED} ({type(error).__name__}: "
                          f"{str(error)[:200]})".replace("\n", " ")) from None
    if missing:
        raise ConfigError("SWEEP_FOLDER", str(folder), f"{SWEEP_FOLDER_ALLOWED} (its table has no column "
                          f"{missing[0]!r}, a parameter its manifest names)")
    if len(ok) < MIN_RUNS:
        raise ConfigError("SWEEP_FOLDER", str(folder), f"a sweep with at least {MIN_RUNS} finished runs (this one has "
                          f"{len(ok)})")
    varied = [p for p in parameters if ok[p].nunique() > 1]
    if not varied:
        raise ConfigError("SWEEP_FOLDER", str(folder), "a sweep that varies at least one parameter")
    return ok, varied, len(table) - len(ok)


def of_interest(table: pd.DataFrame, where: str) -> np.ndarray:
    """The runs for which ``where`` (an expression over the table's columns in the language of ``--where``:
    :data:`WHERE_GRAMMAR`) is true; it must be true in some and false in others."""
    value = where_holds(table, where)
    hits = int(value.sum())
    if hits in (0, len(value)):
        raise ConfigError("--where", where, f"an expression true in some runs and false in others (it is "
                          f"{'false' if hits == 0 else 'true'} in all {len(value)} finished runs)")
    return value


# --- the language of --where ----------------------------------------------------------------------------------------
# Why a hand-written parser, not pandas' eval/query or Python's own parser with a whitelist of node types: an
# expression typed or pasted by a user (or planted in a shared sweep folder's notes) is data, never code. pandas' eval
# with the python engine reaches any object through '@' and attributes; Python's parser would make
# `policy.rugzak_school_eur` (a column of a sweep that varies a law value) an attribute access, the very thing to
# refuse, and its recursion on deep input is not ours to bound. Here the only things an expression can name are the
# table's numeric columns, and the only operations are those below; nothing is compiled or evaluated by Python, so
# there is nothing to escape into. Length and nesting are bounded, so no input can exhaust the stack.
WHERE_MAX_CHARACTERS = 1000
"""The longest --where accepted (a question about a sweep fits in a line or two)."""
WHERE_MAX_DEPTH = 30
"""The deepest nesting of parentheses and operators accepted."""
WHERE_GRAMMAR = ("column names (as in the sweep table, e.g. so_2016 or policy.rugzak_school_eur; `backticks` around "
                 "a name are allowed), numbers (1, 2.5, 1e6), arithmetic (+ - * / // % **), comparisons (< <= > >= == "
                 "!=), and/or/not (also & | ~) and parentheses; nothing else (no calls, attributes, subscripts, "
                 "strings or @)")

_TOKEN = re.compile(r"""\s*(?:
    (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | `(?P<quoted>[^`]{1,200})`
  | (?P<op>\*\*|//|<=|>=|==|!=|[-+*/%<>()&|~])
)""", re.VERBOSE)
_WORDS = {"and": "and", "or": "or", "not": "not", "&": "and", "|": "or", "~": "not"}
_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
            "!=": np.not_equal}
_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "//": np.floor_divide,
               "%": np.mod, "**": np.power}


class _Where:
    """A recursive-descent parser that evaluates as it parses, on the table's columns as float arrays.

    Grammar (loosest first)::

        or     := and (("or" | "|") and)*
        and    := not (("and" | "&") not)*
        not    := ("not" | "~") not | compare
        compare:= sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)*     a < b < c means a < b and b < c
        sum    := term (("+" | "-") term)*
        term   := unary (("*" | "/" | "//" | "%") unary)*
        unary  := ("+" | "-") unary | power
        power  := atom ("**" unary)?
        atom   := number | column | "(" or ")"
    """

    def __init__(self, text: str, columns: dict[str, np.ndarray]):
        self.text, self.columns, self.depth, self.i = text, columns, 0, 0
        self.tokens = self._tokenize(text)

    def refuse(self, why: str):
        return ConfigError("--where", self.text, f"{why}. Allowed: {WHERE_GRAMMAR}")

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens, at = [], 0
        while text[at:].strip():
            match = _TOKEN.match(text, at)
            if match is None:
                start = len(text[at:]) - len(text[at:].lstrip()) + at
                raise self.refuse(f"{text[start]!r} at character {start + 1} is not part of the language")
            kind = match.lastgroup
            value = match.group(kind)
            if kind == "quoted":
                kind = "name"
            elif kind == "name" and value in ("and", "or", "not"):
                kind = "op"
            tokens.append((kind, value))
            at = match.end()
        return tokens

    def parse(self) -> np.ndarray:
        if not self.tokens:
            raise self.refuse("an empty expression")
        value = self._or()
        if self.i < len(self.tokens):
            raise self.refuse(f"{self.tokens[self.i][1]!r} where the expression should end")
        return value

    # -- helpers
    def _peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) and self.tokens[self.i][0] == "op" else None

    def _nested(self, parse):
        self.depth += 1
        if self.depth > WHERE_MAX_DEPTH:
            raise self.refuse(f"nesting deeper than {WHERE_MAX_DEPTH} levels")
        try:
            return parse()
        finally:
            self.depth -= 1

    def _boolean(self, value, word: str) -> np.ndarray:
        if value.dtype != bool:
            raise self.refuse(f"'{word}' between numbers (it joins true/false parts, such as comparisons)")
        return value

    def _number(self, value, word: str) -> np.ndarray:
        if value.dtype == bool:
            raise self.refuse(f"'{word}' on a true/false part (compare numbers, then join the parts with and/or)")
        return value

    # -- the grammar
    def _or(self):
        value = self._and()
        while _WORDS.get(self._peek()) == "or":
            word = self.tokens[self.i][1]
            self.i += 1
            value = self._boolean(value, word) | self._boolean(self._and(), word)
        return value

    def _and(self):
        value = self._not()
        while _WORDS.get(self._peek()) == "and":
            word = self.tokens[self.i][1]
            self.i += 1
            value = self._boolean(value, word) & self._boolean(self._not(), word)
        return value

    def _not(self):
        if _WORDS.get(self._peek()) == "not":
            word = self.tokens[self.i][1]
            self.i += 1
            return ~self._boolean(self._nested(self._not), word)
        return self._compare()

    def _compare(self):
        left = self._sum()
        result = None
        while self._peek() in _COMPARE:
            op = self.tokens[self.i][1]
            self.i += 1
            right = self._sum()
            holds = _COMPARE[op](self._number(left, op), self._number(right, op))
            result = holds if result is None else result & holds
            left = right
        return left if result is None else result

    def _sum(self):
        value = self._term()
        while self._peek() in ("+", "-"):
            op = self.tokens[self.i][1]
            self.i += 1
            value = _ARITHMETIC[op](self._number(value, op), self._number(self._term(), op))
        return value

    def _term(self):
        value = self._unary()
        while self._peek() in ("*", "/", "//", "%"):
            op = self.tokens[self.i][1]
            self.i += 1
            value = _ARITHMETIC[op](self._number(value, op), self._number(self._unary(), op))
        return value

    def _unary(self):
        if self._peek() in ("+", "-"):
            op = self.tokens[self.i][1]
            self.i += 1
            operand = self._number(self._nested(self._unary), op)
            return -operand if op == "-" else operand
        return self._power()

    def _power(self):
        value = self._atom()
        if self._peek() == "**":
            self.i += 1
            value = np.power(self._number(value, "**"), self._number(self._nested(self._unary), "**"))
        return value

    def _atom(self):
        if self.i >= len(self.tokens):
            raise self.refuse("an expression that does not stop halfway")
        kind, value = self.tokens[self.i]
        self.i += 1
        if kind == "number":
            return np.float64(value) * np.ones(self._rows())
        if kind == "name":
            if value not in self.columns:
                raise ConfigError("--where", self.text, f"names of the sweep table's numeric columns ({value!r} is not "
                                  f"one; they are: {', '.join(self.columns)}). Allowed: {WHERE_GRAMMAR}")
            return self.columns[value]
        if value == "(":
            inner = self._nested(self._or)
            if self._peek() != ")":
                raise self.refuse("a '(' without its ')'")
            self.i += 1
            return inner
        raise self.refuse(f"{value!r} where a number, a column or '(' should be")

    def _rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


def where_holds(table: pd.DataFrame, where: object) -> np.ndarray:
    """Per row of ``table``, whether ``where`` holds: an expression in the small language of ``--where``
    (:data:`WHERE_GRAMMAR`) over the table's numeric columns. Anything else is a ConfigError naming ``--where`` and what
    is allowed; nothing in the expression is ever run as code."""
    if not isinstance(where, str):
        raise ConfigError("--where", where, f"an expression as text: {WHERE_GRAMMAR}")
    if len(where) > WHERE_MAX_CHARACTERS:
        raise ConfigError("--where", where[:60] + "...", f"an expression of at most {WHERE_MAX_CHARACTERS} "
                          f"characters (this one has {len(where)}): {WHERE_GRAMMAR}")
    columns = {str(name): table[name].to_numpy(dtype="float64") for name in table.columns
               if pd.api.types.is_numeric_dtype(table[name]) and not pd.api.types.is_bool_dtype(table[name])}
    with np.errstate(all="ignore"):  # x / 0 is inf and 0 / 0 NaN, as in pandas; a comparison with NaN is false
        value = _Where(where, columns).parse()
    if value.dtype != bool:
        raise ConfigError("--where", where, f"an expression that is true or false per run, such as a comparison "
                          f"(\"home_2020 > 6000\"); this one is a number. Allowed: {WHERE_GRAMMAR}")
    return value


def check_question(folder: Path, where: str, min_coverage: float = 0.5, mass_min: float = 0.05,
                   peel_alpha: float = 0.05) -> tuple[pd.DataFrame, list[str], int, np.ndarray]:
    """Every check of a discovery before its work: the options, the sweep folder and the expression. Returns the
    finished runs, the varied parameters, the number of failed runs and where the expression holds."""
    for name, value in (("--min-coverage", min_coverage), ("--mass-min", mass_min), ("--peel-alpha", peel_alpha)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value < 1.0:
            raise ConfigError(name, value, "a number between 0 and 1")
    table, parameters, failed = read_sweep(folder)
    return table, parameters, failed, of_interest(table, where)


def discover(folder: Path, where: str, min_coverage: float = 0.5, mass_min: float = 0.05,
             peel_alpha: float = 0.05) -> Discovery:
    """PRIM on the sweep in ``folder`` for the runs where ``where`` holds, and CART as a check."""
    table, parameters, failed, y = check_question(folder, where, min_coverage, mass_min, peel_alpha)
    with warnings.catch_warnings():  # the workbench warns of optional parts we do not use and of pandas' deprecations
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        warnings.filterwarnings("ignore", module="ema_workbench")
        return _discover(Path(folder), where, table, parameters, failed, y, min_coverage, mass_min, peel_alpha)


def _discover(folder: Path, where: str, table: pd.DataFrame, parameters: list[str], failed: int, y: np.ndarray,
              min_coverage: float, mass_min: float, peel_alpha: float) -> Discovery:
    from ema_workbench.analysis import cart, prim  # imported here: a few seconds, for this command only

    x = table[parameters].astype("float64")  # PRIM peels real-valued columns; whole-number ones too, as reals

    box = prim.Prim(x, y, mass_min=mass_min, peel_alpha=peel_alpha).find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int(eligible.sort_values(["density", "coverage"], ascending=False).index[0])
    trajectory["chosen"] = trajectory.index == chosen
    box.select(chosen)
    _, limits = box.inspect(chosen, style="data")[0]
    ranges = {name: (float(x[name].min()), float(x[name].max())) for name in parameters}
    rows = [{"parameter": name, "box_min": limits.loc[name].iloc[0], "box_max": limits.loc[name].iloc[1],
             "range_min": ranges[name][0], "range_max": ranges[name][1],
             "quasi_p_min": limits.loc[name].iloc[2], "quasi_p_max": limits.loc[name].iloc[3]} for name in limits.index]

    tree = cart.CART(x, y, mass_min=mass_min)
    tree.build_tree()
    leaves = tree.stats_to_dataframe().reset_index(names="leaf").rename(columns={"res dim": "res_dim"})
    for name in parameters:
        leaves[f"{name}_min"] = [b.loc[0, name] for b in tree.boxes]
        leaves[f"{name}_max"] = [b.loc[1, name] for b in tree.boxes]
    return Discovery(folder, where, parameters, len(table), failed, int(y.sum()), trajectory, chosen,
                     pd.DataFrame(rows, columns=["parameter", "box_min", "box_max", "range_min", "range_max",
                                                 "quasi_p_min", "quasi_p_max"]),
                     _leaves_of_interest_first(leaves), min_coverage, ranges)


def _leaves_of_interest_first(leaves: pd.DataFrame) -> pd.DataFrame:
    """CART's leaves, first those it classes as of interest (density above one half), the largest coverage first."""
    majority = leaves["density"] > 0.5
    return leaves.assign(of_interest=majority).sort_values(["of_interest", "coverage"], ascending=False).reset_index(drop=True)


# --- what it writes --------------------------------------------------------------------------------------------------
def write_discovery(d: Discovery, out: Path) -> Path:
    """The tables, a figure and ``summary.md`` in ``out`` (which must not exist yet); returns the summary's path."""
    from passend.experiments.figures import discovery_figure
    from passend.experiments.output import source_revision, written_whole

    with written_whole(out) as partial:  # whole or not at all; a stale .partial left by a kill goes first
        d.trajectory.to_csv(partial / "peeling_trajectory.csv", index=False)
        d.box.to_csv(partial / "box.csv", index=False)
        d.cart.to_csv(partial / "cart_leaves.csv", index=False)
        discovery_figure(d.trajectory, d.chosen, d.box, d.where, partial / "discovery.png")
        (partial / "summary.md").write_text(summary(d))
        (partial / "manifest.json").write_text(json.dumps({
            "kind": "discover", "sweep": str(d.folder), "where": d.where, "parameters": d.parameters, "runs": d.runs,
            "failed_runs_left_out": d.failed, "of_interest": d.of_interest, "min_coverage": d.min_coverage,
            "chosen_box": d.chosen, "method": "PRIM (ema_workbench.analysis.prim), CART as a check",
            "commit": source_revision(),
        }, indent=2))
    return out / "summary.md"


def _number(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _limits_in_words(parameter: str, low: float, high: float, swept: tuple[float, float]) -> str:
    """"`a` at least 0.6", "`b` at most 4" or "`c` between 0.2 and 0.5": a limit at the edge of the range swept is
    no limit."""
    if low <= swept[0]:
        return f"`{parameter}` at most {_number(high)}"
    if high >= swept[1]:
        return f"`{parameter}` at least {_number(low)}"
    return f"`{parameter}` between {_number(low)} and {_number(high)}"


def summary(d: Discovery) -> str:
    """A Markdown summary an economist can paste: the question, the box in words and as a table, and CART's check."""
    s = d.chosen_stats
    share = d.of_interest / d.runs
    lines = [
        f"# Where `{d.where}`",
        "",
        f"Sweep `{d.folder}`: {d.runs} finished runs ({d.failed} failed, left out), over "
        f"{', '.join(f'`{p}`' for p in d.parameters)}. The outcome holds in {d.of_interest} of them ({share:.0%}).",
        "",
    ]
    if d.box.empty:
        lines.append("PRIM found no box that restricts a parameter: the outcome does not cluster in the ranges swept.")
    else:
        ranges = " and ".join(_limits_in_words(r.parameter, r.box_min, r.box_max, d.ranges[r.parameter])
                              for r in d.box.itertuples())
        lines += [
            f"**It holds in {s['density']:.0%} of the runs with {ranges}** (density; {share:.0%} in all runs). "
            f"That box holds {s['coverage']:.0%} of the runs where it holds (coverage) and {s['mass']:.0%} of all "
            f"runs (mass). It is box {d.chosen} of PRIM's peeling trajectory (0 to {len(d.trajectory) - 1}): the densest "
            f"with coverage at least "
            f"{d.min_coverage:.0%}.",
            "",
            "| parameter | box | range swept | quasi-p (lower, upper limit) |",
            "|---|---|---|---|",
        ]
        for r in d.box.itertuples():
            qp = ", ".join("-" if np.isnan(p) else f"{p:.2g}" for p in (r.quasi_p_min, r.quasi_p_max))
            lines.append(f"| `{r.parameter}` | {_number(r.box_min)} to {_number(r.box_max)} | "
                         f"{_number(r.range_min)} to {_number(r.range_max)} | {qp} |")
        lines += ["", "A quasi-p value above 0.05 marks a limit the data do not support well; `-`: the limit is the "
                      "edge of the range swept."]
    leaves = d.cart[d.cart["of_interest"]]
    found = "; ".join(
        " and ".join(_limits_in_words(p, leaf[f"{p}_min"], leaf[f"{p}_max"], d.ranges[p]) for p in d.parameters
                     if (leaf[f"{p}_min"], leaf[f"{p}_max"]) != d.ranges[p]) +
        f" (density {leaf['density']:.0%}, coverage {leaf['coverage']:.0%})" for _, leaf in leaves.iterrows())
    lines += ["", f"Check (CART, a classification tree; its leaves where the outcome holds in most runs): "
                  f"{found or 'none'}.", "",
              "Figures and tables: `discovery.png` (the peeling trajectory and the box), `peeling_trajectory.csv`, "
              "`box.csv`, `cart_leaves.csv`."]
    return "\n".join(lines) + "\n"

