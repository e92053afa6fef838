"""The command line: stages run from files they are given, deterministically; input errors
exit 2 with the message and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CONDITIONS, STAGE_CONFIG, load_command, reversal_command

from signature_reversal import cli
from signature_reversal.errors import InputError
from signature_reversal.layout import AnalysisLayout


def test_named_paths():
    assert cli.named_paths(["a=x.tsv", "b=y=z.tsv"]) == {"a": "x.tsv", "b": "y=z.tsv"}
    with pytest.raises(InputError, match="not NAME=PATH"):
        cli.named_paths(["x.tsv"])
    with pytest.raises(InputError, match="no file given for b"):
        cli.named_paths(["a=x.tsv"], expected=["a", "b"])


def test_outputs_are_deterministic(evil_results, tmp_path):
    """A second reversal run on the same inputs gives identical tables."""
    again = AnalysisLayout(str(tmp_path / "again"))
    command = reversal_command(evil_results, STAGE_CONFIG, again)
    assert cli.main([str(a) for a in command]) == 0
    for name in ("gene_reversal", "gene_set_reversal", "reversal_summary", "pathway_scores"):
        first, second = getattr(evil_results, name), getattr(again, name)
        assert Path(second).read_bytes() == Path(first).read_bytes(), name


def test_cli_input_error_exits_2_with_message(tmp_path):
    settings = {
        "dataset": {"path": str(tmp_path / "x.tsv"), "samples": str(tmp_path / "s.tsv")},
        "conditions": CONDITIONS,
    }
    result = subprocess.run(
        [sys.executable, "-m", "signature_reversal", *load_command(settings, tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "ERROR:" in result.stderr and "Traceback" not in result.stderr
    assert "sample sheet does not exist" in result.stderr
    assert not (tmp_path / "o").exists()
