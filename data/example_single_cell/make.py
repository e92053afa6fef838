"""Write cells.h5ad and truth.tsv.gz: the simulated single-cell example (seeded; see README.md).

PYTHONPATH=workflow python data/example_single_cell/make.py
"""

from pathlib import Path

from signature_reversal.inputs.gmt import read_gmt
from signature_reversal.validation import single_cell

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

sets = {s.name: s.genes for s in read_gmt(ROOT / "config/genesets/mouse/skin_curated.gmt")}
up = [*sets["SKIN_JAK_STAT_AD_SIGNALING"], *sets["SKIN_ROS_OXIDATIVE_STRESS"]]
down = [*sets["SKIN_BARRIER_CORNIFIED_ENVELOPE"], *sets["SKIN_NRF2_ANTIOXIDANT_RESPONSE"]]
cells, truth = single_cell.simulate_cells(
    {"up": up, "down": down}, n_genes=2000, cells_per_sample=300, seed=2024
)
single_cell.write(cells, truth, HERE)
