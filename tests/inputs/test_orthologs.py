"""Ortholog tables as BioMart, HCOP or a user writes them: one reader for gene sets, reference
signatures and genes of interest."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import ORTHOLOGS

from signature_reversal.errors import InputError
from signature_reversal.inputs import orthologs
from signature_reversal.inputs.gene_sets import map_to_species
from signature_reversal.inputs.gmt import GeneSet
from signature_reversal.inputs.reference_signatures import map_to_data
from signature_reversal.reversal.genes_of_interest import match_genes
from signature_reversal.settings import ReferenceSpec


def test_the_shipped_table_reads_as_human_and_mouse():
    table = orthologs.read_orthologs(ORTHOLOGS)
    assert {"human", "mouse"} <= set(table.columns)
    assert (orthologs.pairs(table, "human", "mouse", "test").query("human == 'STAT3'")).shape[0]


def test_biomart_column_names_are_recognised(tmp_path):
    path = tmp_path / "mart_export.txt"
    path.write_text(
        "Gene stable ID\tHuman gene name\tMouse gene name\nENSG1\tSTAT3\tStat3\nENSG2\tFLG\tFlg\n"
    )
    table = orthologs.read_orthologs(path)
    [mapped] = map_to_species([GeneSet("S", "", ("STAT3", "FLG"))], table, "human", "mouse")
    assert mapped.genes == ("Stat3", "Flg")


def test_a_table_without_two_species_columns_is_refused_naming_its_columns(tmp_path):
    path = tmp_path / "o.tsv"
    path.write_text("from\tto\nSTAT3\tStat3\n")
    with pytest.raises(InputError, match="no two species columns found; the table has: 'from'"):
        orthologs.check(path)
    with pytest.raises(InputError, match="no two species columns"):
        orthologs.read_orthologs(path)


def test_a_species_the_table_lacks_is_refused_not_a_key_error():
    table = pd.DataFrame({"human": ["STAT3"], "mouse": ["Stat3"]})
    spec = ReferenceSpec.from_config("r", {"up": ["STAT3"], "species": "human"})
    reference = pd.DataFrame(
        {"gene": ["STAT3"], "log2FC": [1.0], "se": [0.1], "padj": [0.0], "selected": [True]}
    )
    with pytest.raises(InputError, match="no 'rat' column.*reference_signatures.r"):
        map_to_data(reference, spec, pd.Series({"Stat3": "Stat3"}), "rat", table)
    with pytest.raises(InputError, match="no 'rat' column.*the gene sets"):
        map_to_species([GeneSet("S", "", ("STAT3",))], table, "human", "rat")


def test_genes_of_interest_on_a_species_without_orthologs_are_matched_by_name():
    table = pd.DataFrame({"human": ["STAT3"], "mouse": ["Stat3"]})
    found = match_genes(["Stat3", "Jak2"], pd.Series({"g1": "Stat3"}), "rat", table)
    assert found.set_index("requested").loc["Stat3", "gene"] == "g1"
