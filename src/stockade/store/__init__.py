"""Persistence ports (Protocols) and their adapters."""
