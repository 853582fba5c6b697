"""Pure models and invariants: ARNs, functions, versions, aliases, layers, archives."""
