# Reference results from R limma for tests/test_limma.py (run: Rscript make_reference.R).
suppressPackageStartupMessages(library(limma))
x <- as.matrix(read.delim("expression.tsv", row.names = 1, check.names = FALSE))
s <- read.delim("samples.tsv")
condition <- factor(s$condition, levels = c("control", "eczema", "nmn"))
design <- model.matrix(~ 0 + condition)
colnames(design) <- levels(condition)
fit <- lmFit(x, design)
contrasts <- makeContrasts(disease_vs_control = eczema - control,
                           treatment_vs_disease = nmn - eczema,
                           treatment_vs_control = nmn - control, levels = design)
fit2 <- eBayes(contrasts.fit(fit, contrasts))
for (name in colnames(contrasts)) {
  tt <- topTable(fit2, coef = name, number = Inf, sort.by = "none")
  write.table(data.frame(gene = rownames(tt), tt), paste0(name, ".tsv"), sep = "\t",
              quote = FALSE, row.names = FALSE)
}
writeLines(c(paste("df_prior", fit2$df.prior), paste("s2_prior", fit2$s2.prior),
             paste("limma", packageVersion("limma")), R.version.string), "prior.txt")
