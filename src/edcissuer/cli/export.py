"""`edcissuer export CREDENTIAL... --as vp|qr|png|svg|offer|europass|pdf|html|supplement [-o OUT]`.

Carries a signed credential to where the learner needs it; the library call is
`edcissuer.export.run.export_credential`. Without -o the file gets a descriptive name in
the current folder; with -o a folder, that name inside it. Companion files (an offer's QR
and issuer metadata) are written next to the main file, all owner-only (0600).

Every credential's proof is verified first (as of --now, default the clock; seal chains
against --trust-anchor; did:web issuers from --did-web-dir). One that does not verify is
refused, exit 1, `error: <check id>: ...`; `--unverified` exports it anyway into a PDF, HTML
page or baked badge stamped NOT VERIFIED (QR, presentation, offer and Europass refuse it).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509

from ..crypto.keys import KeyPair
from ..crypto.x509 import load_certificates, write_private_file
from ..errors import EdcIssuerError, ExportError
from ..files import read_input
from ..export.run import STAMPABLE, TARGETS, export_credential
from .common import moment
from .errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export", help="carry a signed credential: presentation, QR, baked badge, wallet offer, "
                                      "Europass file, certificate, supplement",
                       description="Export signed credential(s) for the learner. See docs/exports.md.")
    p.add_argument("credentials", nargs="+", type=Path, metavar="CREDENTIAL",
                   help="signed credential file(s); several only for a presentation (--as vp)")
    p.add_argument("--as", dest="target", choices=TARGETS, required=True, help="the carrier to make")
    p.add_argument("-o", "--out", type=Path, help="output file or folder (default: a descriptive name here)")
    p.add_argument("--json", action="store_true",
                   help="print the files written and the notes as JSON on stdout (instead of lines on stderr)")
    g = p.add_argument_group("verification (before anything is exported)")
    g.add_argument("--now", type=moment, help="verify (and date a presentation) as of this time (ISO 8601; "
                                              "default now)")
    g.add_argument("--trust-anchor", type=Path, action="append", default=[],
                   help="CA certificate (PEM) trusted for JAdES seals; repeatable (without one a seal's chain "
                        "is not checked, and the output says so)")
    g.add_argument("--did-web-dir", type=Path, help="local folder of published did:web documents")
    g.add_argument("--unverified", action="store_true",
                   help=f"export a credential that does not verify, stamped NOT VERIFIED (only --as "
                        f"{'/'.join(STAMPABLE)})")
    g = p.add_argument_group("presentation (--as vp)")
    g.add_argument("--holder-key", type=Path, help="the learner's key (PEM or JWK); signs the presentation")
    g.add_argument("--challenge", help="the challenge the verifier sent")
    g.add_argument("--domain", help="the verifier's domain, e.g. admissions.example.org")
    g = p.add_argument_group("QR code and certificate")
    g.add_argument("--verify-url", metavar="PATTERN", help="verification link, e.g. https://verify.example.edu/c/{id}")
    g.add_argument("--qr-content", choices=("auto", "link", "jwt"), default="auto",
                   help="auto: the compact JWT if it fits, else the link")
    g.add_argument("--logo", type=Path, help="local alliance/institution logo (PNG, JPEG or SVG) for the certificate")
    g.add_argument("--lang", help="language of the certificate texts (default: English, else the first)")
    g.add_argument("--image", type=Path, help="badge image to bake into (PNG or SVG; default: drawn)")
    g.add_argument("--wallet-offer", metavar="URI",
                   help="an openid-credential-offer:// URI from `edcissuer offer` (or POST /offers): the certificate "
                        "gets an 'add to your wallet' QR code; give the PIN to the learner separately")
    g = p.add_argument_group("wallet offer (--as offer)")
    g.add_argument("--credential-issuer", metavar="URL", help="the institution's OpenID4VCI issuer URL")
    g.add_argument("--issuer-name", help="display name in the issuer metadata")
    g.add_argument("--tx-code", type=int, metavar="DIGITS", help="require a numeric PIN of this length")
    p.set_defaults(handler=cmd_export)


def _target(out: Path | None, name: str) -> Path:
    if out is None:
        return Path(name)
    return out / name if out.is_dir() else out


def _anchors(paths: list[Path]) -> tuple[x509.Certificate, ...]:
    try:
        return tuple(c for path in paths for c in load_certificates(read_input(path, what="trust anchor")))
    except EdcIssuerError as exc:
        raise UsageError(f"--trust-anchor: {exc}") from exc


def _write(path: Path, data: bytes) -> None:
    """Owner-only (0600): a certificate, badge or presentation carries the learner's personal data."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private_file(path, data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}", field="out", value=str(path)) from exc


def cmd_export(args: argparse.Namespace) -> int:
    holder = KeyPair.load(args.holder_key) if args.holder_key else None
    qr_format = "svg" if args.out is not None and args.out.suffix.lower() == ".svg" else "png"
    # --as supplement: a PDF when -o names a .pdf file, else the HTML page
    supplement_format = "pdf" if args.out is not None and args.out.suffix.lower() == ".pdf" else "html"
    result = export_credential(
        args.credentials, args.target, now=args.now or datetime.now(timezone.utc).replace(microsecond=0),
        trust_anchors=_anchors(args.trust_anchor), did_web_dir=args.did_web_dir, unverified=args.unverified,
        holder=holder, challenge=args.challenge, domain=args.domain, verify_url=args.verify_url,
        qr_format=qr_format, qr_content=args.qr_content, image=args.image,
        logo=args.logo, lang=args.lang, credential_issuer=args.credential_issuer, issuer_name=args.issuer_name,
        tx_code_length=args.tx_code, supplement_format=supplement_format, wallet_offer=args.wallet_offer)
    path = _target(args.out, result.name)
    _write(path, result.content)
    written = [path]
    for suffix, data in result.companions.items():
        companion = path.with_name(path.stem + suffix)
        _write(companion, data)
        written.append(companion)
    if args.json:
        print(json.dumps({"as": args.target, "written": [str(w) for w in written], "notes": list(result.notes)},
                         indent=2))
        return 0
    for w in written:
        print(f"wrote {w}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
