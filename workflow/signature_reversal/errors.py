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


CONFIG = "your config (config/config.yaml, or the file given with --configfile)"


def require_file(path: Path, what: str, config_key: str | None = None, hint: str = "") -> None:
    """Refuse a missing input file (or a directory), naming it and where its path is set."""
    where = f"'{config_key}' in {CONFIG}" if config_key else CONFIG
    if path.is_dir():
        raise InputError(
            f"the {what} is a directory, not a file",
            source=str(path),
            fix=f"point {where} at the file itself{hint}",
        )
    if not path.is_file():
        raise InputError(
            f"{what} not found",
            source=str(path),
            fix=f"check the path to the {what} in {where} (relative paths are resolved from "
            f"the directory you run snakemake in){hint}",
        )
