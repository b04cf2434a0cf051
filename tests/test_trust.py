"""Trust list and the issuer-/partner-trust checks, on real sealed and signed credentials."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW
from cryptography.hazmat.primitives import serialization
from recognition_helpers import KEYS, STRICT, TRUST, options, trust_toml, write_issued

from edcissuer.crypto.demo_pki import generate_demo_ca, issue_seal_certificate
from edcissuer.errors import InputError
from edcissuer.issue import issue
from edcissuer.recognition import assess, load_trust_list
from edcissuer.recognition.findings import normalise_legal_identifier

SEAL_FP = "2f960eaa1478c2e97230ba8c3c3b8de0a83b699f02bd9741c30ba4f7c01d6c6a"


@pytest.fixture(scope="module")
def issued(tmp_path_factory, records, demo_keys):
    folder = tmp_path_factory.mktemp("trust")
    return {f"{name}.{fmt}": write_issued(folder, name, rec, fmt, demo_keys)
            for name, rec in records.items() for fmt in ("elm", "ob3")}


def check(entry, name):
    return next(c for c in entry.checks if c.name == name)


def one(path, **kw):
    report = assess(path, options=options(), **kw)
    assert len(report.credentials) == 1
    return report.credentials[0]


# --------------------------------------------------------------------------- the file


def test_sample_trust_list_loads_institutions_keys_seals_and_anchor():
    trust = load_trust_list(TRUST)
    assert [i.name for i in trust.institutions] == ["University of Lusitania", "Rheinau University of Technology",
                                                    "University of the Adriatic"]
    assert len(trust.anchors) == 1 and "Demo Seal CA" in trust.anchors[0].subject.rfc4514_string()
    lusitania, rheinau, _ = trust.institutions
    assert SEAL_FP in lusitania.fingerprints and SEAL_FP in rheinau.fingerprints  # PEM file / fingerprint
    assert "zDnaeV3Ad7GuEsL2coFBouPbyv4mXvJ6U5BD1EQi6U4CbzrBE" in rheinau.keys       # Multikey
    assert "PT500123456" in lusitania.legal_identifiers
    assert lusitania.qa.accredited and lusitania.qa.deqar_id == "DEQARINST9001"


@pytest.mark.parametrize("body, message", [
    ('[[institution]]\nname = "X"\nids = ["did:web:x.example"]\ncolour = "red"\n',
     "institution.0.colour: is not a known key"),
    ('[[institution]]\nname = "X"\n', "has no ids, legal identifiers, keys or certificates"),
    ('[[institution]]\nname = "X"\nfingerprints = ["abc"]\n', "is not a SHA-256 certificate fingerprint"),
    ('[[institution]]\nname = "X"\ncertificates = ["missing.pem"]\n', "cannot read certificate file missing.pem"),
    ('[[institution]]\nname = "X"\nkeys = ["zNotAKey"]\n', "cannot read key"),
    ('[[anchor]]\ncertificate = "nope.pem"\n', "anchor[0]: cannot read certificate file"),
    ('[[institution]\n', "not valid TOML"),
])
def test_bad_trust_list_is_refused_naming_the_problem(tmp_path, body, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace(".", r"\.")):
        load_trust_list(trust_toml(tmp_path, body))


def test_missing_trust_list_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read trust list"):
        load_trust_list(tmp_path / "none.toml")


def test_legal_identifiers_compare_across_spellings():
    assert normalise_legal_identifier("VATPT-500123456") == "PT500123456"   # eIDAS seal certificate
    assert normalise_legal_identifier("pt 500.123.456") == "PT500123456"
    assert normalise_legal_identifier("DE811234567") == "DE811234567"


# --------------------------------------------------------------------------- issuer trust


@pytest.mark.parametrize("name, institution", [("model1-single", "University of Lusitania"),
                                               ("model2-cooperative", "Rheinau University of Technology"),
                                               ("model3-joint", "University of the Adriatic")])
def test_sealed_elm_issuer_is_trusted_by_its_seal_certificate(issued, name, institution):
    entry = one(issued[f"{name}.elm"], trust=TRUST)
    result = check(entry, "trust.issuer")
    assert result.passed, result.reason
    assert result.details["institution"] == institution
    assert "seal certificate fingerprint" in result.details["matchedBy"]
    assert entry.trust.issuer.qa.accredited


@pytest.mark.parametrize("name", ["model1-single", "model2-cooperative", "model3-joint"])
def test_signed_ob3_issuer_is_trusted_by_its_signing_did_and_key(issued, name):
    result = check(one(issued[f"{name}.ob3"], trust=TRUST), "trust.issuer")
    assert result.passed, result.reason
    assert {"signing DID", "public key"} <= set(result.details["matchedBy"])


def test_issuer_missing_from_the_trust_list_is_untrusted_but_still_verified(issued, tmp_path):
    trust = trust_toml(tmp_path, '[[institution]]\nname = "Someone else"\nids = ["did:web:else.example"]\n')
    entry = one(issued["model1-single.ob3"], trust=trust)
    result = check(entry, "trust.issuer")
    assert not result.passed and "is not on the trust list" in result.reason
    assert entry.valid  # trust is weighed by the policy, it does not make a signature invalid


def test_issuer_on_the_list_but_signed_with_an_unlisted_key_is_untrusted(records, demo_keys, tmp_path):
    # Lusitania lists only the Ed25519 demo key; sign with the P-256 one
    path = write_issued(tmp_path, "p256", records["model1-single"], "ob3", demo_keys, proof="ecdsa-rdfc-2019",
                        signer=demo_keys.issuer_p256)
    result = check(one(path, trust=TRUST), "trust.issuer")
    assert not result.passed
    assert "is on the trust list as University of Lusitania, but the credential was signed with" in result.reason


def test_issuer_listed_by_public_key_only_is_trusted(records, demo_keys, tmp_path):
    # Rheinau lists the P-256 demo key under `keys` (Multikey), not its did:key under `ids`
    path = write_issued(tmp_path, "p256", records["model2-cooperative"], "ob3", demo_keys,
                        proof="ecdsa-rdfc-2019", signer=demo_keys.issuer_p256)
    result = check(one(path, trust=TRUST), "trust.issuer")
    assert result.passed, result.reason
    assert result.details["matchedBy"] == ["legal identifier", "public key"]


def test_seal_matches_by_eidas_organization_identifier_of_the_certificate(issued, tmp_path):
    # the demo seal certificate carries organizationIdentifier VATPT-500123456 (Lusitania's VAT number);
    # since report schema 3 that counts only through an anchor that vouches for the identifier
    trust = trust_toml(tmp_path, f'[[anchor]]\ncertificate = "{KEYS}/demo-ca.DEMO-ONLY.pem"\n'
                                 'vouches_for = ["PT500123456", "DE811234567"]\n'
                                 '[[institution]]\nname = "Lusitania"\nlegal_identifiers = ["PT500123456"]\n'
                                 '[[institution]]\nname = "Rheinau"\nlegal_identifiers = ["DE811234567"]\n')
    lusitania = check(one(issued["model1-single.elm"], trust=trust), "trust.issuer")
    assert lusitania.passed and "seal organizationIdentifier" in lusitania.details["matchedBy"]
    rheinau = check(one(issued["model2-cooperative.elm"], trust=trust), "trust.issuer")
    assert not rheinau.passed and "organizationIdentifier VATPT-500123456" in rheinau.reason


# --------------------------------------------------------------------------- anchors vouch for organisations


ROGUE_CA = "My Own Seal CA (DEMO - NOT TRUSTED)"


@pytest.fixture(scope="module")
def rogue(tmp_path_factory, records):
    """A second CA (one's own) and a seal it issued carrying Lusitania's legal identifier, sealing
    Lusitania's credential: the chain holds, the identifier is a lie."""
    folder = tmp_path_factory.mktemp("rogue")
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=365)
    ca = generate_demo_ca(not_before=start, not_after=end, common_name=ROGUE_CA, key_type="p256")
    seal = issue_seal_certificate(ca, organization="Not the University of Lusitania",
                                  organization_identifier="VATPT-500123456", country="PT",
                                  not_before=start, not_after=end, key_type="p256")
    (folder / "rogue-ca.pem").write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    credential = folder / "forged.elm.jades.json"
    credential.write_text(issue(records["model1-single"], fmt="elm", signer=seal, proof="jades",
                                now=NOW).serialize())
    return folder, credential


def sample_list_with(tmp_path, extra):
    """The sample trust list (paths made absolute) with `extra` TOML appended."""
    path = tmp_path / "trust.toml"
    path.write_text(TRUST.read_text().replace("../keys", str(KEYS)) + extra, encoding="utf-8")
    return path


def test_sample_trust_list_demo_ca_vouches_for_the_three_universities():
    (anchor,) = load_trust_list(TRUST).anchor_entries
    assert anchor.vouches_for == {"PT500123456", "DE811234567", "IT80001234567"}


def test_a_seal_from_another_ca_carrying_a_listed_universitys_identifier_is_refused(rogue, tmp_path):
    folder, forged = rogue
    trust = sample_list_with(tmp_path, f'\n[[anchor]]\nname = "{ROGUE_CA}"\n'
                                       f'certificate = "{folder}/rogue-ca.pem"\nvouches_for = ["DE811234567"]\n')
    entry = one(forged, trust=trust)
    assert check(entry, "trust.chain").passed  # the rogue CA is an anchor: the chain itself holds
    result = check(entry, "trust.issuer")
    assert not result.passed and result.details["state"] == "untrusted"
    assert "organizationIdentifier VATPT-500123456" in result.reason
    assert f"trust anchor '{ROGUE_CA}'" in result.reason and "vouch for PT500123456" in result.reason
    assert entry.authentic and entry.issuer_trust == "untrusted" and entry.exit_code == 3


def test_the_same_seal_is_refused_under_a_policy_and_by_the_cli(rogue, tmp_path, capsys):
    from edcissuer.cli import main

    folder, forged = rogue
    trust = sample_list_with(tmp_path, f'\n[[anchor]]\nname = "{ROGUE_CA}"\ncertificate = "{folder}/rogue-ca.pem"\n')
    report = assess(forged, policy=STRICT, trust=trust, options=options())
    assert report.credentials[0].decision.outcome == "not recognised" and report.exit_code == 3
    assert report.credentials[0].decision.reasons[0].rule == "trusted_issuer"
    code = main(["verify", str(forged), "--trust", str(trust), "--policy", str(STRICT), "--now", "2026-11-24T12:00:00Z"])
    assert code == 3 and "vouch for PT500123456" in capsys.readouterr().out


def test_a_seal_chaining_only_to_an_anchor_outside_the_trust_list_vouches_for_nobody(rogue):
    folder, forged = rogue
    from edcissuer.crypto.x509 import load_certificates

    anchor = load_certificates((folder / "rogue-ca.pem").read_bytes())
    report = assess(forged, trust=TRUST, options=options(trust_anchors=tuple(anchor)))
    result = check(report.credentials[0], "trust.issuer")
    assert check(report.credentials[0], "trust.chain").passed
    assert not result.passed and "chains to no anchor of the trust list" in result.reason
    assert "PT500123456" in result.reason


def test_the_legitimate_seal_is_still_trusted_by_identifier_through_the_vouching_anchor(issued, rogue, tmp_path):
    folder, _ = rogue
    trust = trust_toml(tmp_path, f'[[anchor]]\ncertificate = "{KEYS}/demo-ca.DEMO-ONLY.pem"\n'
                                 'vouches_for = ["VATPT-500123456"]\n'          # any spelling
                                 f'[[anchor]]\nname = "{ROGUE_CA}"\ncertificate = "{folder}/rogue-ca.pem"\n'
                                 '[[institution]]\nname = "Lusitania"\nlegal_identifiers = ["PT500123456"]\n')
    entry = one(issued["model1-single.elm"], trust=trust)
    result = check(entry, "trust.issuer")
    assert result.passed, result.reason
    assert result.details["matchedBy"] == ["legal identifier", "seal organizationIdentifier"]
    assert entry.issuer_trust == "trusted" and entry.exit_code == 0


def test_an_anchor_without_vouches_for_vouches_for_no_identifier(issued, tmp_path):
    trust = trust_toml(tmp_path, f'[[anchor]]\nname = "Demo CA"\ncertificate = "{KEYS}/demo-ca.DEMO-ONLY.pem"\n'
                                 '[[institution]]\nname = "Lusitania"\nlegal_identifiers = ["PT500123456"]\n')
    result = check(one(issued["model1-single.elm"], trust=trust), "trust.issuer")
    assert not result.passed
    assert "trust anchor 'Demo CA', which the trust list does not allow to vouch for PT500123456" in result.reason


def test_a_pinned_seal_certificate_is_trusted_by_its_fingerprint_whatever_the_anchor_vouches_for(issued, tmp_path):
    trust = trust_toml(tmp_path, f'[[anchor]]\ncertificate = "{KEYS}/demo-ca.DEMO-ONLY.pem"\n'
                                 f'[[institution]]\nname = "Lusitania"\nfingerprints = ["{SEAL_FP}"]\n'
                                 'ids = ["did:web:credentials.univ-lusitania.example"]\n')
    result = check(one(issued["model1-single.elm"], trust=trust), "trust.issuer")
    assert result.passed, result.reason
    assert result.details["matchedBy"] == ["id", "seal certificate fingerprint"]


def test_an_unanchored_seal_is_authentic_but_its_issuer_is_not_trusted_even_when_pinned(issued, tmp_path):
    trust = trust_toml(tmp_path, f'[[institution]]\nname = "Lusitania"\nfingerprints = ["{SEAL_FP}"]\n'
                                 'ids = ["did:web:credentials.univ-lusitania.example"]\n')
    entry = one(issued["model1-single.elm"], trust=trust)
    result = check(entry, "trust.issuer")
    assert not result.passed and "the seal certificate is not anchored (trust.chain: no trust anchor" in result.reason
    assert entry.authentic and entry.complete and entry.issuer_trust == "untrusted" and entry.exit_code == 3


def test_trust_list_anchors_verify_jades_seals_without_other_anchors(issued):
    without = one(issued["model1-single.elm"])
    assert not check(without, "trust.chain").passed
    with_list = one(issued["model1-single.elm"], trust=TRUST)
    assert check(with_list, "trust.chain").passed and with_list.valid


def test_without_a_trust_list_trust_is_reported_unchecked_not_passed(issued):
    # schema 3: an authentic credential whose issuer nobody checked is not "verified" (it was in 2)
    entry = one(issued["model1-single.ob3"])
    result = check(entry, "trust.issuer")
    assert not result.passed and result.details["state"] == "unchecked"
    assert entry.authentic and entry.complete and entry.issuer_trust == "unchecked"
    assert entry.decision.outcome == "not verified" and entry.exit_code == 3
    assert entry.decision.reasons[0].reason == "no trust list given: the issuer's trust could not be established"
    assert not entry.trust.checked


def test_without_policy_an_untrusted_issuer_is_not_verified(issued, tmp_path):
    trust = trust_toml(tmp_path, '[[institution]]\nname = "Someone else"\nids = ["did:web:else.example"]\n')
    entry = one(issued["model1-single.ob3"], trust=trust)
    assert entry.decision.outcome == "not verified"
    assert entry.decision.reasons[0].rule == "trusted_issuer"


# --------------------------------------------------------------------------- partner trust


def test_single_institution_credential_has_no_partners_to_check(issued):
    result = check(one(issued["model1-single.elm"], trust=TRUST), "trust.partners")
    assert result.passed and "no awarding body or delivering partner" in result.reason


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_cooperative_credential_names_each_unlisted_delivering_partner(issued, fmt):
    entry = one(issued[f"model2-cooperative.{fmt}"], trust=TRUST)
    result = check(entry, "trust.partners")
    assert not result.passed
    assert "delivering partner Vistula University of Technology" in result.reason
    assert "delivering partner University of Garonne" in result.reason
    assert [p.trusted for p in entry.trust.partners] == [False, False]


def test_cooperative_partners_pass_once_listed(issued, tmp_path):
    trust = trust_toml(tmp_path, f'[[anchor]]\ncertificate = "{KEYS}/demo-ca.DEMO-ONLY.pem"\n'
                                 '[[institution]]\nname = "Rheinau"\nlegal_identifiers = ["DE811234567"]\n'
                                 f'fingerprints = ["{SEAL_FP}"]\n'
                                 '[[institution]]\nname = "Vistula"\nids = ["did:web:pw-vistula.example"]\n'
                                 '[[institution]]\nname = "Garonne"\nlegal_identifiers = ["FR 19130001234"]\n')
    entry = one(issued["model2-cooperative.elm"], trust=trust)
    result = check(entry, "trust.partners")
    assert result.passed, result.reason
    assert [(p.role, p.institution, p.matched_by) for p in entry.trust.partners] == [
        ("delivering partner", "Vistula", ("id",)), ("delivering partner", "Garonne", ("legal identifier",))]


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_joint_credential_checks_every_other_awarding_body(issued, fmt):
    entry = one(issued[f"model3-joint.{fmt}"], trust=TRUST)
    result = check(entry, "trust.partners")
    assert result.passed, result.reason
    assert [(p.role, p.institution) for p in entry.trust.partners] == [
        ("awarding body", "Rheinau University of Technology"), ("awarding body", "University of Lusitania")]


def test_joint_credential_with_an_unlisted_awarding_body_fails_partner_trust(issued, tmp_path):
    text = TRUST.read_text().replace('"did:web:univ-lusitania.example",', "")
    text = text.replace('legal_identifiers = ["PT500123456"]', "").replace("../keys", str(KEYS))
    (tmp_path / "t.toml").write_text(text)
    result = check(one(issued["model3-joint.elm"], trust=tmp_path / "t.toml"), "trust.partners")
    assert not result.passed
    assert result.reason == ("awarding body University of Lusitania (did:web:univ-lusitania.example, PT500123456) "
                             "is not on the trust list")


def test_now_is_the_fixed_instant_of_every_check(issued):
    report = assess(issued["model1-single.ob3"], options=options())
    assert report.verified_at == NOW


@pytest.mark.parametrize("proof", ["jwt", "jwt-legacy"])
def test_jwt_secured_issuer_is_trusted_by_the_key_id_of_its_header(records, demo_keys, tmp_path, proof):
    pytest.importorskip("edcissuer.proofs.jwt", reason="VC-JWT support (proofs/jwt.py) not available yet")
    path = write_issued(tmp_path, "jwt", records["model1-single"], "ob3", demo_keys, proof=proof)
    entry = one(path, trust=TRUST)
    assert entry.valid, entry.failure
    result = check(entry, "trust.issuer")
    assert result.passed, result.reason
    assert "signing DID" in result.details["matchedBy"]
