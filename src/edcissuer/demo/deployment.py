"""`edcissuer serve --demo DIR`: a DEMO-ONLY deployment folder, ready to serve on the embedded SQLite ledger.

Why a folder with an ordinary issuer profile in it, not a special mode of the server: the
demo runs exactly the code a real deployment runs (several workers read the same profile),
and an admin can read `DIR/edcissuer.toml` to see what a real one needs. Everything in it
is marked DEMO-ONLY: the keys are the public demo keys in keys/, the token is written to a
0600 file and printed once, and the pages say "demo deployment" on every screen.

The folder also gets sample credentials issued by the deployment itself (both formats, via
the same `Service.issue` the HTTP API calls) and their PDF certificates, whose QR codes link
to this deployment's learner page: something to drop on the evaluator page at once.
"""
from __future__ import annotations

import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..config import load_config
from ..export.certificate import certificate_pdf
from ..ledger.outputs import write_atomic
from ..models.records import load_record
from ..service.core import Service
from ..service.settings import from_config, token_hash
from .run import project_root

TOKEN_FILE = "demo-token.DEMO-ONLY.txt"
POLICIES = {"university-strict": "university-strict.toml", "employer-lenient": "employer-lenient.toml",
            "alliance-partner": "alliance-partner.toml"}


@dataclass(frozen=True)
class DemoDeployment:
    folder: Path
    config: Path
    token: str
    public_url: str
    samples: tuple[Path, ...]


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _trust_list(root: Path, did: str) -> str:
    """The sample trust list, with the deployment's did:web added to every institution's ids."""
    text = (root / "samples" / "trust-list.toml").read_text(encoding="utf-8")
    text = text.replace('"../keys/', _toml_str(str(root / "keys") + "/")[:-1])
    return re.sub(r"^ids = \[", f"ids = [\n  {_toml_str(did)},  # this demo deployment (DEMO-ONLY)", text,
                  flags=re.M)


def write_demo_deployment(folder: Path, *, public_url: str, root: Path | None = None,
                          samples: bool = True) -> DemoDeployment:
    """Write (or reuse) the demo deployment in `folder` for `public_url`; issue the sample credentials once."""
    root = (root or project_root()).resolve()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    did = "did:web:" + quote(urlsplit(public_url).netloc, safe="")
    token_path = folder / TOKEN_FILE
    token = token_path.read_text(encoding="utf-8").strip() if token_path.is_file() else ""
    if not token:
        token = "demo-" + secrets.token_urlsafe(24)
        write_atomic(token_path, (token + "\n").encode())
    keys = root / "keys"
    write_atomic(folder / "trust-list.toml", _trust_list(root, did).encode("utf-8"))
    policies = "\n".join(f"{name} = {_toml_str(str(root / 'samples' / 'policies' / file))}"
                         for name, file in POLICIES.items())
    profile = f"""# DEMO-ONLY deployment written by `edcissuer serve --demo` (docs/service.md).
# The keys are the public demo keys of the source checkout: never issue real credentials with them.
version = 1

[issuer]
name = "edcissuer demo deployment (DEMO-ONLY)"
did = {_toml_str(did)}
key = {_toml_str(str(keys / "demo-issuer-ed25519.DEMO-ONLY.pem"))}
seal = {_toml_str(str(keys / "demo-seal-cert.DEMO-ONLY.pem"))}
seal_key = {_toml_str(str(keys / "demo-seal-key.DEMO-ONLY.pem"))}

[ledger]
path = "ledger.sqlite"

[verify]
trust = "trust-list.toml"
trust_anchors = [{_toml_str(str(keys / "demo-ca.DEMO-ONLY.pem"))}]

[export]
verify_url = {_toml_str(public_url + "/c/{id}")}

[service]
public_url = {_toml_str(public_url)}
demo = true
clients = [{{ name = "demo-registrar", sha256 = "{token_hash(token)}", scopes = ["issue", "revoke", "offer"] }}]

[service.policies]
{policies}
"""
    config_path = folder / "edcissuer.toml"
    write_atomic(config_path, profile.encode("utf-8"))
    written: list[Path] = []
    if samples:
        written = _issue_samples(folder, config_path, root, public_url)
    return DemoDeployment(folder, config_path, token, public_url, tuple(written))


def _issue_samples(folder: Path, config_path: Path, root: Path, public_url: str) -> list[Path]:
    """Each sample record in both formats, issued by the deployment, plus one PDF certificate each."""
    from ..service.settings import Client

    settings = from_config(load_config(config_path), public_url=public_url, environ=os.environ)
    service = Service(settings)
    client = Client("demo-setup", "0" * 64, frozenset({"issue"}))
    out = folder / "samples"
    out.mkdir(mode=0o700, exist_ok=True)
    written = []
    try:
        for path in sorted((root / "samples" / "records").glob("*.yaml")):
            record = load_record(path)
            for fmt in ("ob3", "elm"):
                done = service.issue(record.model_dump(mode="json", exclude_none=True), fmt=fmt,
                                     client=client).recorded
                target = out / f"{path.stem}.{fmt}{done.issued.suffix}"
                write_atomic(target, done.issued.serialize().encode("utf-8"))
                written.append(target)
                if fmt == "ob3":
                    pdf = out / f"{path.stem}.certificate.pdf"
                    write_atomic(pdf, certificate_pdf(done.issued.artefact, verify_url=public_url + "/c/{id}"))
                    written.append(pdf)
    finally:
        service.close()
    print(f"demo deployment: {len(written)} sample files in {out}", file=sys.stderr)
    return written
