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

from .lists import GZIP_OR_ZLIB, VC1_VALID_FROM, VC1_VALID_UNTIL, ListKind, base64_decoder

CONTEXT = "https://w3id.org/vc-revocation-list-2020/v1"
#: base64, then GZIP or ZLIB (told apart by their header)
decode_list = base64_decoder(GZIP_OR_ZLIB)
KIND = ListKind(spec="RevocationList2020", entry_type="RevocationList2020Status",
                credential_type="RevocationList2020Credential", subject_type="RevocationList2020",
                index_member="revocationListIndex", url_member="revocationListCredential", purposes=("revocation",),
                decode=decode_list, purpose_member=None, valid_from=VC1_VALID_FROM, valid_until=VC1_VALID_UNTIL)
