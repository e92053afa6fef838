"""Bad user input: one exception type, so the CLI can print it without a traceback."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input a user can fix: the message names the file, the row/column and the fix."""

    def __init__(self, problem: str, *, source: str | None = None, fix: str | None = None):
        parts = [f"{source}: {problem}" if source else problem]
        if fix:
            parts.append(f"Fix: {fix}")
        super().__init__("\n".join(parts))


def require_file(path: Path, what: str, config_key: str | None = None, hint: str = "") -> None:
    """Refuse a missing input file, naming it and where in the config its path is set."""
    if not path.is_file():
        where = f"'{config_key}' in config/config.yaml" if config_key else "config/config.yaml"
        raise InputError(
            f"{what} not found",
            source=str(path),
            fix=f"check the path to the {what} in {where} (relative paths are resolved from "
            f"the directory you run snakemake in){hint}",
        )
