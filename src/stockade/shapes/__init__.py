"""Typed wire shapes generated from botocore service models (see scripts/generate_shapes.py)."""
