"""Under CI a missing tool fails the run: a test that would skip on a developer's machine
(no Chromium, no network for a fresh venv) must not pass silently in CI."""

from __future__ import annotations

from pathlib import Path

import helpers
import pytest


def test_a_missing_browser_skips_locally_and_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(helpers, "CHROMIUM", Path(tmp_path / "no-chromium"))
    monkeypatch.setattr(helpers, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception):
        helpers.chromium_driver()
    monkeypatch.setattr(helpers, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        helpers.chromium_driver()


def test_ci_script_stops_when_the_browser_cannot_be_installed():
    script = (helpers.REPO / ".ci" / "run").read_text()
    assert 'if [ "${CI:-}" = "true" ]; then exit 1; fi' in script
