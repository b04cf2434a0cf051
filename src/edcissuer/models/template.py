"""A commented YAML starter for a record (`edcissuer template record`).

Why generated here, beside the model: the starter lists every field of
`MicroCredentialRecord` with its Annex I letter and allowed values (from `vocab`), and a test
checks that it names every field and loads once its placeholders are filled, so it cannot
drift from the model. Placeholders are quoted `"<kind: hint>"` strings; `kind` says what to
write (text, url, did, email, date, esco).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from . import vocab

#: a placeholder the author replaces: "<kind: hint>"
PLACEHOLDER = re.compile(r"<(text|url|did|email|date|esco): [^<>]*>")


def _codes(table: Iterable[object]) -> str:
    return " | ".join(str(code) for code in table)


def record_template(lang: str = "en") -> str:
    """The YAML starter, its texts keyed by `lang` (a BCP 47 tag such as en, pt, de)."""
    t = lang
    return f"""\
# edcissuer micro-credential record: fill every "<...>" placeholder, delete the optional
# lines you do not need, then check it with `edcissuer issue RECORD --format ob3 --key KEY`.
# Letters a)-k) are the mandatory elements of Annex I of the Council Recommendation on
# micro-credentials (2022). Every field is described in docs/records.md.
# Texts are language maps ({t}: ..., en: ...); a plain string is English whatever `language` says.

language: {t}                       # language of the credential (BCP 47)
# id: "<url: credential id; derived from the record when absent>"   # optional
identifier: "<text: the certificate number your institution gives it>"   # optional
# specification: "<url: the programme's specification URI, the same for the whole cohort>"   # optional
# profiles: [diverse]               # optional: alliance profiles (samples/profiles/) the record is checked against

learner:                            # a) identification of the learner
  given_name:
    {t}: "<text: given name>"
  family_name:
    {t}: "<text: family name>"
  id: "<did: the learner's DID or URI (holder binding), e.g. did:key:z6Mk...>"   # optional
  email: "<email: the learner's e-mail address>"                                 # optional
  date_of_birth: "<date: YYYY-MM-DD>"                                            # optional
  student_id: "<text: student number>"                                           # optional

title:                              # b) title of the micro-credential
  {t}: "<text: title>"
description:                        # optional
  {t}: "<text: one-paragraph description>"

# countries: [PT, DE]             # c) country(ies): optional, default = the awarding bodies' countries
#                                  (codes or names); delivering partners are never issuers
# regions: [PT16]                  # c) region(s): optional, default = the awarding bodies' regions (NUTS or ISO 3166-2)

awarding:                           # d) awarding body(ies)
  model: single                     # {_codes(vocab.AWARDING_MODEL)}; all but single need partners + alliance
  #   single:      one institution awards
  #   cooperative: the lead awards; partners are delivering partners (stated, not awarding)
  #   joint-award: every partner awards; the lead issues on behalf of all (Una Europa, MCE)
  #   joint-lead:  the lead alone awards a jointly delivered, jointly assessed credential and states
  #                every participating partner (DIVERSE Model 3)
  #   plain "joint" is refused: it means either of the two joint models
  lead:
    legal_name:
      {t}: "<text: legal name of the institution>"
    short_name:                     # optional: acronym or short name
      {t}: "<text: short name, e.g. UL>"
    country: PT                     # ISO 3166-1 alpha-2 code or country name (Portugal, Deutschland, ...)
    id: "<did: the institution's DID, e.g. did:web:credentials.example.edu; must be the signing key's DID>"   # optional
    legal_identifier: "<text: VAT, PIC or national registry number>"   # optional
    region: "<text: region>"                                           # optional
    homepage: "<url: https://www.example.edu>"                         # optional
    email: "<email: registry e-mail>"                                  # optional
    erasmus_code: "<text: Erasmus code>"                               # optional
    deqar_id: "<text: DEQAR institution id>"                           # optional
    logo: "<url: https:// URL of the institution's logo, or data:image/png;base64,...>"   # optional
  # partners:                       # all models but single: the other institutions (same fields as lead)
  #   - legal_name: {{{t}: "<text: partner name>"}}
  #     country: DE
  #     role: {{{t}: "<text: what this partner does, e.g. delivers module 2>"}}   # optional (any organisation)
  # alliance:                       # all models but single: the European University Alliance
  #                                   (a plain string is its name)
  #   name: {{{t}: "<text: alliance name>"}}
  #   id: "<url: alliance id>"
  #   homepage: "<url: alliance homepage>"
  #   logo: "<url: alliance logo: https:// URL or data:image/png;base64,...>"

issued: "<date: YYYY-MM-DD, or a date-time with zone such as 2026-06-30T10:00:00Z>"   # e) date of issuing
valid_until: "<date: YYYY-MM-DD; after issued>"                    # optional
delivery:                           # optional: when the learning took place (the EU sample's temporal)
  start: "<date: YYYY-MM-DD, first day of the course>"
  end: "<date: YYYY-MM-DD, last day; not before start>"
  maximum_duration: P6M             # optional: ISO 8601 duration a learner may take (P6M, P10W, P90D)
languages:                          # optional: languages of instruction and of assessment, told apart
  instruction: [{t}]                 # ISO 639 codes (BCP 47 tags); unknown codes are refused
  assessment: [{t}]
thematic_area: "0613"               # optional: ISCED-F 2013 field code, 2 to 4 digits, quoted (0613 = software)

learning_outcomes:                  # f) learning outcomes (at least one)
  - title:
      {t}: "<text: what the learner can do>"
    esco: ["<esco: http://data.europa.eu/esco/skill/...>"]           # optional
    # or with each skill's ESCO preferred label, as the EU sample carries it (kept as esco_labels: {{URI: label}}):
    # esco:
    #   - uri: "<esco: http://data.europa.eu/esco/skill/...>"
    #     label: {{{t}: "<text: ESCO preferred label>"}}
  - "<text: a second outcome (a plain string is its English title)>"

workload:                           # g) notional workload
  ects: 5                           # ECTS credits, > 0 and at most 60; leave out where no ECTS are awarded
  hours: 125                        # optional with ects; required without (hours only: "no ECTS awarded")

level:                              # h) level
  eqf: 6                            # EQF {_codes(vocab.EQF)}
  qf_ehea: first                    # optional: {_codes(vocab.QF_EHEA)}; must match EQF (5 short, 6 first, 7 second, 8 third)
  nqf: "<text: national framework level>"                          # optional
  nqf_uri: "<url: the NQF level's concept URI, when the EU lists it>"  # optional

assessment:                         # i) type of assessment
  type: project work                # {_codes(vocab.ASSESSMENT)}
  description:                      # optional
    {t}: "<text: how the learner was assessed>"
  # mode: onsite                    # optional: how the assessment is taken ({_codes(vocab.PARTICIPATION)}),
  #                                   not the form of participation (an online course may end in an on-site exam)
  # several weighted assessments: components instead of type (weights, when given, add up to 100)
  # components:
  #   - title: {{{t}: "<text: e.g. Learning diary, 1000 words>"}}
  #     other_type: {{{t}: "<text: the type in words, when no EU type fits>"}}
  #     type_uri: "<url: the other_type's concept URI, when a vocabulary has one>"   # optional
  #     weight: 50                  # percent of the final result
  #   - title: {{{t}: "<text: e.g. Essay>"}}
  #     type: marked assignment
  #     weight: 50

participation: blended              # j) form of participation: {_codes(vocab.PARTICIPATION)}
#                                    (also: presential, face-to-face, synchronous, asynchronous)

quality_assurance:                  # k) type of quality assurance
  type: institutional               # {_codes(vocab.QA_TYPE)}
  external: true                    # reviewed by an external QA agency (then `agency` is required)
  description:                      # optional
    {t}: "<text: the QA system>"
  agency:                           # required when external is true
    legal_name:
      {t}: "<text: QA agency name>"
    country: PT
    homepage: "<url: agency homepage>"                             # optional
    deqar_id: "<text: DEQAR agency id>"                            # optional
  report: "<url: QA report>"                                       # optional
  deqar_report_id: "<text: DEQAR report id>"                       # optional

prerequisites:                      # optional
  {t}: "<text: what a learner needs to enrol>"
supervision:                        # optional: supervision and identity verification during assessment
  supervised: true
  identity_verified: true           # needs supervised: true
  where: onsite                     # onsite | online
grade:                              # optional: a plain `grade: 17/20` is the value
  value:
    {t}: "<text: grade achieved, e.g. 17/20>"
  scheme:
    {t}: "<text: grading scheme>"
stackability:                       # optional
  stackable: true
  description:
    {t}: "<text: what it stacks into>"
  towards: ["<url: id of a larger credential it counts towards>"]
further_information:                # optional
  {t}: "<text: anything else>"
homepage: "<url: programme page>"                                  # optional
image: "<url: badge image>"                                        # optional
# learning_setting: non-formal      # optional: {_codes(vocab.LEARNING_SETTING)};
#                                    default: formal when part_of, else non-formal

# part_of:                          # optional: the qualification this is a component of (e.g. a module of an MSc)
#   title: {{{t}: "<text: qualification title>"}}
#   id: "<url: qualification id>"
#   accredited: true
# partial_qualification: true       # optional: default = whether it is part_of a qualification

# modules:                          # optional: the modules it is made of; their ECTS add up to at most workload.ects
#   - id: "<url: the module's specification id (stacking counts it once)>"
#     title: {{{t}: "<text: module title>"}}
#     ects: 2
#     hours: 50                     # optional
#     assessment: {{type: written examination}}   # optional, as the credential's assessment
#     grade: "<text: grade, e.g. 17/20>"          # optional
#     start: 2026-02-02             # optional dates of the module
#     end: 2026-03-13
#     learning_outcomes: ["<text: what the module teaches>"]   # optional
"""
