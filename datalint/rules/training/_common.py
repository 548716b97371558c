"""What the training rules share: the skip when no training config is given, the epochs a run
makes, and format-specific spellings of a fix."""

from __future__ import annotations

from typing import Iterable

from ...report.judge import FindingDraft, Measurement
from ...report.model import Finding, Skipped
from ...rule import DatasetRule
from .configs import Setting, TrainingSetup

NO_CONFIG = "no training config given (--training-config FILE, or training-config in the config)"

#: How each format spells the fixes the rules suggest.
LORA_FIX = {"axolotl": "adapter: lora", "llama-factory": "finetuning_type: lora",
            "hf": "use_peft: true, or a LoraConfig"}
EVAL_FIX = {"axolotl": "val_set_size: 0.05", "llama-factory": "val_size: 0.05 and "
            "eval_strategy: steps", "hf": "an eval_dataset and eval_strategy: steps",
            "openai": "a validation_file"}


class TrainingRule(DatasetRule):
    """A dataset rule that judges the training setup against the data.

    Without a training config it reports itself *skipped* (never passed) and keeps nothing in
    memory: ``requires`` is cleared, so a run without a config pays nothing for it.
    """

    def setup(self) -> None:
        self.training: TrainingSetup | None = getattr(self.context, "training", None)
        if self.training is None:
            self.requires = frozenset()

    def check_dataset(self, dataset) -> Iterable[Finding | Measurement | Skipped]:
        if self.training is None:
            yield self.skipped(NO_CONFIG)
            return
        if dataset.count == 0:
            return  # nothing to train on: empty-file says so
        yield from self.check_setup(dataset, self.training)

    def check_setup(self, dataset, setup: TrainingSetup):
        raise NotImplementedError

    def skipped(self, reason: str) -> Skipped:
        return Skipped(self.code, self.name, reason)

    def at(self, setting: Setting, message: str, severity: str | None = None,
           related=None, data: dict | None = None) -> Finding:
        """A finding located at the line of the config that states (or omits) ``setting``."""
        return self.finding(None, message, location=setting.location(), severity=severity,
                            related=related, data=data)

    def draft_at(self, setting: Setting, message: str, severity: str | None = None,
                 related=None, data: dict | None = None) -> FindingDraft:
        """The same finding, as a Measurement reports it (made by the judge)."""
        return FindingDraft(message, list(related or []), data, setting.location(), severity)


def format_of(setup: TrainingSetup, setting: Setting) -> str | None:
    try:
        return setup.formats[setup.files.index(setting.path)]
    except ValueError:
        return None


def unknown(setup: TrainingSetup, name: str, what: str) -> str:
    """A skip reason: ``what`` is not stated (or is ``auto``) in the training config."""
    s = getattr(setup, name)
    if name == "epochs" and setup.known("max_steps") is not None:
        return (f"{setup.max_steps.describe()} overrides the epochs, and the config does not "
                "state the batch size to turn steps into epochs")
    if s is not None and s.value == "auto":
        return f"{s.key} is 'auto': the service chooses {what}"
    return f"the training config ({setup.describe()}) does not state {what}"


def epochs_of(setup: TrainingSetup, n_records: int) -> tuple[float, str, Setting] | None:
    """(epochs, how they are known, the setting to point at), or None when unknown.

    ``max_steps`` overrides the epochs (as in transformers and axolotl); it is turned into
    epochs with the batch size on one device, a lower bound (more devices, or packing several
    examples into one sequence, mean more passes over the data).
    """
    steps = setup.known("max_steps")
    if steps is not None:
        batch = setup.known("batch_size")
        if batch is None or not n_records:
            return None
        epochs = steps.value * batch.value / n_records
        return (epochs, f"{steps.describe()} with {batch.describe()} makes at least "
                        f"{epochs:.3g} epochs over {n_records:,} records", steps)
    ep = setup.known("epochs")
    if ep is None:
        return None
    return ep.value, ep.describe(), ep
