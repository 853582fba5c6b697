"""Object storage that speaks S3's API (an S3-compatible subset)."""
