"""What the Compare view asks the team server and how it reads the answer: pure functions
and one request, no widgets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..answers import ExperimentMetrics
from ..client import AsyncGridClient
from ..compare import Comparison
from ..references import Ref, parse_ref
from .rows import ACTIVE

#: what the charts ask for per metric: the server keeps each curve's shape (first, last,
#: each bucket's min and max)
MAX_POINTS = 500


async def owned(client: AsyncGridClient, text: str) -> Ref:
    """``[owner:]name`` typed by a person as a run or experiment (by Grid's rule), with the
    owner filled in; ReferenceError says what is wrong with it."""
    ref = parse_ref(text.strip(), None)
    return ref if ref.owner else ref.owned(await client.whoami())


async def fetch(
    client: AsyncGridClient, refs: Sequence[Ref], max_points: int = MAX_POINTS
) -> list[ExperimentMetrics]:
    """``client.metrics(refs)``, awaited: one request for every run and experiment, answered
    in the order they were named, an experiment named twice (alone and by its run) once."""
    found = await client.metrics(list(refs), max_points=max_points)
    seen: set[tuple[str, str]] = set()
    out = []
    for e in found:
        if (e.owner, e.experiment) not in seen:
            seen.add((e.owner, e.experiment))
            out.append(e)
    return out


def running(experiments: Sequence[ExperimentMetrics]) -> int:
    """How many of them may still log points (pending or running)."""
    return sum(1 for e in experiments if e.status in ACTIVE)


def sort_choices(table: Comparison) -> list[tuple[str, str]]:
    """The sort dropdown's (label, key) pairs: as named, each param, each metric's last,
    min and max, under the names the table's header gives them."""
    choices = [("as named", "")] + [(p, p) for p in table.params]
    for m in table.metrics:
        choices += [(m, m), (f"{m} min", f"{m}:min"), (f"{m} max", f"{m}:max")]
    return choices


def column_keys(table: Comparison) -> list[str]:
    """For each column of ``table.header()``, the sort key its header sorts by ('' for
    experiment and status, which are not sort keys)."""
    keys = ["", ""] + list(table.params)
    for m in table.metrics:
        keys += [m, f"{m}:min", f"{m}:max"]
    return keys


def csv_path(folder: str | Path, name: str) -> Path:
    """Where "Download CSV" writes ``name`` (a file name, ``.csv`` added when missing) in
    ``folder``; ValueError for a name that is not one file's."""
    name = name.strip()
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"{name!r} is not a file name: type one like comparison.csv")
    if not name.lower().endswith(".csv"):
        name += ".csv"
    return Path(folder).absolute() / name


def file_stem(text: str) -> str:
    """A metric's name as a downloaded picture's file name (no slashes or odd characters)."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("._")
    return stem or "metric"
