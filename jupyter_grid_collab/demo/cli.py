"""``grid-collab``: ``grid-collab demo`` starts a whole team on 127.0.0.1 and keeps it
running until Ctrl-C."""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import click

from ..client import GridClient
from ..jupyter_process import JupyterLaunch, JupyterServer
from ..readiness import free_port
from .notebooks import seed_home
from .processes import Child, Interrupted, Supervisor
from .seed import DATASTORE, FAILING, LIVE, SWEEP, TEAM, Person, seed_people, seed_work

READY = "grid-collab demo is ready"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Grid-style team collaboration for Jupyter."""


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Where everything lives (default: a new temporary folder).",
)
@click.option("--port", type=int, default=None, help="The team server's port (default: free).")
@click.option("--no-lab", is_flag=True, help="Only the team server and its data; no JupyterLab.")
@click.option(
    "--hub",
    is_flag=True,
    help="The team under a JupyterHub: its group is the team, its servers the sessions "
    "(needs jupyter_grid_collab[hub]). --no-lab: start no Hub server.",
)
def demo(directory: str | None, port: int | None, no_lab: bool, hub: bool) -> None:
    """Start a demo team on 127.0.0.1: a team server with real data and runs, and alice's
    and bob's JupyterLab sessions (with --hub: a JupyterHub, the team server as its
    service, and alice's Hub server). Ctrl-C stops all of it."""
    root = Path(directory or tempfile.mkdtemp(prefix="grid-collab-demo-")).resolve()
    if root.exists() and any(root.iterdir()):
        raise click.ClickException(f"{root} is not empty: give --dir a new or empty folder")
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # keys, lab tokens in the logs; runs work elsewhere (_runs_folder)
    click.echo(f"demo folder: {root}")
    sup = Supervisor(root)
    stop = sup.stop

    def on_signal(*_) -> None:
        if stop.is_set():
            sup.hurry.set()  # a second Ctrl-C: stop without waiting out the grace periods
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        if hub:
            from .hub import start_hub_demo

            where = start_hub_demo(sup, root, port or free_port(), not no_lab, stop)
        else:
            url = _start(sup, root, port or free_port(), not no_lab, stop)
            where = url and f"team server {url}"
        if where is None:
            return
        click.echo(f"\n{READY} ({where}); press Ctrl-C to stop everything.", nl=True)
        sys.stdout.flush()
        while not stop.wait(0.5):
            if any(c.proc.poll() is not None for c in sup.children):
                dead = [c.name for c in sup.children if c.proc.poll() is not None]
                raise click.ClickException(
                    f"{', '.join(dead)} exited unexpectedly (logs in "
                    f"{root / 'logs'}); stopping the rest"
                )
    except Interrupted:
        pass
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        click.echo("stopping the demo (Ctrl-C again to hurry) ...", err=True)
        sup.stop_all()
        click.echo(f"stopped. Its data stays in {root}", err=True)


def team_server_argv(data_dir: Path, port: int | str, runs: Path, *extra: str) -> list[str]:
    """The demo's team server on 127.0.0.1:``port``: two experiments at a time, quick
    ticks, each team's experiments as an unprivileged uid where the demo runs as root."""
    return [
        sys.executable,
        "-m",
        "jupyter_grid_collab.teamserver.cli",
        "--data-dir",
        str(data_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra,
        "--max-parallel",
        "2",
        "--work-root",
        str(runs / "work"),
        "--datastore-root",
        str(runs / "datastores"),
        "--runner-isolation",
        "auto" if os.geteuid() == 0 else "none",
        "--heartbeat-timeout",
        "30",
        "--tick",
        "5",
    ]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "JUPYTER_"))}
    env.update(extra)
    return env


def _start(sup: Supervisor, root: Path, port: int, labs: bool, stop: threading.Event) -> str | None:
    url = f"http://127.0.0.1:{port}"
    data_dir = root / "team-server"
    click.echo("seeding team 'demo': alice (owner), bob (admin), carol (user); dave outside")
    people = seed_people(data_dir)
    runs = _runs_folder(root)
    server = sup.start(
        "team-server",
        team_server_argv(data_dir, port, runs),
        _env(GRID_HOME=str(root / "home" / "server")),
        root,
        stop_last=True,
    )
    sup.wait_http(server, f"{url}/api/v1/health", 60)
    click.echo(f"team server: {url} (log: {server.log})")
    if os.geteuid() == 0:
        click.echo(f"runs: each team's as an unprivileged uid of its own, in {runs}")
    else:
        click.echo("runs: as you, not isolated (isolation needs root; every demo user is you)")
    click.echo("uploading datastore 'points' (2 versions), starting runs ...")
    seed_work(url, people, root)
    sessions = {}
    if labs:
        # both start at once: JupyterLab takes seconds to come up
        started = [
            _start_lab(sup, root, url, people[name], data_dir / "blobs")
            for name in ("alice", "bob")
        ]
        for name, (_, lab) in zip(("alice", "bob"), started, strict=True):
            lab = sup.wait_jupyter(lab, 120)
            click.echo(f"{name}'s JupyterLab is up and registered as session {name}:{name}-lab")
            sessions[name] = f"{lab.url}lab?token={lab.token}"
    _wait_for_runs(url, people["alice"].key, stop)
    if stop.is_set():
        return None
    _print_guide(root, url, people, sessions)
    return url


def _runs_folder(root: Path) -> Path:
    """Where the team server's runs work. Runner uids must pass through every folder above
    their work folders, which a demo folder in a private place (a home folder, pytest's
    temporary folders) does not allow: so a folder of its own in the system's temporary
    folder, linked from the demo folder as ``runs``."""
    runs = Path(tempfile.mkdtemp(prefix="grid-collab-demo-runs-"))
    os.chmod(runs, 0o711)
    (root / "runs").symlink_to(runs)
    return runs


def _start_lab(
    sup: Supervisor, root: Path, url: str, person: Person, blobs: Path
) -> tuple[Child, JupyterServer]:
    """Start a JupyterLab with the extension as ``person`` (``Supervisor.wait_jupyter``
    waits until it has registered as the session ``<person>-lab``)."""
    home = root / "home" / person.name
    home.mkdir(parents=True, exist_ok=True)
    # a README and a notebook of real work, so the file browser does not open on nothing
    seed_home(home, person.name)
    env = _env(
        GRID_URL=url,
        GRID_API_KEY=person.key,
        GRID_SESSION_NAME=f"{person.name}-lab",
        GRID_HOME=str(home / ".grid"),
        GRID_DATASTORE_ROOT=str(root / "datastores"),
        GRID_BLOB_DIR=str(blobs),
        HOME=str(home),
        JUPYTER_RUNTIME_DIR=str(home / ".runtime"),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
    )
    launch = JupyterLaunch(root_dir=home, env=env, token=secrets.token_hex(16))
    return sup.start_jupyter(f"{person.name}-lab", launch)


def _wait_for_runs(url: str, key: str, stop: threading.Event, timeout: float = 120.0) -> None:
    with GridClient(url, key) as alice:
        alice.me()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop.is_set():
            runs = [alice.run(SWEEP)[0], alice.run(f"bob:{FAILING}")[0]]
            if all(r.status not in ("pending", "running") for r in runs):
                return
            time.sleep(0.5)


# what each person can try that only they can (the team-wide commands follow for everyone)
OWN_COMMANDS = {
    "alice": [
        (f"grid status {SWEEP}", "your sweep: four experiments and their parameters"),
        ("grid user", "you, your GitHub login and your team"),
    ],
    "bob": [
        (f"grid status {FAILING}", "your run that failed (exit 1)"),
        (f"grid logs {FAILING}", "why: the loss diverged"),
        (f"grid clone {FAILING} --lr 0.1", "run it again with a sane learning rate"),
    ],
    "carol": [
        (f"grid logs {LIVE} --follow", "your live experiment (Ctrl-C to leave)"),
        (f"grid stop run {LIVE}", "stop it: it is yours"),
        ("grid session delete alice:alice-lab", "refused: only alice or an admin may"),
    ],
    "dave": [
        ("grid session --global", "nothing: dave is not in team demo"),
        ("grid teams demo", "refused: he is not a member"),
    ],
}


def _line(command: str, why: str) -> str:
    return f"   {command:<38} # {why}"


def _print_guide(root: Path, url: str, people: dict[str, Person], sessions: dict[str, str]) -> None:
    guide = {"team_server": url, "dir": str(root), "users": {}}
    click.echo("")
    for name, person in people.items():
        role = f"{person.role} of team {TEAM}" if person.role else "outside the team"
        click.echo(f"== {name} ({role})")
        if name in sessions:
            click.echo(f"   open JupyterLab: {sessions[name]}")
        click.echo(f"   export GRID_URL={url} GRID_API_KEY={person.key}")
        for command, why in OWN_COMMANDS.get(name, []):
            if sessions or "session delete" not in command:
                click.echo(_line(command, why))
        guide["users"][name] = {
            "role": person.role,
            "api_key": person.key,
            "lab": sessions.get(name),
        }
    live = "alice's and bob's live sessions" if sessions else "none: started with --no-lab"
    click.echo(
        f"\nAs any member of team {TEAM} (alice, bob, carol; paste their export line first):"
    )
    for command, why in [
        ("grid session --global", live),
        ("grid status --global", f"active runs: carol's {LIVE}"),
        ("grid history --global", "every run: alice's sweep, bob's failing run"),
        (f"grid logs alice:{SWEEP}-exp0", "an experiment's output"),
        (f"grid artifacts alice:{SWEEP}", "download the sweep's metrics and models"),
        ("grid datastore --global", f"alice's datastore {DATASTORE}, two versions"),
        (f"grid teams {TEAM}", "members, roles, credits left"),
    ]:
        click.echo(_line(command, why))
    click.echo("As dave, the same commands show none of it.")
    click.echo(
        f"\nTo stop everything: Ctrl-C here (pids in {root / 'demo.pids'}). "
        f"Keys and URLs are also in {root / 'demo.json'}"
    )
    path = root / "demo.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the keys
    with os.fdopen(fd, "w") as f:
        json.dump(guide, f, indent=2)


if __name__ == "__main__":
    main()
