"""Print the interop matrix into docs/interop.md: `python tests/interop/matrix.py [file]`.

Runs the interop suite with EDCISSUER_INTEROP_MATRIX set; its conftest then writes one
markdown table per direction (peer x case -> pass / FAIL / xfail) and the peer versions
between the markers below, leaving the rest of the file as written.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BEGIN, END = "<!-- interop-matrix:begin -->", "<!-- interop-matrix:end -->"


def _is_jwt(row: str) -> bool:
    return "jwt" in row or "jose" in row


def _table(title: str, got: dict[tuple[str, str], str], rows: list[str]) -> list[str]:
    columns = list(dict.fromkeys(c for r, c in got if r in rows))
    out = [f"### {title}", "", "| case | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    out += ["| " + row + " | " + " | ".join(got.get((row, c), "—") for c in columns) + " |" for row in rows]
    return [*out, ""]


def render(tables: dict[str, str], cells: dict[str, dict[tuple[str, str], str]]) -> str:
    from datetime import datetime, timezone

    from .peers import peer_versions

    out = [f"Run of {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. `pass`: the test passed (in the tampered "
           "and revoked rows: the peer refused the credential); `xfail`: a peer limitation listed above, "
           "refused with that evidence; `—`: the peer does not take that format.", ""]
    for table in tables.values():
        got = cells.get(table)
        if not got:
            continue
        rows = list(dict.fromkeys(r for r, _ in got))
        families = [[r for r in rows if not _is_jwt(r)], [r for r in rows if _is_jwt(r)]]
        if table.startswith("theirs") or not all(families):
            out += _table(table, got, rows)
        else:
            out += _table(f"{table} (Data Integrity)", got, families[0])
            out += _table(f"{table} (JWT)", got, families[1])
    out += ["### peer versions (tests/interop/package-lock.json)", "", "| package | version |", "|---|---|"]
    out += [f"| {name} | {version} |" for name, version in peer_versions().items()]
    out += [f"| openbadgeslib (PyPI) | {_dist_version()} |", ""]
    return "\n".join(out)


def _dist_version() -> str:
    from importlib.metadata import version

    return version("openbadgeslib")


def write_matrix(path: Path, tables: dict[str, str], cells: dict[str, dict[tuple[str, str], str]]) -> None:
    text = path.read_text() if path.exists() else f"# Interop\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{render(tables, cells)}{END}{tail}")


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[2]
    target = Path(argv[0]) if argv else root / "docs" / "interop.md"
    env = {**os.environ, "EDCISSUER_INTEROP_MATRIX": str(target.resolve()), "EDCISSUER_REQUIRE_INTEROP": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests" / "interop")]
    print(f"writing the interop matrix into {target}", flush=True)
    return subprocess.run(cmd, cwd=root, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
