"""Credential (ELM v3 or OB3, ours or anyone's) -> the uniform `Elements`.

Reads the compacted JSON-LD as issuers publish it (single object or array, language maps
or plain strings). Where a credential does not state an element explicitly but another
property implies it (e.g. the EU sample has no `issued` date, only `validFrom`), the value
is taken from there and the element is listed in `inferred`, so a policy can insist on
explicit values.
"""
from __future__ import annotations

import math
import re
from typing import Any

from ..errors import InputError
from ..models import vocab
from ..models.elements import (
    Body,
    CodedValue,
    Elements,
    Learner,
    Outcome,
    QualityAssuranceInfo,
    SupervisionInfo,
)
from .ob3 import EXTERNAL_QA, TARGET_TYPE

_ASSESSMENT_BY_URI = vocab.reverse(vocab.ASSESSMENT)
_PARTICIPATION_BY_URI = vocab.reverse(vocab.PARTICIPATION)
_QA_BY_URI = vocab.reverse(vocab.QA_TYPE)
_SUPERVISION_BY_URI = vocab.reverse(vocab.SUPERVISION)
_QF_BY_URI = vocab.reverse(vocab.QF_EHEA)
_EQF_BY_URI = {c.uri: n for n, c in vocab.EQF.items()}
_PARTICIPATION_BY_LABEL = {"online": "online", "presential": "onsite", "onsite": "onsite",
                           "blended": "blended", "on-site": "onsite"}
_NOTE_BY_URI = {c.uri: key for key, c in vocab.NOTE_SUBJECTS.items()}


# Reading is defensive by rule: a credential is untrusted input (its proof may not even hold),
# so wherever an object is expected anything else counts as absent, and only values of the
# expected JSON type reach `Elements`. Nothing here may raise for a strange shape.

def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _obj(value: Any) -> dict[str, Any]:
    """The object at `value` (or the first object of a list); {} for anything else."""
    return next((v for v in _list(value) if isinstance(v, dict)), {})


def _str(value: Any) -> str | None:
    """A string, also as JSON-LD's equivalent one-element array (["x"] is the same RDF as "x")."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, str) else None


def _strs(value: Any) -> list[str]:
    return [v for v in _list(value) if isinstance(v, str)]


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    """A finite JSON number (not a boolean, not beyond float range)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _lang(value: Any, default_lang: str = "en") -> dict[str, str] | None:
    """A language map from a map, a plain string or JSON-LD value objects."""
    if value is None:
        return None
    if isinstance(value, str):
        return {default_lang: value}
    if isinstance(value, dict) and "@value" in value:
        text, language = value.get("@value"), value.get("@language", default_lang)
        return {language: text} if isinstance(text, str) and isinstance(language, str) else None
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)} or None
    if isinstance(value, list):
        out: dict[str, str] = {}
        for item in value:
            out.update(_lang(item, default_lang) or {})
        return out or None
    return None


def _id(node: Any) -> str | None:
    """The id of a node given as an IRI string or an object; None unless it is a string."""
    if isinstance(node, str):
        return node
    return _str(node.get("id")) if isinstance(node, dict) else None


def _country_code(uri: str | None) -> str | None:
    if not uri:
        return None
    return vocab.COUNTRY_BY_URI.get(uri, uri.rsplit("/", 1)[-1])


def detect_format(credential: dict[str, Any]) -> str:
    """'elm' for a European Digital Credential, 'ob3' for an Open Badge, else InputError."""
    types = set(_strs(credential.get("type")))
    if "EuropeanDigitalCredential" in types:
        return "elm"
    if types & {"OpenBadgeCredential", "AchievementCredential"}:
        return "ob3"
    raise InputError("not a micro-credential: type is neither EuropeanDigitalCredential nor "
                     "OpenBadgeCredential/AchievementCredential", field="type",
                     value=credential.get("type"))


def extract_elements(credential: dict[str, Any]) -> Elements:
    """Read the eleven elements (and the optional ones) out of a credential.

    Copies of one node (the same `id` in several places) are read as one, with every
    property any copy states: the signed graph merges them, so leaving a property out of
    one copy (or nulling it) must not hide what another copy says.
    """
    credential = merge_node_copies(credential)
    fmt = detect_format(credential)
    return _from_elm(credential) if fmt == "elm" else _from_ob3(credential)


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def merge_node_copies(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with every copy of a node replaced by the union of all its copies.

    JSON-LD merges node objects that share an `id` into one node of the graph; reading a
    single copy would show less than was signed. A property present in several copies
    keeps the first non-empty value (in the graph they are all statements of that node).
    One walk to collect, one to rebuild: linear in the document.
    """
    merged: dict[str, dict[str, Any]] = {}
    copies: dict[str, int] = {}
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ident = node.get("id")
            if isinstance(ident, str) and node is not document:
                copies[ident] = copies.get(ident, 0) + 1
                union = merged.setdefault(ident, {})
                for key, value in node.items():
                    if key not in union or (_empty(union[key]) and not _empty(value)):
                        union[key] = value
            stack.extend(v for k, v in node.items() if k != "proof")
        elif isinstance(node, list):
            stack.extend(node)
    repeated = {ident for ident, count in copies.items() if count > 1}
    if not repeated:
        return document

    def rebuild(node: Any, inside: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [rebuild(item, inside) for item in node]
        if not isinstance(node, dict):
            return node
        ident = node.get("id")
        if isinstance(ident, str) and ident in repeated and ident not in inside and node is not document:
            return {k: rebuild(v, inside | {ident}) for k, v in merged[ident].items()}
        return {k: (v if k == "proof" else rebuild(v, inside)) for k, v in node.items()}

    result: dict[str, Any] = rebuild(document, frozenset())
    return result


# --- ELM v3 ---------------------------------------------------------------------------

def _elm_body(org: Any) -> Body:
    if not isinstance(org, dict):
        return Body(id=_id(org))
    countries = [c for loc in _list(org.get("location")) if isinstance(loc, dict)
                 for a in _list(loc.get("address")) if isinstance(a, dict)
                 if (c := _country_code(_id(a.get("countryCode"))))]
    legal = next((x.get("notation") for key in ("eIDASIdentifier", "registration", "vatIdentifier")
                  for x in _list(org.get(key)) if isinstance(x, dict)), None)
    return Body(id=_str(org.get("id")), name=_lang(org.get("legalName")) or {},
                country=next((c for c in countries if c), None), legal_identifier=_str(legal))


def _elm_notes(spec: dict[str, Any]) -> dict[str, dict[str, str]]:
    notes: dict[str, dict[str, str]] = {}
    for note in _list(spec.get("additionalNote")):
        if isinstance(note, dict):
            key = _NOTE_BY_URI.get(_id(note.get("subject")) or "")
            if key:
                notes[key] = _lang(note.get("noteLiteral")) or {}
    return notes


def _coded(concept: Any, by_uri: dict[str, str], by_label: dict[str, str] | None = None) -> CodedValue | None:
    if concept is None:
        return None
    uri = _id(concept)
    label = (_lang(concept.get("prefLabel")) or {}).get("en") if isinstance(concept, dict) else None
    code = by_uri.get(uri or "")
    if code is None and label and by_label is not None:
        code = by_label.get(label.strip().lower())
    return CodedValue(code=code, uri=uri, label=label)


def _from_elm(cred: dict[str, Any]) -> Elements:
    subject = _obj(cred.get("credentialSubject"))
    claim = _obj(subject.get("hasClaim"))
    spec = _obj(claim.get("specifiedBy"))
    awarding = _obj(claim.get("awardedBy"))
    notes = _elm_notes(spec)
    sources: dict[str, str] = {}
    inferred: list[str] = []

    email = next((_id(cp.get("emailAddress")) for cp in _list(subject.get("contactPoint"))
                  if isinstance(cp, dict) and cp.get("emailAddress")), None)
    name = _lang(subject.get("fullName"))
    if not name and (subject.get("givenName") or subject.get("familyName")):
        g, f = _lang(subject.get("givenName")) or {}, _lang(subject.get("familyName")) or {}
        name = {k: f"{g.get(k, '')} {f.get(k, '')}".strip() for k in {*g, *f}}
    learner = Learner(id=_str(subject.get("id")), name=name or {},
                      email=email.removeprefix("mailto:") if email else None,
                      identifiers=[str(x["notation"]) for x in _list(subject.get("identifier"))
                                   if isinstance(x, dict) and x.get("notation")])
    sources["learner"] = "credentialSubject"

    bodies = [_elm_body(o) for o in _list(awarding.get("awardingBody"))]
    delivering = [_elm_body(o) for act in _list(claim.get("influencedBy")) if isinstance(act, dict)
                  for o in _list(act.get("directedBy"))]
    award_ids = {b.id for b in bodies}
    delivering = [b for b in delivering if b.id not in award_ids]
    model_note = (notes.get("awarding-model") or {}).get("en")
    model_note = {"joint": "joint-award"}.get(model_note or "", model_note)
    if model_note in {"single", "cooperative", "joint-award", "joint-lead"}:
        model = model_note
    else:
        model = "joint-award" if len(bodies) > 1 else ("cooperative" if delivering else "single")
        inferred.append("awarding_model")
    issuer = _elm_body(cred.get("issuer"))

    countries_note = (notes.get("issuer-countries") or {}).get("en")
    if countries_note:
        countries = countries_note.split()
        sources["countries"] = "additionalNote[issuer-countries]"
    else:
        loc_countries = [_country_code(_id(a.get("countryCode")))
                         for loc in _list(awarding.get("location")) if isinstance(loc, dict)
                         for a in _list(loc.get("address")) if isinstance(a, dict)]
        # delivering partners (and the official sample's directing organisations) do not issue
        countries = [c for c in dict.fromkeys([*loc_countries, *(b.country for b in bodies)]) if c]
        sources["countries"] = "awardedBy.location / awarding bodies' addresses"

    issued = _str(cred.get("issued")) or _str(cred.get("issuanceDate"))
    sources["issued"] = "issued"
    if not issued:
        issued = _str(awarding.get("awardingDate")) or _str(cred.get("validFrom"))
        sources["issued"] = "awardingDate/validFrom"
        if issued:
            inferred.append("issued")

    outcomes = [Outcome(title=_lang(lo.get("title")) or {},
                        esco=[u for u in (_id(s) for s in _list(lo.get("relatedESCOSkill"))) if u])
                for lo in _list(spec.get("learningOutcome")) if isinstance(lo, dict)]

    ects = None
    for key in ("creditPoint", "creditReceived"):
        holder = spec if key == "creditPoint" else claim
        for cp in _list(holder.get(key)):
            if isinstance(cp, dict) and _id(cp.get("framework")) == vocab.ECTS.uri:
                try:
                    ects = float(str(cp.get("point")).replace(",", "."))
                except (ValueError, OverflowError):
                    ects = None
                if ects is not None and not math.isfinite(ects):
                    ects = None
                sources["ects"] = f"specifiedBy.{key}" if key == "creditPoint" else key
                break
        if ects is not None:
            break

    eqf = _EQF_BY_URI.get(_id(spec.get("eqfLevel")) or "")
    qf_label = (notes.get("qf-ehea") or {}).get("en")
    qf = next((code for code, c in vocab.QF_EHEA.items() if c.label == qf_label), None)
    if qf is None and eqf in vocab.CYCLE_FOR_EQF:
        qf = vocab.CYCLE_FOR_EQF[eqf]
        inferred.append("qf_ehea")

    assessment_node = next(iter(_list(claim.get("provenBy"))), None)
    assessment = None
    supervision = None
    grade = None
    if isinstance(assessment_node, dict):
        a_spec = _obj(assessment_node.get("specifiedBy"))
        labels = {code: code for code in vocab.ASSESSMENT}
        assessment = _coded(a_spec.get("dcType"), _ASSESSMENT_BY_URI, labels)
        if assessment is None and a_spec.get("title"):
            assessment = CodedValue(label=(_lang(a_spec.get("title")) or {}).get("en"))
            inferred.append("assessment")
        idv = assessment_node.get("idVerification")
        if idv:
            sup = _coded(idv, _SUPERVISION_BY_URI)
            code = sup.code if sup else None
            supervision = SupervisionInfo(code=code, uri=sup.uri if sup else None,
                                          supervised=(code != "unsupervised") if code else None,
                                          identity_verified=(code in vocab.ID_VERIFIED_SUPERVISION)
                                          if code else None)
        grade_note = assessment_node.get("grade")
        grade = _lang(grade_note.get("noteLiteral")) if isinstance(grade_note, dict) else None

    participation = _coded(spec.get("mode"), _PARTICIPATION_BY_URI, _PARTICIPATION_BY_LABEL)

    qa = None
    accreditation = next(iter(_list(spec.get("accreditation"))), None)
    if isinstance(accreditation, dict):
        ext_note = next((_lang(n.get("noteLiteral")) for n in _list(accreditation.get("additionalNote"))
                         if isinstance(n, dict)
                         and _id(n.get("subject")) == vocab.NOTE_SUBJECTS["quality-assurance"].uri), None)
        agent = accreditation.get("accreditingAgent")
        qa = QualityAssuranceInfo(
            type=_coded(accreditation.get("dcType"), _QA_BY_URI),
            external=(ext_note or {}).get("en") == "external" if ext_note else None,
            agency=_elm_body(agent) if agent else None,
            report=_str(_obj(accreditation.get("report")).get("contentURL")),
        )
        sources["quality_assurance"] = "specifiedBy.accreditation"
    elif spec.get("nqfLevel"):
        nqf = spec["nqfLevel"]
        label = (_lang(nqf.get("prefLabel")) or {}).get("en") if isinstance(nqf, dict) else None
        qa = QualityAssuranceInfo(basis=f"placed in a national qualifications framework ({label or _id(nqf)}); "
                                        "no accreditation stated")
        sources["quality_assurance"] = "specifiedBy.nqfLevel"
        inferred.append("quality_assurance")

    stack = notes.get("stackability")
    prerequisites = spec.get("entryRequirement")
    return Elements(
        format="elm",
        credential_id=_str(cred.get("id")),
        specification_id=_id(claim.get("specifiedBy")),
        learner=learner,
        title=_lang(claim.get("title")) or _lang(spec.get("title")),
        countries=countries,
        awarding_model=model,
        issuer=issuer,
        awarding_bodies=bodies,
        delivering_partners=delivering,
        alliance=next((_lang(g.get("prefLabel")) for o in _list(awarding.get("awardingBody"))
                       if isinstance(o, dict) for g in _list(o.get("groupMemberOf"))
                       if isinstance(g, dict)), None),
        issued=issued,
        learning_outcomes=outcomes,
        ects=ects,
        eqf=eqf,
        qf_ehea=qf,
        assessment=assessment,
        participation=participation,
        quality_assurance=qa,
        prerequisites=_lang(prerequisites.get("noteLiteral")) if isinstance(prerequisites, dict) else None,
        supervision=supervision,
        grade=grade,
        stackability=stack,
        further_information=notes.get("further-information"),
        sources=sources,
        inferred=inferred,
    )


# --- Open Badges 3.0 -------------------------------------------------------------------
# Read from the standard OB 3.0 properties and the achievement's element alignments
# (mapping/ob3.py); the extension-context terms, where a credential has them, take
# precedence (they carry every language).

_PLACE = re.compile(r"Country: ([A-Z]{2})(?:; region: (.+))?")


def _ob3_body(profile: Any, lang: str) -> Body:
    """An organisation from an OB3 Profile (its `name`, a plain string, is in the credential's language)."""
    if not isinstance(profile, dict):
        return Body(id=_id(profile))
    address = _obj(profile.get("address"))
    legal = next((e.get("identifier") for e in _list(profile.get("otherIdentifier"))
                  if isinstance(e, dict) and e.get("identifierType") == "ext:legalIdentifier"), None)
    return Body(id=_str(profile.get("id")), name=_lang(profile.get("name"), lang) or {},
                country=_str(address.get("addressCountryCode")), legal_identifier=_str(legal))


def _aligned_body(a: dict[str, Any], lang: str) -> Body:
    """An organisation stated as an alignment: id, name, legal identifier, 'Country: XX'."""
    place = _PLACE.search(_str(a.get("targetDescription")) or "")
    name = _str(a.get("targetName"))
    return Body(id=_str(a.get("targetUrl")), name={lang: name} if name else {},
                country=place.group(1) if place else None, legal_identifier=_str(a.get("targetCode")))


def _alignments_by_type(ach: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The alignments of the achievement and of its result descriptions (where the
    assessment type sits) grouped by element (the key of ob3.TARGET_TYPE)."""
    key_of = {target: key for key, target in TARGET_TYPE.items()}
    grouped: dict[str, list[dict[str, Any]]] = {}
    nested = [a for rd in _list(ach.get("resultDescription")) if isinstance(rd, dict)
              for a in _list(rd.get("alignment"))]
    for a in [*_list(ach.get("alignment")), *nested]:
        if isinstance(a, dict) and (key := key_of.get(_str(a.get("targetType")) or "")):
            grouped.setdefault(key, []).append(a)
    return grouped


def _aligned_code(aligned: dict[str, list[dict[str, Any]]], key: str, by_uri: dict[str, str],
                  table: dict[str, vocab.Concept]) -> CodedValue | None:
    """The controlled value of element `key` from its alignment (concept URI first, code second)."""
    a = next(iter(aligned.get(key, [])), None)
    if a is None:
        return None
    uri = _str(a.get("targetUrl"))
    code = by_uri.get(uri or "")
    return CodedValue(code=code, uri=uri,
                      label=table[code].label if code in table else _str(a.get("targetName")))


def _coded_uri(uri: str | None, by_uri: dict[str, str], table: dict[str, vocab.Concept]) -> CodedValue | None:
    if not uri:
        return None
    code = by_uri.get(uri)
    return CodedValue(code=code, uri=uri, label=table[code].label if code in table else None)


def _note_text(aligned: dict[str, list[dict[str, Any]]], key: str, lang: str) -> dict[str, str] | None:
    a = next(iter(aligned.get(key, [])), None)
    value = _str(a.get("targetDescription")) if a else None
    return {lang: value} if value else None


Editions = list[tuple[str, dict[str, list[dict[str, Any]]]]]


def _editions(ach: dict[str, Any]) -> Editions:
    """The achievement's `related` language editions: (language, its alignments by element)."""
    return [(other, _alignments_by_type(edition)) for edition in _list(ach.get("related"))
            if isinstance(edition, dict) and (other := _str(edition.get("inLanguage")))]


def _with_editions(value: dict[str, str] | None, editions: Editions, key: str) -> dict[str, str] | None:
    """A text element with the languages its restatements in the editions add."""
    out = dict(value or {})
    for other, aligned in editions:
        text = next((t for a in aligned.get(key, []) if (t := _str(a.get("targetDescription")))), None)
        if text and other not in out:
            out[other] = text
    return out or None


def _ob3_outcomes(ach: dict[str, Any], aligned: dict[str, list[dict[str, Any]]], lang: str,
                  inferred: list[str], editions: Editions) -> list[Outcome]:
    outcomes = [Outcome(title=_lang(lo.get("title"), lang) or {}, esco=_strs(lo.get("escoSkill")))
                for lo in _list(ach.get("learningOutcome")) if isinstance(lo, dict)]
    if outcomes:
        return outcomes
    esco = aligned.get("esco", [])
    outcomes = []
    for a in aligned.get("learning_outcome", []):
        name, url = _str(a.get("targetName")), _str(a.get("targetUrl"))
        title = {lang: name} if name else {}
        for other, edition in editions:   # the same outcome (targetUrl) in another language
            translated = next((t for e in edition.get("learning_outcome", [])
                               if url and _str(e.get("targetUrl")) == url and (t := _str(e.get("targetName")))), None)
            if translated and other not in title:
                title[other] = translated
        outcomes.append(Outcome(title=title, esco=[u for e in esco if _str(e.get("targetName")) == name
                                                   if (u := _str(e.get("targetUrl")))]))
    if outcomes:
        return outcomes
    # A plain OB3 badge: its alignments stand in for the learning outcomes.
    outcomes = [Outcome(title={lang: _str(a.get("targetName")) or ""}, esco=[a["targetUrl"]])
                for a in _list(ach.get("alignment")) if isinstance(a, dict) and _str(a.get("targetUrl"))
                and _str(a.get("targetType")) not in TARGET_TYPE.values()]
    if outcomes:
        inferred.append("learning_outcomes")
    return outcomes


def _ob3_title(cred: dict[str, Any], ach: dict[str, Any], lang: str) -> dict[str, str] | None:
    """The title in every language: the extension's map, else the name and its `related` editions."""
    translations = _lang(ach.get("titleTranslations"))
    if translations:
        return translations
    title = _lang(ach.get("name"), lang) or _lang(cred.get("name"), lang)
    if title:
        for edition in _list(ach.get("related")):
            if isinstance(edition, dict) and (other := _str(edition.get("inLanguage"))) \
                    and (name := _str(edition.get("name"))) and other not in title:
                title[other] = name
    return title


def _ob3_quality_assurance(ach: dict[str, Any], aligned: dict[str, list[dict[str, Any]]],
                           lang: str) -> QualityAssuranceInfo | None:
    qa_node = ach.get("qualityAssurance")
    if isinstance(qa_node, dict):
        return QualityAssuranceInfo(
            type=_coded_uri(_str(qa_node.get("qaType")), _QA_BY_URI, vocab.QA_TYPE),
            external=_bool(qa_node.get("external")),
            agency=_ob3_body(qa_node["agency"], lang) if qa_node.get("agency") else None,
            report=_str(qa_node.get("report")),
        )
    qa_type = _aligned_code(aligned, "quality_assurance", _QA_BY_URI, vocab.QA_TYPE)
    if qa_type is None:
        return None
    agency = next(iter(aligned.get("qa_agency", [])), None)
    report = next(iter(aligned.get("qa_report", [])), None)
    return QualityAssuranceInfo(
        type=qa_type,
        external=(_str(agency.get("targetDescription")) or "").startswith(EXTERNAL_QA) if agency else False,
        # the agency alignment's targetCode is its DEQAR id, not a legal identifier
        agency=_aligned_body(agency, lang).model_copy(update={"legal_identifier": None}) if agency else None,
        report=_str(report.get("targetUrl")) if report else None,
    )


def _ob3_supervision(subject: dict[str, Any], aligned: dict[str, list[dict[str, Any]]]) -> SupervisionInfo | None:
    sup_node = subject.get("supervision")
    if isinstance(sup_node, dict):
        s_uri = _str(sup_node.get("supervisionMethod"))
        return SupervisionInfo(code=_SUPERVISION_BY_URI.get(s_uri or ""), uri=s_uri,
                               supervised=_bool(sup_node.get("supervised")),
                               identity_verified=_bool(sup_node.get("identityVerified")))
    coded = _aligned_code(aligned, "supervision", _SUPERVISION_BY_URI, vocab.SUPERVISION)
    if coded is None:
        return None
    code = coded.code
    return SupervisionInfo(code=code, uri=coded.uri,
                           supervised=(code != "unsupervised") if code else None,
                           identity_verified=(code in vocab.ID_VERIFIED_SUPERVISION) if code else None)


def _ob3_stackability(ach: dict[str, Any], aligned: dict[str, list[dict[str, Any]]],
                      lang: str, editions: Editions) -> dict[str, str] | None:
    stack_node = ach.get("stackability")
    if isinstance(stack_node, dict):
        return (_lang(stack_node.get("stackabilityNote"))
                or {"en": "Stackable" if stack_node.get("stackable") else "Not stackable"})
    a = next(iter(aligned.get("stackability", [])), None)
    if a is None:
        return None
    note = _str(a.get("targetDescription")) or _str(a.get("targetName"))
    return _with_editions({lang: note} if note else None, editions, "stackability")


def _ob3_learner(subject: dict[str, Any], lang: str) -> Learner:
    name = _lang(subject.get("learnerName"))
    email_hash = None
    identifiers: list[str] = []
    for ident in _list(subject.get("identifier")):
        if not isinstance(ident, dict):
            continue
        kind, value = ident.get("identityType"), ident.get("identityHash")
        if kind == "name" and not ident.get("hashed"):
            name = name or ({lang: value} if isinstance(value, str) else None)
        elif kind == "emailAddress":
            email_hash = _str(value)
        elif isinstance(value, str) and value and not ident.get("hashed"):
            identifiers.append(value)
    return Learner(id=_str(subject.get("id")), name=name or {}, email_hash=email_hash, identifiers=identifiers)


def _from_ob3(cred: dict[str, Any]) -> Elements:
    subject = _obj(cred.get("credentialSubject"))
    ach = _obj(subject.get("achievement"))
    lang = _str(ach.get("inLanguage")) or "en"
    aligned = _alignments_by_type(ach)
    editions = _editions(ach)
    inferred: list[str] = []
    sources: dict[str, str] = {}

    issuer = _ob3_body(cred.get("issuer"), lang)
    if cred.get("awardingBody") is not None:
        profiles = {p["id"]: p for p in [cred.get("issuer"), *_list(cred.get("awardingBody"))]
                    if isinstance(p, dict) and isinstance(p.get("id"), str)}
        bodies = [_ob3_body(profiles.get(b, b) if isinstance(b, str) else b, lang)
                  for b in _list(cred.get("awardingBody"))]
        delivering = [_ob3_body(p, lang) for p in _list(cred.get("deliveringPartner"))]
    else:
        bodies = [issuer, *(_aligned_body(a, lang) for a in aligned.get("awarding_body", []))]
        delivering = [_aligned_body(a, lang) for a in aligned.get("delivering_partner", [])]
        sources["awarding_bodies"] = "issuer" + (" + alignment[ext:AwardingBody]" if len(bodies) > 1 else "")
    model = _str(cred.get("awardingModel")) \
        or next((_str(a.get("targetCode")) for a in aligned.get("awarding_model", [])), None)
    model = {"joint": "joint-award"}.get(model or "", model)
    if model not in {"single", "cooperative", "joint-award", "joint-lead"}:
        model = "joint-award" if len(bodies) > 1 else ("cooperative" if delivering else "single")
        inferred.append("awarding_model")
    countries = _strs(cred.get("issuerCountry")) \
        or [c for a in aligned.get("country", []) if (c := _str(a.get("targetCode")))]
    if not countries:
        countries = [c for c in dict.fromkeys(b.country for b in bodies) if c]
        inferred.append("countries")

    eqf = _EQF_BY_URI.get(_str(ach.get("eqfLevel")) or "")
    if eqf is None and (level := _aligned_code(aligned, "eqf", {c.uri: str(n) for n, c in vocab.EQF.items()}, {})):
        eqf = int(level.code) if level.code else None
    qf = _QF_BY_URI.get(_str(ach.get("qfEheaCycle")) or "")
    if qf is None and (cycle := _aligned_code(aligned, "qf_ehea", _QF_BY_URI, vocab.QF_EHEA)):
        qf = cycle.code
    if qf is None and eqf in vocab.CYCLE_FOR_EQF:
        qf = vocab.CYCLE_FOR_EQF[eqf]
        inferred.append("qf_ehea")
    assessment = (_coded_uri(_str(ach.get("assessmentType")), _ASSESSMENT_BY_URI, vocab.ASSESSMENT)
                  or _aligned_code(aligned, "assessment", _ASSESSMENT_BY_URI, vocab.ASSESSMENT))
    participation = (_coded_uri(_str(ach.get("participationForm")), _PARTICIPATION_BY_URI, vocab.PARTICIPATION)
                     or _aligned_code(aligned, "participation", _PARTICIPATION_BY_URI, vocab.PARTICIPATION))
    grade = _lang(subject.get("gradeTranslations"))
    if grade is None:
        value = next((r.get("value") for r in _list(subject.get("result")) if isinstance(r, dict)
                      and isinstance(r.get("value"), str)), None)
        grade = _with_editions({lang: value} if value else None, editions, "grade")
    alliance_node = cred.get("alliance") or _obj(cred.get("issuer")).get("parentOrg")
    return Elements(
        format="ob3",
        credential_id=_str(cred.get("id")),
        specification_id=_id(subject.get("achievement")),
        learner=_ob3_learner(subject, lang),
        title=_ob3_title(cred, ach, lang),
        countries=countries,
        awarding_model=model,
        issuer=issuer,
        awarding_bodies=bodies,
        delivering_partners=delivering,
        alliance=_lang(alliance_node.get("name"), lang) if isinstance(alliance_node, dict) else None,
        issued=_str(cred.get("awardedDate")) or _str(cred.get("validFrom")) or _str(cred.get("issuanceDate")),
        learning_outcomes=_ob3_outcomes(ach, aligned, lang, inferred, editions),
        ects=_number(ach.get("creditsAvailable", subject.get("creditsEarned"))),
        eqf=eqf,
        qf_ehea=qf,
        assessment=assessment,
        participation=participation,
        quality_assurance=_ob3_quality_assurance(ach, aligned, lang),
        prerequisites=(_lang(ach.get("prerequisites"))
                       or _with_editions(_note_text(aligned, "prerequisites", lang), editions, "prerequisites")),
        supervision=_ob3_supervision(subject, aligned),
        grade=grade,
        stackability=_ob3_stackability(ach, aligned, lang, editions),
        further_information=(_lang(ach.get("furtherInformation"))
                             or _with_editions(_note_text(aligned, "further_information", lang), editions,
                                               "further_information")),
        sources=sources,
        inferred=inferred,
    )
