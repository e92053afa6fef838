"""Gene-set enrichment: preranked GSEA and over-representation."""
