"""The ASGI application: routes, pages, and the guards every request passes.

Why FastAPI (on Starlette) served by uvicorn: the request bodies are pydantic models like
the rest of the library, so the OpenAPI description at /openapi.json is generated from the
same types the routes validate with (schemathesis tests the running server against it);
Starlette gives plain ASGI middleware for the guards; uvicorn runs several worker processes.

Guards, outermost first: a body size cap (413 before the body is read in full), a time
limit (503 when a request overruns), security headers (a strict Content-Security-Policy,
no sniffing, no framing, no referrer) and CORS closed unless the profile lists origins.
Logs name the method, path and status only: never a body, a token or a learner.
"""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .. import __version__
from ..config import load_config
from . import problems
from .api import router as api_router
from .core import Service
from .oid4vci import router as oid4vci_router
from .pages import router as pages_router
from .problems import Problem, problem_response
from .settings import ServiceSettings, from_config

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: no external asset, no inline script, no framing; images may be data: (QR codes, logos)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin")]
_OURS = frozenset(name for name, _ in SECURITY_HEADERS)   # replaced, never doubled
ENV_PUBLIC_URL = "EDCISSUER_PUBLIC_URL"
log = logging.getLogger("edcissuer.service")


class Guards:
    """Body size cap, time limit and security headers, as one pure ASGI middleware."""

    def __init__(self, app: ASGIApp, *, max_body: int, timeout: float) -> None:
        self.app, self.max_body, self.timeout = app, max_body, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        overflow = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if overflow and not started:
                # the app answered a body it could not read in full (FastAPI turns any error while reading
                # into a 400): the answer is the 413, sent by the except clause below
                raise _BodyTooLarge()
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _OURS]
                message["headers"] = headers + SECURITY_HEADERS
            await send(message)

        async def refuse(problem: Problem) -> None:
            nonlocal overflow
            overflow = False
            if not started:
                await problem_response(problem, scope.get("path"))(scope, receive, send_with_headers)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await refuse(_too_large(self.max_body))
            return
        received = 0

        async def counted() -> Message:
            nonlocal received, overflow
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    overflow = True
                    raise _BodyTooLarge()
            return message

        try:
            await asyncio.wait_for(self.app(scope, counted, send_with_headers), self.timeout)
        except _BodyTooLarge:
            await refuse(_too_large(self.max_body))
        except asyncio.TimeoutError:
            log.warning("timeout after %ss on %s %s", self.timeout, scope.get("method"), scope.get("path"))
            await refuse(Problem(503, "timeout", "The request took too long",
                                 f"no answer within {self.timeout:g} s; try again later",
                                 headers={"Retry-After": "5"}))
        except Exception as exc:  # noqa: BLE001 - the last line: a 500 problem, never a traceback
            # the class name only: a message or traceback may quote the input (personal data)
            log.error("unexpected %s on %s %s", type(exc).__name__, scope.get("method"), scope.get("path"))
            await refuse(problems.INTERNAL)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> Problem:
    return Problem(413, "body-too-large", "Request body too large",
                   f"the body is over the limit of {limit // 1024} KiB (service.max_body_kib)", limit=limit)


def create_app(settings: ServiceSettings, *, service: Service | None = None) -> Any:
    """The ASGI app of one worker (wrapped in the guards)."""
    app = FastAPI(title="edcissuer", version=__version__, docs_url=None, redoc_url=None,
                  description="Issue, verify and recognise European micro-credentials (VC-API endpoints, "
                              "recognition decisions, published status lists). See docs/service.md.")
    app.state.service = service or Service(settings)
    app.openapi = lambda: _openapi(app)   # type: ignore[method-assign]
    problems.install(app)
    app.include_router(api_router)
    app.include_router(oid4vci_router)
    app.include_router(pages_router)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"], allow_credentials=False)
    return Guards(app, max_body=settings.max_body, timeout=settings.request_timeout)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's description plus the bearer scheme the protected operations name (auth.py checks it)."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {})["securitySchemes"] = {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "a token of a client in service.clients; scopes issue, revoke, offer"}}
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_environment() -> Any:
    """uvicorn's factory for worker processes: the profile named by $EDCISSUER_CONFIG."""
    path = os.environ.get("EDCISSUER_CONFIG")
    if not path:
        raise SystemExit("EDCISSUER_CONFIG is not set: start the service with `edcissuer serve`")
    settings = from_config(load_config(path), public_url=os.environ.get(ENV_PUBLIC_URL) or None)
    return create_app(settings)
