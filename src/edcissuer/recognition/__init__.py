"""Recognition for receiving institutions: trust list, policy, decisions, stacking, reports.

Public API (issue 5)::

    from edcissuer.recognition import assess
    report = assess(["inbox/"], policy="policy.toml", trust="trust-list.toml",
                    options=VerifyOptions(now=...), stack=False)
    report.outcome, report.exit_code, report.summary(), report.to_dict(), report.to_text()
    entry = report.credentials[0]
    entry.authentic, entry.issuer_trust, entry.complete, entry.recognition   # the four answers
"""
from __future__ import annotations

from .assess import SUFFIXES, assess, assess_documents, assess_file, assess_source, collect_paths
from .findings import PartyTrust, QAStanding, TrustFindings
from .policy import (
    DECISIONS,
    NOT_RECOGNISED,
    NOT_VERIFIED,
    RECOGNISED,
    VERIFIED,
    WITH_CONDITIONS,
    Decision,
    Policy,
    Reason,
    evaluate,
    load_policy,
    parse_policy,
)
from .report import (
    EXIT_ACCEPTED,
    EXIT_INCOMPLETE,
    EXIT_ISSUER_NOT_TRUSTED,
    EXIT_NOT_AUTHENTIC,
    EXIT_NOT_RECOGNISED,
    EXIT_USAGE,
    SCHEMA,
    CredentialAssessment,
    RecognitionReport,
)
from .stacking import LearnerIdentity, StackResult, build_stack, same_learner
from .trust import (
    Anchor,
    Institution,
    TrustList,
    TrustProbe,
    load_trust_list,
    parse_trust_list,
)

__all__ = [
    "DECISIONS", "EXIT_ACCEPTED", "EXIT_INCOMPLETE", "EXIT_ISSUER_NOT_TRUSTED", "EXIT_NOT_AUTHENTIC",
    "EXIT_NOT_RECOGNISED", "EXIT_USAGE", "NOT_RECOGNISED", "NOT_VERIFIED", "RECOGNISED", "SCHEMA", "SUFFIXES",
    "VERIFIED", "WITH_CONDITIONS", "Anchor", "CredentialAssessment", "Decision", "Institution", "LearnerIdentity", "PartyTrust",
    "Policy", "QAStanding", "Reason", "RecognitionReport", "StackResult", "TrustFindings", "TrustList",
    "TrustProbe", "assess", "assess_documents", "assess_file", "assess_source", "build_stack", "collect_paths", "evaluate", "load_policy",
    "load_trust_list", "parse_policy", "parse_trust_list", "same_learner",
]
