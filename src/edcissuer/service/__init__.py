"""`edcissuer serve`: the issuing and verifying service, a thin adapter over the library.

    settings.py   the deployment, read once from the issuer profile ([service] and the rest)
    core.py       Service: the library calls every route and page makes (ledger, fetcher, audit)
    api.py        the JSON API (VC-API endpoints, recognition, published documents)
    pages.py      the evaluator page (/verify) and the learner's public page (/c/{id})
    auth.py       bearer tokens by hash, with scopes
    problems.py   RFC 9457 problem details for every refusal
    audit.py      the append-only, hash-chained audit log
    app.py        the ASGI app and its guards (size, time, headers, CORS)
    run.py        starting uvicorn (workers, demo deployment)
"""
from __future__ import annotations

from .settings import Client, ServiceSettings, from_config, token_hash

__all__ = ["Client", "ServiceSettings", "from_config", "token_hash"]
