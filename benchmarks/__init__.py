"""Benchmarks of supportbot against a bare Bolt app and against its own limits (issue 11).

Scripts, not tests: ``python -m benchmarks.run [--quick]``; see ``benchmarks/README.md``.
"""
