#!/usr/bin/env python3
"""Signed credentials per second: edcissuer beside openbadgeslib (PyPI) and the JavaScript
reference (digitalbazaar vc, from the npm registry), all measured in this one run.

Run:  .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/bench.py
      (--n credentials per measurement, --batch N records for the batch runs, 0 to skip them,
       --postgres DSN to run the batch against PostgreSQL as well; see docs/benchmarks.md)

One table, each row a path, each peer measured on the SAME documents in the same run:
  * Data Integrity eddsa-rdfc-2022 sign and verify of OB 3.0 credentials (round-tripped
    through openbadgeslib's model so all three implementations accept them) and of ELM
    credentials: ours (proofs.data_integrity), openbadgeslib (OB3LdpSigner / OB3LdpVerifier),
    digitalbazaar (`vc.issue` / `vc.verifyCredential`, benchmarks/js_reference.py). With the
    same Ed25519 key and `created`, every implementation must give the SAME proofValue:
    equal canonical forms, so the comparison is like for like (checked, the run stops if not).
  * verify() with every check (proof, issuer binding, dates, status, conformance, elements),
    OB3 and ELM, against digitalbazaar's verifyCredential of the same credentials.
  * JWT (EdDSA): ours (VC-JOSE) vs openbadgeslib's OB3 JWT-VC.
  * issue(): record -> mapped -> signed, OB3 + eddsa, ELM + eddsa, ELM + JAdES seal.
  * batches of --batch records in both formats (ledger, status lists, --workers processes) on
    SQLite and, with --postgres, PostgreSQL: wall time, credentials/s, and RSS samples of the
    main process and of the workers along the run (flat memory).
The target column is issue 17's. This is a benchmark, never a timed test.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import secrets
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
CREATED = "2026-11-24T12:00:00Z"


def rate(fn: Callable[[Any], Any], items: Sequence[Any], rounds: int) -> float:
    """Items per second, best of `rounds` passes (after one warm-up call)."""
    fn(items[0])
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process (Linux /proc), in MB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return 0.0


def child_pids() -> list[int]:
    """This process's children (the batch's worker processes), from /proc."""
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def cohort_rows(n: int) -> list[dict[str, str]]:
    """n distinct, valid learner rows in the shape of samples/batch/cohort.csv."""
    with (ROOT / "samples" / "batch" / "cohort.csv").open(encoding="utf-8") as handle:
        good = [r for r in csv.DictReader(handle) if r["family_name"] and "(at)" not in r["email"]]
    rows = []
    for i in range(n):
        row = dict(good[i % len(good)])
        row.update(student_id=f"UC-2026-{100000 + i}", learner_id="", email=f"learner{i}@example.org",
                   family_name=f"{row['family_name']}-{i}")
        rows.append(row)
    return rows


def setup(n: int) -> dict[str, Any]:
    """The demo keys, n cohort records bound to the demo key, and their OB3 documents."""
    from openbadgeslib.ob3.credential import OpenBadgeCredential

    from edcissuer.batch import load_programme, record_data
    from edcissuer.demo import load_demo_keys
    from edcissuer.issue import map_record, with_issuer_id
    from edcissuer.models.records import parse_record

    keys = load_demo_keys(ROOT)
    programme = load_programme(ROOT / "samples" / "batch" / "programme.yaml")
    records = [with_issuer_id(parse_record(record_data(programme, row)), keys.issuer.did_key)
               for row in cohort_rows(n)]
    models = [OpenBadgeCredential.from_vc_document(map_record(r, "ob3")) for r in records]
    return {"keys": keys, "key": keys.issuer, "records": records, "models": models,
            "docs": [m.to_vc() for m in models]}


@dataclass
class Row:
    """One line of the table: our rate, each peer's, and the target (per s or a ratio)."""

    what: str
    direction: str
    ours: float
    openbadgeslib: float | None = None
    digitalbazaar: float | None = None
    target: str = ""
    met: bool | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "direction": self.direction, "ours_per_s": self.ours,
                "openbadgeslib_per_s": self.openbadgeslib, "digitalbazaar_per_s": self.digitalbazaar,
                "ratio_openbadgeslib": _ratio(self.ours, self.openbadgeslib),
                "ratio_digitalbazaar": _ratio(self.ours, self.digitalbazaar),
                "target": self.target, "met": self.met}


def _ratio(ours: float, theirs: float | None) -> float | None:
    return ours / theirs if theirs else None


def _at_least(row: Row, per_s: float | None = None, times_db: float | None = None) -> Row:
    """Set the row's target and whether this run met it."""
    if per_s is not None:
        row.target, row.met = f">= {per_s:.0f}/s", row.ours >= per_s
    elif times_db is not None:
        row.target = f">= {times_db:g}x digitalbazaar"
        row.met = None if not row.digitalbazaar else row.ours >= times_db * row.digitalbazaar
    return row


def bench_credentials(n: int, rounds: int, js: bool) -> tuple[list[Row], list[str]]:
    """Every row but the batches; the second value lists notes (peers missing, fairness checks)."""
    from openbadgeslib.ob3.ldp import OB3LdpSigner, OB3LdpVerifier
    from openbadgeslib.ob3.signer import OB3Signer
    from openbadgeslib.ob3.verifier import OB3Verifier

    from edcissuer.issue import issue, map_record
    from edcissuer.proofs.data_integrity import add_proof, verify_proof
    from edcissuer.proofs.jwt import sign_jwt, verify_jwt
    from edcissuer.verify import VerifyOptions, verify_parsed

    notes: list[str] = []
    s = setup(n)
    key, docs, models, records = s["key"], s["docs"], s["models"], s["records"]
    seal = s["keys"].seal
    pem, pub = key.to_pem(private=True), key.to_pem()
    elm_records = records[: max(10, n // 5)]
    elm_docs = [map_record(r, "elm") for r in elm_records]

    def sign_di(d: dict[str, Any]) -> dict[str, Any]:
        return add_proof(d, key, cryptosuite="eddsa-rdfc-2022", created=NOW)

    # Data Integrity on the shared OB3 documents: ours, openbadgeslib, digitalbazaar
    ob_signer, ob_verifier = OB3LdpSigner(pem), OB3LdpVerifier()
    ours_signed = [sign_di(d) for d in docs]
    theirs_signed = [ob_signer.sign(m, created=NOW) for m in models]
    if any(a["proof"]["proofValue"] != b["proof"]["proofValue"] for a, b in zip(ours_signed, theirs_signed)):
        sys.exit("proofValues differ from openbadgeslib's: the two canonicalise differently; comparison invalid")
    for doc in theirs_signed[:3]:
        assert verify_proof(doc, now=NOW).passed
    for doc in ours_signed[:3]:
        ob_verifier.verify(doc)
    elm_signed = [sign_di(d) for d in elm_docs]
    full_ob3 = [issue(r, fmt="ob3", signer=key, now=NOW).credential for r in records]
    full_elm = [issue(r, fmt="elm", signer=key, now=NOW).credential for r in elm_records]

    db: dict[str, Any] = {}
    if js:
        db = _digitalbazaar(docs, ours_signed, elm_docs, elm_signed, key, rounds, notes)

    rows = [
        _at_least(Row("Data Integrity eddsa-rdfc-2022, OB3", "sign", rate(sign_di, docs, rounds),
                      rate(lambda m: ob_signer.sign(m, created=NOW), models, rounds), db.get("ob3_sign")),
                  times_db=3),
        _at_least(Row("Data Integrity eddsa-rdfc-2022, OB3", "verify",
                      rate(lambda d: verify_proof(d, now=NOW), ours_signed, rounds),
                      rate(lambda d: ob_verifier.verify(d), ours_signed, rounds), db.get("ob3_verify")),
                  times_db=3),
        _at_least(Row("Data Integrity eddsa-rdfc-2022, ELM", "sign", rate(sign_di, elm_docs, rounds),
                      None, db.get("elm_sign")), times_db=3),
        _at_least(Row("Data Integrity eddsa-rdfc-2022, ELM", "verify",
                      rate(lambda d: verify_proof(d, now=NOW), elm_signed, rounds), None, db.get("elm_verify")),
                  times_db=3),
    ]
    options = VerifyOptions(now=NOW)
    rows += [
        _at_least(Row("verify(), every check, OB3", "verify", rate(lambda c: verify_parsed(c, options), full_ob3,
                                                                   rounds), None, db.get("ob3_full_verify")),
                  times_db=2),
        _at_least(Row("verify(), every check, ELM", "verify", rate(lambda c: verify_parsed(c, options), full_elm,
                                                                   rounds), None, db.get("elm_full_verify")),
                  times_db=2),
    ]
    ob_jwt_signer, ob_jwt_verifier = OB3Signer(pem, algorithm="EdDSA"), OB3Verifier(pub)
    ours_tokens = [sign_jwt(d, key, now=NOW) for d in docs]
    theirs_tokens = [ob_jwt_signer.sign(m) for m in models]
    assert verify_jwt(ours_tokens[0], now=NOW)[0].passed
    ob_jwt_verifier.verify(theirs_tokens[0])
    rows += [
        Row("JWT EdDSA (ours VC-JOSE, theirs OB3 JWT-VC)", "sign", rate(lambda d: sign_jwt(d, key, now=NOW), docs,
                                                                        rounds),
            rate(lambda m: ob_jwt_signer.sign(m), models, rounds)),
        Row("JWT EdDSA (ours VC-JOSE, theirs OB3 JWT-VC)", "verify",
            rate(lambda t: verify_jwt(t, now=NOW), ours_tokens, rounds),
            rate(lambda t: ob_jwt_verifier.verify(t), theirs_tokens, rounds)),
        _at_least(Row("issue(): record -> OB3 + eddsa", "sign",
                      rate(lambda r: issue(r, fmt="ob3", signer=key, now=NOW), records, rounds)), per_s=600),
        _at_least(Row("issue(): record -> ELM + eddsa", "sign",
                      rate(lambda r: issue(r, fmt="elm", signer=key, now=NOW), records, rounds)), per_s=300),
        _at_least(Row("issue(): record -> ELM + JAdES seal", "sign",
                      rate(lambda r: issue(r, fmt="elm", signer=seal, now=NOW), records, rounds)), per_s=500),
    ]
    return rows, notes


def _digitalbazaar(docs: list[dict[str, Any]], ours_signed: list[dict[str, Any]], elm_docs: list[dict[str, Any]],
                   elm_signed: list[dict[str, Any]], key: Any, rounds: int, notes: list[str]) -> dict[str, Any]:
    """digitalbazaar's rates on the same documents (js_reference.py); {} with a note when node is absent.

    Its verify is `vc.verifyCredential` (proof, dates, no status): the row our proof-only verify and
    our verify() with every check are both compared with.
    """
    import js_reference

    found: dict[str, Any] = {}
    for name, unsigned, signed in (("ob3", docs, ours_signed), ("elm", elm_docs, elm_signed)):
        result = js_reference.measure_digitalbazaar(unsigned, signed, rounds=rounds, created=CREATED, key=key)
        if result is None:
            notes.append(f"digitalbazaar not measured: {js_reference.why_unavailable()}")
            return {}
        if result["differing"] or not all(result["verified"]):
            sys.exit(f"digitalbazaar on the {name} documents: {js_reference.fairness_line(result)}; "
                     "the implementations disagree, so the comparison is invalid")
        notes.append(f"{name.upper()}: {js_reference.fairness_line(result)}")
        found[f"{name}_sign"], found[f"{name}_verify"] = result["sign_per_s"], result["verify_per_s"]
        found["versions"] = result["versions"]
    found["ob3_full_verify"], found["elm_full_verify"] = found["ob3_verify"], found["elm_verify"]
    versions = ", ".join(f"{k} {v}" for k, v in found["versions"].items())
    notes.append(f"digitalbazaar: {versions}")
    return found


def bench_batch(count: int, workers: int, target: str | None = None) -> dict[str, Any]:
    """A count-record batch, both formats, a SQLite file (or `target`: a PostgreSQL DSN) + status lists."""
    from edcissuer.batch import load_programme, read_rows, run_batch
    from edcissuer.demo import load_demo_keys
    from edcissuer.ledger import Ledger
    from edcissuer.status.publish import StatusListSettings

    keys = load_demo_keys(ROOT)
    samples: list[dict[str, float]] = []
    done = {"n": 0}
    stop = threading.Event()

    def progress(kind: str, n: int) -> None:
        done["n"] += n

    def sample() -> None:   # every second: main and worker RSS, in a thread so the run itself is untouched
        start = time.perf_counter()
        while not stop.wait(1.0):
            workers_mb = [rss_mb(p) for p in child_pids()]
            samples.append({"s": round(time.perf_counter() - start, 1), "done": done["n"], "main_mb": rss_mb(),
                            "worker_max_mb": max(workers_mb, default=0.0)})

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = folder / "cohort.csv"
        with rows.open("w", encoding="utf-8", newline="") as handle:
            data = cohort_rows(count)
            writer = csv.DictWriter(handle, fieldnames=list(data[0]))
            writer.writeheader()
            writer.writerows(data)
        del data
        settings = StatusListSettings("https://credentials.univ-lusitania.example/status", folder / "status",
                                      keys.issuer)
        schema = _fresh_schema(target) if target else nullcontext(str(folder / "ledger.sqlite"))
        sampler = threading.Thread(target=sample, daemon=True)
        start = time.perf_counter()
        sampler.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # the demo record names a did:web lead: replaced by the key's DID
            with schema as ledger_target, Ledger.open(ledger_target) as ledger:
                report = run_batch(load_programme(ROOT / "samples" / "batch" / "programme.yaml"), read_rows(rows),
                                   formats=["elm", "ob3"], signer=keys.issuer, out_dir=folder / "out",
                                   ledger=ledger, status_lists=settings, now=NOW, workers=workers,
                                   progress=progress)
                counts = ledger.counts()
                unique = len({(e.status_list, e.status_index) for e in ledger.entries()})
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        files = sum(1 for _ in (folder / "out").glob("*.jsonld"))
    return {"ledger": "PostgreSQL" if target else "SQLite", "records": count, "credentials": report.issued,
            "files": files, "refused": report.refused_rows, "counts": counts, "unique_indices": unique,
            "seconds": seconds, "credentials_per_s": report.issued / seconds, "workers": workers,
            # peaks during this batch, from the samples (getrusage's maxima would include the
            # measurements before it and the JavaScript reference's node process)
            "peak_rss_main_mb": max((x["main_mb"] for x in samples), default=rss_mb()),
            "peak_rss_worker_mb": max((x["worker_max_mb"] for x in samples), default=0.0),
            "peak_rss_process_lifetime_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,  # Linux: KB
            "rss_samples": samples}


@contextmanager
def _fresh_schema(dsn: str) -> Iterator[str]:
    """A DSN whose search_path is a new schema of that database, dropped afterwards (each run starts empty)."""
    import psycopg

    schema = f"edcissuer_bench_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{dsn}{'&' if '?' in dsn else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def print_table(rows: list[Row]) -> None:
    head = (f"{'what':<44} {'':<6} {'ours/s':>8} {'obl/s':>7} {'x obl':>6} {'db/s':>7} {'x db':>6} "
            f"{'target':<22} {'met':<4}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        obl, db = _ratio(r.ours, r.openbadgeslib), _ratio(r.ours, r.digitalbazaar)
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        print(f"{r.what:<44} {r.direction:<6} {r.ours:>8.0f} {_num(r.openbadgeslib):>7} "
              f"{(f'{obl:.1f}x' if obl else '-'):>6} {_num(r.digitalbazaar):>7} {(f'{db:.1f}x' if db else '-'):>6} "
              f"{r.target:<22} {met:<4}")


def _num(value: float | None) -> str:
    return f"{value:.0f}" if value else "-"


def print_batch(batch: dict[str, Any]) -> None:
    met = ("yes" if batch["seconds"] <= 60 else "NO") if batch["records"] >= 10_000 else "applies to 10,000 records"
    print(f"batch {batch['ledger']:<10} {batch['records']} records x 2 formats, {batch['workers']} workers: "
          f"{batch['credentials']} credentials ({batch['files']} files, {batch['unique_indices']} unique status "
          f"indices) in {batch['seconds']:.1f} s = {batch['credentials_per_s']:.0f}/s   target <= 60 s: {met}")
    print(f"  peak RSS during the batch (1 s samples): main {batch['peak_rss_main_mb']:.0f} MB, largest worker "
          f"{batch['peak_rss_worker_mb']:.0f} MB")
    step = max(1, len(batch["rss_samples"]) // 10)
    print("  RSS along the run (s, credentials done: main MB / largest worker MB): " + ", ".join(
        f"{s['s']:.0f}s {s['done']}: {s['main_mb']:.0f}/{s['worker_max_mb']:.0f}"
        for s in batch["rss_samples"][::step]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="credentials per measurement (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="passes per measurement, best kept (default 3)")
    parser.add_argument("--batch", type=int, default=10_000, help="records in the batch runs (0: skip)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--postgres", metavar="DSN", default=os.environ.get("EDCISSUER_BENCH_POSTGRES_DSN"),
                        help="also run the batch on this PostgreSQL database (its ledger tables are dropped first)")
    parser.add_argument("--no-js", action="store_true", help="do not run the JavaScript reference")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    from importlib.metadata import version

    print(f"edcissuer {version('edcissuer')}, openbadgeslib {version('openbadgeslib')} (both on pyld "
          f"{version('PyLD')}), cryptography {version('cryptography')}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores; {args.n} credentials per row, best of {args.rounds}", flush=True)
    rows, notes = bench_credentials(args.n, args.rounds, js=not args.no_js)
    print_table(rows)
    for note in notes:
        print(f"  note: {note}")
    batches = []
    if args.batch:
        print()
        for target in [None, *([args.postgres] if args.postgres else [])]:
            batch = bench_batch(args.batch, args.workers, target)
            print_batch(batch)
            batches.append(batch)
    if args.json:
        args.json.write_text(json.dumps({"rows": [r.to_dict() for r in rows], "notes": notes, "batches": batches},
                                        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
