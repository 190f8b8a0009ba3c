# %% [markdown]
# # Why bob's run `lr-too-high` failed
#
# bob trained on alice's datastore `points` with learning rate 50, and the run failed
# (exit 1). This notebook reads the run's log to see where the loss blew up, then tries
# learning rates on the same data to pick one for a clone.
#
# Run it all: **Run ▸ Run All Cells**.

# %%
import csv
import re
from pathlib import Path

from jupyter_grid_collab import attach_datastore
from jupyter_grid_collab.client import GridClient

EPOCH = re.compile(r"epoch (\d+): loss ([0-9.eE+-]+)")  # train.py's line per epoch

team = GridClient()  # inside a session: the session's credential, no API key needed
run, [experiment] = team.run("bob:lr-too-high")
log = [line.line for line in team.read_logs(f"bob:{experiment.name}")["lines"]]
print(f"{experiment.name}: {experiment.status} (exit {experiment.exit_code})")
print(f"command: {experiment.command}; data: {run.datastore}")
previous = None
for line in log:
    if m := EPOCH.match(line):
        loss = float(m[2])
        growth = f"  ({loss / previous:,.0f} times the epoch before)" if previous else ""
        print(f"epoch {m[1]}: loss {loss:,.3f}{growth}")
        previous = loss
print(next(line for line in log if "diverged" in line))

# %% [markdown]
# ## The same data, other learning rates
#
# The run used one version of alice's datastore; attaching that version here mounts the
# same files read-only in this session.

# %%
folder = Path(attach_datastore(run.datastore))
with open(folder / "points.csv") as f:
    points = [(float(row["x"]), float(row["y"])) for row in csv.DictReader(f)]
print(f"{len(points)} points, mounted read-only at {folder}")


# %%
def loss_of(w, b):
    return sum((w * x + b - y) ** 2 for x, y in points) / len(points)


def train(lr, epochs=6):
    """train.py's gradient descent on y = w x + b; the loss it ends with."""
    w = b = 0.0
    n = len(points)
    for _ in range(epochs):
        gw = sum(2 * (w * x + b - y) * x for x, y in points) / n
        gb = sum(2 * (w * x + b - y) for x, y in points) / n
        w, b = w - lr * gw, b - lr * gb
    return loss_of(w, b)


start = loss_of(0.0, 0.0)
results = {lr: train(lr) for lr in (0.05, 0.1, 0.5, 1.0, 5.0, 50.0)}
print(f"{'lr':>6}  {'loss':>10}  after 6 epochs (untrained: {start:.4g})")
for lr, loss in results.items():
    verdict = "diverges" if loss > start else "converges"
    print(f"{lr:>6}  {loss:>10.4g}  {verdict}")
pick = min((lr for lr, loss in results.items() if loss <= start), key=results.__getitem__)
print(f"\nrun it again with lr {pick}: grid clone {run.name} --lr {pick}")

# %% [markdown]
# ## Next
#
# Clone the run with a learning rate that converges: the command above in a terminal here
# (File ▸ New ▸ Terminal), or *Clone* on the run in the Team sidebar (the people icon on
# the left, or Alt Shift T).
