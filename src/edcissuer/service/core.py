"""The service's use of the library: one `Service` per worker process, no HTTP in here.

Why a layer between the routes and the library: the HTTP routes, the pages and the tests
call the same methods, so "issue over HTTP" and "issue from a script" share one code path
(`batch.issue_recorded`, `recognition.assess_documents`), and nothing the routes do can
skip the ledger, the status lists or the one fetcher.

Remote lookups go through one `Fetcher` per request, built on a cache shared by the worker:
`OwnDocuments` answers this deployment's own URLs (its status lists signed from the ledger,
its did.json, the bundled contexts) without a network round trip, so a credential this
deployment issued verifies here even when no host is allow-listed, and several instances
answer alike because every answer comes from the shared ledger. Anything else is fetched
only from the profile's `verify.allow_hosts`: a submitted credential naming an internal
address, a metadata endpoint or any other host cannot make the service connect there.
"""
from __future__ import annotations

import json
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..batch import RecordedCredential, issue_recorded, output_name, planned_credential_id
from ..checks import CheckId
from ..crypto.did import did_web_document, did_web_url, did_web_verification_method
from ..crypto.keys import KeyPair
from ..errors import InputError, LedgerError
from ..fetch import Cached, Fetcher
from ..issue import FORMATS, IssuerIdReplaced, default_proof, issuer_id_mismatch
from ..ld.loader import bundled_files, contexts_dir, make_loader
from ..ledger import Ledger, LedgerEntry, StatusListInfo
from ..models.records import parse_record, with_issuer_id
from ..profiles import Profile, load_profile
from ..recognition import RecognitionReport, assess_documents
from ..securing.registry import for_proof
from ..status.bitstring import PURPOSES, list_url
from ..sdjwt.token_status import INVALID, SUSPENDED
from ..sdjwt.token_status import StatusList as TokenStatusList
from ..sdjwt.token_status import sign_status_list as sign_token_status_list
from ..status.lists import VerifiedLists
from ..status.publish import StatusListSettings, sign_status_list
from ..results import VerificationResult
from ..time import parse_xsd_datetime
from ..verify import VerifyOptions, verify_all
from .audit import AuditLog
from .settings import Client, ServiceSettings

#: status lists are re-signed when the ledger's bits changed or the signed copy is this old
RESIGN_AFTER = timedelta(hours=1)
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ACTIONS = {"revoke": "revoked", "suspend": "suspended", "reinstate": "valid"}


class NotFound(InputError):
    """Nothing is published at this URL, or no credential has this id (HTTP 404)."""


class Forbidden(InputError):
    """The caller is known but its token lacks the scope (HTTP 403)."""


class LruCache:
    """A bounded, thread-safe fetch cache for what allow-listed hosts answered."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[str, Cached] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, url: str) -> Cached | None:
        with self._lock:
            item = self._items.get(url)
            if item is not None:
                self._items.move_to_end(url)
            return item

    def put(self, url: str, item: Cached) -> None:
        with self._lock:
            self._items[url] = item
            self._items.move_to_end(url)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class OwnDocuments:
    """A FetchCache that answers this deployment's own URLs from the service itself."""

    def __init__(self, service: Service, inner: LruCache) -> None:
        self._service = service
        self._inner = inner

    def get(self, url: str) -> Cached | None:
        body = self._service.own_document(url)
        if body is not None:
            return Cached(body, "application/json")
        return self._inner.get(url)

    def put(self, url: str, item: Cached) -> None:
        self._inner.put(url, item)


@dataclass
class _SignedList:
    indices: tuple[int, ...]
    signed_at: datetime
    document: Any                  # a status list credential (dict) or a statuslist+jwt (str)


@dataclass(frozen=True)
class Issued:
    """A credential issued through the service: the ledger's answer and warnings for the caller."""

    recorded: RecordedCredential
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublicView:
    """What the public page of a credential shows: its state and programme-level facts only."""

    credential_id: str
    state: str                                  # valid / suspended / revoked / expired / unknown
    formats: tuple[str, ...]
    facts: dict[str, Any] = field(default_factory=dict)
    valid_until: str | None = None
    verified: bool = False                      # the stored copy verified (facts come from it)


class Service:
    """One worker's service: settings, a ledger connection per thread, the fetch cache, the audit log."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        # the service signs every record as its own issuer DID; a record naming another one is
        # answered with a warning in the response (Issued.warnings), not a process-wide message
        warnings.filterwarnings("ignore", category=IssuerIdReplaced)
        self._local = threading.local()
        self._remote_cache = LruCache()
        self._own = OwnDocuments(self, self._remote_cache)
        self._lists: dict[tuple[str, str], _SignedList] = {}
        self._lists_lock = threading.Lock()
        self._verified_lists = VerifiedLists()
        # one loader for the worker's life: the expansion caches (ld/expand.py) belong to a loader,
        # so a loader per request would process every context of every credential anew
        self._loader = make_loader(fetcher=Fetcher(settings.allow_hosts, cache=self._own))
        self.audit = AuditLog(settings.audit_log)
        settings.out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self.ledger() as ledger:
            ledger.migrate()

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def ledger(self) -> Iterator[Ledger]:
        """This thread's ledger connection (opened on first use, reopened after an error)."""
        ledger = getattr(self._local, "ledger", None)
        if ledger is None:
            ledger = Ledger.open(self.settings.ledger)
            self._local.ledger = ledger
        try:
            yield ledger
        except LedgerError:
            self._local.ledger = None
            try:
                ledger.close()
            except LedgerError:
                pass
            raise

    def close(self) -> None:
        ledger = getattr(self._local, "ledger", None)
        if ledger is not None:
            ledger.close()
            self._local.ledger = None

    @staticmethod
    def now() -> datetime:
        return datetime.now(timezone.utc).replace(microsecond=0)

    def fetcher(self) -> Fetcher:
        """A fresh Fetcher (its records are this request's) on the worker's shared cache."""
        return Fetcher(self.settings.allow_hosts, cache=self._own)

    def verify_options(self, *, challenge: str | None = None, domain: str | None = None,
                       now: datetime | None = None) -> VerifyOptions:
        return VerifyOptions(now=now or self.now(), trust_anchors=self.settings.trust_anchors,
                             fetcher=self.fetcher(), loader=self._loader, challenge=challenge, domain=domain,
                             verified_lists=self._verified_lists)

    @property
    def status_settings(self) -> StatusListSettings | None:
        key = self.settings.key
        if key is None:
            return None
        return StatusListSettings(self.settings.status_url, self.settings.out_dir / "status", key,
                                  issuer=self.settings.issuer_did, valid_for=self.settings.list_validity)

    # --- issuing ----------------------------------------------------------------------------

    def profile(self, name: str | None) -> Profile | None:
        """An alliance profile by name only (never a path a caller chose)."""
        if name is None:
            return None
        if not _PROFILE_NAME.match(name) or name.lower().endswith(".toml") or name.startswith("."):
            raise InputError("profile: give the name of an alliance profile (e.g. una-europa)", field="profile",
                             value=name)
        return load_profile(name, [self.settings.audit_log.parent / "profiles"])

    def signer_for(self, fmt: str, proof: str | None) -> Any:
        """The key, or the seal for JAdES (the profile may hold both)."""
        s = self.settings
        if proof == "jades" or (proof is None and fmt == "elm" and s.seal is not None):
            if s.seal is None:
                raise InputError("this deployment has no e-seal: JAdES is not available", field="proof", value=proof)
            return s.seal
        if s.key is None:
            raise InputError("this deployment signs with an e-seal only: use proof jades", field="proof",
                             value=proof)
        return s.key

    def issue(self, record_data: Any, *, fmt: str, client: Client, proof: str | None = None,
              ob3_form: str | None = None, profile: str | None = None, status: bool = True) -> Issued:
        """A record issued through the ledger and status lists, as `edcissuer issue --ledger` does."""
        if fmt not in FORMATS:
            raise InputError(f"format must be one of {', '.join(FORMATS)}", field="format", value=fmt)
        record = parse_record(record_data)
        chosen_profile = self.profile(profile)
        signer = self.signer_for(fmt, proof)
        notes: list[str] = []
        did = self.settings.issuer_did
        if isinstance(signer, KeyPair):
            mismatch = issuer_id_mismatch(record, signer, did)
            if mismatch:
                notes.append(f"awarding.lead.id: {mismatch}")
        elif did and record.awarding.lead.id != did:
            # a seal names the legal entity; the deployment's DID is the issuer its status lists name
            if record.awarding.lead.id:
                notes.append(f"awarding.lead.id: the record names the Lead Partner {record.awarding.lead.id}; "
                             f"this deployment issues as {did}, which its status lists name")
            record = with_issuer_id(record, did)
        chosen = proof or default_proof(fmt, signer)
        mechanism = for_proof(chosen)
        planned = planned_credential_id(record, signer, chosen, self.settings.issuer_did)
        target = self.settings.out_dir / output_name(planned, fmt, mechanism.suffix)
        lists = self.status_settings if status else None
        if status and lists is None:
            raise InputError("status lists are signed with a Data Integrity key: add issuer.key or status.key",
                             field="status")
        with self.ledger() as ledger:
            done = issue_recorded(record, fmt=fmt, signer=signer, ledger=ledger, status_lists=lists, target=target,
                                  now=self.now(), proof=proof, issuer_did=self.settings.issuer_did,
                                  ob3_form=ob3_form or self.settings.ob3_form, profile=chosen_profile,
                                  publish=False)   # the lists are signed from the ledger when asked
        self.audit.append("issue", client.name, done.entry.credential_id, format=fmt, proof=done.entry.proof,
                          new=done.created)
        return Issued(done, tuple(notes))

    def change_status(self, credential_id: str, action: str, *, client: Client, reason: str | None = None,
                      fmt: str | None = None) -> list[LedgerEntry]:
        """Revoke, suspend or reinstate; the lists are re-signed on their next request."""
        if action not in ACTIONS:
            raise InputError(f"action must be one of {', '.join(ACTIONS)}", field="action", value=action)
        if action != "reinstate" and not (reason or "").strip():
            raise InputError("give a reason (kept in the ledger only, never published)", field="reason")
        with self.ledger() as ledger:
            entries = ledger.find(credential_id)
            if not entries:
                raise NotFound("no credential with this id in the ledger", field="credentialId", value=credential_id)
            if fmt is not None and fmt not in {e.format for e in entries}:
                raise NotFound(f"this credential was not issued as {fmt} here", field="format", value=fmt)
            changed = ledger.change_state(credential_id, action, reason=reason, at=self.now(), fmt=fmt)
        self.audit.append(action, client.name, credential_id, formats=[e.format for e in changed])
        return changed

    # --- verifying --------------------------------------------------------------------------

    def verify(self, document: bytes | str | dict[str, Any], *, challenge: str | None = None,
               domain: str | None = None) -> list[VerificationResult]:
        return verify_all(document, self.verify_options(challenge=challenge, domain=domain))

    def assess(self, documents: Sequence[tuple[str, bytes | str | dict[str, Any]]], *, policy: str | None,
               stack: bool = False, challenge: str | None = None, domain: str | None = None) -> RecognitionReport:
        chosen = None
        if policy is not None:
            chosen = self.settings.policies.get(policy)
            if chosen is None:
                known = ", ".join(self.settings.policies) or "none configured"
                raise InputError(f"no policy named {policy!r} (known: {known})", field="policy", value=policy)
        return assess_documents(documents, policy=chosen, trust=self.settings.trust,
                                options=self.verify_options(challenge=challenge, domain=domain), stack=stack)

    # --- what verifiers fetch ---------------------------------------------------------------

    def did_document(self) -> dict[str, Any]:
        if not self.settings.serves_did_document or self.settings.key is None:
            raise NotFound("this deployment does not publish a did:web document (its issuer DID is "
                           f"{self.settings.issuer_did or 'the key did:key'})", field="did")
        return did_web_document(self.settings.did_web, [self.settings.key])

    def _own_list(self, list_id: str, purposes: tuple[str, ...], field: str,
                  name: str) -> tuple[StatusListSettings, StatusListInfo, list[tuple[int, ...]]]:
        """A ledger list this deployment signs, and the set indices of each purpose; NotFound otherwise."""
        settings = self.status_settings
        with self.ledger() as ledger:
            try:
                info = ledger.list_info(list_id)
            except LedgerError as exc:
                raise NotFound("no status list has this name", field=field, value=name) from exc
            flagged = [tuple(sorted(ledger.flagged(list_id, purpose))) for purpose in purposes]
        if settings is None or info.issuer != settings.issuer_id:
            raise NotFound("this status list is not signed by this deployment", field=field, value=name)
        return settings, info, flagged

    def _cached(self, key: tuple[str, str], indices: tuple[int, ...], now: datetime) -> Any:
        with self._lists_lock:
            cached = self._lists.get(key)
            if cached and cached.indices == indices and now - cached.signed_at < RESIGN_AFTER:
                return cached.document
        return None

    def _keep(self, key: tuple[str, str], indices: tuple[int, ...], now: datetime, document: Any) -> Any:
        with self._lists_lock:
            self._lists[key] = _SignedList(indices, now, document)
        return document

    def status_list(self, name: str) -> dict[str, Any]:
        """The signed status list credential published as STATUS_URL/<name>, signed from the ledger."""
        list_id, _, purpose = name.rpartition("-")
        if purpose not in PURPOSES or not list_id:
            raise NotFound("no status list has this name", field="statusListCredential", value=name)
        settings, info, [indices] = self._own_list(list_id, (purpose,), "statusListCredential", name)
        now = self.now()
        cached: dict[str, Any] | None = self._cached((list_id, purpose), indices, now)
        if cached is not None:
            return cached
        document = sign_status_list(settings, info, purpose=purpose, indices=list(indices), now=now)
        kept: dict[str, Any] = self._keep((list_id, purpose), indices, now, document)
        return kept

    def token_status_url(self, list_id: str) -> str:
        """Where the IETF Token Status List of ledger list `list_id` is published (SD-JWT VC copies)."""
        return f"{self.settings.status_url}/tsl/{list_id}"

    def signing_kid(self, issuer: str) -> str | None:
        """The verification method id of the deployment's key for `issuer` (did:web or its did:key)."""
        key = self.settings.key
        if key is None:
            return None
        if issuer.startswith("did:web:"):
            return did_web_verification_method(issuer, key)
        return f"{key.did_key}#{key.did_key.removeprefix('did:key:')}" if issuer == key.did_key else None

    def token_status_list(self, list_id: str) -> str:
        """The signed `statuslist+jwt` of a ledger list: 2 bits per entry, 1 revoked, 2 suspended.

        The same ledger list as the Bitstring lists (same indices, same states): an SD-JWT VC
        copy of a credential is revoked or suspended with its other formats.
        """
        settings, info, [revoked, suspended] = self._own_list(list_id, ("revocation", "suspension"), "statusList",
                                                              list_id)
        now = self.now()
        indices = (*revoked, -1, *suspended)
        cached: str | None = self._cached((list_id, "tsl"), indices, now)
        if cached is not None:
            return cached
        statuses = TokenStatusList.new(info.size, bits=2)
        for index in suspended:
            statuses.set(index, SUSPENDED)
        for index in revoked:          # revoked wins over suspended
            statuses.set(index, INVALID)
        token = sign_token_status_list(statuses, signer=settings.signer, uri=self.token_status_url(list_id),
                                       now=now, valid_for=timedelta(days=1), kid=self.signing_kid(info.issuer),
                                       issuer=info.issuer)
        kept: str = self._keep((list_id, "tsl"), indices, now, token)
        return kept

    def own_document(self, url: str) -> bytes | None:
        """The body this deployment serves at `url` (an absolute URL), or None if it is not ours."""
        try:
            if self.settings.serves_did_document and url == did_web_url(self.settings.did_web):
                return json.dumps(self.did_document()).encode()
            base = self.settings.status_url + "/"
            rest = url[len(base):] if url.startswith(base) else None
            if rest is None or "?" in rest or "#" in rest:
                return None
            if rest.startswith("tsl/") and "/" not in rest[4:]:
                return self.token_status_list(rest[4:]).encode()
            if "/" not in rest:
                return json.dumps(self.status_list(rest)).encode()
        except NotFound:
            return None
        return None

    @staticmethod
    def context_file(name: str) -> bytes:
        """A bundled JSON-LD context by file name (what /contexts/<name> serves)."""
        if name not in bundled_files():
            raise NotFound("no context file has this name", field="context", value=name)
        return (contexts_dir() / name).read_bytes()

    # --- the public page ---------------------------------------------------------------------

    def public_view(self, credential_id: str) -> PublicView:
        """The state and programme-level facts of one credential, from the ledger and its signed copy."""
        with self.ledger() as ledger:
            entries = ledger.find(credential_id)
        if not entries:
            raise NotFound("no credential with this id was issued here", field="credentialId", value=credential_id)
        state = ("revoked" if any(e.state == "revoked" for e in entries) else
                 "suspended" if any(e.state == "suspended" for e in entries) else "valid")
        facts: dict[str, Any] = {}
        valid_until = None
        verified = False
        for entry in sorted(entries, key=lambda e: e.format != "ob3"):
            path = Path(entry.output_path) if entry.output_path else None
            if path is None or not path.is_file():
                continue
            results = verify_all(path, self.verify_options())
            if results and results[0].elements is not None:
                facts = public_facts(results[0].elements)
                valid_until = _valid_until(results[0])
                verified = results[0].verified
                break
        until = parse_xsd_datetime(valid_until, assume_utc=True) if valid_until else None
        if state == "valid" and until is not None and until < self.now():
            state = "expired"
        return PublicView(credential_id, state, tuple(e.format for e in entries), facts, valid_until, verified)


#: Elements that describe the programme, never the learner (docs/service.md, "What the public page shows")
PUBLIC_ELEMENTS = ("title", "awarding_model", "issuer", "awarding_bodies", "delivering_partners", "countries",
                   "regions", "alliance", "learning_outcomes", "ects", "hours", "no_ects", "eqf", "qf_ehea", "nqf",
                   "assessment", "assessment_mode", "participation", "learning_setting", "quality_assurance",
                   "partial_qualification", "part_of", "thematic_area", "specification_id")


def public_facts(elements: dict[str, Any]) -> dict[str, Any]:
    """The programme-level subset of read-back elements: no learner, grade, date or identifier of a person."""
    return {k: elements[k] for k in PUBLIC_ELEMENTS if elements.get(k) not in (None, [], {}, False)}


def _valid_until(result: VerificationResult) -> str | None:
    """The end of validity the verified credential states (read by the validity check, any proof format)."""
    validity = next((c for c in result.checks if c.name == CheckId.VALIDITY), None)
    value = validity.details.get("validUntil") or validity.details.get("expirationDate") if validity else None
    return str(value) if value else None


def list_urls(settings: ServiceSettings, list_id: str) -> list[str]:
    return [list_url(settings.status_url, list_id, p) for p in PURPOSES]
