"""Gene IDs: Ensembl versions stripped, ID types recognised, Ensembl and NCBI GeneID tables read."""

from __future__ import annotations

import gzip
import logging

import pandas as pd
import pytest
from helpers import ANNOTATION, CONDITIONS, MOUSE_CURATED, simulate_skin

from signature_reversal.errors import InputError
from signature_reversal.inputs import gene_sets, geneids, load
from signature_reversal.settings import DatasetSpec, GeneSetSettings


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


def test_a_malformed_or_missing_annotation_table_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "mouse_ensembl_symbols.tsv"
    path.write_text("gene_id\tname\nE1\tA\n")
    with pytest.raises(InputError, match="no column 'ensembl', 'symbol'; the table has: 'gene_id'"):
        geneids.read_annotation(path)
    ids = pd.Index(["ENSRNOG00000000001", "ENSRNOG00000000002"])
    with pytest.raises(InputError, match="no ensembl → symbol table for species 'rat'") as err:
        load.gene_symbols(ids, None, "rat", ANNOTATION.parent)
    assert "symbol_column" in str(err.value) and "rat_ensembl_symbols.tsv.gz" in str(err.value)


def test_ncbi_gene_ids_as_geo_writes_them_get_symbols(curated_sets, tmp_path, caplog):
    """GEO's RNA-seq count tables are keyed by NCBI GeneID: symbols come from the shipped
    NCBI table, the mapped share is logged, and the gene sets find their genes."""
    entrez = geneids.read_annotation(ANNOTATION.parent / "mouse_entrez_symbols.tsv.gz", "entrez")
    data = simulate_skin(curated_sets, n_genes=300, n_per_group=3, seed=2)
    by_symbol = {symbol: gene_id for gene_id, symbol in entrez.items()}
    known = [g for g in data.counts.index if g in by_symbol]
    counts = data.counts.loc[known].rename(index=by_symbol).rename_axis("GeneID")
    counts.to_csv(tmp_path / "GSE1_raw_counts_NCBI.tsv", sep="\t")
    data.samples.to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    spec = DatasetSpec.from_config(
        {
            "path": str(tmp_path / "GSE1_raw_counts_NCBI.tsv"),
            "samples": str(tmp_path / "samples.tsv"),
        }
    )
    with caplog.at_level(logging.INFO):
        adata = load.load_dataset(spec, CONDITIONS, annotation_dir=ANNOTATION.parent)
    assert adata.var_names[0].isdigit() and set(adata.var["symbol"]) == set(known)
    assert f"NCBI Gene IDs mapped to mouse symbols for {len(known)} of {len(known)}" in caplog.text
    prepared = gene_sets.run(
        GeneSetSettings.from_config({"curated": {"path": str(MOUSE_CURATED), "species": "mouse"}}),
        adata.var["symbol"],
        "mouse",
    )
    assert prepared.coverage["genes_in_data"].sum() > 0
