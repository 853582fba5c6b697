"""Execution environments: lifecycle, pool, isolation backends and the Lambda Runtime API."""
