"""The demo's export section: every carrier made from the demo's signed credentials, read back
and verified again, so the demo shows each round trip working (or says which one failed)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import EdcIssuerError
from ..export.baking import bake_png, bake_svg
from ..export.certificate import certificate_html, certificate_pdf
from ..export.europass import europass_export
from ..export.offer import configuration_for, credential_offer, issuer_metadata, offer_qr
from ..export.presentation import create_presentation
from ..export.qr import credential_qr
from ..results import VerificationResult
from ..verify import VerifyOptions, verify_all
from .keys import load_demo_keys

EXPORTS_FOLDER = "exports"  # under the demo's output folder
DEMO_VERIFY_URL = "https://verify.example.edu/c/{id}"
DEMO_ISSUER = "https://credentials.example.edu"
DEMO_DOMAIN = "admissions.example.org"
DEMO_CHALLENGE = "demo-challenge-7f3c2a"  # fixed so the demo output is reproducible; real verifiers use new_challenge()


def _state(results: list[VerificationResult]) -> str:
    ok = sum(r.verified for r in results)
    if ok == len(results):
        return f"verified ({ok})" if len(results) > 1 else "verified"
    fails = "; ".join(f"{c.name}: {c.reason}" for r in results for c in r.failures)
    return f"NOT verified ({ok}/{len(results)}): {fails[:300]}"


def export_demo_section(issued: list[Any], root: Path, out: Path, now: datetime) -> tuple[str, str]:
    """Make each export of the demo credentials in `out/exports/`, verify each, report one line per file.

    The section says the folder once and each line names a file in it, so every path it shows is
    one a user can open."""
    keys = load_demo_keys(root)
    folder = out / EXPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    options = VerifyOptions(now=now, trust_anchors=keys.trust_anchors)
    lines: list[str] = [f"written to {folder}/ (NN = the credential's line in the table above); each file that "
                        "carries a credential is read back and verified:", ""]

    def row(what: str, path: Path, results: list[VerificationResult] | None) -> None:
        state = "written" if results is None else _state(results)
        lines.append(f"{what:<38} {path.relative_to(folder)!s:<50} {state}")

    def attempt(what: str, make: Any) -> None:
        try:
            make()
        except EdcIssuerError as exc:
            lines.append(f"{what:<38} FAILED: {exc}")

    by_learner: dict[str, list[Any]] = {}
    for n, cred in enumerate(issued, 1):
        stem = f"{n:02d}-{cred.format}"
        subject = cred.credential.get("credentialSubject")
        subject = subject[0] if isinstance(subject, list) else subject
        if isinstance(subject, dict) and subject.get("id"):
            by_learner.setdefault(str(subject["id"]), []).append(cred)

        def qr(cred: Any = cred, stem: str = stem) -> None:
            image, _, _ = credential_qr(cred, verify_url=DEMO_VERIFY_URL, fmt="png")
            path = folder / f"{stem}-qr.png"
            path.write_bytes(image)
            row("QR (verification link)", path, None)
        attempt("QR", qr)
        if cred.format == "ob3":
            def baked(cred: Any = cred, stem: str = stem) -> None:
                for suffix, data in (("png", bake_png(cred)), ("svg", bake_svg(cred))):
                    path = folder / f"{stem}-badge.{suffix}"
                    path.write_bytes(data)
                    row(f"baked badge ({suffix.upper()})", path, verify_all(path, options))
            attempt("baked badge", baked)
        if cred.format == "elm" and cred.proof == "jades":
            def europass(cred: Any = cred, stem: str = stem) -> None:
                file = europass_export(cred)
                path = folder / f"{stem}-{file.name}"
                path.write_bytes(file.content)
                row("Europass file", path, verify_all(path, options))
            attempt("Europass file", europass)

            def certificate(cred: Any = cred, stem: str = stem) -> None:
                pdf = folder / f"{stem}-certificate.pdf"
                pdf.write_bytes(certificate_pdf(cred, verify_url=DEMO_VERIFY_URL))
                row("certificate (PDF)", pdf, None)
                page = folder / f"{stem}-certificate.html"
                page.write_text(certificate_html(cred, verify_url=DEMO_VERIFY_URL), encoding="utf-8")
                row("certificate (HTML)", page, None)
            attempt("certificate", certificate)

    learner_by_did = {k.did_key: (name, k) for name, k in keys.learners.items()}
    vp_options = VerifyOptions(now=now, trust_anchors=keys.trust_anchors, challenge=DEMO_CHALLENGE, domain=DEMO_DOMAIN)
    for did, creds in sorted(by_learner.items()):
        if did not in learner_by_did:
            continue
        name, key = learner_by_did[did]

        def vp(creds: list[Any] = creds, name: str = name, key: Any = key) -> None:
            presentation = create_presentation(creds, key, challenge=DEMO_CHALLENGE, domain=DEMO_DOMAIN, now=now,
                                               presentation_id=f"urn:uuid:00000000-0000-4000-8000-{len(name):012d}")
            path = folder / f"presentation-{name}.json"
            path.write_text(json.dumps(presentation, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            row(f"presentation ({name})", path, verify_all(path, vp_options))
            replayed = verify_all(path, VerifyOptions(now=now, trust_anchors=keys.trust_anchors,
                                                      challenge="another-challenge", domain=DEMO_DOMAIN))
            refused = not any(r.verified for r in replayed)
            verdict = "refused (presentation.replay)" if refused else "ACCEPTED: a bug"
            lines.append(f"{'  same VP, other challenge':<38} {verdict}")
        attempt(f"presentation ({name})", vp)

    def offer() -> None:
        ids = sorted({configuration_for(c.format, c.proof) for c in issued if c.proof != "jades"})
        bundle = credential_offer(DEMO_ISSUER, ids or ["OpenBadgeCredential_ldp_vc"],
                                  pre_authorized_code="demo-pre-authorized-code", tx_code_length=None)
        path = folder / "credential-offer.json"
        path.write_text(bundle.to_json(), encoding="utf-8")
        row("OID4VCI credential offer", path, None)
        (folder / "credential-offer.png").write_bytes(offer_qr(bundle))
        row("offer QR (openid-credential-offer://)", folder / "credential-offer.png", None)
        meta = folder / "openid-credential-issuer.json"
        meta.write_text(json.dumps(issuer_metadata(DEMO_ISSUER, name="Demo University"), indent=2) + "\n",
                        encoding="utf-8")
        row("issuer metadata (.well-known)", meta, None)
    if issued:
        attempt("OID4VCI offer", offer)
    return "Exports (what learners carry)", "\n".join(lines)
