"""Known-drug queries: planted answers, the real library's self-consistency, and speed beside
gseapy's prerank.

Every part prints its figures; ``--out`` also writes them as TSV.

    python benchmarks/drug_queries.py planted --datasets 20 --out benchmarks/runs/drugs
    python benchmarks/drug_queries.py real-no-link --datasets 20
    python benchmarks/drug_queries.py consistency
    python benchmarks/drug_queries.py speed
    python benchmarks/drug_queries.py stream --scratch /tmp

- **planted** (3 replicates; Gaussian log2 expression on the library's own human genes, noise SD
  0.4): a treatment whose effect is one library signature's genes (±0.8 log2) must rank that
  compound first in the treatment query; a disease planted as a signature's inverse must rank
  that compound first among the disease query's reversers; data with effects on random genes
  must make no compound call at FDR 5% (either query).
- **real-no-link**: real mouse counts (GSE248978) drawn at random into three groups of 3,
  nothing planted, both queries against CMap build 02 through orthologs, with and without the
  co-regulation deflation: any call is false, and the real genes keep their correlation.
- **consistency**: each signature of a compound measured in several cell lines, turned into a
  ranking (its up genes first, down genes last), should find the compound's other cell lines'
  signatures near the top of the library: their median percentile against 50% at random.
The human AD references' disease query is the pipeline's own ``reference_drugs`` job.
- **speed**: both queries on the example (the pipeline's job, 200 draws) beside gseapy's
  prerank of the same ranking against the library's up sets (what a Python user would run).
- **stream**: both queries and the placement of the example against a signature matrix the size
  of LINCS's (100,000 signatures × 12,000 human genes, z-scores, GCTX written once to
  ``--scratch``), 200 draws, in a fresh process: wall time and peak memory (the file is read in
  blocks; after it is written it sits in the page cache, as a library used daily does).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from signature_reversal.drugs import scores
from signature_reversal.drugs.library import (
    LibrarySpec,
    PreparedLibrary,
    on_own_genes,
    read_library,
)
from signature_reversal.drugs.query import DrugSettings, joint_fdr, query_design, run_query

REPO = Path(__file__).resolve().parents[1]
CMAP = REPO / "config" / "drug_libraries" / "cmap02"
SPEC = LibrarySpec(
    "cmap02", "human", up=str(CMAP / "CmapUp100.gmt.xz"), down=str(CMAP / "CmapDn100.gmt.xz")
)


def human_library() -> tuple[PreparedLibrary, pd.Index]:
    """CMap build 02 on its own genes (the union of every signature's genes)."""
    return on_own_genes(read_library(SPEC))


def simulate(
    genes: int,
    disease: np.ndarray,
    treatment: np.ndarray,
    seed: int,
    modules: list[np.ndarray] = (),
    module_sd: float = 0.35,
):
    """Gaussian log2 expression, 3 samples per group; ``modules``: gene sets whose genes share a
    random per-sample shift (co-regulation unrelated to the groups)."""
    rng = np.random.default_rng(seed)
    means = np.column_stack([np.zeros(genes), disease, disease + treatment])
    expression = 6 + means[:, np.repeat([0, 1, 2], 3)] + rng.normal(0, 0.4, (genes, 9))
    shifts = np.random.default_rng([seed, 17]).normal(0, module_sd, (len(modules), 9))
    for module, shift in zip(modules, shifts, strict=True):
        expression[module] += shift
    obs = pd.DataFrame(
        {"role": np.repeat(["control", "disease", "treatment"], 3)},
        index=[f"s{i}" for i in range(9)],
    )
    return expression, obs


def planted(args) -> pd.DataFrame:
    library, genes = human_library()
    settings = DrugSettings(draws=args.draws, seed=1)
    rows = []
    for dataset in range(args.datasets):
        rng = np.random.default_rng(7000 + dataset)
        chosen = int(rng.integers(len(library.up)))
        compound = library.annotation.loc[chosen, "compound"]
        signature = np.zeros(len(genes))
        signature[library.up[chosen]], signature[library.down[chosen]] = 0.8, -0.8
        noise = np.zeros(len(genes))
        picked = rng.choice(len(genes), 200, replace=False)
        noise[picked] = rng.choice([-0.8, 0.8], 200)
        scenarios = {
            "treatment like a signature": (noise, signature, "treatment", compound, -1),
            "disease = a signature's inverse": (-signature, -0.5 * noise, "disease", compound, 1),
            "no link": (noise, np.roll(noise, 1000), None, None, 0),
        }
        # co-regulated genes that library signatures share: 30 signatures' up genes each move
        # together from sample to sample (SD 0.35 log2), unrelated to the groups
        modules = [library.up[i] for i in rng.choice(len(library.up), 30, replace=False)]
        if args.modules:
            scenarios["no link, co-regulated signature genes"] = scenarios["no link"]
        for scenario, (disease, treatment, query, expected, order) in scenarios.items():
            shared = modules if scenario.endswith("co-regulated signature genes") else ()
            expression, obs = simulate(len(genes), disease, treatment, dataset, shared)
            rank, results = None, {}
            for name in ("disease", "treatment"):
                design = query_design(obs, "~condition", name)
                results[name], _ = run_query(name, expression, design, library, settings)
            joint_fdr(list(results.values()))  # as the pipeline's job: one FDR per analysis
            calls = int(any((r.compounds["fdr"] < 0.05).any() for r in results.values()))
            for name, result in results.items():
                compounds = result.compounds
                if name == query:
                    ranked = compounds.sort_values("ncs", ascending=order > 0)
                    ranked = ranked.reset_index(drop=True)
                    rank = int(ranked.index[ranked["compound"] == expected][0]) + 1
            rows.append({"scenario": scenario, "dataset": dataset, "rank": rank, "calls": calls})
        print(pd.DataFrame(rows).tail(3).to_string(header=dataset == 0, index=False), flush=True)
    table = pd.DataFrame(rows)
    summary = table.groupby("scenario").agg(
        datasets=("dataset", "size"),
        ranked_first=(
            "rank",
            lambda r: 100 * float((r == 1).mean()) if r.notna().any() else np.nan,
        ),
        median_rank=("rank", "median"),
        any_call=("calls", lambda c: 100 * float((c > 0).mean())),
    )
    print(summary.to_string())
    return summary


def real_no_link(args) -> pd.DataFrame:
    """Real mouse counts (GSE248978, 16 mice) drawn at random into three groups of 3, nothing
    planted: both queries against CMap build 02 through orthologs, as the pipeline's job runs
    them. Any call is false; the real data keep their gene-gene correlation."""
    from signature_reversal.drugs.library import prepare
    from signature_reversal.drugs.query import (
        joint_fdr,
        query_ranking,
        score_ranking,
        variance_inflation,
    )
    from signature_reversal.inputs import orthologs
    from signature_reversal.reversal import linear_model
    from signature_reversal.validation.families import PLASMODE_COUNTS

    tables = [pd.read_csv(PLASMODE_COUNTS / f"counts_{d}.tsv.gz", sep="\t") for d in ("d7", "d14")]
    both = pd.concat([tables[0], tables[1].drop(columns=["gene_id", "gene_name"])], axis=1)
    both = both.dropna(subset=["gene_id"]).drop_duplicates("gene_id").set_index("gene_id")
    symbols = both.pop("gene_name").fillna("").astype(str)
    counts = both.round().to_numpy(np.int64)
    kept = (counts >= 10).sum(axis=1) >= 3
    counts, symbols = counts[kept], symbols[kept]
    table = orthologs.read_orthologs(REPO / "config" / "orthologs" / "human_mouse_orthologs.tsv.gz")
    library = prepare(read_library(SPEC), "human", "mouse", symbols, pd.Index(symbols.index), table)
    settings = DrugSettings(draws=args.draws, seed=1)
    rows = []
    for dataset in range(args.datasets):
        rng = np.random.default_rng(9100 + dataset)
        chosen = rng.choice(counts.shape[1], 9, replace=False)
        sample = counts[:, chosen].astype(float)
        logs = np.log(np.where(sample > 0, sample, np.nan))
        reference = np.nanmean(logs, axis=1)
        usable = np.isfinite(logs).all(axis=1)
        factors = np.exp(np.median(logs[usable] - reference[usable, None], axis=0))
        expression = linear_model.log_normalized(sample.T, factors)
        obs = pd.DataFrame(
            {"role": np.repeat(["control", "disease", "treatment"], 3)},
            index=[f"s{i}" for i in range(9)],
        )
        for variant in args.variants:
            results = []
            for name in ("disease", "treatment"):
                design = query_design(obs, "~condition", name)
                ranking = query_ranking(expression, design)
                inflation = (
                    variance_inflation(expression, design, library)
                    if variant == "deflated"
                    else None
                )
                results.append(score_ranking(name, ranking, library, settings, inflation))
            joint_fdr(results)
            calls = sum(int((r.compounds["fdr"] < 0.05).sum()) for r in results)
            rows.append({"dataset": dataset, "variant": variant, "compounds called": calls})
        print(pd.DataFrame(rows).tail(2).to_string(header=dataset == 0, index=False), flush=True)
    frame = pd.DataFrame(rows)
    summary = frame.groupby("variant").agg(
        datasets=("dataset", "size"),
        with_a_call=("compounds called", lambda c: 100 * float((c > 0).mean())),
        mean_calls=("compounds called", "mean"),
    )
    print(summary.to_string())
    return summary


def consistency(args) -> pd.DataFrame:
    library, genes = human_library()
    annotation = library.annotation
    tags = scores.Library(library.up, library.down, len(genes))
    lines = annotation.groupby("compound")["cell_line"].nunique()
    several = annotation[annotation["compound"].isin(lines[lines > 1].index)].index.to_numpy()
    rng = np.random.default_rng(3)
    chosen = rng.choice(several, min(args.signatures, len(several)), replace=False)
    percentiles = []
    for i in chosen:
        ranking = np.zeros(len(genes))
        ranking[library.up[i]] = np.linspace(2, 1, len(library.up[i]))
        ranking[library.down[i]] = -np.linspace(1, 2, len(library.down[i]))
        score = tags.connectivity(ranking)
        others = annotation.index[
            (annotation["compound"] == annotation.loc[i, "compound"])
            & (annotation["cell_line"] != annotation.loc[i, "cell_line"])
        ]
        order = pd.Series(score).rank(ascending=False, pct=True)
        percentiles += list(order[others])
    result = pd.DataFrame(
        {
            "signatures queried": [len(chosen)],
            "same-compound pairs in other cell lines": [len(percentiles)],
            "median percentile (random: 50)": [100 * statistics.median(percentiles)],
            "in the top 5%": [100 * float(np.mean(np.array(percentiles) <= 0.05))],
        }
    )
    print(result.to_string(index=False))
    return result


def speed(args) -> pd.DataFrame:
    import anndata as ad

    from signature_reversal.de.tables import read_size_factors, read_table
    from signature_reversal.drugs import stage
    from signature_reversal.inputs import orthologs

    results = REPO / "results" / "example"
    if not (results / "data" / "dataset.h5ad").exists():
        raise SystemExit("run `snakemake --cores 2` first: the speed test uses the example's files")
    adata = ad.read_h5ad(results / "data" / "dataset.h5ad")
    genes = read_table(results / "de" / "treatment_vs_disease.tsv")
    factors = read_size_factors(results / "de" / "size_factors.tsv")
    table = orthologs.read_orthologs(REPO / "config" / "orthologs" / "human_mouse_orthologs.tsv.gz")
    ours = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        stage.run(adata, genes, factors, SPEC, table, DrugSettings(draws=200))
        ours.append(time.perf_counter() - started)
    import gseapy

    library = read_library(SPEC)
    ranking = genes.set_index("symbol")["stat"].dropna()
    ranking.index = ranking.index.astype(str).str.upper()  # human symbols, as a user would
    sets = {n: list(g) for n, g in zip(library.annotation["signature"], library.up, strict=True)}
    started = time.perf_counter()
    gseapy.prerank(
        rnk=ranking.groupby(level=0).mean().sort_values(ascending=False),
        gene_sets=sets,
        permutation_num=args.gseapy_permutations,
        min_size=5,
        max_size=500,
        threads=2,
        outdir=None,
        seed=1,
        verbose=False,
    )
    theirs = time.perf_counter() - started
    result = pd.DataFrame(
        {
            "work": [
                "both queries + placement, 6,100 signatures, 200 draws (this pipeline's job)",
                f"gseapy prerank, 6,100 up sets only, {args.gseapy_permutations} permutations",
            ],
            "seconds (median)": [statistics.median(ours), theirs],
        }
    )
    print(result.to_string(index=False))
    return result


def stream(args) -> pd.DataFrame:
    import subprocess
    import sys

    import h5py

    path = args.scratch / f"matrix_{args.stream_signatures}x{args.stream_genes}.gctx"
    if not path.exists():
        library, genes = human_library()
        names = np.array(genes[: args.stream_genes], dtype="S")
        rng = np.random.default_rng(5)
        n, block = args.stream_signatures, 5000
        started = time.perf_counter()
        with h5py.File(path, "w") as handle:
            data = handle.create_dataset(
                "/0/DATA/0/matrix", (n, len(names)), np.float32, chunks=(256, len(names))
            )
            for start in range(0, n, block):
                stop = min(n, start + block)
                data[start:stop] = rng.standard_normal((stop - start, len(names)), np.float32)
            handle["/0/META/ROW/id"] = names
            handle["/0/META/COL/id"] = np.array([f"sig{i}" for i in range(n)], dtype="S")
            handle["/0/META/COL/pert_iname"] = np.array([f"cpd{i // 5}" for i in range(n)], "S")
            handle["/0/META/COL/cell_id"] = np.array([f"line{i % 9}" for i in range(n)], "S")
        print(
            f"wrote {path} ({path.stat().st_size / 1e9:.1f} GB) in "
            f"{time.perf_counter() - started:.0f} s"
        )
    rows = []
    for _ in range(args.repeats):
        child = subprocess.run(
            [sys.executable, __file__, "stream-query", "--scratch", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, memory = map(float, child.stdout.split()[-2:])
        rows.append({"seconds": seconds, "peak GB": memory})
    result = pd.DataFrame(rows)
    print(
        f"{args.stream_signatures:,} signatures × {args.stream_genes:,} genes, both queries + "
        f"placement, 200 draws: median {result['seconds'].median():.1f} s, peak "
        f"{result['peak GB'].max():.2f} GB (runs: "
        + ", ".join(f"{s:.1f}" for s in result["seconds"])
        + ")"
    )
    return result


def stream_query(args) -> None:
    """One run in this process: prints seconds and peak resident GB."""
    import resource

    import anndata as ad

    from signature_reversal.de.tables import read_size_factors, read_table
    from signature_reversal.drugs import stage
    from signature_reversal.inputs import orthologs

    results = REPO / "results" / "example"
    adata = ad.read_h5ad(results / "data" / "dataset.h5ad")
    genes = read_table(results / "de" / "treatment_vs_disease.tsv")
    factors = read_size_factors(results / "de" / "size_factors.tsv")
    table = orthologs.read_orthologs(REPO / "config" / "orthologs" / "human_mouse_orthologs.tsv.gz")
    spec = LibrarySpec("lincs_like", "human", matrix=str(args.scratch))
    started = time.perf_counter()
    stage.run(adata, genes, factors, spec, table, DrugSettings(draws=200))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{seconds:.2f} {peak:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "part",
        choices=["planted", "real-no-link", "consistency", "speed", "stream", "stream-query"],
    )
    parser.add_argument("--scratch", type=Path, default=Path("/tmp"))
    parser.add_argument("--stream-signatures", type=int, default=100_000)
    parser.add_argument("--stream-genes", type=int, default=12_000)
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument(
        "--modules", action="store_true", help="planted: add the co-regulated no-link scenario"
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=["plain", "deflated"],
        default=["plain", "deflated"],
        help="real-no-link: the p-values compared",
    )
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--signatures", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--gseapy-permutations", type=int, default=100)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    table = {
        "planted": planted,
        "real-no-link": real_no_link,
        "consistency": consistency,
        "speed": speed,
        "stream": stream,
        "stream-query": stream_query,
    }[args.part](args)
    if table is None:
        return
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(f"{args.out}.{args.part}.tsv", sep="\t")


if __name__ == "__main__":
    main()
