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

# countries: [PT, DE]             # c) country(ies): optional, default = the awarding bodies' countries (codes or names)

awarding:                           # d) awarding body(ies)
  model: single                     # {_codes(vocab.AWARDING_MODEL)} (cooperative/joint need partners + alliance)
  lead:
    legal_name:
      {t}: "<text: legal name of the institution>"
    country: PT                     # ISO 3166-1 alpha-2 code or country name (Portugal, Deutschland, ...)
    id: "<did: the institution's DID, e.g. did:web:credentials.example.edu; must be the signing key's DID>"   # optional
    legal_identifier: "<text: VAT, PIC or national registry number>"   # optional
    region: "<text: region>"                                           # optional
    homepage: "<url: https://www.example.edu>"                         # optional
    email: "<email: registry e-mail>"                                  # optional
    erasmus_code: "<text: Erasmus code>"                               # optional
    deqar_id: "<text: DEQAR institution id>"                           # optional
  # partners:                       # models cooperative and joint: the other institutions (same fields as lead)
  #   - legal_name: {{{t}: "<text: partner name>"}}
  #     country: DE
  # alliance:                       # models cooperative and joint: the European University Alliance
  #   name: {{{t}: "<text: alliance name>"}}
  #   id: "<url: alliance id>"
  #   homepage: "<url: alliance homepage>"
  #   logo: "<url: alliance logo>"

issued: "<date: YYYY-MM-DD, or a date-time with zone such as 2026-06-30T10:00:00Z>"   # e) date of issuing
valid_until: "<date: YYYY-MM-DD; after issued>"                    # optional

learning_outcomes:                  # f) learning outcomes (at least one)
  - title:
      {t}: "<text: what the learner can do>"
    esco: ["<esco: http://data.europa.eu/esco/skill/...>"]           # optional
  - "<text: a second outcome (a plain string is its English title)>"

workload:                           # g) notional workload
  ects: 5                           # ECTS credits, > 0 and at most 60
  hours: 125                        # optional

level:                              # h) level
  eqf: 6                            # EQF {_codes(vocab.EQF)}
  qf_ehea: first                    # optional: {_codes(vocab.QF_EHEA)}; must match EQF (5 short, 6 first, 7 second, 8 third)
  nqf: "<text: national framework level>"                          # optional

assessment:                         # i) type of assessment
  type: project work                # {_codes(vocab.ASSESSMENT)}
  description:                      # optional
    {t}: "<text: how the learner was assessed>"

participation: blended              # j) form of participation: {_codes(vocab.PARTICIPATION)}

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
learning_setting: non-formal        # {_codes(vocab.LEARNING_SETTING)}
"""
