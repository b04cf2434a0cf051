"""Controlled vocabularies: the record's short codes and the EU concept URIs they stand for.

Why here: the record model accepts readable codes (`blended`, `written examination`, `6`),
and both output formats need the same URI, scheme and label for each. The URIs are those
of the EU controlled lists used by ELM v3 (data.europa.eu/snb, publications.europa.eu
authority tables). Where the EU publishes no list we know the URIs of (supervision and
identity verification beyond one value, QF-EHEA cycles), we use edcissuer's own vocabulary
namespace, never an invented EU URI.
"""
from __future__ import annotations

from dataclasses import dataclass

SNB = "http://data.europa.eu/snb"
AUTHORITY = "http://publications.europa.eu/resource/authority"
OWN = "https://w3id.org/edcissuer/vocab"


@dataclass(frozen=True)
class Concept:
    """A SKOS concept: URI, scheme URI and English label (ELM puts all three inline)."""

    uri: str
    scheme: str
    label: str
    notation: str | None = None
    broader: str | None = None  # for our own concepts: the EU concept they narrow (a verifier's fallback)


def _scheme(values: dict[str, tuple[str, str]], scheme: str) -> dict[str, Concept]:
    return {code: Concept(uri, scheme, label) for code, (uri, label) in values.items()}


EQF_SCHEME = f"{SNB}/eqf/25831c2"
EQF: dict[int, Concept] = {
    n: Concept(f"{SNB}/eqf/{n}", EQF_SCHEME, f"Level {n}", str(n)) for n in range(1, 9)
}

# QF-EHEA cycles (Bologna): short cycle ~ EQF 5, first ~ 6, second ~ 7, third ~ 8.
QF_EHEA_SCHEME = f"{OWN}/qf-ehea"
QF_EHEA: dict[str, Concept] = _scheme({
    "short": (f"{OWN}/qf-ehea/short-cycle", "Short cycle"),
    "first": (f"{OWN}/qf-ehea/first-cycle", "First cycle"),
    "second": (f"{OWN}/qf-ehea/second-cycle", "Second cycle"),
    "third": (f"{OWN}/qf-ehea/third-cycle", "Third cycle"),
}, QF_EHEA_SCHEME)
CYCLE_FOR_EQF: dict[int, str] = {5: "short", 6: "first", 7: "second", 8: "third"}

MODE_SCHEME = f"{SNB}/learning-assessment/25831c2"
OWN_MODE_SCHEME = f"{OWN}/mode"
_ONLINE = f"{SNB}/learning-assessment/920fbb3cbe"
_BLENDED = f"{SNB}/learning-assessment/e92d221e4d"
#: forms of participation (element j) and assessment modes: the EU "modes" list
#: (europass-modes), plus hybrid and synchronous/asynchronous online, which the EU list does
#: not tell apart: our own concepts, each naming the EU concept it narrows.
PARTICIPATION: dict[str, Concept] = {
    **_scheme({
        "online": (_ONLINE, "Online"),
        "onsite": (f"{SNB}/learning-assessment/9191af2ed9", "Presential"),
        "blended": (_BLENDED, "Blended"),
        "work-based": (f"{SNB}/learning-assessment/729f3bed4b", "Workbased"),
        "project-based": (f"{SNB}/learning-assessment/7813801c77", "Project based"),
        "research-lab": (f"{SNB}/learning-assessment/ed4c557045", "Research-Lab based"),
    }, MODE_SCHEME),
    "hybrid": Concept(f"{OWN}/mode/hybrid", OWN_MODE_SCHEME,
                      "Hybrid (online and on-site participants at the same time)", broader=_BLENDED),
    "online-synchronous": Concept(f"{OWN}/mode/online-synchronous", OWN_MODE_SCHEME,
                                  "Online, synchronous (live sessions)", broader=_ONLINE),
    "online-asynchronous": Concept(f"{OWN}/mode/online-asynchronous", OWN_MODE_SCHEME,
                                   "Online, asynchronous (self-paced)", broader=_ONLINE),
}
#: what a registrar may write for a form of participation, and the code it means
PARTICIPATION_ALIASES: dict[str, str] = {
    "presential": "onsite", "on-site": "onsite", "face-to-face": "onsite", "workbased": "work-based",
    "synchronous": "online-synchronous", "asynchronous": "online-asynchronous",
    "online synchronous": "online-synchronous", "online asynchronous": "online-asynchronous",
}

ASSESSMENT_SCHEME = f"{SNB}/assessment/25831c2"
ASSESSMENT: dict[str, Concept] = _scheme({
    "peer assessment": (f"{SNB}/assessment/19a2e5e671", "peer assessment"),
    "marked assignment": (f"{SNB}/assessment/2939dae15f", "marked assignment"),
    "continuous evaluation": (f"{SNB}/assessment/3484bd7e51", "continuous evaluation"),
    "portfolio": (f"{SNB}/assessment/4f03b91c0e", "portfolio"),
    "group performance": (f"{SNB}/assessment/56539a6507", "group performance"),
    "practical assessment": (f"{SNB}/assessment/6a4db9f11d", "practical assessment"),
    "written examination": (f"{SNB}/assessment/6e6cb2cc78", "written examination"),
    "level of attendance": (f"{SNB}/assessment/7331eb4762", "level of attendance"),
    "project work": (f"{SNB}/assessment/795dac4096", "project work"),
    "peer review": (f"{SNB}/assessment/812e3b0ae1", "peer review"),
    "quiz": (f"{SNB}/assessment/b1b68f6735", "quiz"),
    "problem based learning": (f"{SNB}/assessment/c4256a2726", "problem based learning"),
    "oral examination": (f"{SNB}/assessment/d30284d7df", "oral examination"),
    "artefact assessment": (f"{SNB}/assessment/de4d165a6c", "artefact assessment"),
}, ASSESSMENT_SCHEME)

SUPERVISION_SCHEME = f"{SNB}/supervision-verification/25831c2"
OWN_SUPERVISION_SCHEME = f"{OWN}/supervision-verification"
SUPERVISION: dict[str, Concept] = {
    "unsupervised": Concept(f"{SNB}/supervision-verification/c598449d64", SUPERVISION_SCHEME,
                            "Unsupervised without ID Verification"),
    "supervised": Concept(f"{OWN}/supervision-verification/supervised-no-id",
                          OWN_SUPERVISION_SCHEME, "Supervised without ID verification"),
    "supervised-online-id": Concept(f"{OWN}/supervision-verification/supervised-online-id",
                                    OWN_SUPERVISION_SCHEME,
                                    "Supervised online with ID verification"),
    "supervised-onsite-id": Concept(f"{OWN}/supervision-verification/supervised-onsite-id",
                                    OWN_SUPERVISION_SCHEME,
                                    "Supervised onsite with ID verification"),
}
ID_VERIFIED_SUPERVISION = frozenset({"supervised-online-id", "supervised-onsite-id"})

ACCREDITATION_SCHEME = f"{SNB}/accreditation/25831c2"
QA_TYPE: dict[str, Concept] = _scheme({
    "institutional": (f"{SNB}/accreditation/bb4618238e", "Institutional Quality Assurance"),
    "programme": (f"{SNB}/accreditation/820101cba6", "Program Quality Assurance"),
    "institutional-licence": (f"{SNB}/accreditation/003293d2ce", "Institutional License"),
    "programme-licence": (f"{SNB}/accreditation/e57dddfcf3", "Program License"),
}, ACCREDITATION_SCHEME)

LEARNING_SETTING_SCHEME = f"{SNB}/learning-setting/25831c2"
LEARNING_SETTING: dict[str, Concept] = _scheme({
    "formal": (f"{SNB}/learning-setting/6fd4685715", "formal learning"),
    "non-formal": (f"{SNB}/learning-setting/e207a81fc7", "non-formal learning"),
}, LEARNING_SETTING_SCHEME)

# Awarding models of European University Alliances (element d): edcissuer's own vocabulary.
AWARDING_MODEL_SCHEME = f"{OWN}/awarding-model"
AWARDING_MODEL: dict[str, Concept] = _scheme({
    "single": (f"{OWN}/awarding-model/single", "Single institution"),
    "cooperative": (f"{OWN}/awarding-model/cooperative",
                    "Cooperative: the Lead Partner awards, the Delivering Partners are stated"),
    "joint-award": (f"{OWN}/awarding-model/joint-award",
                    "Joint: all partners award; the Lead Partner issues on behalf of all"),
    "joint-lead": (f"{OWN}/awarding-model/joint-lead",
                   "Joint delivery: the Lead Partner alone awards and states all participating partners"),
}, AWARDING_MODEL_SCHEME)
#: credentials issued before the two joint models were told apart said "joint" for joint-award
LEGACY_AWARDING_MODEL: dict[str, str] = {f"{OWN}/awarding-model/joint": "joint-award"}

# Subjects of notes and statements that carry elements neither ELM nor OB 3.0 has a
# dedicated property for (ELM additionalNote subjects, OB3 alignment targets).
NOTE_SUBJECT_SCHEME = f"{OWN}/note-subject"
NOTE_SUBJECTS: dict[str, Concept] = {
    key: Concept(f"{OWN}/note-subject/{key}", NOTE_SUBJECT_SCHEME, label)
    for key, label in {
        "qf-ehea": "QF-EHEA cycle",
        "issuer-countries": "Countries of the issuer (ISO 3166-1 alpha-2)",
        "stackability": "Integration / stackability options",
        "further-information": "Further information",
        "awarding-model": "Awarding model",
        "quality-assurance": "Type of quality assurance",
        "prerequisites": "Prerequisites needed to enrol",
        "learning-outcome": "Learning outcome",
        "awarding-body": "Awarding body",
        "delivering-partner": "Delivering partner",
        "qa-agency": "Quality assurance agency",
        "qa-report": "Quality assurance report",
    }.items()
}

ECTS = Concept(f"{SNB}/education-credit/6fcec5c5af", f"{SNB}/education-credit/25831c2",
               "European Credit Transfer System")
CREDENTIAL_PROFILE_GENERIC = Concept(f"{SNB}/credential/e34929035b", f"{SNB}/credential/25831c2",
                                     "Generic")
SHORT_LEARNING_PROGRAMME = Concept(f"{SNB}/learning-opportunity/74a4a268e8",
                                   f"{SNB}/learning-opportunity/25831c2",
                                   "Short learning programme")
BASE64_ENCODING = Concept(f"{SNB}/encoding/6146cde7dd", f"{SNB}/encoding/25831c2", "base64")
FILE_TYPE_PNG = Concept(f"{AUTHORITY}/file-type/PNG", f"{AUTHORITY}/file-type", "PNG")
ESCO_SKILLS_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"

COUNTRY_SCHEME = f"{AUTHORITY}/country"
LANGUAGE_SCHEME = f"{AUTHORITY}/language"

# ISO 3166-1 alpha-2 -> (alpha-3 used by the EU country authority table, English name).
# EHEA members and neighbours: the countries a European micro-credential is issued in.
_COUNTRIES: dict[str, tuple[str, str]] = {
    "AD": ("AND", "Andorra"), "AL": ("ALB", "Albania"), "AM": ("ARM", "Armenia"),
    "AT": ("AUT", "Austria"), "AZ": ("AZE", "Azerbaijan"), "BA": ("BIH", "Bosnia and Herzegovina"),
    "BE": ("BEL", "Belgium"), "BG": ("BGR", "Bulgaria"), "BY": ("BLR", "Belarus"),
    "CH": ("CHE", "Switzerland"), "CY": ("CYP", "Cyprus"), "CZ": ("CZE", "Czechia"),
    "DE": ("DEU", "Germany"), "DK": ("DNK", "Denmark"), "EE": ("EST", "Estonia"),
    "ES": ("ESP", "Spain"), "FI": ("FIN", "Finland"), "FR": ("FRA", "France"),
    "GB": ("GBR", "United Kingdom"), "GE": ("GEO", "Georgia"), "GR": ("GRC", "Greece"),
    "HR": ("HRV", "Croatia"), "HU": ("HUN", "Hungary"), "IE": ("IRL", "Ireland"),
    "IS": ("ISL", "Iceland"), "IT": ("ITA", "Italy"), "KZ": ("KAZ", "Kazakhstan"),
    "LI": ("LIE", "Liechtenstein"), "LT": ("LTU", "Lithuania"), "LU": ("LUX", "Luxembourg"),
    "LV": ("LVA", "Latvia"), "MC": ("MCO", "Monaco"), "MD": ("MDA", "Moldova"),
    "ME": ("MNE", "Montenegro"), "MK": ("MKD", "North Macedonia"), "MT": ("MLT", "Malta"),
    "NL": ("NLD", "Netherlands"), "NO": ("NOR", "Norway"), "PL": ("POL", "Poland"),
    "PT": ("PRT", "Portugal"), "RO": ("ROU", "Romania"), "RS": ("SRB", "Serbia"),
    "SE": ("SWE", "Sweden"), "SI": ("SVN", "Slovenia"), "SK": ("SVK", "Slovakia"),
    "SM": ("SMR", "San Marino"), "TR": ("TUR", "Türkiye"), "UA": ("UKR", "Ukraine"),
    "VA": ("VAT", "Holy See"),
}
COUNTRY: dict[str, Concept] = {
    a2: Concept(f"{COUNTRY_SCHEME}/{a3}", COUNTRY_SCHEME, name, a2)
    for a2, (a3, name) in _COUNTRIES.items()
}
COUNTRY_BY_URI: dict[str, str] = {c.uri: a2 for a2, c in COUNTRY.items()}

_LANGUAGES = {"en": ("ENG", "English"), "fr": ("FRA", "French"), "de": ("DEU", "German"),
              "es": ("SPA", "Spanish"), "it": ("ITA", "Italian"), "nl": ("NLD", "Dutch"),
              "pt": ("POR", "Portuguese"), "pl": ("POL", "Polish"), "sv": ("SWE", "Swedish"),
              "fi": ("FIN", "Finnish"), "da": ("DAN", "Danish"), "el": ("ELL", "Greek"),
              "cs": ("CES", "Czech"), "sk": ("SLK", "Slovak"), "sl": ("SLV", "Slovenian"),
              "hr": ("HRV", "Croatian"), "hu": ("HUN", "Hungarian"), "ro": ("RON", "Romanian"),
              "bg": ("BUL", "Bulgarian"), "et": ("EST", "Estonian"), "lv": ("LAV", "Latvian"),
              "lt": ("LIT", "Lithuanian"), "ga": ("GLE", "Irish"), "mt": ("MLT", "Maltese")}
LANGUAGE: dict[str, Concept] = {
    code: Concept(f"{LANGUAGE_SCHEME}/{a3}", LANGUAGE_SCHEME, name, code)
    for code, (a3, name) in _LANGUAGES.items()
}


def reverse(table: dict[str, Concept]) -> dict[str, str]:
    """Concept URI -> record code, for reading credentials back."""
    return {c.uri: code for code, c in table.items()}


# --- added for issue 13 (ELM fidelity): note subjects and EU concepts the ELM mapping uses ---
NOTE_SUBJECTS.update({
    key: Concept(f"{OWN}/note-subject/{key}", NOTE_SUBJECT_SCHEME, label)
    for key, label in {
        "alliance-profile": "Alliance profile the micro-credential conforms to",
        "issuer-regions": "Regions of the issuer",
        "partner-role": "Role of the partner",
        "nqf": "National qualifications framework level",
        "no-ects": "Notional workload without ECTS credits",
        "assessment-weight": "Weight of the assessment in the final result (percent)",
        "assessment-type": "Type of assessment, in words",
        "assessment-type-uri": "Vocabulary URI of the type of assessment",
        "part-of-accredited": "Whether the qualification this is part of is accredited",
        "no-grade": "No grade awarded (pass without a grade)",
    }.items()
})

#: ELM Evidence type "Mandate": the issuer made the claims for the indicated awarding body
#: (the EDC issued-by-mandate profile); one per body a joint-award lead issues on behalf of
EVIDENCE_MANDATE = Concept(f"{SNB}/evidence-type/c_18016257", f"{SNB}/evidence-type/25831c2", "Mandate")
ISCED_F_SCHEME = f"{SNB}/isced-f/25831c2"
NQF_SCHEME = f"{SNB}/qdr/25831c2"
FILE_TYPES: dict[str, Concept] = {
    mime: Concept(f"{AUTHORITY}/file-type/{name}", f"{AUTHORITY}/file-type", name)
    for mime, name in {"image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG"}.items()
}
