"""A persistent cache for the one Fetcher: one file per URL in a private folder.

Why on disk: a verifier that opted in to remote lookups should not ask the same status
list or DID document again for every batch, and an air-gapped verifier wants to answer
from what it fetched earlier (`Fetcher(cache_only=True)`). Why private: whoever can write
the folder decides what this verifier believes about keys and revocations, so the folder
is created 0700, a folder others may write is refused, and files are written 0600
(atomically, never through a symlink).

Freshness: an entry lives for the server's `Cache-Control: max-age` (capped at
`max_age_cap`, one day by default: a status list cached for a year would hide a
revocation), `default_max_age` when the server says nothing, not at all with `no-store`,
and zero seconds with `no-cache`. A stale entry is marked so (`Cached.stale`): a networked
Fetcher fetches it again, a cache-only one serves it and records that it was stale.

An entry records the URL that served its body when redirects led elsewhere (`served_by`):
the Fetcher serves it only when the current allow-list admits that URL as well, so an
earlier run's wider allow-list cannot feed this run another host's content.

The cache never reads the clock itself (library rule): the caller passes `clock`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from .errors import InputError
from .fetch import Cached
from .time import iso_z, parse_xsd_datetime

DEFAULT_MAX_AGE = 3600
MAX_AGE_CAP = 86_400
#: an entry file larger than this is ignored (bodies are capped by the Fetcher at a few MB)
MAX_ENTRY_BYTES = 16 * 1024 * 1024
_MAX_AGE = re.compile(r"^max-age\s*=\s*\"?([0-9]{1,10})\"?$")


def cache_key(url: str) -> str:
    """The entry's file name: SHA-256 of the URL, so no URL ever becomes a path."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json"


def max_age_of(cache_control: str | None, *, default: int = DEFAULT_MAX_AGE, cap: int = MAX_AGE_CAP) -> int | None:
    """Seconds an entry stays fresh; None when it must not be stored (no-store)."""
    if not cache_control:
        return min(default, cap)
    age: int | None = None
    for token in (t.strip().lower() for t in cache_control.split(",")):
        if token == "no-store":
            return None
        if token == "no-cache":
            return 0
        m = _MAX_AGE.match(token)
        if m and age is None:
            age = int(m.group(1))
    return min(default if age is None else age, cap)


class DiskCache:
    """A `FetchCache` in a private folder; see the module docstring."""

    shared = True   # the Fetcher consults it only for allow-listed URLs

    def __init__(self, folder: Path | str, *, clock: Callable[[], datetime],
                 default_max_age: int = DEFAULT_MAX_AGE, max_age_cap: int = MAX_AGE_CAP) -> None:
        if default_max_age < 0 or max_age_cap < 0:
            raise InputError("cache max-ages must not be negative", field="fetch_cache")
        self.folder = Path(folder)
        self._clock = clock
        self._default = default_max_age
        self._cap = max_age_cap
        self._prepare()

    def _prepare(self) -> None:
        where = str(self.folder)
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(mode=0o700, parents=True)
            info = self.folder.lstat()
        except FileExistsError:
            raise InputError(f"fetch cache {where} is not a folder", field="fetch_cache", value=where) from None
        except OSError as exc:
            raise InputError(f"fetch cache {where}: cannot create the folder: {exc.strerror}",
                             field="fetch_cache", value=where) from exc
        if not stat.S_ISDIR(info.st_mode):
            raise InputError(f"fetch cache {where} is not a folder (or is a symlink)", field="fetch_cache",
                             value=where)
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise InputError(f"fetch cache {where} belongs to another user: refusing a cache someone else "
                             f"controls", field="fetch_cache", value=where)
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise InputError(f"fetch cache {where} is writable by others (mode {stat.S_IMODE(info.st_mode):o}): "
                             f"anyone who can write it decides which keys and revocations this verifier "
                             f"believes; chmod 700 it", field="fetch_cache", value=where)

    def _now(self) -> datetime:
        return self._clock().astimezone(timezone.utc)

    def get(self, url: str) -> Cached | None:
        """The entry for `url`, marked stale when past its max-age; None when absent or unreadable."""
        path = self.folder / cache_key(url)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as fh:
                raw = fh.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        if len(raw) > MAX_ENTRY_BYTES:
            return None
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict) or entry.get("url") != url:   # not this URL's entry
                return None
            body = base64.b64decode(entry["body"], validate=True)
            stored = parse_xsd_datetime(entry["stored"])
            max_age = int(entry["max_age"])
            content_type = entry.get("content_type")
            served_by = entry["served_by"]
        except (ValueError, KeyError, TypeError, binascii.Error, RecursionError):
            return None   # an entry without served_by predates it: it cannot say whose body it holds
        if stored is None or not all(isinstance(v, (str, type(None))) for v in (content_type, served_by)):
            return None
        age = (self._now() - stored).total_seconds()
        return Cached(body, content_type, entry.get("cache_control") if isinstance(entry.get("cache_control"), str)
                      else None, stale=age > max_age or age < 0, stored_at=entry["stored"], served_by=served_by)

    def put(self, url: str, item: Cached) -> None:
        """Store `item` (0600, atomically) unless the server said no-store; a write failure only costs a miss."""
        max_age = max_age_of(item.cache_control, default=self._default, cap=self._cap)
        if max_age is None:
            return
        entry = {"url": url, "stored": iso_z(self._now()), "max_age": max_age, "content_type": item.content_type,
                 "cache_control": item.cache_control, "served_by": item.served_by, "body": base64.b64encode(item.body).decode("ascii")}
        final = self.folder / cache_key(url)
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(tmp, flags, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh)
            os.replace(tmp, final)
        except OSError:
            # best effort: the document was fetched and is used; only the next run misses it
            tmp.unlink(missing_ok=True)
