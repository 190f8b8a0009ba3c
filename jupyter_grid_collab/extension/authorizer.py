"""What a visitor may do in this Jupyter server: the owner's choice, enforced.

- ``full`` (Grid's behaviour, the default): a visitor uses JupyterLab like the owner; code
  and terminals run as the owner's OS user.
- ``view``: a visitor browses files and notebooks and reads the Team sidebar, but starts or
  connects to no kernel, opens no terminal and changes no file or setting here.

jupyter_server asks its ``Authorizer`` before every ``@authorized`` handler method (GET is
"read", POST/PUT/PATCH/DELETE "write") and before a kernel, terminal or language-server
websocket opens ("execute"). The extension mixes ``GridAuthorizerMixin`` into whatever
authorizer the server already uses (the default allows all; JupyterHub's checks scopes), so
the visitor rule comes first and the server's own rules still apply after it. The owner is
never restricted here.

A few handlers ask no authorizer (JupyterLab's settings and workspaces): for those the
identity provider refuses a view visitor's non-read requests (``refuse_view_write``).
"""

from __future__ import annotations

from collections.abc import Callable

from tornado import web

from .identity import GridUser, mix_into

VISITOR_MODES = ("view", "full")
# what a view-only visitor may still do besides reading: ask the team server through the
# proxy as themself (it allows a visit only reading, downloading and read-only attach)
VIEW_WRITABLE = frozenset({"grid_collab:team"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def view_allows(action: str, resource: str) -> bool:
    """May a view-only visitor do ``action`` on ``resource``?"""
    return action == "read" or (action == "write" and resource in VIEW_WRITABLE)


def is_view_visitor(user, mode: str) -> bool:
    return mode != "full" and isinstance(user, GridUser) and user.visitor


class GridAuthorizerMixin:
    """Mixed into the server's authorizer class by the extension."""

    #: () -> "view" | "full", set by the extension (its ``visitors`` setting)
    grid_visitors: Callable[[], str] = staticmethod(lambda: "full")

    def is_authorized(self, handler, user, action: str, resource: str):
        if is_view_visitor(user, self.grid_visitors()) and not view_allows(action, resource):
            self.log.info(
                "refused %s on %s to %s: this session lets visitors only view",
                action,
                resource,
                user.username,
            )
            return False
        return super().is_authorized(handler, user, action, resource)


def refuse_view_write(handler, user, mode: str) -> None:
    """403 for a view-only visitor's non-read request to a handler that asks no authorizer;
    the authorizer decides (the same way) for those that do."""
    if handler.request.method in READ_METHODS or not is_view_visitor(user, mode):
        return
    if getattr(handler, "auth_resource", None) in VIEW_WRITABLE:
        return
    raise web.HTTPError(403, "this session lets visitors only view: no kernels, terminals or edits")


def install_authorizer(authorizer, mode: Callable[[], str]) -> None:
    """Mix GridAuthorizerMixin into ``authorizer``'s class in place (keeping its state),
    reading the visitors mode from ``mode``."""
    mix_into(authorizer, GridAuthorizerMixin)
    authorizer.grid_visitors = mode
