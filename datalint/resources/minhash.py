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

_SHIFT = np.uint64(32)


# odd 64-bit multipliers that place each word of an n-gram differently (then a final mix)
_POS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53], dtype=np.uint64)


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")


def _mix(h: np.ndarray) -> np.ndarray:
    """The 64-bit finaliser of MurmurHash3: spreads every input bit over the output."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xC4CEB9FE1A85EC53)
        return h ^ (h >> np.uint64(33))


def shingle_hashes(text: str, n: int, words_cache: dict[str, int] | None = None) -> np.ndarray:
    """Distinct 64-bit hashes of the word n-grams of an already normalised text.

    Each distinct word is hashed once (blake2b; ``words_cache`` shares them across texts),
    and an n-gram's hash combines its words' hashes by position with NumPy, so a text costs
    one dictionary lookup per word rather than one cryptographic hash per n-gram."""
    words = text.split()
    if not words:
        return np.zeros(0, dtype=np.uint64)
    cache = words_cache if words_cache is not None else {}
    try:  # a list of cached hashes is built much faster than a generator of lookups
        ids = np.array([cache[w] for w in words], dtype=np.uint64)
    except KeyError:
        for w in words:
            if w not in cache:
                cache[w] = _word_hash(w)
        ids = np.array([cache[w] for w in words], dtype=np.uint64)
    if n == 1:  # single words: a word's blake2b hash is the shingle hash
        return _sorted_unique(ids)
    k = min(n, len(ids))
    with np.errstate(over="ignore"):
        acc = np.zeros(len(ids) - k + 1, dtype=np.uint64)
        for j in range(k):
            acc = acc + ids[j:len(ids) - k + 1 + j] * _POS[j % len(_POS)]
    return _sorted_unique(_mix(acc ^ np.uint64(k)))


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique`` for the small arrays of one text: a sort and a comparison (NumPy 2's
    hash-based unique costs about 30 µs a call on a few hundred values, 3x the sort)."""
    a = np.sort(a)
    if len(a) < 2:
        return a
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


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
    # multiply-shift hashing (Dietzfelbinger et al.): (a*x + b) mod 2^64, top 32 bits, with a
    # odd; as good as a prime-modulus family for MinHash and free of the slow 64-bit modulo
    a = rng.integers(1, 1 << 63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
    sig = np.full((len(sets), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    # all texts' shingles in one array, hashed in chunks of whole texts (about 32k shingles,
    # 32 MiB of uint64 at 128 permutations), reduced per text with minimum.reduceat
    sizes = np.fromiter((s.size for s in sets), dtype=np.int64, count=len(sets))
    start = 0
    while start < len(sets):
        stop, total = start, 0
        while stop < len(sets) and (total == 0 or total + sizes[stop] <= 32768):
            total += sizes[stop]
            stop += 1
        rows = [i for i in range(start, stop) if sizes[i]]
        if rows:
            flat = np.concatenate([sets[i] for i in rows])
            with np.errstate(over="ignore"):
                h = (flat[:, None] * a[None, :] + b[None, :]) >> _SHIFT
            offsets = np.concatenate(([0], np.cumsum(sizes[rows])[:-1]))
            sig[rows] = np.minimum.reduceat(h, offsets, axis=0).astype(np.uint32)
        start = stop
    return sig


def lsh_candidates(sig: np.ndarray, bands: int, skip: np.ndarray | None = None
                   ) -> set[tuple[int, int]]:
    """Pairs (i < j) of rows whose signatures agree on every row of at least one band (see
    :func:`lsh_pairs`), as a set."""
    pairs = lsh_pairs(sig, bands, skip)
    return set(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist()))


def lsh_pairs(sig: np.ndarray, bands: int, skip: np.ndarray | None = None) -> np.ndarray:
    """Pairs (i < j) of rows whose signatures agree on every row of at least one band, as a
    sorted (m, 2) array without repeats.

    Each band's rows are hashed to one 64-bit key and the keys sorted, so that the texts of a
    bucket are a run of equal keys (NumPy, no Python loop over the texts); a bucket of more
    than 200 texts is a template the masking missed, and only its neighbours in file order
    are paired."""
    n, num_perm = sig.shape
    rows = num_perm // bands
    live = np.arange(n) if skip is None else np.flatnonzero(~np.asarray(skip, dtype=bool))
    if len(live) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for b in range(bands):
        chunk = sig[live, b * rows:(b + 1) * rows].astype(np.uint64)
        key = np.zeros(len(live), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for r in range(rows):
                key = _mix(key ^ (chunk[:, r] + _POS[r % len(_POS)]))
        order = np.argsort(key, kind="stable")
        k = key[order]
        starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
        sizes = np.diff(np.concatenate((starts, [len(k)])))
        two = starts[sizes == 2]  # most buckets: one pair each, taken at once
        if len(two):
            x, y = live[order[two]], live[order[two + 1]]
            left.append(np.minimum(x, y))
            right.append(np.maximum(x, y))
        for start, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist()):
            members = np.sort(live[order[start:start + size]])
            if size <= 200:
                x, y = _triu(size)
                left.append(members[x])
                right.append(members[y])
            else:
                left.append(members[:-1])
                right.append(members[1:])
    if not left:
        return np.zeros((0, 2), dtype=np.int64)
    code = _sorted_unique(np.concatenate(left).astype(np.int64) * n + np.concatenate(right))
    return np.stack([code // n, code % n], axis=1)


_TRIU: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _triu(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (x < y) of a bucket of ``size`` texts, kept per size."""
    if size not in _TRIU:
        _TRIU[size] = np.triu_indices(size, 1)
    return _TRIU[size]


def bands_for(threshold: float, num_perm: int) -> int:
    """The number of LSH bands (of ``num_perm // bands`` rows each) whose S-curve rises a
    little below ``threshold``, so that pairs at the threshold are almost always candidates."""
    best, best_err = 1, 9.0
    for b in range(1, num_perm + 1):
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
    words: dict[str, int] = {}
    sets = [shingle_hashes(t, ngram, words) for t in texts]
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


#: texts longer than this (in words) are not compared word by word
MAX_EDIT_WORDS = 2000


def edit_similarity(a: list[str], b: list[str], at_least: float = 0.0) -> float:
    """Word-level similarity of two word lists: twice the words of their longest matching
    blocks over all words (difflib's ratio; 1 for equal lists, about 0.9 for one changed word
    in twenty).  Below ``at_least`` it may return any lower value: the lengths and the shared
    words bound the ratio from above, so most pairs are settled without matching blocks."""
    if not a or not b:
        return 0.0
    la, lb = len(a), len(b)
    if max(la, lb) > MAX_EDIT_WORDS:
        return 0.0  # difflib is quadratic on long repetitive texts: the 3-grams judge those
    if 2 * min(la, lb) / (la + lb) < at_least:
        return 0.0
    from difflib import SequenceMatcher

    sm = SequenceMatcher(None, a, b, autojunk=False)
    if at_least and sm.quick_ratio() < at_least:
        return 0.0
    return sm.ratio()


def word_candidates(texts: list[str], threshold: float, template_share: float = 0.05,
                    num_perm: int = 32, skip: np.ndarray | None = None
                    ) -> set[tuple[int, int]]:
    """Pairs of texts whose (template-masked) word sets are likely to overlap by at least
    ``threshold`` (Jaccard), from MinHash LSH over single words: the candidates for a
    word-by-word comparison, which word 3-grams miss in short texts with a few changed
    words."""
    words: dict[str, int] = {}
    sets = [shingle_hashes(t, 1, words) for t in texts]
    sets, _ = mask_template(sets, template_share)
    empty = np.array([s.size == 0 for s in sets], dtype=bool)
    if skip is not None:
        empty |= np.asarray(skip, dtype=bool)
    sig = signatures(sets, num_perm)
    arr = lsh_pairs(sig, bands_for(threshold, num_perm), skip=empty)
    # keep the pairs whose signatures agree on at least ``threshold`` of their rows (the
    # MinHash estimate of the Jaccard similarity): LSH banding proposes many more
    est = np.empty(len(arr), dtype=np.float32)
    for a in range(0, len(arr), 8192):
        p = arr[a:a + 8192]
        est[a:a + 8192] = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1)
    return {(int(i), int(j)) for i, j in arr[est >= threshold]}


def union_find_clusters(n: int, pairs, labels=None) -> list[list[int]]:
    """Connected components of ``pairs`` (i, j, ...), each of two or more members.

    ``labels(i)``, when given, is the set of what must agree inside a cluster (the names and
    numbers of a record's prompt), or a tuple of such sets, each compared on its own (the
    names, the web addresses): two clusters merge only when one's labels hold the other's,
    so a chain of close pairs ("trained by OpenAI" - "who trained you?" - "trained by
    Google") never joins records that ask about different things."""
    parent = list(range(n))
    held: dict[int, tuple[frozenset, ...]] = {}

    def label(x: int) -> tuple[frozenset, ...]:  # computed for the members of some pair only
        if x not in held:
            got = labels(x)
            held[x] = tuple(frozenset(g) for g in got) if isinstance(got, tuple) \
                else (frozenset(got),)
        return held[x]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, *_ in pairs:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        if labels is not None:
            a, b = label(ri), label(rj)
            if not all(x <= y or y <= x for x, y in zip(a, b)):
                continue
        lo, hi = min(ri, rj), max(ri, rj)
        parent[hi] = lo
        if labels is not None:
            held[lo] = tuple(x | y for x, y in zip(a, b))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]
