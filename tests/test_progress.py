"""Long steps report progress to the console and the rule log; failures land in the log."""

from __future__ import annotations

import logging

from helpers import load_command

from signature_reversal import cli, progress


def test_tracked_yields_everything_and_reports_heartbeats(caplog):
    caplog.set_level(logging.INFO, logger="signature_reversal")
    items = list(progress.tracked(range(7), 7, "null", every_seconds=0.0))
    assert items == list(range(7))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "null: 1/7 (0 s)"
    assert lines[-1].startswith("null: 7 done in ")
    assert len(lines) == 7  # six heartbeats and the summary


def test_tracked_is_quiet_for_fast_loops(caplog):
    caplog.set_level(logging.INFO, logger="signature_reversal")
    list(progress.tracked(range(1000), 1000, "fast", every_seconds=60.0))
    assert [r.getMessage()[:10] for r in caplog.records] == ["fast: 1000"]


def test_cli_log_file_receives_input_errors(tmp_path, capsys):
    log_file = tmp_path / "logs" / "example" / "load_data.log"
    dataset = {"path": str(tmp_path / "missing.tsv"), "samples": str(tmp_path / "samples.tsv")}
    settings = {"dataset": dataset, "conditions": {}}
    code = cli.main(["--log", str(log_file), *load_command(settings, tmp_path / "out")])
    assert code == 2
    text = log_file.read_text()
    assert "[example/load_data] ERROR:" in text and "sample sheet does not exist" in text
    assert "Traceback" not in text  # input errors are messages, not crashes
    assert "[example/load_data] ERROR:" in capsys.readouterr().err  # the console gets a copy


def test_cli_log_file_receives_tracebacks_of_unexpected_failures(tmp_path):
    log_file = tmp_path / "logs" / "example" / "load_data.log"
    code = cli.main(["--log", str(log_file), *load_command({}, tmp_path / "out")])
    assert code == 1
    text = log_file.read_text()
    assert "load failed with an unexpected error" in text and "Traceback" in text
