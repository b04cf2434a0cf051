"""The JSON-LD guard: refuse documents whose JSON could say something their RDF graph does not.

Why: a Data Integrity proof signs the canonical RDF graph, not the JSON text. JSON-LD can
make JSON values vanish from that graph — a key aliased to `@index`, an `@index` or `@nest`
member, an inline `@context` that redefines what a term means — so a document can carry a
valid proof while its JSON (which every display, element extraction and policy reads)
shows values nobody signed. The attack seen: an appended inline context aliasing `point`,
`eqfLevel` and `fullName` to `@index`, the signed values moved to new terms, a 5 ECTS /
EQF 6 credential read as 60 ECTS / EQF 8.

The rule (docs/security.md): contexts are URLs only (the offline loader pins each to our
bundled copy, none of which aliases anything to `@index`/`@nest` — a test keeps it so), no
`@context` below the top, no keyword keys beyond those that carry data into the graph,
no lone surrogates (they cannot be hashed), bounded depth and size. Under these rules, and
with strict expansion (every key a defined term), each JSON member the extractor reads is
a statement of the signed graph. No legitimate ELM or OB 3.0 issuer needs what is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import ContextError
from .expand import check_json_limits

#: keyword keys that carry their value into the graph; every other "@..." key is refused
ALLOWED_KEYWORDS = frozenset({"@id", "@type", "@value", "@language", "@direction", "@list", "@set"})
_ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


@dataclass(frozen=True)
class GuardProblem:
    """Why a document is refused, and where (a JSON path such as `credentialSubject.@context`)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


def _context_problem(context: Any) -> GuardProblem | None:
    items = context if isinstance(context, list) else [context]
    if not items:
        return GuardProblem("@context", "is empty")
    for index, item in enumerate(items):
        where = f"@context[{index}]" if isinstance(context, list) else "@context"
        if isinstance(item, dict):
            return GuardProblem(where, "inline @context objects are refused: a context inside the document can "
                                       "make its JSON say what its signed graph does not (see docs/security.md); "
                                       "reference published contexts by URL")
        if not isinstance(item, str):
            return GuardProblem(where, f"must be a context URL, not {type(item).__name__}")
        if not _ABSOLUTE_URL.match(item):
            return GuardProblem(where, f"{item[:80]!r} is not an absolute context URL")
    return None


def guard_problem(document: Any) -> GuardProblem | None:
    """The first reason to refuse `document` (a parsed JSON-LD credential), or None."""
    if not isinstance(document, dict):
        return GuardProblem("", "a credential must be a JSON object")
    if "@context" not in document:
        return GuardProblem("@context", "is missing: without it the JSON has no defined meaning")
    problem = _context_problem(document["@context"])
    if problem:
        return problem
    try:  # depth, size, member names, lone surrogates, non-JSON numbers: one rule with expansion
        check_json_limits(document)
    except ContextError as exc:
        return GuardProblem(exc.field or "", exc.message)
    # iterative walk (bounded by the limits above). The `proof` member
    # is the securing mechanism's (a JCS proof carries the document's @context by design);
    # nothing of it is displayed or extracted.
    body = {k: v for k, v in document.items() if k not in ("@context", "proof")}
    stack: list[tuple[Any, str]] = [(body, "")]
    while stack:
        value, path = stack.pop()
        if value is None:
            return GuardProblem(path, "null values are refused: JSON-LD drops them from the signed graph, so "
                                      "they could hide what another copy of the node states")
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else key
                problem = _key_problem(key, where)
                if problem:
                    return problem
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    return None


def _key_problem(key: str, where: str) -> GuardProblem | None:
    if key == "@context":
        return GuardProblem(where, "a @context below the top of the document is refused: it can redefine what "
                                   "the terms under it mean (see docs/security.md)")
    if key.startswith("@") and key not in ALLOWED_KEYWORDS:
        return GuardProblem(where, f"the keyword {key!r} is refused: its value does not reach the signed graph "
                                   "(or changes how the rest is read), so it could show what was never signed")
    return None
