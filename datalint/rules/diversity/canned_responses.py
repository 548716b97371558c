from dataclasses import dataclass

from ...resources.textstats import MIN_SENTENCE_ANSWERS, fold, pct, ranked, share, snippet, \
    stable_key
from ...rule import DatasetRule
from .._metrics import Measurement, dataset_finding, example, not_measured

#: Fewer answers of sentence length than this are not judged.
MIN_ANSWERS = MIN_SENTENCE_ANSWERS


class CannedResponses(DatasetRule):
    """A few stock answers cover much of the dataset.

    ## What it does
    Folds every assistant turn (case and spacing) and counts how often each distinct answer is
    given.  An answer given to at least ``min-repeats`` different prompts is *canned*; the value
    is the share of answers that are copies of a canned answer.  It is reported with the number
    of distinct answers and the most common answers with their counts and an example record
    each.  Short answers (at most 3 words and 40 characters: labels, yes/no, numbers) are
    expected to repeat and are left out; when fewer than 10 answers of sentence length remain
    and short ones outnumber them, the set is label-only (a classification set) and the metric
    is not judged ("label-only answers: …").  ``low-lexical-diversity`` and
    ``low-semantic-diversity`` share this notion.  Every answer is counted (hashing, no
    sample).

    Calibration: FastChat's dummy conversations give 1,000 answers but only 28 distinct ones
    (27 of sentence length, all canned: 100%); Alpaca, CodeAlpaca, LLaMA-Factory's alpaca demo
    and GPTeacher "similarity 0.8" have no canned answer (0%), GPTeacher "dedupe only" 6% (a
    few tool answers repeated up to 13 times).  ``duplicate-response`` lists each repeated
    answer as a cluster; this metric says how much of the dataset they are.  On 12 public
    fine-tuning files, 1 of 1 finding was a real defect (judged by reading the records).

    ## Why it hurts fine-tuning
    A model trained on a handful of stock answers learns to give them whatever the question:
    it stops reading the prompt, and those answers crowd out the behaviour you wanted.

    ## Example
    6,480 support conversations whose answers are 27 distinct texts, the top three ("Thanks for
    reaching out! A specialist will contact you shortly.", …) given 1,900, 1,200 and 800 times.

    ## How to fix
    Keep one or a few examples of each stock answer, and write answers specific to each prompt
    for the rest; if the product really answers with fixed texts, let code choose them instead
    of fine-tuning the model to.

    ## Options
    ``max-share`` (float, default 0.25): the share of answers that are canned at or above which
    the dataset is reported.  ``min-repeats`` (int, default 3): an answer given to at least this
    many different prompts is canned.  ``top`` (int, default 10): how many answers are listed.
    ``error-at`` (float, default 0.5): a failing share at or above this — a majority of the
    answers are canned — is an error, which fails the default gate (``--fail-on error``).
    """

    decides = ("at least max-share of the answers are canned (given to at least "
               "min-repeats different prompts)")
    code = "V003"
    name = "canned-responses"
    summary = "a few distinct stock answers cover much of the dataset"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        max_share: float = 0.25
        min_repeats: int = 3
        top: int = 10
        error_at: float | None = 0.5

    def check_dataset(self, dataset):
        records = dataset.records
        kinds = dataset.resources.answer_kinds()
        answers = kinds.sentences
        groups: dict[str, list[int]] = {}
        for j, (_, text) in enumerate(answers):
            groups.setdefault(fold(text), []).append(j)
        n = len(answers)
        if n < MIN_ANSWERS:
            yield not_measured(kinds.describe(), kinds.to_dict())
            return
        prompts = dataset.resources.texts("prompt")
        canned: dict[str, int] = {}
        prompt_counts: dict[str, int] = {}
        for key, g in groups.items():
            if len(g) >= self.options.min_repeats:
                distinct = len({fold(prompts[answers[j][0]]) for j in g})
                if distinct >= self.options.min_repeats:
                    canned[key] = len(g)
                    prompt_counts[key] = distinct
        covered = sum(canned.values())
        value = share(covered, n)
        threshold = self.options.max_share
        top = []
        for key, count in ranked(canned, self.options.top):
            j = min(groups[key], key=lambda j: stable_key(answers[j][1]))
            rec, text = answers[j]
            top.append({"answers": count, "distinct_prompts": prompt_counts[key],
                        "share": round(share(count, n), 4), **example(records, rec, text)})
        if canned:
            msg = (f"{pct(value)} of {n:,} answers are copies of {len(canned):,} canned "
                   f"answer{'s' if len(canned) != 1 else ''} (threshold {pct(threshold)}); "
                   f"{len(groups):,} distinct answers in all; the most common given "
                   f"{top[0]['answers']:,} times: \"{snippet(top[0]['text'], 80)}\"")
        else:
            msg = (f"no canned answers: {len(groups):,} distinct among {n:,} answers (threshold "
                   f"{pct(threshold)})")
        details = {"canned_share": round(value, 4), "answers": n, "short_answers": kinds.short,
                   "distinct_answers": len(groups), "canned_answers": len(canned),
                   "top_answers": top}
        examples = [min(groups[k], key=lambda j: stable_key(answers[j][1]))
                    for k, _ in ranked(canned, self.options.top)]
        yield Measurement(value, threshold, ">=", msg, details, digits=4, findings=[
            dataset_finding(f"canned responses: {msg}", records,
                            [answers[j][0] for j in examples], data=details)])
