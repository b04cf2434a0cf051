"""Output files a ledger entry points at: written atomically, identified by SHA-256.

Why: the ledger marks an entry issued only after its file is in place. Writing to a
temporary name and renaming means a crash leaves either the old file or the new one,
never half of one, so a resumed batch can trust any file whose hash the ledger holds.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import LedgerError


def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> str:
    """Write `data` to `path` via a temporary file + rename; return its SHA-256 (hex).

    `durable` also fsyncs the file and its folder (survives power loss, costs a disk
    flush per file); a killed process is covered either way.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        if durable:
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise LedgerError(f"cannot write {path}: {exc.strerror}", field=str(path)) from exc
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file, or None when it is missing or unreadable."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
