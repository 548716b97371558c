"""Candidate pairs of records from the shared kNN index, scored by embedding similarity.

Shared by semantic-duplicate, contradiction and train-eval-overlap.  Thresholds are relative:
a pair is "close" when its distance (1 - cosine similarity) is at most ``ratio`` times the
median distance from a text to its nearest neighbour in the same dataset, the approach of
cleanlab's Datalab near-duplicate check.  The same ratio then means the same thing for a
tight templated dataset and a diverse one, and for another embedding model.
"""

from __future__ import annotations

import numpy as np


#: at most this many records are paired per neighbouring text (a text repeated 1,000 times
#: is one text for the index; its copies are the exact-duplicate rules' business)
PER_TEXT = 8


def candidate_pairs(res, roles=("prompt", "response"), keep=None) -> np.ndarray:
    """Record pairs (i < j) whose texts of one of ``roles`` are kNN neighbours (or equal),
    as an (m, 2) array sorted by rows.

    ``keep`` (bool array over records) limits the pairs to those records.  Vectorised: every
    (text, neighbour text) edge expands into the product of the two texts' records."""
    found = []
    for role in roles:
        nb = res.neighbours(role)
        n_texts = len(nb.records)
        if n_texts == 0:
            continue
        members = [[r for r in recs if keep is None or keep[r]][:PER_TEXT] for recs in nb.records]
        count = np.fromiter((len(m) for m in members), dtype=np.int64, count=n_texts)
        offset = np.concatenate(([0], np.cumsum(count)[:-1]))
        flat = np.fromiter((r for m in members for r in m), dtype=np.int64, count=int(count.sum()))
        k = nb.idx.shape[1]
        src = np.concatenate([np.arange(n_texts), np.repeat(np.arange(n_texts), k)])
        dst = np.concatenate([np.arange(n_texts), nb.idx.reshape(-1)])
        ok = (dst >= 0)
        src, dst = src[ok], dst[ok]
        ok = (count[src] > 0) & (count[dst] > 0)
        src, dst = src[ok], dst[ok]
        sizes = count[src] * count[dst]
        total = int(sizes.sum())
        if total == 0:
            continue
        edge = np.repeat(np.arange(len(src)), sizes)
        pos = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        width = count[dst][edge]
        left = flat[offset[src][edge] + pos // width]
        right = flat[offset[dst][edge] + pos % width]
        ok = left != right
        found.append(np.stack([np.minimum(left[ok], right[ok]),
                               np.maximum(left[ok], right[ok])], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found), axis=0)


def role_similarity(res, role: str, pairs: np.ndarray, tier: str = "fast") -> np.ndarray:
    """Similarity of one role's texts for each pair; 1 when both are empty, 0 when one is."""
    sims = res.pair_similarity(role, pairs, tier) if len(pairs) else np.zeros(0, np.float32)
    texts = res.embed_texts(role)
    empty = np.fromiter((not t for t in texts), dtype=bool, count=len(texts))
    a, b = empty[pairs[:, 0]], empty[pairs[:, 1]]
    return np.where(a & b, 1.0, np.where(a ^ b, 0.0, sims)).astype(np.float32)


def median_nn_distance(pairs: np.ndarray, sims: np.ndarray, n: int) -> float:
    """Median over records of the distance to their closest candidate partner."""
    if len(pairs) == 0:
        return 0.0
    best = np.full(n, -np.inf, dtype=np.float64)
    np.maximum.at(best, pairs[:, 0], sims)
    np.maximum.at(best, pairs[:, 1], sims)
    seen = best > -np.inf
    return float(np.median(1.0 - best[seen])) if seen.any() else 0.0
