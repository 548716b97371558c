from dataclasses import dataclass

import numpy as np

from ...report.judge import Condition, Measurement
from ._common import DOMAIN_SAMPLE, ProductionRule, domain_classifier, example, prefix, quote

#: Standard errors above 0.5 an AUC must also be, so that a small sample never fails by noise.
MIN_Z = 3.0


class DistributionShift(ProductionRule):
    """Production inputs that a classifier tells apart from the training prompts.

    ## What it does
    A two-sample test on prompt embeddings (fast tier): a *domain classifier* —
    standardised logistic regression (C = 0.1) — learns to tell production inputs from
    training prompts on a balanced sample (at most 1,000 per side, chosen by hash so that
    record order does not matter), and is scored by its out-of-fold ROC AUC under seeded
    5-fold cross-validation.  An AUC of 0.5 means the two cannot be told apart; 1.0 that
    every input can be placed.  The value is the AUC; the effect size AUC − 0.5 is reported
    with its standard error and z-score.

    The rule fails when the AUC reaches ``max-auc`` *and* is at least 3 standard errors above
    0.5.  Judging by the effect size, not by a p-value, keeps the verdict meaningful at large
    n: with 100,000 inputs a trivial shift is "significant", but its AUC stays near 0.5.
    The inputs the classifier is surest are production's are shown as examples.  With
    ``--eval`` the eval prompts are compared with production the same way.

    ## Why it hurts fine-tuning
    Whatever separates the two — topics, task types, lengths, phrasing, languages — is what
    the model meets in production without having been trained for it; the other production
    rules say which it is.

    ## Example
    Training on Alpaca instructions against MT-Bench questions: AUC ≈ 0.85 — production has
    multi-part tasks, role-play and follow-up turns the training prompts rarely show.

    ## How to fix
    Look at ``production-coverage``, ``length-mismatch``, ``style-mismatch`` and
    ``language-mismatch`` for what differs; sample new training prompts from production logs
    (with good answers), then re-measure.

    ## Options
    ``max-auc`` (float, default 0.7): the cross-validated AUC at or above which the rule fails
    (0.5: indistinguishable; 0.7 is a commonly used bound for a "meaningful" separation).
    ``examples`` (int, default 3): production inputs shown as examples.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("the classifier's AUC is at least max-auc and at least 3 standard errors above "
               "0.5 (an AUC below 0.5 is no difference)")
    code = "M002"
    name = "distribution-shift"
    summary = "production inputs that a classifier tells apart from the training prompts"
    severity = "warning"
    requires = ProductionRule.requires | {"embeddings"}

    @dataclass
    class Options:
        max_auc: float = 0.7
        examples: int = 3
        error_at: float | None = None

    def compare(self, ref, prod, res):
        o = self.options
        dom = domain_classifier(res, ref, prod)
        auc, se, m = dom["auc"], dom["se"], dom["per_side"]
        z = (auc - 0.5) / se if se else 0.0
        scores = np.nan_to_num(dom["prod"], nan=-1.0)
        top = sorted(range(len(prod)), key=lambda i: (-scores[i], prod.texts[i]))[:o.examples]
        top = [i for i in top if scores[i] >= 0]
        details = {"reference": ref.name, "auc": round(auc, 4), "effect": round(auc - 0.5, 4),
                   "se": round(se, 4), "z": round(z, 2), "per_side": m,
                   "sample_cap": DOMAIN_SAMPLE,
                   "examples": [example(prod, i, p_production=round(float(scores[i]), 4))
                                for i in top]}
        msg = (f"{prefix(ref)}a classifier tells production inputs from {ref.name} prompts "
               f"with AUC {auc:.2f} (effect {auc - 0.5:+.2f} ± {se:.2f}, {m:,} per side; "
               f"0.5 = indistinguishable)")
        if auc < 0.5:  # not a difference the other way round: no difference at all
            msg += ("; below 0.5 is no sign of a difference: a classifier that cannot tell two "
                    "alike samples apart scores below chance under cross-validation, more so "
                    "on small samples")
        ex = " | ".join(quote(prod.texts[i], 90) for i in top)
        # a fail needs a difference both large (the AUC) and beyond the classifier's noise
        yield Measurement(auc, o.max_auc, ">=", msg, details, digits=4, findings=[
            self.side_finding(f"{prefix(ref)}production inputs differ from the {ref.name} "
                              f"prompts (AUC {auc:.2f}); the most production-like: {ex}",
                              prod, top, details)]).also(Condition("significance z", z, ">=", MIN_Z))
