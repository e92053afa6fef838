"""Inputs: one reader per file kind, the checks run before any job (``preflight``), and the
load stage that turns a dataset into the canonical AnnData."""
