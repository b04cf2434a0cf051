"""Trust list of issuers and the two trust checks: issuer trust and partner trust.

Why: a valid signature only says *someone* signed. A receiving institution decides whom it
believes, by listing institutions with the identifiers, keys and seal certificates they
sign with, and their quality-assurance standing. The file is TOML (see docs/recognition.md):

    [trust_list]                      name, operator, updated
    [[anchor]]                        CA certificates (PEM) trusted for JAdES seals, and
                                      vouches_for: the organisations it may certify
    [[institution]]                   name, country, ids, legal_identifiers, keys,
                                      certificates, fingerprints, note
    [institution.qa]                  accredited, agency, agency_registered_in_eqar,
                                      accreditation, deqar_id
    [trusted_lists]                   stores: anchor stores of EU trusted lists
                                      (`edcissuer trust import-tl`, docs/trusted-lists.md)
    [remote]                          the institution's opt-in to remote lookups:
                                      allow_hosts, cache_dir, cache_only (RemoteConfig)

The issuer check asks two things: does the credential *name* an institution on the list
(by id/DID, else eIDAS legal identifier), and was it *signed* with material the list holds
for that institution (signing DID or public key for Data Integrity / JWT; seal certificate
fingerprint or its eIDAS organizationIdentifier for JAdES). A seal certificate must chain to
a trust anchor (`trust.chain`); its organizationIdentifier counts only when it chains to an
anchor whose `vouches_for` names that identifier, because a CA can write any identifier
into a certificate it issues: trusting a CA is trusting it *for these organisations*.
Partners (awarding bodies and delivering partners of joint and cooperative credentials) do
not sign, so they are matched by identifier only. Both checks run as
`VerifyOptions.extra_checks`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..checks import CheckId
from ..crypto.keys import KeyPair
from ..crypto.x509 import describe, load_certificates, sha256_thumbprint, verify_chain
from ..errors import EdcIssuerError, InputError
from ..fetch import AllowRule
from ..mapping.extract import extract_elements
from ..sdjwt.claims import elements_from_claims, withheld
from ..models.elements import Body, Elements
from ..proofs.jades import read_envelope
from ..proofs.jades.unsigned import xvals_certificates
from ..results import CheckResult
from ..securing import SignerIdentity
from ..time import parse_xsd_datetime
from ..verify import Parsed, VerifyOptions
from .findings import (
    AWARDING_BODY,
    DELIVERING_PARTNER,
    ISSUER,
    PartyTrust,
    QAStanding,
    TrustFindings,
    normalise_legal_identifier,
)
from .tomlfile import read_toml, validation_error
from .trustlists import QualifiedSeal, TrustedService, load_anchor_store, qualified_verdict

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


# --------------------------------------------------------------------------- normalisation


def normalise_fingerprint(value: str) -> str:
    """SHA-256 fingerprint as 64 lowercase hex digits ('sha256:' prefix and colons allowed)."""
    text = value.strip().lower().removeprefix("sha256:").replace(":", "").replace(" ", "")
    if not _HEX64.match(text):
        raise InputError(f"{value!r} is not a SHA-256 certificate fingerprint (64 hex digits)",
                         field="fingerprints", value=value)
    return text


# --------------------------------------------------------------------------- the trust list


@dataclass(frozen=True)
class Institution:
    """One trusted institution and everything it may be recognised by."""

    name: str
    country: str | None = None
    ids: frozenset[str] = frozenset()
    legal_identifiers: frozenset[str] = frozenset()       # normalised
    keys: frozenset[str] = frozenset()                    # public key multibase (Multikey)
    fingerprints: frozenset[str] = frozenset()            # SHA-256 of seal certificates, hex
    qa: QAStanding = field(default_factory=QAStanding)
    note: str | None = None


@dataclass(frozen=True)
class Anchor:
    """A CA trusted for seals, and the organisations (legal identifiers) it may vouch for.

    Why the binding: a CA writes whatever organizationIdentifier it likes into the seal
    certificates it issues. Without `vouches_for`, one CA on the list (say, one's own) could
    make a seal that passes for any university. An anchor with an empty `vouches_for` still
    lets seals chain (authenticity of the certificate path), but vouches for nobody, so its
    seals are trusted only where the list pins the seal certificate itself (fingerprint).
    """

    certificate: x509.Certificate
    name: str | None = None
    vouches_for: frozenset[str] = frozenset()            # normalised legal identifiers
    service: TrustedService | None = None                # set when it comes from an EU trusted list

    @property
    def label(self) -> str:
        return self.name or describe(self.certificate)


@dataclass(frozen=True)
class RemoteConfig:
    """Which hosts verification may fetch from (status lists, DID/controller documents, contexts).

    The institution's verification configuration beside whom it trusts: empty means
    offline, as without the table. `cache_dir` (relative to the trust-list file) is the
    persistent fetch cache; `cache_only` answers from it without touching the network.
    """

    allow_hosts: tuple[str, ...] = ()
    cache_dir: Path | None = None
    cache_only: bool = False


@dataclass(frozen=True)
class TrustList:
    """The institutions a receiving institution trusts, and the CAs it trusts for seals."""

    name: str
    institutions: tuple[Institution, ...] = ()
    anchor_entries: tuple[Anchor, ...] = ()
    operator: str | None = None
    updated: str | None = None
    source: str | None = None
    remote: RemoteConfig = field(default_factory=RemoteConfig)

    @property
    def anchors(self) -> tuple[x509.Certificate, ...]:
        """The anchor certificates, for `VerifyOptions.trust_anchors`."""
        return tuple(a.certificate for a in self.anchor_entries)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "operator": self.operator, "updated": self.updated, "source": self.source,
                "institutions": len(self.institutions), "anchors": len(self.anchors)}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _QAFile(_Strict):
    accredited: bool | None = None
    agency: str | None = None
    agency_registered_in_eqar: bool | None = None
    accreditation: str | None = None
    deqar_id: str | None = None


class _InstitutionFile(_Strict):
    name: str = Field(min_length=1)
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    ids: list[str] = Field(default_factory=list)
    legal_identifiers: list[str] = Field(default_factory=list)
    keys: list[str | dict[str, str]] = Field(default_factory=list)
    certificates: list[str] = Field(default_factory=list)
    fingerprints: list[str] = Field(default_factory=list)
    qa: _QAFile | None = None
    note: str | None = None


class _AnchorFile(_Strict):
    name: str | None = None
    certificate: str
    vouches_for: list[str] = Field(default_factory=list)


class _MetaFile(_Strict):
    name: str = Field(min_length=1)
    operator: str | None = None
    updated: date | str | None = None
    note: str | None = None


class _TrustedListsFile(_Strict):
    stores: list[str] = Field(min_length=1)


class _RemoteFile(_Strict):
    allow_hosts: list[str] = Field(default_factory=list)
    cache_dir: str | None = None
    cache_only: bool = False


class _TrustFile(_Strict):
    trust_list: _MetaFile
    anchor: list[_AnchorFile] = Field(default_factory=list)
    institution: list[_InstitutionFile] = Field(default_factory=list)
    trusted_lists: _TrustedListsFile | None = None
    remote: _RemoteFile | None = None


def _remote(raw: _RemoteFile | None, base: Path) -> RemoteConfig:
    if raw is None:
        return RemoteConfig()
    for i, entry in enumerate(raw.allow_hosts):
        try:
            AllowRule.parse(entry)
        except InputError as exc:
            raise InputError(f"trust list: remote.allow_hosts[{i}]: {exc.message}", field="remote.allow_hosts",
                             value=entry) from exc
    return RemoteConfig(allow_hosts=tuple(raw.allow_hosts),
                        cache_dir=base / raw.cache_dir if raw.cache_dir else None, cache_only=raw.cache_only)


def _key_multibase(spec: str | dict[str, str], base: Path, where: str) -> str:
    """A trust-list key (Multikey, did:key, JWK table or key file) as its public multibase."""
    try:
        if isinstance(spec, dict):
            return KeyPair.from_jwk(dict(spec)).public_multibase
        if spec.startswith("did:key:"):
            return KeyPair.from_multikey(spec.removeprefix("did:key:").split("#")[0]).public_multibase
        if spec[:1] in {"z", "u"} and "/" not in spec and "." not in spec:
            return KeyPair.from_multikey(spec).public_multibase
        return KeyPair.load(base / spec).public_multibase
    except EdcIssuerError as exc:
        raise InputError(f"trust list: {where}: cannot read key {spec!r}: {exc.message}", field=where) from exc


def _cert_file(spec: str, base: Path, where: str) -> list[x509.Certificate]:
    path = base / spec
    try:
        certs = load_certificates(path.read_bytes())
    except OSError as exc:
        raise InputError(f"trust list: {where}: cannot read certificate file {spec}: {exc.strerror}",
                         field=where) from exc
    except EdcIssuerError as exc:
        raise InputError(f"trust list: {where}: {spec}: {exc.message}", field=where) from exc
    if not certs:
        raise InputError(f"trust list: {where}: {spec} holds no certificate", field=where)
    return certs


def _institution(raw: _InstitutionFile, base: Path, index: int) -> Institution:
    where = f"institution[{index}] ({raw.name})"
    if not (raw.ids or raw.legal_identifiers or raw.keys or raw.certificates or raw.fingerprints):
        raise InputError(f"trust list: {where} has no ids, legal identifiers, keys or certificates",
                         field=where)
    ids = {i.strip() for i in raw.ids if i.strip()}
    keys = {_key_multibase(k, base, where) for k in raw.keys}
    # a did:key in `ids` is also its key, so either spelling matches a signature
    keys |= {_key_multibase(i, base, where) for i in ids if i.startswith("did:key:")}
    # first certificate of each file: PEM files list the leaf (seal) certificate first
    fingerprints = {sha256_thumbprint(_cert_file(c, base, where)[0]).hex() for c in raw.certificates}
    fingerprints |= {normalise_fingerprint(f) for f in raw.fingerprints}
    qa_raw = raw.qa or _QAFile()
    accredited = qa_raw.accredited if qa_raw.accredited is not None else bool(qa_raw.accreditation
                                                                              or qa_raw.deqar_id)
    qa = QAStanding(accredited=accredited, agency=qa_raw.agency,
                    agency_registered_in_eqar=qa_raw.agency_registered_in_eqar,
                    accreditation=qa_raw.accreditation, deqar_id=qa_raw.deqar_id)
    return Institution(name=raw.name, country=raw.country.upper() if raw.country else None,
                       ids=frozenset(ids),
                       legal_identifiers=frozenset(normalise_legal_identifier(x) for x in raw.legal_identifiers),
                       keys=frozenset(keys), fingerprints=frozenset(fingerprints), qa=qa, note=raw.note)


def _anchors(raw: _AnchorFile, base: Path, index: int) -> list[Anchor]:
    """Every certificate of one [[anchor]] file, each vouching for the same organisations.

    `vouches_for` describes the CA's scope (whom it may certify), not whom the receiver
    trusts: an identifier no listed institution has is allowed and simply never matches.
    """
    vouches = frozenset(normalise_legal_identifier(x) for x in raw.vouches_for if x.strip())
    return [Anchor(certificate=c, name=raw.name, vouches_for=vouches)
            for c in _cert_file(raw.certificate, base, f"anchor[{index}]")]


def parse_trust_list(data: dict[str, Any], *, base: Path = Path("."), source: str | None = None) -> TrustList:
    """A TrustList from parsed TOML; file paths inside are relative to `base`."""
    try:
        raw = _TrustFile.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, "trust list") from exc
    institutions = tuple(_institution(inst, base, i) for i, inst in enumerate(raw.institution))
    anchors = tuple(_anchors(a, base, i) for i, a in enumerate(raw.anchor))
    if raw.trusted_lists is not None:
        anchors += tuple(store_anchors(base / s) for s in raw.trusted_lists.stores)
    updated = raw.trust_list.updated
    return TrustList(name=raw.trust_list.name, institutions=institutions,
                     anchor_entries=tuple(a for entry in anchors for a in entry),
                     operator=raw.trust_list.operator,
                     updated=updated.isoformat() if isinstance(updated, date) else updated, source=source,
                     remote=_remote(raw.remote, base))


def load_trust_list(path: str | Path) -> TrustList:
    """Read a trust-list TOML file (paths inside it are relative to the file).

    A `.json` file is read as an anchor store of EU trusted lists alone: seals are then
    anchored and judged qualified, but no institution is listed.
    """
    p = Path(path)
    if p.suffix.lower() == ".json":
        return TrustList(name=f"EU trusted lists ({p.name})", anchor_entries=tuple(store_anchors(p)), source=str(p))
    return parse_trust_list(read_toml(p, what="trust list"), base=p.parent, source=str(p))


def store_anchors(path: Path) -> list[Anchor]:
    """One anchor per service certificate of an EU trusted-list anchor store.

    Such an anchor vouches for any organisation while its service is granted: a qualified
    TSP is bound by eIDAS to verify the identity it writes into a qualified certificate.
    """
    return [Anchor(certificate=c, name=s.label(), service=s) for s in load_anchor_store(path) for c in s.certificates]


# --------------------------------------------------------------------------- who signed


#: who signed, as the proof check established it (securing.ProofOutcome.signer)
Signer = SignerIdentity


def signer_of(parsed: Parsed, options: VerifyOptions) -> Signer | None:
    """The signer the signature check itself established; None when the proof did not hold.

    Never re-parses headers or re-resolves keys: trust rests on the same reading as the
    signature (securing/base.py).
    """
    return parsed.outcome.signer if parsed.outcome is not None else None


@dataclass(frozen=True)
class SealPath:
    """How a seal certificate is anchored, as far as issuer trust needs to know.

    `chained` is the verdict of the `trust.chain` check the seal verification ran (against
    every configured anchor); `anchors` are the trust-list anchors the certificate chains to,
    which decide whom its organizationIdentifier may name.
    """

    chained: bool
    reason: str
    anchors: tuple[Anchor, ...] = ()
    qualified: QualifiedSeal | None = None      # set when the trust list holds EU trusted-list services

    def vouching_for(self, identifier: str) -> list[Anchor]:
        return [a for a in self.anchors if identifier in a.vouches_for or a.service is not None]


def anchors_reached(raw: Any, certificate: x509.Certificate, anchors: tuple[Anchor, ...]) -> tuple[Anchor, ...]:
    """The anchors `certificate` (the verified seal certificate) chains to at the signing time.

    The leaf is the signer the seal check established; the artefact is read again only for
    the untrusted path-building candidates (x5c[1:], xVals) and sigT, exactly what
    `trust.chain` used. Each anchor is tried on its own, so a certificate that chains to a
    CA vouching for nobody is not credited to another anchor on the list.
    """
    if not anchors:
        return ()
    try:
        envelope = read_envelope(raw)
        at = parse_xsd_datetime(envelope.header.get("sigT"))
        intermediates = [*envelope.certificates[1:], *xvals_certificates(envelope)]
    except (EdcIssuerError, ValueError, TypeError):
        return ()
    if at is None:
        return ()
    reached = []
    for anchor in anchors:
        try:
            verify_chain(certificate, intermediates, [anchor.certificate], at=at)
        except (EdcIssuerError, ValueError):
            continue
        reached.append(anchor)
    return tuple(reached)


def seal_path(parsed: Parsed, signer: Signer | None, trust: TrustList, now: datetime | None = None) -> SealPath | None:
    """None unless the signer is a seal certificate; else its chain verdict and the anchors reached.

    With EU trusted-list anchors on the list, `qualified` says whether the seal is a qualified
    e-seal; a trusted-list service counts as an anchor only while granted at the signing
    time (and its list is current at `now`), so a seal reaching only a withdrawn one is not
    anchored.
    """
    if signer is None or signer.certificate is None:
        return None
    checks = parsed.outcome.checks if parsed.outcome is not None else ()
    chain = next((c for c in checks if c.name == CheckId.TRUST_CHAIN), None)
    listed = any(a.service is not None for a in trust.anchor_entries)
    at = _sig_t(parsed.raw)
    if chain is None or not chain.passed:
        why = chain.reason if chain is not None else "the seal chain was not checked"
        verdict = qualified_verdict((), at=at, now=now or at) if listed and at is not None else None
        return SealPath(False, why, qualified=verdict)
    reached = anchors_reached(parsed.raw, signer.certificate, trust.anchor_entries)
    if not listed or at is None:
        return SealPath(True, chain.reason, reached)
    services = tuple(dict.fromkeys(a.service for a in reached if a.service is not None))
    verdict = qualified_verdict(services, at=at, now=now or at)
    kept = tuple(a for a in reached if a.service is None or a.service in verdict.granted)
    if services and not kept:
        return SealPath(False, verdict.reason, qualified=verdict)
    return SealPath(True, chain.reason, kept, verdict)


def _sig_t(raw: Any) -> datetime | None:
    try:
        return parse_xsd_datetime(read_envelope(raw).header.get("sigT"))
    except (EdcIssuerError, ValueError, TypeError):
        return None


# --------------------------------------------------------------------------- matching


def _name(body: Body) -> str:
    return body.name.get("en") or next(iter(body.name.values()), None) or body.id or "(unnamed)"


def _named_by(inst: Institution, body: Body) -> tuple[str, ...]:
    how = []
    if body.id and body.id in inst.ids:
        how.append("id")
    if body.legal_identifier and normalise_legal_identifier(body.legal_identifier) in inst.legal_identifiers:
        how.append("legal identifier")
    return tuple(how)


def candidates(trust: TrustList, body: Body) -> list[tuple[Institution, tuple[str, ...]]]:
    """Institutions the body names, best first (id and legal identifier before either alone)."""
    found = [(inst, _named_by(inst, body)) for inst in trust.institutions]
    return sorted([f for f in found if f[1]], key=lambda f: -len(f[1]))


def _seal_org(signer: Signer) -> str | None:
    return normalise_legal_identifier(signer.organization_identifier) if signer.organization_identifier else None


def signed_by(inst: Institution, signer: Signer, seal: SealPath | None = None) -> tuple[str, ...]:
    """How `signer` is listed for `inst`: () when the list holds none of its material.

    A seal's organizationIdentifier counts only through an anchor that vouches for it
    (`seal`); without `seal` it never counts. A pinned fingerprint counts on its own: the
    list names that very certificate.
    """
    how = []
    if any(d in inst.ids for d in signer.dids):
        how.append("signing DID")
    if any(k in inst.keys for k in signer.keys):
        how.append("public key")
    if signer.fingerprint and signer.fingerprint in inst.fingerprints:
        how.append("seal certificate fingerprint")
    org = _seal_org(signer)
    if org and org in inst.legal_identifiers and seal is not None and seal.vouching_for(org):
        how.append("seal organizationIdentifier")
    return tuple(how)


def _not_vouched(named: list[tuple[Institution, tuple[str, ...]]], signer: Signer,
                 seal: SealPath | None) -> str | None:
    """Why a seal naming a listed institution by organizationIdentifier is not credited, if so."""
    org = _seal_org(signer)
    if not org or seal is None or seal.vouching_for(org):
        return None
    inst = next((i for i, _ in named if org in i.legal_identifiers), None)
    if inst is None:
        return None
    if seal.anchors:
        via = ", ".join(f"'{a.label}'" for a in seal.anchors)
        return (f"its seal certificate carries organizationIdentifier {signer.organization_identifier}, "
                f"{inst.name}'s identifier, but chains to trust anchor {via}, which the trust list does not "
                f"allow to vouch for {org} (add it to that anchor's vouches_for if it may)")
    return (f"its seal certificate carries organizationIdentifier {signer.organization_identifier}, "
            f"{inst.name}'s identifier, but chains to no anchor of the trust list (only to one given "
            f"outside it), so no anchor vouches for {org}")


def _trusted(role: str, body: Body, inst: Institution, how: tuple[str, ...], reason: str) -> PartyTrust:
    return PartyTrust(role=role, name=_name(body), id=body.id, legal_identifier=body.legal_identifier,
                      trusted=True, reason=reason, institution=inst.name, country=inst.country, qa=inst.qa,
                      matched_by=how)


def _untrusted(role: str, body: Body, reason: str, inst: Institution | None = None) -> PartyTrust:
    return PartyTrust(role=role, name=_name(body), id=body.id, legal_identifier=body.legal_identifier,
                      trusted=False, reason=reason, institution=inst.name if inst else None,
                      country=inst.country if inst else None, qa=inst.qa if inst else None)


def _who(body: Body) -> str:
    ids = ", ".join(x for x in (body.id, body.legal_identifier) if x)
    return f"{_name(body)} ({ids})" if ids else _name(body)


def assess_issuer(trust: TrustList, issuer: Body, signer: Signer | None, seal: SealPath | None = None) -> PartyTrust:
    """Is the named issuer on the list, and did material listed for it sign the credential?

    For a seal (`signer.certificate`), `seal` says whether the certificate chains to an
    anchor and which trust-list anchors it reaches; an unanchored seal is never trusted.
    """
    named = candidates(trust, issuer)
    if signer is None:
        return _untrusted(ISSUER, issuer, f"issuer {_who(issuer)}: the signer could not be identified from the "
                                          "proof, so issuer trust cannot be established")
    if signer.certificate is not None and (seal is None or not seal.chained):
        why = seal.reason if seal is not None else "the seal chain was not checked"
        return _untrusted(ISSUER, issuer, f"issuer {_who(issuer)}: the seal certificate is not anchored "
                                          f"(trust.chain: {why}), so issuer trust cannot be established",
                          named[0][0] if named else None)
    for inst, how in named:
        proof_how = signed_by(inst, signer, seal)
        if proof_how:
            where = f" ({inst.country})" if inst.country else ""
            return _trusted(ISSUER, issuer, inst, how + proof_how,
                            f"issuer {_who(issuer)} is on the trust list as {inst.name}{where} "
                            f"(matched by {' and '.join(how)}); signed with its listed "
                            f"{' and '.join(proof_how)}; QA: {inst.qa.describe()}")
    if named:
        inst = named[0][0]
        refused = _not_vouched(named, signer, seal)
        if refused:
            return _untrusted(ISSUER, issuer, f"issuer {_who(issuer)} is on the trust list as {inst.name}, but "
                                              f"{refused}", inst)
        return _untrusted(ISSUER, issuer, f"issuer {_who(issuer)} is on the trust list as {inst.name}, but the "
                                          f"credential was signed with {signer.describe()}, which the list does "
                                          "not hold for it", inst)
    listed_for = [i.name for i in trust.institutions if signed_by(i, signer, seal)]
    hint = f"; its signer is listed for {', '.join(listed_for)}" if listed_for else ""
    return _untrusted(ISSUER, issuer, f"issuer {_who(issuer)} is not on the trust list{hint}")


def _same_party(a: Body, b: Body) -> bool:
    if a.id and b.id and a.id == b.id:
        return True
    return bool(a.legal_identifier and b.legal_identifier and
                normalise_legal_identifier(a.legal_identifier) == normalise_legal_identifier(b.legal_identifier))


def assess_partners(trust: TrustList, elements: Elements) -> tuple[PartyTrust, ...]:
    """Each awarding body (other than the issuer) and delivering partner, matched by identifier."""
    issuer = elements.issuer or Body()
    parties = [(AWARDING_BODY, b) for b in elements.awarding_bodies if not _same_party(b, issuer)]
    parties += [(DELIVERING_PARTNER, b) for b in elements.delivering_partners]
    out = []
    for role, body in parties:
        named = candidates(trust, body)
        if named:
            inst, how = named[0]
            out.append(_trusted(role, body, inst, how, f"{role} {_who(body)} is on the trust list as {inst.name}"
                                                       f" (matched by {' and '.join(how)}); QA: "
                                                       f"{inst.qa.describe()}"))
        else:
            out.append(_untrusted(role, body, f"{role} {_who(body)} is not on the trust list"))
    return tuple(out)


# --------------------------------------------------------------------------- the checks


def read_elements(credential: dict[str, Any]) -> tuple[Elements, str | None]:
    """The credential's elements, or empty ones and why they could not be read.

    Why not let it raise: the trust checks run inside verification as extra checks, and a
    hostile credential (an issuer that is a list, an id that is an object) must become a
    failed check with a reason, never a traceback that stops the other credentials.
    """
    try:
        if isinstance(credential, dict) and "vct" in credential and "@context" not in credential:
            # an SD-JWT VC's disclosed claims; what the holder chose not to show is said, not guessed
            elements = elements_from_claims(credential)
            elements.withheld = withheld(credential, str(credential.get("vct")))[1]
            return elements, None
        return extract_elements(credential), None
    except EdcIssuerError as exc:
        problem = str(exc)
    except UNEXPECTED as exc:
        problem = unexpected(exc)
    return Elements(format="unknown"), problem


#: what a reader raises on a value of the wrong type (pydantic's ValidationError is a ValueError)
UNEXPECTED = (ValueError, TypeError, AttributeError, KeyError, IndexError)


def unexpected(exc: BaseException) -> str:
    """A one-line reason for a value of an unexpected type, naming the field when pydantic knows it."""
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        return f"{exc.title}{'.' + where if where else ''}: {first.get('msg', 'invalid value')}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class Seen:
    """What the trust checks saw of one credential, for the recognition pipeline."""

    credential: dict[str, Any]
    elements: Elements
    findings: TrustFindings
    problem: str | None = None          # why the elements could not be read, if so


class TrustProbe:
    """The issuer- and partner-trust checks for `VerifyOptions.extra_checks`.

    One probe per input file: besides returning the two CheckResults, it keeps what it saw
    (`seen`, one per credential, in order) so the pipeline can read the trust findings and
    the learner's identifiers without parsing the artefact a second time.
    """

    def __init__(self, trust: TrustList | None) -> None:
        self.trust = trust
        self.seen: list[Seen] = []

    @property
    def checks(self) -> tuple[Any, ...]:
        return (self.issuer_check, self.partners_check)

    def issuer_check(self, parsed: Parsed, options: VerifyOptions) -> CheckResult:
        credential = parsed.credential if isinstance(parsed.credential, dict) else {}
        elements, problem = read_elements(credential)
        if self.trust is None:
            self.seen.append(Seen(credential, elements, TrustFindings(checked=False)))
            return CheckResult(CheckId.TRUST_ISSUER, False, "not checked: no trust list given", {"state": "unchecked"})
        qualified: QualifiedSeal | None = None          # the EU trusted lists' word on a seal, if any
        if problem is not None:
            party = _untrusted(ISSUER, Body(), f"the issuer could not be read from the credential ({problem}), "
                                               "so issuer trust cannot be established")
        else:
            issuer = elements.issuer or (elements.awarding_bodies[0] if elements.awarding_bodies else Body())
            signer = signer_of(parsed, options)
            seal = seal_path(parsed, signer, self.trust, options.at())
            party = assess_issuer(self.trust, issuer, signer, seal)
            qualified = seal.qualified if seal is not None else None
        self.seen.append(Seen(credential, elements, TrustFindings(checked=True, issuer=party), problem))
        details = {"state": "trusted" if party.trusted else "untrusted", **party.to_dict()}
        if qualified is None:
            return CheckResult(CheckId.TRUST_ISSUER, party.trusted, party.reason, details)
        return CheckResult(CheckId.TRUST_ISSUER, party.trusted, f"{party.reason}; {qualified.reason}",
                           {**details, "qualifiedSeal": qualified.to_dict()})

    def partners_check(self, parsed: Parsed, options: VerifyOptions) -> CheckResult:
        seen = self.seen[-1]
        if self.trust is None:
            return CheckResult(CheckId.TRUST_PARTNERS, False, "not checked: no trust list given", {"state": "unchecked"})
        if seen.problem is not None:
            return CheckResult(CheckId.TRUST_PARTNERS, False, f"the partners could not be read from the credential "
                                                              f"({seen.problem})", {"state": "untrusted", "partners": []})
        partners = assess_partners(self.trust, seen.elements)
        seen.findings = TrustFindings(checked=True, issuer=seen.findings.issuer, partners=partners)
        details = {"state": "trusted", "partners": [p.to_dict() for p in partners]}
        if not partners:
            return CheckResult(CheckId.TRUST_PARTNERS, True, "no awarding body or delivering partner besides the issuer",
                               details)
        bad = [p for p in partners if not p.trusted]
        if bad:
            return CheckResult(CheckId.TRUST_PARTNERS, False, "; ".join(p.reason for p in bad),
                               {**details, "state": "untrusted"})
        return CheckResult(CheckId.TRUST_PARTNERS, True,
                           f"all {len(partners)} partner(s) on the trust list: "
                           + "; ".join(f"{p.role} {p.name} as {p.institution}" for p in partners), details)
