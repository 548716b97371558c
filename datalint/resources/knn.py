"""Exact k-nearest-neighbour search on unit vectors (inner product) with faiss."""

from __future__ import annotations

import numpy as np


def knn(vectors: np.ndarray, k: int, queries: np.ndarray | None = None
        ) -> tuple[np.ndarray, np.ndarray]:
    """For each query (default: each vector, excluding itself) its ``k`` most similar
    vectors: (similarities, indices), nearest first, -1 where there are fewer than k.

    The search is exact (``IndexFlatIP``): on 2 cores it handles 100,000 x 256-d vectors in
    tens of seconds, and exactness keeps results independent of record order.
    """
    n = len(vectors)
    self_search = queries is None
    q = vectors if self_search else queries
    m = len(q)
    if n == 0 or m == 0 or k <= 0:
        return (np.zeros((m, max(k, 0)), np.float32), np.full((m, max(k, 0)), -1, np.int64))
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    kk = min(n, k + 1 if self_search else k)
    sims, idx = index.search(np.ascontiguousarray(q, dtype=np.float32), kk)
    if self_search:
        # drop each row's own entry (not always first: exact copies tie at 1.0); a stable
        # sort on "is own" moves it last and keeps the rest nearest first
        order = np.argsort(idx == np.arange(m)[:, None], axis=1, kind="stable")
        sims = np.take_along_axis(sims, order, axis=1)[:, :kk - 1]
        idx = np.take_along_axis(idx, order, axis=1)[:, :kk - 1]
        kk -= 1
    if kk < k:
        sims = np.pad(sims, ((0, 0), (0, k - kk)), constant_values=-1.0)
        idx = np.pad(idx, ((0, 0), (0, k - kk)), constant_values=-1)
    return sims, idx
