"""Embedding-spread measures shared by ``low-semantic-diversity`` (V005), ``narrow-task`` (V006)
and the training rule ``no-general-mix`` (T007).

Everything is computed on a deterministic sample of the *distinct* texts of a role (chosen by
hash with :func:`~datalint.resources.textstats.stable_sample`, so record order never matters),
each weighted by the number of records that carry it: a text repeated 100 times weighs 100
times as much, as it does in training, without taking 100 places in the sample.

* :func:`vendi` — the Vendi score (Friedman & Dieng 2022): ``exp`` of the Shannon entropy of
  the eigenvalues of the weighted cosine-similarity kernel, the "effective number of distinct
  texts".  For unit vectors the non-zero eigenvalues of ``diag(√p) K diag(√p)`` are those of
  the d×d matrix ``Xᵀ diag(p) X``: a 1,000-text sample costs one 384×384 eigendecomposition.
* :func:`clusters` — seeded faiss k-means on the sample: the share of each cluster, the
  effective number of clusters ``exp(entropy of the shares)`` and example texts of the largest.
* :func:`reference_coverage` — how many of the areas of a general instruction reference
  (``datalint/data/general_prompts.txt``, written for datalint) the prompts reach.

Texts are compared like with like: every text of the sample, and every reference prompt, is
embedded by its first :data:`WINDOW` words (:func:`window`; prompts after an instruction
opening many of them share, :func:`template_openings`), since a mean-pooled embedding of a
long text leans toward the mean of the language and would make any set of long answers look
narrow next to short prompts.  Short responses (labels) are left out of the sample.  A text no
longer than its window takes the shared fast-tier vector when another rule built it (the
duplicate rules embed every record for the kNN index); the other windows are embedded here.
On top of that comes one d×d eigendecomposition and a k-means on ≤ 1,000 vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources as _pkg
from typing import Sequence

import numpy as np

from ...resources import TEMPLATE_SHARE
from ...resources.texts import is_short_answer, leading_words
from ...resources.textstats import stable_key, stable_sample

#: The k-means seed: fixed, so a dataset gets the same clusters every run.
SEED = 1234

#: Every text is embedded by its first this many words, the reference prompts too.  A static
#: embedding is a weighted mean of token vectors, so long texts all lean toward the mean of
#: the language and look alike: compared whole, answers of a few hundred words spread like a
#: narrow set and short prompts like a wide one.  Cut to the same window, texts of any length
#: are compared like with like.  The reference prompts have 9 words on average, 12 at the 90th
#: percentile; 16 words keep nearly all of them whole.
WINDOW = 16
#: Prompt openings of MIN_OPENING to MAX_OPENING words shared by many prompts are an
#: instruction template (:func:`template_openings`).
MIN_OPENING, MAX_OPENING = 3, 32


@dataclass
class Sample:
    """Distinct non-empty texts of a role in a hash sample, with their vectors and weights."""

    texts: list[str]
    vectors: np.ndarray  # (m, d) unit rows
    counts: np.ndarray  # records carrying each text
    records: list[int]  # one record per text (the first in file order: for locations)
    distinct: int  # distinct non-empty texts in the whole dataset

    @property
    def weights(self) -> np.ndarray:
        return self.counts / self.counts.sum() if len(self.counts) else self.counts


def role_sample(res, role: str, size: int, min_texts: int = 1) -> Sample:
    """The hash sample of at most ``size`` distinct texts of ``role`` (memoised per run).

    Each text is embedded by its first :data:`WINDOW` words (:func:`window`), as the
    reference is.  Responses that are short answers (labels, yes/no, numbers:
    :func:`~datalint.resources.texts.is_short_answer`) are left out: a label says nothing
    about how varied the answers are.  With fewer than ``min_texts`` distinct texts nothing
    is embedded (the sample is empty, its ``distinct`` count says how many there were).  A
    text no longer than the window reuses the shared fast-tier vector when another rule has
    built it; the rest of the sample is embedded here."""
    def build() -> Sample:
        texts = res.embed_texts(role)
        uncovered = res.uncovered(role)  # texts the model cannot represent are left out
        res.note_uncovered(role)
        labels = role == "response"
        first: dict[str, int] = {}
        counts: dict[str, int] = {}
        for r, t in enumerate(texts):
            if t and not t.isspace() and uncovered[r] is None:
                if t in counts:
                    counts[t] += 1
                elif not (labels and is_short_answer(t)):
                    counts[t] = 1
                    first[t] = r
        distinct = list(first)
        if len(distinct) < max(min_texts, 1):
            return Sample([], np.zeros((0, 0)), np.zeros(0), [], len(distinct))
        keep = [distinct[i] for i in stable_sample(distinct, size)]
        rows = [first[t] for t in keep]
        wins = windows(keep, openings=role == "prompt")
        v = _window_vectors(res, keep, wins, rows, res._memo.get(("vec", role, "fast")))
        norm = np.linalg.norm(v, axis=1) if v.size else np.zeros(len(keep))
        ok = norm > 0
        v = v[ok] / norm[ok, None]
        keep = [t for t, good in zip(keep, ok) if good]
        rows = [r for r, good in zip(rows, ok) if good]
        return Sample(keep, v, np.array([counts[t] for t in keep], dtype=np.float64), rows,
                      len(distinct))
    return res._get(("semantic-sample", role, size, min_texts), build)


def window(text: str) -> str:
    """What is embedded of a text: its first :data:`WINDOW` words."""
    return leading_words(text, WINDOW)


def windows(texts: Sequence[str], openings: bool = False) -> list[str]:
    """The windows of ``texts``; with ``openings``, each taken after the text's instruction
    opening (:func:`template_openings`), as shared template lines are masked."""
    if not openings:
        return [window(t) for t in texts]
    shared = template_openings(texts)
    return [window(skip_opening(t, shared)) for t in texts]


def template_openings(texts: Sequence[str]) -> frozenset[tuple[str, ...]]:
    """Openings of :data:`MIN_OPENING` or more words that more than ``TEMPLATE_SHARE`` of the
    texts start with and go on after: an instruction written on the same line as its input
    ("Classify the sentiment of this review: …").  Masked like a template line, or the
    window would hold the template and little else."""
    counts: dict[tuple[str, ...], int] = {}
    for t in texts:
        ws = t.split(maxsplit=MAX_OPENING)[:MAX_OPENING]
        for k in range(MIN_OPENING, len(ws)):  # never the whole text
            key = tuple(ws[:k])
            counts[key] = counts.get(key, 0) + 1
    limit = max(5, int(TEMPLATE_SHARE * len(texts)))
    return frozenset(p for p, c in counts.items() if c > limit)


def skip_opening(text: str, shared: frozenset[tuple[str, ...]]) -> str:
    """``text`` after the longest of the ``shared`` openings it starts with."""
    if not shared:
        return text
    ws = text.split(maxsplit=MAX_OPENING)[:MAX_OPENING]
    for k in range(len(ws) - 1, MIN_OPENING - 1, -1):
        if tuple(ws[:k]) in shared:
            return text.split(maxsplit=k)[k]
    return text


def _window_vectors(res, texts: list[str], wins: list[str], rows: list[int],
                    shared) -> np.ndarray:
    """Fast-tier vectors of the texts' windows; a text that is its own window takes the
    shared vector of its record when there is one."""
    if shared is None:
        return np.asarray(res.embed(wins, "fast"), dtype=np.float64)
    cut = [i for i, (t, w) in enumerate(zip(texts, wins)) if w != t]
    v = np.asarray(shared[rows], dtype=np.float64)
    if cut:
        v[cut] = res.embed([wins[i] for i in cut], "fast")
    return v


def entropy(p: np.ndarray) -> float:
    p = p[p > 1e-12]
    p = p / p.sum()
    return float(-(p * np.log(p)).sum())


def vendi(vectors: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The (probability-weighted) Vendi score of unit ``vectors``: between 1 (all the same)
    and the number of vectors (all orthogonal)."""
    m = len(vectors)
    if m == 0:
        return 0.0
    w = np.full(m, 1.0 / m) if weights is None else weights / weights.sum()
    x = np.asarray(vectors, dtype=np.float64)
    cov = (x * w[:, None]).T @ x
    lam = np.clip(_eigvalsh(cov), 0.0, None)
    return math.exp(entropy(lam)) if lam.sum() > 0 else 1.0


def _eigvalsh(a: np.ndarray) -> np.ndarray:
    """Eigenvalues of a small symmetric matrix on one BLAS thread: a d×d problem gains nothing
    from threads, and next to faiss's OpenMP threads (still spinning after a k-means) a
    multi-threaded OpenBLAS call was measured 50× slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return np.linalg.eigvalsh(a)
    with threadpool_limits(1, user_api="blas"):
        return np.linalg.eigvalsh(a)


def effective_size(weights: np.ndarray) -> float:
    """``exp`` of the entropy of the weights: the Vendi score of the sample if every text were
    orthogonal to every other (the most it can reach)."""
    return math.exp(entropy(np.asarray(weights, dtype=np.float64))) if len(weights) else 0.0


@dataclass
class Clusters:
    k: int
    shares: list[float]  # largest first
    effective: float  # exp(entropy of the shares)
    examples: list[list[int]]  # per cluster (largest first): sample indices nearest its centre


def clusters(vectors: np.ndarray, weights: np.ndarray, k: int, texts: Sequence[str],
             n_examples: int = 2) -> Clusters:
    """Seeded k-means (faiss) over the sample; cluster shares weighted by record counts."""
    m = len(vectors)
    k = max(1, min(k, m))
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if k == 1:
        assign = np.zeros(m, dtype=np.int64)
        centroids = x.mean(axis=0, keepdims=True)
    else:
        import faiss

        km = faiss.Kmeans(x.shape[1], k, niter=25, seed=SEED, spherical=True,
                          min_points_per_centroid=1, max_points_per_centroid=10_000)
        km.train(x)
        centroids = km.centroids
        assign = np.argmax(x @ centroids.T, axis=1)
    share = np.bincount(assign, weights=weights, minlength=k)
    share = share / share.sum()
    # order clusters by share, ties by their most central text: independent of faiss's order
    sims = x @ centroids.T
    centre_key = []
    for c in range(k):
        members = np.flatnonzero(assign == c)
        ranked = sorted(members, key=lambda i: (-round(float(sims[i, c]), 5),
                                                stable_key(texts[i])))
        centre_key.append(ranked)
    order = sorted(range(k), key=lambda c: (-round(float(share[c]), 9),
                                            stable_key(texts[centre_key[c][0]])
                                            if centre_key[c] else (0, "")))
    order = [c for c in order if share[c] > 0]
    return Clusters(k, [float(share[c]) for c in order], math.exp(entropy(share)),
                    [[int(i) for i in centre_key[c][:n_examples]] for c in order])


# -- the general instruction reference ---------------------------------------------------------

def reference_prompts() -> list[str]:
    """The generic instruction prompts shipped in ``datalint/data/general_prompts.txt``."""
    text = _pkg.files("datalint").joinpath("data/general_prompts.txt").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def reference_vectors(res) -> tuple[list[str], np.ndarray]:
    def build():
        texts = reference_prompts()
        v = res.embed([window(t) for t in texts], "fast").astype(np.float64)
        norm = np.linalg.norm(v, axis=1)
        return texts, v / np.where(norm > 0, norm, 1.0)[:, None]
    return res._get("semantic-reference", build)


def reference_vendi(res, m: int) -> float:
    """The Vendi score of the first ``m`` reference prompts in hash order."""
    def build() -> float:
        texts, ref = reference_vectors(res)
        return vendi(ref[stable_sample(texts, m)])
    return res._get(("semantic-reference-vendi", m), build)


@dataclass
class Coverage:
    """Where the prompts fall among the reference's areas (k-means clusters of the reference).

    ``effective``: effective number of reference areas the prompts occupy (exp of the entropy
    of their shares when each prompt is assigned to its nearest area); ``reference_effective``:
    the same for the reference itself; ``share`` = ``effective / reference_effective``.
    ``relative_spread``: the prompts' Vendi score over the reference's, on samples of the same
    size (the Vendi score grows with the sample).
    """

    areas: int
    effective: float
    reference_effective: float
    share: float
    relative_spread: float
    vendi: float
    reference_vendi: float
    sample: int
    top_areas: list[tuple[str, float]]  # (the reference prompt at the area's centre, share)


def reference_coverage(res, sample: Sample, areas: int = 24) -> Coverage:
    texts, ref = reference_vectors(res)
    m = min(len(sample.texts), len(texts))
    # the reference areas: seeded k-means over the reference (fixed data, fixed seed)
    ref_cl = res._get(("semantic-reference-areas", areas), lambda: _areas(ref, areas))
    centroids, labels = ref_cl
    k = len(centroids)
    assign = np.argmax(sample.vectors @ centroids.T, axis=1)
    share = np.bincount(assign, weights=sample.weights, minlength=k)
    share = share / share.sum()
    ref_share = np.bincount(labels, minlength=k) / len(labels)
    eff, ref_eff = math.exp(entropy(share)), math.exp(entropy(ref_share))
    # relative spread on equal sample sizes: the first m of each in hash order
    ref_v = reference_vendi(res, m)
    d_v = vendi(sample.vectors[:m], sample.counts[:m])  # the sample is in hash order
    centre = [int(np.argmax(np.where(labels == c, ref @ centroids[c], -2.0))) for c in range(k)]
    top = sorted(range(k), key=lambda c: (-round(float(share[c]), 9), stable_key(texts[centre[c]])))
    return Coverage(k, eff, ref_eff, eff / ref_eff if ref_eff else 0.0,
                    d_v / ref_v if ref_v else 0.0, d_v, ref_v, m,
                    [(texts[centre[c]], float(share[c])) for c in top[:3] if share[c] > 0])


def _areas(ref: np.ndarray, k: int):
    import faiss

    x = np.ascontiguousarray(ref, dtype=np.float32)
    k = max(1, min(k, len(x)))
    km = faiss.Kmeans(x.shape[1], k, niter=25, seed=SEED, spherical=True,
                      min_points_per_centroid=1, max_points_per_centroid=10_000)
    km.train(x)
    labels = np.argmax(x @ km.centroids.T, axis=1)
    return km.centroids.astype(np.float64), labels
