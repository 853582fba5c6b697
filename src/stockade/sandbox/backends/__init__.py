"""Concrete isolation backends; only `wiring.py` (and tests/benchmarks) construct them."""
