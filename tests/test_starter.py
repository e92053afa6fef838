"""`signature-reversal init`: what it reads off a table, and the config it writes."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from helpers import REPO

from signature_reversal import starter
from signature_reversal.errors import InputError


def table(path, ids, columns, values, extra=None):
    frame = pd.DataFrame(values, index=ids, columns=columns)
    frame.index.name = "gene_id"
    if extra:
        for name, column in extra.items():
            frame.insert(0, name, column)
    frame.to_csv(path, sep="\t")
    return path


@pytest.mark.parametrize(
    ("ids", "species", "kind"),
    [
        (["ENSMUSG00000000001", "ENSMUSG00000000028"], "mouse", "ensembl"),
        (["ENSG00000141510.17", "ENSG00000012048"], "human", "ensembl"),
        (["Jak2", "Stat3"], "mouse", "symbol"),
        (["JAK2", "STAT3"], "human", "symbol"),
        (["16452", "20848"], "mouse", "entrez"),  # Jak2, Stat3 NCBI GeneIDs
        (["3717", "6774"], "human", "entrez"),
    ],
)
def test_species_and_id_kind_are_read_off_the_ids(ids, species, kind):
    found = starter.detect_species(pd.Series(ids), None, REPO / "config" / "annotation")
    assert found == (kind, species)


def test_groups_come_from_replicate_numbers_or_the_user_is_told_to_give_a_sheet():
    groups = starter.groups_from_names(["ctrl_1", "ctrl-2", "AD rep1", "AD rep2", "AD+NMN3"])
    assert groups["ctrl-2"] == "ctrl" and groups["AD rep2"] == "AD"
    with pytest.raises(InputError, match="--samples"):
        starter.groups_from_names(["GSM1", "GSM2x", "GSM3y"])


def test_value_kinds(tmp_path):
    columns = [f"s{i}" for i in range(4)]
    ints = table(tmp_path / "a.tsv", ["Jak2", "Stat3"], columns, [[1, 2, 3, 4], [50, 6, 7, 8]])
    salmon = table(
        tmp_path / "b.tsv", ["Jak2", "Stat3"], columns, [[1.5, 2, 3, 4], [5000.2, 6, 7, 8]],
        extra={"gene_name": ["Jak2", "Stat3"]},
    )  # fmt: skip
    logged = table(tmp_path / "c.tsv", ["Jak2", "Stat3"], columns, [[1.5, -2, 3, 4], [5, 6, 7, 8]])
    assert starter.describe_table(ints).kind == "counts"
    facts = starter.describe_table(salmon)
    assert (facts.kind, facts.non_integer, facts.symbol_column) == ("counts", True, "gene_name")
    assert facts.samples == columns
    assert starter.describe_table(logged).kind == "normalized"


def test_roles_must_name_groups(tmp_path):
    groups = {"a_1": "a", "a_2": "a", "b_1": "b", "b_2": "b"}
    with pytest.raises(InputError, match=r"groups found: a \(2\), b \(2\)"):
        starter.check_roles(None, groups)
    with pytest.raises(InputError, match="did you mean 'b'"):
        starter.check_roles(starter.Roles(None, "a", ["bb"]), groups)


def test_the_written_config_is_valid_and_names_what_it_found(tmp_path):
    columns = ["healthy_1", "healthy_2", "sick_1", "sick_2", "drug_1", "drug_2"]
    data = table(tmp_path / "counts.tsv", ["Jak2", "Stat3"], columns, [[1] * 6, [2] * 6])
    out = tmp_path / "cfg" / "my.yaml"
    roles = starter.Roles("healthy", "sick", ["drug"])
    config_path, sheet = starter.write_starter(data, out, roles)
    config = yaml.safe_load(config_path.read_text())
    from signature_reversal import config_schema

    config_schema.check(config, str(config_path))
    assert config["conditions"] == {"control": "healthy", "disease": "sick", "treatment": "drug"}
    assert (
        pd.read_csv(sheet, sep="\t")["condition"].tolist()
        == ["healthy"] * 2 + ["sick"] * 2 + ["drug"] * 2
    )
    with pytest.raises(InputError, match="not overwritten"):
        starter.write_starter(data, out, roles)
