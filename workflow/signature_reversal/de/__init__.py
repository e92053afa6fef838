"""Differential expression: DESeq2's method (vectorized) and a limma-style engine."""
