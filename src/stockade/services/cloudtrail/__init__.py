"""CloudTrail's event history (LookupEvents) over Stockade's own audit records."""
