#!/usr/bin/env python3
"""Where RDFC-1.0 canonicalization time goes, ours vs pyoxigraph (Rust), on our own credentials.

Run:  PYTHONPATH=src .venv/bin/python benchmarks/canonize_bench.py [--n 30] [--rounds 5]

Per document (ms, best of --rounds passes over --n learners of the sample cohort):
  * canonize: the whole of ld.canonize (strict expansion -> RDF, ld/to_rdf.py -> RDFC-1.0),
    split into expand (expand_strict), to_quads (expansion + RDF conversion)
    and canonicalize_quads (the RDFC-1.0 step alone, on the quads);
  * pyoxigraph doing the RDFC-1.0 step on the same quads (its JSON-LD parser cannot load
    contexts from Python, so expansion stays pyld's): building its Dataset from our quads,
    Dataset.canonicalize(RDFC_1_0), serialising and sorting; equality with ours is checked;
  * the expansion memos of ld.expand (both on by default; the columns before "|" run with
    them off): canonize over the batch with a fresh loader, each learner once, as a batch
    run does -- no memo, the IRI memo alone, IRI + subtree memo; equality is checked;
  * issue() (record -> signed credential, display image included) over the batch, memos off / on.
Times are CPU time of this process, so other load on the machine does not count.
Needs pyoxigraph for its rows (`pip install pyoxigraph`); without it they are skipped.
A benchmark, never a timed test: numbers vary with the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def per_item_ms(fn: Callable[[Any], Any], items: Sequence[Any], rounds: int) -> float:
    """CPU milliseconds per item (process time: stable on a shared machine), best of `rounds` passes."""
    fn(items[0])
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - start)
    return best / len(items) * 1000


def batch_ms(fn: Callable[[Any, Any], Any], items: Sequence[Any], rounds: int, make_loader: Any) -> float:
    """CPU ms per item over a batch: a fresh loader (cold memos), every item once, as a batch run does."""
    best = float("inf")
    for _ in range(rounds):
        loader = make_loader()
        fn(items[0], loader)
        start = time.process_time()
        for item in items[1:]:
            fn(item, loader)
        best = min(best, time.process_time() - start)
    return best / (len(items) - 1) * 1000


@contextmanager
def memos(iri: bool, subtree: bool) -> Iterator[None]:
    from edcissuer.ld import expand

    saved = expand.IRI_MEMO_SIZE, expand.SUBTREE_MEMO_CHARS
    expand.IRI_MEMO_SIZE = saved[0] if iri else 0
    expand.SUBTREE_MEMO_CHARS = saved[1] if subtree else 0
    try:
        yield
    finally:
        expand.IRI_MEMO_SIZE, expand.SUBTREE_MEMO_CHARS = saved


def oxigraph_canonical(quads: list[Any]) -> str:
    """RDFC-1.0 by pyoxigraph over our quad tuples, serialised as sorted canonical N-Quads."""
    import pyoxigraph as ox

    def term(t: Any) -> Any:
        if t[0] == "I":
            return ox.NamedNode(t[1])
        if t[0] == "B":
            return ox.BlankNode(t[1][2:])
        if t[3]:
            return ox.Literal(t[1], language=t[3])
        return ox.Literal(t[1], datatype=ox.NamedNode(t[2]))

    dataset = ox.Dataset(ox.Quad(term(s), ox.NamedNode(p), term(o), term(g) if g else ox.DefaultGraph())
                         for s, p, o, g in quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    text = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return "".join(sorted(set(text.splitlines(keepends=True))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    import bench

    from edcissuer.issue import map_record
    from edcissuer.ld import canonize as c
    from edcissuer.ld.expand import expand_strict
    from edcissuer.ld.loader import default_loader, make_loader

    try:
        import pyoxigraph  # noqa: F401
        have_ox = True
    except ImportError:
        have_ox = False
    setup = bench.setup(args.n)
    records = setup["records"]
    cases = {"OB3 (round-tripped, bench.py)": setup["docs"],
             "OB3 (mapped)": [map_record(r, "ob3") for r in records],
             "ELM (mapped)": [map_record(r, "elm") for r in records]}
    print("CPU ms per document (memos off unless named)")
    print(f"{'document':30} {'KB':>5} {'quads':>5} {'canonize':>8} {'expand':>7} {'to_quads':>8} "
          f"{'rdfc ours':>9} {'rdfc oxi':>8} {'same':>5} | {'batch: none':>11} {'iri':>6} {'+subtree':>8} {'same':>5}")
    for name, docs in cases.items():
        size = len(json.dumps(docs[0])) / 1000
        with memos(False, False):
            quads = [c.to_quads(d, default_loader) for d in docs]
            total = per_item_ms(lambda d: c.canonize(d, default_loader), docs, args.rounds)
            expanded = per_item_ms(lambda d: expand_strict(d, default_loader), docs, args.rounds)
            to_quads = per_item_ms(lambda d: c.to_quads(d, default_loader), docs, args.rounds)
            ours = per_item_ms(c.canonicalize_quads, quads, args.rounds)
            expected = [c.canonize(d, default_loader) for d in docs]
        oxi, same = "n/a", "n/a"
        if have_ox:
            oxi = f"{per_item_ms(oxigraph_canonical, quads, args.rounds):.2f}"
            same = str(all(oxigraph_canonical(q) == c.canonicalize_quads(q) for q in quads))
        batch = []
        for iri, subtree in ((False, False), (True, False), (True, True)):
            with memos(iri, subtree):
                batch.append(batch_ms(lambda d, loader: c.canonize(d, loader), docs, args.rounds, make_loader))
        loader = make_loader()
        memo_same = [c.canonize(d, loader) for d in docs] == expected
        print(f"{name:30} {size:5.1f} {len(quads[0]):5d} {total:8.2f} {expanded:7.2f} {to_quads:8.2f} "
              f"{ours:9.2f} {oxi:>8} {same:>5} | {batch[0]:11.2f} {batch[1]:6.2f} {batch[2]:8.2f} {str(memo_same):>5}")

    print("\nissue() with eddsa-rdfc-2022 over the batch, CPU ms per credential (and per second of one core)")
    from edcissuer.issue import issue

    key = setup["key"]
    for fmt in ("ob3", "elm"):
        row = []
        for iri, subtree in ((False, False), (True, True)):
            with memos(iri, subtree):
                ms = batch_ms(lambda r, loader: issue(r, fmt=fmt, signer=key, now=bench.NOW, loader=loader),
                              records, max(1, args.rounds // 2), make_loader)
            row.append(f"{ms:7.2f} ms ({1000 / ms:5.0f}/s)")
        print(f"  {fmt}: memos off {row[0]}   memos on {row[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
