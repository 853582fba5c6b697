"""Wire protocols: turn HTTP into (operation, parameters) and results back into HTTP."""
