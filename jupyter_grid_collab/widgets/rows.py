"""What a panel row shows and which actions it offers: pure functions, no widgets."""

from __future__ import annotations

from ..formats import duration, size  # noqa: F401  (the panel formats rows with these)
from ..models import Datastore, Run, Session

ACTIVE = ("pending", "running")


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


def visitors_label(session: Session) -> str:
    return "view only" if session.visitors == "view" else "full access"


def open_warning(session: Session, me: str) -> str:
    """What a visitor must know before opening a teammate's session: exactly what its mode
    gives them (the sidebar's rows.ts says the same)."""
    if session.owner == me:
        return ""
    owner = session.owner
    if session.visitors == "view":
        return (
            f"You will visit {owner}'s session view-only: you can browse its files and "
            "notebooks and use the Team panel as yourself, but not start kernels, open "
            "terminals or change files."
        )
    gh = session.github or {}
    who = f"{owner}'s GitHub identity" + (f" ({gh['login']})" if gh.get("login") else "")
    return (
        f"You will visit {owner}'s session with full access: code you run and terminals "
        f"you open there run as {owner}, with {owner}'s files and the session's team "
        "credential (it cannot change members, roles, credits, keys or credentials), "
        f"and git there uses {who}."
    )
