"""Review 14: an issuer profile is applied only visibly and only when it is the user's own; what
`init` writes holds no secret even for a moment; profile values never block or mis-sign a command;
and a `--lang` is never turned into an arbitrary path."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from edcissuer import i18n
from edcissuer.config import ConfigError, load_config
from test_config import KEY, RECORD, issued_by, new_key, run, write


@pytest.mark.parametrize("lang", ["x" * 300, "../../etc", "en/../../x", "fr\\..\\de"])
def test_an_odd_language_tag_is_never_looked_up_on_disk_and_falls_back(lang):
    assert i18n.catalogue(lang) == {}
    assert lang not in i18n.fallback_chain(lang)
    french = i18n.translator(lang, "fr")
    assert french.chain[0] == "fr" and french.language == "fr"
    assert i18n.translator(lang).language == "en"


def test_a_shipped_language_is_still_found():
    assert i18n.catalogue("fr") and i18n.translator("fr-BE").language.startswith("fr")


def test_a_tilde_path_of_an_unknown_user_is_refused_by_its_key(tmp_path):
    write(tmp_path / "edcissuer.toml", '[issuer]\nkey = "~no-such-user-r14/x.pem"\n')
    proc = run("issue", RECORD, "--format", "elm", cwd=tmp_path)
    assert proc.returncode == 2
    assert "issuer.key" in proc.stderr and "~no-such-user-r14" in proc.stderr


def test_a_profile_used_through_a_symlink_resolves_paths_against_the_real_file(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    did = new_key(real / "k.pem", tmp_path)
    write(real / "edcissuer.toml", '[issuer]\nkey = "k.pem"\n')
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "edcissuer.toml").symlink_to(real / "edcissuer.toml")
    proc = run("issue", RECORD, "--format", "ob3", cwd=tmp_path / "elsewhere")
    assert issued_by(proc) == did


@pytest.mark.parametrize("ledger", ["postgresql://u:S3CRETpw@db.example/ledger",
                                    "host=127.0.0.1 password=S3CRETpw port=1 dbname=l"])
def test_init_refuses_a_password_in_the_ledger_before_writing_anything(tmp_path, ledger):
    """Not written then unlinked: the password never reaches the disk, and no key is created either."""
    proc = run("init", "--new-key", "--ledger", ledger, cwd=tmp_path)
    assert proc.returncode == 2 and "--ledger" in proc.stderr and "dsn_env" in proc.stderr
    assert "S3CRETpw" not in proc.stderr + proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_profiles_status_url_does_not_block_a_plain_issue_but_a_typed_one_still_needs_a_ledger(tmp_path):
    write(tmp_path / "edcissuer.toml", f'[issuer]\nkey = "{KEY}"\n[status]\nbase_url = "https://uni.example/status"\n')
    for extra in ((), ("--no-status",)):
        proc = run("issue", RECORD, "--format", "ob3", *extra, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "credentialStatus" not in proc.stdout
    typed = run("issue", RECORD, "--format", "ob3", "--status-url", "https://x.example/s", cwd=tmp_path)
    assert typed.returncode == 2 and "--ledger" in typed.stderr


def test_a_key_on_the_command_line_drops_the_profiles_issuer_did_too(tmp_path):
    write(tmp_path / "edcissuer.toml", f'[issuer]\nkey = "{KEY}"\ndid = "did:web:uni.example"\n')
    other = new_key(tmp_path / "other.pem", tmp_path)
    proc = run("issue", RECORD, "--format", "ob3", "--key", tmp_path / "other.pem", cwd=tmp_path)
    assert issued_by(proc) == other and "did:web:uni.example" not in proc.stdout
    typed = run("issue", RECORD, "--format", "ob3", "--key", tmp_path / "other.pem", "--issuer-did",
                "did:web:other.example", cwd=tmp_path)
    assert typed.returncode == 0 and "did:web:other.example" in typed.stdout
    profile = run("issue", RECORD, "--format", "ob3", cwd=tmp_path)
    assert profile.returncode == 0 and "did:web:uni.example" in profile.stdout


def test_format_both_from_init_is_batchs_only_and_issue_still_asks_for_format(tmp_path):
    assert run("init", "--key", KEY, "--format", "both", cwd=tmp_path).returncode == 0
    proc = run("issue", RECORD, cwd=tmp_path)
    assert proc.returncode == 2 and "--format" in proc.stderr and "defaults.format" not in proc.stderr
    assert run("issue", RECORD, "--format", "elm", cwd=tmp_path).returncode == 0
    help_text = run("batch", "--help", cwd=tmp_path).stdout
    assert "--format" in help_text.split("from the profile")[-1]


# --- whose profile applies ------------------------------------------------------------------------

def _discoveries(tmp_path: Path) -> list[tuple[tuple[str, ...], dict[str, str], Path]]:
    """(extra args, environment, expected file) for --config, $EDCISSUER_CONFIG and ./edcissuer.toml."""
    flag = write(tmp_path / "a" / "flag.toml", '[defaults]\nlanguage = "pt"\n')
    env = write(tmp_path / "b" / "env.toml", '[defaults]\nlanguage = "pt"\n')
    local = write(tmp_path / "edcissuer.toml", '[defaults]\nlanguage = "pt"\n')
    return [(("--config", str(flag)), {}, flag), ((), {"EDCISSUER_CONFIG": str(env)}, env), ((), {}, local)]


def test_every_way_a_profile_is_found_says_which_file_applies(tmp_path):
    for extra, env, expected in _discoveries(tmp_path):
        proc = run("keys", "new", "-o", tmp_path / f"{expected.stem}.pem", *extra, cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        assert f"using profile {expected}" in proc.stderr.splitlines()
    bare = tmp_path / "none"
    bare.mkdir()
    assert "using profile" not in run("keys", "new", "-o", bare / "k.pem", cwd=bare).stderr


def test_a_profile_anyone_may_write_is_refused(tmp_path):
    for extra, env, expected in _discoveries(tmp_path):
        expected.chmod(0o602)
        proc = run("keys", "new", "-o", tmp_path / f"{expected.stem}.pem", *extra, cwd=tmp_path, env=env)
        assert proc.returncode == 2 and "writable by anyone" in proc.stderr and str(expected) in proc.stderr
        assert not (tmp_path / f"{expected.stem}.pem").exists()
        expected.chmod(0o600)


def test_a_profile_owned_by_another_user_is_refused(tmp_path, monkeypatch):
    profile = write(tmp_path / "edcissuer.toml", f'[verify]\ntrust = "trust.toml"\n[issuer]\nkey = "{KEY}"\n')
    monkeypatch.setattr(os, "getuid", lambda: profile.stat().st_uid + 1)
    with pytest.raises(ConfigError, match="owned by another user") as refused:
        load_config(profile)
    assert refused.value.field == "config"


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="chown to another user needs root")
def test_a_dropped_in_profile_of_another_user_is_refused_by_the_cli(tmp_path):
    profile = write(tmp_path / "edcissuer.toml", f'[issuer]\nkey = "{KEY}"\n')
    os.chown(profile, 65534, -1)
    proc = run("issue", RECORD, "--format", "ob3", cwd=tmp_path)
    assert proc.returncode == 2 and "owned by another user" in proc.stderr and proc.stdout == ""
