"""The real wallet clients of issue 16, driven from Python: one node process per batch.

* `js/wallet-oid4vci.mjs`: the OpenWallet Foundation's OpenID4VCI client (`@openid4vc/openid4vci`)
  as the wallet: it resolves the offer, gets the token (pre-authorized code, optional tx_code),
  signs the proof with the holder's key and receives the credential of each configuration.
* `js/sdjwt.mjs`: `@sd-jwt/sd-jwt-vc` / `@sd-jwt/core` verifying an SD-JWT VC (issuer signature,
  disclosures, status, type metadata with its `extends` chain) and creating the holder's
  presentation (chosen disclosures + KB-JWT with `aud` and `nonce`).

Each `*_batch` function runs one driver once over many jobs (node starts in ~0.3 s; a test
module batches what it needs); the single-job helpers are for a test that needs one answer.
A refusal is an answer (`ok` False, `error` the code the client reports), never an exception;
`peers.DriverError` means the driver itself broke.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .peers import DriverError, run_driver

WALLET = "wallet-oid4vci"
SDJWT = "sdjwt"


def wallet_batch(jobs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Run every receive job in one wallet process; the answers in job order.

    A job: {"offer": URI, "holderJwk": private JWK, "txCode"?: str, "configurations"?: [ids],
    "replayProof"?, "requestAgain"?, "redeemAgain"?: bool}. An answer: {"ok", "version", "issuer",
    "offered", "credentials": {id: {"format", "credential", "binding", "proofHeader"}},
    "calls": [{"method", "url", "status"}], "replay"?, "requestAgain"?, "redeemAgain"?} or, refused,
    {"ok": False, "stage", "error", "status", "description", "message"}.
    """
    return _ordered(WALLET, [{"op": "receive", **job} for job in jobs])


def wallet_receive(offer_uri: str, *, holder_key_jwk: Mapping[str, Any], tx_code: str | None = None,
                   configurations: Iterable[str] | None = None, replay_proof: bool = False,
                   request_again: bool = False, redeem_again: bool = False) -> dict[str, Any]:
    """One offer redeemed by the npm wallet (see `wallet_batch` for the answer)."""
    job: dict[str, Any] = {"offer": offer_uri, "holderJwk": dict(holder_key_jwk), "replayProof": replay_proof,
                           "requestAgain": request_again, "redeemAgain": redeem_again}
    if tx_code is not None:
        job["txCode"] = tx_code
    if configurations is not None:
        job["configurations"] = list(configurations)
    return wallet_batch([job])[0]


def sdjwt_batch(jobs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Run every @sd-jwt job (op "verify" or "present", see js/sdjwt.mjs) in one node process."""
    return _ordered(SDJWT, jobs)


def verify_job(sd_jwt: str, issuer_jwk: Mapping[str, Any], *, nonce: str | None = None,
               required: Iterable[str] = (), type_metadata: Mapping[str, Any] | None = None,
               status_lists: Mapping[str, str] | None = None, network: bool = False,
               now: int | None = None) -> dict[str, Any]:
    """A verify job for `sdjwt_batch`.

    `nonce`: check the KB-JWT with it (the library checks a KB-JWT only when given one);
    `type_metadata`: vct -> document (or -> loopback URL to fetch it from), which turns on the
    library's type metadata resolution with its `extends` chain; `status_lists`: uri -> the
    statuslist+jwt it serves (offline); `network`: fetch status lists (and type metadata URLs)
    from loopback instead, with the library's own fetcher; `now`: the verifier's clock (seconds).
    """
    job: dict[str, Any] = {"op": "verify", "credential": sd_jwt, "issuerJwk": dict(issuer_jwk),
                           "requiredClaimKeys": list(required), "network": network}
    if nonce is not None:
        job["keyBindingNonce"] = nonce
    if type_metadata is not None:
        job["typeMetadata"] = dict(type_metadata)
    if status_lists is not None:
        job["statusLists"] = dict(status_lists)
    if now is not None:
        job["now"] = now
    return job


def present_job(sd_jwt: str, disclose: Iterable[str], holder_jwk: Mapping[str, Any], *, aud: str,
                nonce: str, iat: int | None = None) -> dict[str, Any]:
    """A present job for `sdjwt_batch`: disclose only `disclose`, sign a KB-JWT with `holder_jwk` (private)."""
    job: dict[str, Any] = {"op": "present", "credential": sd_jwt, "disclose": list(disclose),
                           "holderJwk": dict(holder_jwk), "aud": aud, "nonce": nonce}
    if iat is not None:
        job["iat"] = iat
    return job


def sdjwt_verify(sd_jwt: str, issuer_jwk: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """@sd-jwt's verdict on one SD-JWT VC: {"ok", "header", "payload", "kb", "presentable", ...}."""
    return sdjwt_batch([verify_job(sd_jwt, issuer_jwk, **options)])[0]


def sdjwt_present(sd_jwt: str, disclose: Iterable[str], holder_jwk: Mapping[str, Any], aud: str,
                  nonce: str) -> str:
    """The presentation @sd-jwt makes of `sd_jwt`; DriverError if it refuses to make one."""
    answer = sdjwt_batch([present_job(sd_jwt, disclose, holder_jwk, aud=aud, nonce=nonce)])[0]
    if not answer.get("ok"):
        raise DriverError(f"@sd-jwt could not present: {answer.get('error')}")
    return str(answer["presentation"])


def _ordered(driver: str, jobs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    numbered = [{**job, "id": str(n)} for n, job in enumerate(jobs)]
    results = run_driver(driver, numbered)
    return [results[job["id"]] for job in numbered]
