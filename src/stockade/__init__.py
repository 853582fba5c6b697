"""Stockade: a self-hosted serverless function platform that speaks the AWS Lambda API."""

__version__ = "0.1.0"
