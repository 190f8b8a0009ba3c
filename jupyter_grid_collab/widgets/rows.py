"""What a panel row shows and which actions it offers: pure functions, no widgets."""

from __future__ import annotations

from ..models import Datastore, Run, Session

ACTIVE = ("pending", "running")


def duration(seconds: float) -> str:
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes}m {secs}s" if minutes else f"{secs}s"


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def github_identity(session: Session) -> str:
    gh = session.github or {}
    if not gh.get("login"):
        return f"{session.owner}: no GitHub login"
    return f"{gh['login']} ({'credential bound' if gh.get('credential_bound') else 'no token'})"


def session_actions(session: Session, me: str) -> list[str]:
    """Open a teammate's running session; pause/resume/stop/delete only my own."""
    if session.owner != me:
        return ["Open"] if session.status == "running" and session.url else []
    actions = ["Open"] if session.status == "running" and session.url else []
    if session.status == "running":
        actions += ["Pause", "Stop"]
    elif session.status in ("paused", "stopped", "lost"):
        actions.append("Resume")
    return actions + ["Delete"]


def run_actions(run: Run, me: str) -> list[str]:
    actions = ["Download artifacts", "Clone"]
    if run.owner == me:
        actions += (["Stop"] if run.status in ACTIVE else []) + ["Delete"]
    return actions


def experiment_actions(exp_owner: str, exp_status: str, me: str) -> list[str]:
    actions = ["Logs", "Download", "Clone"]
    if exp_owner == me and exp_status in ACTIVE:
        actions.append("Stop")
    return actions


def datastore_actions(ds: Datastore, me: str) -> list[str]:
    return ["Attach"] + (["Delete"] if ds.owner == me else [])


def counts(run: Run) -> str:
    parts = [f"{n} {status}" for status, n in (run.counts or {}).items() if n]
    return ", ".join(parts) or "no experiments"


def open_warning(session: Session, me: str) -> str:
    """What a visitor must know before opening a teammate's session."""
    if session.owner == me:
        return ""
    gh = session.github or {}
    who = f"{session.owner}'s GitHub identity" + (f" ({gh['login']})" if gh.get("login") else "")
    return (f"You will visit {session.owner}'s session: git there uses {who}, and code you "
            f"run there runs as {session.owner}.")
