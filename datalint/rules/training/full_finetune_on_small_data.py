from dataclasses import dataclass

from ._common import LORA_FIX, TrainingRule, format_of

_NOT_STATED = ("the training config does not say whether an adapter is used (pass the "
               "adapter_config.json too, or set use_peft)")


class FullFinetuneOnSmallData(TrainingRule):
    """Full fine-tuning (every weight trained, no adapter) on a small dataset.

    ## What it does
    Reads the method from the training config — axolotl without ``adapter``, LLaMA-Factory
    ``finetuning_type: full``, TRL ``use_peft: false`` — and reports full fine-tuning when the
    dataset has fewer than ``min-records`` records, at the line that chooses the method (or,
    for axolotl, the config file: leaving ``adapter`` out is what makes it full).  Adapters
    (LoRA, QLoRA, other PEFT methods) and LLaMA-Factory's ``freeze`` are left alone.  Skipped
    when the config does not say (a bare ``TrainingArguments`` file), for hosted services
    (OpenAI does not say how it trains), and when the config mixes several datasets (the run is
    then larger than the linted data).

    ## Why it hurts fine-tuning
    Full fine-tuning moves every weight of the model to fit the data.  With a few thousand
    examples that is far more freedom than the data can constrain: the model overfits and
    forgets general skills (catastrophic forgetting).  The runbook's first fix for a fine-tune
    that ends worse than its base is LoRA instead of full fine-tuning: a low-rank adapter
    changes far fewer parameters, learns the task as well on small data, and forgets less.

    ## Example
    An axolotl config with no ``adapter`` key for a 2,000-record support dataset.

    ## How to fix
    Train a LoRA adapter (``adapter: lora`` in axolotl, ``finetuning_type: lora`` in
    LLaMA-Factory, ``use_peft: true`` or a ``LoraConfig`` with TRL) at a learning rate of 1e-5
    to 1e-4; keep full fine-tuning for large, broad datasets.

    ## Options
    ``min-records`` (int, default 10000): the smallest dataset (records of the whole run) for
    which full fine-tuning is not reported.
    """

    code = "T003"
    name = "full-finetune-on-small-data"
    summary = "full fine-tuning (no adapter) on a dataset small enough for LoRA"
    severity = "warning"

    @dataclass
    class Options:
        min_records: int = 10000

    def check_setup(self, dataset, setup):
        method = setup.known("method")
        if method is None:
            yield self.skipped(_NOT_STATED)
            return
        if method.value == "hosted":
            yield self.skipped("a hosted fine-tuning service does not say whether it trains "
                               "every weight")
            return
        if method.value != "full":
            return
        mixed = setup.known("datasets")
        if mixed is not None and mixed.value > 1:
            yield self.skipped(f"the training config mixes {mixed.value} datasets "
                               f"({mixed.key}): the size of the run is not the size of the "
                               "linted data")
            return
        n, minimum = dataset.count, self.options.min_records
        if n >= minimum:
            return
        fix = LORA_FIX.get(format_of(setup, method) or "", "a LoRA adapter")
        yield self.at(method, f"full fine-tuning ({method.describe()}) on {n:,} records, fewer "
                              f"than {minimum:,}: every weight moves to fit a small dataset, "
                              f"which overfits and forgets; train LoRA instead ({fix})",
                      data={"records": n, "method": method.value})
