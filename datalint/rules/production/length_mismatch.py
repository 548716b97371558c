from dataclasses import dataclass

import numpy as np

from ...report.judge import Measurement
from ...resources.textstats import pct, share

from ._common import ProductionRule, example, prefix, quote

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)


def ks_statistic(a: np.ndarray, b: np.ndarray) -> tuple[float, float | None]:
    """(two-sample Kolmogorov–Smirnov statistic, its p-value when scipy is installed)."""
    try:
        from scipy.stats import ks_2samp
    except ImportError:  # the statistic alone, computed directly
        a, b = np.sort(a), np.sort(b)
        grid = np.concatenate([a, b])
        fa = np.searchsorted(a, grid, side="right") / len(a)
        fb = np.searchsorted(b, grid, side="right") / len(b)
        return float(np.max(np.abs(fa - fb))), None
    r = ks_2samp(a, b)
    return float(r.statistic), float(r.pvalue)


class LengthMismatch(ProductionRule):
    """Production inputs whose lengths the training prompts do not cover.

    ## What it does
    Compares the length in characters of the training prompts (every user turn of a record)
    with the production inputs: the two-sample Kolmogorov–Smirnov statistic (the largest gap
    between the two cumulative distributions: 0 for the same lengths, 1 for no overlap; via
    scipy when installed) is the value, and the quantiles are reported side by side, with the
    share of production inputs longer than the longest 1% of training prompts or shorter
    than the shortest 1%.  The rule fails at ``max-ks`` — an effect size, so the verdict
    does not drift towards *fail* as the sample grows the way a p-value would.  With
    ``--eval`` the eval prompts are compared with production the same way.

    ## Why it hurts fine-tuning
    A model trained on one-line instructions meets pasted documents, long multi-part tasks
    or two-word queries in production: it truncates, ignores half the request or answers a
    question nobody asked.

    ## Example
    Training prompts with a median of 60 characters; production inputs with a median of 320
    and a tenth over 1,500.

    ## How to fix
    Add training prompts of the lengths production has (long documents to summarise, terse
    queries), or split long production inputs before they reach the model.

    ## Options
    ``max-ks`` (float, default 0.3): the KS statistic at or above which the rule fails.
    ``examples`` (int, default 3): production inputs shown as examples.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("the KS statistic between the two length distributions is at least max-ks")
    code = "M004"
    name = "length-mismatch"
    summary = "production inputs whose lengths the training prompts do not cover"
    severity = "warning"

    @dataclass
    class Options:
        max_ks: float = 0.3
        examples: int = 3
        error_at: float | None = None

    def compare(self, ref, prod, res):
        o = self.options
        a = np.array([len(t.strip()) for t in ref.texts], dtype=np.float64)
        b = np.array([len(t.strip()) for t in prod.texts], dtype=np.float64)
        ks, p = ks_statistic(a, b)
        qa, qb = np.quantile(a, QUANTILES), np.quantile(b, QUANTILES)
        lo, hi = np.quantile(a, 0.01), np.quantile(a, 0.99)
        longer, shorter = np.flatnonzero(b > hi), np.flatnonzero(b < lo)
        side = longer if np.median(b) >= np.median(a) else shorter
        if len(side) == 0:
            side = longer if len(longer) else shorter
        order = sorted(side, key=lambda i: (-abs(np.log1p(b[i]) - np.log1p(np.median(a))),
                                            prod.texts[i]))[:o.examples]
        details = {"reference": ref.name, "ks": round(ks, 4),
                   "p_value": None if p is None else float(f"{p:.3g}"),
                   "quantiles": {f"p{int(q * 100)}": {ref.name: round(float(x)),
                                                      "production": round(float(y))}
                                 for q, x, y in zip(QUANTILES, qa, qb)},
                   "longer_than_reference_p99": round(share(len(longer), len(b)), 4),
                   "shorter_than_reference_p1": round(share(len(shorter), len(b)), 4),
                   "examples": [example(prod, i, chars=int(b[i])) for i in order]}
        msg = (f"{prefix(ref)}prompt lengths differ by KS {ks:.2f}: median {np.median(a):,.0f} "
               f"characters in {ref.name}, {np.median(b):,.0f} in production (p90 {qa[4]:,.0f} vs "
               f"{qb[4]:,.0f}); {pct(share(len(longer), len(b)))} of production inputs are "
               f"longer than 99% of {ref.name} prompts, {pct(share(len(shorter), len(b)))} "
               f"shorter than 99%")
        ex = " | ".join(f"{quote(prod.texts[i], 70)} ({int(b[i]):,} chars)" for i in order)
        yield Measurement(ks, o.max_ks, ">=", msg, details, digits=4, findings=[
            self.side_finding(f"{prefix(ref)}production input lengths are not covered by "
                              f"{ref.name}: {msg.removeprefix(prefix(ref))}; e.g. {ex}",
                              prod, order, details)])
