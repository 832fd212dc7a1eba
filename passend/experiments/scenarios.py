"""Scenarios and reforms as data: TOML files, checked whole before anything runs.

A **reform** is a named set of overlays on the dated policy timeline (``registry/reforms/<name>.toml``). A
**scenario** names a base scenario, the reforms applied on top of it, behaviour-parameter changes and default run
settings (``registry/scenarios/<name>.toml``, or any file a user passes). The file formats are in
``registry/README.md``. Every mistake raises :class:`ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from passend.engine.behaviour import Behaviour
from passend.engine.errors import ConfigError
from passend.engine.policy import PolicyTimeline
from passend.engine.settings import RunSettings

TYPE_NAMES = {str: "text", dict: "a table", list: "a list", int: "a number", float: "a number",
              dt.date: "a date (YYYY-MM-DD)"}
REFORM_KEYS = {"description": str, "source": str, "policy": dict}
POLICY_KEYS = {"values": dict, "why": str}
SCENARIO_KEYS = {"description": str, "base": str, "reforms": list, "behaviour": dict, "settings": dict}
SETTING_KEYS = {"scale": (int, float), "start": (dt.date, str), "end": (dt.date, str), "seed": int}


@dataclass(frozen=True)
class Reform:
    """Overlays on the policy timeline: parameter -> {date: value}, applied in file order."""

    name: str
    description: str
    source: str
    overlays: dict[str, dict[dt.date, Any]]
    where: str
    why: dict[str, str] = field(default_factory=dict)

    def apply(self, policy: PolicyTimeline) -> PolicyTimeline:
        for parameter, values in self.overlays.items():
            policy = policy.with_values(parameter, values, self.where)
        return policy


@dataclass(frozen=True)
class Scenario:
    """A base scenario's reforms, behaviour and settings, with this scenario's own on top."""

    name: str
    description: str
    reforms: tuple[Reform, ...] = ()
    behaviour_changes: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    where: str = ""

    def build(self) -> tuple[PolicyTimeline, Behaviour]:
        """The policy timeline and behaviour of this scenario (validated)."""
        policy = PolicyTimeline.baseline()
        for reform in self.reforms:
            policy = reform.apply(policy)
        return policy, Behaviour(self.behaviour_changes, self.where or None)

    def with_reform(self, reform: Reform) -> "Scenario":
        return Scenario(f"{self.name}+{reform.name}", f"{self.description}; with {reform.description}",
                        self.reforms + (reform,), self.behaviour_changes, self.settings, self.where)

    def run_settings(self, seed: int | None = None, scale: float | None = None, start: dt.date | None = None,
                     end: dt.date | None = None) -> RunSettings:
        """Settings for a run: the arguments given, else the scenario's, else the model's defaults."""
        given = {"seed": seed, "scale": scale, "start": start, "end": end}
        merged = {**self.settings, **{k: v for k, v in given.items() if v is not None}}
        return RunSettings(**merged)

    def to_dict(self) -> dict:
        """Plain data for manifests and reports."""
        return {
            "name": self.name, "description": self.description, "file": self.where or None,
            "reforms": [{"name": r.name, "description": r.description, "source": r.source, "file": r.where}
                        for r in self.reforms],
            "behaviour_changes": self.behaviour_changes,
            "settings": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.settings.items()},
        }


# --- reading files ------------------------------------------------------------------------------------------------
def _registry_folder(kind: str):
    return resources.files("passend.experiments") / "registry" / kind


MAX_INPUT_BYTES = 1_000_000
"""The largest input file read (a scenario, reform or spec is a few kilobytes; a megabyte is more than any needs)."""
MAX_TOML_DEPTH = 16
"""The deepest nesting of tables and lists accepted in an input file (the formats need five at most)."""
MAX_BASE_CHAIN = 32
"""The longest chain of base scenarios followed."""


def read_input_bytes(path, field: str = "file", what: str = "a TOML file",
                     limit: int | None = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a user's input file, checked before they are read: a regular file (not a folder, a FIFO that would
    wait forever, or a device such as /dev/zero behind a link), at most ``limit`` bytes (None: no limit, for a file
    passend wrote itself, such as a journal). Every problem is a ConfigError naming ``field`` and the path. Files
    inside the package (a registry's Traversable) are read as they are."""
    if not isinstance(path, (str, os.PathLike)):
        return path.read_bytes()  # the package's own registry: not a user's file
    try:
        info = os.stat(path)  # follows links: a link to /dev/zero is a device
    except FileNotFoundError:
        raise ConfigError(field, str(path), f"an existing file: {what}") from None
    except OSError as err:
        raise ConfigError(field, str(path), f"{what} this user can read ({err.strerror or err})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(field, str(path), f"{what}, not a folder") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode) or \
            stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file"
        raise ConfigError(field, str(path), f"{what} that is a regular file (this one is {kind})")
    if limit is not None and info.st_size > limit:
        raise ConfigError(field, str(path), f"{what} of at most {limit:,} bytes (this one has {info.st_size:,})")
    try:  # O_NONBLOCK: a file swapped for a FIFO since the check above cannot make the open wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        raise ConfigError(field, str(path), f"{what} this user can read ({err.strerror or err})") from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise ConfigError(field, str(path), f"{what} that is a regular file")
        data = file.read(-1 if limit is None else limit + 1)
    if limit is not None and len(data) > limit:
        raise ConfigError(field, str(path), f"{what} of at most {limit:,} bytes")
    return data


def _depth(data) -> int:
    """How deeply tables and lists nest in parsed TOML (without recursion, so any depth can be measured)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        value, depth = todo.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            todo += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            todo += [(v, depth + 1) for v in value]
    return deepest


def read_toml(path, where: str) -> dict:
    """A TOML file as a table: a regular file of at most a megabyte, read as UTF-8 (a byte-order mark is allowed),
    nested at most :data:`MAX_TOML_DEPTH` deep, never empty; every problem a ConfigError that names the file."""
    raw = read_input_bytes(path)
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some Windows editors write, is not part of the text
    except UnicodeDecodeError as err:
        raise ConfigError("file", str(path), f"a text file in UTF-8 (byte {err.start} is not UTF-8)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError("TOML syntax", str(err), "a valid TOML file (https://toml.io)", where) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables by recursion
        raise ConfigError("file", str(path), f"a TOML file whose tables and lists nest at most {MAX_TOML_DEPTH} deep",
                          where) from None
    if _depth(data) > MAX_TOML_DEPTH:
        raise ConfigError("file", str(path), f"a TOML file whose tables and lists nest at most {MAX_TOML_DEPTH} deep",
                          where)
    if not data:
        raise ConfigError("file", str(path), "a TOML file with at least one key (this one is empty)", where)
    return data


def check_keys(table: dict, allowed: dict[str, type | tuple], prefix: str, where: str) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{prefix}{key}", value, "one of the keys: " + ", ".join(allowed), where)
        kinds = allowed[key] if isinstance(allowed[key], tuple) else (allowed[key],)
        if isinstance(value, bool) or not isinstance(value, kinds):
            names = dict.fromkeys(TYPE_NAMES[k] for k in kinds)
            raise ConfigError(f"{prefix}{key}", value, " or ".join(names), where)


def parse_date(text: Any, key: str, where: str) -> dt.date:
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ConfigError(key, text, "a date that exists, written YYYY-MM-DD", where) from None


def read_reform(path, name: str | None = None) -> Reform:
    """A reform file, checked: keys, parameters, dates and values."""
    where = str(path)
    data = read_toml(path, where)
    check_keys(data, REFORM_KEYS, "", where)
    if not data.get("policy"):
        raise ConfigError("policy", data.get("policy"), "at least one [policy.<parameter>] table with values", where)
    baseline = PolicyTimeline.baseline()
    overlays, why = {}, {}
    for parameter, table in data["policy"].items():
        prefix = f"policy.{parameter}."
        if not isinstance(table, dict):
            raise ConfigError(f"policy.{parameter}", table, "a table with 'values' (and optionally 'why')", where)
        check_keys(table, POLICY_KEYS, prefix, where)
        if "values" not in table:
            raise ConfigError(f"{prefix}values", None, "a table from dates (YYYY-MM-DD) to values", where)
        values = {parse_date(d, f"{prefix}values", where): v for d, v in table["values"].items()}
        baseline.with_values(parameter, values, where)  # checks name, dates and values now
        overlays[parameter] = values
        why[parameter] = table.get("why", "")
    return Reform(name or Path(str(path)).stem, data.get("description", ""), data.get("source", ""), overlays, where, why)


def read_scenario(path, name: str | None = None, _seen: tuple[str, ...] = ()) -> Scenario:
    """A scenario file with its base chain, checked whole."""
    where = str(path)
    # the file itself, however it was named (sub/../a.toml, a link), so that a base naming itself is found
    key = os.path.realpath(path) if isinstance(path, (str, os.PathLike)) else where
    if key in _seen:
        raise ConfigError("base", where, "a chain of base scenarios without a loop (this file is its own base, "
                          "directly or through others)", str(_seen[-1]) if _seen else None)
    if len(_seen) >= MAX_BASE_CHAIN:
        raise ConfigError("base", where, f"a chain of at most {MAX_BASE_CHAIN} base scenarios", where)
    data = read_toml(path, where)
    check_keys(data, SCENARIO_KEYS, "", where)
    base = Scenario("baseline", "")
    if "base" in data:
        base = resolve_scenario(data["base"], Path(where).parent, where, _seen + (key,))
    reforms = []
    for i, entry in enumerate(data.get("reforms", [])):
        if not isinstance(entry, str):
            raise ConfigError(f"reforms[{i}]", entry, "a reform name or the path of a reform file", where)
        reforms.append(_resolve_reform(entry, Path(where).parent, where))
    behaviour = {**base.behaviour_changes, **data.get("behaviour", {})}
    Behaviour(behaviour, where)  # unknown names, types and bounds
    settings = {**base.settings, **read_settings(data.get("settings", {}), where)}
    try:
        RunSettings(**settings)
    except ConfigError as err:
        raise ConfigError(f"settings.{err.field}", err.value, err.allowed, where) from None
    return Scenario(name or Path(where).stem, data.get("description", ""), base.reforms + tuple(reforms),
                    behaviour, settings, where)


def read_settings(table: dict, where: str) -> dict:
    check_keys(table, SETTING_KEYS, "settings.", where)
    return {k: parse_date(v, f"settings.{k}", where) if k in ("start", "end") else v for k, v in table.items()}


def _registered(kind: str) -> dict[str, Any]:
    folder = _registry_folder(kind)
    return {e.name[:-5]: e for e in sorted(folder.iterdir(), key=lambda e: e.name) if e.name.endswith(".toml")}


def _resolve_reform(text: str, folder: Path, where: str) -> Reform:
    if text.endswith(".toml"):
        return read_reform(folder / text)
    if text not in REFORM_FILES:
        raise ConfigError("reforms", text, "a registered reform (" + ", ".join(REFORM_FILES) + ") or a reform file", where)
    return read_reform(REFORM_FILES[text], text)


def resolve_scenario(text: str, folder: Path, where: str | None, seen: tuple[str, ...] = (),
                     field: str = "base") -> Scenario:
    if text.endswith(".toml"):
        return read_scenario(folder / text, _seen=seen)
    if text in SCENARIO_FILES:
        return read_scenario(SCENARIO_FILES[text], text, seen)
    if text in REFORM_FILES:  # a registered reform on its own: the default scenario with that reform
        return get_scenario("default").with_reform(read_reform(REFORM_FILES[text], text))
    allowed = (f"a registered scenario ({', '.join(SCENARIO_FILES)}), a registered reform ({', '.join(REFORM_FILES)}) "
               "or a scenario file (.toml)")
    raise ConfigError(field, text, allowed, where)


REFORM_FILES = _registered("reforms")
SCENARIO_FILES = _registered("scenarios")


# --- what the commands use -----------------------------------------------------------------------------------------
def get_scenario(text: str, field: str = "--scenario") -> Scenario:
    """A registered scenario, a registered reform (applied to the default scenario), or a scenario file; errors
    name ``field``, the option or argument it came from."""
    return resolve_scenario(text, Path.cwd(), None, field=field)


def alternative(base: Scenario, text: str, field: str = "REFORM") -> Scenario:
    """What ``passend compare BASE REFORM`` compares with the base: the base plus a reform (registered or a reform
    file, i.e. one with [policy] tables), or another scenario."""
    if text in REFORM_FILES or text.endswith(".toml") and "policy" in read_toml(Path(text), text):
        return base.with_reform(_resolve_reform(text, Path.cwd(), None))
    return get_scenario(text, field)


def registry_listing() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, description) of every registered reform and scenario."""
    reforms = [(name, read_reform(path, name).description) for name, path in REFORM_FILES.items()]
    scenarios = [(name, read_scenario(path, name).description) for name, path in SCENARIO_FILES.items()]
    return reforms, scenarios
