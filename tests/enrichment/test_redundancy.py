"""Redundant gene sets: a significant set whose leading edge repeats a more significant kept
set's (overlap coefficient ≥ 0.5, same direction) names it; nothing else does."""

from __future__ import annotations

import pandas as pd

from signature_reversal.enrichment.redundancy import redundant_with


def _row(name, nes, fdr, genes, collection="go"):
    return {
        "collection": collection,
        "gene_set": name,
        "NES": nes,
        "fdr": fdr,
        "pvalue": fdr / 10,
        "leading_edge": ";".join(genes),
    }


def test_a_set_repeating_a_kept_set_names_it_and_nothing_else_does():
    letters = list("abcdefghij")
    table = pd.DataFrame(
        [
            _row("child", 2.0, 1e-4, letters[:6] + ["x"]),  # 6 of its 7 are in parent's edge
            _row("parent", 2.2, 1e-5, letters, "hallmark"),
            _row("opposite", -2.0, 1e-4, letters[:6]),  # same genes, other direction
            _row("other", 1.9, 1e-3, ["p", "q", "r", "s"]),
            _row("grandchild", 1.8, 1e-3, ["x", "y", "z", "a"]),  # shares only x, a
            _row("weak", 1.1, 0.3, letters),  # not significant: not judged
            _row("cousin", 1.7, 2e-3, ["x", "f", "e", "w", "v", "u"]),  # half of it is child's
        ]
    )
    marks = redundant_with(table).to_dict()
    assert marks == {
        0: "hallmark:parent",
        1: "",
        2: "",
        3: "",
        4: "",
        5: "",
        6: "",  # it repeats child, which is itself redundant: compared with kept sets only
    }


def test_fewer_than_two_significant_sets_mark_nothing():
    table = pd.DataFrame([_row("only", 2.0, 1e-4, ["a", "b"]), _row("weak", 1.0, 0.5, ["a"])])
    assert (redundant_with(table) == "").all()


def test_the_report_lists_the_kept_sets_of_the_other_collections_with_their_repeats():
    from signature_reversal.report.html import _top_sets

    letters = list("abcdefghij")
    table = pd.DataFrame(
        [
            _row("curated_one", 2.5, 1e-6, letters, "curated"),
            _row("parent", 2.2, 1e-5, letters),
            _row("child", 2.0, 1e-4, letters[:6]),
            _row("sibling", 1.9, 2e-4, letters[2:8]),
            _row("other", -1.9, 1e-3, ["p", "q"]),
            _row("weak", 1.1, 0.3, ["z"]),
        ]
    )
    table["size"] = 20
    table["redundant_with"] = redundant_with(table[table["collection"] != "curated"])
    top = _top_sets(table, 0.05)
    assert list(top["gene_set"]) == ["parent", "other"]
    assert list(top["similar_sets"]) == [2, 0]
