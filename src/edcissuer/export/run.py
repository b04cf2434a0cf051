"""One entry point for every export, so the CLI (and a registrar's script) call one function.

`export_credential(sources, "pdf", now=..., verify_url=...)` returns the bytes to write, a
suggested file name and any companion files (an offer's QR code, the issuer metadata),
plus notes to show the user (e.g. the transaction PIN of an offer, which travels
separately, or that a seal's chain was not checked).

Before any carrier is made, every credential's proof is verified by its securing
mechanism as of `now` (authentic.py); one that fails is refused with the failing check
named. `unverified=True` lets it through only into carriers a person reads (PDF, HTML,
baked PNG/SVG), each stamped NOT VERIFIED; carriers a machine reads and acts on (QR,
presentation, wallet offer, Europass file) are refused with it, since no stamp would
reach the wallet or verifier that consumes them (docs/exports.md).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from ..crypto.keys import KeyPair
from ..errors import ExportError, InputError
from ..files import read_input
from .artefact import STAMP, SignedArtefact, load_artefact
from .authentic import Authenticity, require_authentic

TARGETS = ("vp", "qr", "png", "svg", "offer", "europass", "pdf", "html", "supplement")
#: carriers a person reads, which can show a NOT VERIFIED stamp; the others are refused with --unverified
STAMPABLE = ("png", "svg", "pdf", "html", "supplement")


@dataclass
class Exported:
    """An export's main file (content + suggested name) and its companions."""

    content: bytes
    name: str
    media_type: str
    companions: dict[str, bytes] = field(default_factory=dict)   # suffix -> bytes, e.g. ".qr.png"
    notes: list[str] = field(default_factory=list)


def _stem(art: SignedArtefact) -> str:
    from .europass import ascii_slug
    from .artefact import pick

    return ascii_slug(pick(art.elements.title), 60) or "credential"


def _read_file(path: Path, what: str, field: str) -> bytes:
    """A user's file, read bounded and only if regular (files.read_input)."""
    try:
        return read_input(path, what=what)
    except InputError as exc:
        raise ExportError(exc.message, field=field, value=str(path)) from exc


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def export_credential(sources: Sequence[Any], target: str, *, now: datetime,
                      trust_anchors: Sequence[x509.Certificate] = (), did_web_dir: Path | None = None,
                      unverified: bool = False,
                      holder: KeyPair | None = None, challenge: str | None = None, domain: str | None = None,
                      verify_url: str | None = None, qr_format: str = "png", qr_content: str = "auto",
                      image: bytes | Path | None = None, logo: bytes | Path | None = None, lang: str | None = None,
                      credential_issuer: str | None = None, issuer_name: str | None = None,
                      tx_code_length: int | None = None, supplement_format: str = "html",
                      wallet_offer: str | None = None) -> Exported:
    """Export signed credential(s) to `target` (one of TARGETS); ExportError says what is missing.

    Each credential's proof is verified first, as of `now`, with `trust_anchors` for JAdES
    seals and `did_web_dir` for local did:web issuers; one that fails is refused (the error's
    field is the failing check id) unless `unverified` and the target is in STAMPABLE.
    `supplement_format` ("html" or "pdf") is the file type of `--as supplement`. `wallet_offer`
    (an `edcissuer offer` URI) adds an "add to your wallet" QR code to a certificate.
    """
    if target not in TARGETS:
        raise ExportError(f"unknown export {target!r}; use one of {', '.join(TARGETS)}", field="as", value=target)
    if not sources:
        raise ExportError("no credential given", field="credential")
    if target != "vp" and len(sources) != 1:
        raise ExportError(f"--as {target} takes one credential ({len(sources)} given); only a presentation "
                          "carries several", field="credential")
    if unverified and target not in STAMPABLE:
        raise ExportError(f"--unverified is refused for --as {target}: a {target} is read by a machine, which no "
                          f"{STAMP} stamp would reach; only {', '.join(STAMPABLE)} can be stamped",
                          field="unverified", value=target)

    def authentic(art: SignedArtefact, label: str = "the credential") -> Authenticity:
        return require_authentic(art, now=now, trust_anchors=trust_anchors, did_web_dir=did_web_dir,
                                 unverified=unverified, label=label)

    if target == "vp":
        if holder is None or not challenge or not domain:
            raise ExportError("a presentation needs the learner's key (--holder-key) and the verifier's "
                              "--challenge and --domain", field="holder-key" if holder is None else "challenge")
        from .presentation import create_presentation

        arts = [load_artefact(s) for s in sources]
        notes = [n for i, a in enumerate(arts, 1) for n in authentic(a, f"credential {i}").notes()]
        vp = create_presentation(arts, holder, challenge=challenge, domain=domain, now=now)
        return Exported(_json(vp), "presentation.json", "application/vp", notes=notes)
    art = load_artefact(sources[0])
    checked = authentic(art)
    exported = _carrier(art, target, checked, verify_url=verify_url, qr_format=qr_format, qr_content=qr_content,
                        image=image, logo=logo, lang=lang, credential_issuer=credential_issuer,
                        issuer_name=issuer_name, tx_code_length=tx_code_length,
                        supplement_format=supplement_format, wallet_offer=wallet_offer)
    exported.notes[:0] = checked.notes()
    return exported


def _carrier(art: SignedArtefact, target: str, checked: Authenticity, *, verify_url: str | None, qr_format: str,
             qr_content: str, image: bytes | Path | None, logo: bytes | Path | None, lang: str | None,
             credential_issuer: str | None, issuer_name: str | None, tx_code_length: int | None,
             supplement_format: str = "html", wallet_offer: str | None = None) -> Exported:
    """The carrier of one credential whose authenticity was checked (stamped when it failed)."""
    stem = _stem(art)
    stamp = checked.reason() or None
    if target == "qr":
        from .qr import credential_qr

        data, kind, text = credential_qr(art, verify_url=verify_url, fmt=qr_format,
                                         mode=qr_content)  # type: ignore[arg-type]
        note = f"QR holds the verification link {text}" if kind == "link" else "QR holds the compact JWT"
        return Exported(data, f"{stem}-qr.{qr_format}", "image/svg+xml" if qr_format == "svg" else "image/png",
                        notes=[note])
    if target in ("png", "svg"):
        from .baking import bake_png, bake_svg

        if isinstance(image, Path):
            image = _read_file(image, "badge image", "image")
        if target == "png":
            return Exported(bake_png(art, image, unverified=stamp, lang=lang), f"{stem}-badge.png", "image/png")
        return Exported(bake_svg(art, image, unverified=stamp, lang=lang), f"{stem}-badge.svg", "image/svg+xml")
    if target == "europass":
        from .europass import europass_export

        file = europass_export(art, lang=lang)
        return Exported(file.content, file.name, "application/ld+json",
                        notes=["upload this file to your Europass wallet (My Library > Credentials)"])
    if target in ("pdf", "html"):
        from .certificate import certificate_content, certificate_html, certificate_pdf

        content = certificate_content(art, verify_url=verify_url, lang=lang, logo=logo, unverified=stamp,
                                      wallet_offer=wallet_offer)
        if target == "pdf":
            return Exported(certificate_pdf(content), f"{stem}-certificate.pdf", "application/pdf",
                            notes=content.notes)
        return Exported(certificate_html(content, lang=lang).encode("utf-8"), f"{stem}-certificate.html",
                        "text/html", notes=content.notes)
    if target == "supplement":
        from .supplement import supplement_content, supplement_html, supplement_pdf

        if supplement_format not in ("html", "pdf"):
            raise ExportError(f"a supplement is written as html or pdf, not {supplement_format!r}",
                              field="out", value=supplement_format)
        annex = supplement_content(art, lang=lang, unverified=stamp)
        if supplement_format == "pdf":
            return Exported(supplement_pdf(annex), f"{stem}-supplement.pdf", "application/pdf")
        return Exported(supplement_html(annex).encode("utf-8"), f"{stem}-supplement.html", "text/html")
    return _offer(art, stem, credential_issuer, issuer_name, tx_code_length)


def _offer(art: SignedArtefact, stem: str, credential_issuer: str | None, issuer_name: str | None,
           tx_code_length: int | None) -> Exported:
    from .offer import configuration_for, credential_offer, issuer_metadata, metadata_url, offer_qr

    if not credential_issuer:
        raise ExportError("a wallet offer needs the institution's credential issuer URL (--credential-issuer "
                          "https://credentials.example.edu)", field="credential-issuer")
    bundle = credential_offer(credential_issuer, [configuration_for(art.format, art.mechanism.name)],
                              tx_code_length=tx_code_length)
    meta = issuer_metadata(credential_issuer, name=issuer_name or (art.elements.issuer.name.get("en", "")
                                                                   if art.elements.issuer else "") or "Issuer")
    notes = [f"offer URI: {bundle.uri}",
             f"keep the pre-authorized code {bundle.pre_authorized_code} with credential {art.credential_id} "
             "for your token endpoint",
             f"publish the issuer metadata at {metadata_url(credential_issuer)}",
             "this offer is for an issuer of your own; an edcissuer serve deployment redeems the offers of "
             "`edcissuer offer` or POST /offers (docs/wallets.md)"]
    if bundle.tx_code:
        notes.append(f"transaction PIN {bundle.tx_code}: send it to the learner by another channel (e-mail, SMS)")
    return Exported(bundle.to_json().encode("utf-8"), f"{stem}-offer.json", "application/json",
                    companions={".qr.png": offer_qr(bundle), ".issuer-metadata.json": _json(meta)}, notes=notes)
