"""Drug libraries read from the formats people have, annotated, and mapped onto the data."""

from __future__ import annotations

import lzma

import numpy as np
import pandas as pd
import pytest

from signature_reversal.drugs.library import LibrarySpec, prepare, read_library
from signature_reversal.errors import InputError


def _gmt(path, sets: dict[str, list[str]], xz: bool = False):
    text = "".join(f"{name}\tdesc\t" + "\t".join(genes) + "\n" for name, genes in sets.items())
    if xz:
        with lzma.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return str(path)


def test_a_gmt_pair_in_cmap_naming_gives_compound_cell_line_and_dose(tmp_path):
    up = _gmt(
        tmp_path / "up.gmt.xz",
        {"dexamethasone@MCF7#1e-06M_123": ["A", "B"], "nadide@HL60#6e-06M_2529": ["C"]},
        xz=True,
    )
    down = _gmt(tmp_path / "dn.gmt", {"dexamethasone@MCF7#1e-06M_123": ["D"]})
    library = read_library(LibrarySpec("lib", "human", up=up, down=down))
    first, second = library.annotation.to_dict("records")
    assert (first["compound"], first["cell_line"], first["dose"]) == (
        "dexamethasone",
        "MCF7",
        "1e-06M",
    )
    assert second["compound"] == "nadide" and library.down[1] == ()  # one-sided: kept, empty
    assert library.up[0] == ("A", "B")


def test_one_gmt_with_up_and_down_suffixes_and_an_annotation_table(tmp_path):
    gmt = _gmt(
        tmp_path / "lib.gmt",
        {"sig1_up": ["A"], "sig1_down": ["B"], "sig2 up": ["C"], "sig2 dn": ["D"]},
    )
    annotation = tmp_path / "annotation.tsv"
    pd.DataFrame({"signature": ["sig1"], "compound": ["tofacitinib"], "moa": ["JAK"]}).to_csv(
        annotation, sep="\t", index=False
    )
    library = read_library(LibrarySpec("lib", "human", gmt=gmt, annotation=str(annotation)))
    table = library.annotation.set_index("signature")
    assert table.loc["sig1", "compound"] == "tofacitinib" and table.loc["sig1", "moa"] == "JAK"
    assert table.loc["sig2", "compound"] == "sig2"  # no annotation: the name
    assert library.down == [("B",), ("D",)]


def test_bad_libraries_name_the_file_and_the_fix(tmp_path):
    gmt = _gmt(tmp_path / "lib.gmt", {"sig1_up": ["A"], "oops": ["B"]})
    with pytest.raises(InputError, match="do not end in _up or _down") as err:
        read_library(LibrarySpec("lib", "human", gmt=gmt))
    assert "lib.gmt" in str(err.value) and "NAME_up" in str(err.value)
    with pytest.raises(InputError, match="names no signature file"):
        read_library(LibrarySpec("lib", "human"))


def test_human_signatures_map_onto_mouse_genes_through_orthologs(tmp_path):
    up = _gmt(tmp_path / "up.gmt", {"s@X#1_1": ["STAT3", "SOCS3", "NOTAGENE"]})
    down = _gmt(tmp_path / "dn.gmt", {"s@X#1_1": ["FLG"]})
    orthologs = pd.DataFrame(
        {"human": ["STAT3", "SOCS3", "FLG"], "mouse": ["Stat3", "Socs3", "Flg"]}
    )
    genes = pd.Index(["ENSMUSG1", "ENSMUSG2", "ENSMUSG3"])
    symbols = pd.Series(["Stat3", "Flg", "Socs3"], index=genes)
    prepared = prepare(
        read_library(LibrarySpec("lib", "human", up=up, down=down)),
        "human",
        "mouse",
        symbols,
        genes,
        orthologs,
    )
    assert sorted(prepared.up[0].tolist()) == [0, 2] and prepared.down[0].tolist() == [1]
    assert "3 of 4 signature genes" in prepared.coverage


def test_a_mouse_reference_is_queried_in_a_human_library_through_orthologs(tmp_path):
    """The reference_drugs job's query: the reference ranked by log2FC / se in the library's
    genes; a signature built from the reference's up and down genes reverses it."""
    from signature_reversal.drugs.query import DrugSettings
    from signature_reversal.drugs.stage import reference_query
    from signature_reversal.settings import ReferenceSpec

    rng = np.random.default_rng(0)
    human = [f"G{i}" for i in range(400)]
    mouse = [g.lower().capitalize() for g in human]
    log2fc = np.r_[np.full(20, 2.0), np.full(20, -2.0), rng.normal(0, 0.2, 360)]
    table = tmp_path / "reference.tsv"
    pd.DataFrame({"gene": mouse, "log2FoldChange": log2fc, "lfcSE": 0.3, "padj": 0.001}).to_csv(
        table, sep="\t", index=False
    )
    signatures = {f"drug{i}@X#1_{i}": list(rng.choice(human, 20, replace=False)) for i in range(60)}
    down = {f"drug{i}@X#1_{i}": list(rng.choice(human, 20, replace=False)) for i in range(60)}
    signatures["reverser@X#1_99"], down["reverser@X#1_99"] = human[20:40], human[:20]
    spec = LibrarySpec(
        "lib",
        "human",
        up=_gmt(tmp_path / "up.gmt", signatures),
        down=_gmt(tmp_path / "dn.gmt", down),
    )
    reference = ReferenceSpec.from_config("mouse_ref", {"path": str(table), "species": "mouse"})
    orthologs = pd.DataFrame({"human": human, "mouse": mouse})
    result = reference_query(reference, spec, orthologs, DrugSettings(draws=100))
    top = result.compounds.sort_values("ncs").iloc[0]
    assert top["compound"] == "reverser" and top["fdr"] < 0.05
    assert result.summary["coverage"].startswith("400 of the library's 400 genes")
    with pytest.raises(InputError, match="needs an ortholog table"):
        reference_query(reference, spec, None, DrugSettings(draws=20))
