# R DESeq2 on real counts for tests/de/test_deseq2_real_data.py (called by make_reference.py).
# Arguments: folder with <name>_counts.tsv and <name>_samples.tsv, the design name, and the
# condition levels in role order (control, disease, treatment; control absent in two-arm designs).
suppressPackageStartupMessages(library(DESeq2))
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]; name <- args[2]; levels <- strsplit(args[3], ",")[[1]]
counts <- as.matrix(read.delim(file.path(folder, paste0(name, "_counts.tsv")), row.names = 1,
                               check.names = FALSE))
samples <- read.delim(file.path(folder, paste0(name, "_samples.tsv")))
samples$condition <- factor(samples$condition, levels = levels)
dds <- DESeqDataSetFromMatrix(counts, samples, ~condition)
dds <- DESeq(dds, quiet = TRUE)
out <- data.frame(gene = rownames(dds), baseMean = mcols(dds)$baseMean,
                  genewise_dispersion = mcols(dds)$dispGeneEst,
                  fitted_dispersion = mcols(dds)$dispFit,
                  map_dispersion = mcols(dds)$dispMAP,
                  dispersion = dispersions(dds))
roles <- if (length(levels) == 3) c("control", "disease", "treatment") else c("disease", "treatment")
level_of <- setNames(levels, roles)
contrasts <- list(disease_vs_control = c("disease", "control"),
                  treatment_vs_disease = c("treatment", "disease"),
                  treatment_vs_control = c("treatment", "control"))
for (contrast in names(contrasts)) {
  pair <- contrasts[[contrast]]
  if (!all(pair %in% roles)) next
  r <- results(dds, contrast = c("condition", level_of[pair[1]], level_of[pair[2]]), alpha = 0.05)
  for (column in c("log2FoldChange", "lfcSE", "stat", "pvalue", "padj")) {
    out[[paste(contrast, column, sep = ".")]] <- r[[column]]
  }
}
numeric <- vapply(out, is.numeric, logical(1))
out[numeric] <- lapply(out[numeric], signif, digits = 8)
write.table(out, gzfile(paste0(name, ".tsv.gz")), sep = "\t", quote = FALSE, row.names = FALSE)
coefs <- attr(dispersionFunction(dds), "coefficients")
writeLines(c(paste("size_factors", paste(signif(sizeFactors(dds), 10), collapse = " ")),
             paste("trend", attr(dispersionFunction(dds), "fitType"), paste(signif(coefs, 10), collapse = " ")),
             paste("prior_variance", attr(dispersionFunction(dds), "dispPriorVar")),
             paste("DESeq2", packageVersion("DESeq2")), R.version.string),
           paste0(name, ".versions.txt"))
