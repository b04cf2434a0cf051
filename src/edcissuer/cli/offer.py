"""`edcissuer offer RECORD`: issue a record through the ledger and offer it to the learner's wallet.

Why a command beside `POST /offers`: a registrar without an API client can create the
offer from a shell; it goes into the same ledger database the service reads, through the
same code (service.oid4vci.create_offer), so the running service redeems it (docs/wallets.md).
The offer URI (for a QR code or a link) and the PIN are printed once; the PIN goes to the
learner by another channel than the URI.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from ..config import discover, load_config
from ..models.records import load_record
from .errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("offer", help="issue a record through the ledger and print an OpenID4VCI wallet offer",
                       description="Issue RECORD through the ledger (as `issue --ledger` and POST /credentials/issue "
                                   "do) and create a one-time OpenID4VCI offer for the learner's wallet, redeemed "
                                   "by `edcissuer serve` on the same ledger. Prints the offer URI and, with "
                                   "--tx-code, the PIN (shown once: send it by another channel).")
    p.add_argument("record", type=Path, help="the micro-credential record (YAML or JSON)")
    p.add_argument("--ledger", metavar="PATH|DSN", help="the ledger the service uses (default: the profile's)")
    p.add_argument("--public-url", metavar="URL", help="the service's public URL (default: service.public_url)")
    p.add_argument("--config-id", action="append", dest="configurations", metavar="ID",
                   help="a credential configuration to offer (repeatable; default: the OB3 ldp_vc and jwt_vc_json)")
    p.add_argument("--tx-code", action="store_true", help="guard the offer with a 6-digit PIN")
    p.add_argument("--expires-in-days", type=float, default=7.0, metavar="N", help="offer lifetime (default 7)")
    p.add_argument("--profile", metavar="NAME", help="alliance profile the record must meet")
    p.add_argument("--json", action="store_true", help="print the answer of POST /offers as JSON")
    p.set_defaults(handler=cmd_offer)


def cmd_offer(args: argparse.Namespace) -> int:
    found = discover(getattr(args, "config", None), os.environ, Path.cwd())
    if found is None:
        raise UsageError("offer: needs the issuer profile of the service (--config FILE, or edcissuer.toml here)")
    try:
        from ..service.core import Service
        from ..service.oid4vci import create_offer
        from ..service.settings import Client, from_config
    except ImportError as exc:
        raise UsageError("offers are redeemed by the service: pip install 'edcissuer[service]'") from exc
    settings = from_config(load_config(found), public_url=args.public_url or None)
    if args.ledger:
        settings = replace(settings, ledger=str(args.ledger))
    record = load_record(args.record).model_dump(mode="json", exclude_none=True)
    service = Service(settings)
    try:
        created = create_offer(service, record, client=Client("cli", "0" * 64, frozenset({"offer"})),
                               formats=args.configurations, tx_code=args.tx_code, profile=args.profile,
                               lifetime=timedelta(days=args.expires_in_days))
    finally:
        service.close()
    if args.json:
        print(json.dumps(created.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(created.offer_uri)
    print(f"credential {created.credential_id}; offer expires {created.to_json()['expiresAt']}", file=sys.stderr)
    if created.tx_code:
        print(f"PIN (shown once; send it to the learner by another channel): {created.tx_code}", file=sys.stderr)
    return 0
