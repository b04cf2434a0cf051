"""The evaluator page /verify and the public page /c/{id}, over real HTTP (no browser).

The session's `service_demo` server is a real `edcissuer serve` on loopback; uploads are
real multipart/form-data bodies, the credentials are the ones the deployment issued.
A credential a test revokes is one it issued itself, so the shared samples keep their state.
"""
from __future__ import annotations

import html
import io
import json
import re
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")

from conftest import ROOT  # noqa: E402



def multipart(files: list[tuple[str, bytes]], **fields: str) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body with `files` under the form's `files` field, and plain fields."""
    boundary = "----edcissuer" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                  f"Content-Type: application/octet-stream\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def post_form(server, path: str, files: list[tuple[str, bytes]], **fields: str):  # type: ignore[no-untyped-def]
    body, headers = multipart(files, **fields)
    return server.request("POST", path, raw=body, headers=headers)


def text_of(page: bytes) -> str:
    """The visible text of a page, entities decoded and spaces normalised."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.decode("utf-8"))))


def sample(deployment, suffix: str, model: str = "model1-single") -> Path:  # type: ignore[no-untyped-def]
    return next(p for p in deployment.samples if p.name == f"{model}{suffix}")


@pytest.fixture(scope="module")
def demo(service_demo):  # type: ignore[no-untyped-def]
    return service_demo


def test_the_verify_page_is_a_form_under_the_strict_csp(demo):
    server, _ = demo
    status, headers, body = server.request("GET", "/verify")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "style-src 'self'" in headers["content-security-policy"]
    assert not re.search(r"\sstyle=|<style|\son[a-z]+=", page, re.I), "inline style or event handler"
    assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", page)), "a script without src"
    assert not re.search(r"<script[^>]*>\s*[^<\s]", page), "inline script"
    assert re.search(r'<html lang="en">', page)
    for control in ("files", "text", "policy", "stack"):
        assert f'<label for="{control}">' in page and f'id="{control}"' in page
    assert "<fieldset>" in page and "<legend>" in page and 'aria-live="polite"' in page
    assert 'enctype="multipart/form-data"' in page and 'value="json"' in page
    for policy in ("university-strict", "employer-lenient", "alliance-partner"):
        assert f'<option value="{policy}"' in page
    assert "DEMO deployment - demo keys, not for real credentials" in text_of(body)


def test_static_files_are_an_allow_list_with_types_and_cache_headers(demo):
    server, _ = demo
    status, headers, body = server.request("GET", "/static/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and b"focus-visible" in body
    assert "max-age" in headers["cache-control"]
    status, headers, _ = server.request("GET", "/static/verify.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    for name in ("../pages.py", "other.css", "%2e%2e%2fpages.py"):
        assert server.request("GET", f"/static/{name}")[0] == 404


def test_an_issued_ob3_credential_is_recognised_under_university_strict(demo):
    server, deployment = demo
    path = sample(deployment, ".ob3.jsonld")
    status, _, body = post_form(server, "/verify", [(path.name, path.read_bytes())], policy="university-strict",
                                format="html")
    text = text_of(body)
    assert status == 200
    assert f"Credential from {path.name}: Data Literacy for Public Policy" in text
    for answer in ("Authentic? yes", "Issuer trusted? yes", "Complete micro-credential? yes",
                   "Recognised? recognised"):
        assert answer in text
    assert "passed trusted_issuer : issuer University of Lusitania" in text   # the policy's reasons, in words
    assert "b) Title Data Literacy for Public Policy" in text and "g) Notional workload (ECTS) 5 ECTS" in text
    assert "k) Type of quality assurance" in text and "Overall: recognised" in text


def test_a_sealed_elm_credential_of_the_deployment_is_authentic_and_shown_with_its_elements(demo):
    server, deployment = demo
    path = sample(deployment, ".elm.jades.json")
    files = [(path.name, path.read_bytes())]
    status, _, body = post_form(server, "/verify", files, policy="university-strict", format="html")
    text = text_of(body)
    report = json.loads(post_form(server, "/verify", files, policy="university-strict", format="json")[2])
    [credential] = report["credentials"]
    assert status == 200 and credential["format"] == "elm" and "Format: elm" in text
    assert "Data Literacy for Public Policy" in text and "b) Title" in text
    # sealed with the demo e-seal, issued as the deployment's DID, status lists from its ledger
    assert credential["outcome"]["authentic"], [c for c in credential["checks"] if not c["passed"]]
    assert "Authentic? yes" in text and credential["outcome"]["complete"]


def test_a_tampered_credential_names_the_failing_check(demo):
    server, deployment = demo
    credential = json.loads(sample(deployment, ".ob3.jsonld").read_text(encoding="utf-8"))
    credential["credentialSubject"]["achievement"]["name"] = "Data Literacy for Public Policy (Honours)"
    credential["name"] = "Data Literacy for Public Policy (Honours)"
    data = json.dumps(credential).encode()
    status, _, body = post_form(server, "/verify", [("tampered.jsonld", data)], policy="university-strict",
                                format="html")
    text = text_of(body)
    assert status == 200 and "Authentic? no" in text and "Recognised? not recognised" in text
    assert re.search(r"Failed checks proof : [^.]*(signature|proof)", text), text


def test_every_unreadable_upload_gets_a_named_reason(demo):
    server, _ = demo
    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(blank, format="PNG")
    files = [("notes.txt", b"hello, not a credential"), ("broken.pdf", b"%PDF-1.4 not really"),
             ("photo.png", blank.getvalue()), ("empty.json", b"")]
    status, _, body = post_form(server, "/verify", files, format="html")
    text = text_of(body)
    assert status == 200
    assert "Not read: notes.txt: input: not a credential" in text
    assert "Not read: broken.pdf: the PDF cannot be opened" in text
    assert "Not read: photo.png: the image holds no baked credential" in text and "no QR code" in text
    assert "Not read: empty.json: the file is empty" in text
    assert "Credential from" not in text


def test_too_many_files_are_refused_in_words(demo):
    server, _ = demo
    files = [(f"f{i}.json", b"{}") for i in range(21)]
    status, _, body = post_form(server, "/verify", files, format="html")
    assert status == 422 and "Too many files: at most 20 per request." in text_of(body)


def test_the_json_download_is_the_recognition_report(demo):
    server, deployment = demo
    path = sample(deployment, ".ob3.jsonld", "model2-cooperative")
    status, headers, body = post_form(server, "/verify", [(path.name, path.read_bytes())],
                                      policy="university-strict", format="json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert headers["content-disposition"] == 'attachment; filename="recognition-report.json"'
    report = json.loads(body)
    status, api = server.json("POST", "/recognition/assess", {"credentials": [json.loads(path.read_text())],
                                                             "policy": "university-strict"})
    assert status == 200 and report["schema"] == api["schema"] == "edcissuer-recognition-report/3"
    assert report["credentials"][0]["source"] == path.name
    for key in ("outcome", "decision", "reasons", "checks", "elements"):
        assert report["credentials"][0][key] == api["credentials"][0][key], key
    assert report["summary"] == api["summary"]


def test_a_pdf_certificate_leads_through_its_qr_code_to_the_public_view(demo):
    server, deployment = demo
    pdf = sample(deployment, ".certificate.pdf")
    status, _, body = post_form(server, "/verify", [(pdf.name, pdf.read_bytes())], format="html")
    text = text_of(body)
    assert status == 200
    assert (f"{pdf.name} (QR code, page 1) links to the public page of a credential issued here. "
            "The file itself is needed for full verification.") in text
    assert "Status: valid" in text and "b) Title Data Literacy for Public Policy" in text


def _learner_strings(record: Path) -> list[str]:
    learner = yaml.safe_load(record.read_text(encoding="utf-8"))["learner"]
    return [str(learner[k]) for k in ("given_name", "family_name", "email", "student_id", "date_of_birth")
            if learner.get(k)]


def test_the_public_page_shows_the_programme_and_no_personal_data(demo):
    server, deployment = demo
    credential = json.loads(sample(deployment, ".ob3.jsonld").read_text(encoding="utf-8"))
    status, headers, body = server.request("GET", "/c/" + quote(credential["id"], safe=""))
    text = text_of(body)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Status: valid" in text and "Data Literacy for Public Policy" in text
    assert "University of Lusitania" in text and "5 ECTS credits" in text and "EQF level 6" in text
    strings = _learner_strings(ROOT / "samples" / "records" / "model1-single.yaml")
    assert len(strings) >= 4
    for personal in strings:
        assert personal not in body.decode(), f"personal data on the public page: {personal!r}"
    assert "a) Identification of the learner" not in text and "e) Date of issuing" not in text
    assert '<input type="file"' in body.decode()      # the learner can check their own file here


def test_the_learner_verifies_their_own_file_on_the_public_page(demo):
    server, deployment = demo
    path = sample(deployment, ".ob3.jsonld", "model3-joint")
    credential = json.loads(path.read_text(encoding="utf-8"))
    status, _, body = post_form(server, "/c/" + quote(credential["id"], safe=""), [(path.name, path.read_bytes())],
                                format="html")
    text = text_of(body)
    assert status == 200 and "Status: valid" in text and "Authentic? yes" in text
    assert "Recognised? not assessed (no policy chosen)" in text


def test_an_unknown_id_is_a_404_page_in_words(demo):
    server, _ = demo
    status, headers, body = server.request("GET", "/c/" + quote(f"urn:uuid:{uuid.uuid4()}", safe=""))
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert "No such credential" in text_of(body) and "No credential with this id was issued" in text_of(body)


def test_a_revoked_credential_says_revoked(demo):
    server, deployment = demo
    record = yaml.safe_load((ROOT / "samples" / "records" / "model1-single.yaml").read_text(encoding="utf-8"))
    # a learner of its own: the ledger gives a record it already holds back as the same credential
    tag = uuid.uuid4().hex[:8]
    record["learner"].update(id=f"did:example:{tag}", student_id=f"T-{tag}", email=f"t{tag}@example.org")
    status, issued = server.json("POST", "/credentials/issue", {"record": record, "options": {"format": "ob3"}},
                                 token=deployment.token)
    assert status == 201 and issued["new"], issued
    assert issued["credentialId"] != json.loads(sample(deployment, ".ob3.jsonld").read_text())["id"]
    page = "/c/" + quote(issued["credentialId"], safe="")
    assert "Status: valid" in text_of(server.request("GET", page)[2])
    status, _ = server.json("POST", "/credentials/status", {"credentialId": issued["credentialId"],
                                                            "action": "revoke", "reason": "test: issued in error"},
                            token=deployment.token)
    assert status == 200
    assert "Status: revoked" in text_of(server.request("GET", page)[2])
    data = json.dumps(issued["verifiableCredential"]).encode()
    text = text_of(post_form(server, page, [("mine.jsonld", data)], format="html")[2])
    assert "Status: revoked" in text and "Authentic? no" in text and re.search(r"Failed checks status : ", text)


def test_pages_speak_the_readers_language(demo):
    server, deployment = demo
    body = server.request("GET", "/verify?lang=fr")[2]
    text = text_of(body)
    assert '<html lang="fr">' in body.decode()
    assert "Vérifier une micro-certification" in text and "Politique de reconnaissance" in text
    assert "Verify a micro-credential" not in text
    body = server.request("GET", "/verify", headers={"Accept-Language": "sv, de-AT;q=0.9, en;q=0.5"})[2]
    assert '<html lang="de">' in body.decode() and "Ein Microcredential prüfen" in text_of(body)
    assert '<html lang="en">' in server.request("GET", "/verify?lang=..%2Fetc")[2].decode()
    credential = json.loads(sample(deployment, ".ob3.jsonld").read_text(encoding="utf-8"))
    path = sample(deployment, ".ob3.jsonld")
    body = post_form(server, "/c/" + quote(credential["id"], safe="") + "?lang=fr", [(path.name, path.read_bytes())],
                     policy="university-strict", format="html")[2]
    text = text_of(body)
    assert "Statut : valide" in text or "Statut: valide" in text
    assert "Authentique ? oui" in text and "b) Intitulé" in text and "Reconnue ? reconnue" in text


def test_stacking_shows_each_credential_and_the_total_towards_the_target(demo):
    server, deployment = demo
    files = [(p.name, p.read_bytes()) for p in (sample(deployment, ".ob3.jsonld"),
                                                 sample(deployment, ".elm.jades.json", "model2-cooperative"))]
    text = text_of(post_form(server, "/verify", files, policy="university-strict", stack="1", format="html")[2])
    stack = json.loads(post_form(server, "/verify", files, policy="university-strict", stack="1",
                                 format="json")[2])["stack"]
    assert "Stacking Target: 30 ECTS" in text
    for entry in stack["entries"]:
        assert entry["source"] in text and entry["reason"] in text
    assert stack["reached"] is False and f"Total: {stack['totalEcts']:g} ECTS counted: target not reached" in text


def test_a_baked_badge_is_verified_and_a_qr_link_elsewhere_is_shown_not_fetched(demo):
    server, deployment = demo
    from edcissuer.export.baking import bake_png

    credential = json.loads(sample(deployment, ".ob3.jsonld").read_text(encoding="utf-8"))
    qr = ROOT / "docs" / "examples" / "qr-model3-joint.png"   # a certificate QR of another deployment
    files = [("badge.png", bake_png(credential)), (qr.name, qr.read_bytes())]
    text = text_of(post_form(server, "/verify", files, format="html")[2])
    assert "Credential from badge.png: Data Literacy for Public Policy" in text and "Authentic? yes" in text
    assert re.search(r"qr-model3-joint.png \(QR code\) links elsewhere; the link is shown, not opened: "
                     r"https://verify\.example\.edu/c/urn%3Auuid%3A[0-9a-f-]+", text), text


def test_a_malformed_form_is_answered_with_a_page_not_an_error(demo):
    server, _ = demo
    status, headers, body = server.request("POST", "/verify", raw=b"--x\r\ngarbage",
                                           headers={"Content-Type": "multipart/form-data; boundary=zz"})
    assert status == 422 and headers["content-type"].startswith("text/html")
    assert "The form could not be read" in text_of(body)


def test_a_qr_code_holding_a_jwt_is_verified_and_other_text_is_named():
    from edcissuer.service.uploads import Document, Link, Unreadable, _payload

    assert _payload("q", "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln", "http://h") == \
        Document("q", "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln")
    assert _payload("q", "http://h/c/urn%3Auuid%3A1", "http://h") == Link("q", "http://h/c/urn%3Auuid%3A1",
                                                                         "urn:uuid:1")
    assert _payload("q", "http://h/c/a/b", "http://h").credential_id is None
    assert isinstance(_payload("q", "hello world", "http://h"), Unreadable)


def test_templates_and_static_files_live_in_the_package():
    from edcissuer.service import pages

    folder = Path(pages.__file__).parent
    assert all((folder / "static" / name).is_file() for name in pages.STATIC_FILES)
    for template in ("base.html", "verify.html", "public.html", "not_found.html", "results.html", "form.html"):
        assert (folder / "templates" / template).is_file()
