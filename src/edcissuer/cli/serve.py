"""`edcissuer serve`: the issuing and verifying service (docs/service.md).

`--demo DIR` writes a DEMO-ONLY deployment (demo keys, SQLite ledger, sample policies,
a bearer token printed once) and serves it; without it the issuer profile
(edcissuer.toml, `--config`) must have a `[service]` section with the clients' token hashes.
`--hash-token` prints the hash a profile stores for a token read from stdin.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..config import discover
from .errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the HTTP service: VC-API issue/verify/status, recognition, pages",
                       description="Serve the VC-API endpoints, the recognition API, the published status lists "
                                   "and did.json, the evaluator page (/verify) and the learners' page (/c/{id}).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--public-url", metavar="URL",
                   help="the origin clients reach the service at, e.g. https://credentials.example.edu "
                        "(default: service.public_url, else http://HOST:PORT)")
    p.add_argument("--demo", type=Path, metavar="DIR",
                   help="write a DEMO-ONLY deployment into DIR (demo keys, SQLite ledger, sample credentials) "
                        "and serve it")
    p.add_argument("--proxy-headers", action="store_true",
                   help="trust X-Forwarded-For/Proto from --forwarded-allow-ips (behind a reverse proxy)")
    p.add_argument("--forwarded-allow-ips", metavar="IPS", help="proxies trusted for forwarded headers")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="server log level (default info); logs never hold a body, token or learner")
    p.add_argument("--hash-token", action="store_true",
                   help="read a bearer token from stdin and print the sha256 a [[service.clients]] entry stores")
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from ..service.settings import token_hash

    if args.hash_token:
        token = sys.stdin.readline().strip()
        if not token:
            raise UsageError("--hash-token: give the token on stdin")
        print(token_hash(token))
        return 0
    try:
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UsageError("the service needs its extra: pip install 'edcissuer[service]'") from exc
    from ..service.run import serve

    if not 0 < args.port < 65536 or args.workers < 1:
        raise UsageError("--port must be 1-65535 and --workers at least 1")
    url = args.public_url or f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    if args.demo is not None:
        from ..demo.deployment import write_demo_deployment

        deployment = write_demo_deployment(args.demo, public_url=url)
        config = deployment.config
        print(f"DEMO-ONLY deployment in {deployment.folder} (demo keys: never for real credentials)\n"
              f"  evaluator page: {url}/verify\n"
              f"  bearer token (scopes issue, revoke, offer): {deployment.token}\n"
              f"  sample credentials and certificates: {deployment.folder / 'samples'}", file=sys.stderr)
    else:
        found = discover(getattr(args, "config", None), os.environ, Path.cwd())
        if found is None:
            raise UsageError("no issuer profile: give --config FILE (or edcissuer.toml here), or --demo DIR")
        config = found
    serve(config, host=args.host, port=args.port, workers=args.workers, public_url=args.public_url or None
          if args.demo is None else url, log_level=args.log_level, proxy_headers=args.proxy_headers,
          forwarded_allow_ips=args.forwarded_allow_ips)
    return 0
