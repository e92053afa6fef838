"""A study's arms from the config: several treatments, disease/treatment pairs, a dose or time
order and a placebo arm; the one-treatment config stays one analysis named as before."""

from __future__ import annotations

import pytest

from signature_reversal.errors import InputError
from signature_reversal.study import analysis_conditions, analysis_names, study_of

ONE = {"control": "control", "disease": "eczema", "treatment": "nmn"}


def test_one_treatment_is_one_analysis_with_the_dataset_name():
    assert analysis_names("example", ONE) == {"example": None}


def test_several_treatments_share_control_and_disease_and_keep_each_other():
    conditions = {**ONE, "treatment": ["nmn", "nmn high", "dex"]}
    arms = analysis_names("study", conditions)
    assert list(arms) == ["study.nmn", "study.nmn_high", "study.dex"]
    dex = arms["study.dex"]
    assert dex.conditions == {"control": "control", "disease": "eczema", "treatment": "dex"}
    assert dex.others == ("nmn", "nmn high")  # in the model, as nuisance means


def test_pairs_without_control_for_time_points():
    conditions = {
        "pairs": {
            "day7": {"disease": "vehicle_d7", "treatment": "drug_d7"},
            "day14": {"disease": "vehicle_d14", "treatment": "drug_d14"},
        },
        "ordered": "day",
    }
    study = study_of(conditions)
    assert [a.name for a in study.arms] == ["day7", "day14"]
    assert study.arms[1].conditions == {"disease": "vehicle_d14", "treatment": "drug_d14"}
    assert study.arms[1].others == ("vehicle_d7", "drug_d7")
    assert study.ordered == "day" and study.trend_arms == ("day7", "day14")


def test_ordered_leaves_the_placebo_out_or_takes_the_arms_it_names():
    conditions = {**ONE, "treatment": ["placebo", "low", "high"], "placebo": "placebo"}
    assert study_of({**conditions, "ordered": "dose"}).trend_arms == ("low", "high")
    some = {
        **ONE,
        "treatment": ["low", "high", "dex"],
        "ordered": {"factor": "dose", "arms": ["low", "high"]},
    }
    assert study_of(some).trend_arms == ("low", "high")


@pytest.mark.parametrize(
    ("conditions", "words"),
    [
        ({**ONE, "treatment": ["nmn", "nmn"]}, "not distinct"),
        ({**ONE, "treatment": ["nmn", "eczema"]}, "used twice"),
        ({**ONE, "treatment": ["a", "b"], "placebo": "c"}, "placebo 'c' is not one of the arms"),
        (
            {**ONE, "treatment": ["a", "b"], "ordered": {"factor": "dose", "arms": ["a", "x"]}},
            "not arms: x",
        ),
        ({**ONE, "treatment": ["a", "b"], "placebo": "a", "ordered": "dose"}, "at least 2 arms"),
        ({"pairs": {"d7": {"disease": "v"}}}, "exactly 'disease' and 'treatment'"),
        ({**ONE, "pairs": {"d7": {"disease": "v", "treatment": "t"}}}, "replaces"),
        ({**ONE, "treatment": ["a b", "a_b"]}, "not distinct"),
        ({**ONE, "treatment": []}, "empty list"),
    ],
)
def test_bad_study_configs_are_refused_with_the_fix(conditions, words):
    with pytest.raises(InputError, match=words) as error:
        study_of(conditions)
    assert "\nFix: " in str(error.value)


def test_an_analysis_finds_its_arm_conditions():
    config = {
        "conditions": ONE,
        "datasets": {"s": {"conditions": {**ONE, "treatment": ["nmn", "dex"]}}, "e": {}},
    }
    assert analysis_conditions(config, "s.dex")["treatment"] == "dex"
    assert analysis_conditions(config, "e") == ONE
