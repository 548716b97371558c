from ._common import EVAL_FIX, TrainingRule, format_of


class NoValidationSplit(TrainingRule):
    """A training run with no held-out validation data and no evaluation during training.

    ## What it does
    Looks in the training config for any sign of validation: an eval file or dataset
    (``validation_file``, axolotl ``test_datasets``, LLaMA-Factory ``eval_dataset``), a split
    held out of the training data (``val_set_size``, ``val_size``,
    ``validation_split_percentage`` above 0), an evaluation schedule (``eval_strategy`` other
    than ``no``) or early stopping (``early_stopping_patience``).  With none of them it reports
    the run, at the line that turns evaluation off (or the config file when the trainer's
    default does).  Skipped when the config says nothing about evaluation at all (a PEFT
    ``adapter_config.json`` alone).

    ## Why it hurts fine-tuning
    Without validation loss nobody sees the moment the model stops learning the task and starts
    memorising the training answers: the run goes to its last epoch and ships the overfit
    checkpoint.  The runbook's fixes for a fine-tune worse than its base start from a held-out
    validation split, with 1–3 epochs and the validation loss watched.

    ## Example
    An axolotl config with ``val_set_size: 0`` and no ``test_datasets``; an OpenAI job with a
    ``training_file`` and no ``validation_file``.

    ## How to fix
    Hold out 5–10% of the examples (``val_set_size: 0.05`` in axolotl, ``val_size: 0.05`` with
    ``eval_strategy: steps`` in LLaMA-Factory, an ``eval_dataset`` with ``eval_strategy: steps``
    in transformers/TRL, a ``validation_file`` for OpenAI), evaluate every few hundred steps,
    and keep the best checkpoint (``load_best_model_at_end``, early stopping).

    ## Options
    None.
    """

    code = "T004"
    name = "no-validation-split"
    summary = "no held-out validation data and no evaluation during training"
    severity = "warning"

    def check_setup(self, dataset, setup):
        files = setup.known("eval_files")
        split = setup.known("eval_split")
        strategy = setup.known("eval_strategy")
        stopping = setup.known("early_stopping")
        if ((files is not None and files.value) or (split is not None and split.value > 0)
                or (strategy is not None and strategy.value not in ("no", "none", ""))
                or (stopping is not None and stopping.value)):
            return
        stated = [s for s in (strategy, split) if s is not None]
        if not stated:
            yield self.skipped(f"the training config ({setup.describe()}) says nothing about "
                               "evaluation")
            return
        where = next((s for s in stated if s.default_of is None), stated[0])
        said = "; ".join(s.describe() for s in stated if s.key != "validation_file")
        fix = EVAL_FIX.get(format_of(setup, where) or "", "a held-out eval split")
        what = "no validation_file" if format_of(setup, where) == "openai" else \
            f"no eval dataset ({said})"
        yield self.at(where, f"{what}: nothing measures overfitting during training; hold out "
                             f"5-10% of the examples ({fix}) and watch the validation loss")
