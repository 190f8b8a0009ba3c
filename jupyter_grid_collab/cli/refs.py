"""Run and experiment arguments as click types: each command parses its reference once,
as the kind it takes, and hands the ``Ref`` on."""

from __future__ import annotations

from typing import Any

import click

from ..references import EXPERIMENT, RUN, Kind, Ref, ReferenceError, parse_ref


class RefType(click.ParamType):  # type: ignore[type-arg]
    """``[USER:]NAME`` of ``kind`` (None: either, by Grid's rule: ``-exp<N>`` at the end)."""

    def __init__(self, kind: Kind | None) -> None:
        self.kind = kind
        self.name = kind or "run or experiment"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Ref:
        if isinstance(value, Ref):
            return value
        try:
            return parse_ref(value, self.kind)
        except ReferenceError as exc:
            # one line, like every other user mistake (not click's usage block)
            raise click.ClickException(str(exc)) from None


RUN_REF = RefType(RUN)
EXPERIMENT_REF = RefType(EXPERIMENT)
RUN_OR_EXPERIMENT_REF = RefType(None)
