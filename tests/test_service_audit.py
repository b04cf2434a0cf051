"""The audit log of `edcissuer serve`, written by a real server with two worker processes.

Why its own server: the log must stay a whole hash chain when two processes append at once
(flock), and the server log is read at level info (every access line) to show that neither
file ever holds the learner's name, student id or email, whatever the request did.
"""
from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from service_server import Server, demo_folder, free_port, running

from edcissuer.models.records import load_record
from edcissuer.service.audit import verify_chain

ROOT = Path(__file__).resolve().parents[1]
#: a learner nobody else is called, so any trace of them in a file is this test's
NAME, FAMILY = "Zephyrine", "Quillfeather-Odanthe"
STUDENT_ID, EMAIL = "ZQ-99887766-S", "zephyrine.quillfeather@example.org"


def learner_record(tag: str) -> dict[str, Any]:
    data: dict[str, Any] = load_record(ROOT / "samples" / "records" / "model1-single.yaml").model_dump(
        mode="json", exclude_none=True)
    data["identifier"] = f"AUD-{tag}"
    data["learner"].update(given_name=NAME, family_name=FAMILY, student_id=STUDENT_ID, email=EMAIL)
    return data


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Any, Path]]:
    port = free_port()
    deployment = demo_folder(tmp_path_factory.mktemp("service-audit"), port, samples=False)
    with running(deployment.config, port, workers=2, extra=["--log-level", "info"]) as server:
        yield server, deployment, deployment.folder / "audit.jsonl"


def issue(server: Server, token: str, tag: str) -> dict[str, Any]:
    status, body = server.json("POST", "/credentials/issue",
                               {"record": learner_record(tag), "options": {"format": "ob3"}}, token=token)
    assert status == 201, body
    return dict(body)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_issue_and_revoke_append_lines_naming_client_action_and_credential(audited: Any) -> None:
    server, deployment, log = audited
    issued = issue(server, deployment.token, uuid.uuid4().hex)
    cid = issued["credentialId"]
    status, _ = server.json("POST", "/credentials/status", {"credentialId": cid, "action": "revoke",
                                                            "reason": "awarded in error"}, token=deployment.token)
    assert status == 200
    mine = [e for e in lines(log) if e["credentialId"] == cid]
    assert [(e["action"], e["client"]) for e in mine] == [("issue", "demo-registrar"), ("revoke", "demo-registrar")]
    assert mine[0]["new"] is True and mine[0]["format"] == "ob3"
    assert "awarded in error" not in log.read_text(encoding="utf-8")   # the reason stays in the ledger


def test_refused_calls_write_nothing(audited: Any) -> None:
    server, deployment, log = audited
    before = log.read_bytes()
    server.request("POST", "/credentials/issue", {"record": {"learner": {"given_name": NAME}},
                                                  "options": {"format": "ob3"}}, token=deployment.token)
    server.request("POST", "/credentials/issue", {"record": learner_record("x"), "options": {"format": "ob3"}})
    server.request("POST", "/credentials/status", {"credentialId": "urn:uuid:0", "action": "revoke", "reason": "r"},
                   token=deployment.token)
    assert log.read_bytes() == before


def test_concurrent_requests_from_two_workers_keep_the_chain_whole(audited: Any) -> None:
    server, deployment, log = audited
    tags = [uuid.uuid4().hex for _ in range(16)]
    with ThreadPoolExecutor(8) as pool:
        ids = {r["credentialId"] for r in pool.map(lambda t: issue(server, deployment.token, t), tags)}
    assert len(ids) == 16
    raw = log.read_bytes()
    assert raw.endswith(b"\n")
    entries = [json.loads(line) for line in raw.splitlines()]     # every line whole JSON: none interleaved
    assert ids <= {e["credentialId"] for e in entries}
    assert verify_chain(log) == (True, "the chain is whole")


def test_verify_chain_finds_a_removed_changed_or_reordered_line(audited: Any, tmp_path: Path) -> None:
    server, deployment, log = audited
    for _ in range(3):
        issue(server, deployment.token, uuid.uuid4().hex)
    original = log.read_bytes().splitlines(keepends=True)
    assert len(original) >= 4
    copy = tmp_path / "audit.jsonl"

    def broken(content: list[bytes]) -> tuple[bool, str]:
        copy.write_bytes(b"".join(content))
        return verify_chain(copy)

    assert broken(original) == (True, "the chain is whole")
    assert broken(original[:1] + original[2:])[0] is False                        # a line removed
    changed = json.loads(original[1])
    changed["client"] = "someone-else"
    assert broken(original[:1] + [json.dumps(changed, sort_keys=True, separators=(",", ":")).encode() + b"\n"]
                  + original[2:])[0] is False                                      # a line changed
    assert broken([original[1], original[0], *original[2:]])[0] is False           # two lines swapped
    ok, reason = broken(original[:2] + original[3:])
    assert not ok and "line 3" in reason


def test_the_audit_file_is_readable_by_its_owner_only(audited: Any) -> None:
    _, _, log = audited
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600


def test_no_learner_data_in_the_audit_file_or_the_server_log(audited: Any) -> None:
    server, deployment, log = audited
    issue(server, deployment.token, uuid.uuid4().hex)
    bad = learner_record(uuid.uuid4().hex)
    bad["workload"] = {"ects": "lots"}
    server.request("POST", "/credentials/issue", {"record": bad, "options": {"format": "ob3"}},
                   token=deployment.token)
    server.request("POST", "/credentials/verify", {"verifiableCredential": {"name": NAME, "email": EMAIL}})
    server.request("POST", "/credentials/issue", {"record": bad, "options": {"format": "ob3", "extra": NAME}},
                   token=deployment.token)
    texts = {"audit": log.read_text(encoding="utf-8"), "server log": server.logs()}
    assert "POST /credentials/issue" in texts["server log"]   # the log is at info: the access lines are there
    for where, text in texts.items():
        for value in (NAME, FAMILY, STUDENT_ID, EMAIL, deployment.token):
            assert value not in text, f"{value!r} in the {where}"
