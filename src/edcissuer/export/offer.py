"""OpenID for Verifiable Credential Issuance 1.0: the credential offer and the issuer metadata.

A wallet (the learner's app) learns of a credential from a *credential offer*, here with
the pre-authorized code flow: the offer names the issuer, the credential configurations
on offer and a one-time `pre-authorized_code` (optionally guarded by a transaction code,
a PIN the learner gets by another channel). The offer travels as an
`openid-credential-offer://?credential_offer=...` URI, usually as a QR code. The wallet
then reads the institution's metadata at `/.well-known/openid-credential-issuer` to find
the endpoints and formats.

This module produces those documents, for an issuer that serves the protocol elsewhere. An
offer made here is in no issuer's store, so no `edcissuer serve` redeems it: for that, use
`edcissuer offer` or `POST /offers`, whose offers the service's token, nonce and credential
endpoints redeem (service/oid4vci.py, docs/wallets.md).
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlparse

from ..errors import EdcIssuerError, ExportError
from ..mapping.common import EDC_AP, OB3, VC1, VC2
from ..proofs.jwt import ALLOWED_ALGS
from ..securing.registry import by_name_or_proof
from ..suites.base import supported_suites

PRE_AUTH_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer://"
WELL_KNOWN = "/.well-known/openid-credential-issuer"
OB3_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
EDC_TYPES = ["VerifiableCredential", "EuropeanDigitalCredential"]
#: credential configuration ids this library can issue (keys of credential_configurations_supported)
CONFIGURATIONS = ("OpenBadgeCredential_ldp_vc", "OpenBadgeCredential_jwt_vc_json",
                  "EuropeanDigitalCredential_ldp_vc", "EuropeanDigitalCredential_jwt_vc_json")
_JWS_ALGS = list(ALLOWED_ALGS)


@dataclass(frozen=True)
class CredentialOffer:
    """An offer plus the secrets the institution must keep to honour it at its token endpoint."""

    offer: dict[str, Any]
    pre_authorized_code: str
    tx_code: str | None = field(default=None, repr=False)  # the PIN sent to the learner separately

    @property
    def uri(self) -> str:
        return offer_uri(self.offer)

    def to_json(self) -> str:
        return json.dumps(self.offer, indent=2, ensure_ascii=False) + "\n"


def _issuer_url(credential_issuer: str) -> str:
    parsed = urlparse(credential_issuer)
    if parsed.scheme != "https" or not parsed.netloc or parsed.query or parsed.fragment:
        raise ExportError("credential_issuer must be an https URL without query or fragment (OID4VCI 1.0 §12.2.1)",
                          field="credential-issuer", value=credential_issuer)
    return credential_issuer.rstrip("/")


def credential_offer(credential_issuer: str, configuration_ids: Sequence[str], *,
                     pre_authorized_code: str | None = None, tx_code_length: int | None = None,
                     tx_code_description: str = "The PIN sent to you by e-mail",
                     authorization_server: str | None = None) -> CredentialOffer:
    """A pre-authorized code offer for `configuration_ids` of `credential_issuer`.

    The code is 256 random bits unless given. With `tx_code_length`, a numeric PIN of that
    length is generated too: the offer describes it, the institution sends it by another
    channel, and its token endpoint requires it with the code.
    """
    issuer = _issuer_url(credential_issuer)
    if not configuration_ids:
        raise ExportError("an offer needs at least one credential configuration id",
                          field="credential_configuration_ids")
    code = pre_authorized_code or secrets.token_urlsafe(32)
    grant: dict[str, Any] = {"pre-authorized_code": code}
    pin = None
    if tx_code_length is not None:
        if not 4 <= tx_code_length <= 12:
            raise ExportError("a transaction code should have 4 to 12 digits", field="tx-code", value=tx_code_length)
        pin = "".join(secrets.choice("0123456789") for _ in range(tx_code_length))
        grant["tx_code"] = {"input_mode": "numeric", "length": tx_code_length, "description": tx_code_description}
    if authorization_server:
        grant["authorization_server"] = authorization_server
    offer = {"credential_issuer": issuer, "credential_configuration_ids": list(configuration_ids),
             "grants": {PRE_AUTH_GRANT: grant}}
    return CredentialOffer(offer, code, pin)


def offer_uri(offer: dict[str, Any], *, by_reference: str | None = None) -> str:
    """`openid-credential-offer://?credential_offer=<url-encoded JSON>`, or `credential_offer_uri=` by reference."""
    if by_reference:
        return f"{OFFER_SCHEME}?credential_offer_uri={quote(by_reference, safe='')}"
    text = json.dumps(offer, separators=(",", ":"), ensure_ascii=False)
    return f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"


def parse_offer_uri(uri: str) -> dict[str, Any]:
    """The offer JSON of a by-value offer URI (what a wallet does on scanning the QR)."""
    from urllib.parse import parse_qs

    if not uri.startswith(OFFER_SCHEME):
        raise ExportError(f"not a credential offer URI (must start with {OFFER_SCHEME})", field="uri")
    params = parse_qs(urlparse(uri).query)
    if "credential_offer" not in params:
        raise ExportError("the URI passes the offer by reference (credential_offer_uri); fetch it from there",
                          field="credential_offer")
    try:
        offer = json.loads(params["credential_offer"][0])
    except ValueError as exc:
        raise ExportError(f"credential_offer is not JSON: {exc}", field="credential_offer") from exc
    if not isinstance(offer, dict):
        raise ExportError("credential_offer is not a JSON object", field="credential_offer")
    return offer


def offer_qr(offer: CredentialOffer | dict[str, Any], *, fmt: str = "png") -> bytes:
    """The offer URI as a QR code for the learner's wallet to scan."""
    from .qr import make_qr

    body = offer.offer if isinstance(offer, CredentialOffer) else offer
    return make_qr(offer_uri(body), fmt=fmt, error_correction="M")


def _display(name: str, locale: str, description: str | None = None) -> list[dict[str, Any]]:
    item = {"name": name, "locale": locale, **({"description": description} if description else {})}
    return [item]


def issuer_metadata(credential_issuer: str, *, name: str, locale: str = "en",
                    credential_endpoint: str | None = None, nonce_endpoint: str | None = None,
                    authorization_servers: Sequence[str] = (), logo_uri: str | None = None) -> dict[str, Any]:
    """The Credential Issuer Metadata an institution publishes at `/.well-known/openid-credential-issuer`.

    Offers OB 3.0 and ELM credentials as `ldp_vc` (Data Integrity) and `jwt_vc_json`
    (VC-JWT). The JAdES-sealed ELM form has no OID4VCI format identifier; learners get it
    as a file for Europass (europass.py). Holder binding is to the learner's did:key.
    """
    issuer = _issuer_url(credential_issuer)
    display = {"name": name, "locale": locale, **({"logo": {"uri": logo_uri}} if logo_uri else {})}
    key_proof = {"jwt": {"proof_signing_alg_values_supported": _JWS_ALGS}}

    def config(fmt: str, types: list[str], contexts: list[str], label: str) -> dict[str, Any]:
        definition: dict[str, Any] = {"type": types}
        if fmt == "ldp_vc":
            definition = {"@context": contexts, "type": types}
        return {
            "format": fmt,
            "scope": types[-1],
            "cryptographic_binding_methods_supported": ["did:key"],
            "credential_signing_alg_values_supported": list(supported_suites()) if fmt == "ldp_vc" else _JWS_ALGS,
            "proof_types_supported": key_proof,
            "credential_definition": definition,
            "credential_metadata": {"display": _display(label, locale)},
        }

    configs = {
        "OpenBadgeCredential_ldp_vc": config("ldp_vc", OB3_TYPES, [VC2, OB3], "Micro-credential (Open Badge)"),
        "OpenBadgeCredential_jwt_vc_json": config("jwt_vc_json", OB3_TYPES, [], "Micro-credential (Open Badge, JWT)"),
        "EuropeanDigitalCredential_ldp_vc": config("ldp_vc", EDC_TYPES, [VC1, EDC_AP],
                                                   "European Digital Credential"),
        "EuropeanDigitalCredential_jwt_vc_json": config("jwt_vc_json", EDC_TYPES, [],
                                                        "European Digital Credential (JWT)"),
    }
    meta: dict[str, Any] = {
        "credential_issuer": issuer,
        "credential_endpoint": credential_endpoint or f"{issuer}/credential",
        "nonce_endpoint": nonce_endpoint or f"{issuer}/nonce",
    }
    if authorization_servers:
        meta["authorization_servers"] = list(authorization_servers)
    meta["display"] = [display]
    meta["credential_configurations_supported"] = configs
    return meta


def metadata_url(credential_issuer: str) -> str:
    """Where the metadata lives: the well-known suffix inserted between host and path (§12.2.2)."""
    parsed = urlparse(_issuer_url(credential_issuer))
    return f"https://{parsed.netloc}{WELL_KNOWN}{parsed.path.rstrip('/')}"


def configuration_for(fmt: str, proof: str) -> str:
    """The configuration id matching an issued credential's format (elm/ob3) and proof."""
    base = "OpenBadgeCredential" if fmt == "ob3" else "EuropeanDigitalCredential"
    try:
        oid4vci = by_name_or_proof(proof).oid4vci_format
    except EdcIssuerError:
        oid4vci = None
    if oid4vci is not None:
        return f"{base}_{oid4vci}"
    raise ExportError(f"a {proof} credential has no OpenID4VCI format; give an ldp_vc (Data Integrity) or "
                      "jwt_vc_json (VC-JWT) credential, or hand the sealed file over for Europass",
                      field="proof", value=proof)
