"""Every file and every string a user hands us is read bounded, and never taken for something else."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from conftest import NOW, ROOT
from edcissuer.errors import InputError
from edcissuer.files import read_input, read_text_input
from edcissuer.models.records import load_record
from edcissuer.verify import VerifyOptions, verify, verify_all, verify_document, verify_file

OPTIONS = VerifyOptions(now=NOW)


def test_a_long_string_is_content_not_a_file_name():
    result = verify_document("a" * 5000, OPTIONS)
    assert not result.verified
    [check] = result.checks
    assert check.name == "input" and "neither a JSON object nor a compact JWT" in check.reason


def test_a_string_naming_a_server_file_is_never_read(tmp_path: Path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"@context": "x", "proof": {}}', encoding="utf-8")
    result = verify_document(str(secret), OPTIONS)
    assert [c.name for c in result.checks] == ["input"]
    assert verify(str(secret), OPTIONS).checks[0].name == "input"  # a str is content, a Path a file


def test_a_device_is_refused_at_once():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    started = time.monotonic()
    result = verify_file("/dev/zero", OPTIONS)
    assert time.monotonic() - started < 2
    assert result.checks[0].name == "input" and "not a regular file" in result.checks[0].reason
    [result] = verify_all(Path("/dev/zero"), OPTIONS)
    assert "not a regular file" in result.checks[0].reason


def test_a_fifo_is_refused_without_blocking(tmp_path: Path):
    fifo = tmp_path / "cred.fifo"
    os.mkfifo(fifo)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(verify_file(fifo, OPTIONS)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert done, "verify_file blocked on a FIFO"
    assert "not a regular file" in done[0].checks[0].reason  # type: ignore[attr-defined]


def test_an_oversized_file_is_refused_without_reading_it_all(tmp_path: Path):
    big = tmp_path / "big.json"
    big.write_bytes(b"{" + b" " * 2000 + b"}")
    with pytest.raises(InputError) as caught:
        read_input(big, max_bytes=1000)
    assert "1000-byte limit" in caught.value.message and caught.value.field == str(big)
    assert read_input(big, max_bytes=5000).startswith(b"{")


def test_a_missing_file_names_the_path(tmp_path: Path):
    with pytest.raises(InputError) as caught:
        read_input(tmp_path / "nope.json")
    assert "No such file" in caught.value.message and caught.value.field.endswith("nope.json")


def test_a_folder_is_not_a_file(tmp_path: Path):
    with pytest.raises(InputError, match="not a regular file|Is a directory"):
        read_input(tmp_path)


def test_text_that_is_not_utf8_gets_a_named_error(tmp_path: Path):
    latin = tmp_path / "record.yaml"
    latin.write_bytes((ROOT / "samples" / "records" / "model1-single.yaml").read_bytes() + "# Müller\n".encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_record(latin)
    assert "not UTF-8" in caught.value.message and caught.value.field == str(latin)


def test_a_byte_order_mark_is_dropped(tmp_path: Path):
    bom = tmp_path / "x.txt"
    bom.write_bytes(b"\xef\xbb\xbfhello")
    assert read_text_input(bom) == "hello"


def test_huge_integers_and_deep_nesting_are_input_errors():
    result = verify_document('{"a": ' + "9" * 5000 + "}", OPTIONS)
    assert result.checks[0].name == "input"
    result = verify_document("[" * 100_000, OPTIONS)
    assert result.checks[0].name == "input"
    result = verify_document("{" + '"a":{' * 100_000, OPTIONS)
    assert result.checks[0].name == "input"


def test_now_is_required_and_timezone_aware():
    from datetime import datetime

    from edcissuer.errors import VerificationError

    with pytest.raises(TypeError):
        VerifyOptions()  # type: ignore[call-arg]
    with pytest.raises(VerificationError):
        VerifyOptions(now=datetime(2026, 1, 1))
