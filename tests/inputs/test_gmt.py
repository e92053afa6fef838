"""The one GMT reader: what it accepts and what it refuses, the same at every call site."""

import gzip

import pytest

from signature_reversal.errors import InputError
from signature_reversal.inputs.gmt import GeneSet, read_gmt, write_gmt


def test_roundtrip(tmp_path):
    sets = [GeneSet("A", "first", ("x", "y")), GeneSet("B", "second", ("z",))]
    write_gmt(sets, tmp_path / "s.gmt")
    assert read_gmt(tmp_path / "s.gmt") == sets


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "holds no set"),
        ("A\tdesc\n", "line 1 has 2"),
        ("A\td\tx\nA\td\ty\n", "appears twice"),
    ],
)
def test_bad_gmt(tmp_path, content, message):
    path = tmp_path / "bad.gmt"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_gmt(path)


def test_missing_gmt(tmp_path):
    with pytest.raises(InputError, match="gene-set file does not exist"):
        read_gmt(tmp_path / "none.gmt")


def test_a_line_with_a_name_and_description_but_no_gene_is_refused(tmp_path):
    path = tmp_path / "bad.gmt"
    path.write_text("A\td\tx\nB\td\t\t\n")
    with pytest.raises(InputError, match="line 2 has 4 tab-separated field.*0 gene"):
        read_gmt(path)


def test_text_that_is_not_utf8_is_refused_with_the_file_named(tmp_path):
    path = tmp_path / "latin1.gmt"
    path.write_bytes("S\tcaf\u00e9 genes\tA\tB\n".encode("latin-1"))
    with pytest.raises(InputError, match="latin1.gmt: the gene-set file is not UTF-8"):
        read_gmt(path)


def test_gzipped_with_a_byte_order_mark_and_crlf(tmp_path):
    path = tmp_path / "s.gmt.gz"
    path.write_bytes(gzip.compress("\ufeffS\td\tA\tB\r\nT\td\tC\r\n".encode()))
    assert read_gmt(path) == [GeneSet("S", "d", ("A", "B")), GeneSet("T", "d", ("C",))]
