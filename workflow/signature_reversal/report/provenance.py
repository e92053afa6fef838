"""Which inputs a report describes, and marking a report that no longer describes them.

A report is read weeks after the run that wrote it; it must say which files (by checksum) and
which config it came from, so a reader can tell it from a later run's. And when a rerun on
changed inputs fails, the previous report must not stay behind looking current:
:func:`mark_outdated` puts a banner at its top saying so (the workflow calls it on error for
every report whose inputs changed or are gone).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

OUTDATED_MARK = "<!-- signature-reversal: outdated -->"


@dataclass(frozen=True)
class InputFile:
    """One input file of the run: what it is, where, and its checksum."""

    role: str
    path: str
    sha256: str
    size: int


def sha256(path: Path, block: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def configured_files(config: Mapping) -> list[tuple[str, str]]:
    """(role, path) of every file the config names, in config order."""
    files: list[tuple[str, str]] = []
    for name, dataset in config.get("datasets", {}).items():
        files.append((f"dataset {name}", dataset["path"]))
        if dataset.get("samples"):
            files.append((f"sample sheet of {name}", dataset["samples"]))
    gene_sets = config.get("gene_sets", {})
    if gene_sets.get("curated"):
        files.append(("gene sets: curated", gene_sets["curated"]["path"]))
    for extra in gene_sets.get("extra") or []:
        files.append((f"gene sets: {extra['name']}", extra["path"]))
    if gene_sets.get("orthologs"):
        files.append(("ortholog table", gene_sets["orthologs"]))
    for name, reference in (config.get("reference_signatures") or {}).items():
        for key in ("path", "up", "down"):
            if isinstance(reference.get(key), str):
                files.append((f"reference {name} ({key})", reference[key]))
    for name, library in (config.get("drug_libraries") or {}).items():
        for key in ("up", "down", "gmt", "matrix", "annotation"):
            if library.get(key):
                files.append((f"drug library {name} ({key})", library[key]))
    return files


def input_files(config: Mapping) -> list[InputFile]:
    """Every configured file that exists, with its SHA-256."""
    found = []
    for role, path in configured_files(config):
        file = Path(path)
        if file.is_file():
            found.append(InputFile(role, str(path), sha256(file), file.stat().st_size))
    return found


def is_outdated(report: Path, inputs: Iterable[str | Path]) -> bool:
    """A report some input of which is missing or newer than the report itself."""
    if not report.is_file():
        return False
    written = report.stat().st_mtime
    for path in inputs:
        file = Path(path)
        if not file.exists() or file.stat().st_mtime > written:
            return True
    return False


def mark_outdated(report: Path, reason: str) -> bool:
    """Put a banner at the top of ``report`` saying it describes an earlier run (once)."""
    if not report.is_file():
        return False
    page = report.read_text(encoding="utf-8")
    if OUTDATED_MARK in page:
        return False
    banner = (
        f'{OUTDATED_MARK}<div id="outdated" style="background:#b00020;color:#fff;padding:1em;'
        'font:bold 1.1em sans-serif;position:sticky;top:0;z-index:10">OUTDATED: this report '
        "describes an earlier run. Its inputs or config have changed since, and the latest run "
        f"failed: {html.escape(reason)}</div>"
    )
    at = page.find("<body")
    at = page.find(">", at) + 1 if at >= 0 else 0
    temporary = report.with_name(report.name + ".tmp")
    temporary.write_text(page[:at] + banner + page[at:], encoding="utf-8")
    temporary.replace(report)
    return True


def previous_reports(results: str | Path = "results") -> list[Path]:
    """Every report an earlier run left: the combined one and each analysis's."""
    folder = Path(results)
    return [
        p for p in [folder / "report.html", *sorted(folder.glob("*/report.html"))] if p.is_file()
    ]


def mark_reports_outdated_by(
    reports: Iterable[Path], inputs: Iterable[str | Path], reason: str
) -> list[Path]:
    """Banner each report that an input is missing for or newer than; return those marked."""
    inputs = list(inputs)
    return [r for r in reports if is_outdated(r, inputs) and mark_outdated(r, reason)]
