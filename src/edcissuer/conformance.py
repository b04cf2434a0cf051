"""Run-time conformance rules for both formats, shipped with the library.

The official OB 3.0 JSON Schema and the ELM SHACL shapes are not ours to redistribute and
are too heavy to load on every verification; tests check our output against them when
they are present. At run time we apply our own statement of the rules a receiving
institution relies on: the required OB 3.0 structure (1EdTech schema `required` lists and
formats) and, for ELM, a compiled rule set of EDC-generic-full (with the EDC-generic-no-cv
shapes it imports): the cardinalities of each class's members, the controlled vocabularies
(concept IRIs in the named ConceptScheme), every concept's schemes typed ConceptScheme, and
one `credentialStatus` of datatype xsd:anyURI.

Why compiled rules and not pyshacl with shapes of our own: measured per ELM credential,
pyshacl needs the RDF graph (~50 ms) and ~75 ms to validate even our smaller shapes, about
three times a whole `verify`; these rules take ~2 ms on the JSON, read as the graph reads it
(objects with one `id` are one node; a language map is one value per language). Their verdict
equals pyshacl's on the official shapes for every ELM credential the tests build and for
hostile variants of them (tests/test_shacl_conformance.py). Covered: `sh:minCount`, `sh:maxCount`,
`sh:class` (and `sh:or` of classes), `sh:nodeKind sh:IRI` and `sh:hasValue` of the vocabulary
rules. Not covered: `sh:datatype` (other than credentialStatus's) and `sh:uniqueLang`, which our
mapping meets by construction (strict expansion types every literal by the context) and the
issuing tests check with pyshacl.
"""
from __future__ import annotations

import json
from typing import Any

import jsonschema  # type: ignore[import-untyped,unused-ignore]

from .checks import CheckId
from .errors import EdcIssuerError
from .ld.expand import check_json_limits
from .results import CheckResult

_DATETIME_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def _types_with(*names: str) -> dict[str, Any]:
    """Schema fragment: `type` is one of `names`, or an array containing one."""
    return {"oneOf": [{"type": "string", "enum": list(names)},
                      {"type": "array", "minItems": 1, "contains": {"enum": list(names)}}]}



_PROFILE = {"type": "object", "required": ["id", "type"],
            "properties": {"id": {"type": "string", "format": "uri"}, "type": _types_with("Profile")}}

OB3_RULES: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "title": "edcissuer run-time rules for Open Badges 3.0 OpenBadgeCredential",
    "type": "object",
    "required": ["@context", "id", "type", "issuer", "validFrom", "credentialSubject"],
    "properties": {
        "@context": {"type": "array", "minItems": 2, "prefixItems": [
            {"const": "https://www.w3.org/ns/credentials/v2"},
            {"type": "string",
             "pattern": r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$"}]},
        "id": {"type": "string", "format": "uri"},
        "type": {"type": "array", "allOf": [{"contains": {"const": "VerifiableCredential"}},
                                            {"contains": {"enum": ["OpenBadgeCredential",
                                                                   "AchievementCredential"]}}]},
        "issuer": {"oneOf": [{"type": "string", "format": "uri"}, _PROFILE]},
        "validFrom": {"type": "string", "pattern": _DATETIME_Z},
        "validUntil": {"type": "string", "pattern": _DATETIME_Z},
        "credentialSubject": {
            "type": "object", "required": ["type", "achievement"],
            "properties": {
                "type": _types_with("AchievementSubject"),
                "achievement": {"type": "object", "required": ["id", "type", "criteria", "description", "name"],
                                "properties": {"type": _types_with("Achievement"),
                                               "name": {"type": "string"},
                                               "description": {"type": "string"},
                                               "criteria": {"type": "object"},
                                               "creditsAvailable": {"type": "number", "minimum": 0}}},
                "identifier": {"type": "array", "items": {
                    "type": "object", "required": ["type", "hashed", "identityHash", "identityType"]}},
            },
        },
        "proof": {"oneOf": [{"type": "object", "required": ["type"]},
                            {"type": "array", "items": {"type": "object", "required": ["type"]}}]},
    },
}

_OB3_VALIDATOR = jsonschema.Draft201909Validator(OB3_RULES, format_checker=jsonschema.FormatChecker())  # type: ignore[no-untyped-call,unused-ignore]


def _path(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(root)"


def _first(node: Any) -> Any:
    return node[0] if isinstance(node, list) and node else node


# (json path, description) pairs EDC-generic-full requires (minCount 1) on the parts we read.
_ELM_REQUIRED: tuple[tuple[tuple[str, ...], str], ...] = (
    (("credentialProfiles",), "credential profile"),
    (("displayParameter",), "display parameter"),
    (("displayParameter", "individualDisplay"), "individual display"),
    (("issuer",), "issuer"),
    (("issuer", "eIDASIdentifier"), "issuer eIDAS legal identifier"),
    (("validFrom",), "validFrom"),
    (("credentialSubject",), "credential subject"),
    (("credentialSubject", "hasClaim"), "claim (hasClaim)"),
    (("credentialSubject", "hasClaim", "title"), "claim title"),
    (("credentialSubject", "hasClaim", "awardedBy"), "awarding process (awardedBy)"),
    (("credentialSubject", "hasClaim", "awardedBy", "awardingBody"), "awarding body"),
)

_EU = "http://publications.europa.eu/resource/authority/"
_SNB = "http://data.europa.eu/snb/"
_LANGUAGE, _COUNTRY = f"{_EU}language", f"{_EU}country"
_CLAIM_TYPES = ("Claim", "LearningAchievement", "LearningActivity", "LearningAssessment", "LearningEntitlement")
_ANY_URI = frozenset({"xsd:anyURI", "http://www.w3.org/2001/XMLSchema#anyURI"})

#: The controlled-vocabulary rules of EDC-generic-full, in our words: for a node of a class (its JSON
#: `type`), the JSON term whose values must be Concepts (IRIs) in the named ConceptScheme, with the
#: minimum and maximum number of values (None: unbounded). A concept is in the scheme when one of its
#: `inScheme` values is that scheme's IRI and every `inScheme` value is an IRI typed ConceptScheme
#: somewhere in the document (the graph merges every occurrence of an id).
_VOCABULARY_RULES: dict[str, tuple[tuple[str, str, int, int | None], ...]] = {
    "Accreditation": (("dcType", f"{_SNB}accreditation/25831c2", 1, 1),
                      ("limitField", f"{_SNB}isced-f/25831c2", 0, None),
                      ("limitEQFLevel", f"{_SNB}eqf/25831c2", 0, None),
                      ("limitJurisdiction", f"{_EU}atu", 0, None)),
    "Address": (("countryCode", _COUNTRY, 1, 1),),
    "Amount": (("unit", f"{_EU}currency", 1, 1),),
    **{claim: (("dcType", f"{_SNB}claim-type/25831c2", 0, None),) for claim in _CLAIM_TYPES},
    "EuropeanDigitalCredential": (("credentialProfiles", f"{_SNB}credential/25831c2", 1, None),),
    "DisplayParameter": (("primaryLanguage", _LANGUAGE, 1, 1), ("language", _LANGUAGE, 1, None)),
    "Evidence": (("dcType", f"{_SNB}evidence-type/25831c2", 1, 1),),
    "LearningAchievementSpecification": (("thematicArea", f"{_SNB}isced-f/25831c2", 0, None),
                                         ("language", _LANGUAGE, 0, None),
                                         ("learningSetting", f"{_SNB}learning-setting/25831c2", 0, 1)),
    "LearningActivitySpecification": (("language", _LANGUAGE, 0, None),),
    "LearningAssessmentSpecification": (("language", _LANGUAGE, 0, None),),
    "LearningEntitlementSpecification": (("limitJurisdiction", f"{_EU}atu", 0, None),
                                         ("entitlementStatus", f"{_SNB}entitlement-status/25831c2", 1, 1),
                                         ("limitOccupation", "http://data.europa.eu/esco/concept-scheme/occupations",
                                          0, None)),
    "LegalIdentifier": (("spatial", _COUNTRY, 1, 1),),
    "Qualification": (("thematicArea", f"{_SNB}isced-f/25831c2", 0, None),
                      ("language", _LANGUAGE, 0, None),
                      ("learningSetting", f"{_SNB}learning-setting/25831c2", 0, 1),
                      ("eqfLevel", f"{_SNB}eqf/25831c2", 0, 1),
                      ("nqfLevel", f"{_SNB}qdr/25831c2", 0, None)),
    "LearningOutcome": (("dcType", f"{_SNB}skill-type/25831c2", 0, 1),
                        ("reusabilityLevel", f"{_SNB}skill-reuse-level/25831c2", 0, 1),
                        ("relatedESCOSkill", "http://data.europa.eu/esco/concept-scheme/skills", 0, None)),
    "Person": (("citizenshipCountry", _COUNTRY, 0, None),),
    "WebResource": (("language", _LANGUAGE, 0, 1),),
    "VerificationCheck": (("dcType", f"{_SNB}verification/25831c2", 1, 1),
                          ("verificationStatus", f"{_SNB}verification-status/25831c2", 1, 1)),
}


#: The cardinalities EDC-generic-full (with EDC-generic-no-cv, which it imports) sets on the members of each
#: class, in our words: class (JSON `type`) -> (JSON term, at least, at most (None: unbounded)). The
#: controlled-vocabulary terms above carry their own counts.
_COUNT_RULES: dict[str, tuple[tuple[str, int, int | None], ...]] = {
    "EuropeanDigitalCredential": (("credentialSchema", 1, None), ("credentialSubject", 1, 1),
                                  ("displayParameter", 1, 1), ("issued", 1, 1), ("issuanceDate", 0, 1),
                                  ("issuer", 1, 1), ("validFrom", 1, 1)),
    "Accreditation": (("accreditingAgent", 1, 1), ("title", 1, None)),
    "Amount": (("value", 1, 1),),
    "AwardingOpportunity": (("awardingBody", 1, None),),
    "AwardingProcess": (("awardingBody", 1, None),),
    **{claim: (("awardedBy", 1, 1), ("title", 1, None)) for claim in _CLAIM_TYPES},
    "LearningAssessment": (("awardedBy", 1, 1), ("grade", 1, 1), ("title", 1, None)),
    "CreditPoint": (("framework", 1, 1), ("point", 1, 1)),
    "DisplayDetail": (("image", 1, 1), ("page", 1, 1)),
    "DisplayParameter": (("individualDisplay", 1, None), ("title", 1, None)),
    "IndividualDisplay": (("displayDetail", 1, None), ("language", 1, 1)),
    **{spec: (("title", 1, None),) for spec in (
        "GradingScheme", "Grant", "LearningAchievementSpecification", "LearningActivitySpecification",
        "LearningAssessmentSpecification", "LearningOutcome", "Qualification", "Specification")},
    "LearningEntitlementSpecification": (("dcType", 1, 1), ("title", 1, None)),
    "LearningOpportunity": (("providedBy", 1, None), ("title", 1, None)),
    "Group": (("prefLabel", 1, None),),
    "Identifier": (("notation", 1, 1),),
    "LegalIdentifier": (("notation", 1, 1),),
    "Location": (("address", 1, None),),
    "MediaObject": (("content", 1, 1), ("contentEncoding", 1, 1), ("contentType", 1, 1)),
    "Note": (("noteLiteral", 1, None),),
    "Organisation": (("legalName", 1, None), ("location", 1, None)),
    "Person": (("hasClaim", 1, None),),
    "ResultCategory": (("count", 1, 1), ("label", 1, 1)),
    "ShortenedGrading": (("percentageEqual", 1, 1), ("percentageHigher", 1, 1), ("percentageLower", 1, 1)),
    "VerificationCheck": (("elmSubject", 1, 1),),
    "WebResource": (("contentURL", 1, 1),),
}


#: Members of which a node of the class may have at most one value (EDC-generic-no-cv), beyond those above.
#: (Rules on predicates edc-ap gives no JSON term - elm:nationalId, elm:areaDialing, elm:resultDistribution,
#: elm:defaultLanguage - are left out: strict expansion refuses any JSON that could state them.)
_AT_MOST_ONE: dict[str, tuple[str, ...]] = {
    "Accreditation": ("dateIssued", "dateModified", "decision", "expiryDate", "limitQualification", "report",
                      "reviewDate", "status", "valid"),
    "Address": ("fullAddress",),
    "Agent": ("dateModified",),
    "AwardingOpportunity": ("learningAchievementSpecification", "location", "temporal"),
    "AwardingProcess": ("awardingDate", "educationalSystemNote", "location"),
    "Concept": ("notation",),
    "DisplayParameter": ("summaryDisplay",),
    "EuropeanDigitalCredential": ("expirationDate", "validUntil"),
    "Evidence": ("accreditation", "evidenceStatement", "evidenceTarget"),
    "Grant": ("contentURL", "dcType"),
    "Identifier": ("creator", "dateIssued", "schemeAgency", "schemeId", "schemeName", "schemeVersion"),
    "LearningAchievement": ("learningOpportunity", "specifiedBy"),
    "LearningAchievementSpecification": ("dateModified", "entryRequirement", "learningOutcomeSummary",
                                         "maximumDuration", "status", "volumeOfLearning"),
    "LearningActivity": ("learningOpportunity", "levelOfCompletion", "specifiedBy", "workload"),
    "LearningActivitySpecification": ("dateModified", "status", "volumeOfLearning"),
    "LearningAssessment": ("dateIssued", "gradeStatus", "idVerification", "location",
                           "proves", "shortenedGrading", "specifiedBy"),
    "LearningAssessmentSpecification": ("dateModified", "dcType", "gradingScheme", "status"),
    "LearningEntitlement": ("dateIssued", "dcType", "expiryDate", "specifiedBy"),
    "LearningEntitlementSpecification": ("dateModified", "status"),
    "LearningOpportunity": ("admissionProcedure", "bannerImage", "dateModified", "duration",
                            "learningAchievementSpecification", "learningActivitySpecification",
                            "learningSchedule", "scheduleInformation", "status", "temporal"),
    "LegalIdentifier": ("creator", "dateIssued", "schemeAgency", "schemeId", "schemeName", "schemeVersion"),
    "MediaObject": ("attachmentType", "contentSize", "contentURL"),
    "Note": ("noteFormat", "subject"),
    "Organisation": ("dateModified", "eIDASIdentifier", "logo", "registration", "subOrganizationOf"),
    "PeriodOfTime": ("endDate", "startDate"),
    "Person": ("dateModified", "dateOfBirth", "familyName", "fullName", "gender", "givenName", "location",
               "placeOfBirth"),
    "Phone": ("countryDialing", "dialNumber", "phoneNumber"),
    "PriceDetail": ("amount",),
    "Qualification": ("dateModified", "entryRequirement", "isPartialQualification", "learningOutcomeSummary",
                      "maximumDuration", "status", "volumeOfLearning"),
    "ResultCategory": ("maximumScore", "minimumScore", "score"),
    "Specification": ("dateModified", "status"),
}


#: The classes the values of each class's members must have (EDC-generic-no-cv `sh:class`, `sh:or` of classes):
#: class -> {"A|B": terms whose every value is a node typed A or B}. A value is typed by the `type` of its node
#: (every copy of its id merged); a literal, or an IRI the document does not describe, has no type.
_CLASS_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "Accreditation": {
        "Concept": ("dcType", "decision", "limitCredentialType", "limitEQFLevel", "limitField", "limitJurisdiction"),
        "Identifier|LegalIdentifier": ("identifier",),
        "Note": ("additionalNote",),
        "Organisation": ("accreditingAgent", "organisation"),
        "Qualification": ("limitQualification",),
        "WebResource": ("homepage", "landingPage", "report", "supplementaryDocument"),
    },
    "Address": {
        "Concept": ("countryCode",),
        "Identifier|LegalIdentifier": ("identifier",),
        "Note": ("fullAddress",),
    },
    "Agent": {
        "ContactPoint": ("contactPoint",),
        "Group": ("groupMemberOf",),
        "Identifier|LegalIdentifier": ("identifier",),
        "Location": ("location",),
        "Note": ("additionalNote",),
    },
    "Amount": {
        "Concept": ("unit",),
    },
    "AwardingOpportunity": {
        "Agent|Person|Organisation": ("awardingBody",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievementSpecification|Qualification": ("learningAchievementSpecification",),
        "Location": ("location",),
        "PeriodOfTime": ("temporal",),
    },
    "AwardingProcess": {
        "Agent|Person|Organisation": ("awardingBody",),
        "Concept": ("educationalSystemNote",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAssessment": ("used",),
        "Location": ("location",),
        "Note": ("additionalNote",),
    },
    "Claim": {
        "AwardingProcess": ("awardedBy",),
        "Concept": ("dcType",),
        "Identifier|LegalIdentifier": ("identifier",),
        "Note": ("additionalNote",),
        "WebResource": ("supplementaryDocument",),
    },
    "Concept": {
        "ConceptScheme": ("inScheme",),
    },
    "ContactPoint": {
        "Address": ("address",),
        "Mailbox": ("emailAddress",),
        "Note": ("additionalNote",),
        "Phone": ("phone",),
        "WebResource": ("contactForm",),
    },
    "CreditPoint": {
        "Concept": ("framework",),
    },
    "DisplayDetail": {
        "MediaObject": ("image",),
    },
    "DisplayParameter": {
        "Concept": ("language", "primaryLanguage"),
        "IndividualDisplay": ("individualDisplay",),
    },
    "EuropeanDigitalCredential": {
        "Agent|Person|Organisation": ("credentialSubject", "holder", "issuer"),
        "Concept": ("credentialProfiles",),
        "DisplayParameter": ("displayParameter",),
        "Evidence": ("evidence",),
        "Identifier|LegalIdentifier": ("identifier",),
        "MediaObject": ("attachment",),
        "ShaclValidator2017": ("credentialSchema",),
    },
    "Evidence": {
        "Accreditation": ("accreditation",),
        "Agent|Person|Organisation": ("evidenceTarget",),
        "Concept": ("dcType",),
        "MediaObject": ("embeddedEvidence",),
    },
    "GradingScheme": {
        "Identifier|LegalIdentifier": ("identifier",),
        "WebResource": ("supplementaryDocument",),
    },
    "Grant": {
        "Concept": ("dcType",),
        "WebResource": ("supplementaryDocument",),
    },
    "Group": {
        "Agent|Person|Organisation": ("member",),
        "Concept": ("dcType",),
        "ContactPoint": ("contactPoint",),
        "Location": ("location",),
        "Note": ("additionalNote",),
    },
    "Identifier": {
        "Concept": ("dcType",),
    },
    "IndividualDisplay": {
        "Concept": ("language",),
        "DisplayDetail": ("displayDetail",),
    },
    "LearningAchievement": {
        "AwardingProcess": ("awardedBy",),
        "Concept": ("dcType",),
        "CreditPoint": ("creditReceived",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievement": ("hasPart", "isPartOf"),
        "LearningAchievementSpecification|Qualification": ("specifiedBy",),
        "LearningActivity": ("influencedBy",),
        "LearningAssessment": ("provenBy",),
        "LearningEntitlement": ("entitlesTo",),
        "LearningOpportunity": ("learningOpportunity",),
        "Note": ("additionalNote",),
        "WebResource": ("supplementaryDocument",),
    },
    "LearningAchievementSpecification": {
        "AwardingOpportunity": ("awardingOpportunity",),
        "Concept": ("dcType", "educationLevel", "educationSubject", "language", "learningSetting", "mode",
                    "targetGroup", "thematicArea"),
        "CreditPoint": ("creditPoint",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievementSpecification|Qualification": ("generalisationOf", "hasPart", "isPartOf",
                                                           "specialisationOf"),
        "LearningActivitySpecification": ("influencedBy",),
        "LearningAssessmentSpecification": ("provenBy",),
        "LearningEntitlementSpecification": ("entitlesTo",),
        "LearningOutcome": ("learningOutcome",),
        "Note": ("additionalNote", "entryRequirement", "learningOutcomeSummary"),
        "WebResource": ("homepage", "supplementaryDocument"),
    },
    "LearningActivity": {
        "Agent|Person|Organisation": ("directedBy",),
        "AwardingProcess": ("awardedBy",),
        "Concept": ("dcType",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievement": ("influences",),
        "LearningActivity": ("hasPart", "isPartOf"),
        "LearningActivitySpecification": ("specifiedBy",),
        "LearningOpportunity": ("learningOpportunity",),
        "Location": ("location",),
        "Note": ("additionalNote",),
        "PeriodOfTime": ("temporal",),
        "WebResource": ("supplementaryDocument",),
    },
    "LearningActivitySpecification": {
        "Concept": ("dcType", "language", "mode"),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievementSpecification|Qualification": ("influences",),
        "LearningActivitySpecification": ("generalisationOf", "hasPart", "isPartOf", "specialisationOf"),
        "Note": ("additionalNote",),
        "WebResource": ("homepage", "supplementaryDocument"),
    },
    "LearningAssessment": {
        "Agent|Person|Organisation": ("assessedBy",),
        "AwardingProcess": ("awardedBy",),
        "Concept": ("dcType", "gradeStatus", "idVerification"),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievement": ("proves",),
        "LearningAssessment": ("hasPart", "isPartOf"),
        "LearningAssessmentSpecification": ("specifiedBy",),
        "Location": ("location",),
        "Note": ("additionalNote", "grade"),
        "ShortenedGrading": ("shortenedGrading",),
        "WebResource": ("supplementaryDocument",),
    },
    "LearningAssessmentSpecification": {
        "Concept": ("dcType", "language", "mode"),
        "GradingScheme": ("gradingScheme",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievementSpecification|Qualification": ("proves",),
        "LearningAssessmentSpecification": ("generalisationOf", "hasPart", "isPartOf", "specialisationOf"),
        "Note": ("additionalNote",),
        "WebResource": ("homepage", "supplementaryDocument"),
    },
    "LearningEntitlement": {
        "AwardingProcess": ("awardedBy",),
        "Concept": ("dcType",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievement": ("entitledBy",),
        "LearningEntitlement": ("hasPart", "isPartOf"),
        "LearningEntitlementSpecification": ("specifiedBy",),
        "Note": ("additionalNote",),
        "WebResource": ("supplementaryDocument",),
    },
    "LearningEntitlementSpecification": {
        "Concept": ("dcType", "entitlementStatus", "limitJurisdiction", "limitNationalOccupation", "limitOccupation"),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievementSpecification|Qualification": ("entitledBy",),
        "LearningEntitlementSpecification": ("generalisationOf", "hasPart", "isPartOf", "specialisationOf"),
        "Note": ("additionalNote",),
        "Organisation": ("limitOrganisation",),
        "WebResource": ("homepage", "supplementaryDocument"),
    },
    "LearningOpportunity": {
        "Concept": ("dcType", "learningSchedule", "mode"),
        "Grant": ("grant",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningAchievementSpecification|Qualification": ("learningAchievementSpecification",),
        "LearningActivitySpecification": ("learningActivitySpecification",),
        "LearningOpportunity": ("hasPart", "isPartOf"),
        "Location": ("location",),
        "MediaObject": ("bannerImage",),
        "Note": ("additionalNote", "admissionProcedure", "scheduleInformation"),
        "Organisation": ("providedBy",),
        "PeriodOfTime": ("temporal",),
        "PriceDetail": ("priceDetail",),
        "WebResource": ("homepage", "supplementaryDocument"),
    },
    "LearningOutcome": {
        "Concept": ("dcType", "relatedESCOSkill", "relatedSkill", "reusabilityLevel"),
        "Identifier|LegalIdentifier": ("identifier",),
        "Note": ("additionalNote",),
    },
    "LegalIdentifier": {
        "Concept": ("dcType", "spatial"),
    },
    "Location": {
        "Address": ("address",),
        "Concept": ("spatialCode",),
        "Identifier|LegalIdentifier": ("identifier",),
    },
    "MediaObject": {
        "Concept": ("attachmentType", "contentEncoding", "contentType"),
    },
    "Note": {
        "Concept": ("noteFormat", "subject"),
    },
    "Organisation": {
        "Accreditation": ("accreditation",),
        "Concept": ("dcType",),
        "ContactPoint": ("contactPoint",),
        "Group": ("groupMemberOf",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LegalIdentifier": ("eIDASIdentifier", "registration", "taxIdentifier", "vatIdentifier"),
        "Location": ("location",),
        "MediaObject": ("logo",),
        "Note": ("additionalNote",),
        "Organisation": ("hasSubOrganization", "subOrganizationOf"),
        "WebResource": ("homepage",),
    },
    "Person": {
        "Concept": ("citizenshipCountry", "gender"),
        "ContactPoint": ("contactPoint",),
        "EuropeanDigitalCredential": ("hasCredential",),
        "Group": ("groupMemberOf",),
        "Identifier|LegalIdentifier": ("identifier",),
        "Location": ("location", "placeOfBirth"),
        "Organisation": ("memberOf",),
    },
    "PriceDetail": {
        "Amount": ("amount",),
        "Identifier|LegalIdentifier": ("identifier",),
        "Note": ("additionalNote",),
    },
    "Qualification": {
        "Accreditation": ("accreditation",),
        "AwardingOpportunity": ("awardingOpportunity",),
        "Concept": ("dcType", "educationLevel", "educationSubject", "eqfLevel", "language", "learningSetting", "mode",
                    "nqfLevel", "qualificationCode", "targetGroup", "thematicArea"),
        "CreditPoint": ("creditPoint",),
        "Identifier|LegalIdentifier": ("identifier",),
        "LearningActivitySpecification": ("influencedBy",),
        "LearningAssessmentSpecification": ("provenBy",),
        "LearningEntitlementSpecification": ("entitlesTo",),
        "LearningOutcome": ("learningOutcome",),
        "Note": ("additionalNote", "entryRequirement", "learningOutcomeSummary"),
        "Qualification": ("generalisationOf", "hasPart", "isPartOf", "specialisationOf"),
        "WebResource": ("homepage", "supplementaryDocument"),
    },
    "ResultDistribution": {
        "ResultCategory": ("resultCategory",),
    },
    "Specification": {
        "Concept": ("dcType",),
        "Identifier|LegalIdentifier": ("identifier",),
        "Note": ("additionalNote",),
        "WebResource": ("homepage", "supplementaryDocument"),
    },
    "VerificationCheck": {
        "Concept": ("dcType", "verificationStatus"),
        "EuropeanDigitalCredential": ("elmSubject",),
    },
    "WebResource": {
        "Concept": ("language",),
    },
}


#: members whose every value must be a claim node (EDC-generic-no-cv ClaimNodeShape): a node of one of the
#: Claim subclasses, or an untyped claim stating a title, an AwardingProcess and a Concept type
_CLAIM_MEMBERS: dict[str, tuple[str, ...]] = {"Person": ("hasClaim",), "AwardingProcess": ("awards",)}
_CLAIM_SUBCLASSES = frozenset(_CLAIM_TYPES) - {"Claim"}
_CLAIM_TYPE_NODE: tuple[tuple[str, str, int], ...] = (
    ("title", "", 1), ("awardedBy", "AwardingProcess", 1), ("dcType", "Concept", 1),
    ("identifier", "Identifier|LegalIdentifier", 0), ("additionalNote", "Note", 0),
    ("supplementaryDocument", "WebResource", 0))


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _types(node: dict[str, Any]) -> list[str]:
    return [t for t in _values(node.get("type")) if isinstance(t, str)]


class _Graph:
    """The ELM document's nodes as its RDF graph sees them: every JSON object with the same `id` is one
    node (its members merged), an object without one is a node of its own, and a string where a term
    names a node (every vocabulary term above is @id-coerced) is a reference to the node of that id."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.by_id: dict[str, dict[str, list[Any]]] = {}
        self.nodes: list[tuple[str, dict[str, list[Any]]]] = []    # (path of first sight, merged members)
        stack: list[tuple[Any, str]] = [(doc, "")]
        # per merged node (by id()), per member: the marks of the values it already holds
        marks: dict[int, dict[str, set[str]]] = {}
        by_id, nodes = self.by_id, self.nodes
        while stack:
            value, path = stack.pop()
            if isinstance(value, list):
                stack.extend((item, path) for item in value)
                continue
            if not isinstance(value, dict) or "@value" in value:
                continue
            node_id = value.get("id")
            merged = by_id.get(node_id) if isinstance(node_id, str) else None
            if merged is None:
                merged = {}
                if isinstance(node_id, str):
                    by_id[node_id] = merged
                nodes.append((path or "(root)", merged))
                marks[id(merged)] = {}
            node_marks = marks[id(merged)]
            for key, item in value.items():
                if key == "@context" or key == "proof":
                    continue
                held = merged.get(key)
                if held is None:
                    held = merged[key] = []
                    seen = node_marks[key] = set()
                else:
                    seen = node_marks[key]
                for one in item if isinstance(item, list) else () if item is None else (item,):
                    # the graph holds a triple once: a repeated IRI or literal is one value, a blank node
                    # (an object without id) is a node of its own each time
                    if isinstance(one, str):
                        mark = one
                    elif isinstance(one, dict) and "@value" not in one:
                        one_id = one.get("id")
                        if not isinstance(one_id, str):  # blank node
                            held.append(one)
                            continue
                        mark = one_id if ":" in one_id and not one_id.startswith("_:") \
                            else json.dumps(one, sort_keys=True)
                    else:
                        mark = json.dumps(one, sort_keys=True)
                    if mark not in seen:
                        seen.add(mark)
                        held.append(one)
                if isinstance(item, (dict, list)):  # nothing else can hold a node
                    stack.append((item, f"{path}.{key}" if path else key))

    def node(self, value: Any) -> dict[str, list[Any]] | None:
        """The merged node a value names (an object or an id string), None for a literal."""
        if isinstance(value, str):
            return self.by_id.get(value, {})
        if isinstance(value, dict) and "@value" not in value:
            node_id = value.get("id")
            return self.by_id.get(node_id, {}) if isinstance(node_id, str) else {k: _values(v) for k, v in value.items()}
        return None


def _is_blank(value: Any) -> bool:
    return isinstance(value, dict) and "@value" not in value and not isinstance(value.get("id"), str)


def _iri(value: Any) -> str | None:
    node_id = value.get("id") if isinstance(value, dict) and "@value" not in value else value
    return node_id if isinstance(node_id, str) and ":" in node_id and not node_id.startswith("_:") else None


def _count(values: list[Any]) -> int:
    """How many RDF values the JSON values are: a language map is one per language, a list one per item."""
    total = 0
    for value in values:
        if isinstance(value, dict) and not {"id", "type", "@value"} & set(value) \
                and all(isinstance(v, (str, list)) for v in value.values()):
            total += sum(len(v) if isinstance(v, list) else 1 for v in value.values())
        else:
            total += 1
    return total


def _graph_problems(graph: _Graph) -> list[str]:
    problems: list[str] = []
    for path, node in graph.nodes:
        types = [t for t in node.get("type", []) if isinstance(t, str)]
        for cls in dict.fromkeys(types):
            for term, low, high in _COUNT_RULES.get(cls, ()):
                found = _count(node.get(term, []))
                if found < low:
                    problems.append(f"{path}.{term}: {cls} requires {term}")
                elif high is not None and found > high:
                    problems.append(f"{path}.{term}: {cls} allows at most {high} value(s), found {found}")
            for term in _AT_MOST_ONE.get(cls, ()):
                found = _count(node.get(term, []))
                if found > 1:
                    problems.append(f"{path}.{term}: {cls} allows at most 1 value, found {found}")
            for term in _CLAIM_MEMBERS.get(cls, ()):
                for value in node.get(term, []):
                    if not _is_claim_node(graph, value):
                        problems.append(f"{path}.{term}: {_iri(value) or 'a blank node'} must be a claim (a "
                                        f"LearningAchievement, LearningActivity, LearningAssessment or "
                                        f"LearningEntitlement, or a typed Claim with title and awardedBy)")
            for allowed, terms in _CLASS_RULES.get(cls, {}).items():
                classes = allowed.split("|")
                for term in terms:
                    for value in node.get(term, []):
                        if not _typed(graph, value, set(classes)):
                            shown = _iri(value) or ("a blank node" if isinstance(value, dict) else repr(value))
                            problems.append(f"{path}.{term}: {shown} must be a {' or '.join(classes)}")
            for term, scheme, low, high in _VOCABULARY_RULES.get(cls, ()):
                values = node.get(term, [])
                where = f"{path}.{term}"
                if len(values) < low:
                    problems.append(f"{where}: {cls} needs at least {low} value(s) from {scheme}")
                if high is not None and len(values) > high:
                    problems.append(f"{where}: {cls} allows at most {high} value(s), found {len(values)}")
                for value in values:
                    problem = _concept_problem(graph, value, scheme)
                    if problem:
                        problems.append(f"{where}: {problem}")
    return problems


def _node_types(node: dict[str, list[Any]]) -> set[str]:
    """The node's types; a hostile `type` holding objects names no class."""
    return {t for t in node.get("type", []) if isinstance(t, str)}


def _typed(graph: _Graph, value: Any, classes: set[str]) -> bool:
    target = graph.node(value)
    return target is not None and bool(classes & _node_types(target))


def _is_claim_node(graph: _Graph, value: Any) -> bool:
    target = graph.node(value)
    if target is None:
        return False
    if _CLAIM_SUBCLASSES & _node_types(target):
        return True
    for term, classes, low in _CLAIM_TYPE_NODE:
        values = target.get(term, [])
        if _count(values) < low or (classes and not all(_typed(graph, v, set(classes.split("|"))) for v in values)):
            return False
    return True


def _concept_problem(graph: _Graph, value: Any, scheme: str) -> str | None:
    """Why `value` is not a concept (IRI) of `scheme`, or None."""
    iri, concept = _iri(value), graph.node(value)
    if iri is None or concept is None:
        return f"must be a concept IRI of {scheme}"
    schemes = concept.get("inScheme", [])
    if scheme not in [_iri(s) for s in schemes]:
        return f"{iri} is not in the scheme {scheme}"
    return None   # every inScheme value typed ConceptScheme: the Concept class rule (_CLASS_RULES)


def _status_problems(cred: dict[str, Any]) -> list[str]:
    """EDC-generic-full: at most one credentialStatus, an xsd:anyURI literal (docs/status-lists.md)."""
    values = _values(cred.get("credentialStatus"))
    problems = [f"credentialStatus: EDC-generic-full allows at most one value, found {len(values)}"] \
        if len(values) > 1 else []
    for value in values:
        ok = isinstance(value, dict) and isinstance(value.get("@value"), str) \
            and value.get("type", value.get("@type")) in _ANY_URI
        if not ok:
            problems.append("credentialStatus: must be a URI literal of datatype xsd:anyURI "
                            '({"@value": "<status list URL>#<index>", "type": "xsd:anyURI"}), not a status entry node')
    return problems


def _elm_problems(cred: dict[str, Any]) -> list[str]:
    problems = []
    types: list[Any] = cred["type"] if isinstance(cred.get("type"), list) else [cred.get("type")]
    if "VerifiableCredential" not in types or "EuropeanDigitalCredential" not in types:
        problems.append("type: must include VerifiableCredential and EuropeanDigitalCredential")
    ctx: list[Any] = cred["@context"] if isinstance(cred.get("@context"), list) else [cred.get("@context")]
    if "http://data.europa.eu/snb/model/context/edc-ap" not in ctx:
        problems.append("@context: must include http://data.europa.eu/snb/model/context/edc-ap")
    for path, label in _ELM_REQUIRED:
        node: Any = cred
        for key in path:
            node = _first(node).get(key) if isinstance(_first(node), dict) else None
        if node in (None, [], {}, ""):
            problems.append(f"{'.'.join(path)}: {label} is required")
    problems.extend(_status_problems(cred))
    problems.extend(_graph_problems(_Graph(cred)))
    return problems


def check_conformance(credential: dict[str, Any], fmt: str, *, limits_checked: bool = False) -> CheckResult:
    """The format's mandatory structure, each problem named by its JSON path.

    `limits_checked=True` says the caller has just run check_json_limits on this same,
    unchanged `credential` (verify_parsed's guard does): walking it again would only repeat
    the same passing answer.
    """
    if not limits_checked:
        try:
            # jsonschema writes repr() of offending values (a 5000-digit integer cannot be) and recurses
            check_json_limits(credential)
        except EdcIssuerError as exc:
            return CheckResult(CheckId.CONFORMANCE, False, f"cannot be checked: {exc}", {"field": exc.field})
    if fmt == "ob3":
        errors = sorted(_OB3_VALIDATOR.iter_errors(credential), key=lambda e: [str(p) for p in e.absolute_path])
        problems = [f"{_path(e)}: {e.message}" for e in errors]
        label = "Open Badges 3.0 required structure"
    else:
        problems = _elm_problems(credential)
        label = "ELM v3 EDC-generic-full mandatory properties"
    if problems:
        return CheckResult(CheckId.CONFORMANCE, False, f"{label}: " + "; ".join(problems[:8]),
                           {"problems": problems})
    return CheckResult(CheckId.CONFORMANCE, True, f"conforms to the {label}", {"rules": label})
