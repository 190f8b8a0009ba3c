"""What to say when a reference names nothing: the team server's 404 ("no run
bob:long-train in your teams") and the way forward.

A reference whose owner is in none of my teams is said to be that (``no user 'nosuchuser'
in your teams``), with a teammate of a similar name if there is one. Otherwise the server's
text stays and the nearest things of that kind among my teammates' are added, as they
would be typed: the same name of another owner first (bob typed ``long-train``, carol has
one), then close names (``difflib``). The listings asked for are the ``--global`` ones: all
and only what my teams share, so a suggestion never reveals anything a listing would not.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from ..client import GridClient, GridError, NotFound
from ..models import Reference
from ..paging import collect
from ..references import EXPERIMENT, RUN, Ref, ReferenceError
from .context import Grid, get_grid

Kind = Literal["run", "experiment", "session", "datastore"]

#: the most suggestions one message names
MOST = 3
#: difflib's similarity (0..1) a name needs to be suggested: typos and a changed suffix
#: (long-trian, long-train-2) pass; a merely related name (long-eval) does not
CLOSE = 0.75
#: how many of the team's newest things a suggestion looks through
LOOK_THROUGH = 1000


@dataclass(frozen=True)
class Typed:
    """What the user typed, with the owner it means (me when bare)."""

    kind: Kind
    owner: str
    name: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.owner}:{self.name}" + (f"@{self.version}" if self.version else "")


@dataclass(frozen=True)
class Known:
    """Something of a teammate's that could have been meant: its name, and the reference
    to suggest for it, written as the user would type it."""

    name: str
    owner: str
    reference: str


@contextmanager
def did_you_mean(typed: Ref | Reference, kind: Kind | None = None) -> Iterator[None]:
    """Around the requests for ``typed`` (``kind`` defaults to a Ref's own): the team
    server's 404 comes out saying the way forward (see the module's docstring)."""
    try:
        yield
    except NotFound as exc:
        grid = get_grid()
        what = _typed(typed, kind, grid.me.username)
        try:
            message = _explain(grid, what, exc.message, explicit_owner=typed.owner is not None)
        except GridError:  # asking around failed: the server's own words still hold
            message = exc.message
        raise NotFound(message, exc.status) from None


def _typed(typed: Ref | Reference, kind: Kind | None, me: str) -> Typed:
    if isinstance(typed, Ref):
        return Typed(kind or typed.kind, typed.owner or me, typed.name)
    if kind is None:
        raise ValueError("a session or datastore reference needs its kind")
    return Typed(kind, typed.owner or me, typed.name, typed.version)


def _explain(grid: Grid, typed: Typed, server_says: str, *, explicit_owner: bool) -> str:
    """The message for the team server's 404 on ``typed``. A 404 about something else the
    request named (a team, a file) keeps its own words."""
    if f"{typed.owner}:{typed.name}" not in server_says:
        return server_says
    unknown = _unknown_user(grid, typed.owner) if explicit_owner else None
    if unknown:
        return unknown
    matches = nearest(typed, _known(grid.client, typed))
    return f"{server_says}; did you mean {_either(matches)}?" if matches else server_says


def _unknown_user(grid: Grid, owner: str) -> str | None:
    """Why ``owner``'s things are not found when ``owner`` is no teammate of mine."""
    teams = [t["name"] for t in grid.me.teams]
    members = {m.username for team in teams for m in grid.client.team(team).members}
    if owner in members:
        return None
    message = f"no user {owner!r} in your teams"
    similar = difflib.get_close_matches(owner, sorted(members), n=1, cutoff=CLOSE)
    if similar:
        return f"{message}; did you mean {similar[0]}?"
    if len(teams) == 1:
        return f"{message}: `grid teams {teams[0]}` lists its members"
    if teams:
        return f"{message}: `grid teams TEAM` lists a team's members"
    return f"{message}: you are in no team yet"


def nearest(typed: Typed, known: Iterable[Known]) -> list[str]:
    """Up to MOST references for what ``typed`` may have meant: the same name of other
    owners first, then close names, the closest first (``typed``'s owner first among
    equals); never ``typed`` itself."""
    candidates = [k for k in known if k.reference != str(typed)]
    names = {k.name for k in candidates}
    ranked = [typed.name] if typed.name in names else []
    ranked += difflib.get_close_matches(typed.name, names - {typed.name}, n=MOST, cutoff=CLOSE)
    found: list[str] = []
    for name in ranked:
        same_name = [k for k in candidates if k.name == name]
        # the typed owner's first, then the listing's order (newest first): sort is stable
        same_name.sort(key=lambda k: k.owner != typed.owner)
        found += [k.reference for k in same_name if k.reference not in found]
    return found[:MOST]


def _known(client: GridClient, typed: Typed) -> list[Known]:
    """The team's things of ``typed``'s kind, each as it would be typed in its place."""
    if typed.kind == "session":
        sessions, _ = collect(client.list_sessions, LOOK_THROUGH, scope="team")
        return [Known(s.name, s.owner, f"{s.owner}:{s.name}") for s in sessions]
    if typed.kind == "datastore":
        return _known_datastores(client, typed)
    runs, _ = collect(client.list_runs, LOOK_THROUGH, scope="team")
    if typed.kind == EXPERIMENT:
        return _known_experiments(client, typed, [(r.owner, r.name) for r in runs])
    return [Known(r.name, r.owner, f"{r.owner}:{r.name}") for r in runs]


def _known_datastores(client: GridClient, typed: Typed) -> list[Known]:
    """A teammate's datastore, with the version typed when it has that one, else its
    latest (a version that does not exist suggests the datastore itself)."""
    datastores, _ = collect(client.list_datastores, LOOK_THROUGH, scope="team")
    versions: dict[tuple[str, str], set[int]] = {}
    for d in datastores:
        versions.setdefault((d.owner, d.name), set()).add(d.version)
    return [
        Known(name, owner, f"{owner}:{name}" + (f"@{typed.version}" if typed.version in v else ""))
        for (owner, name), v in versions.items()
    ]


def _known_experiments(
    client: GridClient, typed: Typed, runs: list[tuple[str, str]]
) -> list[Known]:
    """The experiment of ``typed``'s number in the runs named like its run, where it
    exists (asked for each: a run's experiments may have gaps)."""
    asked = Ref(EXPERIMENT, typed.name)
    run_names = {name for _, name in runs}
    similar = difflib.get_close_matches(asked.run_name, run_names, n=MOST, cutoff=CLOSE)
    wanted = {asked.run_name, *similar}
    known = []
    for owner, run in runs:
        if run not in wanted or (owner, run) == (typed.owner, asked.run_name):
            continue
        try:
            experiment = Ref(RUN, run, owner).experiment(asked.index or 0)
            client.experiment(experiment)
        except (ReferenceError, NotFound):  # a name too long to exist, or no such number
            continue
        known.append(Known(experiment.name, owner, str(experiment)))
    return known


def _either(references: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(references) == 1:
        return references[0]
    return f"{', '.join(references[:-1])} or {references[-1]}"
