"""A study with several treatments, doses or time points: its arms.

Real studies rarely have exactly three groups: a comparator drug, two doses, vehicle and drug
at two time points, drug and placebo arms of a trial. Each *arm* (one treatment against its
disease group, with the control when there is one) is judged as the three-group (or two-arm)
analysis the rest of the pipeline knows, inside one model of all the study's groups: every
other group stays in that model as a nuisance mean (role ``other:<label>``), so every arm's
dispersions and residual variances come from all the samples, as DESeq2 or limma fit them on
the whole study. The arms are then compared head to head (``reversal.head_to_head``).

Config (``conditions``, or a dataset's own): ``treatment`` as a list of labels (several
treatments against one disease group), or ``pairs`` (several disease/treatment pairs, such as
vehicle and drug at each day); ``ordered`` names the factor the arms are listed along (dose,
day) for a trend test; ``placebo`` names the arm the others are compared with first. A single
``treatment`` label is the one-arm study of before, unchanged.

Standard library only: the workflow reads this while it builds the job graph.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import InputError

OTHER = "other:"  # role prefix of the study's other groups within one arm's analysis
STUDY_KEYS = ("control", "disease", "treatment", "pairs", "ordered", "placebo")


@dataclass(frozen=True)
class Arm:
    """One treatment with its disease group (and control): one analysis of the study."""

    name: str  # the treatment label, or the pair's name
    conditions: dict[str, str]  # role → the sheet's condition label
    others: tuple[str, ...]  # the study's other condition labels, kept in the model

    @property
    def slug(self) -> str:
        """The arm's name as it appears in analysis names and paths."""
        return slug(self.name)


@dataclass(frozen=True)
class Study:
    """The arms of a study, in the order given (the order of dose or time when ``ordered``)."""

    arms: tuple[Arm, ...]
    ordered: str | None = None  # the factor of the trend test (dose, day), or None
    placebo: str | None = None  # the arm the others are compared with first
    trend_arms: tuple[str, ...] = ()  # the arms along ``ordered``, in its order

    @property
    def labels(self) -> list[str]:
        """Every condition label of the study, each once, in config order."""
        seen: list[str] = []
        for arm in self.arms:
            for label in arm.conditions.values():
                if label not in seen:
                    seen.append(label)
        return seen


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(name)).strip("_")


def is_multi_arm(conditions: Mapping) -> bool:
    """Does this conditions block describe more than one arm?"""
    return "pairs" in conditions or isinstance(conditions.get("treatment"), list)


def study_of(conditions: Mapping, source: str = "config 'conditions'") -> Study:
    """The arms a conditions block describes (one arm for a single treatment label)."""
    unknown = sorted(set(conditions) - set(STUDY_KEYS))
    if unknown:
        raise InputError(
            f"unknown key(s) {', '.join(map(repr, unknown))}",
            source=source,
            fix="use: " + ", ".join(STUDY_KEYS),
        )
    control = conditions.get("control")
    if "pairs" in conditions:
        if "treatment" in conditions or "disease" in conditions:
            raise InputError(
                "'pairs' replaces 'disease' and 'treatment'; both were given",
                source=source,
                fix="give each pair its disease and treatment under 'pairs', or drop 'pairs'",
            )
        pairs = conditions["pairs"]
        if not isinstance(pairs, Mapping) or not pairs:
            raise InputError(
                "'pairs' must map a name to {disease: label, treatment: label}",
                source=source,
                fix="e.g. pairs: {day7: {disease: vehicle_d7, treatment: drug_d7}}",
            )
        roles = []
        for name, pair in pairs.items():
            if not isinstance(pair, Mapping) or set(pair) != {"disease", "treatment"}:
                raise InputError(
                    f"pair {name!r} must have exactly 'disease' and 'treatment'",
                    source=source,
                    fix=f"write pairs: {{{name}: {{disease: <label>, treatment: <label>}}}}",
                )
            roles.append((str(name), str(pair["disease"]), str(pair["treatment"])))
    else:
        if "disease" not in conditions or "treatment" not in conditions:
            raise InputError(
                "'disease' and 'treatment' are required (or 'pairs')",
                source=source,
                fix="name the sheet's disease and treatment condition labels",
            )
        treatments = conditions["treatment"]
        treatments = treatments if isinstance(treatments, list) else [treatments]
        if not treatments:
            raise InputError(
                "'treatment' is an empty list", source=source, fix="list the treated groups"
            )
        disease = str(conditions["disease"])
        roles = [(str(t), disease, str(t)) for t in treatments]
    _check_distinct(roles, control, source)
    arms = []
    every = ([str(control)] if control is not None else []) + [
        label for _, disease, treatment in roles for label in (disease, treatment)
    ]
    for name, disease, treatment in roles:
        own = {"disease": disease, "treatment": treatment}
        if control is not None:
            own = {"control": str(control), **own}
        others = tuple(dict.fromkeys(x for x in every if x not in own.values()))
        arms.append(Arm(name=name, conditions=own, others=others))
    names = [arm.name for arm in arms]
    placebo = conditions.get("placebo")
    if placebo is not None and str(placebo) not in names:
        raise InputError(
            f"placebo {placebo!r} is not one of the arms ({', '.join(names)})",
            source=source,
            fix="set 'placebo' to one of the treatment labels (or pair names)",
        )
    factor, along = _ordered(conditions.get("ordered"), names, placebo, source)
    return Study(
        arms=tuple(arms),
        ordered=factor,
        placebo=str(placebo) if placebo is not None else None,
        trend_arms=along,
    )


def _ordered(ordered, names: list[str], placebo, source: str) -> tuple[str | None, tuple[str, ...]]:
    """The trend's factor and arms: ``ordered: dose`` (every arm but the placebo, as listed) or
    ``ordered: {factor: dose, arms: [low, high]}`` (those arms, in that order)."""
    if ordered is None:
        return None, ()
    if isinstance(ordered, Mapping):
        factor, along = ordered.get("factor"), [str(a) for a in ordered.get("arms") or []]
        unknown = [a for a in along if a not in names]
        if not factor or unknown:
            raise InputError(
                "'ordered' needs a factor and arms that are treatment labels (or pair names)"
                + (f"; not arms: {', '.join(unknown)}" if unknown else ""),
                source=source,
                fix="e.g. ordered: {factor: dose, arms: [nmn_low, nmn_high]}",
            )
    else:
        factor, along = ordered, [n for n in names if n != str(placebo)]
    if len(along) < 2:
        raise InputError(
            f"'ordered' asks for a trend along {factor}, which needs at least 2 arms; there "
            f"are {len(along)}",
            source=source,
            fix="list at least two treatments in dose or time order, or drop 'ordered'",
        )
    return str(factor), tuple(along)


def _check_distinct(roles: list[tuple[str, str, str]], control, source: str) -> None:
    names = [name for name, _, _ in roles]
    slugs = [slug(n) for n in names]
    if len(set(slugs)) < len(slugs) or any(not s for s in slugs):
        raise InputError(
            f"arm names {', '.join(names)} are not distinct (or empty) once written as file names",
            source=source,
            fix="give every treatment (or pair) its own name",
        )
    treatments = [t for _, _, t in roles]
    diseases = {d for _, d, _ in roles}
    clash = sorted(
        set(treatments) & (diseases | ({str(control)} if control is not None else set()))
    )
    if len(set(treatments)) < len(treatments) or clash:
        raise InputError(
            "a condition label is used twice: "
            + ", ".join(clash or [t for t in treatments if treatments.count(t) > 1]),
            source=source,
            fix="each treated group needs its own label, different from the disease and control",
        )


def analysis_names(dataset: str, conditions: Mapping) -> dict[str, Arm | None]:
    """analysis name → its arm: the dataset's own name for a one-arm study (as before),
    ``<dataset>.<arm>`` for each arm of a multi-arm study."""
    if not is_multi_arm(conditions):
        return {dataset: None}
    study = study_of(conditions, f"datasets.{dataset}: conditions")
    return {f"{dataset}.{arm.slug}": arm for arm in study.arms}


def analysis_conditions(config: Mapping, analysis: str) -> dict[str, str]:
    """The role → label map of an analysis of ``config``: its arm's in a multi-arm study, else
    its dataset's (or the top-level) conditions."""
    dataset = analysis.split(".")[0]
    conditions = config["datasets"][dataset].get("conditions", config["conditions"])
    if not is_multi_arm(conditions):
        return dict(conditions)
    study = study_of(conditions, f"datasets.{dataset}: conditions")
    arm_slug = analysis.rsplit(".", 1)[-1]
    for arm in study.arms:
        if arm.slug == arm_slug:
            return dict(arm.conditions)
    raise KeyError(f"analysis {analysis!r} is no arm of dataset {dataset!r}")
