"""Typed audit events, the append-only hash-chained log, digests and verification."""
