"""References to runs and experiments: ``[owner:]name``, parsed once, the kind explicit.

Whoever receives a reference knows from the command or the API route it came through
whether it names a run or an experiment, and says so: ``parse_ref("alice:x", RUN)``. Only
where one argument may be either (``grid artifacts``, ``grid clone``) is the kind read from
the name, by Grid's own rule: an experiment is ``<run>-exp<N>``, the suffix anchored at the
end, so ``cifar-explore`` and ``x-exp-lore`` are runs. The team server refuses run names
that end that way, so the rule never takes an existing run for an experiment.

A parsed reference is a ``Ref`` value; pass it on as it is rather than as text to be
parsed again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .models import (
    EXPERIMENT_RE,
    ReferenceError,
    parse_reference,
    validate_name,
    validate_username,
)

Kind = Literal["run", "experiment"]
RUN: Kind = "run"
EXPERIMENT: Kind = "experiment"
KINDS: tuple[Kind, ...] = (RUN, EXPERIMENT)

#: Grid's rule for "this name is an experiment's": it ends with -exp and digits
_EXPERIMENT_SUFFIX = re.compile(r"-exp[0-9]+\Z")

__all__ = [
    "EXPERIMENT",
    "KINDS",
    "RUN",
    "Kind",
    "Ref",
    "ReferenceError",
    "kind_of_name",
    "looks_like_experiment",
    "parse_ref",
]


def looks_like_experiment(name: str) -> bool:
    """Whether ``name`` ends like an experiment's (``-exp<digits>``): never a run's name."""
    return bool(_EXPERIMENT_SUFFIX.search(name))


def kind_of_name(name: str) -> Kind:
    """Grid's rule, for the few places one argument may name either kind."""
    return EXPERIMENT if looks_like_experiment(name) else RUN


@dataclass(frozen=True)
class Ref:
    """A run or an experiment of ``owner`` (None: the caller's). Built only valid: the name
    is a resource name, and an experiment's is ``<run>-exp<N>`` while a run's is not."""

    kind: Kind
    name: str
    owner: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.owner is not None:
            validate_username(self.owner)
        validate_name(self.name, f"{self.kind} name")
        if "\n" in self.name:  # NAME_RE's "$" lets a final line break through
            raise ReferenceError(f"{self.kind} name {self.name!r} contains a line break")
        suffixed = looks_like_experiment(self.name)
        if self.kind == RUN and suffixed:
            its_run = self._with_name(_EXPERIMENT_SUFFIX.sub("", self.name))
            raise ReferenceError(
                f"{self} names an experiment, not a run: names ending in -exp<N> are "
                f"experiments' (its run is {its_run})"
            )
        if self.kind == EXPERIMENT and not suffixed:
            raise ReferenceError(
                f"{self} names a run, not an experiment: experiments are named "
                f"<run>-exp<N>, e.g. {self._with_name(self.name + '-exp0')}"
            )
        if self.kind == EXPERIMENT and not EXPERIMENT_RE.match(self.name):
            raise ReferenceError(
                f"{self} is not an experiment name: the number after -exp is written "
                "without leading zeros, at most 6 digits"
            )

    def __str__(self) -> str:
        return f"{self.owner}:{self.name}" if self.owner else self.name

    def _with_name(self, name: str) -> str:
        return f"{self.owner}:{name}" if self.owner else name

    @property
    def collection(self) -> str:
        """The team API's path segment for this kind: ``runs`` or ``experiments``."""
        return f"{self.kind}s"

    @property
    def run_name(self) -> str:
        """The run's name: the name itself for a run, the part before -exp<N> otherwise."""
        if self.kind == RUN:
            return self.name
        return _EXPERIMENT_SUFFIX.sub("", self.name)

    @property
    def index(self) -> int | None:
        """An experiment's N (its place in the run); None for a run."""
        if self.kind == RUN:
            return None
        match = EXPERIMENT_RE.match(self.name)
        assert match is not None  # checked when the Ref was built
        return int(match["index"])

    def owned(self, default_owner: str) -> Ref:
        """The same reference with its owner filled in (``default_owner`` when bare)."""
        return self if self.owner else Ref(self.kind, self.name, default_owner)

    def run(self) -> Ref:
        """The run this reference belongs to (itself for a run)."""
        return self if self.kind == RUN else Ref(RUN, self.run_name, self.owner)

    def experiment(self, index: int) -> Ref:
        """Experiment ``index`` of this run (of this experiment's run)."""
        return Ref(EXPERIMENT, f"{self.run_name}-exp{index}", self.owner)


def parse_ref(text: object, kind: Kind | None = None) -> Ref:
    """Parse ``[owner:]name`` as a ``kind`` reference; ``kind`` None reads it from the name
    by Grid's rule (for arguments that may name either). ReferenceError says what is wrong."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} or None, not {kind!r}")
    parsed = parse_reference(text)
    return Ref(kind or kind_of_name(parsed.name), parsed.name, parsed.owner)
