"""Running the peer drivers (tests/interop/js/*.mjs): availability, one node process per batch.

A driver reads {"documents": {url: file}, "jobs": [...]} on stdin and prints
{"results": [{"id", "ok", "error"?, ...}], "fetched": [...]} on stdout. Documents are written
to files first, so the peer reads exactly the bytes we publish (status lists, DID documents).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JS = HERE / "js"
NODE_MODULES = HERE / "node_modules"
REQUIRE_ENV = "EDCISSUER_REQUIRE_INTEROP"
#: a batch of jobs may take this long before the peer is declared hung
TIMEOUT_S = 240


def declared_packages() -> dict[str, str]:
    """The npm packages package.json pins (name -> version)."""
    manifest = json.loads((HERE / "package.json").read_text())
    return dict(manifest["dependencies"])


def installed_version(name: str) -> str | None:
    path = NODE_MODULES / name / "package.json"
    if not path.is_file():
        return None
    return str(json.loads(path.read_text()).get("version"))


def unavailable_reason() -> str | None:
    """Why the peers cannot run here (None when node and every pinned package are present)."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed"
    wrong = [f"{name}@{want} (found {installed_version(name) or 'nothing'})"
             for name, want in declared_packages().items() if installed_version(name) != want]
    if wrong:
        return (f"npm packages missing in tests/interop/node_modules ({', '.join(wrong[:3])}"
                f"{', ...' if len(wrong) > 3 else ''}); run: npm ci --prefix tests/interop")
    return None


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") == "1"


def peer_versions() -> dict[str, str]:
    versions = {name: installed_version(name) or "?" for name in declared_packages()}
    node = shutil.which("node")
    versions["node"] = (subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
                        if node else "?")
    return versions


class DriverError(RuntimeError):
    """The driver process itself failed (not a credential refused)."""


def run_driver(driver: str, jobs: list[dict[str, Any]],
               documents: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Run `js/<driver>.mjs` once over all `jobs`; the results by job id."""
    if not jobs:
        return {}
    with tempfile.TemporaryDirectory(prefix="edcissuer-interop-") as tmp:
        files: dict[str, str] = {}
        for n, (url, doc) in enumerate((documents or {}).items()):
            path = Path(tmp) / f"doc{n}.json"
            path.write_text(json.dumps(doc))
            files[url] = str(path)
        request = json.dumps({"documents": files, "jobs": jobs})
        proc = subprocess.run(["node", str(JS / f"{driver}.mjs")], input=request, capture_output=True,
                              text=True, cwd=HERE, timeout=TIMEOUT_S, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise DriverError(f"{driver}.mjs exited {proc.returncode}: {proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {r["id"]: r for r in out["results"]}
