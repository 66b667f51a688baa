"""Facts the report needs besides the benchmark figures, each gathered by a module of its own.

code: lines and complexity by role; dependencies: packages and installed size per extra;
contract: the contract suite's pass matrix and counts per test module; fuzz: what schemathesis
found (taskbench fuzz's summary.json); docs: what /docs, /openapi.json and one invalid request
show; conformance: what each implementation added to meet the contract.
"""
