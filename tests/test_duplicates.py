"""Duplicate machinery: clusters independent of record order, template masking, exact Jaccard."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from datalint.resources.minhash import (jaccard, near_duplicate_pairs, shingle_hashes,
                                        union_find_clusters)

from .helpers import lint_records

WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()


def _texts(draw_ints):
    return [" ".join(WORDS[i % len(WORDS)] for i in seq) for seq in draw_ints]


def _cluster_sets(texts, order):
    shuffled = [texts[i] for i in order]
    pairs, _ = near_duplicate_pairs(shuffled, 0.5, template_share=1.0)
    return {frozenset(shuffled[i] for i in g) for g in union_find_clusters(len(shuffled), pairs)}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 11), min_size=3, max_size=12), min_size=2, max_size=25),
       st.randoms())
def test_clusters_do_not_depend_on_order(seqs, rnd):
    texts = _texts(seqs)
    order = list(range(len(texts)))
    rnd.shuffle(order)
    assert _cluster_sets(texts, list(range(len(texts)))) == _cluster_sets(texts, order)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 11), min_size=1, max_size=15),
       st.lists(st.integers(0, 11), min_size=1, max_size=15))
def test_jaccard_is_symmetric(a, b):
    ha, hb = shingle_hashes(" ".join(WORDS[i] for i in a), 2), shingle_hashes(
        " ".join(WORDS[i] for i in b), 2)
    assert jaccard(ha, hb) == jaccard(hb, ha)
    assert 0.0 <= jaccard(ha, hb) <= 1.0


def test_confirmed_pairs_meet_threshold():
    rng = random.Random(3)
    base = [" ".join(rng.choice(WORDS) for _ in range(30)) for _ in range(20)]
    texts = base + [t + " omega" for t in base]
    pairs, _ = near_duplicate_pairs(texts, 0.8, template_share=1.0)
    assert {(i, j) for i, j, _ in pairs} >= {(i, i + 20) for i in range(20)}
    assert all(jac >= 0.8 for _, _, jac in pairs)


def test_shared_preamble_is_masked():
    preamble = ("you have access to the following tool a wrapper around an encyclopedia useful "
                "when you need general information about people places and events input a query")
    texts = [f"{preamble} topic number {w} {v} asks about {w}" for w in WORDS for v in WORDS[:3]]
    pairs, masked = near_duplicate_pairs(texts, 0.7)
    assert masked > 0.5
    clusters = union_find_clusters(len(texts), pairs)
    assert max((len(c) for c in clusters), default=0) < len(texts) // 4


def test_duplicate_findings_do_not_depend_on_record_order(tmp_path):
    recs = [{"prompt": f"question {i % 7}", "completion": f"answer {i % 5} is the reply"}
            for i in range(30)]
    a = lint_records(tmp_path, recs, select=["D"])
    random.Random(1).shuffle(recs)
    (tmp_path / "b").mkdir()
    b = lint_records(tmp_path / "b", recs, select=["D"])

    def clusters(rep):
        out = set()
        for f in rep.findings:
            members = [f.location] + f.related
            out.add((f.name, frozenset(
                (rep_rec["prompt"], rep_rec["completion"]) for rep_rec in
                [recs_by_line(rep, m) for m in members])))
        return out

    def recs_by_line(rep, loc):
        import orjson
        path = loc.path
        lines = open(path, "rb").read().splitlines()
        return orjson.loads(lines[loc.line - 1])

    assert clusters(a) and clusters(a) == clusters(b)
