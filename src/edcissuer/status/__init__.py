"""Revocation and suspension through W3C Bitstring Status Lists (issue 6).

`bitstring` holds the encoding, the credentialStatus entries and the verifier's
`make_status_checker`; `publish` turns ledger states into signed list credentials.
"""
