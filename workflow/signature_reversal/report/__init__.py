"""Figures, packed tables and the HTML report."""
