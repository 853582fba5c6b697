"""Function networking: the default (Lambda-like) network and attachment to VPC subnets.

`attachment` holds the typed values that cross from the control plane (a function's
VpcConfig, resolved against the EC2 store) to the data plane that builds interfaces and
firewall rules on the host.
"""
