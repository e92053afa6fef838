"""Write counts_both_days.tsv.gz and samples_both_days.tsv: the day-7 and day-14 tables of this
folder side by side (same genes, same row order), conditions labelled by day, so that both time
points form one multi-arm study (config/gse248978.yaml). Values are not changed.

    python data/gse248978/combine_days.py
"""

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    d7 = pd.read_csv(HERE / "counts_d7.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
    d14 = pd.read_csv(HERE / "counts_d14.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
    if not (d7[["gene_id", "gene_name"]].equals(d14[["gene_id", "gene_name"]])):
        raise SystemExit("the two days' tables do not list the same genes in the same order")
    both = pd.concat([d7, d14.drop(columns=["gene_id", "gene_name"])], axis=1)
    both.to_csv(
        HERE / "counts_both_days.tsv.gz",
        sep="\t",
        index=False,
        compression={"method": "gzip", "mtime": 0},
    )
    sheets = []
    for day in ("d7", "d14"):
        sheet = pd.read_csv(HERE / f"samples_{day}.tsv", sep="\t", dtype=str)
        sheet["condition"] = sheet["condition"] + f"_{day}"
        sheets.append(sheet)
    pd.concat(sheets).to_csv(HERE / "samples_both_days.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main()
