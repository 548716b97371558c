from dataclasses import dataclass

from ...rule import DatasetRule

from ._clusters import cluster_finding
from ._prompts import HOW, prompt_groups


class DuplicatePrompt(DatasetRule):
    """The same prompt (after normalisation) in several records with different answers.

    ## What it does
    Groups records by their prompt (the user turns; system prompts are ignored, a repeated
    system prompt is normal) — equal as written, once case and punctuation are folded, or as
    the same lines in another order, as ``conflicting-answers`` groups them — and reports
    each prompt that appears in several records whose answers differ, with the number of
    records and of distinct answers.  Groups whose
    answers are all the same are duplicates (``exact-duplicate``, ``normalized-duplicate``);
    groups whose answers contradict each other are ``conflicting-answers``.

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
        from .conflicting_answers import ConflictingAnswers, group_conflicts

        res = dataset.resources
        records = dataset.records
        answers = res.normalized("response")
        groups = prompt_groups(res)
        # conflicting-answers' measurement, with its options of this run: built once for both
        conflicts = res.measurement(ConflictingAnswers, group_conflicts)
        for g, how, clash in zip(groups.groups, groups.how, conflicts):
            if len(g) < self.options.min_records:
                continue
            distinct = {answers[i] for i in g}
            if len(distinct) < 2:
                continue
            if clash is not None:
                continue  # conflicting-answers reports it
            yield cluster_finding(
                self, records, g, "prompt repeated" + HOW[how],
                extra=f" ({len(distinct)} different answers)",
                data={"distinct_answers": len(distinct), "match": how})
