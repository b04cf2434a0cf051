"""Errors as RFC 9457 problem details: every refusal names its check or field, never a traceback.

Why one mapping from library errors to HTTP: the routes raise what the library raises
(InputError, RecordValidationError, LedgerError, ...) and this module alone decides the
status code and the body, so the CLI and the service refuse the same input with the same
words. Values are never echoed back (a record value may be personal data); the field is.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import EdcIssuerError, LedgerError, RecordValidationError, SigningError
from .core import Forbidden, NotFound

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:edcissuer:problem:"
log = logging.getLogger("edcissuer.service")


class Problem(Exception):
    """An HTTP refusal with a problem type slug, a title, a detail sentence and extension members."""

    def __init__(self, status: int, slug: str, title: str, detail: str, *,
                 headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPE_BASE + problem.slug, "title": problem.title, "status": problem.status,
                            "detail": problem.detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in problem.extensions.items() if v is not None})
    return JSONResponse(body, status_code=problem.status, media_type=MEDIA_TYPE, headers=problem.headers)


def from_library(exc: EdcIssuerError) -> Problem:
    """The problem a library error becomes (status by kind; the field named, the value not echoed)."""
    if isinstance(exc, NotFound):
        return Problem(404, "not-found", "Not found", exc.message, field=exc.field)
    if isinstance(exc, Forbidden):
        return Problem(403, "insufficient-scope", "Forbidden", exc.message, field=exc.field)
    if isinstance(exc, RecordValidationError):
        return Problem(422, "record-invalid", "The record was refused", exc.message, field=exc.field,
                       errors=[{"field": f, "detail": m} for f, m in exc.problems])
    if isinstance(exc, LedgerError):
        conflict = exc.field in {"credential_id", "proof", "signer"}
        return Problem(409 if conflict else 503, "ledger-conflict" if conflict else "ledger-unavailable",
                       "Refused by the ledger" if conflict else "The ledger is unavailable", exc.message,
                       field=exc.field)
    if isinstance(exc, SigningError):
        return Problem(422, "signing-refused", "Cannot sign", exc.message, field=exc.field)
    return Problem(422, "input-refused", "The input was refused", exc.message, field=exc.field)


def _is_union_tag(part: Any) -> bool:
    """pydantic names the member of a union it tried (`dict[str,any]`, `str`): not a field of the body."""
    return isinstance(part, str) and ("[" in part or part in _TYPE_TAGS)


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "dict", "list", "none", "bytes"})


def validation_error(error: Any) -> dict[str, str]:
    """One pydantic error as {field, detail}: the field path in the body, never the value given."""
    loc = [p for p in error.get("loc", ()) if p != "body" and not _is_union_tag(p)]
    if error.get("type") == "json_invalid":
        where = (error.get("ctx") or {}).get("error", "")
        return {"field": "body", "detail": f"malformed JSON{f': {where}' if where else ''}"}
    return {"field": ".".join(str(p) for p in loc) or "body", "detail": str(error.get("msg", "invalid"))}


def install(app: FastAPI) -> None:
    """Register the handlers: library errors, request validation, HTTP errors, anything else."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(EdcIssuerError)
    async def _library(request: Request, exc: EdcIssuerError) -> JSONResponse:
        return problem_response(from_library(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [validation_error(e) for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "detail": "invalid"}
        return problem_response(Problem(422, "request-invalid", "The request body was refused",
                                        f"{first['field']}: {first['detail']}", field=first["field"],
                                        errors=errors), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:   # FastAPI: the body is not JSON it can parse (e.g. nested too deeply)
            return problem_response(UNPARSEABLE, request.url.path)
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(exc.status_code, "http-error")
        return problem_response(Problem(exc.status_code, slug, str(exc.detail), str(exc.detail),
                                        headers=dict(exc.headers or {})), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette answers with this, then re-raises to app.Guards, which logs the class name only
        return problem_response(INTERNAL, request.url.path)


#: what an unexpected failure becomes (app.Guards logs the exception's class name only)
INTERNAL = Problem(500, "internal", "Internal error", "the service could not complete this request; nothing was "
                   "issued or changed unless the audit log says so")

#: a body FastAPI could not parse at all (it answers 400; a malformed body is a 422 like any refused body)
UNPARSEABLE = Problem(422, "request-invalid", "The request body was refused",
                      "body: not JSON this service can read (malformed, or nested too deeply)", field="body",
                      errors=[{"field": "body", "detail": "not JSON this service can read"}])
