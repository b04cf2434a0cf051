"""The import structure of `src/edcissuer` stays layered: checked from the source with `ast`,
so a new upward import, a cycle or a library dependency on the demo, the CLI or the tests
fails here before it becomes a tangle (issue 10, item 8).

Module names are relative to the package: `verify`, `export.baking`, `cli`; the package's
own `__init__.py` is `__init__`. Every import counts, top-level and function-local alike:
a local import hides a dependency from the reader but not from the design.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

# --- the rule (docs/ARCHITECTURE.md copies this list) --------------------------------------
#
# Lowest layer first. A module may import modules of its own layer or of a lower one,
# never of a higher one. An entry is a module-name prefix on a dot boundary ("export"
# covers "export" and "export.baking"). A prefix without modules (yet) is allowed.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "time", "checks", "results",   # vocabulary every layer uses
     "i18n",                                  # learner-facing labels in the output language (gettext, Babel)
     "identifiers", "files", "tabular",       # identifier spellings; the one bounded file reader; tables
     "jsontext",                              # the JSON text of what we hand out
     "config"),                               # the issuer profile (edcissuer.toml), read by the CLI
    ("crypto", "ld", "fetch", "fetch_cache",  # keys/DIDs/X.509, JSON-LD, the one network door (+ its disk cache),
     "carriers"),                             # badge readers
    ("suites",),                              # cryptosuites (Data Integrity strategy objects)
    ("proofs",),                              # proof engines: Data Integrity, JWT, JAdES
    ("models", "mapping",                     # record -> elements -> ELM / OB3 documents
     "profiles",                              # alliance profiles: rules a record meets at issue time
     "sdjwt"),
    ("conformance", "status.bitstring",       # document-level formats the recipes apply: profile
     "status.lists", "status.statuslist2021",  # checks, the Bitstring Status List entry/context/check,
     "status.revocation2020"),                # the shared list checker and the legacy list kinds
    ("securing",),                            # the seam: one SecuringMechanism per proof format + artefact reader
    ("presentations",                         # verifying presentations (the verifier unwraps them);
     "cosign"),                               # co-sealing a joint award, and who of its awarding bodies signed
    ("verify", "issue"),                      # the two recipes
    ("__init__",),                            # the public API facade re-exports the recipes
    ("ledger",),                              # what was issued, to whom (SQLite/Postgres)
    ("status",),                              # status lists published from the ledger (status.publish)
    ("batch",),                               # a cohort: issue + ledger + status lists
    ("recognition",),                         # the receiving side: trust, policy, decisions
    ("export",),                              # carriers: VP, QR, badges, offers, PDF
    ("service",),                             # a long-running front end (planned)
    ("demo",),                                # the end-to-end demo, needs the source checkout
    ("cli", "__main__"),                      # the command line
)

# Edges (importer, imported) that break LAYERS today. Each is a debt with its reason; remove
# an entry when its import goes (test_known_violations_are_all_still_present insists).
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()

# Edges that close an import cycle inside one layer, tolerated for now (the layering test
# cannot see them). Same rule: an entry goes when its edge or its cycle goes.
KNOWN_CYCLE_EDGES: frozenset[tuple[str, str]] = frozenset()

# Only these may import the demo or the CLI (by prefix, as in LAYERS).
ENTRY_POINTS: tuple[str, ...] = ("cli", "__main__", "demo")
# Never imported by library code: tests are not shipped and pytest is a test extra.
TEST_ONLY_TOPS: frozenset[str] = frozenset({"tests", "conftest", "pytest", "_pytest"})

PACKAGE = "edcissuer"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE


# --- the graph -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to a module of the package (or external)."""

    importer: str
    target: str  # module name inside the package, or the full dotted name if external
    internal: bool
    line: int


def module_name(path: Path) -> str:
    """`export/baking.py` -> `export.baking`; `export/__init__.py` -> `export`; root -> `__init__`."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or "__init__"


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by name."""
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _internal(dotted: str) -> str:
    """A package-relative dotted name -> the module it names (`""` is the root package)."""
    return dotted or "__init__"


def _resolve_from(importer: str, node: ast.ImportFrom) -> tuple[str, bool]:
    """The module a `from X import ...` reads, package-relative if inside the package."""
    if node.level == 0:
        top = (node.module or "").split(".")
        if top[0] != PACKAGE:
            return node.module or "", False
        return ".".join(top[1:]), True
    base = [] if importer == "__init__" else importer.split(".")
    if not _is_package(importer):
        base = base[:-1]  # a plain module's anchor is its package
    drop = node.level - 1
    if drop > len(base):
        raise AssertionError(f"{importer}: relative import beyond the top of {PACKAGE}")
    anchor = base[:len(base) - drop]
    return ".".join(anchor + (node.module.split(".") if node.module else [])), True


def imports_of(name: str) -> Iterator[Import]:
    """Every import in module `name`, at any depth (functions, methods, try/except, if)."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"), filename=str(modules()[name]))
    known = modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == PACKAGE:
                    yield Import(name, _internal(".".join(parts[1:])), True, node.lineno)
                else:
                    yield Import(name, alias.name, False, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base, internal = _resolve_from(name, node)
            if not internal:
                yield Import(name, base, False, node.lineno)
                continue
            for alias in node.names:
                # `from . import x` / `from .pkg import mod` name a submodule; otherwise a name in `base`
                sub = f"{base}.{alias.name}" if base else alias.name
                target = sub if sub in known else _internal(base)
                yield Import(name, target, True, node.lineno)


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the package modules it imports (self-references dropped)."""
    return {name: frozenset(i.target for i in imports_of(name) if i.internal and i.target != name)
            for name in modules()}


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(name: str) -> int | None:
    """Index in LAYERS of the most specific prefix covering `name`."""
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            if _matches(name, prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def upward_edges() -> set[tuple[str, str]]:
    """Edges from a module to one of a higher layer."""
    found = set()
    for importer, targets in graph().items():
        low = layer_of(importer)
        for target in targets:
            high = layer_of(target)
            if low is not None and high is not None and high > low:
                found.add((importer, target))
    return found


def find_cycle(edges: dict[str, frozenset[str]]) -> list[str] | None:
    """One import cycle as a path [a, b, ..., a], or None (iterative DFS, deterministic order)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(edges):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(edges[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(edges.get(nxt, frozenset()))))
    return None


def reaches(start: str, goal: str) -> bool:
    """Whether `goal` is reachable from `start` in the full import graph."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph().get(todo.pop(), frozenset()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


# --- the tests -----------------------------------------------------------------------------

def test_the_import_scanner_sees_the_package():
    """Guards the other tests against passing on an empty or misread graph."""
    assert {"verify", "issue", "export.baking", "cli", "__init__"} <= set(modules())
    assert "proofs.data_integrity" in graph()["status.publish"]  # function-local import
    assert {"cli.demo", "cli.keys"} <= graph()["cli"]  # `from . import demo, keys`
    assert "errors" in graph()["__init__"]  # `from .errors import ...` in the root package


def test_every_module_belongs_to_a_layer():
    """A new top-level module or package must be placed in LAYERS, or the rule does not see it."""
    unplaced = sorted(name for name in modules() if layer_of(name) is None)
    assert not unplaced, f"add these to LAYERS in tests/test_architecture.py: {unplaced}"


def test_no_import_cycles():
    """Known debts (listed above) are left out, so any other cycle fails with its path."""
    tolerated = KNOWN_VIOLATIONS | KNOWN_CYCLE_EDGES
    edges = {a: frozenset(b for b in targets if (a, b) not in tolerated) for a, targets in graph().items()}
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_known_cycle_edges_still_close_a_cycle():
    """The list can only shrink: an edge that is gone, or no longer on a cycle, must be deleted."""
    stale = sorted((a, b) for a, b in KNOWN_CYCLE_EDGES if b not in graph()[a] or not reaches(b, a))
    assert not stale, f"no longer a cycle, so remove from KNOWN_CYCLE_EDGES: {stale}"


def test_modules_import_only_their_own_or_lower_layers():
    new = sorted(upward_edges() - KNOWN_VIOLATIONS)
    described = [f"{a} (layer {layer_of(a)}) imports {b} (layer {layer_of(b)})" for a, b in new]
    assert not new, "upward imports (move the code down, or ask before adding to KNOWN_VIOLATIONS):\n" + \
        "\n".join(described)


def test_known_violations_are_all_still_present():
    """The list can only shrink: an entry whose import is gone must be deleted with it."""
    stale = sorted(KNOWN_VIOLATIONS - upward_edges())
    assert not stale, f"fixed, so remove from KNOWN_VIOLATIONS: {stale}"


def test_only_entry_points_import_the_cli_or_the_demo():
    wrong = sorted((importer, target) for importer, targets in graph().items() for target in targets
                   if any(_matches(target, p) for p in ("cli", "demo"))
                   and not any(_matches(importer, p) for p in ENTRY_POINTS))
    assert not wrong, f"library modules importing the CLI or the demo: {wrong}"


@pytest.mark.parametrize("name", sorted(modules()))
def test_library_does_not_import_tests_or_pytest(name):
    bad = [f"line {i.line}: {i.target}" for i in imports_of(name)
           if not i.internal and i.target.split(".")[0] in TEST_ONLY_TOPS]
    assert not bad, f"{name} imports test code: {bad}"


#: the service's upload reader rasterises an uploaded PDF certificate to read its QR code
#: (pypdfium2 is in the `service` extra); nothing else in the library renders a PDF
PDF_RENDERERS = frozenset({"service.uploads"})


def test_no_render_helper_left_in_the_library():
    """PDF rasterising (pypdfium2, a test extra) belongs to tests/pdf_render.py, or to the service's uploads."""
    users = sorted(name for name in modules() for i in imports_of(name) if i.target.split(".")[0] == "pypdfium2"
                   and name not in PDF_RENDERERS)
    assert not users, f"library modules importing pypdfium2: {users}"
