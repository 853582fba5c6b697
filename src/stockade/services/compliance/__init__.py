"""Configuration history and compliance: rules evaluated on every recorded change and on demand,
results and their changes kept, changes delivered to each account's webhook."""
