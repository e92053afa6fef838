"""Write the counts R DESeq2 is run on for tests/de/test_deseq2_real_data.py, then run R.

Real counts (GSE248978, data/gse248978/) are loaded and low-count filtered by the pipeline's
own functions, so R sees exactly the genes the pipeline tests; R then runs DESeq() and
results() for every contrast (make_reference.R). Run from this folder:
``python make_reference.py`` (needs R with DESeq2, e.g. Debian's r-bioc-deseq2).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from signature_reversal.de.stage import low_count_filter
from signature_reversal.inputs.load import load_dataset
from signature_reversal.settings import DatasetSpec

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "data" / "gse248978"
TWO_ARM = {"disease": "vehicle", "treatment": "anakinra"}
# day-14 vehicle skin as the reference state, day 7 vehicle and anakinra as disease and treated
THREE_GROUP = {"control": "vehicle_d14", "disease": "vehicle_d7", "treatment": "anakinra_d7"}


def designs(folder: Path) -> dict[str, tuple[Path, Path, dict]]:
    """Name → (counts, sheet, conditions) of each reference design."""
    out = {}
    for day in ("d7", "d14"):
        out[day] = (DATA / f"counts_{day}.tsv.gz", DATA / f"samples_{day}.tsv", TWO_ARM)
    d7, d14 = (pd.read_csv(DATA / f"counts_{day}.tsv.gz", sep="\t") for day in ("d7", "d14"))
    both = pd.concat([d7, d14.drop(columns=["gene_id", "gene_name"])], axis=1)
    both.to_csv(folder / "counts_both.tsv", sep="\t", index=False)
    sheets = [pd.read_csv(DATA / f"samples_{day}.tsv", sep="\t") for day in ("d7", "d14")]
    sheet = pd.concat(sheets)
    sheet["condition"] = sheet["condition"] + "_" + sheet["timepoint"].str.lower()
    sheet.to_csv(folder / "samples_three_group.tsv", sep="\t", index=False)
    out["three_group"] = (
        folder / "counts_both.tsv",
        folder / "samples_three_group.tsv",
        THREE_GROUP,
    )
    return out


def filtered_counts(counts: Path, sheet: Path, conditions: dict) -> pd.DataFrame:
    """Genes × samples counts exactly as the pipeline's DE step receives them."""
    spec = DatasetSpec.from_config(
        {
            "path": str(counts),
            "samples": str(sheet),
            "symbol_column": "gene_name",
            "non_integer_counts": "round",
        }
    )
    adata, _ = low_count_filter(load_dataset(spec, conditions), 10, None)
    return pd.DataFrame(adata.layers["counts"].T, index=adata.var_names, columns=adata.obs_names)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, (counts, sheet, conditions) in designs(folder).items():
            table = filtered_counts(counts, sheet, conditions)
            table.rename_axis("gene").to_csv(folder / f"{name}_counts.tsv", sep="\t")
            samples = pd.read_csv(sheet, sep="\t").set_index("sample").loc[table.columns]
            samples.to_csv(folder / f"{name}_samples.tsv", sep="\t")
            levels = ",".join(
                conditions[r] for r in ("control", "disease", "treatment") if r in conditions
            )
            subprocess.run(
                ["Rscript", str(HERE / "make_reference.R"), str(folder), name, levels],
                check=True,
                cwd=HERE,
            )


if __name__ == "__main__":
    main()
