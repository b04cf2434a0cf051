"""RevocationList2020 (W3C CCG draft, 2020): the oldest revocation lists in the field, verified only.

Why still here: `@digitalbazaar/vc-revocation-list` (and DCC deployments before
StatusList2021) put a `RevocationList2020Status` entry (`revocationListIndex`,
`revocationListCredential`) in credentials, pointing at a `RevocationList2020Credential`,
a VC 1.1 credential in the context https://w3id.org/vc-revocation-list-2020/v1. There is
no purpose member: every list is a revocation list. Bits and sizes are as in its
successors (at least 16 KB, bit 0 the left-most bit of byte 0, index a decimal string).
`encodedList` is base64 (RFC 4648, no multibase prefix) of the compressed bitstring: the
specification's text says ZLIB (RFC 1950), its own example and the reference library write
GZIP, so both framings are read (told apart by their header). edcissuer never publishes
this kind.
"""
from __future__ import annotations

from typing import Any

from .lists import GZIP_OR_ZLIB, MAX_DECODED_BYTES, ListKind, decode_base64, inflate

CONTEXT = "https://w3id.org/vc-revocation-list-2020/v1"
ENTRY_TYPE = "RevocationList2020Status"
LIST_CREDENTIAL_TYPE = "RevocationList2020Credential"
LIST_TYPE = "RevocationList2020"


def decode_list(encoded: Any, *, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """The bitstring of a RevocationList2020 encodedList (base64, then GZIP or ZLIB)."""
    return inflate(decode_base64(encoded), wbits=GZIP_OR_ZLIB, max_bytes=max_bytes)


KIND = ListKind(spec="RevocationList2020", entry_type=ENTRY_TYPE, credential_type=LIST_CREDENTIAL_TYPE,
                subject_type=LIST_TYPE, index_member="revocationListIndex", url_member="revocationListCredential",
                purposes=("revocation",), decode=decode_list, purpose_member=None,
                valid_from=("issuanceDate", "validFrom"), valid_until=("expirationDate", "validUntil"))
