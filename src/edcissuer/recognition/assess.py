"""The recognition recipe: files -> verification (+ trust checks) -> policy decision -> report.

Why here and not in verify.py: verification answers "is this credential authentic and
well-formed?"; recognition answers "does *this institution* accept it?". The trust checks
plug into verify.py's pipeline through `VerifyOptions.extra_checks`, so one run gives both,
and a bad file becomes a report entry, never an exception that stops the others.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..checks import CheckId
from ..errors import EdcIssuerError
from ..results import CheckResult
from ..verify import VerifyOptions, verify_all
from .policy import Policy, evaluate, invalid, load_policy, verification_only
from .report import CredentialAssessment, RecognitionReport
from .stacking import build_stack, learner_identity
from .trust import UNEXPECTED, TrustList, TrustProbe, load_trust_list, unexpected

SUFFIXES = (".json", ".jsonld", ".jwt", ".png", ".svg")


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and folders walked (sorted, recursively) for *.json, *.jsonld and *.jwt.

    A missing path is kept: verifying it yields an input failure naming it.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                          and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            out.append(p)
    return out


def _input_failure(source: str, reason: str, policy: Policy | None) -> CredentialAssessment:
    checks = (CheckResult(CheckId.INPUT, False, reason),)
    return CredentialAssessment(source, invalid(checks, with_policy=policy is not None), checks)


def assess_file(path: Path, *, policy: Policy | None, trust: TrustList | None,
                options: VerifyOptions) -> list[CredentialAssessment]:
    """Every credential in one file, verified, trust-checked and decided."""
    return assess_source(str(path), path, policy=policy, trust=trust, options=options)


def assess_source(name: str, source: Path | bytes | str | dict[str, Any], *, policy: Policy | None,
                  trust: TrustList | None, options: VerifyOptions) -> list[CredentialAssessment]:
    """Every credential in one source (a file, or bytes/text/JSON a service received), decided.

    `name` is how the report names it (a file path, an upload's file name).
    """
    path = name
    probe = TrustProbe(trust)
    opts = replace(options, extra_checks=(*options.extra_checks, *probe.checks))
    try:
        results = verify_all(source, opts)
    except RecursionError:
        return [_input_failure(str(path), "input is nested too deeply to be a credential", policy)]
    except EdcIssuerError as exc:
        return [_input_failure(str(path), str(exc), policy)]
    except UNEXPECTED as exc:
        # a reader that trips over a hostile shape (an issuer that is a list, an id that is
        # an object) must cost this file an entry, never the whole run a traceback
        return [_input_failure(str(path), "the credential could not be read: a value has an unexpected type "
                                          f"({unexpected(exc)})", policy)]
    seen = iter(probe.seen)
    out = []
    for i, result in enumerate(results):
        where = str(path) if len(results) == 1 else f"{path}#{i + 1}"
        s = next(seen) if any(c.name == "trust.issuer" for c in result.checks) else None
        # shown only when the signature holds (the verifier then reports elements too)
        shown = s if s is not None and result.elements is not None else None
        entry = CredentialAssessment(where, invalid(result.checks, with_policy=policy is not None),
                                     result.checks, result.format, result.proof_type,
                                     shown.elements if shown else None, s.findings if s else None,
                                     learner_identity(shown.credential, shown.elements) if shown else None)
        if entry.valid and s is not None:
            now = options.at()
            entry.decision = evaluate(policy, s.elements, s.findings, now) if policy else \
                verification_only(s.findings if trust else None)
        out.append(entry)
    return out


def assess_documents(documents: Sequence[tuple[str, bytes | str | dict[str, Any]]], *,
                     policy: Policy | None = None, trust: TrustList | None = None, options: VerifyOptions,
                     stack: bool = False) -> RecognitionReport:
    """`assess` over documents already in memory: (name, content) pairs, e.g. a service's uploads."""
    now = options.at()
    options = replace(options, now=now,
                      trust_anchors=(*options.trust_anchors, *(trust.anchors if trust else ())))
    credentials = [a for name, data in documents
                   for a in assess_source(name, data, policy=policy, trust=trust, options=options)]
    stacked = build_stack(credentials, policy.target if policy else None) if stack else None
    return RecognitionReport(verified_at=now, credentials=credentials, policy=policy, trust=trust, stack=stacked)


def assess(paths: Sequence[str | Path] | str | Path, *, policy: Policy | str | Path | None = None,
           trust: TrustList | str | Path | None = None, options: VerifyOptions,
           stack: bool = False) -> RecognitionReport:
    """Verify and decide on every credential in `paths` (files or folders) for one institution.

    `policy` and `trust` are objects or TOML file paths. The trust list's seal anchors are
    added to `options.trust_anchors`. Every credential is judged at one instant,
    `options.now` (the caller reads the clock, once). With `stack`, the credentials are
    treated as one learner's and counted towards the policy's `[target]`.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    pol = load_policy(policy) if isinstance(policy, (str, Path)) else policy
    tl = load_trust_list(trust) if isinstance(trust, (str, Path)) else trust
    now = options.at()
    options = replace(options, now=now,
                      trust_anchors=(*options.trust_anchors, *(tl.anchors if tl else ())))
    credentials = [a for p in collect_paths(paths) for a in assess_file(p, policy=pol, trust=tl, options=options)]
    stacked = build_stack(credentials, pol.target if pol else None) if stack else None
    return RecognitionReport(verified_at=now, credentials=credentials, policy=pol, trust=tl, stack=stacked)
