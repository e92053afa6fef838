"""Single-cell studies the way scanpy users look at them: cell QC, an embedding, per-cell
scores of the disease signature and the curated sets, cell-type composition, and the per-cell-
type verdicts side by side (the verdicts themselves come from the pseudobulk analyses)."""
