"""Identifier spellings compared across formats (legal identifiers, DIDs' controllers).

Why low in the stack: the proof layer binds a seal certificate's ETSI
organizationIdentifier to the issuer's eIDAS identifier, and the trust list matches
the same identifiers; both must reduce them the same way.
"""
from __future__ import annotations

import re

_ETSI_ORG_ID = re.compile(r"^([A-Z]{3})([A-Z]{2})-(.+)$")  # ETSI EN 319 412-1, e.g. VATPT-500123456


def normalise_legal_identifier(value: str) -> str:
    """One spelling for a legal identifier: 'VATPT-500123456', 'PT 500.123.456' -> 'PT500123456'.

    The ETSI organizationIdentifier of a seal certificate carries a 3-letter type and the
    country; records carry the EU VAT form with the country prefix. Both reduce to CC+number.
    """
    text = value.strip().upper()
    m = _ETSI_ORG_ID.match(text)
    if m:
        text = m.group(2) + m.group(3)
    return re.sub(r"[\s.\-/]", "", text)


def controller_of(method_id: str) -> str:
    """The DID (or URL) a verification method or key id belongs to: all before the fragment."""
    return method_id.split("#", 1)[0]


def issuer_id(credential: object) -> str | None:
    """The credential's `issuer` id (a string, or the `id` of an issuer object), else None."""
    if not isinstance(credential, dict):
        return None
    issuer = credential.get("issuer")
    if issuer is None and "vct" in credential:   # an SD-JWT VC's claims name their issuer `iss`
        issuer = credential.get("iss")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None
