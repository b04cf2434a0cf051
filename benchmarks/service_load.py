#!/usr/bin/env python3
"""`edcissuer serve` under a bounded loopback load, next to the library's in-process rate, same run.

Run:  .venv/bin/python benchmarks/service_load.py            # --workers 2 --clients 32
      .venv/bin/python benchmarks/service_load.py --json /tmp/load.json

What is measured (docs/benchmarks.md, "Service over HTTP (loopback)"):
  * a DEMO-ONLY deployment (write_demo_deployment: demo keys, SQLite ledger, samples it issued)
    served by `edcissuer serve --workers N` as a subprocess, exactly as an admin starts it;
  * --clients threads, each with one persistent keep-alive connection (http.client), share a
    fixed number of requests: POST /credentials/verify of a deployment-issued OB3 credential
    (eddsa-rdfc-2022) and of an ELM one (JAdES), then POST /credentials/issue of distinct records;
    requests/s over the phase, p50/p99 latency per request, errors (any other status, a verify
    that is not `verified: true`, an issue that is not new, a dropped connection);
  * the same work in-process (`Service.verify` / `Service.issue` in a loop), in one process and
    in N processes at once (the parallelism of N workers), and the ratio HTTP / in-process;
  * each worker's CPU seconds during each phase (how evenly uvicorn spread the connections).
The load generator shares the machine with the server: its own CPU is part of the picture.
This is a benchmark, never a timed test: numbers vary with the machine.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET_RATIO = 0.80          # HTTP verify throughput vs in-process, same parallelism
TARGET_P99_MS = 100.0        # at --clients concurrent clients


# --- records and the deployment ------------------------------------------------------------------

def distinct_records(n: int, tag: str) -> list[dict[str, Any]]:
    """n records of one programme, differing in the learner only (so n new ledger rows)."""
    from edcissuer.models.records import load_record

    base = load_record(ROOT / "samples" / "records" / "model1-single.yaml").model_dump(mode="json", exclude_none=True)
    out = []
    for i in range(n):
        record = json.loads(json.dumps(base))
        record["learner"].pop("id", None)
        record["learner"].update(given_name=f"Ana{tag}{i}", family_name=f"Ferreira-{tag}-{i}",
                                 email=f"learner-{tag}-{i}@example.org", student_id=f"UC-{tag}-{100000 + i}")
        record["identifier"] = f"UL-MC-{tag}-{100000 + i}"
        out.append(record)
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def deployment(folder: Path, port: int) -> Any:
    from edcissuer.demo.deployment import write_demo_deployment

    return write_demo_deployment(folder, public_url=f"http://127.0.0.1:{port}", root=ROOT)


def service_for(config: Path, url: str) -> Any:
    from edcissuer.config import load_config
    from edcissuer.service.core import Service
    from edcissuer.service.settings import from_config

    return Service(from_config(load_config(config), public_url=url))


# --- in-process rates ------------------------------------------------------------------------------

Span = tuple[float, float, float, int, int]


def _verify_loop(config: str, url: str, document: str, seconds: float, barrier: Any) -> Span:
    """One process: warm up, wait for the others, verify for `seconds`; (start, end, CPU s, done, failures)."""
    service = service_for(Path(config), url)
    for _ in range(3):
        service.verify(json.loads(document))
    barrier.wait()
    done = failed = 0
    start, cpu = time.monotonic(), time.process_time()
    while time.monotonic() - start < seconds:
        failed += not all(r.verified for r in service.verify(json.loads(document)))
        done += 1
    return start, time.monotonic(), time.process_time() - cpu, done, failed


def _issue_loop(config: str, url: str, tag: str, seconds: float, barrier: Any) -> Span:
    """One process: issue distinct records for `seconds` (each must be new in the ledger)."""
    from edcissuer.service.settings import Client

    service = service_for(Path(config), url)
    client = Client("bench", "0" * 64, frozenset({"issue"}))
    records = distinct_records(int(seconds * 200) + 1, tag)
    service.issue(records.pop(), fmt="ob3", client=client)
    barrier.wait()
    done = failed = 0
    start, cpu = time.monotonic(), time.process_time()
    while time.monotonic() - start < seconds and records:
        failed += not service.issue(records.pop(), fmt="ob3", client=client).recorded.created
        done += 1
    return start, time.monotonic(), time.process_time() - cpu, done, failed


def in_process(kind: str, config: Path, url: str, payload: str, seconds: float, processes: int) -> tuple[float, float]:
    """(operations per second, CPU ms per operation) of `processes` processes at once for `seconds`
    (spawned, like uvicorn's workers)."""
    ctx = multiprocessing.get_context("spawn")
    loop = _verify_loop if kind == "verify" else _issue_loop
    with ctx.Manager() as manager:
        barrier = manager.Barrier(processes)
        with ctx.Pool(processes) as pool:
            jobs = [pool.apply_async(loop, (str(config), url, payload if kind == "verify" else f"{payload}p{i}",
                                            seconds, barrier)) for i in range(processes)]
            spans = [j.get(timeout=900) for j in jobs]
    if any(s[4] for s in spans):
        raise SystemExit(f"in-process {kind} failed {sum(s[4] for s in spans)} times: the comparison is void")
    done = sum(s[3] for s in spans)
    return done / (max(s[1] for s in spans) - min(s[0] for s in spans)), 1000 * sum(s[2] for s in spans) / done


# --- the HTTP load ------------------------------------------------------------------------------------

@dataclass
class Phase:
    what: str
    requests: int
    clients: int
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    worker_cpu_s: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0                  # the load generator's own CPU (it shares the machine)
    in_process_1: float | None = None
    in_process_n: float | None = None
    lib_cpu_ms: float | None = None            # CPU per operation in-process (robust to other load)

    @property
    def ratio(self) -> float | None:
        return self.rps / self.in_process_n if self.in_process_n else None

    @property
    def http_cpu_ms(self) -> float:
        """Worker CPU per request: the library's work plus the HTTP, JSON and ASGI layers."""
        return 1000 * sum(self.worker_cpu_s) / self.requests

    @property
    def cpu_ratio(self) -> float | None:
        """In-process CPU per operation / HTTP CPU per request: the share of a worker's CPU that is the library."""
        return self.lib_cpu_ms / self.http_cpu_ms if self.lib_cpu_ms and self.http_cpu_ms else None


def worker_pids(parent: int) -> list[int]:
    """The uvicorn worker processes under `parent` (their PPid in /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{parent}\n" in status and b"resource_tracker" not in (entry / "cmdline").read_bytes():
                out.append(int(entry.name))
    return sorted(out) or [parent]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(port: int, what: str, path: str, bodies: list[bytes], count: int, clients: int,
             ok: Callable[[int, bytes], bool], pids: list[int], token: str | None = None,
             method: str = "POST") -> Phase:
    """`count` requests from `clients` threads on keep-alive connections; latency of each one."""
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    errors: list[str] = []
    barrier = threading.Barrier(clients + 1)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine: list[float] = []
        barrier.wait()
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= count:
                break
            started = time.perf_counter()
            try:
                conn.request(method, path, bodies[i % len(bodies)] if bodies else None, headers)
                response = conn.getresponse()
                data = response.read()
                good = ok(response.status, data)
                if not good:
                    with lock:
                        errors.append(f"{response.status} {data[:160]!r}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    cpu_before = [cpu_seconds(p) for p in pids]
    client_before = time.process_time()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    cpu = [cpu_seconds(p) - b for p, b in zip(pids, cpu_before)]
    client_cpu = time.process_time() - client_before
    ordered = sorted(latencies)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return Phase(what, count, clients, seconds, count / seconds, q[49] * 1000, q[98] * 1000, ordered[-1] * 1000,
                 len(errors), errors[:5], [round(c, 2) for c in cpu], round(client_cpu, 2))


def verified(status: int, data: bytes) -> bool:
    return status == 200 and data.startswith(b'{"verified":true')


def issued_new(status: int, data: bytes) -> bool:
    return status == 201 and json.loads(data).get("new") is True


def start_server(config: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("EDCISSUER_CONFIG", None)
    cmd = [sys.executable, "-m", "edcissuer", "--config", str(config), "serve", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning"]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=config.parent)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"edcissuer serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                # every worker answers /health before the load starts (each builds its Service at start)
                if len(worker_pids(process.pid)) >= workers or workers == 1:
                    return process
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"edcissuer serve did not answer /health:\n{log.read_text()}")


# --- the run ---------------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")
    from importlib.metadata import version

    loop = "uvloop" if _installed("uvloop") else "asyncio"
    http_impl = "httptools" if _installed("httptools") else "h11"
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "uvicorn": version("uvicorn"), "fastapi": version("fastapi"), "loop": loop, "http": http_impl}


def _installed(name: str) -> bool:
    from importlib.util import find_spec

    return find_spec(name) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers = in-process processes (default 2)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--verify", type=int, default=2000, help="OB3 verify requests (default 2000)")
    parser.add_argument("--elm", type=int, default=1000, help="ELM JAdES verify requests (default 1000)")
    parser.add_argument("--issue", type=int, default=500, help="issue requests, distinct records (default 500)")
    parser.add_argument("--lib-seconds", type=float, default=4.0,
                        help="seconds of each in-process measurement (default 4)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per measurement, best kept (default 2)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    info = machine()
    print(f"edcissuer serve --workers {args.workers}, {args.clients} clients (keep-alive), loopback; "
          f"{info['nproc']} x {info['cpu']}, Python {info['python']}, uvicorn {info['uvicorn']} "
          f"({info['loop']}, {info['http']}); load average {os.getloadavg()[0]:.1f}", flush=True)
    phases: list[Phase] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="edcissuer-load-") as tmp:
        port = free_port()
        demo = deployment(Path(tmp) / "deployment", port)
        url = demo.public_url
        ob3 = next(p for p in demo.samples if p.name == "model1-single.ob3.jsonld").read_text(encoding="utf-8")
        elm = next(p for p in demo.samples if p.name == "model1-single.elm.jades.json").read_text(encoding="utf-8")
        body_ob3 = json.dumps({"verifiableCredential": json.loads(ob3)}).encode()
        body_elm = json.dumps({"verifiableCredential": json.loads(elm)}).encode()
        issue_records = distinct_records(args.rounds * args.issue + args.clients * 2, "http")
        issue_bodies = [json.dumps({"record": r, "options": {"format": "ob3"}}).encode() for r in issue_records]
        print(f"starting edcissuer serve --workers {args.workers} ...", flush=True)
        process = start_server(demo.config, port, args.workers, Path(tmp) / "server.log")
        try:
            pids = worker_pids(process.pid)
            warm = args.clients * 2
            run_load(port, "warm-up", "/credentials/verify", [body_ob3, body_elm], warm, args.clients, verified, pids)
            run_load(port, "warm-up", "/credentials/issue", issue_bodies[-warm:], warm, args.clients, issued_new,
                     pids, demo.token)
            plan = (("verify OB3 (eddsa-rdfc-2022)", "/credentials/verify", "verify", ob3, args.verify, verified, None),
                    ("verify ELM (JAdES)", "/credentials/verify", "verify", elm, args.elm, verified, None),
                    ("issue OB3 (distinct records)", "/credentials/issue", "issue", "lib", args.issue, issued_new,
                     demo.token))
            for what, path, kind, payload, count, ok, token in plan:
                if count <= 0:
                    continue
                rounds: list[Phase] = []
                # the library and HTTP back to back, best of --rounds: a shared machine's other load
                # then touches both sides of the ratio alike
                for round_no in range(args.rounds):
                    print(f"  {what}, round {round_no + 1}: in-process, then {count} requests ...", flush=True)
                    tag = f"{payload}{round_no}"
                    one = in_process(kind, demo.config, url, tag + "a" if kind == "issue" else payload,
                                     args.lib_seconds, 1)
                    many = in_process(kind, demo.config, url, tag + "b" if kind == "issue" else payload,
                                      args.lib_seconds, args.workers)
                    if kind == "issue":
                        bodies = issue_bodies[round_no * count:(round_no + 1) * count]
                    else:
                        bodies = [body_ob3 if payload is ob3 else body_elm]
                    phase = run_load(port, what, path, bodies, count, args.clients, ok, pids, token)
                    phase.in_process_1, phase.in_process_n = one[0], many[0]
                    phase.lib_cpu_ms = min(one[1], many[1])
                    rounds.append(phase)
                best = max(rounds, key=lambda r: r.rps)
                best.in_process_1 = max(r.in_process_1 or 0 for r in rounds)
                best.in_process_n = max(r.in_process_n or 0 for r in rounds)
                best.lib_cpu_ms = min(r.lib_cpu_ms or 0 for r in rounds)
                best.worker_cpu_s = min((r.worker_cpu_s for r in rounds), key=sum)
                best.errors = sum(r.errors for r in rounds)
                best.error_samples = [e for r in rounds for e in r.error_samples][:5]
                phases.append(best)
        finally:
            process.terminate()
            process.wait(timeout=30)
    n = args.workers
    print(f"\n{'what':<30} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'lib 1p/s':>8} "
          f"{f'lib {n}p/s':>8} {'HTTP/lib':>8} {'CPU ms lib':>10} {'CPU ms HTTP':>11} {'lib/HTTP':>8}")
    print("-" * 119)
    for p in phases:
        print(f"{p.what:<30} {p.requests:>8} {p.rps:>6.0f} {p.p50_ms:>7.1f} {p.p99_ms:>7.1f} {p.errors:>6} "
              f"{p.in_process_1 or 0:>8.0f} {p.in_process_n or 0:>8.0f} {(f'{p.ratio:.0%}' if p.ratio else '-'):>8} "
              f"{p.lib_cpu_ms or 0:>10.1f} {p.http_cpu_ms:>11.1f} {(f'{p.cpu_ratio:.0%}' if p.cpu_ratio else '-'):>8}")
        for sample in p.error_samples:
            print(f"    error: {sample}")
    print("\nCPU s per phase, workers | load generator: " + "; ".join(
        f"{p.what.split(' (')[0]}: {', '.join(map(str, p.worker_cpu_s))} | {p.client_cpu_s}" for p in phases))
    print(f"closed loop: mean latency = clients / throughput (Little), e.g. {args.clients} / "
          + ", ".join(f"{p.rps:.0f} = {1000 * args.clients / p.rps:.0f} ms" for p in phases))
    verify = [p for p in phases if p.what.startswith("verify")]
    if verify:
        ratio_ok = all((p.ratio or 0) >= TARGET_RATIO for p in verify)
        p99_ok = all(p.p99_ms < TARGET_P99_MS for p in verify)
        print(f"\ntargets: HTTP verify >= {TARGET_RATIO:.0%} of in-process ({n} processes): "
              f"{'met' if ratio_ok else 'MISSED'}; p99 < {TARGET_P99_MS:.0f} ms at {args.clients} clients: "
              f"{'met' if p99_ok else 'MISSED'}; errors: {sum(p.errors for p in phases)}")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "workers": n, "load_average_before": load_before,
                                         "clients": args.clients,
                                         "phases": [{**asdict(p), "ratio": p.ratio, "http_cpu_ms": p.http_cpu_ms,
                                                     "cpu_ratio": p.cpu_ratio} for p in phases]}, indent=2))
    return 1 if any(p.errors for p in phases) else 0


if __name__ == "__main__":
    sys.exit(main())
