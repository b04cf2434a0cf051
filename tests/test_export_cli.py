"""`edcissuer export` end to end: issue -> export each carrier -> read back -> verify; bad input
gives `error: <field>: <message>` and exit code 1, never a traceback."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import NOW, ROOT
from edcissuer.cli import main
from edcissuer.demo.exports import export_demo_section
from edcissuer.issue import issue
from edcissuer.verify import VerifyOptions, verify_all

KEYS = ROOT / "keys"
PATTERN = "https://verify.example.edu/c/{id}"


@pytest.fixture(scope="module")
def files(records, demo_keys, tmp_path_factory):
    folder = tmp_path_factory.mktemp("issued")
    ob3 = issue(records["model2-cooperative"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    elm = issue(records["model2-cooperative"], fmt="elm", signer=demo_keys.seal, now=NOW)
    (folder / "ob3.jsonld").write_text(ob3.serialize(), encoding="utf-8")
    (folder / "elm.jades.json").write_text(elm.serialize(), encoding="utf-8")
    return folder


def run(capsys, *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def verified(path: Path, demo_keys, **kw) -> bool:
    results = verify_all(path, VerifyOptions(now=NOW, trust_anchors=demo_keys.trust_anchors, **kw))
    return bool(results) and all(r.verified for r in results)


@pytest.mark.parametrize("target,suffix", [("png", ".png"), ("svg", ".svg")])
def test_baked_badges(files, tmp_path, capsys, demo_keys, target, suffix):
    out = tmp_path / f"badge{suffix}"
    code, err = run(capsys, "export", files / "ob3.jsonld", "--as", target, "-o", out)
    assert code == 0 and f"wrote {out}" in err
    assert verified(out, demo_keys)


def test_presentation_and_its_bad_cases(files, tmp_path, capsys, demo_keys):
    out = tmp_path / "vp.json"
    code, _ = run(capsys, "export", files / "ob3.jsonld", files / "elm.jades.json", "--as", "vp", "-o", out,
                  "--holder-key", KEYS / "demo-learner-jonas.DEMO-ONLY.pem", "--challenge", "n-1",
                  "--domain", "uni.example", "--now", "2026-11-24T12:00:00Z")
    assert code == 0
    assert verified(out, demo_keys, challenge="n-1", domain="uni.example")
    assert not verified(out, demo_keys, challenge="n-2", domain="uni.example")
    code, err = run(capsys, "export", files / "ob3.jsonld", "--as", "vp", "--holder-key",
                    KEYS / "demo-learner-ana.DEMO-ONLY.pem", "--challenge", "n-1", "--domain", "uni.example",
                    "-o", tmp_path / "x.json")
    assert code == 1 and "error: verifiableCredential[0].credentialSubject.id:" in err and "not the holder" in err
    code, err = run(capsys, "export", files / "ob3.jsonld", "--as", "vp", "-o", tmp_path / "y.json")
    assert code == 2 and "--holder-key" in err  # a missing option is a usage error


def test_europass_file_name_and_content(files, tmp_path, capsys, demo_keys):
    code, err = run(capsys, "export", files / "elm.jades.json", "--as", "europass", "-o", tmp_path)
    assert code == 0
    [written] = list(tmp_path.glob("*.jsonld"))
    assert written.name == "Circular-Economy-in-Urban-Water-Systems-2026-07-15.jsonld"
    assert written.read_bytes() == (files / "elm.jades.json").read_bytes()
    assert verified(written, demo_keys)
    code, err = run(capsys, "export", files / "ob3.jsonld", "--as", "europass", "-o", tmp_path)
    assert code == 1 and "error: format:" in err


def test_qr_and_certificates(files, tmp_path, capsys):
    code, err = run(capsys, "export", files / "ob3.jsonld", "--as", "qr", "-o", tmp_path / "qr.svg",
                    "--verify-url", PATTERN)
    assert code == 0 and (tmp_path / "qr.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert "verification link https://verify.example.edu/c/urn%3Auuid%3A" in err
    code, err = run(capsys, "export", files / "ob3.jsonld", "--as", "qr", "-o", tmp_path / "big.png")
    assert code == 1 and "error: qr: the credential is" in err and "bytes, too large for a QR code" in err
    for target in ("pdf", "html"):
        code, _ = run(capsys, "export", files / "elm.jades.json", "--as", target, "-o", tmp_path / f"c.{target}",
                      "--verify-url", PATTERN)
        assert code == 0 and (tmp_path / f"c.{target}").stat().st_size > 5000


def test_offer_writes_offer_qr_and_metadata(files, tmp_path, capsys):
    out = tmp_path / "offer.json"
    code, err = run(capsys, "export", files / "ob3.jsonld", "--as", "offer", "-o", out,
                    "--credential-issuer", "https://credentials.example.edu", "--tx-code", "6")
    assert code == 0
    offer = json.loads(out.read_text())
    assert offer["credential_configuration_ids"] == ["OpenBadgeCredential_ldp_vc"]
    assert (tmp_path / "offer.qr.png").exists()
    meta = json.loads((tmp_path / "offer.issuer-metadata.json").read_text())
    assert meta["credential_issuer"] == "https://credentials.example.edu"
    assert "transaction PIN" in err and "openid-credential-offer://" in err


def test_bad_inputs_are_errors_not_tracebacks(files, tmp_path, capsys):
    code, err = run(capsys, "export", tmp_path / "missing.json", "--as", "pdf")
    assert code == 2 and err.startswith(f"error: {tmp_path / 'missing.json'}: cannot read")  # usage error
    code, err = run(capsys, "export", files / "ob3.jsonld", files / "elm.jades.json", "--as", "pdf")
    assert code == 1 and "only a presentation carries several" in err
    image = tmp_path / "plain.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    code, err = run(capsys, "export", image, "--as", "html", "--verify-url", PATTERN)
    assert code == 1 and "error:" in err


def test_verify_cli_reads_a_baked_badge(files, tmp_path, capsys):
    badge = tmp_path / "badge.png"
    assert run(capsys, "export", files / "ob3.jsonld", "--as", "png", "-o", badge)[0] == 0
    code = main(["verify", str(badge), "--now", "2026-11-24T12:00:00Z"])
    out = capsys.readouterr().out
    assert code == 3 and "authentic: yes; issuer: unchecked" in out  # no --trust: authentic, issuer unchecked


def test_demo_section_round_trips_every_carrier(records, demo_keys, tmp_path):
    issued = [issue(records[n], fmt=f, signer=demo_keys.seal if f == "elm" else demo_keys.issuer,
                    proof="jades" if f == "elm" else "eddsa-rdfc-2022", now=NOW)
              for n in ("model1-single", "model3-joint") for f in ("elm", "ob3")]
    title, text = export_demo_section(issued, ROOT, tmp_path, NOW)
    assert title.startswith("Exports")
    assert "FAILED" not in text and "NOT verified" not in text and "ACCEPTED" not in text
    assert text.count("presentation (") == 2 and "Europass file" in text and "baked badge (PNG)" in text
    assert (tmp_path / "exports" / "openid-credential-issuer.json").exists()
