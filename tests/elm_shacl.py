"""The official EDC-generic-full SHACL verdict on an ELM credential, for tests (pyshacl, offline).

EDC-generic-full.ttl imports EDC-generic-no-cv.ttl by URL; both are read from the reference
folder into one shapes graph, so nothing is fetched. The data graph is the credential's default
graph as our signing sees it: strict expansion with the bundled contexts (edcissuer.ld), the
`proof` left out (a Data Integrity proof is a graph of its own, a seal is not in the JSON).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest

from conftest import need_reference
from edcissuer.ld.canonize import serialize_quad, to_quads
from edcissuer.ld.loader import default_loader

SHAPE_FILES = ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl")


@lru_cache(maxsize=1)
def _shapes(folder: str) -> Any:
    import rdflib

    from pathlib import Path

    graph = rdflib.Graph()
    for name in SHAPE_FILES:
        graph.parse(Path(folder) / name, format="turtle")
    return graph


def official_shapes() -> Any:
    """Both official shapes files in one graph; skips the test when the reference folder is absent."""
    pytest.importorskip("pyshacl")
    folder = need_reference("elm", "shacl", "ttl")
    return _shapes(str(folder))


def data_graph(credential: dict[str, Any]) -> Any:
    import rdflib

    doc = {k: v for k, v in credential.items() if k != "proof"}
    nquads = "".join(serialize_quad(q) for q in to_quads(doc, default_loader) if q[3] is None)
    graph = rdflib.Graph()
    graph.parse(data=nquads, format="nt")
    return graph


def shacl_verdict(credential: dict[str, Any]) -> tuple[bool, str]:
    """(conforms, report text) of the official shapes on `credential`."""
    import pyshacl

    conforms, _, text = pyshacl.validate(data_graph(credential), shacl_graph=official_shapes(), inference="none")
    return bool(conforms), str(text)
