"""Code that runs in the zygote and inside sandboxes: standard library only, no Stockade imports.

The zygote pre-imports every module here before it forks a sandbox, because after pivot_root
the host's source tree is no longer visible to the sandbox.
"""
