"""The JSON API: W3C VC-API endpoints where VC-API defines them, plus recognition and publishing.

Why these shapes: a registrar's system that already speaks VC-API (`/credentials/issue`,
`/credentials/verify`, `/presentations/verify`, `/credentials/status`) needs no new client.
One departure, stated in docs/service.md: issuing takes a micro-credential *record* (the
eleven elements), not an unsigned VC, because the service maps it to ELM or OB3 itself.
Each route is a few lines over `Service`; none of them signs, verifies or decides itself.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..checks import CheckId
from ..presentations import is_presentation
from ..results import VerificationResult
from .auth import requires
from .core import ACTIONS, Service, list_urls
from .problems import Problem
from .settings import Client

router = APIRouter()
T = TypeVar("T")

JSON_VALUE = dict[str, Any] | str


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueOptions(_Body):
    format: Literal["elm", "ob3"] = Field(description="elm (European Digital Credential) or ob3 (Open Badges 3.0)")
    proof: str | None = Field(default=None, max_length=64,
                              description="proof format (default: JAdES for ELM with a seal, else the key's "
                                          "Data Integrity suite)")
    ob3Form: Literal["standard", "extended"] | None = None
    profile: str | None = Field(default=None, max_length=64, description="alliance profile name (docs/profiles.md)")
    status: bool = Field(default=True, description="give the credential a status list entry (revocable)")


class IssueRequest(_Body):
    record: dict[str, Any] = Field(description="the micro-credential record (docs/records.md), as JSON")
    options: IssueOptions


class IssueResponse(BaseModel):
    verifiableCredential: JSON_VALUE
    credentialId: str
    format: str
    proof: str
    new: bool = Field(description="false: the ledger already held this record; the same credential again")
    statusListIndex: int | None = None
    statusListCredential: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class VerifyOptionsBody(_Body):
    challenge: str | None = Field(default=None, max_length=512)
    domain: str | None = Field(default=None, max_length=512)


class VerifyCredentialRequest(_Body):
    verifiableCredential: JSON_VALUE = Field(description="a secured credential: JSON (Data Integrity, JAdES "
                                                         "JSON serialization) or a compact JWT/JWS string")
    options: VerifyOptionsBody | None = None


class VerifyPresentationRequest(_Body):
    verifiablePresentation: JSON_VALUE
    options: VerifyOptionsBody | None = None


class CheckOut(BaseModel):
    name: str
    passed: bool
    reason: str
    details: dict[str, Any] = Field(default_factory=dict)


class VerifyResponse(BaseModel):
    verified: bool
    checks: list[str] = Field(description="ids of the checks that passed (VC-API)")
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="ids of the checks that failed (VC-API)")
    results: list[dict[str, Any]] = Field(description="every credential's result: checks with reasons, elements")


class StatusEntry(_Body):
    type: str | None = Field(default=None, max_length=64)
    status: Literal["revoked", "suspended", "valid", "reinstated"]


class StatusRequest(_Body):
    credentialId: str = Field(min_length=1, max_length=512)
    credentialStatus: list[StatusEntry] | None = Field(default=None, min_length=1, max_length=1,
                                                       description="VC-API: the status to set")
    action: Literal["revoke", "suspend", "reinstate"] | None = Field(default=None, description="or this")
    reason: str | None = Field(default=None, max_length=500,
                               description="why (kept in the ledger only, never published)")
    format: Literal["elm", "ob3"] | None = None


class StatusResponse(BaseModel):
    credentialId: str
    action: str
    changed: list[dict[str, Any]]


class AssessRequest(_Body):
    credentials: list[JSON_VALUE] = Field(min_length=1, max_length=50)
    policy: str | None = Field(default=None, max_length=64, description="one of the deployment's policies")
    stack: bool = False
    options: VerifyOptionsBody | None = None


class ProblemDetails(BaseModel):
    """RFC 9457 problem details: what every refusal of this service is (application/problem+json)."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(description="urn:edcissuer:problem:<slug>")
    title: str
    status: int
    detail: str = Field(description="one sentence naming the field or check (values are never echoed)")
    instance: str | None = None
    field: str | None = Field(default=None, description="the body member, record field or parameter refused")
    errors: list[dict[str, str]] | None = Field(default=None, description="every refused field: field, detail")
    checks: list[str] | None = Field(default=None, description="the verification checks that refused the input")
    scope: str | None = Field(default=None, description="the scope a token lacks (403)")


_PROBLEM_SCHEMA = ProblemDetails.model_json_schema()
_WHY = {401: "no bearer token, or one this service does not know (WWW-Authenticate: Bearer)",
        403: "the token lacks the scope this operation needs (named in `scope`)",
        404: "nothing has this name or id", 409: "the ledger refuses the change (e.g. a credential id in use)",
        413: "the body is over service.max_body_kib", 422: "the body, a record field or an option was refused",
        503: "the request took longer than service.request_timeout_s, or the ledger is unavailable"}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented refusals of an operation (so clients and schemathesis know their shape)."""
    return {code: {"description": _WHY[code], "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}}}
            for code in codes}


def _document(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": "the document", "content": {media_type: {"schema": {"type": "object"}}}}}


def _bearer(scope: str) -> dict[str, Any]:
    return {"security": [{"bearer": [scope]}]}


BODY_PROBLEMS = (413, 422, 503)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(service_of)]
IssueClient = Annotated[Client, Depends(requires("issue"))]
RevokeClient = Annotated[Client, Depends(requires("revoke"))]


def _verify_response(results: list[VerificationResult]) -> VerifyResponse:
    checks = [c for r in results for c in r.checks]
    return VerifyResponse(
        verified=bool(results) and all(r.verified for r in results),
        checks=sorted({c.name for c in checks if c.passed}),
        errors=sorted({c.name for c in checks if not c.passed}),
        results=[r.to_dict() for r in results])


def _unreadable(results: list[VerificationResult]) -> None:
    """A body that is not a credential at all is a 422 problem, not a 200 with verified=false."""
    if len(results) == 1 and len(results[0].checks) == 1 and results[0].checks[0].name == CheckId.INPUT:
        check = results[0].checks[0]
        raise Problem(422, "not-a-credential", "Not a credential", check.reason, checks=[check.name])


@router.post("/credentials/issue", status_code=201, response_model=IssueResponse, tags=["issuing"],
             responses=problems(401, 403, 409, *BODY_PROBLEMS), openapi_extra=_bearer("issue"),
             summary="Issue a credential from a micro-credential record (through the ledger and status lists)")
def issue_credential(body: IssueRequest, service: ServiceDep, client: IssueClient) -> IssueResponse:
    o = body.options
    issued = service.issue(body.record, fmt=o.format, proof=o.proof, ob3_form=o.ob3Form, profile=o.profile,
                           status=o.status, client=client)
    done = issued.recorded
    artefact = done.issued.artefact
    lists = []
    if done.entry.status_list:
        lists = list_urls(service.settings, done.entry.status_list)
    return IssueResponse(verifiableCredential=artefact, credentialId=done.entry.credential_id,
                         format=done.entry.format, proof=done.entry.proof, new=done.created,
                         statusListIndex=done.entry.status_index, statusListCredential=lists,
                         warnings=list(issued.warnings))


@router.post("/credentials/verify", response_model=VerifyResponse, tags=["verifying"],
             responses=problems(*BODY_PROBLEMS),
             summary="Verify a credential: proof, dates, status, conformance, the eleven elements")
async def verify_credential(body: VerifyCredentialRequest, service: ServiceDep) -> VerifyResponse:
    return await _verify(service, body.verifiableCredential, body.options, presentation=False)


@router.post("/presentations/verify", response_model=VerifyResponse, tags=["verifying"],
             responses=problems(*BODY_PROBLEMS),
             summary="Verify a presentation (challenge and domain) and every credential in it")
async def verify_presentation(body: VerifyPresentationRequest, service: ServiceDep) -> VerifyResponse:
    return await _verify(service, body.verifiablePresentation, body.options, presentation=True)


async def compute(service: Service, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run CPU-bound verification on the worker's event loop when it cannot wait on the network.

    With no host allow-listed every lookup is answered in-process (OwnDocuments), so the work
    never blocks on I/O; on the loop it no longer competes with the loop for the GIL, as it does
    from the thread pool (measured at 32 clients on 2 cores with 2 workers: 215 -> 285 req/s,
    p50 143 -> 109 ms; docs/benchmarks.md). A verification that may fetch runs in the pool.
    """
    if service.settings.allow_hosts:
        return await run_in_threadpool(work, *args, **kwargs)
    return work(*args, **kwargs)


async def _verify(service: Service, document: JSON_VALUE, options: VerifyOptionsBody | None, *,
            presentation: bool) -> VerifyResponse:
    """Both verify routes: a presentation only at /presentations/verify, where its challenge counts."""
    o = options or VerifyOptionsBody()
    if is_presentation(document) and not presentation:
        raise Problem(422, "request-invalid", "The request body was refused",
                      "verifiableCredential: this is a presentation; verify it at /presentations/verify (with the "
                      "challenge and domain you sent)", field="verifiableCredential",
                      checks=[CheckId.PRESENTATION_STRUCTURE])
    if presentation and not is_presentation(document):
        # a bare credential here would be "verified" with the challenge ignored: no replay protection
        raise Problem(422, "not-a-presentation", "Not a presentation",
                      "verifiablePresentation: not a JSON object typed VerifiablePresentation (a credential is "
                      "verified at /credentials/verify)", field="verifiablePresentation",
                      checks=[CheckId.PRESENTATION_STRUCTURE])
    results = await compute(service, service.verify, document, challenge=o.challenge, domain=o.domain)
    _unreadable(results)
    return _verify_response(results)


@router.post("/credentials/status", response_model=StatusResponse, tags=["issuing"],
             responses=problems(401, 403, 404, 409, *BODY_PROBLEMS), openapi_extra=_bearer("revoke"),
             summary="Revoke, suspend or reinstate a credential (its status lists are re-signed)")
def update_status(body: StatusRequest, service: ServiceDep, client: RevokeClient) -> StatusResponse:
    if (body.action is None) == (body.credentialStatus is None):
        raise Problem(422, "request-invalid", "The request body was refused",
                      "give credentialStatus (VC-API) or action, one of them", field="action")
    action = body.action or {"revoked": "revoke", "suspended": "suspend", "valid": "reinstate",
                             "reinstated": "reinstate"}[body.credentialStatus[0].status]  # type: ignore[index]
    changed = service.change_status(body.credentialId, action, reason=body.reason, fmt=body.format, client=client)
    return StatusResponse(credentialId=body.credentialId, action=action,
                          changed=[{"format": e.format, "state": e.state, "statusListIndex": e.status_index}
                                   for e in changed])


@router.post("/recognition/assess", tags=["recognition"], responses=problems(*BODY_PROBLEMS),
             summary="Verify credentials and decide on their recognition under one of the deployment's policies",
             response_description="the recognition report (docs/recognition-report.md), as the CLI's --json")
async def recognition_assess(body: AssessRequest, service: ServiceDep) -> dict[str, Any]:
    o = body.options or VerifyOptionsBody()
    documents: list[tuple[str, bytes | str | dict[str, Any]]] = [
        (f"credential {i + 1}", c) for i, c in enumerate(body.credentials)]
    report = await compute(service, service.assess, documents, policy=body.policy, stack=body.stack,
                           challenge=o.challenge, domain=o.domain)
    out: dict[str, Any] = report.to_dict()
    return out


# --- what verifiers fetch --------------------------------------------------------------------

def _json(document: Any, media_type: str = "application/json", max_age: int = 300) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), media_type=media_type,
                    headers={"Cache-Control": f"public, max-age={max_age}", "Access-Control-Allow-Origin": "*"})


@router.get("/status/tsl/{list_id}", tags=["publishing"], responses=problems(404),
            summary="An IETF Token Status List (statuslist+jwt) of the SD-JWT VC copies, signed from the ledger")
def token_status_list(list_id: str, service: ServiceDep) -> Response:
    return Response(service.token_status_list(list_id), media_type="application/statuslist+jwt",
                    headers={"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"})


@router.get("/status/{name}", tags=["publishing"], summary="A signed status list credential (from the ledger)",
            responses={**_document("application/json"), **problems(404, 503)})
def status_list(name: str, service: ServiceDep) -> Response:
    return _json(service.status_list(name), max_age=60)


@router.get("/.well-known/did.json", tags=["publishing"], summary="The issuer's did:web document",
            responses={**_document("application/did+json"), **problems(404, 503)})
def did_document(service: ServiceDep) -> Response:
    return _json(service.did_document(), "application/did+json")


@router.get("/contexts/{name}", tags=["publishing"], summary="A JSON-LD context the credentials use",
            responses={**_document("application/ld+json"), **problems(404, 503)})
def context(name: str, service: ServiceDep) -> Response:
    return Response(service.context_file(name), media_type="application/ld+json",
                    headers={"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"})


@router.get("/health", tags=["operations"], summary="Liveness and ledger reachability", responses=problems(503))
def health(service: ServiceDep) -> dict[str, Any]:
    with service.ledger() as ledger:
        version = ledger.schema_version
    return {"status": "ok", "ledger": {"dialect": ledger.dialect, "schema": version},
            "demo": service.settings.demo}


__all__ = ["ACTIONS", "router"]
