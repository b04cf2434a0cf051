"""schemathesis against the running `edcissuer serve`: its own /openapi.json, bounded.

Why: the OpenAPI description is generated from the pydantic models the routes validate
with, so it is the contract a registrar's client is built from. schemathesis sends what
the description allows (and what it does not), with the bearer token so the protected
operations run too, and checks that no request ends in a server error and every answer
has the documented shape (problem details included). Its own server, so fuzzed issues
and status changes never touch the session's ledger.

One hypothesis test per operation over `operation.as_strategy(...)`, not schemathesis'
pytest plugin: its lazy `from_fixture` loader fails under pytest 9 (`Function._nodeid`).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from service_server import Server, demo_folder, free_port, running

#: every operation the service documents (a test below keeps this list and /openapi.json equal)
OPERATIONS = [("POST", "/credentials/issue"), ("POST", "/credentials/verify"), ("POST", "/presentations/verify"),
              ("POST", "/credentials/status"), ("POST", "/recognition/assess"), ("GET", "/status/{name}"),
              ("GET", "/status/tsl/{list_id}"), ("GET", "/.well-known/did.json"), ("GET", "/contexts/{name}"),
              ("GET", "/health"), ("POST", "/offers")]
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, Any]]:
    """Its own demo deployment (no samples), the bearer token, and the schema read from the server."""
    port = free_port()
    deployment = demo_folder(tmp_path_factory.mktemp("service-openapi"), port, samples=False)
    with running(deployment.config, port) as server:
        yield server, deployment.token, schemathesis.openapi.from_url(server.url + "/openapi.json")


def test_the_operation_list_is_the_documented_one(fuzzed: tuple[Server, str, Any]) -> None:
    _, _, api = fuzzed
    documented = {(r.ok().method.upper(), r.ok().path) for r in api.get_all_operations()}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_operation_meets_its_openapi_description(fuzzed: tuple[Server, str, Any], method: str,
                                                     path: str) -> None:
    """Valid and invalid requests (schemathesis' positive and negative modes), with the token."""
    _, token, api = fuzzed
    operation = api[path][method]
    cases = (operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, timeout=30, checks=CHECKS)

    run()
