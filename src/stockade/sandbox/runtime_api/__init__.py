"""The Lambda Runtime API (2018-06-01) served to one environment's guest; routes in routes.py."""
