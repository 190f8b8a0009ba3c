"""The Compare view's table (labextension/src/compare.ts) and `grid metrics` (compare.py) read
the same: both are held to labextension/test/compare_cases.json, the TypeScript side by jest
(test/compare.test.ts), compare.py here. The cases are written by this file from compare.py:
after a change of compare.py, `python tests/test_sidebar_compare_cases.py` writes them again
(then `npx prettier --write test/compare_cases.json` in labextension/, and jest says whether
compare.ts still agrees)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from jupyter_grid_collab.answers import ExperimentMetrics
from jupyter_grid_collab.compare import compare, number

CASES_FILE = Path(__file__).resolve().parent.parent / "labextension" / "test" / "compare_cases.json"

NUMBERS = [
    0.0,
    -0.0,
    1.0,
    0.5,
    100.0,
    1234.0,
    12345.0,
    1234.5,
    1235.5,
    1.0625,
    1.0635,
    9.9995,
    99995.0,
    0.1 + 0.2,
    1e-5,
    2.5e-5,
    0.0001234,
    0.00012345,
    123456789.0,
    1e16,
    1e22,
    1234567890123456.0,
    -3.14159,
    5e-324,
    1.7976931348623157e308,
    0.42,
    2 / 3,
    -0.000125,
    1e-4,
    123.456,
    0.30000000000000004,
    4.5e15,
    2.5,
    0.125,
]


def exp(owner, name, status, params, summaries):
    return {
        "experiment": name,
        "run": name.rsplit("-exp", 1)[0],
        "owner": owner,
        "status": status,
        "params": params,
        "summaries": [
            {
                "name": n,
                "count": 3,
                "last": last,
                "last_step": 2,
                "min": lo,
                "max": hi,
                "updated_at": "2024-05-01T12:00:00Z",
            }
            for n, (last, lo, hi) in summaries.items()
        ],
        "series": [],
    }


TABLES = {
    "two owners' same-named runs": [
        exp(
            "alice",
            "sweep-exp0",
            "succeeded",
            {"lr": 0.1, "epochs": 4, "opt": "adam"},
            {"loss": (0.25, 0.2, 0.9), "acc": (0.9, 0.5, 0.91)},
        ),
        exp(
            "alice",
            "sweep-exp1",
            "running",
            {"lr": 0.01, "epochs": 4, "opt": "sgd"},
            {"loss": (None, 0.4, 1.2)},
        ),
        exp(
            "bob",
            "sweep-exp0",
            "failed",
            {"lr": "auto", "epochs": 4},
            {"loss": (0.3, 0.3, 2.0), "acc": (0.8, 0.1, 0.8)},
        ),
        exp(
            "bob",
            "sweep-exp1",
            "succeeded",
            {"lr": 1, "epochs": 4, "opt": "adam"},
            {"loss": (0.25, 0.25, 1.0)},
        ),
    ],
    "one experiment keeps every param": [
        exp(
            "carol",
            "x-exp0",
            "running",
            {"lr": 0.5, "note": "first try", "flag": True},
            {"w": (1.0625, -0.000125, 12345.0)},
        ),
    ],
    "text that needs quoting and odd values": [
        exp(
            "alice",
            "q-exp0",
            "succeeded",
            {"tag": 'a,b "c"', "layers": [64, 32], "on": False, "line": "two\nlines"},
            {"val/loss": (1e-05, 1e-07, 1e16), "z": (2.0, 2.0, 2.0), "train:loss": (0.5, 0.1, 3.0)},
        ),
        exp(
            "alice",
            "q-exp1",
            "succeeded",
            {"tag": "plain", "layers": [64, 64], "on": True, "line": "one"},
            {"val/loss": (None, None, None)},
        ),
    ],
    "a teammate's text a spreadsheet would run": [
        exp(
            "mallory",
            "f-exp0",
            "succeeded",
            {"=cmd": '=HYPERLINK("http://x","y")', "note": "@SUM(1)", "neg": -2, "t": "-2+3"},
            {"-loss": (-1.5, -2.0, 0.5)},
        ),
        exp(
            "mallory",
            "f-exp1",
            "succeeded",
            {"=cmd": "+1", "note": "\tx", "neg": -3, "t": "fine"},
            {"-loss": (0.5, 0.5, 0.5)},
        ),
    ],
}

SORTS = [
    "loss",
    "loss:min",
    "loss:max",
    "acc",
    "lr",
    "opt",
    "epochs",
    "w",
    "tag",
    "on",
    "val/loss",
    "z",
]


def table_case(name, experiments):
    table = compare([ExperimentMetrics.from_json(e) for e in experiments])
    sorts, errors = [], []
    for key in SORTS + ["nope", "loss:median"]:
        for desc in (False, True):
            try:
                order = [r.ref for r in table.sorted_by(key, desc).rows]
            except ValueError as exc:
                if not desc:
                    errors.append({"key": key, "message": str(exc)})
                continue
            sorts.append({"key": key, "descending": desc, "order": order})
    return {
        "name": name,
        "experiments": experiments,
        "params": table.params,
        "metrics": table.metrics,
        "header": table.header(),
        "shown": [[number(v) for v in table.cells(r)] for r in table.rows],
        "csv": table.to_csv(),
        "sorts": sorts,
        "errors": errors,
    }


def build_cases() -> dict[str, Any]:
    """What compare.py makes of the inputs above."""
    return {
        "_comment": "Written by tests/test_sidebar_compare_cases.py from "
        "jupyter_grid_collab/compare.py; compare.ts must agree (test/compare.test.ts).",
        "number": [[v, number(v)] for v in NUMBERS],
        "repr": [[v, repr(v)] for v in NUMBERS],
        "tables": [table_case(n, e) for n, e in TABLES.items()],
    }


def test_the_shared_cases_are_what_compare_py_makes():
    # a JSON round trip, as jest reads them (-0.0 stays -0.0, tuples become lists)
    made = json.loads(json.dumps(build_cases()))
    stored = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    hint = "compare.py changed? python tests/test_sidebar_compare_cases.py, then prettier, jest"
    assert stored["number"] == made["number"], hint
    assert stored["repr"] == made["repr"], hint
    for ours, theirs in zip(stored["tables"], made["tables"], strict=True):
        for part in ("params", "metrics", "header", "shown", "csv", "sorts", "errors"):
            assert ours[part] == theirs[part], (ours["name"], part, hint)
    assert stored == made, hint


if __name__ == "__main__":
    CASES_FILE.write_text(
        json.dumps(build_cases(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    sys.exit(0)
