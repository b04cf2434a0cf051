"""Carriers for signed credentials: presentations, QR codes, baked badges, wallet offers,
the Europass file, printable certificates and the supplement annex (docs/exports.md).

Every exporter takes the signed artefact (artefact.py) and never re-signs or re-maps it.
`run.export_credential` checks the artefact's proof first (authentic.py) and refuses one
that does not verify; the building blocks below do not check on their own.
Submodules are imported on use: `verify.py` reads presentations and baked badges through
`export.presentation` / `export.baking`, which must not pull in PDF or QR libraries.

    presentation  create_presentation, verify_presentation, new_challenge
    qr            credential_qr, qr_payload, make_qr, verification_url
    baking        bake_png, bake_svg, extract_credential, default_badge_png/svg
    offer         credential_offer, offer_uri, offer_qr, issuer_metadata
    europass      europass_export, europass_file_name
    certificate   certificate_html, certificate_pdf
    supplement    supplement_html, supplement_pdf (diploma-supplement-like annex)
    authentic     check_authenticity, require_authentic
    run           export_credential (check, then carrier)
"""
from __future__ import annotations

__all__: list[str] = []
