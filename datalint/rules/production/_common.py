"""Shared by the production rules: the sides being compared, clusters and their labels.

Every production rule compares the training prompts with the production inputs and, when an
eval set is given (``--eval``), the eval prompts with the production inputs too: an eval that
does not look like production declares a model ready that is not.  Each comparison yields its
own metric (``details["reference"]`` says which); without a production sample the rule is
reported as *skipped*.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from ...io.record import Location
from ...report.judge import FindingDraft, not_measured
from ...report.model import Skipped
from ...resources.production import Side, eval_side, production_side, training_side
from ...resources.textstats import snippet, stable_order, words
from ...rule import DatasetRule

NO_SAMPLE = "no production sample: pass --production FILE (or production = [...] in the config)"
#: Fewer texts than this on either side are not judged.
MIN_TEXTS = 10


class ProductionRule(DatasetRule):
    """A rule comparing a reference side (training, then eval) with the production inputs."""

    requires = frozenset({"records", "production", "eval"})

    def check_dataset(self, dataset):
        res = dataset.resources
        prod = production_side(res)
        if prod is None:
            yield Skipped(self.code, self.name, NO_SAMPLE)
            return
        refs = [training_side(res)]
        ev = eval_side(res)
        if ev is not None:
            refs.append(ev)
        for ref in refs:
            if len(ref) < MIN_TEXTS or len(prod) < MIN_TEXTS:
                yield not_measured(f"{prefix(ref)}{len(ref)} {ref.name} prompts and "
                                   f"{len(prod)} production inputs: too few to compare",
                                   {"reference": ref.name, "reference_texts": len(ref),
                                    "production_inputs": len(prod)})
                continue
            yield from self.compare(ref, prod, res)

    def compare(self, ref: Side, prod: Side, res) -> Iterable:
        """The measurements (:class:`~datalint.report.judge.Measurement`) of one comparison."""
        raise NotImplementedError

    def side_finding(self, message: str, side: Side, rows: Sequence[int],
                     data: dict | None) -> FindingDraft:
        """A finding about the comparison, with rows of ``side`` as related locations."""
        related: list[Location] = []
        seen = set()
        for i in rows:
            loc = side.location(i)
            key = (loc.path, loc.index)
            if key not in seen:
                seen.add(key)
                related.append(loc)
        return FindingDraft(message, related, data)


def prefix(ref: Side) -> str:
    """Messages about the eval-vs-production comparison say so."""
    return "" if ref.name == "training" else f"{ref.name} vs production: "


def quote(text: str, width: int = 80) -> str:
    return '"' + snippet(text, width) + '"'


def example(side: Side, i: int, width: int = 160, **extra) -> dict:
    return {"text": snippet(side.texts[i], width), "location": side.where(i), **extra}


def ordered(texts: Sequence[str]) -> list[int]:
    """Indices in a fixed order that ignores input order (so that seeded clustering gives the
    same clusters for shuffled records)."""
    return stable_order(list(texts))


def kmeans(vectors: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(labels, unit centroids) of spherical k-means (faiss, seeded) on unit vectors."""
    n = len(vectors)
    k = max(1, min(k, n))
    if k == 1:
        c = vectors.mean(axis=0, keepdims=True)
    else:
        import faiss

        km = faiss.Kmeans(vectors.shape[1], k, niter=25, seed=seed, spherical=True,
                          min_points_per_centroid=1, max_points_per_centroid=100_000)
        km.train(np.ascontiguousarray(vectors, dtype=np.float32))
        c = km.centroids
    c = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)
    labels = np.argmax(vectors @ c.T, axis=1)
    return labels, c.astype(np.float32)


def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


#: The label of a group whose texts share no term: they are near each other, but about no one
#: topic that words can name.
NO_TOPIC = "no one topic (no word recurs among these texts)"


def cluster_labels(groups: Sequence[Sequence[str]], background: Sequence[str],
                   n_terms: int = 4) -> list[str]:
    """A short label for each group of texts: its top terms by class-based TF-IDF (c-TF-IDF),
    the groups and the ``background`` (the rest) being the classes.  A term scores high when
    it is frequent in the group and rare in the other classes; :data:`NO_TOPIC` when no term
    recurs in the group."""
    stop = _stopwords()

    def terms(texts):  # document counts: a word counts once per text
        c = Counter()
        for t in texts:
            c.update({w for w in words(t) if w not in stop and len(w) > 2 and not w.isdigit()})
        return c
    counts = [terms(g) for g in groups]
    back = terms(background)
    classes = counts + [back]
    total = Counter()
    for c in classes:
        total.update(c)
    avg = sum(sum(c.values()) for c in classes) / max(len(classes), 1)
    out = []
    for g, c in zip(groups, counts):
        size = sum(c.values()) or 1
        need = 2 if len(g) >= 3 else 1
        scored = [((cnt / size) * math.log(1 + avg / total[w]), w) for w, cnt in c.items()
                  if cnt >= need]
        scored.sort(key=lambda x: (-x[0], x[1]))
        out.append(", ".join(w for _, w in scored[:n_terms]) or NO_TOPIC)
    return out


def nearest_to_centroid(vectors: np.ndarray, rows: Sequence[int], centroid: np.ndarray,
                        texts: Sequence[str], n: int) -> list[int]:
    """The ``n`` rows closest to the centroid, distinct texts only."""
    sims = vectors[list(rows)] @ centroid
    order = sorted(range(len(rows)), key=lambda j: (-float(sims[j]), texts[rows[j]]))
    picked, seen = [], set()
    for j in order:
        t = " ".join(texts[rows[j]].split()).casefold()
        if t not in seen:
            seen.add(t)
            picked.append(rows[j])
        if len(picked) == n:
            break
    return picked


#: Texts per side in the domain classifier's balanced sample.
DOMAIN_SAMPLE = 1_000
#: Folds of the domain classifier's cross-validation.
FOLDS = 5


def domain_classifier(res, ref: Side, prod: Side) -> dict:
    """A classifier that tells production inputs from reference prompts by their embeddings
    (fast tier; standardised, L2-regularised logistic regression, C = 0.1), trained on a
    balanced sample of at most 1,000 texts per side chosen by hash (independent of record
    order) and judged by 5-fold cross-validation (seeded).

    Returns ``auc`` (out-of-fold ROC AUC: 0.5 when the sides cannot be told apart),
    ``se`` (its standard error under no difference, (n1+n2+1)/(12 n1 n2) square-rooted),
    ``per_side``, ``prod`` (the probability of *production* for every production input:
    out-of-fold for the sampled ones, from the model fitted on the whole sample for the rest;
    NaN for an empty input) and ``ref`` (out-of-fold probabilities of the sampled reference
    prompts — what a production sample like the reference would score).  Shared by the rules
    that use it (memoised per reference side)."""
    def build() -> dict:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import StratifiedKFold, cross_val_predict
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        rv, pv = ref.vectors, prod.vectors
        r_ok = [i for i in ordered(ref.texts) if rv.shape[1] and rv[i].any()]
        p_ok = [i for i in ordered(prod.texts) if pv.shape[1] and pv[i].any()]
        m = min(len(r_ok), len(p_ok), DOMAIN_SAMPLE)
        scores = np.full(len(prod), np.nan)
        if m < FOLDS * 2:
            return {"auc": 0.5, "se": 0.0, "per_side": m, "prod": scores,
                    "ref": np.zeros(0)}
        ri, pi = r_ok[:m], p_ok[:m]
        x = np.vstack([rv[ri], pv[pi]]).astype(np.float64)
        y = np.r_[np.zeros(m), np.ones(m)]

        def model():
            return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        oof = cross_val_predict(model(), x, y, method="predict_proba",
                                cv=StratifiedKFold(FOLDS, shuffle=True, random_state=0))[:, 1]
        scores[pi] = oof[m:]
        rest = p_ok[m:]
        if rest:
            scores[rest] = model().fit(x, y).predict_proba(pv[rest])[:, 1]
        auc = float(roc_auc_score(y, oof))
        se = math.sqrt((2 * m + 1) / (12 * m * m))
        return {"auc": auc, "se": se, "per_side": m, "prod": scores, "ref": oof[:m]}
    return res._get(("domain", ref.name), build)
