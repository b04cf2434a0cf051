#!/usr/bin/env python3
"""The JavaScript reference, measured in the same run: digitalbazaar vc 7 + eddsa-rdfc-2022 (and DCC's fork).

Run:  PYTHONPATH=src .venv/bin/python benchmarks/js_reference.py [--ob3 50] [--elm 15] [--rounds 3] [--no-dcc]

`measure_digitalbazaar(unsigned, signed, rounds=, created=, key=)` runs benchmarks/js/digitalbazaar_bench.mjs
once (JSON over stdin/stdout): Data Integrity eddsa-rdfc-2022 sign (`vc.issue`) of `unsigned` and verify
(`vc.verifyCredential`, no status check) of `signed`, timed inside node (performance.now(): a warm-up pass
over every document, then the best of `rounds` passes), with OUR key (imported into
@digitalbazaar/ed25519-multikey) and OUR `created`. Ed25519 is deterministic, so when both sides
canonicalise alike their proofValues are byte-identical: the result says, per document, whether they are
(the fairness check; a difference is reported, never hidden).

The JS document loader is offline and serves exactly edcissuer's bundled contexts (edcissuer.ld.loader),
plus did:key resolution. The packages are tests/interop's pinned ones (package.json + package-lock.json);
when @digitalbazaar/vc is missing there they are installed with `npm ci` into the npm cache .ci/run uses.
Without node or the packages, `measure_*` return None and `why_unavailable()` says why, in one line.

Running this file prints ours (proofs.data_integrity add_proof / verify_proof, and verify.verify_parsed with
every check) against the JS reference(s), OB3 and ELM documents, same run, ours measured before and after
the JS run (best kept). A benchmark, never a timed test: numbers vary with the machine and its load.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT / "tests" / "interop"
NODE_MODULES = INTEROP / "node_modules"
SCRIPT = Path(__file__).resolve().parent / "js" / "digitalbazaar_bench.mjs"
NPM_CACHE = Path.home() / ".cache" / "edcissuer-npm"
#: the packages each peer is measured with (the script also uses the PLUMBING ones)
PEERS = {
    "digitalbazaar": ("@digitalbazaar/vc", "@digitalbazaar/data-integrity",
                      "@digitalbazaar/eddsa-rdfc-2022-cryptosuite", "@digitalbazaar/ed25519-multikey"),
    "digitalcredentials": ("@digitalcredentials/vc", "@digitalcredentials/data-integrity",
                           "@digitalcredentials/eddsa-rdfc-2022-cryptosuite", "@digitalcredentials/ed25519-multikey"),
}
#: the JSON-LD processor each peer's packages resolve (reported with the figures: it does the canonicalisation)
JSONLD = {"digitalbazaar": "jsonld", "digitalcredentials": "@digitalcredentials/jsonld"}
PLUMBING = ("@digitalbazaar/did-method-key", "@digitalbazaar/did-io", "jsonld-document-loader")
#: a whole measurement (large ELM documents, several rounds) may take this long
TIMEOUT_S = 900
INSTALL_TIMEOUT_S = 900

_state: dict[str, Any] = {"prepared": None, "why": None}


def installed_version(name: str) -> str | None:
    """The version of `name` in tests/interop/node_modules (None when absent)."""
    manifest = NODE_MODULES / name / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8")).get("version"))


def pinned_versions() -> dict[str, str]:
    """name -> version, as tests/interop/package.json pins them."""
    manifest = json.loads((INTEROP / "package.json").read_text(encoding="utf-8"))
    return dict(manifest["dependencies"])


def node_version() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    return subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()


def unavailable_reason(peer: str = "digitalbazaar", *, install: bool = True) -> str | None:
    """Why `peer` cannot be measured here, in one line (None: it can).

    With `install`, a missing @digitalbazaar/vc is first installed by `npm ci` from the pinned lock file
    (once per process). Versions other than the pinned ones are a reason too: the figures must say what ran.
    """
    if shutil.which("node") is None:
        return "node is not installed"
    if install and installed_version("@digitalbazaar/vc") is None and _state["prepared"] is None:
        _state["prepared"] = _npm_ci()
    if install and _state["prepared"]:
        return str(_state["prepared"])
    pins = pinned_versions()
    wrong = [f"{name}@{pins.get(name, '?')} (found {installed_version(name) or 'nothing'})"
             for name in (*PEERS[peer], *PLUMBING) if installed_version(name) != pins.get(name)]
    if wrong:
        return (f"npm packages missing in tests/interop/node_modules: {', '.join(wrong[:2])}"
                f"{', ...' if len(wrong) > 2 else ''}; run: npm ci --prefix tests/interop")
    return None


def _npm_ci() -> str | None:
    """Install tests/interop's pinned packages; the failure in one line, or None."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (needed to install the pinned JS packages)"
    command = [npm, "ci", "--prefix", str(INTEROP), "--cache", str(NPM_CACHE), "--prefer-offline",
               "--no-audit", "--no-fund"]
    print(f"installing the JS reference: {' '.join(command)}", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return f"npm ci did not finish in {INSTALL_TIMEOUT_S} s"
    if proc.returncode != 0:
        lines = [text for ln in proc.stderr.splitlines()
                 if (text := ln.removeprefix("npm error").strip()) and "complete log" not in text]
        return f"npm ci --prefix tests/interop failed ({proc.returncode}): {' '.join(lines[:3]) or '(no output)'}"
    return None


def why_unavailable() -> str | None:
    """The one-line reason the last `measure_*` call returned None."""
    return _state["why"]  # type: ignore[no-any-return]


def bundled_contexts() -> dict[str, Any]:
    """Every context edcissuer bundles, by URL: what the JS loader serves (and nothing else)."""
    from edcissuer.ld.loader import bundled_document, known_urls

    return {url: bundled_document(url) for url in sorted(known_urls())}


def multikey_of(key: Any) -> dict[str, str]:
    """Our Ed25519 KeyPair as the JSON Multikey @digitalbazaar/ed25519-multikey `from()` takes."""
    if key.algorithm != "Ed25519":
        raise ValueError("the JS reference is measured with eddsa-rdfc-2022: an Ed25519 key is needed")
    return {"id": key.verification_method, "controller": key.did_key,
            "publicKeyMultibase": key.public_multibase, "secretKeyMultibase": key.secret_multibase()}


def measure(peer: str, unsigned: list[dict[str, Any]], signed: list[dict[str, Any]], *, rounds: int,
            created: str, key: Any, now: str | None = None) -> dict[str, Any] | None:
    """`peer`'s eddsa-rdfc-2022 sign and verify rates (see measure_digitalbazaar); None when it cannot run."""
    reason = unavailable_reason(peer)
    if reason is None:
        request = {"peer": peer, "node_modules_root": str(INTEROP), "contexts": bundled_contexts(),
                   "key": multikey_of(key), "created": created, "now": now or created, "rounds": rounds,
                   "unsigned": unsigned, "signed": signed}
        try:
            proc = subprocess.run(["node", str(SCRIPT)], input=json.dumps(request), capture_output=True,
                                  text=True, cwd=INTEROP, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            reason = f"{SCRIPT.name} did not finish in {TIMEOUT_S} s"
        else:
            if proc.returncode != 0 or not proc.stdout.strip():
                lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()] or ["(no output)"]
                error = next((ln for ln in lines if "Error" in ln), lines[-1]).strip()
                reason = f"{SCRIPT.name} ({peer}) exited {proc.returncode}: {error}"
    if reason is not None:
        _state["why"] = reason
        return None
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    theirs = out["proof_values"]
    ours = [doc.get("proof", {}).get("proofValue") for doc in signed]
    pairs = list(zip(ours, theirs))
    differing = [i for i, (a, b) in enumerate(pairs) if a != b]
    return {
        "peer": peer,
        "versions": {"node": out["node"], **{name: installed_version(name) or "?" for name in (*PEERS[peer], JSONLD[peer])}},
        "documents": len(unsigned),
        "sign_per_s": len(unsigned) / out["sign_s"] if out["sign_s"] else None,
        "verify_per_s": len(signed) / out["verify_s"] if out["verify_s"] else None,
        "proof_values": theirs,
        "verified": out["verified"],
        "errors": out["errors"],
        "compared": len(pairs),
        "same_proof_values": bool(pairs) and not differing,
        "differing": differing,
        "not_served": out["fetched"],
    }


def measure_digitalbazaar(unsigned: list[dict[str, Any]], signed: list[dict[str, Any]], *, rounds: int,
                          created: str, key: Any, now: str | None = None) -> dict[str, Any] | None:
    """digitalbazaar's vc 7 + data-integrity + eddsa-rdfc-2022: sign `unsigned`, verify `signed`, per second.

    `signed[i]` is ours of `unsigned[i]` (same `key`, same `created`): the result's `same_proof_values` is
    True when every proofValue the JS side made equals ours (`differing` lists the others), `verified` says
    per document whether it accepted ours, `errors` why not. `now` (default `created`) is the verifier's
    time. None when node or the packages are absent or the script fails: `why_unavailable()` says why.
    """
    return measure("digitalbazaar", unsigned, signed, rounds=rounds, created=created, key=key, now=now)


def measure_digitalcredentials(unsigned: list[dict[str, Any]], signed: list[dict[str, Any]], *, rounds: int,
                               created: str, key: Any, now: str | None = None) -> dict[str, Any] | None:
    """The same with DCC's fork (@digitalcredentials/vc 10 and its data-integrity / eddsa-rdfc-2022)."""
    return measure("digitalcredentials", unsigned, signed, rounds=rounds, created=created, key=key, now=now)


def fairness_line(result: dict[str, Any]) -> str:
    """One line: are the JS proofValues byte-identical to ours, and did it verify ours."""
    same = result["compared"] - len(result["differing"])
    line = f"{result['peer']}: proofValues identical to ours for {same}/{result['compared']} documents"
    if result["differing"]:
        line += f" (DIFFERENT: documents {result['differing'][:10]})"
    accepted = sum(result["verified"])
    line += f"; verified {accepted}/{len(result['verified'])} of ours"
    problems = sorted({e for e in result["errors"] if e})
    if problems:
        line += f"; errors: {problems[0][:300]}"
    if result["not_served"]:
        line += f"; asked for URLs not served: {result['not_served'][:3]}"
    return line


# --- the comparison table -------------------------------------------------------------------------------------

def _documents(n_ob3: int, n_elm: int) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """The demo issuer key, n_ob3 OB3 and n_elm ELM documents mapped from the sample cohort (as bench.py)."""
    import bench

    from edcissuer.batch import load_programme, record_data
    from edcissuer.demo import load_demo_keys
    from edcissuer.issue import map_record, with_issuer_id
    from edcissuer.models.records import parse_record

    key = load_demo_keys(ROOT).issuer
    programme = load_programme(ROOT / "samples" / "batch" / "programme.yaml")
    records = [with_issuer_id(parse_record(record_data(programme, row)), key.did_key)
               for row in bench.cohort_rows(max(n_ob3, n_elm))]
    return key, [map_record(r, "ob3") for r in records[:n_ob3]], [map_record(r, "elm") for r in records[:n_elm]]


def _ours(docs: list[dict[str, Any]], key: Any, now: datetime, rounds: int) -> dict[str, float]:
    """Our rates: add_proof, verify_proof, verify_parsed (every check), best of `rounds` (bench.rate)."""
    from bench import rate

    from edcissuer.proofs.data_integrity import add_proof, verify_proof
    from edcissuer.verify import VerifyOptions, verify_parsed

    signed = [add_proof(d, key, cryptosuite="eddsa-rdfc-2022", created=now) for d in docs]
    options = VerifyOptions(now=now)
    return {"sign": rate(lambda d: add_proof(d, key, cryptosuite="eddsa-rdfc-2022", created=now), docs, rounds),
            "verify": rate(lambda d: verify_proof(d, now=now), signed, rounds),
            "verify_parsed": rate(lambda d: verify_parsed(d, options), signed, rounds)}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ob3", type=int, default=50, help="OB3 documents (default 50)")
    parser.add_argument("--elm", type=int, default=15, help="ELM documents (default 15)")
    parser.add_argument("--rounds", type=int, default=3, help="passes per measurement, best kept (default 3)")
    parser.add_argument("--no-dcc", action="store_true", help="skip DCC's @digitalcredentials/vc row")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench import NOW

    from edcissuer.proofs.data_integrity import add_proof, format_datetime
    from edcissuer.verify import VerifyOptions, verify_parsed

    key, ob3, elm = _documents(args.ob3, args.elm)
    created = format_datetime(NOW)
    peers = ["digitalbazaar"] + ([] if args.no_dcc else ["digitalcredentials"])
    print(f"Data Integrity eddsa-rdfc-2022, demo issuer key, created {created}; best of {args.rounds} passes, "
          f"{os.cpu_count()} cores; node {node_version() or 'absent'}")
    results: dict[str, Any] = {}
    for label, docs in (("OB3", ob3), ("ELM", elm)):
        if not docs:
            continue
        size = sum(len(json.dumps(d)) for d in docs) / len(docs) / 1000
        signed = [add_proof(d, key, cryptosuite="eddsa-rdfc-2022", created=NOW) for d in docs]
        assert all(verify_parsed(d, VerifyOptions(now=NOW)).verified for d in signed[:2])
        before = _ours(docs, key, NOW, args.rounds)
        theirs = {p: measure(p, docs, signed, rounds=args.rounds, created=created, key=key) for p in peers}
        after = _ours(docs, key, NOW, args.rounds)
        ours = {k: max(before[k], after[k]) for k in before}
        results[label] = {"documents": len(docs), "kb_per_document": size, "ours_per_s": ours,
                          "theirs": {p: r or {"unavailable": why_unavailable()} for p, r in theirs.items()}}
        print(f"\n{label}: {len(docs)} documents, {size:.1f} KB each (JSON)")
        head = "".join(f" {p + '/s':>20} {'ours/them':>9}" for p in peers)
        print(f"  {'':<42} {'ours/s':>8}{head}")
        for direction, mine in (("sign (add_proof | vc.issue)", ours["sign"]),
                                ("verify (verify_proof | verifyCredential)", ours["verify"]),
                                ("verify_parsed every check | verifyCred.", ours["verify_parsed"])):
            cells = ""
            for p in peers:
                r = theirs[p]
                other = None if r is None else r["sign_per_s" if direction.startswith("sign") else "verify_per_s"]
                cells += (f" {other:>20.1f} {mine / other:>8.2f}x" if other else f" {'-':>20} {'-':>9}")
            print(f"  {direction:<42} {mine:>8.1f}{cells}")
        for p in peers:
            r = theirs[p]
            print("  " + (fairness_line(r) if r else f"{p}: not measured: {why_unavailable()}"))
    shown = {p: r["versions"] for label in results for p, r in results[label]["theirs"].items() if "versions" in r}
    for p, versions in shown.items():
        print(f"\n{p}: " + ", ".join(f"{name} {v}" for name, v in versions.items()))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
