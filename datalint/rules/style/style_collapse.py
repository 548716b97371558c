import statistics
from collections import Counter
from dataclasses import dataclass

from ...resources.textstats import fold, pct, ranked, share, stable_order, words
from ...rule import DatasetRule
from .._metrics import Measurement, dataset_finding, example, not_measured

from ._profile import LABELS, informative, profile, spread

#: Fewer informative features than this: the voice is not judged.
MIN_FEATURES = 2


class StyleCollapse(DatasetRule):
    """Every answer is written in one voice: the style habits do not vary between answers.

    ## What it does
    Builds a stylometric profile of each distinct assistant turn — function-word frequencies,
    sentence breaks (sentence length), exclamation and question marks and lower-case sentence
    starts per sentence; commas, semicolons, colons, dashes, parentheses, quotes, ellipses,
    contractions, emoji, first- and second-person pronouns, capitalised and all-capital words,
    numbers and line breaks per word; list items and markdown per line — as counts with their
    exposure.  For each habit it estimates how much its rate varies *between answers beyond
    chance*: the relative spread κ = sqrt(max(0, φ − 1) / (L·p)), where φ is Pearson's
    dispersion index of the counts around the pooled rate p and L the effective answer length
    (a method-of-moments estimate of the between-answer coefficient of variation of the rate).
    One writer with fixed habits gives κ ≈ 0 (counts differ only by chance, or less for a
    formula); a mixture of writers, or of tasks and registers, gives κ of the order of how much
    their habits differ.

    A habit counts only if it is used enough (10 times, in 5 answers) and says something: either
    a mixture with κ = 0.5 would raise its dispersion by two standard errors (enough text per
    answer to see writers differ), or its dispersion is two standard errors away from chance
    (answers that differ, or a formula more regular than chance); the standard error of φ is
    sqrt((2 + 1/λ) / (n − 1)) for n answers with λ occurrences each.  The function words count
    as one habit (their median).  The value is the median κ over the habits that count, and
    the dataset is reported when it is below ``min-spread``: most habits are as constant as
    one writer's.  The report lists the most uniform habits, the most common opening word and
    closing line, and example answers.  With fewer than 2 habits that count, or fewer than
    ``min-answers`` distinct answers, the voice is not judged.

    Chance variation is removed, so the value does not depend on answer length, and noise only
    adds spread (it errs towards "varied").  It is computed on a fixed hash-chosen sample of
    ``sample`` distinct answers (the longest profiled on their first 4,000 characters); exact
    repeats count once (``canned-responses`` counts copies).

    Calibration.  Simulated writers (the generator of ``tests/test_style.py``, 8 seeded runs of
    300 answers each): one writer scores 0.00–0.14 whether the answers have 1–2 or 6–10
    sentences; 5 or 25 writers whose habits differ as people's do (sentences of 5–25 words,
    exclamation marks on 0–60% of sentences, …) score 0.21–0.44 on 1–2 sentence answers and
    0.39–0.56 on longer ones.  Real files, default settings: one-voice sets score 0.00 —
    FastChat's dummy conversations (28 distinct replies), LLaMA-Factory's identity set (87
    distinct answers) and the demo support set in ``fixtures/demo`` (one agent, "Sam");
    multi-source instruction sets score 1.1–2.0 — Alpaca 5,000: 1.98, LLaMA-Factory alpaca demo
    1.57, CodeAlpaca 2k 1.13, GPTeacher Toolformer (both releases) 1.41.  The default of 0.2
    lies between one writer and a mixture of similar writers.  A single writer who adapts to
    each task (lists for recipes, code for programs) is not flagged; answers of one short
    sentence each carry little evidence either way.

    ## Why it hurts fine-tuning
    The model learns the voice before the task: every answer comes out with the same rhythm,
    punctuation, pronouns and formulas, whatever the user asked and however the base model
    wrote, and the persona's tics (and errors) are amplified.

    ## Example
    A support dataset whose every answer opens with "Great question!", has two short sentences
    and closes with "Happy to help anytime! — Sam": exclamation marks, dashes, line breaks and
    sentence breaks are the same in every answer (spread 0.00).

    ## How to fix
    Collect answers from several writers, or rewrite a share of them in other registers; drop
    the persona's fixed formulas (see ``signature-phrases``); if one voice is the goal (a brand
    persona), ignore this rule for the dataset.

    ## Options
    ``min-spread`` (float, default 0.2): the median between-answer spread of the habits below
    which the dataset is reported.  ``sample`` (int, default 2000): the most distinct answers
    profiled.  ``min-answers`` (int, default 20): fewer distinct answers are not judged.
    ``error-below`` (float, default none): a failing value below this is an error, which fails
    the default gate (``--fail-on error``); off by default.
    """

    decides = ("the style spread over the answers' habits is below min-spread")
    code = "Y001"
    name = "style-collapse"
    summary = "every answer in one voice: style habits that do not vary between answers"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        min_spread: float = 0.2
        sample: int = 2000
        min_answers: int = 20
        error_below: float | None = None

    def check_dataset(self, dataset):
        records = dataset.records
        answers = dataset.resources.answers()
        by_text: dict[str, int] = {}  # each distinct text once; fold only the hash sample
        for j, (_, text) in enumerate(answers):
            by_text.setdefault(text, j)
        distinct = list(by_text)
        o = self.options
        first: dict[str, int] = {}
        for i in stable_order(distinct):
            if len(first) >= o.sample:
                break
            first.setdefault(fold(distinct[i]), by_text[distinct[i]])
        if len(first) < o.min_answers:
            yield not_measured(f"only {len(first)} distinct answers: too few to judge the "
                               f"voice (min-answers {o.min_answers})",
                               {"distinct_answers": len(first)})
            return
        picked = list(first.values())
        texts = [answers[j][1] for j in picked]
        profiles = [profile(t) for t in texts]

        measured: dict[str, dict] = {}
        fw = []
        for name in profiles[0]:
            counts = [p[name][0] for p in profiles]
            exposures = [p[name][1] for p in profiles]
            if not informative(counts, exposures):
                continue
            kappa, phi, rate = spread(counts, exposures)
            used = share(sum(1 for c in counts if c), len(counts))
            if name.startswith("fw:"):
                fw.append((kappa, phi, used))
            else:
                measured[name] = {"spread": kappa, "dispersion": phi, "rate": rate,
                                  "answers_using": used}
        if fw:
            measured["function-words"] = {
                "spread": statistics.median(k for k, _, _ in fw),
                "dispersion": statistics.median(p for _, p, _ in fw),
                "words": len(fw), "answers_using": max(u for _, _, u in fw)}
        if len(measured) < MIN_FEATURES:
            yield not_measured(f"only {len(measured)} style habits are used enough to "
                               "measure: too little text to judge the voice",
                               {"distinct_answers": len(distinct), "features": len(measured)})
            return
        value = statistics.median(m["spread"] for m in measured.values())
        uniform = sorted(measured, key=lambda k: (measured[k]["spread"],
                                                  measured[k]["dispersion"], k))
        features = {k: {kk: (round(v, 4) if isinstance(v, float) else v)
                        for kk, v in measured[k].items()} for k in uniform}

        openers = Counter(ws[0] for ws in (words(t[:200]) for t in texts) if ws)
        closers = Counter(fold(t.strip().splitlines()[-1])[:80] for t in texts)
        habits = {}
        for label, counter in (("opening_word", openers), ("closing_line", closers)):
            if counter:
                (top, count), = ranked(counter, 1)
                habits[label] = {"text": top, "share": round(share(count, len(texts)), 4)}

        sampled = (f" (a hash sample of {len(distinct):,} distinct texts)"
                   if len(texts) < len(distinct) else "")
        most = "; ".join(f"{LABELS[k]} (spread {measured[k]['spread']:.2f})" for k in uniform[:3])
        head = (f"style spread {value:.2f} (threshold {o.min_spread:g}) over {len(measured)} "
                f"habits of {len(texts):,} distinct answers{sampled}: ")
        tail = f"; most uniform: {most}"
        for label, h in habits.items():
            if h["share"] >= 0.5:
                what = "open with" if label == "opening_word" else "end with"
                tail += f"; {pct(h['share'])} {what} \"{h['text']}\""
        passed = head + "the answers' habits vary like several writers'" + tail
        msg = head + "the habits vary no more than one writer's would" + tail
        ex = picked[:3]
        details = {"spread": round(value, 4), "distinct_answers": len(distinct),
                   "sampled_answers": len(texts), "most_uniform": uniform[:5],
                   "features": features, "habits": habits,
                   "examples": [example(records, answers[j][0], answers[j][1]) for j in ex]}
        yield Measurement(value, o.min_spread, "<", passed, details, digits=4, fail_message=msg,
                          findings=[dataset_finding(f"one voice: {msg}", records,
                                                    [answers[j][0] for j in ex], data=details)])
