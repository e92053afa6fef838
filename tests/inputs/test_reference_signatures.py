"""Reference signatures: DE tables in the columns users have (TSV or CSV, DESeq2/limma/edgeR
names, a gene_name column, a byte-order mark), gene lists, and mapping across species with
every reference gene accounted for."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from signature_reversal.errors import InputError
from signature_reversal.inputs import reference_signatures as references
from signature_reversal.settings import ReferenceSpec


def spec(**entry) -> ReferenceSpec:
    return ReferenceSpec.from_config("ad", entry)


def test_deseq2_tsv_gz(tmp_path):
    path = tmp_path / "ad.tsv.gz"
    with gzip.open(path, "wt") as handle:
        pd.DataFrame(
            {
                "gene_id": ["IL13", "FLG", "ACTB", "SOCS3"],
                "baseMean": 100.0,
                "log2FoldChange": [5.5, -0.6, 0.01, 3.2],
                "lfcSE": [0.5, 0.2, 0.1, 0.4],
                "pvalue": [1e-10, 0.01, 0.9, 1e-8],
                "padj": [1e-8, 0.04, 0.95, 1e-6],
            }
        ).to_csv(handle, sep="\t", index=False)
    table = references.read_reference(spec(path=str(path)))
    assert table["gene"].tolist() == ["IL13", "FLG", "ACTB", "SOCS3"]
    assert table["selected"].tolist() == [True, False, False, True]  # FLG: |log2FC| < 1
    assert table["se"].tolist() == [0.5, 0.2, 0.1, 0.4]


def test_limma_csv_with_gene_name_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "limma.csv"
    frame = pd.DataFrame(
        {
            "gene_name": ["IL13", "FLG", "IL13"],
            "logFC": [4.0, -2.0, 1.0],
            "P.Value": [1e-6, 1e-4, 0.5],
            "adj.P.Val": [1e-4, 1e-3, 0.6],
        }
    )
    path.write_text("\ufeff" + frame.to_csv(index=False), encoding="utf-8")
    table = references.read_reference(spec(path=str(path)))
    assert table["gene"].tolist() == ["IL13", "FLG"]  # duplicate: the smaller padj kept
    assert table["se"].iloc[0] == pytest.approx(4.0 / 4.8916, rel=1e-3)  # from the p-value


def test_custom_columns_and_clear_errors(tmp_path):
    path = tmp_path / "mine.txt"
    pd.DataFrame({"Symbol": ["A", "B"], "effect": [2.0, -3.0], "q": [0.01, 0.001]}).to_csv(
        path, sep="\t", index=False
    )
    with pytest.raises(InputError) as err:
        references.read_reference(spec(path=str(path)))
    message = str(err.value)
    assert "no column for gene, log2FC, padj" in message and "Symbol, effect, q" in message
    assert "reference_signatures.ad.log2fc_column" in message
    table = references.read_reference(
        spec(path=str(path), gene_column="Symbol", log2fc_column="effect", padj_column="q")
    )
    assert table["selected"].all()
    with pytest.raises(InputError, match="column 'nope'.*not found"):
        references.read_reference(spec(path=str(path), gene_column="nope"))
    with pytest.raises(InputError, match="reference signature does not exist"):
        references.read_reference(spec(path=str(tmp_path / "missing.tsv")))


def test_gene_lists_inline_or_from_a_file(tmp_path):
    down = tmp_path / "down.txt"
    down.write_text("FLG\nLOR\n\n")
    table = references.read_reference(spec(up=["IL13", "CCL17"], down=str(down)))
    assert dict(zip(table["gene"], table["log2FC"], strict=True)) == {
        "IL13": 1.0,
        "CCL17": 1.0,
        "FLG": -1.0,
        "LOR": -1.0,
    }
    with pytest.raises(InputError, match="in both the up and the down list"):
        references.read_reference(spec(up=["FLG"], down=["FLG"]))


ORTHOLOGS = pd.DataFrame(
    {
        "human": ["IL13", "FLG", "SOCS3", "SPRR2A", "SPRR2A", "CCL17"],
        "mouse": ["Il13", "Flg", "Socs3", "Sprr2a1", "Sprr2a2", "Ccl17"],
    }
)


def test_mapping_to_mouse_accounts_for_every_gene():
    reference = pd.DataFrame(
        {
            "gene": ["IL13", "FLG", "SOCS3", "SPRR2A", "NOVEL1"],
            "log2FC": [5.0, -2.0, 3.0, 4.0, 2.0],
            "se": 0.3,
            "padj": 1e-4,
            "selected": True,
        }
    )
    data = pd.Series(["Il13", "Flg", "Gapdh"], index=["ENSMUSG1", "ENSMUSG2", "ENSMUSG3"])
    mapped = references.map_to_data(reference, spec(species="human"), data, "mouse", ORTHOLOGS)
    status = dict(zip(mapped.mapping["reference_gene"], mapped.mapping["status"], strict=True))
    assert status == {
        "IL13": "mapped",
        "FLG": "mapped",
        "SOCS3": "not among the tested genes",
        "SPRR2A": "ambiguous ortholog",
        "NOVEL1": "no ortholog",
    }
    assert mapped.signature["data_gene"].tolist() == ["ENSMUSG1", "ENSMUSG2"]
    counts = mapped.counts()
    assert counts["selected_mapped"] == 2 and counts["selected_ambiguous_ortholog"] == 1
    loose = references.map_to_data(
        reference, spec(species="human", orthologs="any"), data, "mouse", ORTHOLOGS
    )
    assert (
        dict(zip(loose.mapping["reference_gene"], loose.mapping["status"], strict=True))["SPRR2A"]
        == "not among the tested genes"
    )


def test_nothing_mapped_is_an_error_naming_why():
    reference = pd.DataFrame(
        {"gene": ["NOVEL1"], "log2FC": [2.0], "se": 0.3, "padj": 1e-4, "selected": True}
    )
    data = pd.Series(["Il13"], index=["ENSMUSG1"])
    with pytest.raises(InputError, match="1 without ortholog"):
        references.map_to_data(reference, spec(species="human"), data, "mouse", ORTHOLOGS)
    with pytest.raises(InputError, match="needs an ortholog table"):
        references.map_to_data(reference, spec(species="human"), data, "mouse", None)


def test_a_decimal_comma_is_refused_naming_the_row_not_read_as_missing(tmp_path):
    path = tmp_path / "excel.tsv"
    path.write_text("gene\tlog2FoldChange\tpadj\nIL13\t5,5\t0,001\nFLG\t-1,2\t0,01\n")
    with pytest.raises(InputError, match=r"column 'log2FoldChange'.*row 2: '5,5' \(a decimal"):
        references.read_reference(spec(path=str(path)))


def test_na_and_blank_cells_are_missing_values_not_errors(tmp_path):
    path = tmp_path / "deseq2.tsv"
    path.write_text("gene\tlog2FoldChange\tlfcSE\tpadj\nIL13\t5.5\t0.5\t0.001\nX\t0.1\tNA\t\n")
    table = references.read_reference(spec(path=str(path)))
    assert table.set_index("gene").loc["X", "padj"] == 1.0  # DESeq2's filtered: not significant


def test_published_p_of_zero_gives_a_finite_upper_bound_standard_error(tmp_path):
    """MADAD prints p = 0 for 122 genes and no standard errors."""
    path = tmp_path / "madad.tsv"
    path.write_text(
        "gene\tlog2FoldChange\tpvalue\tpadj\n"
        "DEFB4A\t4.2\t0.0\t0.0\nSERPINB4\t3.9\t5.09e-10\t1.6e-08\nFLG\t-1.5\t1e-4\t1e-3\n"
    )
    table = references.read_reference(spec(path=str(path)))
    se = table.set_index("gene")["se"]
    assert np.isfinite(se).all()
    # p = 0 taken at the smallest printed p (5.09e-10): |log2FC| / z(5.09e-10)
    assert se["DEFB4A"] == pytest.approx(4.2 / stats.norm.isf(5.09e-10 / 2))
    assert any("1 rows with p = 0" in note for note in table.attrs["notes"])


def test_gene_list_files_with_comments_commas_and_a_header(tmp_path):
    path = tmp_path / "up.txt"
    path.write_text("# IL-13 axis, from Tsoi 2019\ngene\nIL13, CCL17;CCL18\nSERPINB4  # top\n\n")
    table = references.read_reference(spec(up=str(path), species="human"))
    assert table["gene"].tolist() == ["IL13", "CCL17", "CCL18", "SERPINB4"]
