"""The config's schema problems as one short message each, naming the key and the fix."""

from __future__ import annotations

import pytest

from signature_reversal import config_schema
from signature_reversal.errors import InputError

MINIMAL = {
    "datasets": {"d": {"path": "counts.tsv", "samples": "s.tsv"}},
    "conditions": {"control": "c", "disease": "d", "treatment": "t"},
}


def problems(config: dict) -> str:
    with pytest.raises(InputError) as caught:
        config_schema.check(config, "my.yaml")
    return str(caught.value)


def test_two_sections_are_a_valid_config():
    config_schema.check(MINIMAL, "my.yaml")  # raises on any problem


def test_a_mistyped_key_gets_the_closest_allowed_one():
    message = problems({**MINIMAL, "reversal": {"permutaions": 100}})
    assert message.startswith("my.yaml: the config has a problem")
    assert "unknown key 'permutaions' under 'reversal'" in message
    assert "'permutaions' → 'permutations'?" in message


def test_a_missing_section_shows_an_example():
    message = problems({"conditions": MINIMAL["conditions"]})
    assert "'datasets' missing at the top level" in message
    assert "datasets:\n" in message and "path:" in message


def test_values_out_of_range_or_of_the_wrong_kind_say_what_is_allowed():
    message = problems({**MINIMAL, "de": {"engine": "edger", "alpha": 2}, "min_replicates": "3"})
    assert "de.engine is 'edger', which is not one of 'vectorized', 'pydeseq2'" in message
    assert "de.alpha is 2, but must be below 1" in message
    assert "min_replicates is '3' (str), but must be a whole number" in message
    assert "3 problems" in message


def test_many_problems_are_capped_not_dumped():
    config = {
        **MINIMAL,
        "de": {"alpha": 2, "min_count": -1},
        "enrichment": {"permutations": 1},
        "reversal": {"alpha": 5},
        "min_replicates": 1,
        "report": {"title": 3},
        "genes_of_interest": "Jak2",
    }
    message = problems(config)
    assert "7 problems" in message and "... and 2 more" in message
    assert len(message.splitlines()) < 25


def test_the_schema_fills_every_section_but_datasets_and_conditions():
    schema = config_schema.load_schema()
    assert schema["required"] == ["datasets", "conditions"]
    for section in ("de", "gene_sets", "enrichment", "reversal", "report"):
        assert "default" in schema["properties"][section], section
    curated = schema["properties"]["gene_sets"]["properties"]["curated"]["default"]
    assert curated["path"].endswith("hallmark_v7.0.gmt")  # neutral: no disease's own sets
