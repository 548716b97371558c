import math
from dataclasses import dataclass

import numpy as np

from ...report.judge import Measurement
from ...resources.textstats import pct, share, stable_sample

from ._common import (ProductionRule, cluster_labels, kmeans, nearest_to_centroid, ordered,
                      prefix, quote)

#: Most clusters the reference prompts are split into.
MAX_CLUSTERS = 30
#: A cluster is judged only when production would be expected to visit it this often.
MIN_EXPECTED = 5.0
#: One-sided binomial p-value below which "visited this rarely" is not chance.
P_VALUE = 0.001


def _binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    try:
        from scipy.stats import binom

        return float(binom.cdf(k, n, p))
    except ImportError:
        return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k + 1))


class OverrepresentedTopics(ProductionRule):
    """Training topics that production never visits.

    ## What it does
    Splits the training prompts into topics (seeded spherical k-means on their fast-tier
    embeddings, about √(n/2) clusters, at most 30; records in a fixed hash order so that
    record order does not matter), assigns every production input to its nearest topic, and
    compares: a topic holding a share *s* of training should receive about *s·n* of *n*
    production inputs.  A topic is *unvisited* when production sends it at most ``ratio``
    of that expectation and the shortfall is not chance (expected at least 5 inputs,
    one-sided binomial p < 0.001).  The value is the share of training prompts in unvisited
    topics; the rule fails above ``max-share``, naming the topics (top terms by class-based
    TF-IDF) with example prompts.  With ``--eval`` the eval prompts' topics are judged the
    same way (eval questions about what production never asks).

    ## Why it hurts fine-tuning
    Training capacity spent on topics nobody asks about dilutes the ones they do: the
    model's style and defaults are pulled towards the over-represented topics.

    ## Example
    A customer-support model whose training set is 35% recipe prompts inherited from a
    public instruction dataset, while no production input mentions food.

    ## How to fix
    Down-sample the unvisited topics (keep enough for general ability) and spend the budget
    on what production asks (``production-coverage`` lists it).

    ## Options
    ``ratio`` (float, default 0.2): the share of its expected visits below which a topic is
    unvisited.  ``max-share`` (float, default 0.2): the share of training prompts in unvisited
    topics above which the rule fails.  ``examples`` (int, default 3): example prompts per
    topic.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("the share of training prompts in topics production (nearly) never visits is above "
               "max-share")
    code = "M006"
    name = "overrepresented-topics"
    summary = "training topics that production never visits"
    severity = "info"
    requires = ProductionRule.requires | {"embeddings"}

    @dataclass
    class Options:
        ratio: float = 0.2
        max_share: float = 0.2
        examples: int = 3
        error_at: float | None = None

    def compare(self, ref, prod, res):
        o = self.options
        rv, pv = ref.vectors, prod.vectors
        order = [i for i in ordered(ref.texts) if rv.shape[1] and rv[i].any()]
        n_prod = int(sum(1 for i in range(len(prod)) if pv.shape[1] and pv[i].any()))
        k = max(2, min(MAX_CLUSTERS, int(round(math.sqrt(len(order) / 2)))))
        labels, cents = kmeans(rv[order], k)
        prod_ok = [i for i in range(len(prod)) if pv.shape[1] and pv[i].any()]
        visits = np.bincount(np.argmax(pv[prod_ok] @ cents.T, axis=1),
                             minlength=len(cents)) if prod_ok else np.zeros(len(cents), int)
        sizes = np.bincount(labels, minlength=len(cents))
        n_ref = len(order)
        unvisited = []
        for c in range(len(cents)):
            s = sizes[c] / n_ref if n_ref else 0.0
            expected = s * n_prod
            if expected < MIN_EXPECTED or visits[c] > o.ratio * expected:
                continue
            if _binom_cdf(int(visits[c]), n_prod, s) < P_VALUE:
                unvisited.append(c)
        groups = {c: [order[j] for j in np.flatnonzero(labels == c)] for c in unvisited}
        back = [ref.texts[i] for i in stable_sample(ref.texts, 2_000)] + list(prod.texts)
        names = cluster_labels([[ref.texts[i] for i in groups[c]] for c in unvisited], back)
        topics = []
        pos = {r: j for j, r in enumerate(order)}
        for c, name in zip(unvisited, names):
            ex = nearest_to_centroid(rv[order], [pos[r] for r in groups[c]], cents[c],
                                     [ref.texts[r] for r in order], o.examples)
            picked = [order[j] for j in ex]
            topics.append({"label": name, "size": int(sizes[c]),
                           "share": round(share(int(sizes[c]), n_ref), 4),
                           "expected_visits": round(float(sizes[c] / n_ref * n_prod), 1),
                           "visits": int(visits[c]),
                           "examples": [{"text": ref.texts[r][:160],
                                         "location": ref.where(r)} for r in picked],
                           "_rows": picked})
        topics.sort(key=lambda t: (-t["size"], t["label"]))
        rows = [t.pop("_rows") for t in topics]
        value = share(sum(t["size"] for t in topics), n_ref)
        desc = "; ".join(f"{t['label']} ({pct(t['share'])}, {t['visits']} of "
                         f"~{t['expected_visits']:g} expected visits)" for t in topics[:3])
        msg = (f"{prefix(ref)}{pct(value)} of {ref.name} prompts are in {len(topics)} of "
               f"{len(cents)} topics that production (nearly) never visits"
               + (f": {desc}" if desc else ""))
        details = {"reference": ref.name, "topics": len(cents), "unvisited": topics,
                   "unvisited_share": round(value, 4)}
        findings = []
        for t, picked in zip(topics[:5], rows):
            ex = " | ".join(quote(e["text"], 80) for e in t["examples"])
            findings.append(self.side_finding(
                f"{prefix(ref)}{ref.name} topic production never visits: \"{t['label']}\" "
                f"— {t['size']:,} prompts ({pct(t['share'])}), {t['visits']} production "
                f"inputs of ~{t['expected_visits']:g} expected; e.g. {ex}", ref, picked, t))
        yield Measurement(value, o.max_share, ">", msg, details, digits=4, findings=findings)
