"""`edcissuer keys ...`: signing keys, DID documents and demo seal certificates."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..crypto.demo_pki import generate_demo_pki
from ..crypto.did import did_web_document
from ..crypto.keys import ALGORITHMS, RSA, KeyPair
from ..crypto.x509 import certificates_pem, save_seal
from ..errors import KeyMaterialError
from .errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = sub.add_parser("keys", help="generate keys, DID documents and demo seal certificates")
    ksub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    new = ksub.add_parser("new", help="generate a signing key (private key file written 0600)")
    new.add_argument("-o", "--out", required=True, type=Path, help="private key file (PEM)")
    new.add_argument("--alg", choices=(*ALGORITHMS, RSA), default="Ed25519",
                     help="RSA (3072 bits) signs JWTs only (RS256, the Open Badges 3.0 minimum)")
    new.add_argument("--force", action="store_true", help="overwrite an existing key file")
    new.add_argument("--json", action="store_true",
                     help="print the key's public data as JSON (it always is; accepted like on every reporting command)")
    new.set_defaults(handler=cmd_new)
    web = ksub.add_parser("did-web", help="write the did.json an institution publishes for did:web")
    web.add_argument("did", help="the institution's DID, e.g. did:web:credentials.example.edu")
    web.add_argument("keys", nargs="+", type=Path, metavar="KEY", help="key files whose public keys to list")
    web.add_argument("-o", "--out", type=Path, help="did.json path (default: print the document)")
    web.add_argument("--json", action="store_true",
                     help="with -o, print what was written as JSON (file, DID, verification methods)")
    web.set_defaults(handler=cmd_did_web)
    seal = ksub.add_parser("demo-seal", help="generate a demo CA and e-seal certificate (tests, demos only)")
    seal.add_argument("-o", "--out", required=True, type=Path, help="output folder")
    seal.add_argument("--org", default="Demo University", help="organisation name in the certificate")
    seal.add_argument("--org-id", default="VATBE-0123456789", help="organizationIdentifier (e.g. VATBE-...)")
    seal.add_argument("--country", default="BE", type=_country, help="two-letter ISO 3166 country code (default BE)")
    seal.add_argument("--json", action="store_true", help="print the files written as JSON")
    seal.set_defaults(handler=cmd_demo_seal)


def _country(text: str) -> str:
    """A two-letter country code argument (the certificate's C attribute)."""
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        raise argparse.ArgumentTypeError(f"not a two-letter ISO 3166 country code: {text!r} (e.g. BE)")
    return text.upper()


def cmd_new(args: argparse.Namespace) -> int:
    key = KeyPair.generate(args.alg)
    try:
        key.save(args.out, overwrite=args.force)
    except KeyMaterialError as exc:
        if isinstance(exc.__cause__, FileExistsError):  # the library's wording names its Python argument
            raise UsageError(f"-o {args.out} exists; give --force to replace it (a replaced key is lost "
                             "for good)") from exc
        raise
    print(json.dumps({"file": str(args.out), "algorithm": key.algorithm, "did": key.did_key,
                      "verificationMethod": key.verification_method,
                      "publicKeyMultibase": key.public_multibase}, indent=2))
    return 0


def cmd_did_web(args: argparse.Namespace) -> int:
    doc = did_web_document(args.did, [KeyPair.load(p).public_only() for p in args.keys])
    text = json.dumps(doc, indent=2) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        if args.json:
            print(json.dumps({"file": str(args.out), "did": doc["id"],
                              "verificationMethods": [m["id"] for m in doc.get("verificationMethod", [])]}, indent=2))
        else:
            print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


def cmd_demo_seal(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    ca, identity = generate_demo_pki(organization=args.org, organization_identifier=args.org_id,
                                     country=args.country, now=datetime.now(timezone.utc))
    args.out.mkdir(parents=True, exist_ok=True)
    save_seal(identity, cert_path=args.out / "seal-cert.pem", key_path=args.out / "seal-key.pem")
    (args.out / "demo-ca.pem").write_bytes(certificates_pem([ca.certificate]))
    if args.json:
        print(json.dumps({"sealCertificate": str(args.out / "seal-cert.pem"),
                          "sealKey": str(args.out / "seal-key.pem"), "trustAnchor": str(args.out / "demo-ca.pem"),
                          "demoOnly": True}, indent=2))
    else:
        print(f"wrote {args.out}/seal-cert.pem, seal-key.pem (0600) and demo-ca.pem (trust anchor) - DEMO ONLY")
    return 0
