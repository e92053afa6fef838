"""Benchmarks: wall time and peak memory of the DE step, the whole pipeline and single-cell loading.

Every measurement runs in a fresh Python process (so peak RSS is that step's own) and is
repeated; medians are printed with the machine. Figures are recorded in docs/benchmarks.md.

    python benchmarks/bench.py de                 # 20,000 genes x 12 and x 60 samples, both engines
    python benchmarks/bench.py pipeline           # snakemake on the example and on 60 samples
    python benchmarks/bench.py singlecell         # 200,000 cells x 20,000 genes, 12 samples
    python benchmarks/bench.py r                  # side by side with R DESeq2 (and fgsea)
    python benchmarks/bench.py scaling            # 12 to 1,000 samples; 1, 5, 20 datasets
    python benchmarks/bench.py go                 # 6,036 GO BP sets, multilevel p, vs fgsea

Inputs are seeded and cached under --work (default: .bench/), so reruns skip generation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
CONDITIONS = {"control": "control", "disease": "eczema", "treatment": "nmn"}
CONTRASTS = ("disease_vs_control", "treatment_vs_disease", "treatment_vs_control")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}; {os.cpu_count()} cores visible, {len(os.sched_getaffinity(0))} usable; "
        f"{memory:.0f} GiB RAM; Python {platform.python_version()}; {platform.system()}"
    )


def peak_rss_mb() -> float:
    """Peak resident set size of this process (the pipeline's own measure)."""
    from signature_reversal.progress import peak_memory_mb

    return peak_memory_mb()


def child_environment() -> dict[str, str]:
    """The environment of child processes: the package importable from the checkout."""
    return {**os.environ, "PYTHONPATH": str(REPO / "workflow")}


def run_child(args: list[str]) -> dict:
    """Run this script's hidden subcommand in a fresh process; it prints one JSON line."""
    done = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        env=child_environment(),
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"benchmark step failed: {' '.join(args)}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


# --- DE -------------------------------------------------------------------------------------


def de_dataset(path: Path, n_genes: int, n_per_group: int, seed: int = 7) -> Path:
    """Seeded NB counts in the pipeline's canonical AnnData (3 groups, 10% of genes change)."""
    if path.exists():
        return path
    import anndata as ad

    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(4.5, 1.8, n_genes))
    dispersion = 0.04 + 1.0 / base
    lfc = np.zeros((3, n_genes))
    changed = rng.choice(n_genes, n_genes // 10, replace=False)
    lfc[1, changed] = rng.normal(0, 1.5, changed.size)
    lfc[2, changed] = lfc[1, changed] * rng.uniform(0, 1, changed.size)
    groups = np.repeat([0, 1, 2], n_per_group)
    size_factors = np.exp(rng.normal(0, 0.25, groups.size))
    mu = size_factors[:, None] * base * 2 ** lfc[groups]
    counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mu * dispersion)).astype(np.int64)
    roles = np.array(["control", "disease", "treatment"])[groups]
    names = [f"{CONDITIONS[r]}_{i}" for i, r in enumerate(roles)]
    genes = [f"Gene{i:05d}" for i in range(n_genes)]
    adata = ad.AnnData(
        X=counts.astype(float),
        obs=pd.DataFrame({"condition": [CONDITIONS[r] for r in roles], "role": roles}, index=names),
        var=pd.DataFrame({"symbol": genes}, index=genes),
        layers={"counts": counts},
    )
    adata.uns["conditions"] = CONDITIONS
    adata.uns["kind"] = "counts"
    path.parent.mkdir(parents=True, exist_ok=True)
    adata.write_h5ad(path)
    return path


def child_de(args: argparse.Namespace) -> None:
    import anndata as ad

    from signature_reversal.de import stage as de
    from signature_reversal.settings import DESettings

    adata = ad.read_h5ad(args.data)
    settings = DESettings.from_config({"engine": args.engine})
    started = time.perf_counter()
    result = de.run(adata, settings, args.threads)
    seconds = time.perf_counter() - started
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in result.tables.items():
        table.to_csv(out / f"{name}.tsv", sep="\t", index=False)
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


def agreement(ours: Path, reference: Path) -> tuple[float, float]:
    """Smallest Spearman of log2FC and Jaccard of padj < 0.05 calls over the three contrasts."""
    from scipy.stats import spearmanr

    rhos, jaccards = [], []
    for name in CONTRASTS:
        a = pd.read_csv(ours / f"{name}.tsv", sep="\t", index_col="gene")
        b = pd.read_csv(reference / f"{name}.tsv", sep="\t", index_col="gene").loc[a.index]
        rhos.append(spearmanr(a["log2FC"], b["log2FC"], nan_policy="omit")[0])
        calls_a, calls_b = set(a.index[a["padj"] < 0.05]), set(b.index[b["padj"] < 0.05])
        union = calls_a | calls_b
        jaccards.append(len(calls_a & calls_b) / len(union) if union else 1.0)
    return min(rhos), min(jaccards)


def bench_de(args: argparse.Namespace) -> None:
    work = Path(args.work)
    rows = []
    for n_samples in args.samples:
        data = de_dataset(work / f"de_{args.genes}x{n_samples}.h5ad", args.genes, n_samples // 3)
        outputs = {}
        for engine in args.engines:
            runs = []
            for repeat in range(args.repeats):
                out = work / f"de_{args.genes}x{n_samples}_{engine}_{repeat}"
                runs.append(
                    run_child(
                        [
                            "_de",
                            "--data",
                            str(data),
                            "--engine",
                            engine,
                            "--threads",
                            str(args.threads),
                            "--out",
                            str(out),
                        ]
                    )
                )
                print(
                    f"  de {args.genes}x{n_samples} {engine} run {repeat + 1}: "
                    f"{runs[-1]['seconds']:.1f} s",
                    flush=True,
                )
            outputs[engine] = work / f"de_{args.genes}x{n_samples}_{engine}_0"
            rows.append(
                {
                    "samples": n_samples,
                    "engine": engine,
                    "median_s": median_of(runs, "seconds"),
                    "runs_s": " / ".join(f"{r['seconds']:.1f}" for r in runs),
                    "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                }
            )
        reference = outputs.get("pydeseq2", work / f"de_{args.genes}x{n_samples}_pydeseq2_0")
        if (reference / f"{CONTRASTS[0]}.tsv").exists():  # this run's, or a cached one
            for row in rows:
                if row["samples"] == n_samples:
                    rho, jaccard = agreement(outputs[row["engine"]], reference)
                    row["spearman_log2fc_vs_pydeseq2"] = rho
                    row["jaccard_padj05_vs_pydeseq2"] = jaccard
    print(f"\nDE step, {args.genes} genes, 3 groups, threads={args.threads} ({machine()})")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4g}"))


# --- whole pipeline -------------------------------------------------------------------------


def absolute_config(extra_datasets: dict | None = None, example: bool = True) -> dict:
    """config/config.yaml with every path made absolute (the run happens elsewhere)."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())

    def fix(path: str) -> str:
        return str((REPO / path).resolve()) if path and not Path(path).is_absolute() else path

    datasets = {} if not example else config["datasets"]
    for entry in datasets.values():
        entry["path"] = fix(entry["path"])
        if entry.get("samples"):
            entry["samples"] = fix(entry["samples"])
    datasets.update(extra_datasets or {})
    config["datasets"] = datasets
    sets = config["gene_sets"]
    sets["curated"]["path"] = fix(sets["curated"]["path"])
    for extra in sets.get("extra") or []:
        extra["path"] = fix(extra["path"])
    for key in ("orthologs", "annotation_dir"):
        if sets.get(key):
            sets[key] = fix(sets[key])
    return config


def snakemake_run(workdir: Path, config: dict, cores: int) -> dict:
    """One forced snakemake run: wall time and the per-rule times of its benchmark files."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    config_file = workdir / "config.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(config_file),
            "--cores",
            str(cores),
            "--quiet",
            "all",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"snakemake failed in {workdir}:\n{done.stderr[-3000:]}")
    per_rule: dict[str, float] = {}
    peak_rss: dict[str, float] = {}
    for table in sorted(workdir.glob("logs/*/benchmarks/*.tsv")):
        row = pd.read_csv(table, sep="\t").iloc[0]
        name = f"{table.parents[1].name}/{table.stem}"
        per_rule[name] = float(row["s"])
        peak_rss[name] = float(row["max_rss"]) if row["max_rss"] != "-" else float("nan")
    return {"wall_s": wall, "rules": per_rule, "peak_rss_mb": peak_rss}


def simulated(folder: Path, n_per_group: int, seed: int, further_arms: str = "{}") -> Path:
    """A simulated 20,000-gene study (the example's simulator), written once; ``further_arms``:
    JSON of more treated groups (a multi-arm study)."""
    if not (folder / "counts.tsv.gz").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "signature_reversal",
                "simulate",
                "--gene-sets",
                str(REPO / "config/genesets/mouse/skin_curated.gmt"),
                "--out-dir",
                str(folder),
                "--n-genes",
                "20000",
                "--n-per-group",
                str(n_per_group),
                "--seed",
                str(seed),
                "--further-arms",
                further_arms,
            ],
            check=True,
            env={**os.environ, "PYTHONPATH": str(REPO / "workflow")},
        )
    return folder


def bench_pipeline(args: argparse.Namespace) -> None:
    work = Path(args.work)
    sixty = simulated(work / "pipeline_sixty_data", 20, 5)
    twelve = simulated(work / "pipeline_twelve_data", 4, 5)
    six = simulated(
        work / "pipeline_six_groups_data", 3, 5, '{"nmn_low": 0.4, "nmn_high": 1.15, "dex": 1.3}'
    )

    def dataset(name: str, folder: Path, conditions: dict | None = None) -> dict:
        entry = {
            "path": str(folder / "counts.tsv.gz"),
            "samples": str(folder / "samples.tsv"),
            "species": "mouse",
        }
        return absolute_config(
            {name: {**entry, **({"conditions": conditions} if conditions else {})}}, example=False
        )

    runs = {
        "example (15,000 genes x 15 samples)": absolute_config(),
        "twelve (20,000 genes x 12 samples)": dataset("twelve", twelve),
        "sixty (20,000 genes x 60 samples)": dataset("sixty", sixty),
        "six (6 groups: 4 treated arms, 20,000 genes x 18 samples)": dataset(
            "six",
            six,
            {
                "control": "control",
                "disease": "eczema",
                "treatment": ["nmn_low", "nmn", "nmn_high", "dex"],
                "ordered": {"factor": "dose", "arms": ["nmn_low", "nmn", "nmn_high"]},
            },
        ),
    }
    walls_by_label = {}
    for label, config in runs.items():
        if label.split()[0] not in args.datasets:
            continue
        results = []
        for repeat in range(args.repeats):
            results.append(snakemake_run(work / f"pipeline_{repeat}", config, args.cores))
            print(f"  {label} run {repeat + 1}: {results[-1]['wall_s']:.1f} s", flush=True)
        walls = [r["wall_s"] for r in results]
        print(
            f"\n{label}, --cores {args.cores}: wall median {statistics.median(walls):.1f} s "
            f"(runs {' / '.join(f'{w:.1f}' for w in walls)})"
        )
        walls_by_label[label.split()[0]] = statistics.median(walls)
        rules = pd.DataFrame([r["rules"] for r in results]).median().rename("median_s")
        print(rules.to_frame().to_string(float_format=lambda v: f"{v:.1f}"))
        largest = max(max(r["peak_rss_mb"].values()) for r in results)
        print(f"largest job's peak memory: {largest:.0f} MB")
    if {"example", "six"} <= set(walls_by_label):
        print(
            f"\n6-group study / 3-group example: "
            f"{walls_by_label['six'] / walls_by_label['example']:.2f}x (target <= 1.5x)"
        )
    print(f"\nmachine: {machine()}")


# --- single cell ----------------------------------------------------------------------------


def singlecell_dataset(path: Path, n_cells: int, n_genes: int, n_samples: int) -> Path:
    """Seeded sparse counts written chunk by chunk straight into an h5ad (never dense whole).

    Mouse genes named as the curated sets and 13 ``mt-`` genes come first, so cell QC, scores
    and the reversal have real work: three cell types with their own marker genes;
    keratinocytes carry the disease effect (JAK-STAT/ROS sets up, barrier/NRF2 sets down,
    1.5 log2) that the treatment takes back by 80%; T cells expand with disease."""
    if path.exists():
        return path
    import h5py
    import scipy.sparse as sp
    from anndata.io import write_elem

    from signature_reversal.inputs.gmt import read_gmt

    rng = np.random.default_rng(3)
    curated = REPO / "config/genesets/mouse/skin_curated.gmt"
    sets = {s.name: list(s.genes) for s in read_gmt(curated)}
    up = [*sets["SKIN_JAK_STAT_AD_SIGNALING"], *sets["SKIN_ROS_OXIDATIVE_STRESS"]]
    down = [*sets["SKIN_BARRIER_CORNIFIED_ENVELOPE"], *sets["SKIN_NRF2_ANTIOXIDANT_RESPONSE"]]
    named = list(dict.fromkeys([*[g for genes in sets.values() for g in genes],
                                *[f"mt-Gene{i}" for i in range(13)]]))  # fmt: skip
    names = (named + [f"Gene{i:05d}" for i in range(n_genes)])[:n_genes]
    index = {g: i for i, g in enumerate(names)}
    log_base = np.log2(rng.gamma(0.3, 1.0, n_genes) + 1e-3)
    types = ["keratinocyte", "T cell", "fibroblast"]
    profiles = np.stack([log_base for _ in types])
    for row in range(len(types)):
        markers = rng.choice(n_genes, 60, replace=False)
        profiles[row, markers] += rng.uniform(2, 4, 60)
    effect = np.zeros(n_genes)
    effect[[index[g] for g in up if g in index]] = 1.5
    effect[[index[g] for g in down if g in index]] = -1.5
    roles = ["control", "disease", "treatment"]
    t_share = {"control": 0.10, "disease": 0.25, "treatment": 0.12}
    # probabilities per (condition, cell type): rows of (roles × types) × genes
    shift = {"control": 0.0, "disease": 1.0, "treatment": 0.2}
    table = np.stack([profiles[t] + (effect * shift[r] if t == 0 else 0) for r in roles
                      for t in range(len(types))])  # fmt: skip
    table = 2.0**table
    table /= table.sum(axis=1, keepdims=True)
    sample_of = np.sort(rng.integers(0, n_samples, n_cells))
    role_of = np.array([i % 3 for i in range(n_samples)])[sample_of]
    type_of = np.array([
        rng.choice(3, p=[0.75 * (1 - t_share[roles[r]]), t_share[roles[r]],
                         0.25 * (1 - t_share[roles[r]])]) for r in role_of
    ])  # fmt: skip
    samples = [f"{CONDITIONS[roles[i % 3]]}_{i // 3 + 1}" for i in range(n_samples)]
    obs = pd.DataFrame(
        {
            "sample": pd.Categorical([samples[s] for s in sample_of]),
            "condition": pd.Categorical([samples[s].rsplit("_", 1)[0] for s in sample_of]),
            "cell_type": pd.Categorical([types[t] for t in type_of]),
        },
        index=[f"cell{i}" for i in range(n_cells)],
    )
    var = pd.DataFrame(index=names)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with h5py.File(partial, "w") as f:
        f.attrs["encoding-type"] = "anndata"
        f.attrs["encoding-version"] = "0.1.0"
        write_elem(f, "obs", obs)
        write_elem(f, "var", var)
        group = f.create_group("X")
        group.attrs["encoding-type"] = "csr_matrix"
        group.attrs["encoding-version"] = "0.1.0"
        group.attrs["shape"] = (n_cells, n_genes)
        data = group.create_dataset("data", (0,), maxshape=(None,), dtype="float32", chunks=True)
        indices = group.create_dataset(
            "indices", (0,), maxshape=(None,), dtype="int32", chunks=True
        )
        indptr = [0]
        for start in range(0, n_cells, 2000):
            stop = min(start + 2000, n_cells)
            depth = rng.lognormal(np.log(3000), 0.4, stop - start)
            mean = depth[:, None] * table[role_of[start:stop] * 3 + type_of[start:stop]]
            block = sp.csr_matrix(rng.poisson(mean).astype(np.float32))
            size = data.shape[0]
            data.resize((size + block.nnz,))
            indices.resize((size + block.nnz,))
            data[size:] = block.data
            indices[size:] = block.indices
            indptr.extend((block.indptr[1:].astype(np.int64) + size).tolist())
        group.create_dataset("indptr", data=np.asarray(indptr, dtype=np.int64))
        for key in ("obsm", "varm", "layers", "obsp", "varp", "uns"):
            write_elem(f, key, {})
    partial.rename(path)
    return path


def singlecell_config(path: Path, max_cells: int) -> dict:
    """The shipped single-cell example's config pointed at a bench file."""
    config = yaml.safe_load((REPO / "config" / "single_cell.yaml").read_text())
    entry = next(iter(config["datasets"].values()))
    entry["path"] = str(path.resolve())
    entry["single_cell"]["max_embedded_cells"] = max_cells
    config["datasets"] = {"cells": entry}
    sets = config["gene_sets"]
    sets["curated"]["path"] = str((REPO / sets["curated"]["path"]).resolve())
    for key in ("orthologs", "annotation_dir"):
        sets[key] = str((REPO / sets[key]).resolve())
    return config


def child_singlecell(args: argparse.Namespace) -> None:
    from signature_reversal.inputs import load
    from signature_reversal.settings import LoadSettings

    settings = {
        "dataset": {"path": args.data, "species": "mouse", "single_cell": {"min_cells": 10}},
        "conditions": CONDITIONS,
        "min_replicates": 2,
    }
    started = time.perf_counter()
    adata = load.run(LoadSettings.from_config(settings))
    adata.write_h5ad(args.out)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


def child_singlecell_view(args: argparse.Namespace) -> None:
    """The cell-level view (cell QC, doublet scores, pseudobulk signature, embedding of the
    stated subsample, per-cell scores, composition) as its rule runs it."""
    from signature_reversal import cli

    settings = {
        "single_cell": {"cell_type_column": "cell_type", "max_embedded_cells": args.max_cells},
        "species": "mouse",
        "conditions": CONDITIONS,
        "reversal": {},
    }
    started = time.perf_counter()
    code = cli.main(
        [
            "single-cell",
            "--path",
            args.data,
            "--settings",
            json.dumps(settings),
            "--gene-sets",
            json.dumps(singlecell_config(Path(args.data), args.max_cells)["gene_sets"]),
            "--out-dir",
            args.out,
        ]
    )
    if code != 0:
        sys.exit(code)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}))


def child_scanpy_plain(args: argparse.Namespace) -> None:
    """The same steps the plain scanpy way: the whole file in memory, QC, normalise, HVG, PCA,
    neighbours, UMAP (on the same size of subsample)."""
    import scanpy as sc
    import scipy.sparse as sp

    started = time.perf_counter()
    adata = sc.read_h5ad(args.data)
    matrix = adata.X  # the bench file's indices are 32-bit, its indptr 64-bit: make them agree
    adata.X = sp.csr_matrix(
        (matrix.data, matrix.indices.astype(np.int64), matrix.indptr), shape=matrix.shape
    )
    sc.pp.calculate_qc_metrics(adata, percent_top=None, log1p=False, inplace=True)
    sc.pp.filter_cells(adata, min_genes=200)
    sc.pp.filter_cells(adata, min_counts=500)
    if adata.n_obs > args.max_cells:
        sc.pp.subsample(adata, n_obs=args.max_cells, random_state=0)
    sc.pp.normalize_total(adata, target_sum=1e4)
    sc.pp.log1p(adata)
    sc.pp.highly_variable_genes(adata, n_top_genes=2000, flavor="seurat")
    sc.pp.pca(adata, n_comps=30, mask_var="highly_variable")
    from sklearn.neighbors import KNeighborsTransformer  # scanpy's default fails here (scipy)

    sc.pp.neighbors(
        adata, n_neighbors=15, n_pcs=30, transformer=KNeighborsTransformer(n_neighbors=15)
    )
    sc.tl.umap(adata)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}))


def bench_singlecell(args: argparse.Namespace) -> None:
    work = Path(args.work)
    path = work / f"sc_planted_{args.cells}x{args.genes}_{args.samples}.h5ad"
    started = time.perf_counter()
    singlecell_dataset(path, args.cells, args.genes, args.samples)
    print(
        f"  input {path} ({path.stat().st_size / 2**30:.2f} GiB, ready in "
        f"{time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    runs = []
    for repeat in range(args.repeats):
        out = work / f"sc_out_{repeat}.h5ad"
        runs.append(run_child(["_singlecell", "--data", str(path), "--out", str(out)]))
        print(
            f"  run {repeat + 1}: {runs[-1]['seconds']:.1f} s, "
            f"peak RSS {runs[-1]['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    if runs:
        print(
            f"\nsingle-cell load + pseudobulk, {args.cells} cells x {args.genes} genes, "
            f"{args.samples} samples: median {median_of(runs, 'seconds'):.1f} s, "
            f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB ({machine()})"
        )
    if args.whole:
        done = snakemake_run(work / "sc_whole", singlecell_config(path, args.max_cells), 2)
        print(f"\nwhole run (snakemake --cores 2): {done['wall_s']:.0f} s")
        for rule, seconds in sorted(done["rules"].items(), key=lambda item: -item[1]):
            print(f"  {rule}: {seconds:.1f} s, peak RSS {done['peak_rss_mb'][rule]:.0f} MB")
    if args.view:
        for child in ("_singlecell_view", "_scanpy_plain"):
            done = run_child(
                [child, "--data", str(path), "--out", str(work / "sc_view"),
                 "--max-cells", str(args.max_cells)]
            )  # fmt: skip
            print(
                f"{child.strip('_')}: {done['seconds']:.1f} s, peak RSS "
                f"{done['peak_rss_mb']:.0f} MB (embedding on {args.max_cells} cells)",
                flush=True,
            )


def main() -> None:
    import go_scale
    import scaling
    import versus_r

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default=str(REPO / ".bench"), help="cache and scratch folder")
    sub = parser.add_subparsers(dest="command", required=True)
    de = sub.add_parser("de", help="DE step per engine, with agreement to pydeseq2")
    de.add_argument("--genes", type=int, default=20000)
    de.add_argument("--samples", type=int, nargs="+", default=[12, 60])
    de.add_argument("--engines", nargs="+", default=["vectorized", "pydeseq2"])
    de.add_argument("--repeats", type=int, default=3)
    de.add_argument("--threads", type=int, default=2)
    de.set_defaults(func=bench_de)
    pipe = sub.add_parser("pipeline", help="whole snakemake run, per-rule times")
    pipe.add_argument("--repeats", type=int, default=3)
    pipe.add_argument("--cores", type=int, default=2)
    pipe.add_argument("--datasets", nargs="+", default=["example", "twelve", "sixty", "six"])
    pipe.set_defaults(func=bench_pipeline)
    sc = sub.add_parser("singlecell", help="single-cell h5ad load + pseudobulk")
    sc.add_argument("--cells", type=int, default=200_000)
    sc.add_argument("--genes", type=int, default=20_000)
    sc.add_argument("--samples", type=int, default=12)
    sc.add_argument("--repeats", type=int, default=3)
    sc.add_argument("--view", action="store_true", help="also the cell-level view and scanpy")
    sc.add_argument("--whole", action="store_true", help="also the whole snakemake run")
    sc.add_argument("--max-cells", type=int, default=50_000)
    sc.set_defaults(func=bench_singlecell)
    child = sub.add_parser("_de")
    for option in ("--data", "--engine", "--out"):
        child.add_argument(option, required=True)
    child.add_argument("--threads", type=int, default=2)
    child.set_defaults(func=child_de)
    child = sub.add_parser("_singlecell")
    child.add_argument("--data", required=True)
    child.add_argument("--out", required=True)
    child.set_defaults(func=child_singlecell)
    for name, func in (
        ("_singlecell_view", child_singlecell_view),
        ("_scanpy_plain", child_scanpy_plain),
    ):
        child = sub.add_parser(name)
        child.add_argument("--data", required=True)
        child.add_argument("--out", required=True)
        child.add_argument("--max-cells", type=int, default=50_000)
        child.set_defaults(func=func)
    versus_r.add_parsers(sub)
    scaling.add_parsers(sub)
    go_scale.add_parsers(sub)
    args = parser.parse_args()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    args.func(args)


if __name__ == "__main__":
    main()
