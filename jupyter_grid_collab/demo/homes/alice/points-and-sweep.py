# %% [markdown]
# # alice's sweep on the `points` datastore
#
# alice's datastore `points` holds points on y = 3x + 1 plus noise. This notebook fits the
# line straight from the data, then compares that with what her sweep `mnist-sweep`
# learned by gradient descent: four experiments, learning rates 0.05 and 0.5, 4 and 8
# epochs.
#
# Run it all: **Run ▸ Run All Cells**.

# %%
import csv
import math
import re
from pathlib import Path

from jupyter_grid_collab import attach_datastore
from jupyter_grid_collab.client import GridClient

# mounted read-only in this session and listed on it: the Team sidebar shows it
folder = Path(attach_datastore("alice:points"))
with open(folder / "points.csv") as f:
    points = [(float(row["x"]), float(row["y"])) for row in csv.DictReader(f)]
print(f"{len(points)} points, mounted read-only at {folder}")

# %%
# the least-squares line in closed form: the best any training of y = w x + b can reach
n = len(points)
mean_x = sum(x for x, _ in points) / n
mean_y = sum(y for _, y in points) / n
w = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
b = mean_y - w * mean_x
best_loss = sum((w * x + b - y) ** 2 for x, y in points) / n
print(f"best line: y = {w:.3f} x + {b:.3f}, mean squared error {best_loss:.4f}")

# %% [markdown]
# ## The sweep
#
# Each experiment printed its loss after every epoch. The logs are on the team server;
# this session reads them with its own credential, no API key needed.

# %%
EPOCH = re.compile(r"epoch (\d+): loss ([0-9.eE+-]+)")  # train.py's line per epoch

team = GridClient()  # inside a session: the session's credential
run, experiments = team.run("alice:mnist-sweep")
losses = {}
for exp in experiments:
    lines = team.read_logs(f"alice:{exp.name}")["lines"]
    losses[exp.name] = [float(m[2]) for line in lines if (m := EPOCH.match(line.line))]
print(f"run alice:{run.name}: {run.status}, {len(experiments)} experiments")

# %%
# the loss of each epoch as a bar, on one log scale for all four experiments
BARS = "▁▂▃▄▅▆▇█"
low = math.log(min(min(seen) for seen in losses.values() if seen))
high = math.log(max(max(seen) for seen in losses.values() if seen))


def bars(values):
    scale = (len(BARS) - 1) / ((high - low) or 1)
    return "".join(BARS[round((math.log(v) - low) * scale)] for v in values)


print(f"{'experiment':<18} {'lr':>5} {'epochs':>6} {'final loss':>10}  loss per epoch")
for exp in experiments:
    seen = losses[exp.name]
    final = f"{seen[-1]:.4f}" if seen else "-"
    lr, epochs = exp.params.get("lr"), exp.params.get("epochs")
    print(f"{exp.name:<18} {lr:>5} {epochs:>6} {final:>10}  {bars(seen)}")
best = min((e for e in experiments if losses[e.name]), key=lambda e: losses[e.name][-1])
print(f"\nlowest: {best.name} at {losses[best.name][-1]:.4f}")
print(f"the closed-form line reaches {best_loss:.4f}")

# %% [markdown]
# ## Next
#
# - Download the sweep's `metrics.json` and `model.json`: in the Team sidebar (the people
#   icon on the left, or Alt Shift T) expand Runs ▸ `mnist-sweep` and choose *Download to
#   folder*; they land in `grid_artifacts/alice/mnist-sweep/`.
# - bob's run `lr-too-high` failed on this data: open his session from the sidebar to see
#   why.
