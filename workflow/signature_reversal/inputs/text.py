"""The rules every delimited text input follows, in one place (standard library only).

Every reader of a file kind (sample sheet, count table, GMT, reference table, gene list,
ortholog and annotation tables) and the checks run while the workflow is built go through
these functions, so a file that passes the checks is read the same way by the job:

- gzip- and xz-aware, UTF-8 with an optional byte-order mark (Excel's "CSV UTF-8"), any line ending;
- a *comment* is a whole line starting with ``#`` (featureCounts' first line); a ``#`` inside a
  line is data (a sample may be called ``s#1``);
- the delimiter is a comma for ``.csv`` files, otherwise whatever the header line uses (tab,
  else comma), so a comma-separated ``samples.tsv`` is read as the README promises.
"""

from __future__ import annotations

import csv
import gzip
import io
import lzma
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import CONFIG, InputError

DAMAGED = (EOFError, gzip.BadGzipFile, zlib.error, lzma.LZMAError)
EMPTY_FIX = "provide a header line and one line per row (gene IDs first, one column per sample)"


def require_file(
    path: str | Path, what: str, key: str | None = None, config_name: str | None = None
) -> Path:
    """The path must name an existing file (not a directory); the error names the config key
    that set it."""
    file = Path(path)
    where = f"'{key}' in {config_name or CONFIG}" if key else (config_name or CONFIG)
    if file.is_dir():
        raise InputError(
            f"the {what} is a directory, not a file",
            source=str(file),
            fix=f"point {where} at the file itself",
        )
    if not file.is_file():
        raise InputError(
            f"the {what} does not exist",
            source=str(file),
            fix=f"check {where} (relative paths are taken from the directory snakemake runs "
            "in, then from the workflow's folder)",
        )
    return file


def open_text(path: Path) -> io.TextIOBase:
    """A text handle, gzip- and xz-aware, that drops a UTF-8 byte-order mark."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    if path.suffix == ".xz":
        return io.TextIOWrapper(lzma.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def damaged(path: Path, what: str, err: Exception) -> InputError:
    """The error for a compressed file that cannot be read to its end."""
    kind = "xz" if path.suffix == ".xz" else "gzip"
    return InputError(
        f"the {what} is a damaged {kind} file ({err})",
        source=str(path),
        fix=f"download or compress it again ({kind} -t checks a file)",
    )


def not_utf8(path: Path, what: str, err: UnicodeDecodeError) -> InputError:
    """The error for text in another encoding (Excel's ANSI, Latin-1)."""
    return InputError(
        f"the {what} is not UTF-8 text (byte {err.start} of a line)",
        source=str(path),
        fix="save it as UTF-8 text (in Excel: CSV UTF-8, or tab-delimited text)",
    )


def numbered_lines(path: Path, what: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its line ending) of every line; a damaged gzip file
    or text that is not UTF-8 stops with the file named and the fix."""
    try:
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                yield number, line.rstrip("\r\n")
    except DAMAGED as err:
        raise damaged(path, what, err) from err
    except UnicodeDecodeError as err:
        raise not_utf8(path, what, err) from err


def is_comment(line: str) -> bool:
    """A whole-line comment (``#`` first); a ``#`` later in a line is data."""
    return line.lstrip().startswith("#")


def is_data(line: str) -> bool:
    return bool(line.strip()) and not is_comment(line)


def data_lines(path: Path, what: str, limit: int | None = None) -> list[tuple[int, str]]:
    """Numbered lines that are neither blank nor comments (the first ``limit`` of them)."""
    found: list[tuple[int, str]] = []
    for number, line in numbered_lines(path, what):
        if is_data(line):
            found.append((number, line))
            if limit is not None and len(found) == limit:
                break
    return found


def comment_line_indices(path: Path, what: str) -> list[int]:
    """0-based indices of the comment lines, for a table reader's ``skiprows`` (a file
    without any ``#`` is not read line by line)."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            if b"#" not in handle.read():
                return []
    except DAMAGED as err:
        raise damaged(path, what, err) from err
    return [number - 1 for number, line in numbered_lines(path, what) if is_comment(line)]


def delimiter(path: Path, header: str) -> str:
    """Comma for .csv (optionally .gz), else the delimiter the header line uses (tab first)."""
    if ".csv" in [s.lower() for s in path.suffixes]:
        return ","
    return "\t" if "\t" in header or "," not in header else ","


def split(line: str, sep: str) -> list[str]:
    """One line's fields (quotes as a spreadsheet writes them), stripped."""
    return [cell.strip() for cell in next(csv.reader([line], delimiter=sep), [])]


def header(path: Path, what: str) -> tuple[list[str], str]:
    """The header's fields and the file's delimiter; an empty file is refused."""
    lines = data_lines(path, what, limit=1)
    if not lines:
        raise InputError(f"the {what} is empty", source=str(path), fix=EMPTY_FIX)
    sep = delimiter(path, lines[0][1])
    return split(lines[0][1], sep), sep


def rows(path: Path, what: str) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """Header, numbered rows and delimiter of a small table (sample sheets, gene lists)."""
    lines = data_lines(path, what)
    if not lines:
        raise InputError(f"the {what} is empty", source=str(path), fix=EMPTY_FIX)
    sep = delimiter(path, lines[0][1])
    return split(lines[0][1], sep), [(n, split(line, sep)) for n, line in lines[1:]], sep


def check_gzip(path: Path, what: str) -> None:
    """Read a gzip file to its end: a truncated download fails here, not in the middle of a job."""
    if path.suffix != ".gz":
        return
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 22):
                pass
    except (*DAMAGED, OSError) as err:
        raise damaged(path, what, err) from err


def refuse_repeated_columns(names: list[str], path: Path, what: str = "column") -> None:
    """Two columns with one name would be renamed silently by a table reader: refuse."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name and name in seen:
            raise InputError(
                f"columns {seen[name]} and {position} are both named {name!r}",
                source=str(path),
                fix=f"give every {what} a unique name (and the sheet the same names)",
            )
        seen[name] = position


def table_header(
    path: str | Path,
    what: str,
    column_kind: str = "column",
    key: str | None = None,
    config_name: str | None = None,
) -> tuple[list[str], str]:
    """A table's header fields and delimiter, after the checks every table reader needs: the
    file exists, a gzip file is complete, the table is not empty, no column is named twice (a
    table reader would silently rename the second)."""
    file = require_file(path, what, key, config_name)
    check_gzip(file, what)
    names, sep = header(file, what)
    refuse_repeated_columns(names, file, column_kind)
    return names, sep


def read_frame(path: Path, what: str, sep: str, fix: str, dtype=str, **options):
    """The whole table as a pandas DataFrame of strings (or ``dtype``: a type per column), read
    by these rules (comment lines skipped, BOM dropped); pandas is imported here only, so the
    checks above stay standard library. A file pandas cannot parse is refused with ``fix``."""
    import pandas as pd

    try:
        return pd.read_csv(
            path,
            sep=sep,
            dtype=dtype,
            skiprows=comment_line_indices(path, what),
            encoding="utf-8-sig",
            **options,
        )
    except DAMAGED as err:
        raise damaged(path, what, err) from err
    except UnicodeDecodeError as err:
        raise not_utf8(path, what, err) from err
    except pd.errors.EmptyDataError as err:
        raise InputError(f"the {what} is empty", source=str(path), fix=EMPTY_FIX) from err
    except (pd.errors.ParserError, OSError, ValueError) as err:
        kind = "CSV" if sep == "," else "TSV"
        raise InputError(
            f"the {what} cannot be read as a {kind} table ({err})", source=str(path), fix=fix
        ) from err
