"""Broken inputs and faults through Snakemake: each stops at the first step with a message
naming the file, the row or column and the fix — never a traceback — and leaves nothing under
results/; files as real tools write them (byte-order mark, CRLF, comments, quoted headers,
trailing tabs, Excel .txt, empty Ensembl IDs next to a symbol) are accepted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from helpers import MOUSE_CURATED, make_config, run_snakemake, simulate_skin, write_dataset

pytestmark = pytest.mark.workflow


@pytest.fixture
def study(tmp_path, curated_sets):
    """A small valid study in tmp_path: counts.tsv, samples.tsv and a config to edit."""
    data = simulate_skin(curated_sets, n_genes=300, n_per_group=3, seed=4)
    counts, samples = write_dataset(data, tmp_path)
    config = make_config(
        tmp_path, {"s": {"path": counts.name, "samples": samples.name, "species": "mouse"}}
    )
    config["gene_sets"]["extra"] = []
    config["gene_sets"]["curated"] = {"path": str(MOUSE_CURATED), "species": "mouse"}
    return tmp_path, config


def _run(workdir: Path, config: dict, until: str | None = "load_data"):
    (workdir / "config.yaml").write_text(json.dumps(config))
    args = ["--cores", "1"] + (["--until", until] if until else [])
    return run_snakemake(workdir, *args)


def _refused(result, workdir: Path, *parts: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    for part in parts:
        assert part in output, (part, output[-3000:])
    assert "Traceback" not in output, output[-3000:]
    results = workdir / "results"
    left = [p for p in results.rglob("*") if p.is_file()] if results.exists() else []
    assert left == [], left
    return output


# --- the sample sheet ------------------------------------------------------------------------


def test_sheet_saved_by_excel_with_a_byte_order_mark_crlf_and_comments(study):
    workdir, config = study
    text = (workdir / "samples.tsv").read_text()
    (workdir / "samples.tsv").write_bytes(
        ("\ufeff# exported from Excel\r\n" + text.replace("\n", "\r\n")).encode("utf-8")
    )
    result = _run(workdir, config)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize(
    ("content", "parts"),
    [
        (None, ("sample sheet does not exist", "datasets.s.samples")),
        ("", ("sample sheet is empty",)),
        ("sample\tcondition\n", ("has a header but no samples", "one line per sample")),
        ("name\tgroup\nc1\tcontrol\n", ("no column 'sample', 'condition'", "header")),
        ("sample\tcondition\ncontrol 1\tcontrol\n", ("row 2", "'control 1'", "white space")),
        ("sample\tcondition\nx\tcontrol\nx\teczema\n", ("rows 2 and 3", "appears twice")),
        ("sample\tcondition\nx\t\n", ("row 2: empty 'condition'",)),
    ],
)
def test_bad_sheets_are_refused_before_any_job(study, content, parts):
    workdir, config = study
    sheet = workdir / "samples.tsv"
    if content is None:
        sheet.unlink()
    else:
        sheet.write_text(content)
    _refused(_run(workdir, config), workdir, str(sheet.name), "Fix:", *parts)


def test_a_directory_given_as_the_sheet(study):
    workdir, config = study
    (workdir / "sheets").mkdir()
    config["datasets"]["s"]["samples"] = "sheets"
    _refused(_run(workdir, config), workdir, "sample sheet is a directory", "Fix:")


# --- the counts table --------------------------------------------------------------------------


def test_a_missing_counts_file_names_the_config_key(study):
    workdir, config = study
    config["datasets"]["s"]["path"] = "nowhere.tsv"
    _refused(_run(workdir, config), workdir, "nowhere.tsv", "does not exist", "datasets.s.path")


def test_a_directory_given_as_counts(study):
    workdir, config = study
    (workdir / "counts_dir").mkdir()
    config["datasets"]["s"]["path"] = "counts_dir"
    _refused(_run(workdir, config), workdir, "is a directory, not a file")


def test_a_duplicated_sample_column_is_refused(study):
    workdir, _ = study
    _, config = study
    lines = (workdir / "counts.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    header[2] = header[1]  # two columns with the first sample's name
    (workdir / "counts.tsv").write_text("\n".join(["\t".join(header), *lines[1:]]) + "\n")
    _refused(_run(workdir, config), workdir, "columns 2 and 3 are both named", header[1])


def test_a_truncated_gzip_file(study):
    workdir, config = study
    payload = gzip.compress((workdir / "counts.tsv").read_bytes())
    (workdir / "counts.tsv.gz").write_bytes(payload[: len(payload) // 2])
    config["datasets"]["s"]["path"] = "counts.tsv.gz"
    _refused(_run(workdir, config), workdir, "damaged gzip file", "download or compress it again")


def test_bad_values_are_named_as_written(study):
    workdir, config = study
    lines = (workdir / "counts.tsv").read_text().splitlines()
    fields = lines[3].split("\t")
    fields[2] = "-5"
    lines[3] = "\t".join(fields)
    (workdir / "counts.tsv").write_text("\n".join(lines) + "\n")
    output = _refused(_run(workdir, config), workdir, "is negative", "row 4", ": -5.0")
    assert "np.float64" not in output


def test_empty_ensembl_ids_fall_back_to_the_symbol_column(study):
    workdir, config = study
    lines = (workdir / "counts.tsv").read_text().splitlines()
    out = ["gene_id\tgene_name\t" + lines[0].split("\t", 1)[1]]
    for number, line in enumerate(lines[1:]):
        gene, rest = line.split("\t", 1)
        ensembl = "" if number % 50 == 0 else f"ENSMUSG{number:011d}"
        out.append(f"{ensembl}\t{gene}\t{rest}")
    (workdir / "counts.tsv").write_text("\n".join(out) + "\n")
    result = _run(workdir, config)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "have no gene ID in 'gene_id'; their symbol from 'gene_name' is used" in result.stderr


def test_excel_txt_with_quoted_headers_and_trailing_tabs(study):
    workdir, config = study
    lines = (workdir / "counts.tsv").read_text().splitlines()
    header = "\t".join(f'"{h}"' for h in lines[0].split("\t"))
    (workdir / "counts.txt").write_text("\n".join([header, *(f"{x}\t" for x in lines[1:])]))
    sheet = (workdir / "samples.tsv").read_text().splitlines()
    (workdir / "samples.tsv").write_text("\n".join(f"{x}\t" for x in sheet) + "\n")
    config["datasets"]["s"]["path"] = "counts.txt"
    result = _run(workdir, config)
    assert result.returncode == 0, result.stderr[-3000:]


# --- the config ----------------------------------------------------------------------------------


def test_a_condition_missing_from_the_sheet_points_at_the_config(study):
    workdir, config = study
    config["conditions"] = {"control": "control", "disease": "eczema", "treatment": "drug"}
    _refused(_run(workdir, config), workdir, "'drug'", "conditions.treatment", "in the config")


def test_gene_sets_sharing_no_gene_with_the_data_fail_in_the_first_job(study):
    workdir, config = study
    (workdir / "human.gmt").write_text("SET\tdesc\tSTAT3\tJAK2\tSOCS3\n")
    config["gene_sets"]["curated"] = {"path": "human.gmt", "species": "mouse"}
    _refused(_run(workdir, config, until=None), workdir, "none of the 1 gene sets shares a gene")


@pytest.mark.parametrize(
    ("content", "parts"),
    [
        ("SET_ONLY_A_NAME\n", ("line 1 has 1 tab-separated field",)),
        ("A\td\tg1\nA\td\tg2\n", ("set 'A' appears twice",)),
        ("", ("holds no set",)),
    ],
)
def test_bad_gene_set_files_are_refused_before_any_job(study, content, parts):
    workdir, config = study
    (workdir / "sets.gmt").write_text(content)
    config["gene_sets"]["curated"] = {"path": "sets.gmt", "species": "mouse"}
    _refused(_run(workdir, config), workdir, "sets.gmt", *parts)


def test_a_directory_as_gene_set_file(study):
    workdir, config = study
    (workdir / "sets").mkdir()
    config["gene_sets"]["curated"] = {"path": "sets", "species": "mouse"}
    _refused(_run(workdir, config), workdir, "gene-set file is a directory")


def test_a_reference_without_recognisable_columns(study):
    workdir, config = study
    (workdir / "ref.csv").write_text("Symbol,effect,q\nIl13,3,0.001\n")
    config["reference_signatures"] = {"mine": {"path": "ref.csv", "species": "mouse"}}
    _refused(
        _run(workdir, config),
        workdir,
        "no column for gene, log2FC, padj",
        "Symbol, effect, q",
        "reference_signatures.mine.gene_column",
    )


def test_one_warning_for_samples_without_a_configured_condition(study):
    workdir, config = study
    sheet = workdir / "samples.tsv"
    sheet.write_text(sheet.read_text() + "extra_1\tplacebo\t1\n")
    lines = (workdir / "counts.tsv").read_text().splitlines()
    lines = [lines[0] + "\textra_1"] + [f"{x}\t5" for x in lines[1:]]
    (workdir / "counts.tsv").write_text("\n".join(lines) + "\n")
    result = _run(workdir, config)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count("extra_1") == 1  # said once, with the reason
