"""The one bounded reader for every file a user hands us (records, CSVs, credentials, policies).

Why: `stat().st_size` followed by an unbounded `read()` let `/dev/zero` exhaust memory and
a FIFO block forever. Here a file is opened non-blocking, must be a regular file, and at
most `max_bytes + 1` bytes are read, so oversize is known without reading it all.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError

DEFAULT_MAX_BYTES = 5_000_000
#: the one name a local folder's index file has: the document a folder URL (ending in '/')
#: maps to in a controller-document mirror, and a status folder's URL -> file map
INDEX_FILE = "index.json"


def read_input(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file, refusing special files and anything over `max_bytes`."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", field=str(p)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{what} is not a regular file (a device, pipe, socket or folder)", field=str(p))
        if info.st_size > max_bytes:
            raise InputError(f"{what} is {info.st_size} bytes, over the {max_bytes}-byte limit", field=str(p))
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", field=str(p)) from exc
    finally:
        os.close(fd)
    if total > max_bytes:
        raise InputError(f"{what} is over the {max_bytes}-byte limit", field=str(p))
    return b"".join(chunks)


def read_text_input(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
                    what: str = "file") -> str:
    """`read_input` decoded as UTF-8 (a BOM is dropped); a named error for other encodings."""
    data = read_input(path, max_bytes=max_bytes, what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}); save it as UTF-8",
                         field=str(path)) from exc
