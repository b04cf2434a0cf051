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

from .lists import GZIP, VC1_VALID_FROM, VC1_VALID_UNTIL, ListKind, base64_decoder

CONTEXT = "https://w3id.org/vc/status-list/2021/v1"
#: base64, then GZIP only (RFC 1952, as the specification says)
decode_list = base64_decoder(GZIP)
KIND = ListKind(spec="StatusList2021", entry_type="StatusList2021Entry", credential_type="StatusList2021Credential",
                subject_type="StatusList2021", index_member="statusListIndex", url_member="statusListCredential",
                purposes=("revocation", "suspension"), decode=decode_list,
                valid_from=VC1_VALID_FROM, valid_until=VC1_VALID_UNTIL)
