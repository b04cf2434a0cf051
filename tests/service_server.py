"""A real `edcissuer serve` on loopback for the service tests: a subprocess, a free port, a health wait.

Why a subprocess and not an in-process test client: what registrars and browsers talk to is
uvicorn's HTTP, with its own parsing, limits and workers; the tests talk to the same thing.
`demo_folder()` writes a DEMO-ONLY deployment (write_demo_deployment) whose profile a test
may extend with `extend_profile` (more clients, other limits, allowed hosts).
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                raw: bytes | None = None, headers: dict[str, str] | None = None,
                timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request; returns (status, headers lower-cased, body) for any status."""
        data = raw if raw is not None else (json.dumps(body, default=str).encode() if body is not None else None)
        h = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        status, _, data = self.request(method, path, body, **kw)
        return status, json.loads(data) if data else None

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def demo_folder(folder: Path, port: int, *, samples: bool = True) -> Any:
    """A DEMO-ONLY deployment for http://127.0.0.1:PORT in `folder` (the library's own writer)."""
    sys.path.insert(0, str(ROOT / "src"))
    from edcissuer.demo.deployment import write_demo_deployment

    return write_demo_deployment(folder, public_url=f"http://127.0.0.1:{port}", root=ROOT, samples=samples)


def extend_profile(config: Path, text: str) -> None:
    """Append TOML (new tables, or keys for [service] via `service_keys`) to a deployment's profile."""
    with config.open("a", encoding="utf-8") as f:
        f.write("\n" + text + "\n")


def set_service_keys(config: Path, **values: Any) -> None:
    """Set scalar keys of the [service] table (inserted right after its header)."""
    text = config.read_text(encoding="utf-8")
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    text = re.sub(r"^\[service\]\n", "[service]\n" + lines, text, count=1, flags=re.M)
    config.write_text(text, encoding="utf-8")


@contextmanager
def running(config: Path, port: int, *, workers: int = 1, env: dict[str, str] | None = None,
            extra: list[str] | None = None, startup: float = 60) -> Iterator[Server]:
    """`edcissuer serve --config CONFIG --port PORT` until the block ends; fails with its log if it dies."""
    log = config.parent / f"server-{port}.log"
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    environment.pop("EDCISSUER_CONFIG", None)
    cmd = [sys.executable, "-m", "edcissuer", "--config", str(config), "serve", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning", *(extra or [])]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=environment, cwd=config.parent)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + startup
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"edcissuer serve exited with {process.returncode}:\n{server.logs()}")
            try:
                if server.request("GET", "/health", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"edcissuer serve did not answer /health in {startup} s:\n{server.logs()}")
            time.sleep(0.2)
        yield server
    finally:
        stop(process, 15)


def stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Terminate, then kill what does not exit within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
