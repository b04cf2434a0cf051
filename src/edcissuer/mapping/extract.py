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
    AssessmentInfo,
    Body,
    CodedValue,
    Elements,
    Learner,
    ModuleInfo,
    Outcome,
    QualityAssuranceInfo,
    SupervisionInfo,
)
from ..models.languages import known_language
from .common import hours_of
from .ob3 import EXTERNAL_QA, PLACE_KEYS, ROLE_PREFIX, SUBJECT, TARGET_TYPE

_ASSESSMENT_BY_URI = vocab.reverse(vocab.ASSESSMENT)
_PARTICIPATION_BY_URI = vocab.reverse(vocab.PARTICIPATION)
_QA_BY_URI = vocab.reverse(vocab.QA_TYPE)
_SUPERVISION_BY_URI = vocab.reverse(vocab.SUPERVISION)
_QF_BY_URI = vocab.reverse(vocab.QF_EHEA)
_EQF_BY_URI = {c.uri: n for n, c in vocab.EQF.items()}
_PARTICIPATION_BY_LABEL = {"online": "online", "presential": "onsite", "onsite": "onsite",
                           "blended": "blended", "on-site": "onsite"}
_NOTE_BY_URI = {c.uri: key for key, c in vocab.NOTE_SUBJECTS.items()}
_SETTING_BY_URI = vocab.reverse(vocab.LEARNING_SETTING)
_LANGUAGE_BY_URI = {c.uri: code for code, c in vocab.LANGUAGE.items()}
_OWN_PARTICIPATION = {c.uri for c in vocab.PARTICIPATION.values() if c.broader}


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

_MIME_BY_FILE_TYPE = {c.uri: mime for mime, c in vocab.FILE_TYPES.items()}


def _elm_logo(logo: Any) -> str | None:
    """A logo as signed: an embedded MediaObject as its data: URI, a WebResource as its URL."""
    node = _obj(logo)
    content, mime = _str(node.get("content")), _MIME_BY_FILE_TYPE.get(_id(node.get("contentType")) or "")
    if content and mime and _id(node.get("contentEncoding")) == vocab.BASE64_ENCODING.uri:
        return f"data:{mime};base64,{content}"
    return _str(node.get("contentURL"))


def _first_text(value: Any) -> str | None:
    texts = _lang(value) or {}
    return texts.get("en") or next(iter(texts.values()), None)


def _elm_region(location: dict[str, Any]) -> str | None:
    """A place's region: its geographic name, else its spatial code's label (the EU sample's ATU)."""
    name = _first_text(location.get("geographicName"))
    if name:
        return name
    code = location.get("spatialCode")
    return _first_text(_obj(code).get("prefLabel")) or _id(code)


def _elm_body(org: Any) -> Body:
    if not isinstance(org, dict):
        return Body(id=_id(org))
    locations = [loc for loc in _list(org.get("location")) if isinstance(loc, dict)]
    countries = [c for loc in locations for a in _list(loc.get("address")) if isinstance(a, dict)
                 if (c := _country_code(_id(a.get("countryCode"))))]
    legal = next((x.get("notation") for key in ("eIDASIdentifier", "registration", "vatIdentifier")
                  for x in _list(org.get(key)) if isinstance(x, dict)), None)
    deqar = next((x.get("notation") for x in _list(org.get("identifier"))
                  if isinstance(x, dict) and _str(x.get("schemeName")) == "DEQAR"), None)
    return Body(id=_str(org.get("id")), name=_lang(org.get("legalName")) or {},
                country=next((c for c in countries if c), None), legal_identifier=_str(legal),
                region=next((r for loc in locations if (r := _elm_region(loc))), None),
                short_name=_lang(org.get("altLabel")) or {}, role=_elm_notes(org).get("partner-role") or {},
                logo=_elm_logo(org.get("logo")), deqar_id=_str(deqar))


def _elm_note_list(node: dict[str, Any], key: str) -> list[dict[str, str]]:
    """Every note of `node` about subject `key`, in order."""
    uri = vocab.NOTE_SUBJECTS[key].uri
    return [text for note in _list(node.get("additionalNote")) if isinstance(note, dict)
            and _id(note.get("subject")) == uri and (text := _lang(note.get("noteLiteral")))]


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


def _elm_mode(value: Any) -> CodedValue | None:
    """A `mode`: our precise concept (hybrid) where it follows the EU one it narrows, else the first."""
    concepts = [c for c in _list(value) if isinstance(c, (dict, str))]
    chosen = next((c for c in concepts if _id(c) in _OWN_PARTICIPATION), concepts[0] if concepts else None)
    return _coded(chosen, _PARTICIPATION_BY_URI, _PARTICIPATION_BY_LABEL)


def _language_tag(concept: Any) -> str | None:
    """The language tag of an EU language concept (ENG -> en); None for anything else."""
    uri = _id(concept) or ""
    if uri in _LANGUAGE_BY_URI:
        return _LANGUAGE_BY_URI[uri]
    notation = _str(concept.get("notation")) if isinstance(concept, dict) else None
    for candidate in (notation, uri.rsplit("/", 1)[-1].lower() if uri.startswith(vocab.LANGUAGE_SCHEME) else None):
        if candidate and re.fullmatch(r"[a-z]{2,3}", candidate) and known_language(candidate):
            return candidate
    return None


def _elm_languages(value: Any) -> list[str]:
    return list(dict.fromkeys(t for c in _list(value) if (t := _language_tag(c))))


def _elm_ects(spec: dict[str, Any], claim: dict[str, Any]) -> tuple[float | None, str | None]:
    """ECTS from the specification's creditPoint, else the claim's creditReceived (and where)."""
    for key, holder in (("creditPoint", spec), ("creditReceived", claim)):
        for cp in _list(holder.get(key)):
            if isinstance(cp, dict) and _id(cp.get("framework")) == vocab.ECTS.uri:
                try:
                    ects: float | None = float(str(cp.get("point")).replace(",", "."))
                except (ValueError, OverflowError):
                    ects = None
                if ects is not None and math.isfinite(ects):
                    return ects, f"specifiedBy.{key}" if key == "creditPoint" else key
                break
    return None, None


def _percent(value: dict[str, str] | None) -> float | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", (value or {}).get("en") or "")
    return float(match.group(1)) if match else None


def _elm_assessment_type(a_spec: dict[str, Any]) -> CodedValue | None:
    """The EU type (dcType), else the type in words with its vocabulary URI (our notes)."""
    coded = _coded(a_spec.get("dcType"), _ASSESSMENT_BY_URI, {code: code for code in vocab.ASSESSMENT})
    if coded is not None:
        return coded
    words = next(iter(_elm_note_list(a_spec, "assessment-type")), None)
    if words is None:
        return None
    uri = next(iter(_elm_note_list(a_spec, "assessment-type-uri")), {}).get("en")
    return CodedValue(uri=uri, label=words.get("en") or next(iter(words.values()), None))


def _elm_grade(note: Any) -> dict[str, str] | None:
    """The grade's text; None where the note says no grade was awarded (subject no-grade)."""
    if not isinstance(note, dict) or _id(note.get("subject")) == vocab.NOTE_SUBJECTS["no-grade"].uri:
        return None
    return _lang(note.get("noteLiteral"))


def _elm_assessment_info(node: dict[str, Any]) -> AssessmentInfo:
    """One assessment or component: a LearningAssessment (with its specification) or a specification."""
    a_spec = _obj(node.get("specifiedBy")) if node.get("type") != "LearningAssessmentSpecification" else node
    weight = _percent(next(iter(_elm_note_list(a_spec, "assessment-weight")), None))
    title = _lang(a_spec.get("title"))
    if title and weight is not None:
        # the title restates the weight for EU viewers ("Essay (50%)"); the weight is its own field
        suffix = f" ({weight:g}%)"
        title = {lang: t.removesuffix(suffix) for lang, t in title.items()}
    return AssessmentInfo(
        type=_elm_assessment_type(a_spec),
        title=title,
        description=_lang(a_spec.get("description")),
        weight=weight,
        mode=_elm_mode(a_spec.get("mode")) if a_spec.get("mode") else None,
        grade=_elm_grade(node.get("grade")),
    )


def _elm_period(activity: Any) -> tuple[str | None, str | None]:
    period = _obj(_obj(activity).get("temporal"))
    return _str(period.get("startDate")), _str(period.get("endDate"))


def _elm_module(part: dict[str, Any]) -> ModuleInfo:
    spec = _obj(part.get("specifiedBy"))
    ects, _ = _elm_ects(spec, part)
    proven = _obj(part.get("provenBy"))
    info = _elm_assessment_info(proven) if proven else None
    start, end = _elm_period(part.get("influencedBy"))
    return ModuleInfo(id=_str(spec.get("id")) or _str(part.get("id")),
                      title=_lang(part.get("title")) or _lang(spec.get("title")) or {},
                      ects=ects, hours=hours_of(_str(spec.get("volumeOfLearning"))),
                      assessment=info, grade=info.grade if info else None, start=start, end=end)


def _elm_mandated(cred: dict[str, Any]) -> list[Body]:
    """Bodies the issuer states it issued for: Evidence of type Mandate with an evidenceTarget."""
    return [_elm_body(ev.get("evidenceTarget")) for ev in _list(cred.get("evidence"))
            if isinstance(ev, dict) and _id(ev.get("dcType")) == vocab.EVIDENCE_MANDATE.uri
            and ev.get("evidenceTarget") is not None]


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
    assessment_node = next(iter(_list(claim.get("provenBy"))), None)
    assessors = ([_elm_body(o) for o in _list(assessment_node.get("assessedBy"))]
                 if isinstance(assessment_node, dict) else [])
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
    regions_note = (notes.get("issuer-regions") or {}).get("en")
    regions = ([r.strip() for r in regions_note.split(";") if r.strip()] if regions_note
               else [r for r in dict.fromkeys(b.region for b in bodies) if r])
    on_behalf_of = _elm_mandated(cred)
    if not on_behalf_of and model == "joint-award" and len(bodies) > 1:
        on_behalf_of = [b for b in bodies if b.id != issuer.id]
        inferred.append("on_behalf_of")

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

    ects, ects_source = _elm_ects(spec, claim)
    if ects_source:
        sources["ects"] = ects_source
    hours = hours_of(_str(spec.get("volumeOfLearning")))
    no_ects = ects is None and bool(notes.get("no-ects"))

    eqf = _EQF_BY_URI.get(_id(spec.get("eqfLevel")) or "")
    qf_label = (notes.get("qf-ehea") or {}).get("en")
    qf = next((code for code, c in vocab.QF_EHEA.items() if c.label == qf_label), None)
    if qf is None and eqf in vocab.CYCLE_FOR_EQF:
        qf = vocab.CYCLE_FOR_EQF[eqf]
        inferred.append("qf_ehea")

    assessment = None
    assessment_mode = None
    assessments: list[AssessmentInfo] = []
    assessment_languages: list[str] = []
    supervision = None
    grade = None
    if isinstance(assessment_node, dict):
        a_spec = _obj(assessment_node.get("specifiedBy"))
        assessment = _elm_assessment_type(a_spec)
        assessment_mode = _elm_mode(a_spec.get("mode")) if a_spec.get("mode") else None
        assessment_languages = _elm_languages(a_spec.get("language"))
        assessments = [_elm_assessment_info(part)
                       for part in [*_list(a_spec.get("hasPart")), *_list(assessment_node.get("hasPart"))]
                       if isinstance(part, dict)]
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
        grade = _elm_grade(assessment_node.get("grade"))

    participation = _elm_mode(spec.get("mode"))
    nqf_node = spec.get("nqfLevel")
    nqf = (_first_text(_obj(nqf_node).get("prefLabel")) or _id(nqf_node)) if nqf_node else None
    if nqf is None and notes.get("nqf"):
        nqf = notes["nqf"].get("en")
    part_of_node = _obj(spec.get("isPartOf"))
    part_of = None
    if part_of_node:
        part_of = {k: v for k, v in (("title", _first_text(part_of_node.get("title"))),
                                     ("id", _str(part_of_node.get("id"))),
                                     ("accredited", (notes.get("part-of-accredited") or {}).get("en")))
                   if v}
    thematic = _id(next(iter(_list(spec.get("thematicArea"))), None))
    start, end = _elm_period(claim.get("influencedBy"))

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
            deqar_report_id=next((_str(x.get("notation")) for x in _list(accreditation.get("identifier"))
                                  if isinstance(x, dict) and _str(x.get("schemeName")) == "DEQAR report"), None),
        )
        sources["quality_assurance"] = "specifiedBy.accreditation"
    elif nqf_node:
        qa = QualityAssuranceInfo(basis=f"placed in a national qualifications framework ({nqf}); "
                                        "no accreditation stated")
        sources["quality_assurance"] = "specifiedBy.nqfLevel"
        inferred.append("quality_assurance")

    group = next((g for o in _list(awarding.get("awardingBody")) if isinstance(o, dict)
                  for g in _list(o.get("groupMemberOf")) if isinstance(g, dict)), None)
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
        regions=regions,
        awarding_bodies=bodies,
        delivering_partners=delivering,
        on_behalf_of=on_behalf_of,
        assessors=assessors,
        alliance=_lang(group.get("prefLabel")) if group else None,
        alliance_logo=_elm_logo(group.get("logo")) if group else None,
        issued=issued,
        learning_outcomes=outcomes,
        ects=ects,
        hours=hours,
        no_ects=no_ects,
        eqf=eqf,
        qf_ehea=qf,
        nqf=nqf,
        assessment=assessment,
        assessments=assessments,
        assessment_mode=assessment_mode,
        participation=participation,
        learning_setting=_coded(spec.get("learningSetting"), _SETTING_BY_URI),
        partial_qualification=_bool(spec.get("isPartialQualification")),
        part_of=part_of or None,
        modules=[_elm_module(part) for part in _list(claim.get("hasPart")) if isinstance(part, dict)],
        identifier=next((_str(x.get("notation")) for x in _list(cred.get("identifier")) if isinstance(x, dict)),
                        None),
        thematic_area=thematic.rsplit("/", 1)[-1] if thematic else None,
        delivery_start=start,
        delivery_end=end,
        maximum_duration=_str(spec.get("maximumDuration")),
        instruction_languages=_elm_languages(spec.get("language")),
        assessment_languages=assessment_languages,
        profiles=[t for note in _elm_note_list(spec, "alliance-profile") if (t := note.get("en"))],
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

_FACT = re.compile(r"(?:^|; )(" + "|".join(map(re.escape, PLACE_KEYS)) + r"): ")
_LEARNING_SETTING_BY_URI = vocab.reverse(vocab.LEARNING_SETTING)
Aligned = dict[str, list[dict[str, Any]]]


def _facts(description: str | None) -> dict[str, str]:
    """The facts an organisation alignment states ('Country: DE; region: ...; role: ...'); the
    role is free text and comes last, so it runs to the end."""
    text = description or ""
    found = list(_FACT.finditer(text))
    facts: dict[str, str] = {}
    for i, match in enumerate(found):
        key = match.group(1)
        end = len(text) if key == "role" or i + 1 == len(found) else found[i + 1].start()
        facts.setdefault(key, text[match.end():end])
        if key == "role":
            break
    return facts


def _identifier_entry(profile: dict[str, Any], kind: str) -> str | None:
    return next((_str(e.get("identifier")) for e in _list(profile.get("otherIdentifier"))
                 if isinstance(e, dict) and e.get("identifierType") == kind), None)


def _ob3_body(profile: Any, lang: str) -> Body:
    """An organisation from an OB3 Profile (its `name`, a plain string, is in the credential's language)."""
    if not isinstance(profile, dict):
        return Body(id=_id(profile))
    address = _obj(profile.get("address"))
    short = _identifier_entry(profile, "ext:shortName")
    description = _str(profile.get("description")) or ""
    role = description.removeprefix(ROLE_PREFIX) if description.startswith(ROLE_PREFIX) else None
    return Body(id=_str(profile.get("id")), name=_lang(profile.get("name"), lang) or {},
                country=_str(address.get("addressCountryCode")), region=_str(address.get("addressRegion")),
                legal_identifier=_identifier_entry(profile, "ext:legalIdentifier"),
                short_name={lang: short} if short else {}, role={lang: role} if role else {},
                logo=_str(_obj(profile.get("image")).get("id")) or _str(profile.get("image")),
                deqar_id=_identifier_entry(profile, "ext:deqarId"))


def _aligned_body(a: dict[str, Any], lang: str, editions: "Editions | None" = None, key: str = "") -> Body:
    """An organisation stated as an alignment: id, name, legal identifier and the facts of its
    description, with the short name and role its restatements in the editions add."""
    facts = _facts(_str(a.get("targetDescription")))
    name = _str(a.get("targetName"))
    url = _str(a.get("targetUrl"))
    short = {lang: facts["short name"]} if "short name" in facts else {}
    role = {lang: facts["role"]} if "role" in facts else {}
    for other, aligned in editions or []:
        for e in aligned.get(key, []):
            if url and _str(e.get("targetUrl")) == url:
                more = _facts(_str(e.get("targetDescription")))
                if "short name" in more:
                    short.setdefault(other, more["short name"])
                if "role" in more:
                    role.setdefault(other, more["role"])
    return Body(id=url, name={lang: name} if name else {}, country=facts.get("Country"), region=facts.get("region"),
                legal_identifier=_str(a.get("targetCode")), short_name=short, role=role,
                logo=facts.get("logo"), deqar_id=facts.get("DEQAR"))


def _group(alignments: Any) -> Aligned:
    """Alignments grouped by element (the key of ob3.TARGET_TYPE)."""
    key_of = {target: key for key, target in TARGET_TYPE.items()}
    grouped: Aligned = {}
    for a in _list(alignments):
        if isinstance(a, dict) and (key := key_of.get(_str(a.get("targetType")) or "")):
            grouped.setdefault(key, []).append(a)
    return grouped


def _part_descriptions(ach: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The achievement's ResultDescriptions: (the assessment's, its components', the modules')."""
    main: list[dict[str, Any]] = []
    components: list[dict[str, Any]] = []
    modules: list[dict[str, Any]] = []
    for rd in _list(ach.get("resultDescription")):
        if not isinstance(rd, dict):
            continue
        kinds = _group(rd.get("alignment"))
        (modules if "module" in kinds else components if "assessment_component" in kinds else main).append(rd)
    return main, components, modules


def _alignments_by_type(ach: dict[str, Any]) -> Aligned:
    """The alignments of the achievement and of the assessment's result description (where
    the assessment type sits) grouped by element; components and modules are read apart."""
    main, _, _ = _part_descriptions(ach)
    return _group([*_list(ach.get("alignment")), *(a for rd in main for a in _list(rd.get("alignment")))])


def _aligned_code(aligned: Aligned, key: str, by_uri: dict[str, str],
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


def _first(aligned: Aligned, key: str, field: str = "targetCode") -> str | None:
    return next((v for a in aligned.get(key, []) if (v := _str(a.get(field)))), None)


def _note_text(aligned: Aligned, key: str, lang: str) -> dict[str, str] | None:
    a = next(iter(aligned.get(key, [])), None)
    value = _str(a.get("targetDescription")) if a else None
    return {lang: value} if value else None


Editions = list[tuple[str, Aligned]]


def _editions(ach: dict[str, Any], scope: str | None = None) -> Editions:
    """The achievement's `related` language editions: (language, its alignments by element).

    Without `scope`: the restatements of the achievement's own texts (not those of a component's
    or module's ResultDescription); with it: the restatements of that ResultDescription's texts.
    """
    _, components, modules = _part_descriptions(ach)
    parts = {i for rd in [*components, *modules] if (i := _str(rd.get("id")))}
    out: Editions = []
    for edition in _list(ach.get("related")):
        if isinstance(edition, dict) and (other := _str(edition.get("inLanguage"))):
            kept = [a for a in _list(edition.get("alignment")) if isinstance(a, dict)
                    and ((_str(a.get("targetUrl")) == scope) if scope else (_str(a.get("targetUrl")) not in parts))]
            out.append((other, _group(kept)))
    return out


def _with_editions(value: dict[str, str] | None, editions: Editions, key: str,
                   field: str = "targetDescription") -> dict[str, str] | None:
    """A text element with the languages its restatements in the editions add."""
    out = dict(value or {})
    for other, aligned in editions:
        text = next((t for a in aligned.get(key, []) if (t := _str(a.get(field)))), None)
        if text and other not in out:
            out[other] = text
    return out or None


def _esco_labels(aligned: Aligned, lang: str, editions: Editions) -> dict[str, dict[str, str]]:
    """ESCO URI -> its label in each language: an ESCO alignment whose name is not the outcome's
    title (its description) names the skill."""
    labels: dict[str, dict[str, str]] = {}
    for language, grouped in [(lang, aligned), *editions]:
        for a in grouped.get("esco", []):
            uri, name, title = _str(a.get("targetUrl")), _str(a.get("targetName")), _str(a.get("targetDescription"))
            if uri and name and title and name != title:
                labels.setdefault(uri, {}).setdefault(language, name)
    return labels


def _ob3_outcomes(ach: dict[str, Any], aligned: Aligned, lang: str,
                  inferred: list[str], editions: Editions) -> list[Outcome]:
    labels = _esco_labels(aligned, lang, editions)

    def labelled(esco: list[str]) -> dict[str, dict[str, str]]:
        return {uri: labels[uri] for uri in esco if uri in labels}

    outcomes = [Outcome(title=_lang(lo.get("title"), lang) or {}, esco=(esco := _strs(lo.get("escoSkill"))),
                        esco_labels=labelled(esco))
                for lo in _list(ach.get("learningOutcome")) if isinstance(lo, dict)]
    if outcomes:
        return outcomes
    esco_aligned = aligned.get("esco", [])
    outcomes = []
    for a in aligned.get("learning_outcome", []):
        name, url = _str(a.get("targetName")), _str(a.get("targetUrl"))
        title = {lang: name} if name else {}
        for other, edition in editions:   # the same outcome (targetUrl) in another language
            translated = next((t for e in edition.get("learning_outcome", [])
                               if url and _str(e.get("targetUrl")) == url and (t := _str(e.get("targetName")))), None)
            if translated and other not in title:
                title[other] = translated
        # an ESCO alignment names its outcome in its description (before labels: in its name)
        esco = [u for e in esco_aligned if (_str(e.get("targetDescription")) or _str(e.get("targetName"))) == name
                if (u := _str(e.get("targetUrl")))]
        outcomes.append(Outcome(title=title, esco=esco, esco_labels=labelled(esco)))
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


def _ob3_quality_assurance(ach: dict[str, Any], aligned: Aligned, lang: str) -> QualityAssuranceInfo | None:
    report = next(iter(aligned.get("qa_report", [])), None)
    deqar_report = _str(report.get("targetCode")) if report else None
    qa_node = ach.get("qualityAssurance")
    if isinstance(qa_node, dict):
        agency_node = qa_node.get("agency")
        agency = _ob3_body(agency_node, lang) if agency_node else None
        return QualityAssuranceInfo(
            type=_coded_uri(_str(qa_node.get("qaType")), _QA_BY_URI, vocab.QA_TYPE),
            external=_bool(qa_node.get("external")),
            agency=agency,
            report=_str(qa_node.get("report")),
            deqar_report_id=_str(qa_node.get("deqarId")) or deqar_report,
        )
    qa_type = _aligned_code(aligned, "quality_assurance", _QA_BY_URI, vocab.QA_TYPE)
    if qa_type is None:
        return None
    agency_a = next(iter(aligned.get("qa_agency", [])), None)
    agency = None
    if agency_a:
        # the agency alignment's targetCode is its DEQAR id, not a legal identifier
        found = _aligned_body(agency_a, lang)
        agency = found.model_copy(update={"legal_identifier": None,
                                          "deqar_id": found.deqar_id or _str(agency_a.get("targetCode"))})
    return QualityAssuranceInfo(
        type=qa_type,
        external=(_str(agency_a.get("targetDescription")) or "").startswith(EXTERNAL_QA) if agency_a else False,
        agency=agency,
        report=_str(report.get("targetUrl")) if report else None,
        deqar_report_id=deqar_report,
    )


def _ob3_supervision(subject: dict[str, Any], aligned: Aligned) -> SupervisionInfo | None:
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


def _ob3_stackability(ach: dict[str, Any], aligned: Aligned, lang: str, editions: Editions) -> dict[str, str] | None:
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


def _ob3_assessment(rd: dict[str, Any], ach: dict[str, Any], lang: str,
                    grade: dict[str, str] | None = None) -> AssessmentInfo | None:
    """One assessment (a component's, a module's) from its ResultDescription's alignments."""
    aligned = _group(rd.get("alignment"))
    scoped = _editions(ach, _str(rd.get("id")))
    if "assessment" not in aligned:
        return None
    return AssessmentInfo(
        type=_ob3_assessment_type(aligned),
        title=_with_editions(_note_name(aligned, "assessment_title", lang), scoped, "assessment_title", "targetName"),
        description=_with_editions(_note_text(aligned, "assessment", lang), scoped, "assessment"),
        weight=_float(_first(aligned, "assessment_weight"), 100),
        mode=_aligned_code(aligned, "assessment_mode", _PARTICIPATION_BY_URI, vocab.PARTICIPATION),
        grade=grade,
    )


def _ob3_assessment_type(aligned: Aligned) -> CodedValue | None:
    """The EU assessment type, or a free-text type (its URI only when a vocabulary gave one)."""
    coded = _aligned_code(aligned, "assessment", _ASSESSMENT_BY_URI, vocab.ASSESSMENT)
    if coded is not None and coded.uri == SUBJECT["assessment-other-type"]:
        return coded.model_copy(update={"uri": None})
    return coded


def _note_name(aligned: Aligned, key: str, lang: str) -> dict[str, str] | None:
    value = _first(aligned, key, "targetName")
    return {lang: value} if value else None


def _results(subject: dict[str, Any]) -> dict[str, str]:
    """ResultDescription id -> the learner's result value for it."""
    return {rd: value for r in _list(subject.get("result")) if isinstance(r, dict)
            if (rd := _str(r.get("resultDescription"))) and (value := _str(r.get("value")))}


def _int(value: str | None) -> int | None:
    """A count written in ASCII digits (no sign, no 5000-digit number)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def _float(value: str | None, most: float = math.inf) -> float | None:
    """A positive amount written as a number (ECTS, a weight up to `most` percent), else None."""
    try:
        number = _number(float(value)) if value else None
    except ValueError:
        return None
    return number if number is not None and 0 < number <= most else None


def _ob3_modules(ach: dict[str, Any], subject: dict[str, Any], lang: str, editions: Editions) -> list[ModuleInfo]:
    """Each module from its ResultDescription and the learner's Result for it."""
    _, _, modules = _part_descriptions(ach)
    values = _results(subject)
    out = []
    for rd in modules:
        rd_id = _str(rd.get("id"))
        aligned = _group(rd.get("alignment"))
        scoped = _editions(ach, rd_id)
        value = values.get(rd_id or "")
        grade = _with_editions({lang: value} if value else None, scoped, "grade")
        out.append(ModuleInfo(
            id=_first(aligned, "module", "targetUrl"),
            title=_with_editions(_note_name(aligned, "module", lang), scoped, "module", "targetName") or {},
            ects=_float(_first(aligned, "ects")),
            hours=_int(_first(aligned, "hours")),
            assessment=_ob3_assessment(rd, ach, lang),
            grade=grade,
            start=_first(aligned, "start"),
            end=_first(aligned, "end"),
            learning_outcomes=_ob3_outcomes({}, aligned, lang, [], editions),
        ))
    return out


def _ob3_parties(cred: dict[str, Any], aligned: Aligned, lang: str, editions: Editions,
                 sources: dict[str, str]) -> tuple[Body, list[Body], list[Body], list[Body]]:
    """(issuer, awarding bodies, delivering partners, bodies the issuer issues on behalf of)."""
    issuer = _ob3_body(cred.get("issuer"), lang)
    stated = _stated_bodies(aligned, lang, editions)
    if cred.get("awardingBody") is not None:
        profiles = {p["id"]: p for p in [cred.get("issuer"), *_list(cred.get("awardingBody"))]
                    if isinstance(p, dict) and isinstance(p.get("id"), str)}
        bodies = [_ob3_body(profiles.get(b, b) if isinstance(b, str) else b, lang)
                  for b in _list(cred.get("awardingBody"))]
        delivering = [_ob3_body(p, lang) for p in _list(cred.get("deliveringPartner"))]
        # the alignments add what a Profile holds in one language only (short name, role)
        bodies = [_with_stated(b, stated) for b in bodies]
        delivering = [_with_stated(b, stated) for b in delivering]
    else:
        bodies = [issuer, *(_aligned_body(a, lang, editions, "awarding_body") for a in aligned.get("awarding_body", []))]
        delivering = [_aligned_body(a, lang, editions, "delivering_partner") for a in aligned.get("delivering_partner", [])]
        sources["awarding_bodies"] = "issuer" + (" + alignment[ext:AwardingBody]" if len(bodies) > 1 else "")
    on_behalf_of = [_with_stated(_aligned_body(a, lang), stated) for a in aligned.get("on_behalf_of", [])]
    return issuer, bodies, delivering, on_behalf_of


def _with_stated(body: Body, stated: dict[str | None, Body]) -> Body:
    """`body` with the short name and role (every language) its awarding/delivering alignment states."""
    known = stated.get(body.id)
    if known is None:
        return body
    return body.model_copy(update={k: v for k, v in known.model_dump(include={"short_name", "role"}).items() if v})


def _stated_bodies(aligned: Aligned, lang: str, editions: Editions) -> dict[str | None, Body]:
    return {b.id: b for key in ("awarding_body", "delivering_partner")
            for a in aligned.get(key, []) if (b := _aligned_body(a, lang, editions, key)).id}


def _ob3_assessors(subject: dict[str, Any], aligned: Aligned, lang: str, editions: Editions) -> list[Body]:
    """Who assessed: the ext:Assessor alignments (a joint panel), else the subject's `source`."""
    stated = _stated_bodies(aligned, lang, editions)
    panel = [_with_stated(_aligned_body(a, lang), stated) for a in aligned.get("assessor", [])]
    if panel:
        return panel
    source = subject.get("source")
    return [_ob3_body(source, lang)] if isinstance(source, (dict, str)) else []


def _ob3_part_of(aligned: Aligned, lang: str, editions: Editions) -> dict[str, str] | None:
    a = next(iter(aligned.get("part_of", [])), None)
    if a is None:
        return None
    titles = _with_editions(_note_name(aligned, "part_of", lang), editions, "part_of", "targetName") or {}
    url = _str(a.get("targetUrl"))
    part = {"title": titles.get("en") or titles.get(lang) or ""}
    if url and url != SUBJECT["part-of"]:
        part["id"] = url
    return part


def _from_ob3(cred: dict[str, Any]) -> Elements:
    subject = _obj(cred.get("credentialSubject"))
    ach = _obj(subject.get("achievement"))
    inferred: list[str] = []
    sources: dict[str, str] = {}
    lang = _str(ach.get("inLanguage")) or "en"
    if not ach.get("inLanguage"):
        sources["language"] = "achievement states no inLanguage: its texts are read as en"
    aligned = _alignments_by_type(ach)
    editions = _editions(ach)

    issuer, bodies, delivering, on_behalf_of = _ob3_parties(cred, aligned, lang, editions, sources)
    model = _str(cred.get("awardingModel")) or _first(aligned, "awarding_model")
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
                  if (_str(ach.get("assessmentType")) or "") in _ASSESSMENT_BY_URI else None) or _ob3_assessment_type(aligned)
    participation = (_coded_uri(_str(ach.get("participationForm")), _PARTICIPATION_BY_URI, vocab.PARTICIPATION)
                     or _aligned_code(aligned, "participation", _PARTICIPATION_BY_URI, vocab.PARTICIPATION))
    setting = (_coded_uri(_str(ach.get("learningSetting")), _LEARNING_SETTING_BY_URI, vocab.LEARNING_SETTING)
               or _aligned_code(aligned, "learning_setting", _LEARNING_SETTING_BY_URI, vocab.LEARNING_SETTING))
    main, components, _ = _part_descriptions(ach)
    main_id = next((i for rd in main if (i := _str(rd.get("id")))), None)
    values = _results(subject)
    grade = _lang(subject.get("gradeTranslations"))
    if grade is None:
        value = values.get(main_id or "") or next(
            (r.get("value") for r in _list(subject.get("result")) if isinstance(r, dict)
             and isinstance(r.get("value"), str) and _str(r.get("resultDescription")) in (None, main_id)), None)
        grade = _with_editions({lang: value} if value else None, editions, "grade")
    alliance_node = cred.get("alliance") or _obj(cred.get("issuer")).get("parentOrg")
    alliance_node = alliance_node if isinstance(alliance_node, dict) else {}
    hours = ach.get("notionalHours")
    partial = _first(aligned, "partial_qualification")
    return Elements(
        format="ob3",
        credential_id=_str(cred.get("id")),
        specification_id=_id(subject.get("achievement")),
        learner=_ob3_learner(subject, lang),
        title=_ob3_title(cred, ach, lang),
        countries=countries,
        regions=[r for a in aligned.get("region", []) if (r := _str(a.get("targetCode")))],
        awarding_model=model,
        issuer=issuer,
        awarding_bodies=bodies,
        delivering_partners=delivering,
        on_behalf_of=on_behalf_of,
        assessors=_ob3_assessors(subject, aligned, lang, editions),
        alliance=_lang(alliance_node.get("name"), lang) if alliance_node else None,
        alliance_logo=_str(_obj(alliance_node.get("image")).get("id")) or _str(alliance_node.get("image")),
        issued=_str(cred.get("awardedDate")) or _str(cred.get("validFrom")) or _str(cred.get("issuanceDate")),
        learning_outcomes=_ob3_outcomes(ach, aligned, lang, inferred, editions),
        ects=_number(ach.get("creditsAvailable", subject.get("creditsEarned"))),
        hours=hours if isinstance(hours, int) and not isinstance(hours, bool) else _int(_first(aligned, "hours")),
        no_ects="no_ects" in aligned,
        eqf=eqf,
        qf_ehea=qf,
        nqf=_first(aligned, "nqf"),
        assessment=assessment,
        assessments=[a for rd in components if (a := _ob3_assessment(rd, ach, lang))],
        assessment_mode=_aligned_code(aligned, "assessment_mode", _PARTICIPATION_BY_URI, vocab.PARTICIPATION),
        participation=participation,
        learning_setting=setting,
        partial_qualification={"true": True, "false": False}.get(partial or ""),
        part_of=_ob3_part_of(aligned, lang, editions),
        modules=_ob3_modules(ach, subject, lang, editions),
        identifier=_str(subject.get("licenseNumber")),
        thematic_area=_first(aligned, "thematic_area"),
        delivery_start=_str(subject.get("activityStartDate")),
        delivery_end=_str(subject.get("activityEndDate")),
        maximum_duration=_first(aligned, "maximum_duration"),
        instruction_languages=[t for a in aligned.get("instruction_language", []) if (t := _str(a.get("targetCode")))],
        assessment_languages=[t for a in aligned.get("assessment_language", []) if (t := _str(a.get("targetCode")))],
        profiles=[p for a in aligned.get("profile", []) if (p := _str(a.get("targetCode")))],
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
