"""Concrete isolation backends; only `stockade.wiring` (and tests/benchmarks) construct them."""
