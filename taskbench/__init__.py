"""taskbench: one Task API in three frameworks, proven identical and measured side by side."""

__version__ = "0.1.0"
