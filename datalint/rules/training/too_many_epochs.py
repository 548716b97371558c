from collections import Counter
from dataclasses import dataclass

from ...report.judge import Condition, Measurement
from ._common import TrainingRule, epochs_of, unknown


class TooManyEpochs(TrainingRule):
    """More passes over each distinct example than fine-tuning needs.

    ## What it does
    Reads the number of epochs from the training config (``num_train_epochs``, ``num_epochs``,
    ``n_epochs``; a ``max_steps`` that overrides them is turned into epochs with the batch size
    on one device, a lower bound) and multiplies it by the dataset's duplication factor —
    records / distinct records, by a hash of each record's turns — to get the *exposures*: how
    many times training sees each distinct example on average.  Above ``max-epochs`` it is a
    finding, pointing at the line of the config; the exposures are also reported as a metric.
    The check is stricter on small data: with fewer than ``small-dataset`` distinct records
    the finding is an error.  When the config leaves the epochs out, the trainer's default is
    used (3 for ``TrainingArguments``, 1 for axolotl) and the message says so; ``n_epochs:
    auto`` (OpenAI) is not judged.

    ## Why it hurts fine-tuning
    Right after bad data, too many epochs is the most common reason a fine-tune ends worse than
    its base: the model memorises the training answers word for word, the validation loss
    turns up after the first epochs, and general skills are overwritten.  The fix the runbook
    gives is 1–3 epochs with the validation loss watched.  Duplicates multiply the problem: an
    example stored three times is trained on nine times in three epochs.  A small dataset is
    memorised fastest — there is little else to learn from it.

    ## Example
    ``num_epochs: 10`` in an axolotl config for 200 records: 10 exposures per example, an
    error.  ``num_train_epochs: 3`` over a file where every record appears twice: 6
    exposures, a warning.

    ## How to fix
    Train 1–3 epochs and keep the checkpoint with the lowest validation loss (early stopping);
    remove duplicates (``exact-duplicate``) rather than repeating examples; if the model has
    not learnt the task in 3 epochs, add varied examples instead of epochs.

    ## Options
    ``max-epochs`` (float, default 3.0): the most exposures per distinct example (epochs ×
    duplication factor) that do not get a finding.  ``small-dataset`` (int, default 1000):
    below this many distinct records the finding is an error rather than a warning.
    """

    decides = ("epochs × duplication (passes over each distinct example) is above max-epochs")
    severe = ("there are fewer distinct examples than small-dataset")
    code = "T001"
    name = "too-many-epochs"
    summary = "more epochs × duplication than the 1–3 passes fine-tuning needs"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        max_epochs: float = 3.0
        small_dataset: int = 1000

    def check_setup(self, dataset, setup):
        n = dataset.count
        found = epochs_of(setup, n)
        if found is None:
            yield self.skipped(unknown(setup, "epochs", "the number of epochs"))
            return
        epochs, how, where = found
        counts = Counter(dataset.resources.content_hashes())
        distinct = len(counts)
        dup = n / distinct
        exposures = epochs * dup
        limit = self.options.max_epochs
        msg = f"{how}: "
        if dup > 1.005:
            top = max(counts.values())
            msg += (f"each of the {distinct:,} distinct examples appears {dup:.2f} times on "
                    f"average (the most repeated {top:,} times), so training sees it "
                    f"{exposures:.3g} times, more than {limit:g}")
        else:
            msg += f"{exposures:.3g} passes over each of {distinct:,} examples, more than {limit:g}"
        small = distinct < self.options.small_dataset
        if small:
            msg += (f"; with fewer than {self.options.small_dataset:,} distinct examples the "
                    "model memorises them")
        msg += ": train 1–3 epochs and watch the validation loss"
        yield Measurement(exposures, limit, ">",
                          f"{epochs:g} epochs × duplication {dup:.2f} = {exposures:.3g} passes "
                          f"per distinct example",
                          {"epochs": epochs, "records": n, "distinct": distinct}, digits=3,
                          findings=[self.draft_at(
                              where, msg,
                              data={"epochs": epochs, "duplication": round(dup, 4),
                                    "exposures": round(exposures, 4), "distinct": distinct})]
                          ).severe_when(Condition("distinct examples", distinct, "<",
                                                  self.options.small_dataset))
