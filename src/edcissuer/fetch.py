"""The one way this library reads anything remote: `Fetcher`.

Why one: JSON-LD contexts, did:web documents, controller documents, status lists and
(later) EU trusted lists all come from URLs a *credential* names, so whoever writes the
credential chooses where the verifier connects. Three fetchers with three allow-list
rules meant three ways to get that wrong (a bare `startswith` let `https://a.example.evil`
through an allow-list of `https://a.example`). Here there is one rule, one size cap, one
redirect policy and one error type.

Policy, in order:
- offline by default: a `Fetcher()` with an empty allow-list connects nowhere;
- a URL is parsed strictly (ASCII only, no userinfo, no fragment, no dot segments) and
  compared with the allow-list by origin (scheme, lower-cased host, normalised port) and
  optionally a path prefix on whole segments;
- https only; http only for loopback hosts when built with `allow_loopback_http=True`;
- a host *name* must resolve to public addresses only (no loopback, private, link-local,
  ...: an allowed name whose DNS points inside is SSRF / DNS rebinding), and the connection
  goes to the address that was checked; an IP literal the allow-list names itself is the
  operator's choice and is connected to as written (loopback names only with the test flag);
- a redirect is followed only when its target passes the same rule, at most 3 times;
- bodies are capped (never more than cap+1 bytes are read), never decompressed
  (`Accept-Encoding: identity`, an encoded body is refused), bounded in total time;
- JSON callers get a Content-Type check and a named error for malformed JSON.

The allow-list governs the *network*. The cache (in memory by default; anything with
`get`/`put`, e.g. `fetch_cache.DiskCache`) serves what it holds: documents fetched earlier
under the same policy, or documents the caller preloaded. A cache shared between runs
(`shared = True`, the disk cache) answers only for URLs the current allow-list admits:
what an earlier run fetched under another policy is not this run's to trust. An entry the
cache marks stale is fetched again, except in cache-only mode, which never connects and
refuses a miss by name (`FetchNotCached`). `Fetcher.records` says what was read and how
(network, cache, refused), so a report can show every remote lookup.
"""
from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote, urljoin, urlsplit

from .errors import InputError

DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_TIMEOUT = 10.0
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PORT = re.compile(r"^[0-9]{1,5}$")
_CHUNK = 64 * 1024
#: records kept per Fetcher (a long batch repeats the same lookups; memory stays bounded)
MAX_RECORDS = 10_000


class FetchError(InputError):
    """A remote document could not be read; `field` is the URL."""


class FetchNotAllowed(FetchError):
    """The policy refuses the URL (offline, not allow-listed, http, redirect elsewhere, not cached)."""


class FetchNotCached(FetchNotAllowed):
    """Cache-only mode and the document is not in the cache (a miss is refused, never fetched)."""


class FetchTimeout(FetchError):
    """The server did not answer (or finish answering) within the fetcher's timeout."""


class FetchTooLarge(FetchError):
    """The body is larger than the cap; it was not read past cap+1 bytes."""


class FetchBadContent(FetchError):
    """The body is not what the caller asked for (Content-Type, content encoding, malformed JSON)."""


# --- URLs and the allow-list --------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A parsed, normalised URL: what the allow-list compares."""

    scheme: str
    host: str          # lower-case; IPv6 without brackets
    port: int          # always explicit (443 for https, 80 for http when absent)
    path: str          # as given (percent-encoding kept), "/" when empty
    query: str

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if _DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}"

    @property
    def request_target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_url(url: str, *, field: str | None = None) -> Target:
    """`url` as a Target, or FetchNotAllowed naming what is refused in it.

    Strict on purpose: URL parsers disagree about backslashes, userinfo, non-ASCII hosts
    and dot segments, and each disagreement is a way past an allow-list.
    """
    where = field if field is not None else url if isinstance(url, str) else None

    def refuse(why: str) -> FetchNotAllowed:
        return FetchNotAllowed(f"{url!r}: {why}", field=where, value=url)

    if not isinstance(url, str) or not url:
        raise refuse("not a URL")
    if len(url) > 2048:
        raise refuse("URL longer than 2048 characters")
    if not url.isascii():
        raise refuse("non-ASCII characters (write an IDN host in its xn-- form)")
    if any(c <= " " or c in "\x7f\\" for c in url):
        raise refuse("spaces, control characters or backslashes")
    if "#" in url:
        raise refuse("fragments are not fetched")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise refuse("only https URLs are fetched")
    if not url[len(parts.scheme):].startswith("://"):
        raise refuse("no host")
    netloc = parts.netloc
    if "@" in netloc:
        raise refuse("userinfo (user@host) is refused")
    host, port = _split_host_port(netloc, scheme, refuse)
    path = parts.path or "/"
    for segment in path.split("/"):
        decoded = unquote(segment)
        if decoded in (".", "..") or "/" in decoded or "\\" in decoded:
            raise refuse("dot segments or encoded slashes in the path")
    return Target(scheme, host, port, path, parts.query)


def _split_host_port(netloc: str, scheme: str, refuse: Any) -> tuple[str, int]:
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise refuse("unterminated IPv6 host")
        literal, rest = netloc[1:end], netloc[end + 1:]
        try:
            if "%" in literal:   # zone ids name a local interface, never a remote host
                raise ValueError(literal)
            host = str(ipaddress.IPv6Address(literal))   # one spelling: [0:0::1] == [::1]
        except ValueError:
            raise refuse(f"invalid IPv6 host {literal!r}") from None
    else:
        host, sep, port_text = netloc.partition(":")
        rest = f":{port_text}" if sep else ""
        host = host.lower()
        if not host or len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
            raise refuse(f"invalid host {host!r}")
    if not rest:
        return host, _DEFAULT_PORTS[scheme]
    if not rest.startswith(":") or not _PORT.match(rest[1:]) or not 0 < int(rest[1:]) < 65536:
        raise refuse(f"invalid port {rest[1:]!r}")
    return host, int(rest[1:])


@dataclass(frozen=True)
class AllowRule:
    """One allow-list entry: an origin, optionally a path prefix (whole segments), or one exact URL."""

    scheme: str
    host: str
    port: int
    path: str = ""        # "" = the whole origin; else a prefix without trailing "/"
    exact: bool = False   # the URL itself only (path and query must be equal)
    query: str = ""

    @classmethod
    def parse(cls, entry: str, *, exact: bool = False) -> AllowRule:
        """`a.example`, `a.example:8443`, `https://a.example`, `https://a.example/ctx` (bare hosts mean https)."""
        if not isinstance(entry, str) or not entry:
            raise InputError("an allow-list entry must be a non-empty string", field="allow", value=entry)
        text = entry if "://" in entry else f"https://{entry}"
        try:
            target = parse_url(text, field="allow")
        except FetchNotAllowed as exc:
            raise InputError(f"allow-list entry {entry!r} refused: {exc.message}", field="allow",
                             value=entry) from exc
        if exact:
            return cls(target.scheme, target.host, target.port, target.path, True, target.query)
        if target.query:
            raise InputError(f"allow-list entry {entry!r}: a prefix has no query", field="allow", value=entry)
        return cls(target.scheme, target.host, target.port, target.path.rstrip("/"))

    def matches(self, target: Target) -> bool:
        if (self.scheme, self.host, self.port) != (target.scheme, target.host, target.port):
            return False
        if self.exact:
            return (self.path, self.query) == (target.path, target.query)
        return not self.path or target.path == self.path or target.path.startswith(self.path + "/")

    def __str__(self) -> str:
        origin = Target(self.scheme, self.host, self.port, "/", "").origin
        return origin + self.path + (f"?{self.query}" if self.query else "")


# --- the cache ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cached:
    """A body and the Content-Type it came with (None for documents the caller preloaded).

    `cache_control` is the server's Cache-Control header (a persistent cache reads its
    max-age); `stale` is set by a cache whose entry outlived it; `stored_at` says when a
    persistent cache stored it (ISO 8601), for the fetch records. `served_by` is the URL
    that answered when redirects led elsewhere (None when the URL itself did): a cache
    entry's content is that URL's, so a later run serves it only if its allow-list admits it.
    """

    body: bytes
    content_type: str | None = None
    cache_control: str | None = None
    stale: bool = False
    stored_at: str | None = None
    served_by: str | None = None


@dataclass(frozen=True)
class FetchRecord:
    """One remote lookup: the URL, where its answer came from, and a few words on it.

    `source` is "network", "cache", "cache-stale" (cache-only mode served an old entry) or
    "refused" (the policy said no, or the fetch failed: `detail` says why).
    """

    url: str
    source: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.source}: {self.url}" + (f" ({self.detail})" if self.detail else "")


@runtime_checkable
class FetchCache(Protocol):
    """Where a Fetcher keeps bodies by URL: in memory now, a directory later."""

    def get(self, url: str) -> Cached | None: ...

    def put(self, url: str, item: Cached) -> None: ...


class MemoryCache:
    """The default cache: one dict, per Fetcher instance, optionally preloaded."""

    def __init__(self, preload: Mapping[str, bytes | Cached] | None = None) -> None:
        self._items: dict[str, Cached] = {
            url: item if isinstance(item, Cached) else Cached(bytes(item)) for url, item in (preload or {}).items()}

    def get(self, url: str) -> Cached | None:
        return self._items.get(url)

    def put(self, url: str, item: Cached) -> None:
        self._items[url] = item

    def __contains__(self, url: object) -> bool:
        return url in self._items


# --- connecting ---------------------------------------------------------------------------------

class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection to the address that was checked, not to whatever DNS answers next."""

    pinned: tuple[str, ...] = ()

    def connect(self) -> None:
        error: OSError = OSError(f"no address for {self.host}")
        for address in self.pinned:
            try:
                self.sock = socket.create_connection((address, self.port), self.timeout)
                return
            except OSError as exc:
                error = exc
        raise error


class _PinnedHTTPSConnection(http.client.HTTPSConnection, _PinnedConnection):
    """TLS over the pinned socket; the certificate is still checked against the host name."""


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")          # RFC 6052 well-known prefix: the last 32 bits are IPv4
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")   # RFC 8215 local-use: never global, IPv4 place varies
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")        # deprecated ::a.b.c.d (also :: and ::1)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to (mapped, 6to4, NAT64, IPv4-compatible), if any.

    Why: Python 3.11 calls 64:ff9b::a00:1 and 2002:a00:1:: global, yet a NAT64 gateway or
    6to4 relay delivers them to 10.0.0.1: the address that counts is the embedded one.
    """
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


def internal_address(address: str) -> bool:
    """Whether an address leads inside a network: not global, multicast, site-local, or wrapping such an IPv4."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL or ip.is_site_local or ip.is_loopback or ip.is_unspecified:
            return True
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return internal_address(str(embedded))
    return not ip.is_global or ip.is_multicast


# --- the fetcher -------------------------------------------------------------------------------

def is_json_media_type(content_type: str | None) -> bool:
    """application/json, any `+json` type (ld+json, did+json, vc+ld+json) and VC 2.0's application/vc."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    # application/cid: W3C Controlled Identifiers 1.0 (controller documents)
    return media in ("application/json", "application/vc", "application/vp", "application/cid") or (
        media.startswith("application/") and media.endswith("+json"))


class Fetcher:
    """Every remote read of the library, under one policy (see the module docstring).

    `allow` entries are bare hosts (`a.example`, meaning https), origins or origin+path
    prefixes, or AllowRule values (e.g. exact URLs). `ssl_context` is for tests and
    private trust stores; the default verifies certificates against the system store.
    """

    def __init__(self, allow: Iterable[str | AllowRule] = (), *, allow_loopback_http: bool = False,
                 timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_redirects: int = MAX_REDIRECTS,
                 cache: FetchCache | Mapping[str, bytes | Cached] | None = None, cache_only: bool = False,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if isinstance(allow, str):
            allow = (allow,)    # a lone string would otherwise be read as one entry per character
        rules = tuple(a if isinstance(a, AllowRule) else AllowRule.parse(a) for a in allow)
        for rule in rules:
            if rule.scheme == "http" and not (allow_loopback_http and Target("http", rule.host, 0, "/", "").loopback):
                raise InputError(f"allow-list entry {str(rule)!r}: http is allowed only for loopback hosts and "
                                 f"only with allow_loopback_http=True", field="allow", value=str(rule))
        if timeout <= 0 or max_bytes <= 0 or max_redirects < 0:
            raise InputError("timeout and max_bytes must be positive, max_redirects not negative", field="fetcher")
        self._allow = rules
        self._loopback_http = allow_loopback_http
        self._timeout = float(timeout)
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._cache: FetchCache = cache if isinstance(cache, FetchCache) else MemoryCache(cache)
        self._cache_only = cache_only
        self._ssl = ssl_context
        self._records: list[FetchRecord] = []
        self.records_dropped = 0

    @property
    def allow(self) -> tuple[AllowRule, ...]:
        return self._allow

    @property
    def cache_only(self) -> bool:
        return self._cache_only

    @property
    def records(self) -> tuple[FetchRecord, ...]:
        """Every lookup this Fetcher answered or refused, in order (for reports)."""
        return tuple(self._records)

    @property
    def offline(self) -> bool:
        """True when no request can leave the machine (empty allow-list or cache-only)."""
        return self._cache_only or not self._allow

    def __repr__(self) -> str:
        mode = "cache-only" if self._cache_only else f"allow={[str(r) for r in self._allow]}"
        return f"Fetcher({mode}, timeout={self._timeout}, max_bytes={self._max_bytes})"

    # the policy --------------------------------------------------------------------------------

    def admits(self, url: str) -> bool:
        """Whether the allow-list names `url`, whatever the cache mode (never raises)."""
        try:
            self._admitted(url)
        except FetchError:
            return False
        return True

    def allowed(self, url: str) -> bool:
        """Whether the policy would connect to `url` (never raises)."""
        try:
            self.require_allowed(url)
        except FetchError:
            return False
        return True

    def require_allowed(self, url: str) -> Target:
        """The parsed `url` if the policy lets it be fetched; FetchNotAllowed saying how to allow it otherwise."""
        target = self._admitted(url)
        if self._cache_only:
            raise FetchNotCached(f"{url} is not in the cache and the fetcher is cache-only (--cache-only): a "
                                 f"miss is refused, never fetched; fill the cache by verifying once without "
                                 f"--cache-only", field=url, value=url)
        return target

    def _admitted(self, url: str) -> Target:
        """The allow-list rule alone (scheme and entries), whatever the cache mode."""
        target = parse_url(url)
        if target.scheme == "http" and not (self._loopback_http and target.loopback):
            raise FetchNotAllowed(f"{url} is not allow-listed: only https is fetched (http only for loopback "
                                  f"hosts in tests)", field=url, value=url)
        if not any(rule.matches(target) for rule in self._allow):
            state = ("network access is off by default" if not self._allow else
                     f"the allow-list is {[str(r) for r in self._allow]}")
            host = target.origin.removeprefix("https://")
            raise FetchNotAllowed(f"{url} is not allow-listed: host {host} is not allowed ({state}); allow it "
                                  f"with an allow-list entry such as {host!r} (edcissuer verify --allow-host "
                                  f"{host}, or allow_hosts in the trust list's [remote] table)",
                                  field=url, value=url)
        return target

    # reading -----------------------------------------------------------------------------------

    def _record(self, record: FetchRecord) -> None:
        if len(self._records) < MAX_RECORDS:
            self._records.append(record)
        else:
            self.records_dropped += 1

    def fetch_bytes(self, url: str, *, accept: str = "*/*", max_bytes: int | None = None,
                    expect_json: bool = False) -> bytes:
        """The body of `url` (from the cache, else over the network under the policy)."""
        cap = self._max_bytes if max_bytes is None else max_bytes
        try:
            cached = self._from_cache(url)
            if cached is None:
                cached = self._download(url, accept=accept, cap=cap)
                self._check(url, cached, cap, expect_json)
                self._cache.put(url, cached)
                self._record(FetchRecord(url, "network", f"{len(cached.body)} bytes"))
            else:
                self._check(url, cached, cap, expect_json)
                when = f"stored {cached.stored_at}" if cached.stored_at else "held in memory"
                self._record(FetchRecord(url, "cache-stale" if cached.stale else "cache", when))
        except FetchError as exc:
            self._record(FetchRecord(url, "refused", exc.message))
            raise
        return cached.body

    def _from_cache(self, url: str) -> Cached | None:
        """The cache's entry for `url`, if this run may use it (see the module docstring)."""
        if getattr(self._cache, "shared", False):
            self._admitted(url)      # a shared cache answers for allow-listed URLs only
        cached = self._cache.get(url)
        if cached is not None and cached.served_by is not None:
            try:                     # the body is the redirect target's: this run must allow that URL too
                self._admitted(cached.served_by)
            except FetchNotAllowed as exc:
                raise FetchNotAllowed(f"{url} is cached from a redirect to {cached.served_by}, which is refused: "
                                      f"{exc.message}", field=url, value=url) from None
        if cached is not None and cached.stale and not self._cache_only:
            return None              # outlived its max-age: fetch again
        return cached

    def fetch_json(self, url: str, *, accept: str = "application/json", max_bytes: int | None = None) -> Any:
        """The parsed JSON of `url`; FetchBadContent for a non-JSON Content-Type or malformed JSON."""
        body = self.fetch_bytes(url, accept=accept, max_bytes=max_bytes, expect_json=True)
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:   # UnicodeDecodeError is a ValueError
            raise FetchBadContent(f"{url} is not valid JSON: {exc}", field=url, value=url) from None

    @staticmethod
    def _check(url: str, item: Cached, cap: int, expect_json: bool) -> None:
        if len(item.body) > cap:
            raise FetchTooLarge(f"{url} is larger than {cap} bytes", field=url, value=url)
        if expect_json and item.content_type is not None and not is_json_media_type(item.content_type):
            raise FetchBadContent(f"{url} is served as {item.content_type!r}, not as JSON", field=url, value=url)

    def _download(self, url: str, *, accept: str, cap: int) -> Cached:
        deadline = time.monotonic() + self._timeout
        current = url
        for _ in range(self._max_redirects + 1):
            target = self.require_allowed(current)
            status, location, item = self._get_once(current, target, accept, cap, deadline)
            if status == 200:
                return item if current == url else replace(item, served_by=current)
            if status in _REDIRECTS and location:
                nxt = urljoin(current, location)
                try:
                    self.require_allowed(nxt)
                except FetchNotAllowed as exc:
                    raise FetchNotAllowed(f"{url} redirects to {nxt}, which is refused: {exc.message}",
                                          field=url, value=url) from None
                current = nxt
                continue
            raise FetchError(f"{current} answered HTTP {status}", field=url, value=url)
        raise FetchNotAllowed(f"{url}: more than {self._max_redirects} redirects", field=url, value=url)

    def _addresses(self, url: str, target: Target) -> tuple[str, ...]:
        """The addresses to connect to: the literal itself, or the resolved ones if all are public."""
        try:
            ipaddress.ip_address(target.host)
            return (target.host,)   # a literal the allow-list names: the operator's choice
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot fetch {url}: the host {target.host} does not resolve ({exc})",
                             field=url, value=url) from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        inside = [a for a in addresses if internal_address(a)]
        if not addresses:
            raise FetchError(f"cannot fetch {url}: the host {target.host} has no address", field=url, value=url)
        if inside and not (self._loopback_http and all(ipaddress.ip_address(a).is_loopback for a in inside)):
            raise FetchNotAllowed(f"{url}: the host {target.host} resolves to {', '.join(inside)}, an internal "
                                  f"address (loopback, private or link-local): refused, an allowed name must "
                                  f"not lead inside the network (allow the address itself if it is meant)",
                                  field=url, value=url)
        return tuple(addresses)

    def _get_once(self, url: str, target: Target, accept: str, cap: int,
                  deadline: float) -> tuple[int, str | None, Cached]:
        """One GET without following anything; every transport error becomes a FetchError."""
        conn: http.client.HTTPConnection
        remaining = deadline - time.monotonic()
        if remaining <= 0:   # a redirect chain used the whole budget
            raise FetchTimeout(f"{url} timed out after {self._timeout:g} s", field=url, value=url)
        addresses = self._addresses(url, target)
        if target.scheme == "https":
            context = self._ssl or ssl.create_default_context()
            conn = _PinnedHTTPSConnection(target.host, target.port, timeout=remaining, context=context)
        else:
            conn = _PinnedConnection(target.host, target.port, timeout=remaining)
        conn.pinned = addresses
        try:
            conn.request("GET", target.request_target, headers={
                "Accept": accept, "Accept-Encoding": "identity", "User-Agent": "edcissuer",
                "Connection": "close"})
            resp = conn.getresponse()
            if resp.status != 200:
                return resp.status, resp.getheader("Location"), Cached(b"")
            encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
            if encoding != "identity":
                raise FetchBadContent(f"{url} is sent {encoding}-encoded; only identity bodies are read "
                                      f"(no decompression bombs)", field=url, value=url)
            declared = resp.getheader("Content-Length")
            if declared is not None and declared.strip().isdigit() and int(declared) > cap:
                raise FetchTooLarge(f"{url} is larger than {cap} bytes (Content-Length {declared.strip()})",
                                    field=url, value=url)
            body = bytearray()
            while len(body) <= cap:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                if conn.sock is not None:
                    conn.sock.settimeout(left)
                chunk = resp.read(min(_CHUNK, cap + 1 - len(body)))
                if not chunk:
                    break
                body += chunk
            if len(body) > cap:
                raise FetchTooLarge(f"{url} is larger than {cap} bytes", field=url, value=url)
            return 200, None, Cached(bytes(body), resp.getheader("Content-Type") or "",
                                     resp.getheader("Cache-Control"))
        except FetchError:
            raise
        except TimeoutError:
            raise FetchTimeout(f"{url} timed out after {self._timeout:g} s", field=url, value=url) from None
        except ssl.SSLError as exc:
            raise FetchError(f"cannot fetch {url}: TLS failed ({exc})", field=url, value=url) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}", field=url, value=url) from None
        finally:
            conn.close()
