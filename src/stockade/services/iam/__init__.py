"""The IAM API subset (query protocol): users, access keys, groups, roles, policies.

`service.IamService` assembles the operation table; this package init stays empty so that
`stockade.services.identity` and `stockade.services.authz` can use `managed` without cycles.
"""
