# fgsea's own multilevel p-values on fgsea's own example (naive vs Th1 ranking, mouse Reactome),
# the reference tests/enrichment/test_multilevel.py compares the vectorized engine with.
# Made with fgsea 1.31.6 built from its sources (github.com/ctlab/fgsea, commit a7f9912) on
# R 4.2 from Debian bookworm:  Rscript make_reference.R  (run in this folder).
suppressMessages({library(fgsea); library(data.table)})
rnk <- read.table(gzfile("naive.vs.th1.rnk.gz"), header = TRUE,
                  colClasses = c("character", "numeric"))
stats <- setNames(rnk$t, rnk$ID)
pathways <- gmtPathways(gzfile("mouse.reactome.gmt.gz"))
set.seed(1)
res <- fgseaMultilevel(pathways, stats, minSize = 15, maxSize = 500, eps = 0, nproc = 1)
res[, leadingEdge := NULL]
fwrite(res[order(pathway)], "fgsea_multilevel.tsv", sep = "\t")
cat(packageDescription("fgsea")$Version, "\n")
