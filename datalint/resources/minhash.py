"""Lexical near-duplicates: word shingles, template masking, MinHash signatures, LSH banding.

A vectorised NumPy MinHash (one universal hash family, ``num_perm`` permutations) replaces one
Python object per record; LSH banding proposes candidate pairs and each candidate is confirmed
with the exact Jaccard similarity of the two shingle sets, so the reported similarity is never
an estimate.

Template masking: shingles that occur in a large share of the records (a fixed instruction
preamble, a tool header, a system prompt copied into the prompt) are dropped before comparing,
so that templated data does not collapse into one giant cluster.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64(0xFFFFFFFF)


def shingle_hashes(text: str, n: int) -> np.ndarray:
    """Distinct 64-bit hashes of the word n-grams of an already normalised text."""
    words = text.split()
    if not words:
        return np.zeros(0, dtype=np.uint64)
    if len(words) < n:
        grams = [" ".join(words)]
    else:
        grams = [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
    out = np.fromiter(
        (int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
         for g in set(grams)), dtype=np.uint64)
    return out


@dataclass
class NearDuplicateIndex:
    shingles: list[np.ndarray]  # per text, masked
    masked_share: float  # share of all shingle occurrences removed as template
    signatures: np.ndarray  # (n, num_perm) uint32


def mask_template(sets: list[np.ndarray], max_share: float, min_count: int = 5
                  ) -> tuple[list[np.ndarray], float]:
    """Drop shingles present in more than ``max_share`` of the texts (and at least
    ``min_count`` of them)."""
    if not sets:
        return sets, 0.0
    allh = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64)
    if allh.size == 0:
        return sets, 0.0
    uniq, counts = np.unique(allh, return_counts=True)
    limit = max(min_count, int(max_share * len(sets)))
    common = uniq[counts > limit]
    if common.size == 0:
        return sets, 0.0
    out = [s[~np.isin(s, common, assume_unique=True)] if s.size else s for s in sets]
    removed = allh.size - sum(s.size for s in out)
    return out, removed / allh.size


def signatures(sets: list[np.ndarray], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, int(_MERSENNE), size=num_perm, dtype=np.uint64)
    b = rng.integers(0, int(_MERSENNE), size=num_perm, dtype=np.uint64)
    sig = np.full((len(sets), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    for i, s in enumerate(sets):
        if s.size == 0:
            continue
        # (a*x + b) mod p on 64 bits (wrap-around is fine for hashing), keep 32 bits
        h = ((s[:, None] * a[None, :] + b[None, :]) % _MERSENNE) & _MAX32
        sig[i] = h.min(axis=0).astype(np.uint32)
    return sig


def lsh_candidates(sig: np.ndarray, bands: int, skip: np.ndarray | None = None
                   ) -> set[tuple[int, int]]:
    n, num_perm = sig.shape
    rows = num_perm // bands
    pairs: set[tuple[int, int]] = set()
    for b in range(bands):
        chunk = np.ascontiguousarray(sig[:, b * rows:(b + 1) * rows])
        keys = chunk.view(np.dtype((np.void, chunk.dtype.itemsize * rows))).ravel()
        buckets: dict[bytes, list[int]] = {}
        for i in range(n):
            if skip is not None and skip[i]:
                continue
            buckets.setdefault(keys[i].tobytes(), []).append(i)
        for members in buckets.values():
            if 1 < len(members) <= 200:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        pairs.add((members[x], members[y]))
            elif len(members) > 200:
                # a huge bucket is a template the masking missed: compare neighbours only
                for x in range(len(members) - 1):
                    pairs.add((members[x], members[x + 1]))
    return pairs


def bands_for(threshold: float, num_perm: int) -> int:
    """The number of LSH bands whose S-curve is steepest near ``threshold``."""
    best, best_err = 1, 9.0
    for b in range(1, num_perm + 1):
        if num_perm % b:
            continue
        r = num_perm // b
        t = (1 / b) ** (1 / r)
        if abs(t - threshold + 0.1) < best_err:  # aim a little low: candidates are confirmed
            best, best_err = b, abs(t - threshold + 0.1)
    return best


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0 or b.size == 0:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


def near_duplicate_pairs(texts: list[str], threshold: float, ngram: int = 3,
                         template_share: float = 0.05, num_perm: int = 128
                         ) -> tuple[list[tuple[int, int, float]], float]:
    """Confirmed pairs (i, j, jaccard) with jaccard >= threshold, and the masked share."""
    sets = [shingle_hashes(t, ngram) for t in texts]
    sets, masked = mask_template(sets, template_share)
    empty = np.array([s.size == 0 for s in sets])
    sig = signatures(sets, num_perm)
    cands = lsh_candidates(sig, bands_for(threshold, num_perm), skip=empty)
    out = []
    for i, j in cands:
        jac = jaccard(sets[i], sets[j])
        if jac >= threshold:
            out.append((i, j, jac))
    out.sort()
    return out, masked


def union_find_clusters(n: int, pairs) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, *_ in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]
