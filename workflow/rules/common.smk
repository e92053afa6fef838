import json
from pathlib import Path

import pandas as pd

# The package lives beside the rules; pointing PYTHONPATH at it lets rules run in a conda env
# (--use-conda) that holds the dependencies but not the package itself.
PACKAGE_DIR = Path(workflow.basedir) / "workflow"
CLI = f"PYTHONPATH={PACKAGE_DIR} python -m signature_reversal"
CONTRASTS = ["disease_vs_control", "treatment_vs_disease", "treatment_vs_control"]
ENV = "../../envs/signature-reversal.yaml"

samples = pd.read_csv(config["samples"], sep="\t", dtype=str, comment="#")
validate(samples, "../schemas/samples.schema.yaml")


def settings(section):
    """A config section as JSON for the stage's --settings argument."""
    return json.dumps(config[section], sort_keys=True)


def gene_set_files():
    """Every GMT the enrichment reads, so edits to a gene-set file trigger a rerun."""
    extra = config["enrichment"].get("extra") or []
    return [config["enrichment"]["curated"]] + [entry["path"] for entry in extra]
