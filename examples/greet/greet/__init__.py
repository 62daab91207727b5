"""Greets people in a table: the omnipack example application."""

__version__ = "1.0.0"
