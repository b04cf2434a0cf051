"""Starting the service: uvicorn with one or more worker processes on one issuer profile.

Why the profile travels by environment variable: uvicorn starts each worker by importing
`app_from_environment`, so every worker reads the same file and refuses the same mistakes;
the parent reads it first, so a bad profile stops `edcissuer serve` before it listens.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from ..config import load_config
from .app import ENV_PUBLIC_URL
from .settings import from_config

FACTORY = "edcissuer.service.app:app_from_environment"


def serve(config: Path, *, host: str = "127.0.0.1", port: int = 8080, workers: int = 1,
          public_url: str | None = None, log_level: str = "info", proxy_headers: bool = False,
          forwarded_allow_ips: str | None = None) -> None:
    """Check the profile, then run uvicorn until interrupted (blocks)."""
    import uvicorn

    # refuse a bad profile now; the URL is --public-url, else service.public_url, else http://HOST:PORT
    settings = from_config(load_config(config), public_url=public_url, host=host, port=port)
    os.environ["EDCISSUER_CONFIG"] = str(config.resolve())
    os.environ[ENV_PUBLIC_URL] = settings.public_url
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, log_level=log_level,
                proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips, server_header=False,
                timeout_keep_alive=5, limit_concurrency=256, access_log=True)
