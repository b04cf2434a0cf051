"""The append-only audit log of issue and status calls: who, when, which credential id.

Why a hash chain in a JSON-lines file: an auditor must be able to tell that no line was
removed or changed after the fact. Each line holds the SHA-256 of the previous line, so
`verify_chain` finds any edit, deletion or reordering; the file is opened O_APPEND and
created 0600. It names the calling client and the credential id only: no record content,
no learner data (the ledger keeps what a credential is about, pseudonymised).

Several processes on one machine append to one file under an advisory lock (flock), so
their lines never interleave and the chain stays whole. Instances on several machines keep
one log each (name them by host with `service.audit_log`).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _last_hash(fd: int) -> str:
    """SHA-256 of the last line of the open file (GENESIS when empty)."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return GENESIS
    block = min(size, 64 * 1024)
    os.lseek(fd, size - block, os.SEEK_SET)
    tail = os.read(fd, block).rstrip(b"\n")
    last = tail.rsplit(b"\n", 1)[-1]
    return hashlib.sha256(last).hexdigest()


class AuditLog:
    """Append-only, hash-chained JSON lines; one `append` per protected call that changed something."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.close(fd)

    def append(self, action: str, client: str, credential_id: str, **details: Any) -> dict[str, Any]:
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            entry = {"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "action": action,
                     "client": client, "credentialId": credential_id, **details, "prev": _last_hash(fd)}
            os.write(fd, json.dumps(entry, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)      # closing releases the lock
        return entry


def verify_chain(path: Path) -> tuple[bool, str]:
    """Whether every line links to the one before it; the reason names the first broken line."""
    previous = GENESIS
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            return False, f"line {number} is not JSON"
        if not isinstance(entry, dict) or entry.get("prev") != previous:
            return False, f"line {number} does not follow line {number - 1} (removed, changed or reordered)"
        previous = hashlib.sha256(line).hexdigest()
    return True, "the chain is whole"
