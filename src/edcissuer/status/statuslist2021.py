"""StatusList2021 (W3C CCG / VCWG draft, 2021-2023): the status lists DCC deploys, verified only.

Why still here: credentials issued by the Digital Credentials Consortium's tools and by
digitalbazaar's `@digitalbazaar/vc-status-list` carry a `StatusList2021Entry` pointing at a
`StatusList2021Credential`, a VC 1.1 credential (`issuanceDate`, optional `expirationDate`)
in the context https://w3id.org/vc/status-list/2021/v1. The design is Bitstring Status
List's predecessor: purposes `revocation` and `suspension`, `statusListIndex` a decimal
string, at least 16 KB (131,072 entries), bit 0 the left-most bit of byte 0. `encodedList`
is the GZIP-compressed bitstring "base-64 encoded" (RFC 4648) with no multibase prefix;
the specification's example and the reference library write the url-safe alphabet without
padding. edcissuer never publishes this kind: it issues Bitstring Status Lists.
"""
from __future__ import annotations

from typing import Any

from .lists import GZIP, MAX_DECODED_BYTES, ListKind, decode_base64, inflate

CONTEXT = "https://w3id.org/vc/status-list/2021/v1"
ENTRY_TYPE = "StatusList2021Entry"
LIST_CREDENTIAL_TYPE = "StatusList2021Credential"
LIST_TYPE = "StatusList2021"


def decode_list(encoded: Any, *, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """The bitstring of a StatusList2021 encodedList (base64, then GZIP); ValueError naming the problem."""
    return inflate(decode_base64(encoded), wbits=GZIP, max_bytes=max_bytes)


KIND = ListKind(spec="StatusList2021", entry_type=ENTRY_TYPE, credential_type=LIST_CREDENTIAL_TYPE,
                subject_type=LIST_TYPE, index_member="statusListIndex", url_member="statusListCredential",
                purposes=("revocation", "suspension"), decode=decode_list,
                valid_from=("issuanceDate", "validFrom"), valid_until=("expirationDate", "validUntil"))
