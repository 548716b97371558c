from dataclasses import dataclass

import numpy as np

from ...report.judge import Measurement
from ...resources.knn import knn
from ...resources.textstats import pct, share, stable_sample

from ._common import (NO_TOPIC, ProductionRule, cluster_labels, domain_classifier, example,
                      kmeans, nearest_to_centroid, ordered, prefix, quote)

#: Texts of the reference side used as the "rest" when labelling clusters.
BACKGROUND = 2_000


#: Neighbours at least this similar are near-copies: left out of a side's own spread (copies
#: inside training would make its typical distance look small; they are the duplicate rules'
#: business).
NEAR_COPY = 0.95


def own_scale(side, ratio: float) -> tuple[float, float]:
    """(median distance from each distinct text of the side to its nearest other text that is
    not a near-copy, share of them farther than ``ratio`` times it): the side's own spread,
    which the production inputs are compared with."""
    first: dict[str, int] = {}
    for i, t in enumerate(side.texts):
        first.setdefault(t, i)
    rows = [i for i in first.values() if side.vectors.shape[1] and side.vectors[i].any()]
    if len(rows) < 2:
        return 0.0, 0.0
    sims, _ = knn(side.vectors[rows], 10)
    ok = (sims < NEAR_COPY) & (sims > -1)
    has = ok.any(axis=1)
    if not has.any():
        return 0.0, 0.0
    nn = sims[has, ok[has].argmax(axis=1)]
    dist = 1.0 - nn
    scale = float(np.median(dist))
    return scale, float(np.mean(dist > ratio * scale))


class ProductionCoverage(ProductionRule):
    """Production inputs that no training prompt resembles, grouped into topics.

    ## What it does
    With ``--production FILE`` (a sample of real user inputs; repeatable, or
    ``production = [...]`` in the config), embeds every production input and finds its
    nearest training prompt (fast embedding tier, exact search).  An input is *uncovered*
    when that distance is more than ``ratio`` times the training prompts' own median
    nearest-neighbour distance (farther from training than training prompts usually are from
    each other; near-copies, similarity ≥ 0.95, are not counted as a prompt's neighbour), or
    when it lies where production is at least ``density-ratio`` times denser than training:
    a domain classifier (logistic regression on the embeddings, balanced sample,
    cross-validated; see ``distribution-shift``) gives it a probability of being a production
    input of at least ratio / (1 + ratio).  The second test matters for a broad
    training set: every input has *some* similar training prompt, yet whole kinds of input
    (follow-ups, role-play, long multi-part tasks) can be ten times rarer in training.

    The value is the share of uncovered inputs.  A sample from the training distribution
    itself has a few such inputs too (the tail of the training set's own distances, and
    classifier noise): the threshold is that *baseline* share — the same two tests applied to
    the training prompts, leave-one-out and out-of-fold — plus ``max-excess``.

    The uncovered inputs are grouped into topics (seeded spherical k-means on their
    embeddings, about √(n/2) clusters), each labelled by its top terms (class-based TF-IDF:
    frequent in the cluster, rare in the other clusters and in training) and shown with the
    inputs nearest its centre: what production asks that training never shows.  With
    ``--eval`` the eval prompts are compared with production the same way.

    Production inputs are read from user turns (every user turn of a multi-turn record), the
    ``turns``, ``prompt``, ``input`` or ``query`` field, a plain JSON string per line, or the
    column named by ``--production-field``.  Without a production sample the rule is
    reported as skipped, not passed.

    ## Why it hurts fine-tuning
    A fine-tuned model is good at what it was trained on.  Production inputs from topics,
    tasks or phrasings the training set never shows get the base model's behaviour at best,
    and the fine-tuning's style applied to the wrong content at worst — while an eval drawn
    from the training distribution reports the model ready.

    ## Example
    Training on Alpaca-style single-turn instructions, serving a chat product: 40% of
    production inputs are follow-ups ("Rewrite your previous response…", "Now make it
    shorter") and role-play requests, topics no training prompt comes near.

    ## How to fix
    Add training examples for the uncovered clusters (write or collect them from the
    production topics, with good answers), or route those inputs elsewhere; then re-measure.

    ## Options
    ``ratio`` (float, default 1.6): how far, in units of the training prompts' median
    nearest-neighbour distance, an input must be from every training prompt to be uncovered.
    ``density-ratio`` (float, default 9): how many times denser in production than in
    training a region must be for its inputs to count as uncovered (0: distance test only).
    ``max-excess`` (float, default 0.1): the uncovered share above the training set's own
    (baseline) share at which the rule fails.  ``clusters`` (int, default 5): how many
    uncovered clusters are reported.  ``examples`` (int, default 3): examples per cluster.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("the share of production inputs the training prompts do not cover is above its "
               "baseline (what a sample like training would score) plus max-excess")
    code = "M001"
    name = "production-coverage"
    summary = "production inputs that no training prompt resembles, grouped into topics"
    severity = "warning"
    requires = ProductionRule.requires | {"embeddings"}

    @dataclass
    class Options:
        ratio: float = 1.6
        density_ratio: float = 9.0
        max_excess: float = 0.1
        clusters: int = 5
        examples: int = 3
        error_at: float | None = None

    def compare(self, ref, prod, res):
        o = self.options
        scale, baseline = own_scale(ref, o.ratio)
        pv = prod.vectors
        rv = ref.vectors
        ok = np.flatnonzero(np.linalg.norm(pv, axis=1) > 0) if pv.shape[1] else np.zeros(0, int)
        sims, idx = knn(rv, 1, queries=pv[ok]) if len(ok) else (np.zeros((0, 1)), None)
        dist = np.ones(len(prod), dtype=np.float32)
        nearest = np.full(len(prod), -1, dtype=np.int64)
        if len(ok):
            dist[ok] = 1.0 - sims[:, 0]
            nearest[ok] = idx[:, 0]
        limit = o.ratio * scale
        far = dist > limit
        dense = np.zeros(len(prod), dtype=bool)
        cut = o.density_ratio / (1 + o.density_ratio) if o.density_ratio > 0 else None
        dom = domain_classifier(res, ref, prod) if cut is not None else None
        if dom is not None and len(dom["ref"]):
            dense = np.nan_to_num(dom["prod"], nan=0.0) >= cut
            # the classifier's own noise: the reference prompts' out-of-fold scores
            baseline = 1.0 - (1.0 - baseline) * (1.0 - float(np.mean(dom["ref"] >= cut)))
        unc = np.flatnonzero(far | dense)
        n, m = len(prod), len(unc)
        value = share(m, n)
        threshold = round(min(1.0, baseline + o.max_excess), 4)
        clusters = self._clusters(ref, prod, unc, nearest, dist) if m else []
        rows = [c.pop("_rows") for c in clusters]
        details = {"reference": ref.name, "production_inputs": n, "uncovered": m,
                   "far_from_training": int(far.sum()), "denser_in_production": int(dense.sum()),
                   "uncovered_share": round(value, 4), "baseline_share": round(baseline, 4),
                   "median_nn_distance": round(scale, 4), "distance_limit": round(limit, 4),
                   "median_distance_to_training": round(float(np.median(dist)), 4),
                   "clusters": clusters}
        top = "; ".join(f"{c['size']:,} input{'s' if c['size'] != 1 else ''} on no one topic (no "
                        "word recurs among them)" if c["label"] == NO_TOPIC else
                        f"{c['label']} ({c['size']})" for c in clusters[:3])
        msg = (f"{prefix(ref)}{pct(value)} of {n:,} production inputs ({m:,}) are not covered "
               f"by the {ref.name} prompts ({int(far.sum()):,} farther than {o.ratio:g}× their "
               f"median neighbour distance, {int(dense.sum()):,} where production is "
               f"≥{o.density_ratio:g}× denser; baseline {pct(baseline)})"
               + (f"; uncovered topics: {top}" if top else ""))
        findings = []
        for c, picked in list(zip(clusters, rows))[:o.clusters]:
            ex = " | ".join(quote(e["text"], 90) for e in c["examples"])
            findings.append(self.side_finding(
                f"{prefix(ref)}production asks what {ref.name} never shows: "
                f"\"{c['label']}\" — {c['size']:,} uncovered inputs ({pct(c['share'])} of "
                f"production), e.g. {ex}", prod, picked, data=c))
        yield Measurement(value, threshold, ">", msg, details, digits=4, findings=findings)

    def _clusters(self, ref, prod, unc, nearest, dist):
        o = self.options
        texts = [prod.texts[i] for i in unc]
        order = [int(unc[j]) for j in ordered(texts)]
        vecs = prod.vectors[order]
        k = int(round(np.sqrt(len(order) / 2))) if len(order) >= 4 else 1
        labels, cents = kmeans(vecs, max(1, min(k, 12)))
        groups = [[order[j] for j in np.flatnonzero(labels == c)] for c in range(len(cents))]
        keep = [c for c in range(len(groups)) if groups[c]]
        covered = sorted(set(range(len(prod))) - set(order))
        back = [ref.texts[i] for i in stable_sample(ref.texts, BACKGROUND)] + \
            [prod.texts[i] for i in covered]
        names = cluster_labels([[prod.texts[i] for i in groups[c]] for c in keep], back)
        out = []
        for c, name in zip(keep, names):
            rows = groups[c]
            pos = {r: j for j, r in enumerate(order)}
            ex = nearest_to_centroid(vecs, [pos[r] for r in rows], cents[c],
                                     [prod.texts[r] for r in order], o.examples)
            picked = [order[j] for j in ex]
            out.append({
                "label": name, "size": len(rows), "share": round(share(len(rows), len(prod)), 4),
                "examples": [example(prod, r, nearest_training=ref.texts[nearest[r]][:160]
                                     if nearest[r] >= 0 else None,
                                     distance=round(float(dist[r]), 4)) for r in picked],
                "_rows": picked})
        out.sort(key=lambda c: (-c["size"], c["label"]))
        return out
