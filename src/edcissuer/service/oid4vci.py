"""OpenID for Verifiable Credential Issuance 1.0: the pre-authorized code flow, served (docs/wallets.md).

Why this shape: a registrar creates an offer for one learner from the ledger (`POST /offers`,
or `edcissuer offer`); the learner's wallet scans `openid-credential-offer://?credential_offer_uri=`,
reads the offer (`GET /offers/{id}`) and the metadata (`/.well-known/...`), exchanges the
pre-authorized code (and the PIN it got by another channel) at `/token`, fetches a nonce at
`/nonce`, and posts a key proof to `/credential`. The answer is a copy of the ledger's
credential (same id, same status entries) bound to the wallet's key: OB3 with
`credentialSubject.id` = the holder's did:key/did:jwk, or an SD-JWT VC with `cnf.jwk`.

The credential issuer identifier is the deployment's public URL; it is also the OAuth
authorization server and the `aud` proofs must name. Errors are OAuth/OpenID4VCI JSON
(`{"error", "error_description"}`, never problem+json: wallets parse these), with
`Cache-Control: no-store` on everything that carries a secret. The routes are thin: the
state is in oid4vci_store, the proof checks in oid4vci_proof, the signing in the library.
"""
from __future__ import annotations

import json
import weakref
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..batch import sign_record
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, InputError
from ..issue import default_proof
from ..mapping.common import OB3, VC2
from ..models.records import parse_record
from ..profiles import as_profile, conform
from ..proofs.jwt import ALG_FOR_KEY
from ..status.publish import entries_for
from .api import BODY_PROBLEMS, problems
from .auth import requires
from ..sdjwt import EDC_VCT, EUDI_VCT, claims_schema, issue_sd_jwt_vc, type_metadata
from .core import NotFound, Service
from .oid4vci_proof import PROOF_ALGS, HolderKey, ProofError, check_proof
from .oid4vci_store import OFFER_LIFETIME, Busy, OfferStore, derive_offer_secret
from .problems import Problem
from .settings import Client

router = APIRouter()


class MaskOfferIds(logging.Filter):
    """Access-log lines show `/offers/…`, not the offer id: while an offer is open its URL is
    a capability (it serves the pre-authorized code), and logs travel further than QR codes."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and \
                args[2].startswith("/offers/"):
            record.args = (*args[:2], "/offers/…", *args[3:])
        return True


# uvicorn's access logger lives in every worker process that imports this router
logging.getLogger("uvicorn.access").addFilter(MaskOfferIds())

PRE_AUTH_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer://"
OB3_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
LDP_VC = "OpenBadgeCredential_ldp_vc"
JWT_VC = "OpenBadgeCredential_jwt_vc_json"
SD_JWT = "MicroCredential_dc+sd-jwt"
SD_JWT_EUDI = "LearningCredential_dc+sd-jwt"     # the EUDI type only: what the EU reference verifier asks for
#: how long an SD-JWT VC is valid when the record sets no end (the lead may tune this)
SD_JWT_VALIDITY = timedelta(days=365)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: the longest offer a caller may ask for
MAX_OFFER_DAYS = 90


def configurations(service: Service) -> dict[str, dict[str, Any]]:
    """credential_configurations_supported: OB3 as ldp_vc and jwt_vc_json, and dc+sd-jwt when available."""
    key = service.settings.key
    if key is None:
        return {}
    proofs = {"jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}}
    configs: dict[str, dict[str, Any]] = {
        LDP_VC: {
            "format": "ldp_vc", "scope": LDP_VC,
            "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
            "credential_signing_alg_values_supported": [default_proof("ob3", key)],
            "proof_types_supported": proofs,
            "credential_definition": {"@context": [VC2, OB3], "type": OB3_TYPES},
            "credential_metadata": {"display": [{"name": "Micro-credential (Open Badge)", "locale": "en"}]},
        },
        JWT_VC: {
            "format": "jwt_vc_json", "scope": JWT_VC,
            "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
            "credential_signing_alg_values_supported": [ALG_FOR_KEY[key.algorithm]],
            "proof_types_supported": proofs,
            "credential_definition": {"type": OB3_TYPES},
            "credential_metadata": {"display": [{"name": "Micro-credential (Open Badge, JWT)", "locale": "en"}]},
        },
    }
    for config_id, vct, name in ((SD_JWT, EDC_VCT, "Micro-credential (SD-JWT VC, EU learning credential with the "
                                                      "eleven elements)"),
                                 (SD_JWT_EUDI, EUDI_VCT, "Learning credential (SD-JWT VC, EU Digital Identity "
                                                         "Wallet type)")):
        configs[config_id] = {
            "format": "dc+sd-jwt", "scope": config_id, "vct": vct,
            "cryptographic_binding_methods_supported": ["jwk"],
            "credential_signing_alg_values_supported": [ALG_FOR_KEY[key.algorithm]],
            "proof_types_supported": proofs,
            "credential_metadata": {"display": [{"name": name, "locale": "en"}]},
        }
    return configs


# --- the state, over the worker's ledger connection ------------------------------------------------

#: per Service, not per id(): an id can be reused by a later Service with another issuer key
_SECRETS: weakref.WeakKeyDictionary[Service, bytes] = weakref.WeakKeyDictionary()


def _secret(service: Service) -> bytes:
    """The offer secret of this deployment (derived once per worker from the issuer key)."""
    found = _SECRETS.get(service)
    if found is None:
        signer = service.settings.key or service.settings.seal
        if signer is None:  # pragma: no cover - settings refuse a deployment without either
            raise InputError("OpenID4VCI needs the issuer key", field="issuer.key")
        found = _SECRETS[service] = derive_offer_secret(signer)
    return found


@dataclass(frozen=True)
class CreatedOffer:
    """What `create_offer` hands the registrar: the URI for the QR code, the PIN once."""

    offer_id: str
    credential_id: str
    offer_uri: str
    credential_offer: dict[str, Any]
    tx_code: str | None
    expires_at: datetime

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"offerId": self.offer_id, "credentialId": self.credential_id,
                                "offerUri": self.offer_uri, "credentialOffer": self.credential_offer,
                                "expiresAt": self.expires_at.isoformat().replace("+00:00", "Z")}
        if self.tx_code:
            body["txCode"] = self.tx_code
        return body


def offer_document(service: Service, store: OfferStore, offer_id: str, configs: tuple[str, ...],
                   tx_code_length: int | None) -> dict[str, Any]:
    """The Credential Offer (§4.1) of a stored offer, with its pre-authorized code recomputed."""
    grant: dict[str, Any] = {"pre-authorized_code": store.code_for(offer_id)}
    if tx_code_length:
        grant["tx_code"] = {"input_mode": "numeric", "length": tx_code_length,
                            "description": "The PIN your institution sent you separately"}
    return {"credential_issuer": service.settings.public_url, "credential_configuration_ids": list(configs),
            "grants": {PRE_AUTH_GRANT: grant}}


def create_offer(service: Service, record: dict[str, Any], *, client: Client, formats: list[str] | None = None,
                 tx_code: bool = False, profile: str | None = None,
                 lifetime: timedelta = OFFER_LIFETIME) -> CreatedOffer:
    """Issue `record` through the ledger (as /credentials/issue does) and offer it to the learner's wallet."""
    known = configurations(service)
    chosen = tuple(formats or [c for c in (LDP_VC, JWT_VC) if c in known])
    for config in chosen:
        if config not in known:
            raise InputError(f"formats: {config!r} is not a configuration of this issuer (known: "
                             f"{', '.join(known)})", field="formats", value=config)
    if not timedelta(minutes=5) <= lifetime <= timedelta(days=MAX_OFFER_DAYS):
        raise InputError(f"an offer lives 5 minutes to {MAX_OFFER_DAYS} days", field="expiresInDays")
    issued = service.issue(record, fmt="ob3", client=client, profile=profile)
    credential_id = issued.recorded.entry.credential_id
    kept = {"record": record, "profile": profile}
    with service.ledger() as ledger:
        store = OfferStore(ledger, _secret(service))
        new = store.create(credential_id=credential_id, configurations=chosen, record=kept, now=service.now(),
                           tx_code=tx_code, lifetime=lifetime)
        document = offer_document(service, store, new.offer_id, chosen, 6 if new.tx_code else None)
    service.audit.append("offer", client.name, credential_id, offer=new.offer_id, formats=list(chosen),
                         txCode=bool(new.tx_code))
    reference = f"{service.settings.public_url}/offers/{new.offer_id}"
    uri = f"{OFFER_SCHEME}?credential_offer_uri={quote(reference, safe='')}"
    return CreatedOffer(new.offer_id, credential_id, uri, document, new.tx_code, new.expires_at)


def open_offers(service: Service, credential_id: str, *, pin_only: bool = False) -> list[str]:
    """The offer URIs still open for one credential (for the learner page's "add to wallet").

    `pin_only`: just the offers a PIN protects. A page anyone holding the certificate can open
    shows only those: an offer without a PIN is redeemed by whoever scans it first.
    """
    with service.ledger() as ledger:
        rows = OfferStore(ledger, _secret(service)).by_credential(credential_id, service.now())
    return [f"{OFFER_SCHEME}?credential_offer_uri="
            + quote(f"{service.settings.public_url}/offers/{r.offer_id}", safe="") for r in rows
            if not pin_only or r.tx_code_length]


# --- OAuth / OpenID4VCI errors ------------------------------------------------------------------------

class OAuthError(Exception):
    """An error the wallet reads: `{"error", "error_description"}` with status 400 (401 for tokens)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> Response:
        headers = dict(NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = (f'Bearer realm="edcissuer", error="{self.error}", '
                                           f'error_description="{self.description}"')
        return _json({"error": self.error, "error_description": self.description}, self.status, headers)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type="application/json",
                    headers=headers)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(service_of)]
OfferClient = Annotated[Client, Depends(requires("offer"))]


# --- metadata -----------------------------------------------------------------------------------------

@router.get("/.well-known/openid-credential-issuer", tags=["wallets"], include_in_schema=False,
            summary="OpenID4VCI Credential Issuer metadata (formats, endpoints)")
def issuer_metadata(service: ServiceDep) -> Response:
    base = service.settings.public_url
    meta: dict[str, Any] = {
        "credential_issuer": base, "credential_endpoint": f"{base}/credential", "nonce_endpoint": f"{base}/nonce",
        "display": [{"name": service.settings.issuer_name or base, "locale": "en"}],
        "credential_configurations_supported": configurations(service)}
    return _json(meta, headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


@router.get("/.well-known/oauth-authorization-server", tags=["wallets"], include_in_schema=False,
            summary="OAuth authorization server metadata (RFC 8414): the pre-authorized code grant only")
def authorization_server_metadata(service: ServiceDep) -> Response:
    base = service.settings.public_url
    meta = {"issuer": base, "token_endpoint": f"{base}/token", "grant_types_supported": [PRE_AUTH_GRANT],
            "pre-authorized_grant_anonymous_access_supported": True,
            "token_endpoint_auth_methods_supported": ["none"], "response_types_supported": []}
    return _json(meta, headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


# --- offers ------------------------------------------------------------------------------------------

class OfferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: dict[str, Any] = Field(description="the micro-credential record (docs/records.md), as JSON")
    formats: list[str] | None = Field(default=None, min_length=1, max_length=8,
                                      description="credential configuration ids (default: the OB3 ldp_vc and "
                                                  "jwt_vc_json ones)")
    txCode: bool = Field(default=False, description="guard the offer with a 6-digit PIN (returned once)")
    profile: str | None = Field(default=None, max_length=64, description="alliance profile name")
    expiresInDays: float = Field(default=OFFER_LIFETIME.days, gt=0, le=MAX_OFFER_DAYS)


class OfferResponse(BaseModel):
    offerId: str
    credentialId: str = Field(description="the ledger's credential id (as /credentials/issue answers)")
    offerUri: str = Field(description="openid-credential-offer://?credential_offer_uri=... (for the QR code)")
    credentialOffer: dict[str, Any] = Field(description="the offer JSON the wallet reads by reference")
    txCode: str | None = Field(default=None, description="the PIN, this once: send it by another channel")
    expiresAt: str


@router.post("/offers", status_code=201, response_model=OfferResponse, response_model_exclude_none=True,
             tags=["wallets"], responses=problems(401, 403, 409, *BODY_PROBLEMS), openapi_extra={"security": [{"bearer": ["offer"]}]},
             summary="Issue a record through the ledger and offer it to the learner's wallet (OpenID4VCI)")
def post_offer(body: OfferRequest, service: ServiceDep, client: OfferClient, response: Response) -> OfferResponse:
    created = create_offer(service, body.record, client=client, formats=body.formats, tx_code=body.txCode,
                           profile=body.profile, lifetime=timedelta(days=body.expiresInDays))
    response.headers.update(NO_STORE)
    return OfferResponse(**created.to_json())


@router.get("/offers/{offer_id}", tags=["wallets"], include_in_schema=False, summary="A credential offer by reference (OpenID4VCI §4.1.3)")
def get_offer(offer_id: str, service: ServiceDep) -> Response:
    with service.ledger() as ledger:
        store = OfferStore(ledger, _secret(service))
        row = store.open_offer(offer_id, service.now()) if len(offer_id) <= 64 else None
        if row is None:
            raise Problem(404, "not-found", "No such offer", "no open offer has this id (it may be used or expired)",
                          headers=NO_STORE)
        document = offer_document(service, store, row.offer_id, row.configurations, row.tx_code_length)
    return _json(document, headers=NO_STORE)


# --- token and nonce ---------------------------------------------------------------------------------

def _form(raw: bytes, content_type: str) -> dict[str, str]:
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "the token request must be application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OAuthError("invalid_request", "the token request body is not a form") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("invalid_request", f"{name}: given more than once")
        form[name] = value
    return form


def _token(service: Service, form: dict[str, str]) -> dict[str, Any]:
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError("invalid_request", "grant_type is missing")
    if grant != PRE_AUTH_GRANT:
        raise OAuthError("unsupported_grant_type", f"only {PRE_AUTH_GRANT} is supported")
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing")
    tx_code = form.get("tx_code")   # `user_pin` (drafts), `resource`, `authorization_details`: ignored
    with service.ledger() as ledger:
        granted = OfferStore(ledger, _secret(service)).exchange(code[:512], tx_code[:64] if tx_code is not None
                                                                else None, service.now())
    if granted.error:
        raise OAuthError(granted.error, granted.description)
    return {"access_token": granted.access_token, "token_type": "Bearer", "expires_in": granted.expires_in}


@router.post("/token", tags=["wallets"], include_in_schema=False,
             summary="OAuth token endpoint: the pre-authorized code (and PIN) for an access token")
async def token(request: Request, service: ServiceDep) -> Response:
    try:
        form = _form(await request.body(), request.headers.get("content-type", ""))
        answer = await run_in_threadpool(_token, service, form)
    except OAuthError as exc:
        return exc.response()
    return _json(answer, headers=NO_STORE)


def _nonce(service: Service) -> str:
    with service.ledger() as ledger:
        return OfferStore(ledger, _secret(service)).new_nonce(service.now())


@router.post("/nonce", tags=["wallets"], include_in_schema=False, summary="A fresh single-use c_nonce for the key proof (OpenID4VCI §7)")
async def nonce(service: ServiceDep) -> Response:
    try:
        value = await run_in_threadpool(_nonce, service)
    except Busy as exc:
        return _json({"error": "temporarily_unavailable", "error_description": exc.message}, 503,
                     {**NO_STORE, "Retry-After": "60"})
    return _json({"c_nonce": value}, headers=NO_STORE)


# --- the credential ----------------------------------------------------------------------------------

def _access_token(request: Request) -> str:
    kind, _, value = request.headers.get("authorization", "").partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        raise OAuthError("invalid_token", "give the access token from the token endpoint as a Bearer token", 401)
    return value.strip()


def _request_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise OAuthError("invalid_credential_request", "the credential request must be application/json")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_credential_request", "the credential request is not JSON") from exc
    if not isinstance(body, dict):
        raise OAuthError("invalid_credential_request", "the credential request is not a JSON object")
    return body


def _credential(service: Service, token_value: str, body: dict[str, Any]) -> dict[str, Any]:
    """The checks of §8 in order (docs/wallets.md); nothing is claimed or signed before all passed."""
    now = service.now()
    with service.ledger() as ledger:
        store = OfferStore(ledger, _secret(service))
        offer, why = store.offer_of_token(token_value[:512], now)
        if offer is None:
            raise OAuthError("invalid_token", why, 401)
        if "proof" in body:
            raise OAuthError("invalid_credential_request", "proof (singular) is not OpenID4VCI 1.0: send proofs")
        if ("credential_configuration_id" in body) == ("credential_identifier" in body):
            raise OAuthError("invalid_credential_request",
                             "give credential_configuration_id (this issuer hands out no credential_identifier)")
        if "credential_identifier" in body:
            raise OAuthError("unknown_credential_identifier", "this issuer hands out no credential identifiers")
        config = body["credential_configuration_id"]
        known = configurations(service)
        if not isinstance(config, str) or config not in known:
            raise OAuthError("unknown_credential_configuration",
                             f"credential_configuration_id: not one of {', '.join(known)}")
        if config not in offer.configurations:
            raise OAuthError("credential_request_denied", "credential_configuration_id: not in this offer")
        if config in offer.issued:
            raise OAuthError("credential_request_denied", "this credential was already issued for this offer")
        proofs = body.get("proofs")
        if not isinstance(proofs, dict) or list(proofs) != ["jwt"]:
            raise OAuthError("invalid_proof", "proofs must be {\"jwt\": [one proof JWT]}")
        jwts = proofs["jwt"]
        if not isinstance(jwts, list) or not jwts:
            raise OAuthError("invalid_proof", "proofs.jwt must be a non-empty array")
        if len(jwts) > 1:
            raise OAuthError("invalid_credential_request", "one proof per request (no batch issuance here)")
        try:
            holder = check_proof(jwts[0], audience=service.settings.public_url, now=now)
        except ProofError as exc:
            raise OAuthError("invalid_proof", exc.description) from exc
        if not store.spend_nonce(holder.nonce, now):
            raise OAuthError("invalid_nonce", "the proof's nonce is unknown, expired or used: get a new one")
        entries = [e for e in ledger.find(offer.credential_id) if e.format == "ob3"]
        if not entries or entries[0].state != "issued":
            raise OAuthError("credential_request_denied", "the credential is not valid in the ledger (revoked, "
                                                          "suspended or unfinished)")
        entry = entries[0]
        claim = store.claim(offer.offer_id, config, now)
        if claim is None:
            raise OAuthError("credential_request_denied", "this credential was already issued for this offer")
        try:
            status = (entries_for(ledger.list_info(entry.status_list), int(entry.status_index or 0), "ob3")
                      if entry.status_list else None)
            token_status = ({"idx": int(entry.status_index or 0), "uri": service.token_status_url(entry.status_list)}
                            if entry.status_list else None)
            credential = _mint(service, claim.record, config, holder, entry.credential_id, entry.proof, status,
                               now=now, signed_at=entry.reserved_at, token_status=token_status)
        except BaseException:
            store.release(claim)
            raise
    service.audit.append("wallet-issue", "wallet", entry.credential_id, offer=offer.offer_id, configuration=config)
    return {"credentials": [{"credential": credential}]}


def _mint(service: Service, kept: dict[str, Any], config: str, holder: HolderKey, credential_id: str,
          ledger_proof: str, status: list[dict[str, Any]] | None, *, now: datetime, signed_at: datetime,
          token_status: dict[str, Any] | None = None) -> Any:
    """The holder-bound copy: the ledger's id, dates and status entries; the learner id = the holder's DID.

    `signed_at` is the ledger entry's time, as `issue_recorded` signs with, so the copy differs
    from the ledger's credential in the subject id (and the proof) only.
    """
    key = service.settings.key
    if not isinstance(key, KeyPair):  # pragma: no cover - configurations() is empty without a key
        raise InputError("this deployment has no signing key", field="issuer.key")
    record = parse_record(kept["record"])
    chosen = as_profile(service.profile(kept.get("profile")))
    if chosen is not None:
        record = conform(record, chosen)
    if config in (SD_JWT, SD_JWT_EUDI):
        return _issue_sd_jwt(service, record, vct=EDC_VCT if config == SD_JWT else EUDI_VCT, signer=key,
                             holder=holder.jwk, now=now, status=token_status)
    bound = record.model_copy(update={"learner": record.learner.model_copy(update={"id": holder.did})})
    proof = "jwt" if config == JWT_VC else (ledger_proof if ledger_proof != "jwt" else default_proof("ob3", key))
    issued = sign_record(bound, fmt="ob3", proof=proof, signer=key, credential_id=credential_id, status=status,
                         now=signed_at, issuer_did=service.settings.issuer_did, ob3_form=service.settings.ob3_form)
    return issued.artefact


def _issue_sd_jwt(service: Service, record: Any, *, vct: str, signer: KeyPair, holder: dict[str, Any],
                  now: datetime, status: dict[str, Any] | None) -> str:
    """The dc+sd-jwt copy: `iss` is the deployment's DID (its did.json lists the key the `kid` names,
    so any verifier resolves it), with the ledger entry's index in the Token Status List."""
    issuer = service.settings.issuer_did or signer.did_key
    issued = issue_sd_jwt_vc(record, signer=signer, issuer=issuer, holder=holder, now=now, valid_for=SD_JWT_VALIDITY,
                             status=status, vct=vct, kid=service.signing_kid(issuer))
    return issued.serialize()


@router.get("/vct/{vct:path}", tags=["wallets"], include_in_schema=False,
            summary="SD-JWT VC type metadata of the types this issuer offers (ours extends the EUDI type)")
def vct_metadata(vct: str) -> Response:
    document = type_metadata(vct)
    if document is None:
        return _json({"error": "not_found", "error_description": "no type metadata for this vct here"}, 404)
    return _json(document, headers={"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"})


@router.get("/schemas/{vct:path}", tags=["wallets"], include_in_schema=False,
            summary="The JSON Schema (2020-12) of an SD-JWT VC type's disclosed claims")
def vct_schema(vct: str) -> Response:
    if vct not in (EDC_VCT, EUDI_VCT):
        return _json({"error": "not_found", "error_description": "no schema for this vct here"}, 404)
    return _json(claims_schema(vct), headers={"Cache-Control": "public, max-age=86400",
                                              "Access-Control-Allow-Origin": "*"})


@router.post("/credential", tags=["wallets"], include_in_schema=False, summary="OpenID4VCI credential endpoint: a copy bound to the "
                                                     "wallet's key, for the access token and a key proof")
async def credential(request: Request, service: ServiceDep) -> Response:
    try:
        token_value = _access_token(request)
        body = _request_body(await request.body(), request.headers.get("content-type", ""))
        answer = await run_in_threadpool(_credential, service, token_value, body)
    except OAuthError as exc:
        return exc.response()
    except NotFound as exc:
        return OAuthError("credential_request_denied", exc.message).response()
    except EdcIssuerError as exc:
        # the kept record no longer issues (e.g. a profile changed): the wallet cannot fix that
        return OAuthError("credential_request_denied", f"{exc.field or 'record'}: {exc.message}"[:300]).response()
    return _json(answer, headers=NO_STORE)
