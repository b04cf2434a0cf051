"""The issuer's side of status lists: ledger states -> signed BitstringStatusListCredentials.

Why re-sign from the ledger every time instead of flipping bits in the published file:
the ledger is the single truth (revoked/suspended + reason + time); a list file is a
signed view of it that can always be rebuilt, e.g. after a lost folder or to renew
its validity period before `validUntil` (stale lists must not hide a revocation).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..crypto.keys import KeyPair
from ..errors import SigningError
from ..ld.loader import DocumentLoader, default_loader
from ..ledger import Ledger, ListPolicy, StatusListInfo
from ..ledger.outputs import write_atomic
from ..ledger.store import DEFAULT_FILL, MIN_LIST_SIZE
from ..suites.base import suite_for_key
from .bitstring import (
    INDEX_FILE,
    PURPOSES,
    credential_status,
    encode_list,
    list_url,
    status_list_credential,
)

#: how long a published list is valid; re-publish (edcissuer status publish) well before
DEFAULT_VALIDITY = timedelta(days=30)
#: list files are public by design (every verifier fetches them; no personal data): world-readable
PUBLIC_FILE = 0o644
_BASE_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


@dataclass(frozen=True)
class StatusListSettings:
    """Where new lists are published (`base_url`), where files go (`directory`), who signs.

    The list signer must be a Data Integrity key (Ed25519 -> eddsa-rdfc-2022, P-256/384
    -> ecdsa-rdfc-2019); `issuer` defaults to its did:key and should equal the issuer
    of the credentials (verifiers check that by default). `base_url` may be None when
    only re-publishing lists the ledger already knows (revoke, suspend, refresh): each
    list keeps the URL and issuer it was created with.
    """

    base_url: str | None
    directory: Path
    signer: KeyPair
    issuer: str | None = None
    valid_for: timedelta | None = DEFAULT_VALIDITY
    size: int = MIN_LIST_SIZE
    fill: float = DEFAULT_FILL

    def __post_init__(self) -> None:
        if self.base_url is not None and not _BASE_URL.match(self.base_url):
            raise SigningError("the status list base URL must be an absolute http(s) URL without query or "
                               "fragment, e.g. https://credentials.example.edu/status", field="status_url",
                               value=self.base_url)
        if self.signer.private_key is None:
            raise SigningError("status lists need a private signing key", field="status_key")

    @property
    def issuer_id(self) -> str:
        return self.issuer or self.signer.did_key

    @property
    def policy(self) -> ListPolicy:
        """Where the ledger puts new credentials (needs `base_url`)."""
        if self.base_url is None:
            raise SigningError("issuing with status entries needs the base URL the lists are published under "
                               "(--status-url)", field="status_url")
        return ListPolicy(self.base_url.rstrip("/"), self.issuer_id, self.size, self.fill)

    @property
    def cryptosuite(self) -> str:
        return suite_for_key(self.signer.algorithm).name

    @property
    def verification_method(self) -> str | None:
        if self.issuer and self.issuer.startswith("did:web:"):
            from ..crypto.did import did_web_verification_method

            return did_web_verification_method(self.issuer, self.signer)
        return None


def file_name(url: str) -> str:
    """A list's file name in the status folder: its URL's last path segment + .json."""
    return url.rstrip("/").rsplit("/", 1)[-1] + ".json"


def entries_for(info: StatusListInfo, index: int, fmt: str = "ob3") -> list[dict[str, Any]]:
    """credentialStatus of the `fmt` credential holding `index` in the list `info` describes
    (ELM: one URI reference to the revocation list; OB3: a revocation and a suspension entry)."""
    return credential_status(fmt, info.base_url, info.list_id, index)


def sign_status_list(settings: StatusListSettings, info: StatusListInfo, *, purpose: str, indices: list[int],
                     now: datetime, loader: DocumentLoader = default_loader) -> dict[str, Any]:
    """One signed BitstringStatusListCredential of list `info` with the bits at `indices` set."""
    from ..proofs.data_integrity import add_proof

    if info.issuer != settings.issuer_id:
        raise SigningError(f"status list {info.list_id} belongs to issuer {info.issuer}; the key given signs as "
                           f"{settings.issuer_id} (use the issuing key and --issuer-did)", field="status_key",
                           value=settings.issuer_id)
    when = now.replace(microsecond=0)
    doc = status_list_credential(
        url=list_url(info.base_url, info.list_id, purpose), issuer=info.issuer, purpose=purpose,
        encoded_list=encode_list(indices, info.size), valid_from=when,
        valid_until=when + settings.valid_for if settings.valid_for else None)
    return add_proof(doc, settings.signer, cryptosuite=settings.cryptosuite, created=when, loader=loader,
                     verification_method=settings.verification_method)


def publish_status_lists(ledger: Ledger, settings: StatusListSettings, *, now: datetime,
                         list_ids: Iterable[str] | None = None,
                         loader: DocumentLoader = default_loader) -> list[Path]:
    """Re-sign the revocation and suspension lists of `list_ids` (default: all of this issuer's).

    Files are replaced atomically and are world-readable (0644: they are published);
    a missing folder is created 0700 like every output folder. `index.json` maps each list URL to its file so a
    verifier pointed at the folder (`--status-dir`) finds every list.
    """
    infos = ([i for i in ledger.status_lists() if i.issuer == settings.issuer_id] if list_ids is None
             else [ledger.list_info(i) for i in dict.fromkeys(list_ids)])
    written: list[Path] = []
    index_path = settings.directory / INDEX_FILE
    try:
        mapping = json.loads(index_path.read_text(encoding="utf-8")) if index_path.is_file() else {}
    except (OSError, ValueError):
        mapping = {}
    if not isinstance(mapping, dict):
        mapping = {}
    for info in infos:
        for purpose in PURPOSES:
            signed = sign_status_list(settings, info, purpose=purpose,
                                      indices=ledger.flagged(info.list_id, purpose), now=now, loader=loader)
            url = signed["id"]
            target = settings.directory / file_name(url)
            write_atomic(target, (json.dumps(signed, indent=2) + "\n").encode("utf-8"), mode=PUBLIC_FILE)
            mapping[url] = target.name
            written.append(target)
    if written:
        write_atomic(index_path, (json.dumps(dict(sorted(mapping.items())), indent=2) + "\n").encode("utf-8"),
                     mode=PUBLIC_FILE)
    return written
