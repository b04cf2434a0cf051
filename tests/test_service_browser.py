"""The verify and public pages in a real browser (Debian Chromium through Playwright).

What only a browser shows: the real file input takes a file, the strict CSP lets the page's
own CSS and JS run (and nothing inline), the keyboard alone reaches and submits the form with
a visible focus, and a QR code printed on a certificate leads to the learner page. Screenshots
are written under the pytest tmp dir, and also to $EDCISSUER_SCREENSHOT_DIR when it is set.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("EDCISSUER_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"EDCISSUER_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
    pytest.skip(f"no browser: {CHROMIUM} is missing (Debian package chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from pdf_render import render_pdf_png  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One Chromium for the module, on a fresh profile."""
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=ARGS, viewport={"width": 1100, "height": 900}, locale="en-GB")
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A tab that records every console error (a CSP violation is one)."""
    tab = browser.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Save a full-page screenshot as a test artefact (and to $EDCISSUER_SCREENSHOT_DIR)."""
    folder = tmp_path_factory.mktemp("screenshots")
    extra = os.environ.get("EDCISSUER_SCREENSHOT_DIR")

    def save(tab, name: str) -> Path:  # type: ignore[no-untyped-def]
        target = folder / name
        tab.screenshot(path=str(target), full_page=True)
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(target, Path(extra) / name)
        return target

    return save


def _sample(deployment, name: str) -> Path:  # type: ignore[no-untyped-def]
    return next(p for p in deployment.samples if p.name == name)


def _answer(tab, question: str) -> str:  # type: ignore[no-untyped-def]
    return str(tab.locator(".answer", has_text=question).first.locator("dd").inner_text()).strip()


def test_a_sample_uploaded_through_the_file_input_is_recognised(service_demo, page, shots):
    server, deployment = service_demo
    path = _sample(deployment, "model1-single.ob3.jsonld")
    page.goto(server.url + "/verify")
    assert page.locator(".demo").is_visible()
    page.set_input_files("#files", str(path))
    assert page.locator("[data-chosen-list] li").first.inner_text().startswith(path.name)  # the JS file list
    page.select_option("#policy", "university-strict")
    page.click("#submit")
    page.wait_for_selector(".credential")
    assert _answer(page, "Authentic?") == "yes" and _answer(page, "Issuer trusted?") == "yes"
    assert _answer(page, "Complete micro-credential?") == "yes" and _answer(page, "Recognised?") == "recognised"
    reasons = page.locator(".reasons li").all_inner_texts()
    assert any("trusted_issuer" in r and "University of Lusitania" in r for r in reasons)
    assert page.locator("table.elements th", has_text="b) Title").count() == 1
    assert page.evaluate("document.activeElement.id") == "results-heading"   # focus moves to the results
    # the stylesheet was applied (served from /static under the CSP), and nothing was blocked
    assert page.evaluate("getComputedStyle(document.querySelector('.demo')).backgroundColor") == "rgb(255, 221, 0)"
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
    shots(page, "service-verify-page.png")


def test_a_tampered_credential_shows_the_failing_check(service_demo, page, shots, tmp_path):
    server, deployment = service_demo
    credential = json.loads(_sample(deployment, "model2-cooperative.ob3.jsonld").read_text(encoding="utf-8"))
    credential["credentialSubject"]["achievement"]["name"] = "A Title Nobody Signed"
    tampered = tmp_path / "tampered.jsonld"
    tampered.write_text(json.dumps(credential), encoding="utf-8")
    page.goto(server.url + "/verify")
    page.set_input_files("#files", str(tampered))
    page.select_option("#policy", "university-strict")
    page.click("#submit")
    page.wait_for_selector(".credential")
    assert _answer(page, "Authentic?") == "no" and _answer(page, "Recognised?") == "not recognised"
    failed = page.locator(".credential h4", has_text="Failed checks").locator("xpath=following-sibling::ul[1]")
    assert any(text.startswith("proof:") for text in failed.locator("li").all_inner_texts())
    shots(page, "service-verify-tampered.png")


def test_the_qr_code_of_a_certificate_opens_the_learner_page(service_demo, page, shots):
    zxingcpp = pytest.importorskip("zxingcpp")
    from io import BytesIO

    from PIL import Image

    server, deployment = service_demo
    pdf = _sample(deployment, "model2-cooperative.certificate.pdf")
    image = Image.open(BytesIO(render_pdf_png(pdf.read_bytes())))
    [qr] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert qr.text.startswith(server.url + "/c/")
    page.goto(qr.text)
    assert page.locator(".state strong").inner_text() == "valid"
    title = json.loads(_sample(deployment, "model2-cooperative.ob3.jsonld").read_text())["name"]
    assert title in page.locator("table.elements").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    shots(page, "service-learner-page.png")


def test_the_keyboard_alone_reaches_and_submits_the_form(service_demo, page, shots):
    server, deployment = service_demo
    credential = _sample(deployment, "model3-joint.ob3.jsonld").read_text(encoding="utf-8")
    page.goto(server.url + "/verify")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    order = []
    for _ in range(30):
        page.keyboard.press("Tab")
        current = page.evaluate("document.activeElement.id")
        order.append(current)
        if current == "text":
            page.keyboard.insert_text(credential)
        if current == "policy":
            page.keyboard.press("ArrowDown")     # the first policy after "verification only"
        if current == "submit":
            break
    assert order.index("files") < order.index("text") < order.index("policy") < order.index("stack") \
        < order.index("submit"), order
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "no visible focus on the submit button"
    page.keyboard.press("Enter")
    page.wait_for_selector(".credential")
    assert page.locator(".credential h3").inner_text().startswith("Credential from pasted text")
    assert _answer(page, "Authentic?") == "yes"
    assert page.locator("#policy").input_value() == "university-strict"
    shots(page, "service-verify-keyboard.png")


def test_files_dropped_on_the_form_are_taken_and_listed(service_demo, page):
    server, deployment = service_demo
    path = _sample(deployment, "model1-single.ob3.jsonld")
    page.goto(server.url + "/verify")
    assert page.locator("[data-drop-hint]").is_visible()          # the script runs under the CSP
    page.evaluate("""([name, text]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], name, {type: "application/ld+json"}));
        const zone = document.querySelector("[data-drop]");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", [path.name, path.read_text(encoding="utf-8")])
    assert page.evaluate("document.getElementById('files').files.length") == 1
    assert page.locator("[data-chosen-list] li").inner_text().startswith(path.name)
    page.click("#submit")
    page.wait_for_selector(".credential")
    assert _answer(page, "Authentic?") == "yes"
