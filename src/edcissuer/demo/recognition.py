"""The demo's recognition section: the sample trust list and both sample policies applied
to the credentials the demo issued, showing one decision of each kind and a stack.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..recognition.assess import assess
from ..recognition.policy import load_policy
from ..recognition.report import RecognitionReport
from ..recognition.trust import load_trust_list
from ..verify import VerifyOptions

POLICIES = ("university-strict", "employer-lenient")


def _why(report: RecognitionReport, index: int) -> str:
    decision = report.credentials[index].decision
    if decision.conditions:
        return "; ".join(decision.conditions)
    failed = decision.failed
    return "; ".join(f"{r.rule}: {r.reason}" for r in failed)


def _decisions(report: RecognitionReport) -> list[str]:
    lines = []
    for i, c in enumerate(report.credentials):
        why = _why(report, i)
        lines.append(f"  {Path(c.source).name:<34} {c.decision.outcome}" + (f": {why}" if why else ""))
    return lines


def recognition_demo_section(issued_paths: list[Path], root: Path, now: datetime) -> tuple[str, str]:
    """(title, text) of the demo's recognition section, judged at `now`."""
    trust = load_trust_list(root / "samples" / "trust-list.toml")
    options = VerifyOptions(now=now)
    lines = [f"trust list: samples/trust-list.toml ({len(trust.institutions)} institutions, "
             f"{len(trust.anchors)} seal anchor); `edcissuer verify PATH --policy FILE --trust FILE`"]
    strict = None
    for name in POLICIES:
        policy = load_policy(root / "samples" / "policies" / f"{name}.toml")
        report = assess(issued_paths, policy=policy, trust=trust, options=options)
        strict = strict or report
        lines += ["", f"policy {name}.toml: {policy.name}", *_decisions(report)]
    stacked = assess(issued_paths, policy=load_policy(root / "samples" / "policies" / "university-strict.toml"),
                     trust=trust, options=options, stack=True)
    lines += ["", "stack (--stack, university-strict, all files as if one learner sent them):",
              *stacked.stack_lines()]
    kinds = sorted({c.decision.outcome for c in strict.credentials}) if strict else []
    lines += ["", f"decisions shown by the strict policy: {', '.join(kinds)}"]
    return "Recognition decisions (samples/policies/, samples/trust-list.toml)", "\n".join(lines)
