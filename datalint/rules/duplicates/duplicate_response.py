from dataclasses import dataclass

from ...rule import DatasetRule

from ._clusters import cluster_finding, group_by


class DuplicateResponse(DatasetRule):
    """The same answer (after normalisation) given to several different prompts.

    ## What it does
    Groups records by their normalised response and reports each answer of at least
    ``min-words`` words that several records with *different* prompts share.  Short answers
    (labels, yes/no, numbers) are expected to repeat and are left alone.

    ## Why it hurts fine-tuning
    A canned answer reused across prompts teaches the model to produce it regardless of the
    question: the fine-tune answers everything with the same paragraph.

    ## Example
    "Thank you for contacting support! Your ticket has been escalated." as the answer to 40
    unrelated questions.

    ## How to fix
    Write answers specific to each prompt, or keep one example of the canned reply.

    ## Options
    ``min-words`` (int, default 6): shorter answers are not reported.
    ``min-records`` (int, default 2): report answers shared by at least this many prompts.
    """

    code = "D004"
    name = "duplicate-response"
    summary = "the same answer given to different prompts"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        min_words: int = 6
        min_records: int = 2

    def check_dataset(self, dataset):
        res = dataset.resources
        records = dataset.records
        prompts = res.normalized("prompt")
        answers = res.normalized("response")
        short = [len(a.split()) < self.options.min_words for a in answers]
        for g in group_by(answers, short):
            distinct_prompts = {prompts[i] for i in g}
            if len(distinct_prompts) < max(2, self.options.min_records):
                continue  # the same prompt too: a duplicate record, not a canned answer
            yield cluster_finding(
                self, records, g, "same answer to different prompts",
                extra=f" ({len(distinct_prompts)} distinct prompts)",
                data={"distinct_prompts": len(distinct_prompts)})
