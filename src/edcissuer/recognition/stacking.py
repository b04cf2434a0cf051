"""Stacking: which of one learner's credentials add up towards a target, and how far they get.

Why a separate step: each credential is decided on its own first; stacking then asks
whether they belong to the same learner, skips duplicates (the same achievement received
twice, e.g. as ELM and as Open Badge) and counts the recognised ECTS towards the policy's
`[target]`. Every skipped credential gets its reason.

Same learner (in order):
1. equal learner ids: the same learner;
2. both ids are *stable* (a DID, or an http(s) URI) and differ: another learner. Other ids
   (urn:uuid, urn:epass:person...) are node ids an issuer mints per credential (both our
   mappings do when a record has no learner id), so they neither prove nor refute;
3. otherwise the names must match (case- and space-insensitive, any language) AND an
   e-mail must match: plain e-mail equal, or a plain e-mail hashing to the other's salted
   OB3 identity hash (sha256(email + salt)). Two salted hashes with different salts cannot
   be compared, and a name alone never identifies a learner: both count as "not shown".
The first credential that verifies defines the stack's learner.

Modules count once: a modular credential's modules (Elements.modules) and a separate
credential for one of them (or another modular credential sharing it) are the same
learning. A later credential counts only the ECTS not already counted, and says which
module was counted where. The same module is: the same module id (a stable URI: the
module's `id`, the separate credential's `specification_id`), or, where an id is missing,
the same title in a shared language, the same ECTS and an issuing body in common.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Protocol

from ..mapping.common import parse_datetime
from ..models.elements import Body, Elements
from .findings import normalise_legal_identifier
from .policy import Decision, Target


@dataclass(frozen=True)
class LearnerIdentity:
    """What identifies the learner in one credential."""

    id: str | None
    names: frozenset[str]
    emails: frozenset[str]
    email_hashes: tuple[tuple[str, str], ...] = ()   # (identityHash "sha256$hex", salt)
    display: str = "(unnamed learner)"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.display}


def _norm_name(text: str) -> str:
    return " ".join(text.split()).casefold()


def learner_identity(credential: dict[str, Any], elements: Elements) -> LearnerIdentity:
    """The learner's identifiers; reads OB3 salts from the credential (Elements keeps only the hash)."""
    learner = elements.learner
    names = learner.name if learner else {}
    hashes: list[tuple[str, str]] = []
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    subject = subject[0] if isinstance(subject, list) and subject else subject
    identifiers = subject.get("identifier") if isinstance(subject, dict) else None
    identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
    for ident in identifiers:
        if isinstance(ident, dict) and ident.get("identityType") == "emailAddress" and ident.get("hashed") is True \
                and isinstance(ident.get("identityHash"), str):
            salt = ident.get("salt")
            hashes.append((ident["identityHash"], salt if isinstance(salt, str) else ""))
    emails = {learner.email.strip().lower()} if learner and learner.email else set()
    display = names.get("en") or next(iter(names.values()), None) or (learner.id if learner else None)
    return LearnerIdentity(id=learner.id if learner else None,
                           names=frozenset(_norm_name(n) for n in names.values()),
                           emails=frozenset(emails), email_hashes=tuple(hashes),
                           display=display or "(unnamed learner)")


def _stable(learner_id: str | None) -> bool:
    """A learner id meant to identify the person across credentials (see module docstring)."""
    return bool(learner_id) and str(learner_id).startswith(("did:", "https://", "http://"))


def _hash_matches(email: str, hashed: tuple[str, str]) -> bool:
    value, salt = hashed
    algorithm, _, digest = value.partition("$")
    if algorithm.lower() != "sha256":
        return False
    return hashlib.sha256((email + salt).encode("utf-8")).hexdigest() == digest.lower()


def same_learner(a: LearnerIdentity, b: LearnerIdentity) -> tuple[bool, str]:
    """(same?, how or why not), following the order in the module docstring."""
    if a.id and a.id == b.id:
        return True, f"same learner id {a.id}"
    if _stable(a.id) and _stable(b.id):
        return False, f"learner id {b.id} ({b.display}) differs from {a.id} ({a.display})"
    if not (a.names & b.names):
        return False, f"learner name {b.display!r} differs from {a.display!r}"
    if a.emails & b.emails:
        return True, "same learner name and e-mail"
    if any(_hash_matches(e, h) for e in a.emails for h in b.email_hashes) or \
            any(_hash_matches(e, h) for e in b.emails for h in a.email_hashes):
        return True, "same learner name and e-mail (matched against the salted e-mail hash)"
    if any(h in b.email_hashes for h in a.email_hashes):
        return True, "same learner name and e-mail hash"
    return False, (f"only the name {b.display!r} matches; without a learner id or a comparable e-mail "
                   "the same learner is not shown")


class Assessed(Protocol):
    """What stacking reads of an assessed credential (see report.CredentialAssessment)."""

    source: str
    decision: Decision
    elements: Elements | None
    learner: LearnerIdentity | None

    @property
    def valid(self) -> bool: ...

    @property
    def failure(self) -> str: ...


@dataclass(frozen=True)
class StackEntry:
    source: str
    counted: bool
    ects: float | None
    reason: str
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "counted": self.counted, "ects": self.ects, "reason": self.reason,
                "duplicateOf": self.duplicate_of}


@dataclass(frozen=True)
class StackResult:
    learner: LearnerIdentity | None
    target: Target | None
    entries: tuple[StackEntry, ...]

    @property
    def total_ects(self) -> float:
        return sum(e.ects or 0 for e in self.entries if e.counted)

    @property
    def reached(self) -> bool | None:
        return None if self.target is None else self.total_ects >= self.target.ects

    def to_dict(self) -> dict[str, Any]:
        return {"learner": self.learner.to_dict() if self.learner else None,
                "target": self.target.model_dump() if self.target else None,
                "entries": [e.to_dict() for e in self.entries],
                "totalEcts": self.total_ects, "reached": self.reached}


def _same_body(a: Body | None, b: Body | None) -> bool:
    if a is None or b is None:
        return False
    if a.id and a.id == b.id:
        return True
    if a.legal_identifier and b.legal_identifier and \
            normalise_legal_identifier(a.legal_identifier) == normalise_legal_identifier(b.legal_identifier):
        return True
    return bool({_norm_name(n) for n in a.name.values()} & {_norm_name(n) for n in b.name.values()})


def duplicate_of(a: Elements, b: Elements) -> str | None:
    """Why `a` repeats `b` (same credential id, or same title + issuer + date of issuing), else None."""
    if a.credential_id and a.credential_id == b.credential_id:
        return f"same credential id {a.credential_id}"
    titles_a = {(lang, _norm_name(t)) for lang, t in (a.title or {}).items()}
    titles_b = {(lang, _norm_name(t)) for lang, t in (b.title or {}).items()}
    issued_a, issued_b = parse_datetime(a.issued), parse_datetime(b.issued)
    if titles_a & titles_b and _same_body(a.issuer, b.issuer) and issued_a is not None and issued_a == issued_b:
        return "same title, issuer and date of issuing"
    return None


@dataclass(frozen=True)
class _Unit:
    """Learning a credential counts: one of its modules, or the whole credential when it has none."""

    id: str | None
    titles: frozenset[tuple[str, str]]
    ects: float | None
    bodies: tuple[Body, ...]
    source: str
    is_module: bool
    label: str

    def describe(self) -> str:
        return f"{'module ' if self.is_module else ''}{self.label!r}" + (f" ({self.ects:g} ECTS)" if self.ects else "")


def _titles(title: dict[str, str] | None) -> frozenset[tuple[str, str]]:
    return frozenset((lang, _norm_name(t)) for lang, t in (title or {}).items())


def _label(title: dict[str, str] | None, fallback: str) -> str:
    return (title or {}).get("en") or next(iter((title or {}).values()), fallback)


def _bodies(e: Elements) -> tuple[Body, ...]:
    """Who gave the learning: the issuer, the awarding bodies and the delivering partners."""
    return tuple(b for b in (e.issuer, *e.awarding_bodies, *e.delivering_partners) if b is not None)


def _units(e: Elements, source: str) -> list[_Unit]:
    """A modular credential's modules, or the credential itself as one unit."""
    bodies = _bodies(e)
    if e.modules:
        return [_Unit(m.id, _titles(m.title), m.ects, bodies, source, True, _label(m.title, m.id or "module"))
                for m in e.modules]
    return [_Unit(e.specification_id, _titles(e.title), e.ects, bodies, source, False,
                  _label(e.title, e.credential_id or "credential"))]


def _same_unit(new: _Unit, old: _Unit) -> str | None:
    """Why two units are the same module (see the module docstring), else None."""
    if not (new.is_module or old.is_module):
        return None            # two whole credentials: duplicate_of decides
    if new.id and old.id:
        return f"same module id {new.id}" if new.id == old.id else None
    if new.titles & old.titles and new.ects is not None and new.ects == old.ects and \
            any(_same_body(a, b) for a in new.bodies for b in old.bodies):
        return "same title, ECTS and issuing body"
    return None


def _already_counted(e: Elements, source: str, counted: list[_Unit],
                     ects: float) -> tuple[float, list[str], str | None]:
    """(ECTS still to count, what was counted elsewhere, the source that holds all of it or None)."""
    overlap, notes, holders = 0.0, [], set()
    units = _units(e, source)
    for unit in units:
        match = next(((old, why) for old in counted for why in [_same_unit(unit, old)] if why), None)
        if match is None:
            continue
        old, why = match
        # the smaller of the two workloads is the learning both count; a module without ECTS counts none
        share = min(x for x in (unit.ects, old.ects) if x is not None) if unit.ects or old.ects else 0.0
        share = min(share, ects - overlap)
        overlap += share
        holders.add(old.source)
        notes.append(f"{unit.describe()} already counted as {old.describe()} of {PurePath(old.source).name} ({why})")
    remaining = max(ects - overlap, 0.0)
    holder = next(iter(holders)) if remaining <= 1e-9 and len(holders) == 1 else None
    return remaining, notes, holder


def build_stack(assessed: Sequence[Assessed], target: Target | None) -> StackResult:
    """Count one learner's recognised, distinct credentials towards `target`, explaining each skip."""
    entries: list[StackEntry] = []
    learner: LearnerIdentity | None = None
    counted: list[Assessed] = []
    counted_units: list[_Unit] = []
    for a in assessed:
        ects = a.elements.ects if a.elements else None

        def skip(reason: str, a: Assessed = a, ects: float | None = ects, dup: str | None = None) -> None:
            entries.append(StackEntry(a.source, False, ects, reason, dup))

        if not a.valid or a.elements is None or a.learner is None:
            skip(f"failed verification: {a.failure}")
            continue
        if learner is None:
            learner = a.learner
        else:
            same, how = same_learner(learner, a.learner)
            if not same:
                skip(f"another learner: {how}")
                continue
        if not a.decision.accepted:
            failed = a.decision.failed
            skip(f"{a.decision.outcome}" + (f": {failed[0].rule}: {failed[0].reason}" if failed else ""))
            continue
        dup = next(((c, why) for c in counted if c.elements is not None
                    for why in [duplicate_of(a.elements, c.elements)] if why), None)
        if dup is not None:
            skip(f"duplicate of {PurePath(dup[0].source).name} ({dup[1]})", dup=dup[0].source)
            continue
        if target is not None and target.eqf is not None and (a.elements.eqf or 0) < target.eqf:
            skip(f"EQF {a.elements.eqf or 'not stated'} is below the target's EQF {target.eqf}")
            continue
        if not ects:
            skip("no ECTS workload stated")
            continue
        remaining, overlaps, holder = _already_counted(a.elements, a.source, counted_units, ects)
        if remaining <= 1e-9:
            skip("its ECTS are already counted: " + "; ".join(overlaps), dup=holder)
            continue
        counted.append(a)
        counted_units.extend(_units(a.elements, a.source))
        note = f"counted ({a.decision.outcome})"
        if a.decision.conditions:
            note += ": " + "; ".join(a.decision.conditions)
        if overlaps:
            note += f"; {remaining:g} of {ects:g} ECTS, modules counted once: " + "; ".join(overlaps)
        entries.append(StackEntry(a.source, True, remaining, note))
    return StackResult(learner, target, tuple(entries))
