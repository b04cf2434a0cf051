"""Bearer tokens for the protected endpoints, scoped `issue`, `revoke` (status changes) and `offer`.

Why hashes in the profile: the profile is a file admins copy around; a SHA-256 of a
random token (`edcissuer serve --hash-token`) lets the service check a token without the
file holding it. mTLS, where wanted, is the reverse proxy's job (docs/service.md); the
service then still asks for a token, so one setting cannot open issuing to the network.
"""
from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from .problems import Problem
from .settings import Client

CHALLENGE = 'Bearer realm="edcissuer"'


def client_of(request: Request, scope: str) -> Client:
    """The authenticated client with `scope`, or a 401 (no/unknown token) or 403 (wrong scope)."""
    header = request.headers.get("authorization", "")
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Problem(401, "unauthorized", "Authentication required",
                      f"this endpoint needs a bearer token with scope {scope!r}",
                      headers={"WWW-Authenticate": CHALLENGE})
    client: Client | None = request.app.state.service.settings.client_for(token.strip())
    if client is None:
        raise Problem(401, "unauthorized", "Unknown token", "the bearer token is not one this service knows",
                      headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'})
    if scope not in client.scopes:
        raise Problem(403, "insufficient-scope", "Forbidden",
                      f"the token of client {client.name!r} lacks scope {scope!r}",
                      headers={"WWW-Authenticate": f'{CHALLENGE}, error="insufficient_scope", scope="{scope}"'},
                      scope=scope)
    return client


def requires(scope: str) -> Callable[[Request], Client]:
    """A FastAPI dependency: `client: Client = Depends(requires("issue"))`."""

    def dependency(request: Request) -> Client:
        return client_of(request, scope)

    dependency.__name__ = f"requires_{scope}"
    return dependency
