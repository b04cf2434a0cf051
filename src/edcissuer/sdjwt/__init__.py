"""SD-JWT VC for EU Digital Identity Wallets: claims, issuing, verifying, type metadata, Token Status List.

See docs/sd-jwt-vc.md. The service (OpenID4VCI) and the ledger build on these functions.
"""
from .claims import EDC_VCT, EUDI_VCT, elements_from_claims, record_claims, withheld
from .core import is_sd_jwt
from .issue import SdJwtVc, issue_sd_jwt_vc, present
from .typemeta import claims_schema, edc_type_metadata, eudi_type_metadata, type_metadata
from .verify import SdJwtVerification, check_key_binding, issuer_metadata, jwks_resolver, verify_sd_jwt_vc

__all__ = ["EDC_VCT", "EUDI_VCT", "SdJwtVc", "SdJwtVerification", "check_key_binding", "claims_schema",
           "edc_type_metadata", "elements_from_claims", "eudi_type_metadata", "is_sd_jwt", "issue_sd_jwt_vc",
           "issuer_metadata", "jwks_resolver", "present", "record_claims", "type_metadata", "verify_sd_jwt_vc",
           "withheld"]
