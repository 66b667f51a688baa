"""The black-box contract suite: one set of HTTP tests for every implementation."""
