"""Byte encodings used by keys, DIDs and proofs: the one place for them.

Why one module: base58btc / base64url / multicodec each have easy-to-miss details
(no padding, strict alphabets, varint headers). Getting one of them slightly wrong in
a second copy silently breaks interoperability, so every other module calls these.

All decoders raise `ValueError` on malformed input; callers turn that into their own
error (`KeyMaterialError`, a failed proof check, ...).
"""
from __future__ import annotations

import base64
import binascii
import re

import base58

# Multicodec codes (https://github.com/multiformats/multicodec, table.csv) for the keys we use.
ED25519_PUB = 0xED
ED25519_PRIV = 0x1300
P256_PUB = 0x1200
P384_PUB = 0x1201
P256_PRIV = 0x1306
P384_PRIV = 0x1307
RSA_PUB = 0x1205   # DER RSAPublicKey (PKCS#1), as did:key uses for RSA

#: the varint-encoded headers, as they appear in front of the key bytes
HEADERS: dict[int, bytes] = {}

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_B58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]*$")


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128 varint, as multicodec uses."""
    if value < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes) -> tuple[int, int]:
    """Return (value, number of bytes read); minimal encodings only (at most 9 bytes)."""
    value = 0
    for i, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i > 0 and byte == 0:
                raise ValueError("non-minimal varint")
            return value, i + 1
    raise ValueError("truncated or over-long varint")


for _code in (ED25519_PUB, ED25519_PRIV, P256_PUB, P384_PUB, P256_PRIV, P384_PRIV, RSA_PUB):
    HEADERS[_code] = encode_varint(_code)


def add_multicodec(code: int, data: bytes) -> bytes:
    """Prefix `data` with the varint header of multicodec `code`."""
    return encode_varint(code) + data


def split_multicodec(data: bytes) -> tuple[int, bytes]:
    """Return (multicodec code, payload) from header-prefixed bytes."""
    code, n = decode_varint(data)
    return code, data[n:]


# --- plain base64url (RFC 4648 section 5, no padding) -----------------------------------

def b64url_encode(data: bytes) -> str:
    """base64url without padding (JOSE, multibase 'u')."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url decode; padding is optional, any other stray character is an error."""
    stripped = text.rstrip("=")
    if not _B64URL.match(stripped) or len(stripped) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except binascii.Error as exc:  # pragma: no cover - regex above already guards
        raise ValueError("not base64url") from exc


# --- base58btc ------------------------------------------------------------------------

def b58_encode(data: bytes) -> str:
    return base58.b58encode(data).decode("ascii")


def b58_decode(text: str) -> bytes:
    """Strict base58btc (bitcoin alphabet) decode."""
    if not text or not _B58.match(text):
        raise ValueError("not base58btc")
    return base58.b58decode(text)


# --- multibase --------------------------------------------------------------------------

def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: 'z' + base58 (publicKeyMultibase, proofValue)."""
    return "z" + b58_encode(data)


def decode_base58btc(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("multibase base58btc value must start with 'z'")
    return b58_decode(text[1:])


def encode_base64url(data: bytes) -> str:
    """Multibase base64url without padding: 'u' + base64url (e.g. status lists)."""
    return "u" + b64url_encode(data)


def decode_base64url(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("u"):
        raise ValueError("multibase base64url value must start with 'u'")
    return b64url_decode(text[1:])


def multibase_decode(text: str) -> bytes:
    """Decode a multibase string in one of the two encodings we accept ('z', 'u')."""
    if isinstance(text, str) and text.startswith("z"):
        return decode_base58btc(text)
    if isinstance(text, str) and text.startswith("u"):
        return decode_base64url(text)
    raise ValueError("unsupported multibase prefix (expected 'z' or 'u')")


def encode_multikey(code: int, key_bytes: bytes) -> str:
    """Multikey value: base58btc of multicodec header + key bytes."""
    return encode_base58btc(add_multicodec(code, key_bytes))


def decode_multikey(text: str) -> tuple[int, bytes]:
    """Return (multicodec code, key bytes) of a Multikey value."""
    return split_multicodec(multibase_decode(text))
