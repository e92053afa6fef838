"""The three condition roles and the contrasts built from them.

Keeping the names in one place lets every module speak of "disease" and "treatment" while the
user's sample sheet says "eczema" and "nmn" (or anything else the config names).
"""

from dataclasses import dataclass

ROLES = ("control", "disease", "treatment")


@dataclass(frozen=True)
class Contrast:
    """A named comparison ``numerator`` vs ``denominator`` between two roles."""

    name: str
    numerator: str
    denominator: str
    meaning: str


CONTRASTS = (
    Contrast("disease_vs_control", "disease", "control", "disease signature"),
    Contrast("treatment_vs_disease", "treatment", "disease", "treatment effect"),
    Contrast("treatment_vs_control", "treatment", "control", "residual after treatment"),
)
CONTRAST_NAMES = tuple(c.name for c in CONTRASTS)


def present_roles(conditions) -> tuple[str, ...]:
    """The roles a dataset has, in ROLES order: all three, or disease and treatment only
    (a two-arm study without a healthy control)."""
    return tuple(role for role in ROLES if role in conditions)


def contrasts_for(roles) -> tuple[Contrast, ...]:
    """The contrasts whose two roles are both present."""
    return tuple(c for c in CONTRASTS if c.numerator in roles and c.denominator in roles)


def contrast_by_name(name: str) -> Contrast:
    """Look a contrast up by name, with an error listing the valid names."""
    for contrast in CONTRASTS:
        if contrast.name == name:
            return contrast
    raise KeyError(f"unknown contrast {name!r}; choose one of {', '.join(CONTRAST_NAMES)}")
