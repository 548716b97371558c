"""Candidate pairs of records from the shared kNN index, scored by embedding similarity.

Shared by semantic-duplicate, contradiction and train-eval-overlap.  Thresholds are relative:
a pair is "close" when its distance (1 - cosine similarity) is at most ``ratio`` times the
median distance from a text to its nearest neighbour in the same dataset, the approach of
cleanlab's Datalab near-duplicate check.  The same ratio then means the same thing for a
tight templated dataset and a diverse one, and for another embedding model.
"""

from __future__ import annotations

import re

import numpy as np

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

#: at most this many records are paired per neighbouring text (a text repeated 1,000 times
#: is one text for the index; its copies are the exact-duplicate rules' business)
PER_TEXT = 8


def numbers(text: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(text))


def candidate_pairs(res, roles=("prompt", "response"), keep=None) -> np.ndarray:
    """Record pairs (i < j) whose texts of one of ``roles`` are kNN neighbours (or equal).

    ``keep`` (bool array over records) limits the pairs to those records."""
    pairs: set[tuple[int, int]] = set()
    for role in roles:
        nb = res.neighbours(role)
        for t, recs in enumerate(nb.records):
            mine = [r for r in recs if keep is None or keep[r]][:PER_TEXT]
            if not mine:
                continue
            group = list(mine)
            for q in nb.idx[t]:
                if q < 0:
                    break
                group.extend(r for r in nb.records[q][:PER_TEXT] if keep is None or keep[r])
            a = mine
            for x in a:
                for y in group:
                    if x != y:
                        pairs.add((x, y) if x < y else (y, x))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return np.array(sorted(pairs), dtype=np.int64)


def role_similarity(res, role: str, pairs: np.ndarray, tier: str = "fast") -> np.ndarray:
    """Similarity of one role's texts for each pair; 1 when both are empty, 0 when one is."""
    sims = res.pair_similarity(role, pairs, tier) if len(pairs) else np.zeros(0, np.float32)
    texts = res.embed_texts(role)
    empty = np.array([[not texts[i], not texts[j]] for i, j in pairs], dtype=bool).reshape(-1, 2)
    both = empty[:, 0] & empty[:, 1]
    one = empty[:, 0] ^ empty[:, 1]
    return np.where(both, 1.0, np.where(one, 0.0, sims)).astype(np.float32)


def median_nn_distance(pairs: np.ndarray, sims: np.ndarray, n: int) -> float:
    """Median over records of the distance to their closest candidate partner."""
    if len(pairs) == 0:
        return 0.0
    best = np.full(n, -np.inf, dtype=np.float64)
    np.maximum.at(best, pairs[:, 0], sims)
    np.maximum.at(best, pairs[:, 1], sims)
    seen = best > -np.inf
    return float(np.median(1.0 - best[seen])) if seen.any() else 0.0
