"""Signature-matrix libraries (clue.io's GCT and GCTX): read the same from every format and in
blocks, scored per column as the definitions say, and queried with planted answers found."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
from connectivity_definitions import direct_connectivity, direct_es, direct_ks
from drug_data import three_groups

from signature_reversal.drugs import scores
from signature_reversal.drugs.library import LibrarySpec
from signature_reversal.drugs.matrix import read_matrix
from signature_reversal.drugs.matrix_query import (
    matrix_placement,
    run_queries,
    summarise_query,
)
from signature_reversal.drugs.query import (
    DrugSettings,
    query_design,
    query_ranking,
    treatment_ranking,
)
from signature_reversal.errors import InputError
from signature_reversal.inputs.preflight import check_drug_library

GENES, TAGS, COMPOUNDS = 1500, 40, 150
SETTINGS = DrugSettings(draws=100, seed=3)


def write_gctx(path, values: np.ndarray, genes: pd.DataFrame, columns: pd.DataFrame) -> str:
    """cmapPy's layout: /0/DATA/0/matrix is signatures × genes; metadata as string fields."""
    with h5py.File(path, "w") as handle:
        handle.attrs["version"] = "GCTX1.0"
        handle.create_dataset("/0/DATA/0/matrix", data=values.T.astype(np.float32), chunks=True)
        for group, table in (("ROW", genes), ("COL", columns)):
            for field in table.columns:
                handle.create_dataset(
                    f"/0/META/{group}/{field}", data=table[field].astype(str).to_numpy("S")
                )
    return str(path)


def write_gct13(path, values: np.ndarray, genes: pd.DataFrame, columns: pd.DataFrame) -> str:
    row_fields = [c for c in genes.columns if c != "id"]
    col_fields = [c for c in columns.columns if c != "id"]
    lines = [
        "#1.3",
        "\t".join(map(str, [*values.shape, len(row_fields), len(col_fields)])),
        "\t".join(["id", *row_fields, *columns["id"]]),
    ]
    for field in col_fields:
        lines.append("\t".join([field, *["na"] * len(row_fields), *columns[field].astype(str)]))
    for i in range(values.shape[0]):
        row = [genes["id"].iat[i], *(genes[f].iat[i] for f in row_fields)]
        lines.append("\t".join([*map(str, row), *(f"{v:.6g}" for v in values[i])]))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def write_gct12(path, values: np.ndarray, genes: list[str], ids: list[str]) -> str:
    lines = ["#1.2", f"{values.shape[0]}\t{values.shape[1]}", "\t".join(["Name", "Description"])]
    lines[-1] += "\t" + "\t".join(ids)
    for gene, row in zip(genes, values, strict=True):
        lines.append("\t".join([gene, "na", *(f"{v:.6g}" for v in row)]))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _small(rng) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    values = np.round(rng.normal(size=(30, 7)), 2)  # genes × signatures
    values[3, 2] = np.nan
    genes = pd.DataFrame({"id": [str(7000 + i) for i in range(30)]})
    genes["pr_gene_symbol"] = [f"G{i}" for i in range(30)]
    columns = pd.DataFrame({"id": [f"sig{j}" for j in range(7)]})
    columns["pert_iname"] = ["nadide", "nadide", "tofacitinib", "x", "y", "z", "-666"]
    columns["cell_id"] = ["MCF7", "PC3", "MCF7", "A375", "A375", "HL60", "HL60"]
    columns["pert_idose"] = "10 uM"
    return values, genes, columns


def test_gctx_gct13_and_gct12_read_the_same_library_block_by_block(tmp_path):
    values, genes, columns = _small(np.random.default_rng(0))
    read = {}
    for name, path in (
        ("gctx", write_gctx(tmp_path / "lib.gctx", values, genes, columns)),
        ("gct13", write_gct13(tmp_path / "lib.gct", values, genes, columns)),
    ):
        read[name] = read_matrix(LibrarySpec("lib", "human", matrix=path))
    for matrix in read.values():
        assert list(matrix.genes) == [f"G{i}" for i in range(30)]  # symbols, not Entrez IDs
        table = matrix.annotation
        assert list(table["compound"]) == ["nadide", "nadide", "tofacitinib", "x", "y", "z", "sig6"]
        assert list(table["cell_line"])[:3] == ["MCF7", "PC3", "MCF7"]
        assert set(table["dose"]) == {"10 uM"}
        blocks = list(matrix.blocks(size=3))
        assert [start for start, _ in blocks] == [0, 3, 6]
        whole = np.vstack([b for _, b in blocks])
        np.testing.assert_allclose(whole, values.T.astype(np.float32), rtol=1e-6)
    plain = read_matrix(
        LibrarySpec(
            "lib",
            "human",
            matrix=write_gct12(
                tmp_path / "v12.gct", values, list(genes["id"]), list(columns["id"])
            ),
        )
    )
    assert list(plain.genes) == list(genes["id"]) and plain.annotation["compound"][0] == "sig0"
    np.testing.assert_allclose(np.vstack([b for _, b in plain.blocks(size=2)]), values.T, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_descending_order_is_a_stable_sort_of_minus_the_values(dtype):
    rng = np.random.default_rng(1)
    for case in range(20):
        values = rng.normal(size=int(rng.integers(1, 3000))).astype(dtype)
        if case % 2:
            values = np.round(values, 1)  # ties
        values[: len(values) // 10] *= -0.0  # signed zeros among the ties
        if case % 3 == 0:
            values[:3] = [np.inf, -np.inf, 1e-30][: min(3, len(values))]
        got = scores.descending_order(values)
        np.testing.assert_array_equal(got, np.argsort(-values, kind="stable"))


@pytest.mark.parametrize("seed", range(3))
def test_tags_scored_in_each_column_equal_the_definitions(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 150))
    block = rng.normal(size=(6, n)).astype(np.float32)
    block[1] = np.round(block[1], 1)  # ties
    block[2, :5] = np.nan  # missing: ranked as 0
    sizes = [1, 2, 7, n // 3]
    up = [rng.choice(n, k, replace=False) for k in sizes]
    down = [rng.choice(n, k, replace=False) for k in sizes[::-1]]
    index = scores.TagIndex.of([*up, *down], n)
    for kind, direct in ((scores.KS, direct_ks), (scores.WEIGHTED, direct_es)):
        got = index.in_columns(block, kind)
        for c, column in enumerate(block.astype(float)):
            column = np.nan_to_num(column)
            expected = [direct(column, list(t)) for t in [*up, *down]]
            assert got[c] == pytest.approx(expected, abs=1e-9)
            pairs = scores.combine(got[c, : len(up)], got[c, len(up) :], kind)
            assert pairs == pytest.approx(
                [
                    direct_connectivity(expected[i], expected[len(up) + i], kind == scores.WEIGHTED)
                    for i in range(len(up))
                ],
                abs=1e-9,
            )


def _matrix_library(tmp_path, seed: int = 0):
    """Each compound measured in two cell lines: z-scores with its own genes far up and down,
    most of them shared by the two lines; written as a GCTX and read back."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(GENES, 2 * COMPOUNDS))
    own = []
    for compound in range(COMPOUNDS):
        genes = rng.choice(GENES, 2 * TAGS, replace=False)
        for line in range(2):
            kept = genes.copy()
            swap = rng.random(len(kept)) < 0.2
            kept[swap] = rng.choice(GENES, swap.sum())
            column = 2 * compound + line
            values[kept[:TAGS], column] += 3.0
            values[kept[TAGS:], column] -= 3.0
        own.append(genes)
    gene_table = pd.DataFrame({"id": [f"g{i}" for i in range(GENES)]})
    columns = pd.DataFrame(
        {
            "id": [f"c{c}_{line}" for c in range(COMPOUNDS) for line in "AB"],
            "pert_iname": [f"c{c}" for c in range(COMPOUNDS) for _ in "AB"],
            "cell_id": [line for _ in range(COMPOUNDS) for line in "AB"],
        }
    )
    path = write_gctx(tmp_path / "library.gctx", values, gene_table, columns)
    return read_matrix(LibrarySpec("lib", "human", matrix=path)), own


def _effects(own: list[np.ndarray], compound: int, size: float) -> np.ndarray:
    effect = np.zeros(GENES)
    effect[own[compound][:TAGS]] = size
    effect[own[compound][TAGS:]] = -size
    return effect


def _queries(matrix, expression, obs, with_placement: bool = False):
    rankings = {
        q: query_ranking(expression, query_design(obs, "~condition", q))
        for q in ("disease", "treatment")
    }
    columns = {}
    if with_placement:
        design = query_design(obs, "~condition", "treatment")
        columns["treatment"] = treatment_ranking(expression, design)
    queries = run_queries(matrix, rankings, columns, SETTINGS, tags=TAGS)
    results = {q: summarise_query(q, queries, matrix, SETTINGS) for q in rankings}
    return results, queries


def test_planted_answers_are_found_in_a_matrix_library(tmp_path):
    matrix, own = _matrix_library(tmp_path)
    # the treatment is compound 30's signature; the disease is compound 50's inverse
    expression, obs = three_groups(2, -_effects(own, 50, 1.0), _effects(own, 30, 0.8))
    results, _ = _queries(matrix, expression, obs)
    like = results["treatment"].compounds.sort_values("ncs", ascending=False).iloc[0]
    assert like["compound"] == "c30" and like["fdr"] < 0.05, like
    first = results["disease"].compounds.sort_values("ncs").iloc[0]
    assert first["compound"] == "c50" and first["ncs"] < 0 and first["fdr"] < 0.05, first
    signatures = results["treatment"].signatures
    assert {"ks_connectivity", "wtcs", "ncs", "p", "fdr"} <= set(signatures.columns)
    assert signatures.set_index("signature").loc["c30_A", "ks_connectivity"] > 0.5
    # placement: a treatment that undoes the disease stands among the strongest reversers
    expression, obs = three_groups(5, -_effects(own, 50, 1.0), _effects(own, 50, 1.0))
    results, queries = _queries(matrix, expression, obs, with_placement=True)
    placed = matrix_placement(results["disease"], queries)
    assert placed.ncs < 0 and placed.p < 0.05 and placed.compound_rank <= 3, placed


def test_data_with_no_link_to_a_matrix_library_make_no_call(tmp_path):
    matrix, _ = _matrix_library(tmp_path)
    calls = 0
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        random_effect = np.zeros(GENES)
        chosen = rng.choice(GENES, 150, replace=False)
        random_effect[chosen] = rng.choice([-1.0, 1.0], len(chosen))
        expression, obs = three_groups(seed, random_effect, np.roll(random_effect, 500) * 0.7)
        results, _ = _queries(matrix, expression, obs)
        calls += sum(int((r.compounds["fdr"] < 0.05).any()) for r in results.values())
    assert calls <= 2, calls  # of 16 queries: about 1 expected at FDR 5%


def test_bad_matrix_libraries_name_the_file_and_the_fix(tmp_path):
    values, genes, columns = _small(np.random.default_rng(0))
    path = write_gct13(tmp_path / "lib.gct", values, genes, columns)
    lines = (tmp_path / "lib.gct").read_text().splitlines()
    (tmp_path / "dims.gct").write_text("\n".join([lines[0], "31\t7\t1\t3", *lines[2:]]) + "\n")
    with pytest.raises(InputError, match="announces 31 genes") as error:
        read_matrix(LibrarySpec("lib", "human", matrix=str(tmp_path / "dims.gct")))
    assert "dims.gct" in str(error.value)
    lines[7] = lines[7].replace(lines[7].split("\t")[3], "high", 1)
    (tmp_path / "text.gct").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="'high' of gene '7001', signature 'sig1' is not a number"):
        read_matrix(LibrarySpec("lib", "human", matrix=str(tmp_path / "text.gct")))
    with h5py.File(tmp_path / "bare.gctx", "w") as handle:
        handle.create_dataset("/0/DATA/0/matrix", data=values.T)
    with pytest.raises(InputError, match="no /0/META/ROW/id"):
        read_matrix(LibrarySpec("lib", "human", matrix=str(tmp_path / "bare.gctx")))
    with pytest.raises(InputError, match="one way, not gmt and matrix"):
        check_drug_library("lib", {"gmt": path, "matrix": path}, "config.yaml")


def test_a_mouse_reference_is_queried_in_a_human_matrix_library(tmp_path):
    """The reference_drugs job on a GCTX: the reference's top and bottom genes (log2FC / se,
    through orthologs) scored in each signature; the signature that is the reference's
    inverse reverses it, alone at FDR 5%."""
    from signature_reversal.drugs.stage import reference_query
    from signature_reversal.settings import ReferenceSpec

    rng = np.random.default_rng(0)
    human = [f"G{i}" for i in range(400)]
    log2fc = np.r_[np.full(20, 2.0), np.full(20, -2.0), rng.normal(0, 0.2, 360)]
    table = tmp_path / "reference.tsv"
    pd.DataFrame(
        {
            "gene": [g.capitalize() for g in human],
            "log2FoldChange": log2fc,
            "lfcSE": 0.3,
            "padj": 0.001,
        }
    ).to_csv(table, sep="\t", index=False)
    values = rng.normal(size=(400, 50))
    values[:, 7] += -2 * log2fc  # the reference upside down
    columns = pd.DataFrame({"id": [f"s{i}" for i in range(50)]})
    columns["pert_iname"] = [f"drug{i}" for i in range(50)]
    columns.loc[7, "pert_iname"] = "reverser"
    genes = pd.DataFrame({"id": [str(i) for i in range(400)], "pr_gene_symbol": human})
    spec = LibrarySpec(
        "lib", "human", matrix=write_gctx(tmp_path / "l.gctx", values, genes, columns), tags=20
    )
    reference = ReferenceSpec.from_config("mouse_ref", {"path": str(table), "species": "mouse"})
    orthologs = pd.DataFrame({"human": human, "mouse": [g.capitalize() for g in human]})
    result = reference_query(reference, spec, orthologs, SETTINGS)
    compounds = result.compounds.sort_values("ncs")
    assert compounds.iloc[0]["compound"] == "reverser" and compounds.iloc[0]["fdr"] < 0.05
    assert (compounds.iloc[1:]["fdr"] > 0.05).all()
    assert result.summary["coverage"].startswith("400 of the library's 400 genes")
