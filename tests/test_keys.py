"""KeyPair and the multibase/multicodec encodings."""
from __future__ import annotations

import json
import os
import stat

import pytest

from edcissuer.crypto import multibase as mb
from edcissuer.crypto.keys import ALGORITHMS, KeyPair
from edcissuer.errors import KeyMaterialError

# public facts of the W3C vc-di-eddsa / vc-di-ecdsa test vector keys
ED25519_PUB = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
ED25519_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
P256_PUB = "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"
P256_SECRET = "z42twTcNeSYcnqg1FLuSFs2bsGH3ZqbRHFmvS9XMsYhjxvHN"


# --- multibase / multicodec ---------------------------------------------------------------

@pytest.mark.parametrize("code, header", [
    (mb.ED25519_PUB, "ed01"), (mb.ED25519_PRIV, "8026"), (mb.P256_PUB, "8024"),
    (mb.P384_PUB, "8124"), (mb.P256_PRIV, "8626"), (mb.P384_PRIV, "8726"),
])
def test_multicodec_headers(code: int, header: str) -> None:
    assert mb.HEADERS[code].hex() == header
    assert mb.split_multicodec(bytes.fromhex(header) + b"key") == (code, b"key")


def test_base64url_has_no_padding_and_decodes_strictly() -> None:
    assert mb.b64url_encode(b"\xff\xfe") == "__4"
    assert mb.b64url_decode("__4") == b"\xff\xfe"
    assert mb.decode_base64url(mb.encode_base64url(b"abc")) == b"abc"
    for bad in ("a+b/", "ab$c", "a"):
        with pytest.raises(ValueError):
            mb.b64url_decode(bad)


def test_base58btc_round_trip_and_strict_alphabet() -> None:
    assert mb.decode_base58btc(mb.encode_base58btc(b"\x00\x01hello")) == b"\x00\x01hello"
    for bad in ("z0OIl", "abc", "z"):
        with pytest.raises(ValueError):
            mb.decode_base58btc(bad)
    with pytest.raises(ValueError):
        mb.multibase_decode("mAAAA")


def test_varint_rejects_truncated_and_non_minimal() -> None:
    with pytest.raises(ValueError):
        mb.decode_varint(b"\x80")
    with pytest.raises(ValueError):
        mb.decode_varint(b"\x80\x00")


# --- KeyPair ----------------------------------------------------------------------------------

@pytest.mark.parametrize("alg, prefix, sig_len", [("Ed25519", "z6Mk", 64), ("P-256", "zDn", 64),
                                                  ("P-384", "z82", 96)])
def test_generate_sign_verify(alg: str, prefix: str, sig_len: int) -> None:
    key = KeyPair.generate(alg)
    assert key.public_multibase.startswith(prefix)
    assert key.did_key == "did:key:" + key.public_multibase
    assert key.verification_method == f"{key.did_key}#{key.public_multibase}"
    sig = key.sign(b"data")
    assert len(sig) == sig_len
    assert key.verify(sig, b"data")
    assert key.public_only().verify(sig, b"data")
    assert not key.verify(sig, b"datA")
    assert not key.verify(sig[:-1], b"data")
    assert not key.verify(bytes(sig_len), b"data")
    assert not KeyPair.generate(alg).verify(sig, b"data")


@pytest.mark.parametrize("alg", ["P-256", "P-384"])
def test_ecdsa_is_deterministic_rfc6979(alg: str) -> None:
    key = KeyPair.generate(alg)
    assert key.sign(b"same input") == key.sign(b"same input")


@pytest.mark.parametrize("algorithm", ["DSA", "secp256k1", "rsa", "X25519"])
def test_unknown_algorithm(algorithm: str) -> None:
    with pytest.raises(KeyMaterialError, match="unsupported key algorithm"):
        KeyPair.generate(algorithm)


def test_public_only_pair_cannot_sign() -> None:
    with pytest.raises(KeyMaterialError, match="private key"):
        KeyPair.generate().public_only().sign(b"x")


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_save_writes_0600_and_refuses_overwrite(tmp_path, alg: str) -> None:
    key = KeyPair.generate(alg)
    path = key.save(tmp_path / "issuer.pem")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert KeyPair.load(path) == key
    with pytest.raises(KeyMaterialError, match="exists"):
        KeyPair.generate(alg).save(path)
    assert KeyPair.load(path) == key


def test_overwrite_resets_mode_to_0600(tmp_path) -> None:
    path = tmp_path / "k.pem"
    path.write_text("old")
    path.chmod(0o644)
    key = KeyPair.generate()
    key.save(path, overwrite=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert KeyPair.load(path) == key


def test_encrypted_pem(tmp_path) -> None:
    key = KeyPair.generate("P-256")
    path = key.save(tmp_path / "k.pem", password=b"s3cret")
    assert b"ENCRYPTED" in path.read_bytes()
    assert KeyPair.load(path, password=b"s3cret") == key
    with pytest.raises(KeyMaterialError):
        KeyPair.load(path, password=b"wrong")


def test_public_pem_round_trip() -> None:
    key = KeyPair.generate("P-384")
    pub = KeyPair.from_pem(key.to_pem())
    assert pub == key.public_only() and not pub.has_private
    assert b"PRIVATE" not in key.to_pem()


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_repr_hides_private_key(alg: str) -> None:
    key = KeyPair.generate(alg)
    secret_texts = [key.secret_multibase(), key.to_jwk(private=True)["d"],
                    key.to_pem(private=True).decode().splitlines()[1]]
    for text in (repr(key), str(key), f"{key}", f"{key!r}", repr([key])):
        assert key.public_multibase in text
        for secret in secret_texts:
            assert secret not in text
    assert "private" in repr(key)


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_jwk_round_trip(alg: str) -> None:
    key = KeyPair.generate(alg)
    public = key.to_jwk()
    assert "d" not in public
    assert KeyPair.from_jwk(public) == key.public_only()
    assert KeyPair.from_jwk(key.to_jwk(private=True)) == key
    assert KeyPair.from_jwk(json.dumps(key.to_jwk(private=True))) == key
    assert KeyPair.from_jwk(key.to_jwcrypto(private=True)) == key


def test_jwk_with_foreign_public_part_is_refused() -> None:
    jwk = KeyPair.generate().to_jwk(private=True)
    jwk["x"] = KeyPair.generate().to_jwk()["x"]
    with pytest.raises(KeyMaterialError, match="do not match"):
        KeyPair.from_jwk(jwk)


@pytest.mark.parametrize("jwk", [{"kty": "RSA"}, {"kty": "EC", "crv": "P-521"}, {"kty": "OKP", "crv": "Ed25519"},
                                 {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}, "not json"])
def test_bad_jwk(jwk) -> None:
    with pytest.raises(KeyMaterialError):
        KeyPair.from_jwk(jwk)


def test_vector_multikeys_load() -> None:
    ed = KeyPair.from_multikey(ED25519_PUB, ED25519_SECRET)
    assert ed.algorithm == "Ed25519" and ed.secret_multibase() == ED25519_SECRET
    p256 = KeyPair.from_multikey(P256_PUB, P256_SECRET)
    assert p256.algorithm == "P-256" and p256.public_multibase == P256_PUB
    assert p256.secret_multibase() == P256_SECRET
    with pytest.raises(KeyMaterialError, match="belong together"):
        KeyPair.from_multikey(P256_PUB, ED25519_SECRET)


@pytest.mark.parametrize("value", ["zzzz", "z0000", "uAAAA", "z" + mb.b58_encode(b"\x00\x01abc"), ""])
def test_bad_multikey(value: str) -> None:
    with pytest.raises(KeyMaterialError):
        KeyPair.from_multikey(value)


def test_load_json_files(tmp_path) -> None:
    key = KeyPair.generate("P-256")
    (tmp_path / "jwk.json").write_text(json.dumps(key.to_jwk(private=True)))
    (tmp_path / "multikey.json").write_text(json.dumps({"publicKeyMultibase": key.public_multibase,
                                                        "secretKeyMultibase": key.secret_multibase()}))
    assert KeyPair.load(tmp_path / "jwk.json") == key
    assert KeyPair.load(tmp_path / "multikey.json") == key
    (tmp_path / "junk.json").write_text("[1, 2]")
    with pytest.raises(KeyMaterialError):
        KeyPair.load(tmp_path / "junk.json")
    with pytest.raises(KeyMaterialError):
        KeyPair.load(tmp_path / "missing.pem")
