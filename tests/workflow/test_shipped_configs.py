"""Every shipped config is run as a user runs it, each by its own test file
(test_shipped_<name>.py: Snakemake on the files it names, every job reading the files the
previous job wrote, h5ad round trips included, and its key answers checked). A config added to
config/ without such a file fails here."""

from __future__ import annotations

from pathlib import Path

from helpers import SHIPPED_CONFIGS

TEST_FILE = {"config.yaml": "test_shipped_example.py"}


def test_every_shipped_config_has_its_end_to_end_test():
    here = Path(__file__).parent
    for name in SHIPPED_CONFIGS:
        test_file = TEST_FILE.get(name, f"test_shipped_{Path(name).stem}.py")
        assert (here / test_file).is_file(), f"config/{name} has no {test_file}"
        assert f'run_shipped("{name}"' in (here / test_file).read_text()
