"""Parsing rules JWS-based formats share (VC-JOSE/VC-JWT and JAdES).

Both refuse the same ambiguities: base64url that is padded or non-canonical (two texts,
one value: a signature could be altered without failing) and JSON objects with a repeated
member name (parsers disagree on which one wins, RFC 7515 section 5.2).
"""
from __future__ import annotations

import json
from typing import Any

from ..crypto.multibase import b64url_decode, b64url_encode


def b64url_decode_canonical(text: str) -> bytes:
    """JWS base64url: unpadded and canonical; ValueError otherwise."""
    if "=" in text:
        raise ValueError("padded base64url")
    data = b64url_decode(text)
    if b64url_encode(data) != text:  # stray low bits in the last character
        raise ValueError("not canonical base64url")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate member {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def loads_strict(text: str | bytes) -> Any:
    """json.loads that refuses repeated member names and NaN/Infinity literals (ValueError).

    Python's json reads NaN/Infinity by default; another verifier would refuse the text, so
    the same signed bytes would mean different things to different readers.
    """
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
