"""The demo team's data: people, teams, keys, credits, a GitHub context, a datastore with
two versions, and runs that really execute (a sweep of four and one that fails)."""

from __future__ import annotations

import csv
import random
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..client import GridClient
from ..submit import submit_run
from ..teamserver.cli import open_store

TEAM = "demo"
PEOPLE = [  # name, role in team demo (None: the outsider), GitHub login
    ("alice", "owner", "alice-gh"),
    ("bob", "admin", "bob-gh"),
    ("carol", "user", None),
    ("dave", None, "dave-gh"),
]
SWEEP = "mnist-sweep"
FAILING = "lr-too-high"
LIVE = "long-train"  # keeps running while the demo runs, to follow and to stop
DATASTORE = "points"


@dataclass
class Person:
    name: str
    role: str | None
    key: str


def seed_people(data_dir: Path) -> dict[str, Person]:
    """Users, teams, memberships, credits and API keys, straight into the data dir."""
    store = open_store(str(data_dir), None)
    people = {}
    try:
        for name, _role, github in PEOPLE:
            store.teams.create_user(name, f"{name}@example.com", github)
        store.teams.create_team(TEAM, "alice")
        store.teams.create_team("other-lab", "dave")
        for name, role, _ in PEOPLE:
            if role and role != "owner":
                store.teams.set_member(None, TEAM, name, role)
        store.teams.add_credits(TEAM, 1000)
        store.teams.add_credits("other-lab", 100)
        for name, role, _ in PEOPLE:
            people[name] = Person(name, role, store.teams.create_key(name))
    finally:
        store.engine.dispose()
    return people


def _points(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["x", "y"])
        for _ in range(n):
            x = rng.random()
            out.writerow([f"{x:.5f}", f"{3 * x + 1 + rng.gauss(0, 0.1):.5f}"])


def seed_work(url: str, people: dict[str, Person], root: Path) -> None:
    """Through the real API: alice's GitHub credential, a datastore with two versions, a
    sweep of four experiments on it, bob's run that fails, and carol's long run."""
    project = root / "project"
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(__file__).with_name("train.py"), project / "train.py")
    data = root / "data" / DATASTORE
    data.mkdir(parents=True, exist_ok=True)
    (data / "README.txt").write_text("points y = 3x + 1 + noise, for the demo's regression\n")
    with GridClient(url, people["alice"].key) as alice:
        alice.me()
        # a clearly fake token: the demo shows the GitHub context, it never talks to GitHub
        alice.set_credential(
            "github", f"demo-not-a-real-token-{secrets.token_hex(8)}", login="alice-gh"
        )
        _points(data / "points.csv", 200, seed=1)
        alice.upload_datastore(DATASTORE, data)
        _points(data / "points.csv", 400, seed=2)
        alice.upload_datastore(DATASTORE, data)
        submit_run(
            alice,
            project / "train.py",
            ["--lr", "[0.05, 0.5]", "--epochs", "[4, 8]"],
            name=SWEEP,
            datastore=DATASTORE,
        )
    with GridClient(url, people["bob"].key) as bob:
        bob.me()
        submit_run(
            bob,
            project / "train.py",
            ["--lr", "50", "--epochs", "6"],
            name=FAILING,
            datastore=f"alice:{DATASTORE}@1",
        )
    with GridClient(url, people["carol"].key) as carol:
        carol.me()
        # queued last, so the sweep and the failing run finish first
        submit_run(
            carol,
            project / "train.py",
            ["--lr", "0.01", "--epochs", "100000"],
            name=LIVE,
            datastore=f"alice:{DATASTORE}",
        )
