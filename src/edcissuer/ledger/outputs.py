"""Output files a ledger entry points at: written atomically, identified by SHA-256.

Why: the ledger marks an entry issued only after its file is in place. Writing to a
temporary name and renaming means a crash leaves either the old file or the new one,
never half of one, so a resumed batch can trust any file whose hash the ledger holds.
Credentials hold personal data, so files are 0600 and the folders we create 0700
(`private_dir`); only what is public by design (status lists) asks for a wider mode.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import LedgerError


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700; an existing folder is left as its owner set it."""
    try:
        if not path.is_dir():
            path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
            os.chmod(path, PRIVATE_DIR)    # mkdir's mode is filtered by the umask
    except OSError as exc:
        raise LedgerError(f"cannot create folder {path}: {exc.strerror}", field=str(path)) from exc
    return path


def write_atomic(path: Path, data: bytes, *, durable: bool = False, mode: int = PRIVATE_FILE) -> str:
    """Write `data` to `path` via a temporary file + rename; return its SHA-256 (hex).

    The file gets `mode` (default 0600: owner only) and a missing folder is created 0700.
    `durable` also fsyncs the file and its folder (survives power loss, costs a disk
    flush per file); a killed process is covered either way.
    """
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
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
