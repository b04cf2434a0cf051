"""`edcissuer verify PATH... [--policy FILE] [--trust FILE] [--json] [--stack]`.

Verifies credentials (files, or folders walked for *.json, *.jsonld, *.jwt) and, with a
policy, decides on their recognition; the report is `edcissuer.recognition.assess()`'s.
Exit codes (docs/recognition-report.md), the first stage some credential fails:
0 accepted (every credential authentic, issuer trusted, complete and, with --policy,
recognised), 1 not authentic (or no credential), 2 usage error (bad arguments, unreadable
policy/trust list), 3 authentic but an issuer not trusted or unchecked (no --trust),
4 not a complete micro-credential, 5 not recognised by the policy (with --stack: target
not reached; 3 when reached by a credential whose issuer is not trusted).

Offline unless asked: `--allow-host HOST` (repeatable), `EDCISSUER_ALLOW_HOSTS` (comma-
separated) and the trust list's `[remote] allow_hosts` together name the only hosts status
lists, did:web and controller documents and unbundled JSON-LD contexts may be fetched from,
all through one Fetcher. `--fetch-cache DIR` keeps what was fetched (0600 files in a 0700
folder); `--cache-only` answers from that cache and never connects. Every remote lookup is
listed on stderr after the report.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from ..crypto.x509 import load_certificates
from ..errors import EdcIssuerError
from ..fetch import AllowRule, Fetcher, FetchRecord
from ..fetch_cache import DiskCache
from ..recognition import TrustList, assess, load_policy, load_trust_list
from ..recognition.report import EXIT_USAGE
from ..recognition.trust import RemoteConfig
from ..verify import VerifyOptions
from .common import moment
from .errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("verify", help="verify credentials and decide on their recognition",
                       description="Verify credentials (files or folders of *.json, *.jsonld, *.jwt) and, with "
                                   "--policy, decide: recognised / recognised with conditions / not recognised.",
                       epilog="exit codes: 0 accepted (authentic, issuer trusted, complete, recognised); "
                              "1 not authentic; 2 usage error; 3 issuer not trusted or unchecked (no --trust); "
                              "4 incomplete; 5 not recognised (--stack: target not reached)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="credential or presentation files (JSON-LD, JWT, JAdES, baked badge PNG/SVG), or folders "
                        "searched for *.json, *.jsonld, *.jwt, *.png and *.svg")
    p.add_argument("--policy", type=Path, metavar="FILE", help="recognition policy (TOML)")
    p.add_argument("--trust", type=Path, metavar="FILE", help="trust list of issuers and seal anchors (TOML)")
    p.add_argument("--stack", action="store_true",
                   help="treat the credentials as one learner's and count ECTS towards the policy's target")
    p.add_argument("--json", action="store_true", help="JSON report (docs/recognition-report.md)")
    p.add_argument("-v", "--verbose", action="store_true", help="text report: every check and rule, not only failures")
    p.add_argument("--trust-anchor", type=Path, action="append", default=[], metavar="PEM",
                   help="CA certificate (PEM) trusted for JAdES seals; repeatable")
    p.add_argument("--did-web-dir", type=Path, metavar="DIR", help="local folder of published did:web documents")
    p.add_argument("--status-dir", type=Path, metavar="DIR", help="local folder of status list credentials")
    p.add_argument("--controller-dir", type=Path, metavar="DIR",
                   help="local folder of controller documents for https verification methods "
                        "(<DIR>/<host>/<path>, laid out like --did-web-dir)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                   help="allow remote lookups (status lists, did:web and controller documents, JSON-LD contexts) "
                        "from HOST: a host name (https), an origin such as https://issuer.example:8443, or an "
                        "origin and path prefix; repeatable (also EDCISSUER_ALLOW_HOSTS, comma-separated, and "
                        "[remote] allow_hosts in the trust list). Default: no network at all")
    p.add_argument("--fetch-cache", type=Path, metavar="DIR",
                   help="keep fetched documents in DIR (created 0700, files 0600; honours Cache-Control max-age)")
    p.add_argument("--cache-only", action="store_true",
                   help="never touch the network: answer remote lookups from --fetch-cache only (a miss is refused)")
    p.add_argument("--challenge", help="challenge the verifier sent, for presentations (replay check)")
    p.add_argument("--domain", help="domain the verifier sent, for presentations (replay check)")
    p.add_argument("--now", type=moment, help="verify as of this time (ISO 8601; default now, UTC if no zone)")
    p.set_defaults(handler=cmd_verify)


ENV_ALLOW_HOSTS = "EDCISSUER_ALLOW_HOSTS"


def _env_hosts() -> list[str]:
    return [h.strip() for h in os.environ.get(ENV_ALLOW_HOSTS, "").split(",") if h.strip()]


def fetcher_from_args(args: argparse.Namespace, remote: RemoteConfig | None = None) -> Fetcher | None:
    """The one Fetcher of this run, or None (offline) when nothing opted in to remote lookups."""
    remote = remote or RemoteConfig()
    hosts = [*args.allow_host, *_env_hosts(), *remote.allow_hosts]
    cache_dir = args.fetch_cache or remote.cache_dir
    cache_only = args.cache_only or remote.cache_only
    if not (hosts or cache_dir or cache_only):
        return None
    if cache_only and cache_dir is None:
        raise UsageError("--cache-only needs a cache to answer from: give --fetch-cache DIR "
                         "(or cache_dir in the trust list's [remote] table)")
    for source, entry in [*(("--allow-host", h) for h in args.allow_host), *((ENV_ALLOW_HOSTS, h) for h in
                                                                             _env_hosts())]:
        try:
            AllowRule.parse(entry)
        except EdcIssuerError as exc:
            raise UsageError(f"{source} {entry!r}: {exc}") from exc
    try:
        cache = DiskCache(cache_dir, clock=lambda: datetime.now(timezone.utc)) if cache_dir else None
        return Fetcher(hosts, cache=cache, cache_only=cache_only)
    except EdcIssuerError as exc:
        raise UsageError(str(exc)) from exc


def options_from_args(args: argparse.Namespace, trust: TrustList | None = None) -> VerifyOptions:
    """VerifyOptions from the command line (trust-list anchors are added by assess())."""
    try:
        anchors = tuple(c for path in args.trust_anchor for c in load_certificates(path.read_bytes()))
    except OSError as exc:
        raise UsageError(f"--trust-anchor: cannot read {exc.filename}: {exc.strerror}") from exc
    except EdcIssuerError as exc:
        raise UsageError(f"--trust-anchor: {exc}") from exc
    for flag, folder in (("--status-dir", args.status_dir), ("--controller-dir", args.controller_dir)):
        if folder is not None and not folder.is_dir():
            raise UsageError(f"{flag} {folder}: not a folder")
    fetcher = fetcher_from_args(args, trust.remote if trust else None)
    return VerifyOptions(now=args.now or datetime.now(timezone.utc), trust_anchors=anchors,
                         did_web_dir=args.did_web_dir, status_dir=args.status_dir, controller_dir=args.controller_dir,
                         fetcher=fetcher, challenge=args.challenge, domain=args.domain)


def _lookups(fetcher: Fetcher | None) -> str | None:
    """What the run fetched, read from the cache or was refused (None: offline, nothing to say)."""
    if fetcher is None:
        return None
    mode = "cache only" if fetcher.cache_only else f"allowed: {', '.join(str(r) for r in fetcher.allow) or 'none'}"
    seen: dict[tuple[str, str], list[FetchRecord]] = {}
    for record in fetcher.records:
        seen.setdefault((record.source, record.url), []).append(record)
    lines = [f"remote lookups ({mode}):"]
    lines += [f"  {same[0]}" + (f" x{len(same)}" if len(same) > 1 else "") for same in seen.values()] or ["  none"]
    if fetcher.records_dropped:
        lines.append(f"  ... and {fetcher.records_dropped} more lookups not recorded")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        trust = load_trust_list(args.trust) if args.trust else None
        options = options_from_args(args, trust)
        policy = load_policy(args.policy) if args.policy else None
    except (UsageError, EdcIssuerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    report = assess(args.paths, policy=policy, trust=trust, options=options, stack=args.stack)
    print(report.to_json() if args.json else report.to_text(verbose=args.verbose))
    lookups = _lookups(options.fetcher)
    if lookups:
        print(lookups, file=sys.stderr)
    return report.exit_code
