"""Use cases per AWS service: authorize, act, audit."""
