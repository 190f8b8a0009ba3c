"""A small training script shipped for the demo: linear regression by gradient descent on
the attached datastore's CSV (or synthetic data), pure standard library.

Prints the loss every epoch, as a log line and as a ``grid-metric`` line (stored as the
experiment's metrics: ``grid metrics``, the Compare views), writes metrics.json and
model.json into GRID_ARTIFACTS_DIR,
and exits with status 1 when the loss diverges (too large a learning rate), so a sweep
over learning rates has a failing experiment to look at.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import time
from pathlib import Path


def load(datastore: str | None) -> list[tuple[float, float]]:
    if datastore:
        path = Path(datastore) / "points.csv"
        with open(path) as f:
            return [(float(r["x"]), float(r["y"])) for r in csv.DictReader(f)]
    rng = random.Random(0)
    return [(x, 3.0 * x + 1.0 + rng.gauss(0, 0.1)) for x in (rng.random() for _ in range(200))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    data = load(os.environ.get("GRID_DATASTORE_DIR"))
    print(f"training on {len(data)} points, lr={args.lr}, epochs={args.epochs}", flush=True)
    w = b = 0.0
    loss = float("nan")
    for epoch in range(1, args.epochs + 1):
        gw = gb = loss = 0.0
        for x, y in data:
            err = w * x + b - y
            loss += err * err
            gw += 2 * err * x
            gb += 2 * err
        n = len(data)
        loss /= n
        w -= args.lr * gw / n
        b -= args.lr * gb / n
        print(f"epoch {epoch}: loss {loss:.6f}", flush=True)
        print(f"grid-metric loss={loss!r} w={w!r} step={epoch}", flush=True)
        if not math.isfinite(loss) or loss > 1e6:
            print(f"loss diverged at epoch {epoch}: lower the learning rate", flush=True)
            return 1
        time.sleep(0.3)
    out = Path(os.environ.get("GRID_ARTIFACTS_DIR", "."))
    (out / "metrics.json").write_text(
        json.dumps({"loss": loss, "epochs": args.epochs, "lr": args.lr}, indent=2)
    )
    (out / "model.json").write_text(json.dumps({"w": w, "b": b}, indent=2))
    print(f"done: w={w:.3f} b={b:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
