"""The journal of finished runs: what lets a command of many runs (compare, validate, sweep, sensitivity, calibrate)
be stopped at any moment and resumed, losing no finished run and giving the results an uninterrupted command gives.

A journal is two files side by side:

* ``journal.json``: the **identity** of the work (everything that makes its runs what they are: scenarios, settings,
  seeds, a sweep's spec). A resume must present the same identity; another is refused, naming where they differ.
* the **records** (``runs.jsonl`` of a sweep, ``runs.jsonl.gz`` in a comparison's or validation's ``OUT.runs/``):
  one record per finished run, appended the moment it finishes and synced to disk, so a crash loses no finished run.
  Every record carries its ``run_id`` (the run's place in the work); when a run is recorded twice (a sweep reruns
  its failed runs) the last record counts.

Records are data, never code: JSON, checked on reading. Two kinds of record share the file format
(:data:`ROWS`, :data:`RUN_OUTPUTS`):

* :data:`ROWS`: a JSON object per line, written as is: a sweep's ``runs.jsonl`` (a documented output file: each line
  is the run's row of ``runs.parquet``) and a calibration's evaluations.
* :data:`RUN_OUTPUTS`: a whole :class:`passend.model.recorder.RunOutput` (settings, the tables as lists of rows, the
  pupils' arrays, the mechanical books) as one JSON line, each line its own gzip member. Arrays are their
  little-endian bytes in base64 with their dtype and length, so they come back exactly, dtype and all (decimal text
  would need 17 digits for a float32 to round-trip, and is four times larger). A record of a run at scale 0.1 is
  6.5 MB of JSON, 1.2 MB compressed; the pickle it replaces was 6.0 MB.

Reading tells three cases apart. A record cut short by a kill (the last line without its end; a last gzip member
without its end) is ignored: its run counts as not done, and the next append starts where the last whole record
ends. Any whole record that is not valid (not JSON, not this kind of record, a run this work does not have, a run
with other settings) is refused with a :class:`~passend.engine.errors.ConfigError` naming the file: a command never
runs on a journal it cannot trust. (Bytes damaged inside the last gzip member can look like a member cut short; that
record is then taken as torn and its run runs again. Damage anywhere else fails the member's checks or its JSON.)
"""

from __future__ import annotations

import base64
import datetime as dt
import binascii
import gzip
import json
import math
import os
import zlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from passend.engine.errors import ConfigError
from passend.engine.settings import RunSettings
from passend.experiments.scenarios import read_input_bytes
from passend.model.recorder import RunOutput

IDENTITY = "journal.json"
"""The file beside the records that holds the identity of the work."""
MAX_IDENTITY_BYTES = 100_000_000
"""The largest identity read (a sweep of a million points has one of some tens of megabytes)."""


# --- kinds of record ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordKind:
    """How one kind of record is written and read.

    Attributes:
        file_name: the records file's usual name.
        compressed: each record is its own gzip member (the file is a valid multi-member gzip file).
        encode: the record's JSON object (a dict with ``run_id``) from what a run returned and its run id.
        decode: what a run returned, from a JSON object already checked against the work (raises ValueError,
            TypeError or KeyError when the object is not this kind of record).
    """

    file_name: str
    compressed: bool
    encode: Callable[[int, Any], dict]
    decode: Callable[[dict], Any]


def _plain_number(value):
    """numpy's scalars as the Python numbers they equal (JSON knows no others)."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a number JSON can hold")


def _row_record(run_id: int, row: dict) -> dict:
    if row.get("run_id") != run_id:
        raise ValueError(f"a row recorded as run {run_id} has run_id {row.get('run_id')!r}")
    return row


ROWS = RecordKind("runs.jsonl", compressed=False, encode=_row_record, decode=lambda record: record)
"""A row of plain values per run, written as is (a sweep's ``runs.jsonl``, a calibration's evaluations)."""

ARRAY_DTYPES = ("bool", "int8", "int16", "int32", "int64", "float32", "float64")
"""The dtypes a recorded array may have (those of ``Recorder.pupils_with_a_need``, and their neighbours)."""
SCALARS = (str, int, float, bool, type(None))
TABLES = ("counts", "school_years", "months", "alliances")


def _array_record(array: np.ndarray) -> dict:
    dtype = array.dtype.name
    if dtype not in ARRAY_DTYPES or array.ndim != 1:
        raise TypeError(f"an array of {dtype} with {array.ndim} dimensions (allowed: one dimension of "
                        + ", ".join(ARRAY_DTYPES) + ")")
    data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    return {"dtype": dtype, "length": len(array), "base64": base64.b64encode(data.tobytes()).decode("ascii")}


def _array(record: dict) -> np.ndarray:
    if set(record) != {"dtype", "length", "base64"} or record["dtype"] not in ARRAY_DTYPES:
        raise ValueError(f"an array needs dtype (one of {', '.join(ARRAY_DTYPES)}), length and base64")
    dtype = np.dtype(record["dtype"]).newbyteorder("<")
    data = base64.b64decode(record["base64"], validate=True)
    if not isinstance(record["length"], int) or len(data) != record["length"] * dtype.itemsize:
        raise ValueError(f"an array of {record['length']!r} {dtype.name} values holds {len(data)} bytes")
    array = np.frombuffer(data, dtype=dtype).astype(dtype.newbyteorder("="))
    if dtype.kind == "b" and np.frombuffer(data, dtype=np.uint8).max(initial=0) > 1:
        raise ValueError("a bool array holds bytes other than 0 and 1")
    return array


def _table(rows) -> list[dict]:
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise TypeError("a table is a list of rows (JSON objects)")
    for row in rows:
        if not all(isinstance(value, SCALARS) for value in row.values()):
            raise TypeError("a row holds only text, numbers, true/false and null")
    return rows


def _run_output_record(run_id: int, output: RunOutput) -> dict:
    record = {"run_id": run_id, "settings": output.settings.to_dict()}
    for field in fields(RunOutput):
        if field.name == "settings":
            continue
        value = getattr(output, field.name)
        if field.name == "pupils" and value is not None:
            value = {name: _array_record(array) for name, array in value.items()}
        record[field.name] = value
    return record


def _run_output(record: dict) -> RunOutput:
    names = {"run_id", *(f.name for f in fields(RunOutput))}
    if set(record) != names:
        raise ValueError("a run's output has the fields " + ", ".join(sorted(names)))
    settings = record["settings"]
    if not isinstance(settings, dict) or set(settings) != {"seed", "scale", "start", "end"}:
        raise ValueError("settings need seed, scale, start and end")
    settings = RunSettings(seed=settings["seed"], scale=settings["scale"], start=_date(settings["start"]),
                           end=_date(settings["end"]))
    pupils = record["pupils"]
    if pupils is not None:
        if not isinstance(pupils, dict):
            raise TypeError("pupils is null or an object of arrays")
        pupils = {str(name): _array(array) for name, array in pupils.items()}
    numbers = record["wall_seconds"], record["pupil_months"]
    if not isinstance(numbers[0], (int, float)) or not isinstance(numbers[1], int) or isinstance(numbers[1], bool):
        raise TypeError("wall_seconds is a number and pupil_months a whole number")
    return RunOutput(settings, *(_table(record[name]) for name in TABLES), float(numbers[0]), numbers[1], pupils,
                     None if record["mechanical"] is None else _table(record["mechanical"]))


def _date(text) -> dt.date:
    if not isinstance(text, str):
        raise TypeError("a date is text, YYYY-MM-DD")
    return dt.date.fromisoformat(text)


RUN_OUTPUTS = RecordKind("runs.jsonl.gz", compressed=True, encode=_run_output_record, decode=_run_output)
"""A whole RunOutput per run, compressed (a comparison's and a validation's ``OUT.runs/runs.jsonl.gz``)."""


# --- reading and writing ----------------------------------------------------------------------------------------------
def _lines(data: bytes) -> Iterator[tuple[bytes, int]]:
    """Each whole line (without its end) and the offset where it ends; a last line without its end is torn."""
    start = 0
    while (end := data.find(b"\n", start)) >= 0:
        yield data[start:end], end + 1
        start = end + 1


def _members(data: bytes) -> Iterator[tuple[bytes, int]]:
    """Each whole gzip member's content and the offset where the member ends; a last member without its end is
    torn. Raises zlib.error where a member should start and none does."""
    start = 0
    while start < len(data):
        member = zlib.decompressobj(wbits=31)  # 31: a gzip header and trailer (with the content's CRC) around it
        content = member.decompress(data[start:])
        if not member.eof:
            return
        end = len(data) - len(member.unused_data)
        yield content, end
        start = end


@dataclass
class Journal:
    """The finished runs of one piece of work, and where to append the next (see the module docstring).

    Open one with :meth:`start` or :meth:`resume`; :attr:`finished` holds what runs returned (run id -> result);
    :meth:`record` appends a run the moment it finishes.
    """

    records: Path
    kind: RecordKind
    expected: Sequence[dict] | None  # per run id, the fields its record must have (None: any run id >= 0)
    finished: dict[int, Any]

    @classmethod
    def start(cls, records: Path, identity: dict, kind: RecordKind, expected: Sequence[dict]) -> "Journal":
        """A new journal of the work ``identity`` names, with no run finished yet. ``expected[i]``: fields run
        ``i``'s record must have (its ``run_id`` and what says which run it is, such as its seed)."""
        records.parent.mkdir(parents=True, exist_ok=True)
        _write_whole(records.parent / IDENTITY, json.dumps(_as_json(identity), indent=1).encode())
        records.write_bytes(b"")
        return cls(records, kind, expected, {})

    @classmethod
    def resume(cls, records: Path, identity: dict, kind: RecordKind, expected: Sequence[dict], what: str) -> "Journal":
        """The journal an interrupted command left, with its finished runs read back. Refused (ConfigError) when
        there is none, when its identity is not ``identity`` (``what`` says in words what must be the same), or when
        a whole record in it is not a run of this work."""
        path = records.parent / IDENTITY
        if not os.path.lexists(path):
            raise ConfigError("--resume", str(records.parent), "the folder of an interrupted command, with its "
                              f"{IDENTITY} (this one has none)")
        try:  # a regular file (a FIFO or a link to /dev/zero planted in a shared folder is refused, not read)
            kept = json.loads(read_input_bytes(path, "--resume", f"the {IDENTITY} an interrupted command wrote",
                                               MAX_IDENTITY_BYTES))
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise ConfigError("--resume", str(path), "the identity of the interrupted work as JSON "
                              f"({_one_line(error)})") from None
        differs = _first_difference(kept, _as_json(identity))
        if differs is not None:
            raise ConfigError("--resume", str(records.parent), f"the same {what} as the interrupted command (its "
                              f"{IDENTITY} differs at {differs})")
        journal = cls(records, kind, expected, {})
        journal.finished, whole = journal._read()
        with open(records, "r+b") as file:  # a record torn by a kill goes, so the next starts on a boundary
            file.truncate(whole)
        return journal

    def _read(self) -> tuple[dict[int, Any], int]:
        """(the finished runs, the length of the file up to the end of its last whole record)."""
        exists = os.path.lexists(self.records)
        data = read_input_bytes(self.records, "--resume", "the journal an interrupted command wrote", None) if exists \
            else b""
        frames = _members(data) if self.kind.compressed else _lines(data)
        finished, whole, read = {}, 0, 0
        try:
            for content, end in frames:
                record = json.loads(content)
                run_id = record.get("run_id") if isinstance(record, dict) else None
                self._check(run_id, record)
                finished[run_id] = self.kind.decode(record)
                read, whole = read + 1, end
        except (ValueError, TypeError, KeyError, RecursionError, zlib.error, binascii.Error) as error:
            where = f"{'record' if self.kind.compressed else 'line'} {read + 1} of {self.records.name}"
            raise ConfigError("--resume", where, "a journal whose whole records are each a finished run of this "
                              f"work ({_one_line(error)}); move the journal away to start over",
                              str(self.records)) from None
        return finished, whole

    def _check(self, run_id, record: dict) -> None:
        """A record of a run this work has, with the fields that say which run it is."""
        runs = len(self.expected) if self.expected is not None else math.inf
        if isinstance(run_id, bool) or not isinstance(run_id, int) or not 0 <= run_id < runs:
            raise ValueError(f"run_id {run_id!r} is not a run of this work (0 to {runs - 1})")
        for key, value in (self.expected[run_id] if self.expected is not None else {}).items():
            if _as_json(record.get(key)) != _as_json(value):
                raise ValueError(f"run {run_id} has {key} {record.get(key)!r}, this work's run {run_id} has {value!r}")

    def record(self, run_id: int, result: Any) -> None:
        """Append a finished run, on disk before this returns (a crash after it keeps the run)."""
        line = json.dumps(self.kind.encode(run_id, result), default=_plain_number).encode() + b"\n"
        if self.kind.compressed:
            line = gzip.compress(line, compresslevel=6, mtime=0)
        with open(self.records, "ab") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())
        self.finished[run_id] = result


def read_records(records: Path, kind: RecordKind = None) -> dict[int, Any]:
    """The last record of each run in a records file (default kind: :data:`ROWS`, as a sweep's ``runs.jsonl``),
    without checking them against a work: for reading what a sweep finished, or how far a command got. A torn last
    record is left out; a whole one that is not a record of that kind is refused (ConfigError naming the file)."""
    return Journal(records, kind or ROWS, None, {})._read()[0]


# --- helpers ------------------------------------------------------------------------------------------------------------
def _as_json(value):
    """``value`` as JSON reads it back (tuples as lists, dates as text, numpy numbers as Python ones)."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value):
    try:
        return _plain_number(value)
    except TypeError:
        return str(value)


def _first_difference(a, b, path: str = "") -> str | None:
    """Where two JSON values first differ (``settings[2].seed``), or None when they are equal (NaN equals NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{path}.{key}".lstrip(".")
            found = _first_difference(a[key], b[key], f"{path}.{key}")
            if found is not None:
                return found.lstrip(".")
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path} (length {len(a)} against {len(b)})".lstrip(".")
        for i, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found is not None:
                return found.lstrip(".")
        return None
    same_nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    return None if a == b and type(a) is type(b) or same_nan else (path.lstrip(".") or "the top")


def _write_whole(path: Path, data: bytes) -> None:
    """Write a file so that it exists either whole or not at all."""
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)


def _one_line(error: Exception) -> str:
    return f"{type(error).__name__}: {error}".replace("\n", " ")
