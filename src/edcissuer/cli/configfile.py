"""The issuer profile (edcissuer.toml) as option defaults, for every command at once.

`OPTIONS` is the one table from profile keys to argparse `dest` names. After the parser is
built, `apply()` walks every subcommand and, for each option it has, sets the profile's
value as the option's default (a `required=True` option stops being required), so command
modules need no edit: a new command with `--ledger` gets `[ledger]` for free. Flags on the
command line always win. `finish()` runs after parsing: it resolves `*_env` names (only
when the value is used), and applies the signer rule: a signer flag on the command line
replaces the profile's signer and its issuer DID (a DID document lists the profile's key, not
the typed one; type --issuer-did too to keep a DID); a profile with both a key and a seal signs with the seal only
for `--proof jades`. To teach the profile a new option: add a `Binding` row here (and the
key to config.py and docs/config.md).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ENV_CONFIG, Config, ConfigError, discover, load_config


@dataclass(frozen=True)
class Binding:
    """Profile key -> option dest; `commands` limits it (None: every command having the option)."""

    key: str
    dest: str
    commands: frozenset[str] | None = None


_ISSUING = frozenset({"issue", "batch"})

# THE table. Command names are the words before the options: "revoke", "status publish".
OPTIONS: tuple[Binding, ...] = (
    Binding("issuer.did", "issuer_did"),
    Binding("issuer.name", "issuer_name"),                 # export --as offer: display name
    Binding("status.key", "key", frozenset({"revoke", "suspend", "reinstate", "status publish"})),
    Binding("issuer.key", "key"),                          # a later row wins: issuer.key over status.key
    Binding("issuer.seal.pkcs12", "p12"),                  # issuer.seal ending .p12/.pfx
    Binding("issuer.seal.pem", "seal_cert"),               # issuer.seal otherwise
    Binding("issuer.seal_key", "seal_key"),
    Binding("issuer.password_env", "password_env"),        # key_password_env or seal_password_env (finish())
    Binding("status.base_url", "status_url"),
    Binding("status.dir", "status_dir"),                   # also verify --status-dir: check against it
    Binding("status.key", "status_key"),
    Binding("status.list_validity_days", "list_validity_days"),
    Binding("ledger", "ledger"),                           # ledger.path, ledger.dsn or $ledger.dsn_env
    Binding("defaults.format", "format", _ISSUING),        # not revoke's "only this format"
    Binding("defaults.proof", "proof", _ISSUING),
    Binding("defaults.ob3_form", "ob3_form", _ISSUING),
    Binding("defaults.language", "lang"),
    Binding("defaults.profile", "profile"),                # the alliance profile, where a command has it
    Binding("verify.trust", "trust", frozenset({"verify"})),
    Binding("verify.policy", "policy", frozenset({"verify"})),
    Binding("verify.trust_anchors", "trust_anchor"),       # repeatable: flags add to the profile's
    Binding("verify.allow_hosts", "allow_host"),           # repeatable: flags add to the profile's
    Binding("verify.did_web_dir", "did_web_dir"),
    Binding("verify.controller_dir", "controller_dir"),
    Binding("verify.fetch_cache", "fetch_cache"),
    Binding("export.verify_url", "verify_url"),
    Binding("export.credential_issuer", "credential_issuer"),
    Binding("export.logo", "logo"),
)

#: (key, value, command): a value only batch takes, not applied to that command (as if the profile had none)
_BATCH_ONLY = frozenset({("defaults.format", "both", "issue")})

SIGNER_DESTS = ("key", "seal_cert", "seal_key", "p12")
#: Namespace attribute: the dests whose value came from the profile, not the command line
PROFILE_DESTS = "from_profile"
NO_CONFIG_COMMANDS = frozenset({"init"})  # init writes a profile; a broken one must not stop it


class FromConfig:
    """An option default that came from the profile (told apart from a flag after parsing)."""

    def __init__(self, value: Any, key: str, env: str | None = None, error: ConfigError | None = None) -> None:
        self.value, self.key, self.env, self.error = value, key, env, error

    def __repr__(self) -> str:  # what --help would show for %(default)s: never an env value
        return f"{self.env} (from the profile)" if self.env else f"{self.value} (from the profile)"

    def resolve(self) -> Any:
        if self.error is not None:  # refused only when this command uses it
            raise self.error
        if self.env is None:
            return self.value
        value = os.environ.get(self.env)
        if not value:
            raise ConfigError(f"environment variable {self.env} is not set", field=self.key)
        return value


def add_config_option(parser: argparse.ArgumentParser, *, top: bool) -> None:
    parser.add_argument("--config", metavar="FILE", default=None if top else argparse.SUPPRESS,
                        help=f"issuer profile (default: ${ENV_CONFIG}, else ./edcissuer.toml; see docs/config.md)")


def _is_config_flag(flag: str) -> bool:
    """`--config` or an abbreviation argparse would read as it (every subcommand has --config:
    a prefix is either --config or ambiguous, which argparse refuses)."""
    return len(flag) > 2 and "--config".startswith(flag)


def prescan(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """(--config value, first command word) from raw arguments, before the real parse."""
    config: str | None = None
    command: str | None = None
    items = list(argv)
    i = 0
    while i < len(items):
        token = items[i]
        if token == "--":
            break
        flag, eq, value = token.partition("=")
        if _is_config_flag(flag) and not eq and i + 1 < len(items):
            config = items[i + 1]
            i += 2
            continue
        if _is_config_flag(flag) and eq:
            config = value
        elif command is None and not token.startswith("-"):
            command = token
        i += 1
    return config, command


def load(argv: Sequence[str]) -> Config | None:
    """The profile that applies to this run, or None (no file anywhere, or `init`)."""
    explicit, command = prescan(argv)
    if command is None or command in NO_CONFIG_COMMANDS:
        return None
    path = discover(explicit, os.environ, Path.cwd())
    if path is None:
        return None
    if not path.is_file():
        source = "--config" if explicit else f"${ENV_CONFIG}"
        what = "not a file" if path.exists() else "no such file"
        raise ConfigError(f"{path}: {what} (from {source})", field="config")
    config = load_config(path)
    print(f"using profile {config.path}", file=sys.stderr)  # never applied silently (any discovery way)
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return config


def _values(config: Config) -> dict[str, FromConfig]:
    """Profile values under the table's keys (the seal split by kind, the ledger merged)."""
    raw = config.values()
    out = {key: FromConfig(value, key) for key, value in raw.items()}
    if "issuer.seal" in raw:
        kind = "pkcs12" if config.profile.issuer.seal_is_pkcs12 else "pem"
        out[f"issuer.seal.{kind}"] = FromConfig(raw["issuer.seal"], "issuer.seal")
    ledger = config.profile.ledger
    if ledger.dsn_env:
        out["ledger"] = FromConfig(None, "ledger.dsn_env", env=ledger.dsn_env)
    elif "ledger.path" in raw or "ledger.dsn" in raw:
        key = "ledger.path" if "ledger.path" in raw else "ledger.dsn"
        out["ledger"] = FromConfig(raw[key], key)
    env = config.profile.issuer.key_password_env or config.profile.issuer.seal_password_env
    if env:  # finish() picks the seal's variable when the seal signs
        out["issuer.password_env"] = FromConfig(env, "issuer.key_password_env")
    return out


def leaf_parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[str, argparse.ArgumentParser]]:
    """(command words, parser) for every runnable subcommand."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and path:
        yield " ".join(path), parser
    seen: set[int] = set()
    for action in subs:
        for name, child in action.choices.items():
            if id(child) not in seen:
                seen.add(id(child))
                yield from leaf_parsers(child, (*path, name))


def apply(parser: argparse.ArgumentParser, config: Config) -> None:
    """Set the profile's values as defaults of every subcommand option the table maps."""
    values = _values(config)
    for command, leaf in leaf_parsers(parser):
        actions = {a.dest: a for a in leaf._actions}
        applied: list[str] = []
        for binding in OPTIONS:
            action = actions.get(binding.dest)
            value = values.get(binding.key)
            if action is None or value is None or (binding.commands and command not in binding.commands):
                continue
            if not action.option_strings:
                continue  # positionals are never defaulted
            if isinstance(value.value, str) and (binding.key, value.value, command) in _BATCH_ONLY:
                continue  # `format = "both"` is batch's; issue still asks for --format (elm or ob3)
            try:
                if isinstance(action, argparse._AppendAction):
                    action.default = [_convert(action, v, value.key) for v in value.value]
                elif value.env is not None:
                    action.default = value
                else:
                    action.default = FromConfig(_convert(action, value.value, value.key), value.key)
            except ConfigError as exc:
                action.default = FromConfig(None, value.key, error=exc)
            action.required = False
            if action.option_strings[-1] not in applied:
                applied.append(action.option_strings[-1])
        if applied:
            note = f"from the profile {config.path}: {', '.join(applied)}"
            leaf.epilog = f"{leaf.epilog}\n{note}" if leaf.epilog else note


def _convert(action: argparse.Action, value: Any, key: str) -> Any:
    """The value as argparse would have made it from the flag (type, then choices)."""
    if isinstance(value, str) and callable(action.type):
        try:
            value = action.type(value)
        except (argparse.ArgumentTypeError, TypeError, ValueError) as exc:
            raise ConfigError(f"{value!r} is not valid for {action.option_strings[0]}: {exc}", field=key) from exc
    if action.choices is not None and value not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise ConfigError(f"{value!r} is not a choice of {action.option_strings[0]} ({choices})", field=key)
    return value


def finish(args: argparse.Namespace, config: Config | None) -> None:
    """After parsing: apply the signer rule, then replace profile defaults by their values."""
    ns = vars(args)
    ns.setdefault(PROFILE_DESTS, frozenset())
    if config is None:
        return

    def from_config(dest: str) -> bool:
        return isinstance(ns.get(dest), FromConfig)

    def plain(dest: str) -> Any:
        value = ns.get(dest)
        return value.value if isinstance(value, FromConfig) else value

    explicit_signer = any(d in ns and ns[d] is not None and not from_config(d) for d in SIGNER_DESTS)
    if explicit_signer:  # the command line names the signer: the profile's (and its DID) does not mix in
        for dest in (*SIGNER_DESTS, "password_env", "issuer_did"):
            if from_config(dest):
                ns[dest] = None
    elif from_config("key") and (from_config("p12") or from_config("seal_cert")):
        seal_signs = plain("proof") == "jades"
        for dest in (("key",) if seal_signs else ("p12", "seal_cert", "seal_key")):
            ns[dest] = None
        if seal_signs and "status_key" in ns and ns["status_key"] is None:
            ns["status_key"] = Path(config.values()["issuer.key"])  # the key signs the status lists
    issuer = config.profile.issuer
    if from_config("password_env") and not from_config("key") and (from_config("p12") or from_config("seal_cert")):
        ns["password_env"] = FromConfig(issuer.seal_password_env, "issuer.seal_password_env")
    elif from_config("password_env"):
        ns["password_env"] = FromConfig(issuer.key_password_env, "issuer.key_password_env")
    ns[PROFILE_DESTS] = frozenset(dest for dest, value in ns.items() if isinstance(value, FromConfig))
    for dest, value in list(ns.items()):
        if isinstance(value, FromConfig):
            ns[dest] = value.resolve()
