from dataclasses import dataclass

from ._common import TrainingRule, epochs_of, unknown


class NoGeneralMix(TrainingRule):
    """Narrow data, full fine-tuning and many epochs together: the catastrophic-forgetting setup.

    ## What it does
    Reports a run that combines the three things that make a model forget what it knew: full
    fine-tuning (no adapter), more than ``max-epochs`` epochs, and *narrow* data with no general
    instruction data mixed in.  A config that trains on several datasets (an axolotl
    ``datasets`` list, LLaMA-Factory ``dataset`` names or a TRL ``dataset_mixer`` with several
    entries) counts as a mix and is left alone.  Otherwise "narrow" is measured as in
    ``narrow-task`` (V006): the prompts reach few areas of a general instruction reference and
    spread little (with V006's options; the embeddings are computed only when the
    method and the epochs already match).  With fewer than 20 distinct prompts, too few to
    measure, the run counts as narrow when it has fewer than ``min-records`` records.  Skipped
    when the config does not say the method or the epochs.

    ## Why it hurts fine-tuning
    Each of the three alone is survivable; together they are how a fine-tune ends worse than
    its base.  Many passes of full-weight updates over a few thousand examples of one task
    pull every parameter toward that task, and nothing in the data reminds the model of
    anything else: it answers everything in the style of the narrow data, and loses general
    instruction following, reasoning and safety behaviour.  The runbook's fixes: LoRA instead of
    full fine-tuning, 1–3 epochs, and general instruction data mixed into the training set.

    ## Example
    LLaMA-Factory ``finetuning_type: full`` and ``num_train_epochs: 8`` over one 1,500-record
    dataset of product answers.

    ## How to fix
    Mix general instruction data into the training set (a second dataset in the config), use
    LoRA, and train 1–3 epochs; any one of them breaks the pattern, all three are better.

    ## Options
    ``min-records`` (int, default 10000): a dataset with fewer records counts as narrow.
    ``max-epochs`` (float, default 3.0): more epochs than this count as many.
    """

    code = "T007"
    name = "no-general-mix"
    summary = "narrow data + full fine-tuning + many epochs: the forgetting setup"
    severity = "warning"
    # --- narrow-task (V006) measurement: begin ---
    requires = frozenset({"records", "embeddings"})
    # --- narrow-task (V006) measurement: end ---

    @dataclass
    class Options:
        min_records: int = 10000
        max_epochs: float = 3.0

    def narrow(self, dataset, setup) -> str | None:
        """Why the data is narrow (a phrase for the message), or None when it is not.

        A single-dataset run whose prompts ``narrow-task`` (V006) measures as narrow; when too
        few prompts to measure, a small single-dataset run.
        """
        mixed = setup.known("datasets")
        if mixed is not None and mixed.value > 1:
            return None
        # --- narrow-task (V006) measurement: begin ---
        if dataset.records is not None:
            from ...report.judge import fails
            from ..diversity.narrow_task import coverage, describe

            found = coverage(dataset.resources)
            if found is not None:
                if not fails([found["conditions"]]):
                    return None
                return (f"{dataset.count:,} records of one narrow task "
                        f"({describe(found['coverage'])})")
        # --- narrow-task (V006) measurement: end ---
        if dataset.count >= self.options.min_records:
            return None
        return f"{dataset.count:,} records of a single dataset"

    def check_setup(self, dataset, setup):
        method = setup.known("method")
        if method is None or method.value == "hosted":
            yield self.skipped("the training config does not say whether every weight is "
                               "trained")
            return
        found = epochs_of(setup, dataset.count)
        if found is None:
            yield self.skipped(unknown(setup, "epochs", "the number of epochs"))
            return
        epochs, how, _ = found
        if method.value != "full" or epochs <= self.options.max_epochs:
            return
        why = self.narrow(dataset, setup)
        if why is None:
            return
        yield self.at(method, f"full fine-tuning ({method.describe()}), {how}, on {why} with "
                              "no general data mixed in: the setup of catastrophic forgetting; "
                              "mix in general instruction data, use LoRA, or train 1–3 epochs",
                      data={"records": dataset.count, "epochs": epochs})
