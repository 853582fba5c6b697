"""The AWS Signer API subset (REST-JSON) for the `AWSLambda-SHA384-ECDSA` platform: signing
profiles with versions and a lifecycle, payload signing jobs over a package digest, and
revocation. Keys are generated and held here (`stockade.crypto.code_signing`)."""

from __future__ import annotations

from stockade.services.signer.service import SignerService

__all__ = ["SignerService"]
