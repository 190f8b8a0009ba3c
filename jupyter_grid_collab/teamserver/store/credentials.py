"""Per-user GitHub credentials: write-only through the API, encrypted at rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken
from msgspec import UNSET
from sqlalchemy import and_, select

from ...bodies import CredentialSet
from ...models import Credential
from .. import schema as t
from ..errors import Invalid, NotFound
from .core import Caller, now
from .rows import row_builder

if TYPE_CHECKING:
    from .core import StoreCore

PROVIDERS = ("github",)
_credential = row_builder(Credential)


class CredentialRepository:
    """Members' GitHub credentials; ``fernet`` holds the server's encryption key."""

    def __init__(self, core: StoreCore, fernet: Fernet) -> None:
        self.core = core
        self.engine = core.engine
        self.fernet = fernet

    def decrypt(self, secret: str) -> str | None:
        try:
            return self.fernet.decrypt(secret.encode()).decode()
        except InvalidToken:
            # the server's secret key changed: the credential cannot be used; say nothing more
            return None

    def set_credential(self, caller: Caller, provider: str, credential: CredentialSet) -> dict:
        """Store the caller's token for ``provider``, with its login (by default the
        caller's GitHub login)."""
        if provider not in PROVIDERS:
            raise Invalid(f"unknown credential provider {provider!r}: use github")
        token = credential.token
        login = None if credential.login is UNSET else credential.login
        with self.engine.begin() as conn:
            if login is None:
                login = conn.execute(
                    select(t.users.c.github_login).where(t.users.c.id == caller.id)
                ).scalar()
            where = and_(t.credentials.c.user_id == caller.id, t.credentials.c.provider == provider)
            conn.execute(t.credentials.delete().where(where))
            ts = now()
            conn.execute(
                t.credentials.insert().values(
                    user_id=caller.id,
                    provider=provider,
                    login=login,
                    secret=self.fernet.encrypt(token.encode()).decode(),
                    created_at=ts,
                )
            )
            self.core.audit(conn, caller.username, "credential", f"{provider} of {caller.username}")
        return _credential({"provider": provider, "login": login, "created_at": ts})

    def list_credentials(self, caller: Caller) -> list[dict[str, Any]]:
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(
                    t.credentials.c.provider, t.credentials.c.login, t.credentials.c.created_at
                ).where(t.credentials.c.user_id == caller.id)
            ).all()
        return [_credential(r._mapping) for r in rows]

    def delete_credential(self, caller: Caller, provider: str) -> None:
        with self.engine.begin() as conn:
            gone = conn.execute(
                t.credentials.delete().where(
                    and_(t.credentials.c.user_id == caller.id, t.credentials.c.provider == provider)
                )
            ).rowcount
            if not gone:
                raise NotFound(f"you have no {provider} credential")
            self.core.audit(
                conn, caller.username, "credential-delete", f"{provider} of {caller.username}"
            )
