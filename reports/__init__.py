"""The comparison report: facts gathered from a benchmark run and the code, rendered side by side.

`taskbench report` (reports/cli.py) gathers the facts (reports/facts/) into facts.json beside a
benchmark's results.json, then renders both into reports/<name>/report.html and report.md.
"""
