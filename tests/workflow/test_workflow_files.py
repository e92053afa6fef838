"""Config and sample-sheet schemas reject bad values; conda env and pyproject stay in sync."""

from __future__ import annotations

import copy
import re
import sys
import tomllib

import pandas as pd
import pytest
import yaml
from helpers import REPO, skip_or_fail
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

CONFIG_SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
SAMPLES_SCHEMA = str(REPO / "workflow" / "schemas" / "samples.schema.yaml")


def shipped_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def test_shipped_config_is_valid():
    validate(shipped_config(), CONFIG_SCHEMA)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("de", "alpha"), 1.5, "alpha"),
        (("de", "design"), "condition", "design"),
        (("enrichment", "permutations"), 0, "permutations"),
        (("reversal", "full_reversal_slope"), 0.5, "full_reversal_slope"),
        (("datasets", "example", "species"), "zebrafish", "species"),
        (("datasets", "example", "kind"), "fpkm", "kind"),
        (("gene_sets", "curated", "species"), "rat", "species"),
        (("conditions", "disease"), "", "disease"),
        (("reversal", "typo_key"), 1, "typo_key"),
    ],
)
def test_config_schema_rejects_bad_values(path, value, message):
    config = copy.deepcopy(shipped_config())
    target = config
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(WorkflowError, match=message):
        validate(config, CONFIG_SCHEMA)


def test_sample_schema_rejects_missing_condition_and_spaces():
    validate(pd.DataFrame({"sample": ["a", "b"], "condition": ["x", "y"]}), SAMPLES_SCHEMA)
    with pytest.raises(WorkflowError):
        validate(pd.DataFrame({"sample": ["a b"], "condition": ["x"]}), SAMPLES_SCHEMA)
    with pytest.raises(WorkflowError):
        validate(pd.DataFrame({"sample": ["a"]}), SAMPLES_SCHEMA)


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~ \[]", r.strip(), maxsplit=1)[0].lower() for r in requirements}


def test_conda_env_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((REPO / "envs" / "signature-reversal.yaml").read_text())
    conda = _names([d for d in env["dependencies"] if isinstance(d, str)]) - {"python"}
    assert conda == _names(project["dependencies"])


# import name → distribution name, where they differ
DISTRIBUTIONS = {"PIL": "pillow", "sklearn": "scikit-learn", "yaml": "pyyaml"}


def test_every_imported_package_is_declared():
    """A package the code imports but pyproject does not name works only while another
    dependency happens to pull it in (numba once was one)."""
    import ast

    imported = set()
    for path in (REPO / "workflow" / "signature_reversal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names}
    third_party -= {"signature_reversal"}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = _names(project["dependencies"])
    missing = {DISTRIBUTIONS.get(m, m).lower() for m in third_party} - declared
    assert missing == set(), f"imported but not in pyproject's dependencies: {missing}"


def test_files_named_in_comments_exist():
    """Comments that send a reader to a file must name one that exists."""
    for path in [REPO / "envs" / "signature-reversal.yaml", REPO / "pyproject.toml"]:
        for named in re.findall(r"\btests/[\w/]+\.py\b", path.read_text()):
            assert (REPO / named).exists(), f"{path.name} names {named}, which does not exist"


def test_every_rule_declares_cluster_resources():
    """A cluster executor turns threads, mem_mb and runtime into the job request: none missing."""
    rules_dir = REPO / "workflow" / "rules"
    missing = []
    for path in sorted(rules_dir.glob("*.smk")):
        blocks = re.split(r"^(?=rule |use rule )", path.read_text(), flags=re.M)
        for block in blocks:
            name = re.match(r"rule (\w+):", block)
            if not name or name.group(1) == "all":
                continue  # 'use rule … with:' inherits the parent's resources
            for needed in ("threads:", "mem_mb=", "runtime="):
                if needed not in block:
                    missing.append(f"{path.name}:{name.group(1)} lacks {needed}")
    assert missing == []


def test_slurm_profile_names_the_executor_and_safe_defaults():
    profile = REPO / "workflow" / "profiles" / "slurm"
    settings = yaml.safe_load((profile / "config.yaml").read_text())
    assert settings["executor"] == "slurm"
    assert settings["latency-wait"] >= 30 and settings["jobs"] >= 1
    assert {"mem_mb", "runtime"} <= set(settings["default-resources"])


def test_readme_commands_are_the_ones_ci_runs():
    readme = (REPO / "README.md").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    quick_start, tests = commands[0], commands[1]
    # a fresh venv of its own: nothing from the system's site-packages
    assert quick_start.startswith("python3 -m venv .venv && ")
    assert quick_start.endswith("pip install -e . && snakemake --cores 2")
    assert tests in (REPO / ".ci" / "run").read_text()
    assert tests.startswith(quick_start.split(" && pip")[0])  # the same environment


@pytest.mark.workflow
def test_the_workflow_builds_with_only_snakemake_installed(tmp_path):
    """The conda route: the base environment has snakemake and nothing else; building the DAG
    (every input check included) must not need pandas, numpy or the package's dependencies."""
    import importlib.metadata
    import subprocess
    import sys

    venv = tmp_path / "snakemake-only"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    version = importlib.metadata.version("snakemake")
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"snakemake=={version}"],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        skip_or_fail(f"snakemake could not be installed in a fresh venv: {install.stderr[-500:]}")
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import pandas"])
    assert probe.returncode != 0  # really without pandas
    dry = subprocess.run(
        [str(venv / "bin" / "snakemake"), "-n", "--cores", "1", "--directory", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "load_data" in dry.stdout + dry.stderr
