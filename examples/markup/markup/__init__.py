"""Escapes text for HTML with MarkupSafe's compiled speedups."""

__version__ = "1.0.0"
