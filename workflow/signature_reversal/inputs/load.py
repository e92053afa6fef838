"""Turn one configured dataset into the canonical AnnData every later stage reads.

All input checks live here (and in the readers it calls), so a problem is reported once, early,
naming the file, the row or column, and the fix. Nothing is dropped silently: every sample or
gene left out is logged with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from ..errors import InputError
from ..roles import ROLES, present_roles
from ..settings import DatasetSpec, LoadSettings
from ..study import OTHER
from . import anndata_input, expression_tables, sample_sheet, text
from .geneids import annotation_file, guess_id_type, is_ensembl, is_entrez, read_annotation

log = logging.getLogger(__name__)

# --- sample sheet ---------------------------------------------------------------------------


def read_sample_sheet(path: str | Path) -> pd.DataFrame:
    """The checked sample sheet (``sample``, ``condition``, covariates) indexed by sample."""
    return sample_sheet.read(path).to_frame()


def assign_roles(
    sheet: pd.DataFrame,
    conditions: Mapping[str, str],
    source: str,
    others: Sequence[str] = (),
) -> pd.DataFrame:
    """Add a ``role`` column (control / disease / treatment) from the config's condition labels;
    ``others``, the other groups of a multi-arm study, get the role ``other:<label>``.

    Samples whose condition is none of these labels are dropped with a logged warning.
    """
    labels = {role: str(conditions[role]) for role in present_roles(conditions)}
    labels.update({f"{OTHER}{label}": str(label) for label in others})
    present = set(sheet["condition"])
    for role, label in labels.items():
        if label not in present:
            key = "conditions" if role.startswith(OTHER) else f"conditions.{role}"
            raise InputError(
                f"the {role.removeprefix(OTHER) if role.startswith(OTHER) else role} condition "
                f"{label!r} (config '{key}') does not appear in "
                f"the 'condition' column, which holds: {', '.join(sorted(present))}",
                source=source,
                fix=f"set {key} in the config to the sheet's labels, or correct the sheet",
            )
    role_of = {label: role for role, label in labels.items()}
    sheet = sheet.copy()
    sheet["role"] = sheet["condition"].map(role_of)
    unused = sheet.index[sheet["role"].isna()]
    if len(unused):
        log.warning(
            "dropping %d sample(s) whose condition is not one of the config's %s: %s",
            len(unused),
            sorted(labels.values()),
            ", ".join(f"{s} ({sheet.at[s, 'condition']})" for s in unused),
        )
        sheet = sheet.loc[sheet["role"].notna()]
    return sheet


def check_replicates(
    sheet: pd.DataFrame, source: str, minimum: int = 2, roles: tuple[str, ...] = ROLES
) -> None:
    """Refuse groups with fewer than ``minimum`` samples: variability cannot be estimated."""
    for role in roles:
        members = sheet.index[sheet["role"] == role]
        if len(members) < minimum:
            label = sheet.loc[members, "condition"].iloc[0] if len(members) else role
            raise InputError(
                f"the {role} group ({label!r}) has {len(members)} sample(s) "
                f"({', '.join(members) or 'none'}); differential expression needs at least "
                f"{minimum} replicates per group to estimate variability",
                source=source,
                fix=f"add replicates for {label!r}"
                + (" or lower min_cells" if "pseudobulk" in source else ""),
            )


def match_samples(
    values: pd.DataFrame,
    sheet: pd.DataFrame,
    data_path: str,
    sheet_path: str,
    in_sheet: pd.Index | None = None,
) -> pd.DataFrame:
    """Return the values restricted to the sheet's samples, in sheet order.

    Sheet samples missing from the data are an error; data columns absent from the sheet
    (``in_sheet``: every sample the sheet names, before role-less ones were dropped and
    reported) are dropped with a logged warning.
    """
    missing = [s for s in sheet.index if s not in values.columns]
    if missing:
        raise InputError(
            f"{len(missing)} sample(s) of the sample sheet {sheet_path} are missing from the "
            f"data: {', '.join(missing[:10])}",
            source=data_path,
            fix="make the 'sample' names in the sheet match the data's sample names",
        )
    named = sheet.index if in_sheet is None else in_sheet
    extra = [c for c in values.columns if c not in named]
    if extra:
        log.warning(
            "%d sample(s) in the data are not in the sample sheet and are not analysed: %s",
            len(extra),
            ", ".join(map(str, extra)),
        )
    return values.loc[:, list(sheet.index)]


# --- value checks ---------------------------------------------------------------------------


def check_counts(values: pd.DataFrame, policy: str, source: str) -> pd.DataFrame:
    """Counts must be non-negative whole numbers; ``round`` accepts estimated counts."""
    expression_tables.report_bad_cells(
        values,
        values < 0,
        source,
        "is negative",
        fix="raw counts cannot be negative; check the file",
    )
    fractional = values != np.round(values)
    if fractional.to_numpy().any():
        if policy == "round":
            log.info(
                "rounding %d non-integer estimated counts to whole numbers",
                int(fractional.to_numpy().sum()),
            )
            values = values.round()
        else:
            expression_tables.report_bad_cells(
                values,
                fractional,
                source,
                "is not a whole number",
                fix="raw counts must be integers; for tximport/salmon estimated counts set "
                "non_integer_counts: round, for normalized or log values set kind: normalized",
            )
    zero = values.columns[values.sum(axis=0) == 0]
    if len(zero):
        raise InputError(
            f"sample(s) with zero counts in every gene: {', '.join(map(str, zero))}",
            source=source,
            fix="remove these samples from the sample sheet (a failed library) or fix the file",
        )
    return values.astype(np.int64)


def to_log_scale(values: pd.DataFrame, policy: str, source: str) -> pd.DataFrame:
    """Normalized data are analysed on a log2 scale; linear-looking data are log2(x+1)'d."""
    linear = values.to_numpy().max() > 50 and values.to_numpy().min() >= 0
    if policy == "always" or (policy == "auto" and linear):
        expression_tables.report_bad_cells(
            values,
            values < 0,
            source,
            "is negative",
            fix="linear-scale values cannot be negative; check the file",
        )
        log.info(
            "normalized values look linear (max %.3g): using log2(x + 1)", values.to_numpy().max()
        )
        return np.log2(values + 1)
    log.info("normalized values used as they are (taken to be log-scale)")
    return values


# --- symbols --------------------------------------------------------------------------------


def gene_symbols(
    ids: pd.Index, given: pd.Series | None, species: str, annotation_dir: Path | None
) -> pd.Series:
    """A symbol per gene: a symbol column if given, else Ensembl or NCBI GeneID → symbol from
    the shipped table of the species, else the ID itself."""
    if given is not None:
        symbols = given.reindex(ids)
        return symbols.where(symbols.notna() & (symbols != ""), pd.Series(ids, index=ids))
    kind = "ensembl" if is_ensembl(ids) else "entrez" if is_entrez(ids) else None
    if kind is None or annotation_dir is None:
        return pd.Series(ids, index=ids)
    table = annotation_file(annotation_dir, species, kind)
    if not table.is_file():
        raise InputError(
            f"the gene IDs look like {guess_id_type(ids)} and there is no {kind} → symbol "
            f"table for species {species!r}",
            source=str(table),
            fix="give the dataset a symbol_column (a column of gene symbols in the table), "
            f"add {table.name} (columns '{kind}', 'symbol') to gene_sets.annotation_dir, or "
            "check the dataset's 'species'",
        )
    symbols = pd.Series(ids, index=ids).map(read_annotation(table, kind))
    log.info(
        "%s IDs mapped to %s symbols for %d of %d genes (%.1f%%, %s); the rest keep their ID",
        "Ensembl" if kind == "ensembl" else "NCBI Gene",
        species,
        int(symbols.notna().sum()),
        len(ids),
        100 * float(symbols.notna().mean()),
        table.name,
    )
    return symbols.fillna(pd.Series(ids, index=ids))


# --- the whole load --------------------------------------------------------------------------


def _read_values(
    spec: DatasetSpec, cell_type: str | None
) -> tuple[pd.DataFrame, pd.Series | None, pd.DataFrame, str]:
    """Values (genes × samples), symbols, the sample sheet, and the sheet's source name."""
    path = Path(spec.path)
    if path.suffix == ".h5ad":
        text.require_file(path, "expression file", "datasets.<name>.path")
        obs = anndata_input.read_obs(path)
        settings = spec.single_cell
        if anndata_input.is_single_cell(obs, settings.sample_column, spec.single_cell_configured):
            values, sample_obs = anndata_input.pseudobulk(path, settings, cell_type, spec.species)
            source = f"{path} (pseudobulk{', ' + cell_type if cell_type else ''})"
        else:
            values, sample_obs = anndata_input.read_bulk(path, settings.counts_layer)
            sample_obs = sample_obs.drop(columns=["sample"], errors="ignore")  # obs_names rule
            source = str(path)
        if spec.samples:
            return values, None, read_sample_sheet(spec.samples), spec.samples
        sheet = sample_obs.copy()
        if settings.condition_column not in sheet.columns:
            raise InputError(
                f"obs has no per-sample column {settings.condition_column!r}",
                source=str(path),
                fix="set single_cell.condition_column, or give a sample sheet with 'samples'",
            )
        sheet = sheet.rename(columns={settings.condition_column: "condition"})
        sheet = sample_sheet.from_frame(sheet.rename_axis("sample").reset_index(), source)
        sheet = sheet.to_frame()
        return values, None, sheet, source
    if not spec.samples:
        raise InputError(
            "a table needs a sample sheet",
            source=str(path),
            fix="add 'samples: path/to/samples.tsv' to the dataset's config",
        )
    sheet = read_sample_sheet(spec.samples)
    table = expression_tables.read_expression_table(
        path, list(sheet.index), spec.orientation, spec.gene_id_column, spec.symbol_column
    )
    return table.values, table.symbols, sheet, spec.samples


def load_dataset(
    spec: DatasetSpec,
    conditions: Mapping[str, str],
    cell_type: str | None = None,
    min_replicates: int = 2,
    annotation_dir: Path | None = None,
    others: Sequence[str] = (),
) -> ad.AnnData:
    """Read, check and assemble one dataset as samples × genes AnnData.

    ``X`` holds raw counts (``kind: counts``, also in ``layers['counts']``) or log2 expression
    (``kind: normalized``); ``obs`` the sample sheet plus ``role``; ``var['symbol']`` symbols.
    """
    values, symbols, sheet, sheet_source = _read_values(spec, cell_type)
    in_sheet = sheet.index
    sheet = assign_roles(sheet, conditions, sheet_source, others)
    if "n_cells" in sheet.columns:  # pseudobulk: samples below min_cells have no counts (logged)
        sheet = sheet.loc[sheet.index.isin(values.columns)]
    other_roles = tuple(f"{OTHER}{label}" for label in others)
    check_replicates(sheet, sheet_source, min_replicates, present_roles(conditions) + other_roles)
    values, symbols = expression_tables.resolve_duplicate_genes(
        values, symbols, spec.duplicate_genes, spec.path
    )
    values = match_samples(values, sheet, spec.path, sheet_source, in_sheet)
    if spec.kind == "counts":
        values = check_counts(values, spec.non_integer_counts, spec.path)
    else:
        values = to_log_scale(values, spec.log_transform, spec.path)
    roles = present_roles(conditions)
    obs = sheet.copy()
    for column in obs.columns:
        obs[column] = obs[column].astype(str).astype("category")
    obs["condition"] = pd.Categorical(
        obs["condition"].astype(str),
        categories=[str(conditions[r]) for r in roles] + [str(o) for o in others],
    )
    var = pd.DataFrame(index=values.index.astype(str))
    var["symbol"] = gene_symbols(var.index, symbols, spec.species, annotation_dir).to_numpy()
    matrix = values.T.to_numpy()
    adata = ad.AnnData(X=matrix.copy(), obs=obs, var=var)
    if spec.kind == "counts":
        adata.layers["counts"] = matrix
    adata.uns.update(
        conditions={role: str(conditions[role]) for role in roles},
        kind=spec.kind,
        species=spec.species,
        id_type=guess_id_type(var.index),
        inputs={"data": spec.path, "samples": str(sheet_source)},
    )
    if others:  # a multi-arm study: the groups of the other arms, in the model as nuisance means
        adata.uns["others"] = [str(o) for o in others]
    log.info(
        "loaded %d samples × %d genes, %s, IDs look like %s (%s)",
        adata.n_obs,
        adata.n_vars,
        spec.kind,
        adata.uns["id_type"],
        ", ".join(f"{r}={int((obs['role'] == r).sum())}" for r in roles + other_roles),
    )
    return adata


def other_groups(adata: ad.AnnData) -> tuple[str, ...]:
    """A multi-arm study's other groups, as written by :func:`load_dataset`: a list in memory,
    a NumPy array once the file has been written and read back (h5ad stores lists as arrays)."""
    return tuple(str(group) for group in np.atleast_1d(adata.uns.get("others", [])))


def run(settings: LoadSettings) -> ad.AnnData:
    """The load stage: one configured dataset, read and checked, as the canonical AnnData."""
    return load_dataset(
        settings.dataset,
        settings.conditions,
        cell_type=settings.cell_type,
        min_replicates=settings.min_replicates,
        annotation_dir=Path(settings.annotation_dir) if settings.annotation_dir else None,
        others=settings.others,
    )
