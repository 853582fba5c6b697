"""The HTTP edge: SigV4, wire protocols driven by botocore's models, error mapping."""
