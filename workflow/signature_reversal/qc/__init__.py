"""Sample quality control."""
