from dataclasses import dataclass

from ...resources.texts import is_short_answer
from ...rule import DatasetRule

from ._clusters import cluster_finding, group_by


class DuplicatePrompt(DatasetRule):
    """The same prompt (after normalisation) in several records with different answers.

    ## What it does
    Groups records by their normalised prompt (the user turns; system prompts are ignored, a
    repeated system prompt is normal) and reports each prompt that appears in several records
    whose answers differ, with the number of records and of distinct answers.  Groups whose
    answers are all the same are duplicates (``exact-duplicate``, ``normalized-duplicate``);
    groups whose short answers disagree are ``conflicting-answers``.

    ## Why it hurts fine-tuning
    A prompt seen many times is over-weighted: the model is pushed towards that one request.
    Several long answers to one prompt are fine for open-ended requests ("write a poem"), but
    across a large share of the data they are a sign of a narrow, repetitive collection.

    ## Example
    "What is up?" as the first turn of 167 conversations.

    ## How to fix
    Keep the variants only where the prompt is truly open-ended; otherwise keep the best answer.

    ## Options
    ``min-records`` (int, default 2): report prompts repeated in at least this many records.
    """

    code = "D003"
    name = "duplicate-prompt"
    summary = "the same prompt in several records with different answers"
    severity = "info"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        min_records: int = 2

    def check_dataset(self, dataset):
        res = dataset.resources
        records = dataset.records
        prompts = res.normalized("prompt")
        answers = res.normalized("response")
        raw_answers = res.texts("response")
        for g in group_by(prompts, [not p for p in prompts]):
            if len(g) < self.options.min_records:
                continue
            distinct = {answers[i] for i in g}
            if len(distinct) < 2:
                continue
            if sum(is_short_answer(raw_answers[i]) for i in g) >= 2:
                short = {answers[i] for i in g if is_short_answer(raw_answers[i])}
                if len(short) >= 2:
                    continue  # conflicting-answers reports it
            yield cluster_finding(
                self, records, g, "prompt repeated",
                extra=f" ({len(distinct)} different answers)",
                data={"distinct_answers": len(distinct)})
