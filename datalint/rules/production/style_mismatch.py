import math
import re
from collections import Counter
from dataclasses import dataclass

from ...report.judge import Condition, Measurement
from ...resources.textstats import pct, stable_key, words

from ._common import ProductionRule, example, prefix, quote

#: Standard errors a difference in shares must also reach, so that small samples never fail
#: by noise.
MIN_Z = 3.0

_GREETING = re.compile(r"^\W*(hi|hello|hey|dear|good (morning|afternoon|evening))\b|"
                       r"\b(thanks|thank you|thx)\b", re.I)
_CODE = re.compile(r"```|^\s*(def |class |import |#include|function |SELECT |for \(|"
                   r"public |const |let |var )|[;{}]\s*$", re.M)
_BULLET = re.compile(r"^\s*([-*•]|\d+[.)])\s+\S", re.M)
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
_EARLIER = re.compile(r"\b(previous|above|earlier|again|you (said|wrote|mentioned)|"
                      r"your (last |previous )?(answer|response|reply))\b", re.I)
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|my|me)\b")

#: (feature name, test on one text).  Typos are added per comparison (they need a vocabulary).
FEATURES = (
    ("starts lower-case", lambda t: bool(t.lstrip()) and next(
        (c for c in t if c.isalpha()), "A").islower()),
    ("has a question mark", lambda t: "?" in t),
    ("no final punctuation", lambda t: bool(t.rstrip()) and t.rstrip()[-1] not in ".?!:;)\"'`]"),
    ("greeting or thanks", lambda t: bool(_GREETING.search(t))),
    ("says please", lambda t: "please" in t.casefold()),
    ("contains code", lambda t: bool(_CODE.search(t))),
    ("bullet or numbered list", lambda t: bool(_BULLET.search(t))),
    ("several lines", lambda t: "\n" in t.strip()),
    ("all-caps words", lambda t: bool(_SHOUT.search(t))),
    ("first person (I, my, me)", lambda t: bool(_FIRST_PERSON.search(t))),
    ("refers to an earlier turn", lambda t: bool(_EARLIER.search(t))),
)


def _h(p: float, q: float) -> float:
    """Cohen's h, the effect size of a difference between two proportions."""
    return 2 * math.asin(math.sqrt(p)) - 2 * math.asin(math.sqrt(q))


class StyleMismatch(ProductionRule):
    """How production users phrase things differently from the training prompts.

    ## What it does
    Measures, on every training prompt and production input, surface features of phrasing:
    starting lower-case, question marks, no final punctuation, greetings or thanks,
    "please", code, bullet or numbered lists, several lines, all-caps words, the first
    person, references to an earlier turn ("your previous answer"), and *unknown words* — a
    word of three or more letters that no other text of the reference side uses (counted
    leave-one-out for the reference, so a same-distribution sample scores the same): typos,
    slang, jargon.  For each feature it compares the share of texts having it and takes the
    effect size Cohen's h (2·asin√p − 2·asin√q: 0.2 small, 0.5 medium, 0.8 large).

    The value is the largest h; the rule fails at ``max-effect`` when that difference is
    also at least 3 standard errors (a two-proportion z-test), so small samples never fail
    by noise.  The features that differ most are reported with production examples.  With
    ``--eval`` the eval prompts are compared with production too.

    ## Why it hurts fine-tuning
    Models are sensitive to phrasing: trained on well-formed imperative instructions, they
    handle lower-case, unpunctuated, typo-ridden or chatty user messages — or follow-ups that
    refer to an earlier turn — worse than the eval suggests.

    ## Example
    Training prompts: "Summarize the following article." (0% lower-case, 2% with "?");
    production: "hey can u summarise this pls" (62% lower-case, 45% with "?").

    ## How to fix
    Add training prompts written the way users write (collect or rewrite from production
    logs: casual, lower-case, misspelt, multi-turn), keeping the answers' quality.

    ## Options
    ``max-effect`` (float, default 0.5): the Cohen's h at or above which the rule fails (a
    medium effect).  ``features`` (int, default 3): how many differing features are reported.
    ``examples`` (int, default 2): production examples per feature.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("one style feature differs by an effect of at least max-effect and the "
               "difference is significant (z ≥ 3)")
    code = "M005"
    name = "style-mismatch"
    summary = "how production users phrase things differently from the training prompts"
    severity = "warning"

    @dataclass
    class Options:
        max_effect: float = 0.5
        features: int = 3
        examples: int = 2
        error_at: float | None = None

    def compare(self, ref, prod, res):
        o = self.options
        ref_words = [set(w for w in words(t) if len(w) >= 3 and w.isalpha()) for t in ref.texts]
        df = Counter()
        for ws in ref_words:
            df.update(ws)
        unknown_ref = [any(df[w] <= 1 for w in ws) for ws in ref_words]
        unknown_prod = [any(df[w] == 0 for w in words(t) if len(w) >= 3 and w.isalpha())
                        for t in prod.texts]
        rows = []
        n1, n2 = len(ref), len(prod)
        tests = [(name, [fn(t) for t in ref.texts], [fn(t) for t in prod.texts])
                 for name, fn in FEATURES]
        tests.append(("unknown words (typos, slang)", unknown_ref, unknown_prod))
        for name, a, b in tests:
            p, q = sum(a) / n1, sum(b) / n2
            pooled = (sum(a) + sum(b)) / (n1 + n2)
            se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if 0 < pooled < 1 else 0
            z = abs(q - p) / se if se else 0.0
            rows.append({"feature": name, ref.name: round(p, 4), "production": round(q, 4),
                         "effect": round(_h(q, p), 4), "z": round(z, 2), "_has": b})
        rows.sort(key=lambda r: (-abs(r["effect"]), r["feature"]))
        top = rows[0]
        value = abs(top["effect"])
        # a fail needs one feature whose difference is both large and beyond the noise
        tests = [(Condition(f"{r['feature']}: effect", abs(r["effect"]), ">=", o.max_effect),
                  Condition("significance z", r["z"], ">=", MIN_Z)) for r in rows]
        shown = [r for r in rows[:o.features] if abs(r["effect"]) >= 0.2] or rows[:1]
        for r in shown:  # examples: production inputs that have (or lack) the feature
            want = r["effect"] > 0
            has = [i for i, x in enumerate(r["_has"]) if x == want]
            has.sort(key=lambda i: stable_key(prod.texts[i]))
            r["examples"] = [example(prod, i) for i in has[:o.examples]]
            r["_rows"] = has[:o.examples]
        for r in rows:
            r.pop("_has")
        desc = "; ".join(f"{r['feature']}: {pct(r[ref.name])} of {ref.name} vs "
                         f"{pct(r['production'])} of production (h {r['effect']:+.2f})"
                         for r in shown)
        details = {"reference": ref.name, "features": [
            {k: v for k, v in r.items() if not k.startswith("_")} for r in rows]}
        msg = f"{prefix(ref)}largest style difference {value:.2f} — {desc}"
        ex = " | ".join(quote(prod.texts[i], 70) for r in shown for i in r["_rows"][:1])
        yield Measurement(value, o.max_effect, ">=", msg, details, digits=4, findings=[
            self.side_finding(f"{prefix(ref)}production users phrase things differently "
                              f"— {desc}; e.g. {ex}", prod,
                              [i for r in shown for i in r["_rows"]], details)]).decided_by(*tests)
