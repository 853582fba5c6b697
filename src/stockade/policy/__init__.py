"""The AWS policy language and its evaluation (pure)."""
