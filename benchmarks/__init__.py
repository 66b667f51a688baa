"""Locust load tests of every registered implementation under equal, verified conditions.

`taskbench bench` (benchmarks/cli.py) is the entry point; benchmarks/README.md explains the plan,
the conditions and the results schema.
"""
