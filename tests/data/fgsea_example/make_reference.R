# fgsea's own multilevel p-values on fgsea's own example (naive vs Th1 ranking, mouse Reactome),
# the reference tests/enrichment/test_multilevel.py compares the vectorized engine with.
# fgsea seeds every set size with one seed, so one run's errors move together: five runs
# (seeds 1-5) are kept and the test compares with their mean log2 p.
# Made with fgsea 1.31.6 built from its sources (github.com/ctlab/fgsea, commit a7f9912) on
# R 4.2.2 from Debian bookworm:  Rscript make_reference.R  (run in this folder).
suppressMessages({library(fgsea); library(data.table)})
rnk <- read.table(gzfile("naive.vs.th1.rnk.gz"), header = TRUE,
                  colClasses = c("character", "numeric"))
stats <- setNames(rnk$t, rnk$ID)
pathways <- gmtPathways(gzfile("mouse.reactome.gmt.gz"))
runs <- lapply(1:5, function(seed) {
  set.seed(seed)
  res <- fgseaMultilevel(pathways, stats, minSize = 15, maxSize = 500, eps = 0, nproc = 1)
  res[order(pathway)]
})
out <- runs[[1]][, .(pathway, size, ES, NES)]
for (seed in 1:5) {
  out[[paste0("pval_", seed)]] <- runs[[seed]]$pval
  out[[paste0("log2err_", seed)]] <- runs[[seed]]$log2err
}
fwrite(out, "fgsea_multilevel.tsv", sep = "\t")
cat(packageDescription("fgsea")$Version, "\n")
