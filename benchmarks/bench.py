#!/usr/bin/env python3
"""Signed credentials per second, side by side: edcissuer vs openbadgeslib (PyPI), same credentials.

Run:  .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/bench.py
      (--n credentials per measurement, --batch N for the batch run, 0 to skip it)

What is measured, each on the SAME OpenBadgeCredential documents (ours mapped from the
sample cohort, round-tripped through openbadgeslib's model so both libraries accept them):
  * Data Integrity eddsa-rdfc-2022: sign and verify, ours (proofs.data_integrity) vs
    openbadgeslib's full OB3LdpSigner / OB3LdpVerifier. Both produce the SAME proofValue
    (Ed25519 is deterministic), which is checked: equal canonical forms, fair comparison.
  * JWT (EdDSA): ours (proofs.jwt, VC-JOSE) vs openbadgeslib OB3Signer / OB3Verifier.
  * our full recipes (record -> mapped -> signed, and verify() with every check), for scale.
  * the JavaScript reference (digitalbazaar vc + eddsa-rdfc-2022) is not run here; its
    measured ~300 OB3 credentials/s (sign and verify, these machines) is the target line.
  * a batch of --batch records (both formats, SQLite ledger, status lists, --workers
    processes): wall time, credentials/s, peak RSS of the main process and the workers,
    and RSS samples along the run (flat memory).
This is a benchmark, never a timed test: numbers vary with the machine.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
JS_REFERENCE = 300.0   # OB3 credentials/s, digitalbazaar vc + eddsa-rdfc-2022, sign and verify


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


def rss_mb() -> float:
    """Current resident set size of this process (Linux /proc), in MB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


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
    return {"key": keys.issuer, "records": records, "models": models, "docs": [m.to_vc() for m in models]}


def bench_credentials(n: int, rounds: int) -> list[tuple[str, str, float, float | None]]:
    """(what, direction, ours/s, theirs/s) rows."""
    from openbadgeslib.ob3.ldp import OB3LdpSigner, OB3LdpVerifier
    from openbadgeslib.ob3.signer import OB3Signer
    from openbadgeslib.ob3.verifier import OB3Verifier

    from edcissuer.issue import issue
    from edcissuer.proofs.data_integrity import add_proof, verify_proof
    from edcissuer.verify import VerifyOptions, verify_parsed

    s = setup(n)
    key, docs, models, records = s["key"], s["docs"], s["models"], s["records"]
    pem, pub = key.to_pem(private=True), key.to_pem()

    # Data Integrity, eddsa-rdfc-2022
    ob_ldp_signer, ob_ldp_verifier = OB3LdpSigner(pem), OB3LdpVerifier()
    ours_signed = [add_proof(d, key, cryptosuite="eddsa-rdfc-2022", created=NOW) for d in docs]
    theirs_signed = [ob_ldp_signer.sign(m, created=NOW) for m in models]
    same = all(a["proof"]["proofValue"] == b["proof"]["proofValue"] for a, b in zip(ours_signed, theirs_signed))
    if not same:
        sys.exit("proofValues differ: the two implementations canonicalise differently; comparison invalid")
    for doc in theirs_signed[:3]:
        assert verify_proof(doc, now=NOW).passed
    for doc in ours_signed[:3]:
        ob_ldp_verifier.verify(doc)
    out = []
    out.append(("Data Integrity eddsa-rdfc-2022", "sign",
                rate(lambda d: add_proof(d, key, cryptosuite="eddsa-rdfc-2022", created=NOW), docs, rounds),
                rate(lambda m: ob_ldp_signer.sign(m, created=NOW), models, rounds)))
    out.append(("Data Integrity eddsa-rdfc-2022", "verify",
                rate(lambda d: verify_proof(d, now=NOW), ours_signed, rounds),
                rate(lambda d: ob_ldp_verifier.verify(d), ours_signed, rounds)))

    # JWT (EdDSA)
    try:
        from edcissuer.proofs.jwt import sign_jwt, verify_jwt
    except ImportError:
        out.append(("JWT EdDSA (proofs/jwt.py missing)", "sign", float("nan"), None))
    else:
        ob_jwt_signer, ob_jwt_verifier = OB3Signer(pem, algorithm="EdDSA"), OB3Verifier(pub)
        ours_tokens = [sign_jwt(d, key, now=NOW) for d in docs]
        theirs_tokens = [ob_jwt_signer.sign(m) for m in models]
        assert verify_jwt(ours_tokens[0], now=NOW)[0].passed
        ob_jwt_verifier.verify(theirs_tokens[0])
        out.append(("JWT EdDSA (ours VC-JOSE, theirs OB3 JWT-VC)", "sign",
                    rate(lambda d: sign_jwt(d, key, now=NOW), docs, rounds),
                    rate(lambda m: ob_jwt_signer.sign(m), models, rounds)))
        out.append(("JWT EdDSA (ours VC-JOSE, theirs OB3 JWT-VC)", "verify",
                    rate(lambda t: verify_jwt(t, now=NOW), ours_tokens, rounds),
                    rate(lambda t: ob_jwt_verifier.verify(t), theirs_tokens, rounds)))

    # our full recipes, for scale (no counterpart: openbadgeslib has no ELM and no record model)
    options = VerifyOptions(now=NOW)
    full = [issue(r, fmt="ob3", signer=key, now=NOW).credential for r in records]
    out.append(("edcissuer issue(): record -> OB3 + eddsa", "sign",
                rate(lambda r: issue(r, fmt="ob3", signer=key, now=NOW), records, rounds), None))
    out.append(("edcissuer issue(): record -> ELM + eddsa", "sign",
                rate(lambda r: issue(r, fmt="elm", signer=key, now=NOW), records[: max(10, n // 4)], 1), None))
    out.append(("edcissuer verify(): OB3, every check", "verify",
                rate(lambda c: verify_parsed(c, options), full, rounds), None))
    return out


def bench_batch(count: int, workers: int) -> dict[str, Any]:
    """A count-record batch, both formats, SQLite ledger + status lists, `workers` processes."""
    from edcissuer.batch import load_programme, read_rows, run_batch
    from edcissuer.demo import load_demo_keys
    from edcissuer.ledger import Ledger
    from edcissuer.status.publish import StatusListSettings

    keys = load_demo_keys(ROOT)
    samples: list[tuple[int, float]] = []
    done = {"n": 0}

    def progress(kind: str, n: int) -> None:
        done["n"] += n
        if done["n"] % 2000 < n:
            samples.append((done["n"], rss_mb()))

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
        samples.append((0, rss_mb()))
        start = time.perf_counter()
        with Ledger.open(folder / "ledger.sqlite") as ledger:
            report = run_batch(load_programme(ROOT / "samples" / "batch" / "programme.yaml"), read_rows(rows),
                               formats=["elm", "ob3"], signer=keys.issuer, out_dir=folder / "out", ledger=ledger,
                               status_lists=settings, now=NOW, workers=workers, progress=progress)
            counts = ledger.counts()
            unique = len({(e.status_list, e.status_index) for e in ledger.entries()})
        seconds = time.perf_counter() - start
        files = sum(1 for _ in (folder / "out").glob("*.jsonld"))
    peak_main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3      # Linux: KB
    peak_workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3
    return {"records": count, "credentials": report.issued, "files": files, "refused": report.refused_rows,
            "ledger": counts, "unique_indices": unique, "seconds": seconds,
            "credentials_per_s": report.issued / seconds, "workers": workers,
            "peak_rss_main_mb": peak_main, "peak_rss_worker_mb": peak_workers, "rss_samples_mb": samples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="credentials per measurement (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="passes per measurement, best kept (default 3)")
    parser.add_argument("--batch", type=int, default=10_000, help="records in the batch run (0: skip)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    from importlib.metadata import version

    print(f"edcissuer {version('edcissuer')} vs openbadgeslib {version('openbadgeslib')} (both on pyld "
          f"{version('PyLD')}, cryptography {version('cryptography')}), Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, "
          f"{args.n} credentials x best of {args.rounds}")
    rows = bench_credentials(args.n, args.rounds)
    print(f"\n{'what':<46} {'':<6} {'ours/s':>8} {'theirs/s':>9} {'ratio':>7} {'vs JS 300/s':>11}")
    print("-" * 92)
    results = []
    for what, direction, ours, theirs in rows:
        ratio = ours / theirs if theirs else None
        js = ours / JS_REFERENCE if "eddsa" in what else None
        print(f"{what:<46} {direction:<6} {ours:>8.0f} {theirs or float('nan'):>9.0f} "
              f"{(f'{ratio:.1f}x' if ratio else '-'):>7} {(f'{js:.2f}x' if js else '-'):>11}")
        results.append({"what": what, "direction": direction, "ours_per_s": ours, "theirs_per_s": theirs,
                        "ratio": ratio, "vs_js_reference": js})
    batch = None
    if args.batch:
        print(f"\nbatch: {args.batch} records x 2 formats, SQLite ledger, status lists, {args.workers} workers ...",
              flush=True)
        batch = bench_batch(args.batch, args.workers)
        print(f"  {batch['credentials']} credentials ({batch['files']} files, {batch['unique_indices']} unique "
              f"status indices) in {batch['seconds']:.1f} s = {batch['credentials_per_s']:.0f} credentials/s")
        print(f"  peak RSS: main {batch['peak_rss_main_mb']:.0f} MB, largest worker "
              f"{batch['peak_rss_worker_mb']:.0f} MB")
        print("  main RSS along the run (credentials done: MB): "
              + ", ".join(f"{n}: {mb:.0f}" for n, mb in batch["rss_samples_mb"]))
    if args.json:
        args.json.write_text(json.dumps({"credentials": results, "batch": batch}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
