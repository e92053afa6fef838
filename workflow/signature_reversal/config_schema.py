"""The config checked against its schema, with one short message per problem.

Snakemake's own ``validate`` reports a problem with the whole schema printed after it (about
1,400 lines for this one), which hides the one key that matters. The workflow calls
:func:`check` first: the first problem (jsonschema's ``best_match``) becomes one message naming
the key, the file and the fix. Only a valid config reaches Snakemake's ``validate``, which then
fills in the schema's defaults. Imports: the standard library, PyYAML and jsonschema (both
Snakemake's own dependencies), so this runs while the workflow is built.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import InputError

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"
README_HINT = "README.md, 'Your own data'; every key: workflow/schemas/config.schema.yaml"


def load_schema(path: Path = SCHEMA) -> dict:
    return yaml.safe_load(path.read_text())


MAX_PROBLEMS = 5


def check(config: Mapping, config_name: str, schema: dict | None = None) -> None:
    """Raise :class:`InputError` naming each key that breaks the schema (at most five), each
    with its fix."""
    schema = schema if schema is not None else load_schema()
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        (jsonschema.exceptions.best_match([e]) for e in validator.iter_errors(dict(config))),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if not errors:
        return
    problems = [f"{describe(e)}\n  Fix: {fix_for(e, schema)}" for e in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        problems.append(f"... and {len(errors) - MAX_PROBLEMS} more")
    count = "a problem" if len(errors) == 1 else f"{len(errors)} problems"
    raise InputError(f"the config has {count}:\n- " + "\n- ".join(problems), source=config_name)


def key_of(path: Any) -> str:
    """A jsonschema path as the config key a user writes: ``de.fit``, ``gene_sets.extra[0]``."""
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "the top level"


def _unexpected(error: jsonschema.ValidationError) -> list[str]:
    allowed = set(error.schema.get("properties", {}))
    return sorted(k for k in error.instance if k not in allowed)


def describe(error: jsonschema.ValidationError) -> str:
    """What is wrong, in the user's words: the key and the value, not the schema."""
    key = key_of(error.absolute_path)
    value = error.instance
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in value]
        names = ", ".join(f"'{k}'" for k in missing)
        where = "at the top level" if key == "the top level" else f"under '{key}'"
        return f"{names} missing {where}"
    if error.validator == "additionalProperties":
        names = ", ".join(f"'{k}'" for k in _unexpected(error))
        where = "at the top level" if key == "the top level" else f"under '{key}'"
        return f"unknown key {names} {where}"
    if error.validator == "enum":
        return f"{key} is {value!r}, which is not one of {_listed(error.validator_value)}"
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return f"{key} is {value!r} ({type(value).__name__}), but must be {_article(wanted)}"
    if error.validator == "pattern":
        return f"{key} is {value!r}, which does not have the expected form"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "above",
            "exclusiveMaximum": "below",
        }[error.validator]
        return f"{key} is {value!r}, but must be {bound} {error.validator_value}"
    if error.validator in ("minProperties", "minItems", "minLength"):
        return f"{key} is empty"
    if error.validator in ("oneOf", "anyOf"):
        return f"{key} has none of the accepted forms"
    if error.validator == "not":
        return f"{key} is {value!r}, which is reserved"
    return f"{key}: {error.message.splitlines()[0][:200]}"


def fix_for(error: jsonschema.ValidationError, schema: dict) -> str:
    """The fix: the closest allowed key, the accepted values, or the key's own description."""
    key = key_of(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        hints = []
        for name in _unexpected(error):
            close = difflib.get_close_matches(name, allowed, n=1)
            hints.append(f"'{name}' → '{close[0]}'?" if close else f"remove '{name}' or move it")
        return f"{'; '.join(hints)} Keys allowed here: {', '.join(allowed)} ({README_HINT})"
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        example = _EXAMPLES.get(missing[0]) if missing else None
        if example:
            return f"add, for example:\n{example}"
        described = [
            error.schema.get("properties", {}).get(k, {}).get("description", "") for k in missing
        ]
        return "add " + ", ".join(
            f"'{k}'" + (f" ({d.strip()})" if d else "")
            for k, d in zip(missing, described, strict=True)
        )
    if error.validator == "enum":
        return f"set {key} to one of {_listed(error.validator_value)}"
    if error.validator in ("oneOf", "anyOf"):
        described = error.schema.get("description", "")
        forms = "; ".join(
            _form(option) for option in error.validator_value if isinstance(option, dict)
        )
        return " ".join(p for p in (described.strip(), f"Accepted: {forms}.") if p) + (
            f" ({README_HINT})"
        )
    described = error.schema.get("description", "")
    return (described.strip() + " " if described else "") + f"({README_HINT})"


def _form(option: dict) -> str:
    if "required" in option:
        return "with " + " and ".join(option["required"])
    if "type" in option:
        return _article(
            option["type"] if isinstance(option["type"], str) else "/".join(option["type"])
        )
    if "anyOf" in option:
        return " or ".join(_form(o) for o in option["anyOf"])
    return "see the schema"


def _listed(values: list) -> str:
    return ", ".join(repr(v) for v in values)


def _article(kind: str) -> str:
    words = {
        "string": "a text",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "array": "a list",
        "object": "a section of keys",
        "null": "null",
    }
    return " or ".join(words.get(k.strip(), k) for k in kind.split(" or "))


_EXAMPLES = {
    "datasets": (
        "  datasets:\n"
        "    my_study:\n"
        "      path: data/counts.tsv.gz      # genes x samples table, or .h5ad\n"
        "      samples: data/samples.tsv     # columns: sample, condition\n"
        "      species: mouse"
    ),
    "conditions": (
        "  conditions: {control: healthy, disease: sick, treatment: drug}\n"
        "  (the sample sheet's 'condition' labels; leave out control for a two-arm study)"
    ),
    "path": "  path: data/counts.tsv.gz   # the dataset's table or .h5ad",
}
