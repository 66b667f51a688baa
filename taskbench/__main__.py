"""Run the taskbench command line with `python -m taskbench`."""

from taskbench.cli import main

raise SystemExit(main())
