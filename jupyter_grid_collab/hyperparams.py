"""Hyperparameter grids: Grid-style list arguments expanded into one parameter set per experiment.

``grid run train.py --lr "[0.001, 0.01]" --layers "[2, 4]"`` gives four experiments,
each run as ``train.py --lr 0.001 --layers 2`` and so on.
"""

from __future__ import annotations

import ast
import itertools
import random
import shlex
from typing import Any

MAX_EXPERIMENTS = 1000
STRATEGIES = ("grid_search", "random_search")


class GridError(ValueError):
    """A parameter grid that cannot be expanded; the message says why."""


def parse_value(text: str) -> Any:
    """A CLI value: ``"[0.1, 1]"`` becomes a list, ``"3"`` an int, anything else stays text."""
    stripped = text.strip()
    if stripped.startswith("["):  # meant as a list: a typo must not become a string
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, SyntaxError):
            raise GridError(f'cannot read {text!r} as a list of values, e.g. "[0.1, 1]"') from None
        if not isinstance(value, list) or not value:
            raise GridError(f"{text!r} must be a non-empty list of values")
        return value
    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, (int, float, bool)) else text


def parse_script_args(args: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Split script arguments into positional ones and ``--name value`` parameters."""
    positional: list[str] = []
    params: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and len(arg) > 2:
            key, eq, inline = arg[2:].partition("=")
            if eq:
                params[key] = parse_value(inline)
            elif i + 1 < len(args) and not args[i + 1].startswith("--"):
                params[key] = parse_value(args[i + 1])
                i += 1
            else:
                params[key] = True
        else:
            positional.append(arg)
        i += 1
    return positional, params


def _check_params(params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise GridError("params must be an object of name -> value or list of values")
    for key, value in params.items():
        if not key or len(key) > 64 or any(c.isspace() for c in key) or key.startswith("-"):
            raise GridError(f"parameter name {key!r} is not valid")
        values = value if isinstance(value, list) else [value]
        if not values:
            raise GridError(f"parameter {key!r} has an empty list of values")
        for v in values:
            if not isinstance(v, (str, int, float, bool)) or (isinstance(v, str) and len(v) > 1000):
                raise GridError(
                    f"parameter {key!r} has a value that is not a number, "
                    "a boolean or a short string"
                )
    return params


def expand(
    params: Any,
    strategy: str = "grid_search",
    num_trials: int | None = None,
    seed: int | None = None,
) -> list[dict[str, Any]]:
    """One parameter set per experiment: the full product, or ``num_trials`` random picks."""
    params = _check_params(params)
    if strategy not in STRATEGIES:
        raise GridError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    keys = list(params)
    axes = [params[k] if isinstance(params[k], list) else [params[k]] for k in keys]
    total = 1
    for axis in axes:
        total *= len(axis)
    if strategy == "grid_search":
        if total > MAX_EXPERIMENTS:
            raise GridError(
                f"the grid has {total} combinations; the limit is {MAX_EXPERIMENTS}"
                " (use random_search with num_trials)"
            )
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]
    if (
        isinstance(num_trials, bool)
        or not isinstance(num_trials, int)
        or not (1 <= num_trials <= MAX_EXPERIMENTS)
    ):
        raise GridError(f"random_search needs num_trials from 1 to {MAX_EXPERIMENTS}")
    rng = random.Random(seed)
    if total <= num_trials:
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]
    picks = sorted(rng.sample(range(total), num_trials))
    out = []
    for flat in picks:
        combo = []
        for axis in reversed(axes):
            flat, pos = divmod(flat, len(axis))
            combo.append(axis[pos])
        out.append(dict(zip(keys, reversed(combo), strict=True)))
    return out


def to_args(params: dict[str, Any]) -> list[str]:
    """A parameter set as ordinary command-line arguments: ``--lr 0.01 --layers 2``."""
    args: list[str] = []
    for key, value in params.items():
        if value is True:
            args.append(f"--{key}")
        elif value is False:
            continue
        else:
            args.extend([f"--{key}", str(value)])
    return args


def experiment_command(command: str, params: dict[str, Any]) -> str:
    return " ".join(filter(None, [command, shlex.join(to_args(params))]))
