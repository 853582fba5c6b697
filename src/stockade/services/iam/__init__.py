"""The IAM API subset (query protocol): users, access keys, groups, roles, policies.

`service.IamService` assembles the operation table; this package init stays empty so that
`stockade.services.identity` and the kernel's authorizer can use `managed` without cycles.
"""
