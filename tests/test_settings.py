"""Typed settings: the schema is the one source of defaults, and every default it declares
is one a stage reads."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from helpers import REPO

from signature_reversal import settings
from signature_reversal.errors import InputError


def test_defaults_come_from_the_schema():
    schema = yaml.safe_load(settings.SCHEMA.read_text())
    reversal = schema["properties"]["reversal"]["properties"]
    rule = settings.VerdictRule.from_config({})
    for field in dataclasses.fields(rule):
        assert getattr(rule, field.name) == reversal[field.name]["default"], field.name
    assert settings.VerdictRule.from_config({"alpha": 0.1}, seed=3).seed == 3


@pytest.mark.parametrize(
    ("cls", "path"),
    [
        (settings.DESettings, ("de",)),
        (settings.EnrichmentSettings, ("enrichment",)),
        (settings.VerdictRule, ("reversal",)),
        (settings.SingleCellSettings, ("datasets", "*", "single_cell")),
    ],
)
def test_every_schema_default_has_a_field(cls, path):
    """A default the schema declares but no stage reads would be a setting that does nothing."""
    names = {f.name for f in dataclasses.fields(cls)}
    read_by_the_workflow = {"by_cell_type"}  # the rules make one analysis per cell type
    assert set(settings.schema_defaults(*path)) - read_by_the_workflow <= names


def test_shipped_config_builds_every_stage_setting():
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    assert settings.DESettings.from_config(config["de"]).engine == "vectorized"
    gene_sets = settings.GeneSetSettings.from_config(config["gene_sets"])
    assert gene_sets.names == ["curated", "hallmark"]
    dataset = settings.DatasetSpec.from_config(config["datasets"]["example"])
    assert dataset.single_cell.min_cells == 10 and not dataset.single_cell_configured
    assert settings.ReportSettings.from_config(config["report"]).title.startswith("NMN")


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (lambda: settings.VerdictRule.from_config({"permutation": 500}), "'permutation'"),
        (lambda: settings.DESettings.from_config({"desing": "~batch + condition"}), "'desing'"),
        (lambda: settings.DatasetSpec.from_config({"path": "x", "sample": "s.tsv"}), "'sample'"),
        (
            lambda: settings.ReferenceSpec.from_config("r", {"path": "x", "pdaj": 0.1}),
            "'pdaj'",
        ),
        (
            lambda: settings.LoadSettings.from_config({"dataset": {}, "condition": {}}),
            "'condition'",
        ),
    ],
)
def test_a_mistyped_key_is_refused_not_ignored(build, key):
    """A typo in --settings (or a config key the schema lacks) once changed nothing silently."""
    with pytest.raises(InputError, match=f"unknown key\\(s\\) {key}.*\\nFix: use"):
        build()
