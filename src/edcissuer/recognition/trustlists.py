"""EU trusted lists (ETSI TS 119 612) as anchors for qualified e-seals.

Why: a receiving institution cannot hand-pick the CA of every European seal. The EU's
answer is the List of Trusted Lists (LOTL), which names for each country where its
national Trusted List is and which certificates may sign it; each national list names the
qualified trust service providers (TSPs) and their services. A seal whose certificate
chains to a `CA/QC` service that the list qualifies for e-seals, in status *granted* at the
signing time, is a qualified e-seal in the sense of eIDAS.

What is read and verified (docs/trusted-lists.md):

- the LOTL's XML signature, with a certificate the user supplies (the Commission publishes
  the LOTL signing certificates in the Official Journal of the EU);
- each national list's XML signature, with the certificates the LOTL's pointer for that
  territory (`PointersToOtherTSL` -> `ServiceDigitalIdentities`) names, nothing else;
- only the signed element is read (signxml returns it), so nothing outside the signature
  is ever taken for list content;
- `NextUpdate`: a list past it is refused at import (unless allowed) and makes its services
  no longer qualify at verification;
- from each national list, the `CA/QC` services qualified for e-seals (additional service
  information `ForeSeals`, or a `Qualifications` extension with the `QCForESeal`
  qualifier), with their status history, so a service withdrawn later still answers for
  a seal made while it was granted, and never after.

Signature processing is signxml's (XML-DSig with exclusive/inclusive c14n, enveloped
transform): XML signature verification is not something to write by hand.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from ..crypto.x509 import describe, load_certificates, parse_certificate
from ..errors import EdcIssuerError, InputError
from ..files import read_input
from ..time import as_utc, iso_z, parse_xsd_datetime

TSL_NS = "http://uri.etsi.org/02231/v2#"
TSLX_NS = "http://uri.etsi.org/02231/v2/additionaltypes#"
ECC_NS = "http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NS = {"tsl": TSL_NS, "tslx": TSLX_NS, "ecc": ECC_NS, "ds": DS_NS}

LOTL_TYPE = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
FOR_ESEALS = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
QC_FOR_ESEAL = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCForESeal"
QC_WITH_QSCD = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCWithQSCD"
TSL_MIME = "application/vnd.etsi.tsl+xml"
_STATUS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
GRANTED = _STATUS + "granted"
WITHDRAWN = _STATUS + "withdrawn"
# Statuses under which a service was qualified: eIDAS "granted", and the Directive
# 1999/93/EC statuses TS 119 612 v1 lists used before 1 July 2016 (kept in histories).
_PRE_EIDAS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
APPROVED = frozenset({GRANTED, _PRE_EIDAS + "undersupervision", _PRE_EIDAS + "accredited",
                      _PRE_EIDAS + "supervisionincessation"})

STORE_FORMAT = "edcissuer-trusted-list-anchors"
STORE_VERSION = 1
MAX_LIST_BYTES = 20_000_000  # the LOTL is ~0.5 MB, the largest national lists a few MB
#: a TSLSequenceNumber: ASCII digits only (str.isdigit() admits "²", which int() refuses)
_DECIMAL = re.compile(r"[0-9]{1,20}")


class TrustedListError(InputError):
    """A trusted list was refused: unsigned, wrongly signed, expired, malformed or unpointed."""


def short_status(uri: str) -> str:
    """`.../Svcstatus/granted` -> `granted` (the report's wording)."""
    return uri.rsplit("/", 1)[-1] or uri


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class ListInfo:
    """Which list a service came from: what the report cites."""

    country: str
    sequence: int
    issued: datetime
    next_update: datetime | None
    operator: str
    location: str | None = None        # the TSLLocation the LOTL points to, if it pointed

    def cite(self) -> str:
        return f"trusted list of {self.country} (sequence {self.sequence}, issued {iso_z(self.issued)})"

    def expired_at(self, now: datetime) -> bool:
        return self.next_update is not None and as_utc(now) > self.next_update

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "sequenceNumber": self.sequence, "issued": iso_z(self.issued),
                "nextUpdate": iso_z(self.next_update) if self.next_update else None,
                "operator": self.operator, "location": self.location}


@dataclass(frozen=True)
class StatusPeriod:
    """One status of a service, from its StatusStartingTime until the next one."""

    status: str
    start: datetime


@dataclass(frozen=True)
class TrustedService:
    """One CA/QC service of a national list, qualified for e-seals, with its status history."""

    country: str
    tsp: str
    name: str
    periods: tuple[StatusPeriod, ...]          # oldest first; the last is the current status
    certificates: tuple[x509.Certificate, ...]
    source: ListInfo
    type: str = CA_QC
    qualifiers: tuple[str, ...] = ()           # the e-seal qualifiers found (URIs)

    @property
    def status(self) -> StatusPeriod:
        return self.periods[-1]

    def status_at(self, at: datetime) -> StatusPeriod | None:
        """The status in force at `at`, None before the first StatusStartingTime."""
        current = None
        for period in self.periods:
            if period.start <= as_utc(at):
                current = period
        return current

    def label(self) -> str:
        return f"trusted list of country {self.country} (TSP {self.tsp}, service {self.name})"

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "tsp": self.tsp, "service": self.name, "type": self.type,
                "status": self.status.status, "statusStartingTime": iso_z(self.status.start),
                "history": [{"status": p.status, "from": iso_z(p.start)} for p in self.periods],
                "qualifiers": list(self.qualifiers), "list": self.source.to_dict(),
                "certificates": [c.public_bytes(serialization.Encoding.PEM).decode("ascii")
                                 for c in self.certificates]}


@dataclass(frozen=True)
class Skipped:
    """A service of an imported list that is not an e-seal anchor, and why."""

    country: str
    tsp: str
    name: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """What `import_trusted_lists` accepted: the lists, the anchors, what it left out and warnings."""

    lotl: ListInfo
    lists: tuple[ListInfo, ...]
    services: tuple[TrustedService, ...]
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_store(self, *, imported_at: datetime) -> dict[str, Any]:
        """The anchor store (JSON) that `load_anchor_store` reads back."""
        return {"format": STORE_FORMAT, "version": STORE_VERSION, "importedAt": iso_z(imported_at),
                "lotl": self.lotl.to_dict(), "lists": [x.to_dict() for x in self.lists],
                "warnings": list(self.warnings), "services": [s.to_dict() for s in self.services]}


# --------------------------------------------------------------------------- reading XML


@dataclass(frozen=True)
class _Signed:
    """A list whose signature verified: the signed element only, and where it came from."""

    root: Any     # lxml element: exactly what the signature covers
    source: str


def _parse(data: bytes, source: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise TrustedListError(f"{source}: not well-formed XML: {exc}", field="file") from exc
    if root.tag != f"{{{TSL_NS}}}TrustServiceStatusList":
        raise TrustedListError(f"{source}: not an ETSI TS 119 612 trusted list (root element {root.tag})",
                               field="TrustServiceStatusList")
    return root


def _text(node: Any, path: str) -> str | None:
    found = node.find(path, NS)
    if found is None or found.text is None:
        return None
    return str(found.text).strip()


def _name(node: Any, path: str) -> str:
    """A multilingual name, English first (TS 119 612 requires an English one)."""
    names = node.findall(path, NS)
    for n in names:
        if n.get(f"{{{XML_NS}}}lang", "").lower().startswith("en") and n.text:
            return str(n.text).strip()
    return next((str(n.text).strip() for n in names if n.text), "(unnamed)")


def _instant(node: Any, path: str, source: str, what: str, *, required: bool = True) -> datetime | None:
    raw = _text(node, path)
    if raw is None and not required:
        return None
    moment = parse_xsd_datetime(raw, assume_utc=True)
    if moment is None:
        raise TrustedListError(f"{source}: {what} missing or not a date-time ({raw!r})", field=what)
    return as_utc(moment)


def _certificates(node: Any, path: str, source: str, where: str) -> list[x509.Certificate]:
    out = []
    for el in node.findall(path, NS):
        text = "".join((el.text or "").split())
        try:
            out.append(parse_certificate(base64.b64decode(text, validate=True)))
        except (binascii.Error, ValueError, EdcIssuerError) as exc:
            raise TrustedListError(f"{source}: {where}: an X509Certificate cannot be read: {exc}",
                                   field="X509Certificate") from exc
    return out


def _info(root: Any, source: str, location: str | None = None) -> ListInfo:
    scheme = root.find("tsl:SchemeInformation", NS)
    if scheme is None:
        raise TrustedListError(f"{source}: no SchemeInformation", field="SchemeInformation")
    country = _text(scheme, "tsl:SchemeTerritory")
    if not country:
        raise TrustedListError(f"{source}: SchemeTerritory missing", field="SchemeTerritory")
    sequence = _text(scheme, "tsl:TSLSequenceNumber")
    if sequence is None or not _DECIMAL.fullmatch(sequence):
        raise TrustedListError(f"{source}: TSLSequenceNumber missing or not a number", field="TSLSequenceNumber")
    issued = _instant(scheme, "tsl:ListIssueDateTime", source, "ListIssueDateTime")
    assert issued is not None
    next_update = _instant(scheme, "tsl:NextUpdate/tsl:dateTime", source, "NextUpdate", required=False)
    return ListInfo(country=country.upper(), sequence=int(sequence), issued=issued, next_update=next_update,
                    operator=_name(scheme, "tsl:SchemeOperatorName/tsl:Name"), location=location)


def _is_lotl(root: Any) -> bool:
    return _text(root, "tsl:SchemeInformation/tsl:TSLType") == LOTL_TYPE


# --------------------------------------------------------------------------- signatures


def verify_list_signature(data: bytes, signers: Sequence[x509.Certificate], *, now: datetime,
                          source: str, country: str) -> Any:
    """The signed TrustServiceStatusList element, verified with one of `signers`, or a refusal.

    Refuses an unsigned list, a signature that verifies with none of the certificates the
    LOTL (or the user, for the LOTL) names, a signature over less than the whole list, and a
    signing certificate not valid at `now`.
    """
    root = _parse(data, source)
    if root.find("ds:Signature", NS) is None:
        raise TrustedListError(f"{source}: trusted list of {country} is not signed (no ds:Signature element)",
                               field="Signature")
    if not signers:
        raise TrustedListError(f"{source}: no signing certificate is known for the trusted list of {country}",
                               field="ServiceDigitalIdentities")
    config = SignatureConfiguration(expect_references=True, location="./", verification_time=as_utc(now))
    problems = []
    for cert in signers:
        try:
            results = XMLVerifier().verify(data, x509_cert=cert, expect_config=config)
        except SignXMLException as exc:
            problems.append(f"'{describe(cert)}': {exc}")
            continue
        except (ValueError, TypeError, etree.LxmlError) as exc:
            problems.append(f"'{describe(cert)}': {type(exc).__name__}: {exc}")
            continue
        listed = results if isinstance(results, list) else [results]
        whole = [r.signed_xml for r in listed
                 if r.signed_xml is not None and r.signed_xml.tag == f"{{{TSL_NS}}}TrustServiceStatusList"]
        if len(whole) != 1:
            raise TrustedListError(f"{source}: the signature of the trusted list of {country} does not cover the "
                                   "whole TrustServiceStatusList (exactly one reference to it is required)",
                                   field="Signature")
        return whole[0]
    raise TrustedListError(f"{source}: list signature invalid: the trusted list of {country} does not verify "
                           f"with any of the {len(signers)} signing certificate(s) named for it "
                           f"({'; '.join(problems)})", field="Signature")


# --------------------------------------------------------------------------- LOTL


@dataclass(frozen=True)
class Pointer:
    """The LOTL's pointer to one national list: where it is and who may sign it."""

    country: str
    location: str | None
    signers: tuple[x509.Certificate, ...]


def lotl_pointers(lotl: Any, source: str) -> dict[str, Pointer]:
    """Per territory, the XML list's location and signing certificates (PDF pointers ignored)."""
    out: dict[str, Pointer] = {}
    for ptr in lotl.findall("tsl:SchemeInformation/tsl:PointersToOtherTSL/tsl:OtherTSLPointer", NS):
        info = ptr.find("tsl:AdditionalInformation", NS)
        territory = _text(info, "tsl:OtherInformation/tsl:SchemeTerritory") if info is not None else None
        mime = _text(info, "tsl:OtherInformation/tslx:MimeType") if info is not None else None
        if not territory or (mime is not None and mime != TSL_MIME):
            continue
        certs = _certificates(ptr, "tsl:ServiceDigitalIdentities/tsl:ServiceDigitalIdentity/tsl:DigitalId/"
                                   "tsl:X509Certificate", source, f"pointer for {territory}")
        country = territory.upper()
        prior = out.get(country)
        merged = (*prior.signers, *certs) if prior else tuple(certs)
        out[country] = Pointer(country, _text(ptr, "tsl:TSLLocation") or (prior.location if prior else None), merged)
    return out


# --------------------------------------------------------------------------- services


def _eseal_qualifiers(info: Any) -> tuple[str, ...]:
    """The e-seal markers among a service's extensions (TS 119 612 5.5.9.4 and 5.5.9.2)."""
    found = []
    exts = info.find("tsl:ServiceInformationExtensions", NS)
    if exts is None:
        return ()
    for uri in exts.findall("tsl:Extension/tsl:AdditionalServiceInformation/tsl:URI", NS):
        if (uri.text or "").strip() == FOR_ESEALS:
            found.append(FOR_ESEALS)
    for q in exts.findall("tsl:Extension/ecc:Qualifications/ecc:QualificationElement/ecc:Qualifiers/"
                          "ecc:Qualifier", NS):
        if q.get("uri") == QC_FOR_ESEAL:
            found.append(QC_FOR_ESEAL)
    if found:  # QSCD says where the key lives, not what the certificate is for: only beside an e-seal marker
        for q in exts.findall(".//ecc:Qualifier", NS):
            if q.get("uri") == QC_WITH_QSCD:
                found.append(QC_WITH_QSCD)
    return tuple(dict.fromkeys(found))


def _periods(service: Any, source: str, where: str) -> tuple[StatusPeriod, ...]:
    info = service.find("tsl:ServiceInformation", NS)
    periods = []
    for node in [info, *service.findall("tsl:ServiceHistory/tsl:ServiceHistoryInstance", NS)]:
        status = _text(node, "tsl:ServiceStatus")
        start = _instant(node, "tsl:StatusStartingTime", source, f"{where}: StatusStartingTime")
        if not status or start is None:
            raise TrustedListError(f"{source}: {where}: ServiceStatus missing", field="ServiceStatus")
        periods.append(StatusPeriod(status, start))
    return tuple(sorted(periods, key=lambda p: p.start))


def national_services(root: Any, info: ListInfo, source: str) -> tuple[list[TrustedService], list[Skipped]]:
    """The CA/QC services qualified for e-seals, and every other service with why it is not."""
    services, skipped = [], []
    for tsp in root.findall("tsl:TrustServiceProviderList/tsl:TrustServiceProvider", NS):
        tsp_name = _name(tsp, "tsl:TSPInformation/tsl:TSPName/tsl:Name")
        for svc in tsp.findall("tsl:TSPServices/tsl:TSPService", NS):
            sinfo = svc.find("tsl:ServiceInformation", NS)
            if sinfo is None:
                raise TrustedListError(f"{source}: a service of {tsp_name} has no ServiceInformation",
                                       field="ServiceInformation")
            name = _name(sinfo, "tsl:ServiceName/tsl:Name")
            stype = _text(sinfo, "tsl:ServiceTypeIdentifier") or ""
            if stype != CA_QC:
                skipped.append(Skipped(info.country, tsp_name, name, f"service type {stype} is not CA/QC"))
                continue
            qualifiers = _eseal_qualifiers(sinfo)
            if not qualifiers:
                skipped.append(Skipped(info.country, tsp_name, name, "not qualified for e-seals (no ForeSeals "
                                                                     "additional service information nor a "
                                                                     "QCForESeal qualifier)"))
                continue
            where = f"{tsp_name} / {name}"
            certs = _certificates(sinfo, "tsl:ServiceDigitalIdentity/tsl:DigitalId/tsl:X509Certificate", source,
                                  where)
            if not certs:
                skipped.append(Skipped(info.country, tsp_name, name, "no X509Certificate in its digital identity"))
                continue
            services.append(TrustedService(country=info.country, tsp=tsp_name, name=name,
                                           periods=_periods(svc, source, where), certificates=tuple(certs),
                                           source=info, qualifiers=qualifiers))
    return services, skipped


# --------------------------------------------------------------------------- import


def import_trusted_lists(files: Iterable[tuple[str, bytes]], *, lotl_signers: Sequence[x509.Certificate],
                         now: datetime, allow_expired: bool = False) -> ImportResult:
    """Verify the LOTL with `lotl_signers`, then each national list with the LOTL's certificates.

    `files` are (name, bytes); exactly one must be the LOTL (TSLType EUlistofthelists). A
    list past its NextUpdate at `now` is refused unless `allow_expired` (then imported with
    a warning; the verifier still reports its services as not qualifying while expired).
    """
    parsed = [(name, data, _parse(data, name)) for name, data in files]
    lotls = [p for p in parsed if _is_lotl(p[2])]
    if len(lotls) != 1:
        raise TrustedListError(f"exactly one List of Trusted Lists (TSLType {LOTL_TYPE}) is needed among the "
                               f"files, found {len(lotls)}", field="TSLType")
    lotl_name, lotl_data, _ = lotls[0]
    lotl_root = verify_list_signature(lotl_data, lotl_signers, now=now, source=lotl_name, country="the EU (LOTL)")
    lotl = _info(lotl_root, lotl_name)
    warnings: list[str] = []
    _check_fresh(lotl, lotl_name, now, allow_expired, warnings, "the List of Trusted Lists")
    pointers = lotl_pointers(lotl_root, lotl_name)
    infos, services, skipped = [], [], []
    seen: set[str] = set()
    for name, data, unverified in parsed:
        if name == lotl_name:
            continue
        territory = (_text(unverified, "tsl:SchemeInformation/tsl:SchemeTerritory") or "").upper()
        pointer = pointers.get(territory)
        if pointer is None:
            raise TrustedListError(f"{name}: the List of Trusted Lists has no pointer for territory "
                                   f"{territory or '(none)'}, so its list cannot be verified", field="SchemeTerritory")
        if territory in seen:
            raise TrustedListError(f"{name}: a second trusted list of {territory}: give one per country",
                                   field="SchemeTerritory")
        seen.add(territory)
        root = verify_list_signature(data, pointer.signers, now=now, source=name, country=territory)
        info = _info(root, name, pointer.location)
        if info.country != territory:  # the signed territory is the one that counts
            raise TrustedListError(f"{name}: the signed SchemeTerritory {info.country} differs from {territory}",
                                   field="SchemeTerritory")
        _check_fresh(info, name, now, allow_expired, warnings, f"the trusted list of {info.country}")
        found, left = national_services(root, info, name)
        infos.append(info)
        services += found
        skipped += left
    return ImportResult(lotl, tuple(infos), tuple(services), tuple(skipped), tuple(warnings))


def _check_fresh(info: ListInfo, source: str, now: datetime, allow_expired: bool, warnings: list[str],
                 what: str) -> None:
    if not info.expired_at(now):
        return
    assert info.next_update is not None
    text = (f"{source}: {what} (sequence {info.sequence}) expired: its NextUpdate {iso_z(info.next_update)} "
            f"is before {iso_z(now)}; get the current list")
    if not allow_expired:
        raise TrustedListError(text + " (or import it with allow_expired)", field="NextUpdate")
    warnings.append(text)


def import_files(paths: Sequence[str | Path], *, lotl_signer: str | Path, now: datetime,
                 allow_expired: bool = False) -> ImportResult:
    """`import_trusted_lists` over files, the LOTL signing certificate(s) read from a PEM file."""
    try:
        signers = load_certificates(read_input(lotl_signer, what="LOTL signing certificate"))
    except EdcIssuerError as exc:
        raise TrustedListError(f"--lotl-signer {lotl_signer}: {exc.message}", field="lotl_signer") from exc
    files = [(str(p), read_input(p, max_bytes=MAX_LIST_BYTES, what="trusted list")) for p in paths]
    return import_trusted_lists(files, lotl_signers=signers, now=now, allow_expired=allow_expired)


def write_store(result: ImportResult, path: str | Path, *, imported_at: datetime) -> None:
    """Write the anchor store as JSON (a named error, never a traceback, when it cannot be written)."""
    text = json.dumps(result.to_store(imported_at=imported_at), indent=2, ensure_ascii=False) + "\n"
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the anchor store {path}: {exc.strerror}", field="out") from exc


# --------------------------------------------------------------------------- the store


def _store_error(source: str, problem: str) -> TrustedListError:
    return TrustedListError(f"{source}: not an anchor store written by `edcissuer trust import-tl`: {problem}",
                            field="store")


def _when(raw: Any, source: str, what: str) -> datetime:
    moment = parse_xsd_datetime(raw)
    if moment is None:
        raise _store_error(source, f"{what} is not a date-time")
    return as_utc(moment)


def parse_anchor_store(data: dict[str, Any], *, source: str = "anchor store") -> tuple[TrustedService, ...]:
    """The services recorded by `import_trusted_lists` (the import already verified the lists)."""
    if not isinstance(data, dict) or data.get("format") != STORE_FORMAT:
        raise _store_error(source, f"format is not {STORE_FORMAT!r}")
    if data.get("version") != STORE_VERSION:
        raise _store_error(source, f"version {data.get('version')!r} is not {STORE_VERSION}")
    out = []
    try:
        for i, s in enumerate(data["services"]):
            where = f"services[{i}]"
            lst = s["list"]
            info = ListInfo(country=str(lst["country"]), sequence=int(lst["sequenceNumber"]),
                            issued=_when(lst["issued"], source, f"{where}.list.issued"),
                            next_update=_when(lst["nextUpdate"], source, f"{where}.list.nextUpdate")
                            if lst.get("nextUpdate") else None,
                            operator=str(lst.get("operator") or ""), location=lst.get("location"))
            periods = tuple(StatusPeriod(str(h["status"]), _when(h["from"], source, f"{where}.history"))
                            for h in s["history"])
            certs = tuple(c for pem in s["certificates"] for c in load_certificates(str(pem).encode("ascii")))
            if not periods or not certs:
                raise _store_error(source, f"{where} has no status history or no certificate")
            out.append(TrustedService(country=str(s["country"]), tsp=str(s["tsp"]), name=str(s["service"]),
                                      periods=tuple(sorted(periods, key=lambda p: p.start)), certificates=certs,
                                      source=info, type=str(s.get("type", CA_QC)),
                                      qualifiers=tuple(str(q) for q in s.get("qualifiers", ()))))
    except (KeyError, TypeError, ValueError, EdcIssuerError) as exc:
        if isinstance(exc, TrustedListError):
            raise
        raise _store_error(source, f"{type(exc).__name__}: {exc}") from exc
    return tuple(out)


def load_anchor_store(path: str | Path) -> tuple[TrustedService, ...]:
    """Read an anchor store JSON file (`edcissuer trust import-tl --out`)."""
    raw = read_input(path, max_bytes=MAX_LIST_BYTES, what="anchor store")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _store_error(str(path), f"not JSON ({exc})") from exc
    return parse_anchor_store(data, source=str(path))


# --------------------------------------------------------------------------- the verdict


@dataclass(frozen=True)
class QualifiedSeal:
    """Whether a seal is a qualified e-seal per an imported trusted list, and why (not)."""

    qualified: bool
    reason: str
    service: TrustedService | None = None
    at: datetime | None = None
    granted: tuple[TrustedService, ...] = field(default=())   # services granted at `at` the chain reaches

    def to_dict(self) -> dict[str, Any]:
        svc = self.service
        period = svc.status_at(self.at) if svc is not None and self.at is not None else None
        return {"qualified": self.qualified, "reason": self.reason, "at": iso_z(self.at) if self.at else None,
                "country": svc.country if svc else None, "tsp": svc.tsp if svc else None,
                "service": svc.name if svc else None, "list": svc.source.to_dict() if svc else None,
                "status": period.status if period is not None else None}


NOT_REACHED = "not a qualified e-seal: the seal's chain does not reach any service of an imported trusted list"


def qualified_verdict(reached: Sequence[TrustedService], *, at: datetime, now: datetime) -> QualifiedSeal:
    """The verdict for a seal made at `at` whose chain reaches the services `reached`.

    Qualified when one of them was granted at `at` and its list is not past NextUpdate at
    `now`; otherwise the reason names the service and what stood in the way.
    """
    if not reached:
        return QualifiedSeal(False, NOT_REACHED, at=at)
    granted = []
    why = []
    for svc in reached:
        period = svc.status_at(at)
        if period is None:
            why.append((svc, f"not a qualified e-seal: service {svc.name} of TSP {svc.tsp} ({svc.source.cite()}) "
                             f"had no status yet at the signing time {iso_z(at)} (first status from "
                             f"{iso_z(svc.periods[0].start)})"))
        elif period.status not in APPROVED:
            why.append((svc, f"not a qualified e-seal: service {svc.name} of TSP {svc.tsp} ({svc.source.cite()}) "
                             f"{short_status(period.status)} since {iso_z(period.start)}, before the signing time "
                             f"{iso_z(at)}"))
        elif svc.source.expired_at(now):
            assert svc.source.next_update is not None
            why.append((svc, f"not a qualified e-seal: the {svc.source.cite()} expired on "
                             f"{iso_z(svc.source.next_update)} (its NextUpdate); import a current list"))
        else:
            granted.append(svc)
    if granted:
        svc = granted[0]
        period = svc.status_at(at)
        assert period is not None
        return QualifiedSeal(True, f"qualified e-seal per {svc.label()}: {short_status(period.status)} since "
                                   f"{iso_z(period.start)}, in force at the signing time {iso_z(at)} "
                                   f"({svc.source.cite()})", svc, at, tuple(granted))
    svc, reason = why[0]
    return QualifiedSeal(False, reason, svc, at)
