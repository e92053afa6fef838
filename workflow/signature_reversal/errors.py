"""Bad user input: one exception type, so the CLI can print it without a traceback."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input a user can fix: the message names the file, the row/column and the fix."""

    def __init__(self, problem: str, *, source: str | None = None, fix: str | None = None):
        parts = [f"{source}: {problem}" if source else problem]
        if fix:
            parts.append(f"Fix: {fix}")
        super().__init__("\n".join(parts))


CONFIG = "your config (config/config.yaml, or the file given with --configfile)"
