"""Gene IDs: Ensembl versions stripped, ID types recognised, annotation read."""

from __future__ import annotations

import gzip

import pandas as pd

from signature_reversal.inputs import geneids


def test_strip_versions_only_touches_versioned_ensembl_ids():
    ids = ["ENSG00000141510.17", "ENSMUSG00000004040.16", "Stat3", "ENSG00000141510"]
    assert geneids.strip_versions(ids) == [
        "ENSG00000141510",
        "ENSMUSG00000004040",
        "Stat3",
        "ENSG00000141510",
    ]


def test_guess_id_type():
    assert geneids.guess_id_type(["ENSG00000141510", "ENSG00000000003"]).startswith("human Ens")
    assert geneids.guess_id_type(["ENSMUSG00000004040"]).startswith("mouse Ensembl")
    assert geneids.guess_id_type(["STAT3", "JAK2", "FLG"]).startswith("human-style")
    assert geneids.guess_id_type(["Stat3", "Jak2", "Flg"]).startswith("mouse-style")
    assert geneids.guess_id_type(["6774", "3717"]).startswith("Entrez")
    assert geneids.guess_id_type(["Stat3", "6774", "ENSG00000141510", "x-1"]) == (
        "a mix of ID types"
    )
    assert geneids.is_ensembl(["ENSMUSG00000004040", "ENSMUSG00000004041", "Stat3"])
    assert not geneids.is_ensembl(["Stat3", "Jak2", "ENSMUSG00000004040"])


def test_read_annotation_keeps_the_first_symbol(tmp_path):
    path = tmp_path / "a.tsv.gz"
    with gzip.open(path, "wt") as handle:
        pd.DataFrame(
            {"ensembl": ["E1", "E1", "E2", "E3"], "symbol": ["A", "A2", "B", None]}
        ).to_csv(handle, sep="\t", index=False)
    mapping = geneids.read_annotation(path)
    assert mapping.to_dict() == {"E1": "A", "E2": "B"}
