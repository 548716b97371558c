from collections import Counter
from dataclasses import dataclass

from ...report.judge import Measurement, not_measured
from ...resources.textstats import pct, ranked, share, stable_sample

from ._common import ProductionRule, example, prefix, quote

#: Texts per side whose language is detected (langdetect does ~190 texts/s).
SAMPLE = 500
#: Texts with fewer letters than this are not classified (too short to tell).
MIN_LETTERS = 20
#: Characters of a text looked at: enough to tell its language, and detection time grows
#: with length (a pasted document would cost seconds).
MAX_CHARS = 300


def languages(res, side) -> dict[int, str]:
    """Language code of each text of a hash-chosen sample of the side (memoised)."""
    def build() -> dict[int, str]:
        try:
            from langdetect import DetectorFactory, detect
            from langdetect.lang_detect_exception import LangDetectException
        except ImportError:
            raise RuntimeError("language-mismatch needs langdetect: pip install langdetect") \
                from None
        DetectorFactory.seed = 0
        out: dict[int, str] = {}
        for i in stable_sample(side.texts, SAMPLE):
            t = side.texts[i]
            if sum(ch.isalpha() for ch in t) < MIN_LETTERS:
                continue
            try:
                out[i] = detect(t[:MAX_CHARS])
            except LangDetectException:
                continue  # no letters it can use
        return out
    return res._get(("languages", side.name), build)


class LanguageMismatch(ProductionRule):
    """Languages that production inputs use and the training prompts do not.

    ## What it does
    Detects the language of a fixed sample of up to 500 texts per side (chosen by hash, so
    the same texts every run whatever the record order; ``langdetect``, seeded; texts with
    fewer than 20 letters are left out: too short to tell; the first 300 characters of a text
    are looked at) and compares the distributions.
    A language is *lacking* in training when it is below ``rare`` of the training sample
    while production has it in at least 2 inputs.  The value is the share of production
    inputs in lacking languages; the rule fails above ``max-share`` and names the languages
    with examples.  With ``--eval`` the eval prompts are compared with production too.

    ## Why it hurts fine-tuning
    Fine-tuning in one language shifts the model towards it: production users writing in
    another get answers in the wrong language, or the base model's weaker behaviour.

    ## Example
    English-only training prompts; 18% of production inputs are German and 7% Spanish.

    ## How to fix
    Add training examples in the production languages (translated or collected), or detect
    the language upstream and route the inputs.

    ## Options
    ``rare`` (float, default 0.01): the training share below which a language counts as
    lacking.  ``max-share`` (float, default 0.05): the share of production inputs in lacking
    languages above which the rule fails.  ``examples`` (int, default 3): examples shown.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    code = "M003"
    name = "language-mismatch"
    summary = "languages that production inputs use and the training prompts do not"
    severity = "warning"

    @dataclass
    class Options:
        rare: float = 0.01
        max_share: float = 0.05
        examples: int = 3
        error_at: float | None = None

    def compare(self, ref, prod, res):
        o = self.options
        rl, pl = languages(res, ref), languages(res, prod)
        rc, pc = Counter(rl.values()), Counter(pl.values())
        nr, np_ = len(rl), len(pl)
        if nr == 0 or np_ == 0:
            yield not_measured(f"{prefix(ref)}no text long enough to detect its language",
                               {"reference": ref.name})
            return
        lacking = {lang: c for lang, c in pc.items()
                   if c >= 2 and share(rc.get(lang, 0), nr) < o.rare}
        value = share(sum(lacking.values()), np_)
        top = ranked(lacking)
        rows = sorted((i for i, lang in pl.items() if lang in lacking),
                      key=lambda i: (-lacking[pl[i]], pl[i], prod.texts[i]))
        picked, seen = [], Counter()
        for i in rows:  # examples spread over the lacking languages
            if seen[pl[i]] < max(1, o.examples // max(len(lacking), 1)):
                seen[pl[i]] += 1
                picked.append(i)
        picked = (picked + [i for i in rows if i not in picked])[:o.examples]
        details = {"reference": ref.name, "sampled": {ref.name: nr, "production": np_},
                   ref.name: {k: round(share(c, nr), 4) for k, c in ranked(rc)},
                   "production": {k: round(share(c, np_), 4) for k, c in ranked(pc)},
                   "lacking": {k: round(share(c, np_), 4) for k, c in top},
                   "examples": [example(prod, i, language=pl[i]) for i in picked]}
        main = ", ".join(f"{k} {pct(share(c, nr))}" for k, c in ranked(rc, 3))
        pmain = ", ".join(f"{k} {pct(share(c, np_))}" for k, c in ranked(pc, 3))
        names = ", ".join(f"{k} ({pct(share(c, np_))})" for k, c in top[:5]) or "none"
        msg = (f"{prefix(ref)}{pct(value)} of sampled production inputs are in languages "
               f"{ref.name} lacks: {names}; {ref.name}: {main}; production: {pmain}")
        ex = " | ".join(f"[{pl[i]}] {quote(prod.texts[i], 70)}" for i in picked)
        yield Measurement(value, o.max_share, ">", msg, details, digits=4, findings=[
            self.side_finding(f"{prefix(ref)}production speaks languages {ref.name} "
                              f"lacks: {names}; e.g. {ex}", prod, picked, details)])
