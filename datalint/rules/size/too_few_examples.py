from dataclasses import dataclass

from ...report.judge import Condition, FindingDraft, Measurement
from ...rule import DatasetRule

#: Fine-tuning APIs refuse smaller training files (OpenAI's minimum is 10 examples).
API_MINIMUM = 10


class TooFewExamples(DatasetRule):
    """A dataset with fewer records than fine-tuning needs to show an effect.

    ## What it does
    Counts the records of the whole run (all files together) and reports the dataset when there
    are fewer than ``min-records``.  Below 10 records (``error-below``), and with no records at
    all, the finding is an error, which fails the default gate: fine-tuning services reject such
    files, and there is nothing to train on.  The count is also reported as a metric.

    ## Why it hurts fine-tuning
    With a handful of examples the model either barely changes or memorises them, and no
    held-out split is large enough to tell which.  OpenAI's supervised fine-tuning guide sets a
    minimum of 10 examples, reports improvements from fine-tuning on 50–100 examples (the right
    number depends heavily on the task) and recommends starting with about 50 well-crafted
    demonstrations and evaluating before adding more.  The default threshold of 100 is the top
    of that starting range: below it, a run is an experiment, not a product.

    ## Example
    A ``train.jsonl`` with 24 conversations.

    ## How to fix
    Write or collect more examples of the behaviour you want (varied, not paraphrases of the
    same few), or lower ``min-records`` if a small run is intended.

    ## Options
    ``min-records`` (int, default 100): the smallest number of records that does not get a
    finding.  ``error-below`` (int, default 10): fewer records than this are an error (0 records
    always are).
    """

    decides = ("there are fewer records than min-records")
    severe = ("there are no records at all")
    code = "S001"
    name = "too-few-examples"
    summary = "fewer records than fine-tuning needs"
    severity = "warning"

    @dataclass
    class Options:
        min_records: int = 100
        error_below: int = API_MINIMUM

    def check_dataset(self, dataset):
        n = dataset.count
        minimum = self.options.min_records
        if n == 0:
            found = FindingDraft("no records: there is nothing to fine-tune on", data={"records": 0})
        elif n < API_MINIMUM:
            found = FindingDraft(f"only {n} record{'s' if n != 1 else ''}: fine-tuning services "
                                 f"require at least {API_MINIMUM} (threshold: {minimum:,})",
                                 data={"records": n})
        else:
            found = FindingDraft(f"only {n:,} records, fewer than {minimum:,}: too few for "
                                 "fine-tuning to show a reliable effect", data={"records": n})
        # below error-below (default: the services' minimum), and with no records at all, the
        # judge makes the fail an error
        yield Measurement(n, minimum, "<", f"{n:,} records (threshold {minimum:,})",
                          {"files": len(dataset.sources)}, findings=[found]).severe_when(
            Condition("records", n, "<", 1))
