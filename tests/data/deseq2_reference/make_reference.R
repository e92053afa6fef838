# Reference results from R DESeq2 for tests/test_deseq2_reference.py (run: Rscript make_reference.R).
suppressPackageStartupMessages(library(DESeq2))
counts <- as.matrix(read.delim("counts.tsv", row.names = 1, check.names = FALSE))
samples <- read.delim("samples.tsv")
samples$condition <- factor(samples$condition, levels = c("control", "eczema", "nmn"))
dds <- DESeqDataSetFromMatrix(counts, samples, ~condition)
dds <- DESeq(dds, quiet = TRUE)
out <- data.frame(gene = rownames(dds), baseMean = mcols(dds)$baseMean,
                  genewise_dispersion = mcols(dds)$dispGeneEst,
                  fitted_dispersion = mcols(dds)$dispFit,
                  map_dispersion = mcols(dds)$dispMAP,
                  dispersion = dispersions(dds))
contrasts <- list(disease_vs_control = c("eczema", "control"),
                  treatment_vs_disease = c("nmn", "eczema"),
                  treatment_vs_control = c("nmn", "control"))
for (name in names(contrasts)) {
  r <- results(dds, contrast = c("condition", contrasts[[name]]), alpha = 0.05)
  for (column in c("log2FoldChange", "lfcSE", "stat", "pvalue", "padj")) {
    out[[paste(name, column, sep = ".")]] <- r[[column]]
  }
}
numeric <- vapply(out, is.numeric, logical(1))
out[numeric] <- lapply(out[numeric], signif, digits = 8)
write.table(out, gzfile("results.tsv.gz"), sep = "\t", quote = FALSE, row.names = FALSE)
writeLines(c(paste("size_factors", paste(signif(sizeFactors(dds), 10), collapse = " ")),
             paste("prior_variance", attr(dispersionFunction(dds), "dispPriorVar")),
             paste("DESeq2", packageVersion("DESeq2")), R.version.string), "versions.txt")
