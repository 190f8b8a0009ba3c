"""The permission contract of DESIGN.md, in one place; the store asks, handlers never decide.

| action                              | creator | teammate   | admin/owner      | outsider |
| view, download, open, attach, clone | yes     | yes        | yes              | NotFound |
| stop, pause, resume, delete         | yes     | NotAllowed | yes              | NotFound |
| manage members                      | -       | NotAllowed | admin: users;    | NotFound |
|                                     |         |            | owner: all       |          |
"""

from __future__ import annotations

from .errors import NotAllowed, NotFound

READ_ACTIONS = frozenset({"view", "download", "open", "attach", "clone"})
OWNER_ACTIONS = frozenset({"stop", "pause", "resume", "delete"})
MANAGER_ROLES = frozenset({"admin", "owner"})


def require_member(role: str | None, kind: str, ref: str) -> str:
    """Non-members get the same NotFound as for a resource that does not exist."""
    if role is None:
        raise NotFound(f"no {kind} {ref!r} in your teams")
    return role


def check(
    *,
    actor: str,
    actor_id: int,
    role: str | None,
    action: str,
    owner: str,
    owner_id: int,
    kind: str,
    name: str,
) -> None:
    """Allow ``action`` on one resource or raise NotFound / NotAllowed with a clear message."""
    require_member(role, kind, f"{owner}:{name}")
    if action in READ_ACTIONS:
        return
    if action not in OWNER_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor_id == owner_id or role in MANAGER_ROLES:
        return
    raise NotAllowed(
        f'{actor} cannot {action} {owner}\'s {kind} "{name}": only its creator or a team admin can'
    )


def check_member_change(
    *,
    actor: str,
    actor_role: str | None,
    team: str,
    target: str,
    old_role: str | None,
    new_role: str | None,
) -> None:
    """Admins manage plain users; owners manage everyone. None means added / removed."""
    require_member(actor_role, "team", team)
    if actor_role == "owner":
        return
    if actor_role == "admin" and old_role in (None, "user") and new_role in (None, "user"):
        return
    if actor_role == "admin":
        raise NotAllowed(
            f"{actor} cannot change {target}'s membership of team {team!r} to "
            f"{new_role or 'removed'}: team admins manage members with role 'user'; "
            "ask a team owner"
        )
    raise NotAllowed(
        f"{actor} cannot change the members of team {team!r}: only its admins and owners can"
    )
