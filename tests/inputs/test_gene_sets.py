"""Ortholog mapping and matching sets to the data's genes."""

import pandas as pd
import pytest
from helpers import MOUSE_CURATED, MOUSE_HALLMARK, ORTHOLOGS

from signature_reversal.errors import InputError
from signature_reversal.inputs import gene_sets as genesets
from signature_reversal.inputs.gene_sets import map_to_species, restrict_to_genes
from signature_reversal.inputs.gmt import GeneSet, read_gmt
from signature_reversal.settings import GeneSetSettings


def test_map_to_species_uses_all_orthologs():
    table = pd.DataFrame({"human": ["A", "A", "B"], "mouse": ["a1", "a2", "b"]})
    [mapped] = map_to_species([GeneSet("S", "d", ("A", "B", "C"))], table, "human", "mouse")
    assert mapped.genes == ("a1", "a2", "b")
    assert "orthologs for 2/3 genes" in mapped.description


def test_restrict_reports_every_set():
    sets = [
        GeneSet("small", "", ("a", "b")),
        GeneSet("ok", "", ("a", "b", "c", "zz")),
        GeneSet("big", "", tuple("abcdef")),
    ]
    usable, table = restrict_to_genes(sets, list("abcdef"), min_size=3, max_size=5)
    assert usable == {"ok": ["a", "b", "c"]}
    assert table.set_index("gene_set")["status"].str.startswith("skipped").to_dict() == {
        "small": True,
        "ok": False,
        "big": True,
    }


def test_shipped_mouse_sets_hold_the_studys_genes():
    curated = {s.name: set(s.genes) for s in read_gmt(MOUSE_CURATED)}
    assert {"Jak2", "Stat5a", "Stat5b", "Socs3", "Tslp", "Il4", "Il13"} <= curated[
        "SKIN_JAK_STAT_AD_SIGNALING"
    ]
    assert {"Flg", "Lor", "Ivl", "Krt1", "Krt10"} <= curated["SKIN_BARRIER_CORNIFIED_ENVELOPE"]
    assert {"Nfe2l2", "Hmox1", "Nqo1", "Sod2", "Cat", "Gpx1"} <= curated[
        "SKIN_NRF2_ANTIOXIDANT_RESPONSE"
    ]
    assert {"Nampt", "Sirt1"} <= curated["NAD_METABOLISM"]
    assert len(read_gmt(MOUSE_HALLMARK)) == 50
    orthologs = pd.read_csv(ORTHOLOGS, sep="\t")
    assert orthologs.columns.tolist() == ["human", "mouse", "source"]
    assert (orthologs.query("human == 'JAK2'")["mouse"] == "Jak2").any()


MOUSE_DATA = pd.Series(
    ["Stat3", "Jak2", "Socs3", "Flg", "Lor"], index=["Stat3", "Jak2", "Socs3", "Flg", "Lor"]
)


def test_zero_overlap_message(tmp_path):
    human = tmp_path / "human_style.gmt"
    human.write_text("SET_A\tdesc\tSTAT3\tJAK2\tSOCS3\n")
    settings = GeneSetSettings.from_config({"curated": {"path": str(human), "species": "mouse"}})
    with pytest.raises(InputError) as err:
        genesets.run(settings, MOUSE_DATA, "mouse")
    message = str(err.value)
    assert "none of the 1 gene sets shares a gene with the data" in message
    assert "mouse-style symbols" in message and "human-style symbols" in message
    assert str(human) in message and "Fix:" in message


def test_stage_maps_through_orthologs_and_reports_coverage(tmp_path):
    human = tmp_path / "human.gmt"
    human.write_text("SET_A\tdesc\tSTAT3\tJAK2\tSOCS3\tNOT_A_GENE\nSET_B\tdesc\tNOT_A_GENE\n")
    settings = GeneSetSettings.from_config(
        {"curated": {"path": str(human), "species": "human"}, "orthologs": str(ORTHOLOGS)}
    )
    result = genesets.run(settings, MOUSE_DATA, "mouse")
    coverage = result.coverage.set_index("gene_set")
    assert coverage.loc["SET_A", "genes_in_file"] == 4
    assert coverage.loc["SET_A", "genes_after_orthologs"] == 3
    assert coverage.loc["SET_B", "genes_in_data"] == 0  # listed, not silently dropped
    (prepared,) = result.collections["curated"]  # the empty set is not written
    assert set(prepared.genes) == {"Stat3", "Jak2", "Socs3"}
