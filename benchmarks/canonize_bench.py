#!/usr/bin/env python3
"""Where RDFC-1.0 canonicalization time goes, ours vs pyoxigraph (Rust), on our own credentials.

Run:  PYTHONPATH=src .venv/bin/python benchmarks/canonize_bench.py [--n 30] [--rounds 5]

Per document (ms, best of --rounds passes over --n learners of the sample cohort):
  * canonize: the whole of ld.canonize (strict expansion -> node map -> RDF -> RDFC-1.0),
    split into expand (expand_strict), to_quads (expansion + node map + RDF conversion)
    and canonicalize_quads (the RDFC-1.0 step alone, on the quads);
  * pyoxigraph doing the RDFC-1.0 step on the same quads (its JSON-LD parser cannot load
    contexts from Python, so expansion stays pyld's): building its Dataset from our quads,
    Dataset.canonicalize(RDFC_1_0), serialising and sorting; equality with ours is checked;
  * the expansion memo (ld.expand, on by default; the other columns run with it off):
    canonize over the batch with a fresh loader, each learner once, as a batch run does.
Needs pyoxigraph for its rows (`pip install pyoxigraph`); without it they are skipped.
A benchmark, never a timed test: numbers vary with the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def per_item_ms(fn: Callable[[Any], Any], items: Sequence[Any], rounds: int) -> float:
    """Milliseconds per item, best of `rounds` passes (after one warm-up call)."""
    fn(items[0])
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best / len(items) * 1000


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
    from edcissuer.ld import expand
    from edcissuer.ld.loader import default_loader, make_loader

    try:
        import pyoxigraph  # noqa: F401
        have_ox = True
    except ImportError:
        have_ox = False
    records = bench.setup(args.n)["records"]
    cases = {"OB3 (round-tripped, bench.py)": bench.setup(args.n)["docs"],
             "OB3 (mapped)": [map_record(r, "ob3") for r in records],
             "ELM (mapped)": [map_record(r, "elm") for r in records]}
    print(f"{'document':32} {'KB':>5} {'quads':>5} {'canonize':>9} {'expand':>7} {'to_quads':>8} "
          f"{'rdfc ours':>9} {'rdfc oxi':>8} {'same':>5} {'memo':>6} {'memo same':>9}")
    for name, docs in cases.items():
        size = len(json.dumps(docs[0])) / 1000
        memo_chars = expand.EXPANSION_MEMO_CHARS
        expand.EXPANSION_MEMO_CHARS = 0  # the columns before "memo": every document expanded in full
        try:
            quads = [c.to_quads(d, default_loader) for d in docs]
            total = per_item_ms(lambda d: c.canonize(d, default_loader), docs, args.rounds)
            expanded = per_item_ms(lambda d: expand.expand_strict(d, default_loader), docs, args.rounds)
            to_quads = per_item_ms(lambda d: c.to_quads(d, default_loader), docs, args.rounds)
            ours = per_item_ms(c.canonicalize_quads, quads, args.rounds)
            expected = [c.canonize(d, default_loader) for d in docs]
        finally:
            expand.EXPANSION_MEMO_CHARS = memo_chars
        oxi, same = "n/a", "n/a"
        if have_ox:
            oxi = f"{per_item_ms(oxigraph_canonical, quads, args.rounds):.2f}"
            same = str(all(oxigraph_canonical(q) == c.canonicalize_quads(q) for q in quads))
        # a batch: a fresh loader (cold memo), every document canonicalised once, in order
        loader = make_loader()
        c.canonize(docs[0], loader)
        start = time.perf_counter()
        got = [c.canonize(d, loader) for d in docs[1:]]
        memo = (time.perf_counter() - start) / (len(docs) - 1) * 1000
        print(f"{name:32} {size:5.1f} {len(quads[0]):5d} {total:9.2f} {expanded:7.2f} {to_quads:8.2f} "
              f"{ours:9.2f} {oxi:>8} {same:>5} {memo:6.2f} {str(got == expected[1:]):>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
