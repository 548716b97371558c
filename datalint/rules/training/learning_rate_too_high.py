from dataclasses import dataclass

from ...report.judge import Condition, Measurement
from .configs import ADAPTER_METHODS, FULL_WEIGHT_METHODS, number as rate

from ._common import TrainingRule, unknown

_METHOD_NAMES = {"lora": "LoRA", "qlora": "QLoRA", "adapter": "adapter training",
                 "full": "full fine-tuning", "freeze": "freeze (partial full-weight) tuning"}


class LearningRateTooHigh(TrainingRule):
    """A learning rate above the range that fine-tuning with this method tolerates.

    ## What it does
    Reads ``learning_rate`` and the method (LoRA, QLoRA, other adapters, full fine-tuning)
    from the training config and compares the rate with ``max-lora`` for adapters and with
    ``max-full`` for full fine-tuning (and LLaMA-Factory's ``freeze``, which trains whole
    layers).  When the config does not say whether an adapter is used (a bare
    ``TrainingArguments`` file), a rate above ``max-lora`` is still reported, and a rate between
    ``max-full`` and ``max-lora`` is an *info* finding: too high if this is full fine-tuning.
    Rates ``error-factor`` times the limit or more are errors.  A learning rate the config
    leaves out is the trainer's default (5e-5 for ``TrainingArguments``), and the message says
    so.

    OpenAI jobs give a ``learning_rate_multiplier`` of a base rate OpenAI does not publish, so
    it cannot be put on the scale above: datalint reports a multiplier above
    ``max-multiplier`` instead.  That default is a judgement, not a documented limit (OpenAI's
    guide only says a smaller multiplier can help against overfitting); ``auto`` is never
    reported.

    ## Why it hurts fine-tuning
    After bad data and too many epochs, a learning rate that is too high is the next cause of a
    fine-tune that ends worse than its base: large updates overwrite what the model knew
    (catastrophic forgetting) and make the loss spike or diverge.  The runbook's range is
    1e-4 to 1e-5 for LoRA and lower for full fine-tuning, where every weight moves.  (The
    QLoRA paper trained 7B–13B models at 2e-4; raise ``max-lora`` if you follow it and watch
    the validation loss.)

    ## Example
    ``learning_rate: 0.0002`` with ``finetuning_type: full`` (LLaMA-Factory): ten times the
    full fine-tuning limit, an error.  ``learning_rate: 5e-4`` with ``adapter: lora``: a
    warning.

    ## How to fix
    Use 1e-5 to 1e-4 for LoRA and about 1e-5 (at most 2e-5) for full fine-tuning, with warmup;
    lower it further if the validation loss rises early.

    ## Options
    ``max-lora`` (float, default 1e-4): the highest learning rate for LoRA, QLoRA and other
    adapters.  ``max-full`` (float, default 2e-5): the highest for full fine-tuning.
    ``max-multiplier`` (float, default 2.0): the highest OpenAI ``learning_rate_multiplier``.
    ``error-factor`` (float, default 10.0): a rate this many times the limit is an error.
    """

    decides = ("the learning rate is above the limit for the method (max-lora or "
               "max-full), or the multiplier is above max-multiplier")
    severe = ("the rate (or multiplier) is at least error-factor times its limit")
    code = "T002"
    name = "learning-rate-too-high"
    summary = "a learning rate above the range for LoRA (1e-4) or full fine-tuning (2e-5)"
    severity = "warning"

    @dataclass
    class Options:
        max_lora: float = 1e-4
        max_full: float = 2e-5
        max_multiplier: float = 2.0
        error_factor: float = 10.0

    def _severe(self, what: str, value: float, limit: float) -> Condition:
        """A fail is an error at ``error-factor`` times the limit."""
        return Condition(f"{what} against error-factor {self.options.error_factor:g} × the limit:",
                         value, ">=", limit * self.options.error_factor)

    def check_setup(self, dataset, setup):
        o = self.options
        mult = setup.known("lr_multiplier")
        lr = setup.known("learning_rate")
        if mult is not None:
            yield Measurement(mult.value, o.max_multiplier, ">",
                              f"learning rate multiplier {mult.value:g}", findings=[
                                  self.draft_at(mult, f"{mult.describe()} is above "
                                                f"{o.max_multiplier:g}: a multiplier this high "
                                                "makes the model overfit and forget; start "
                                                "from auto or a smaller value")]
                              ).severe_when(self._severe("learning rate multiplier", mult.value,
                                                         o.max_multiplier))
        if lr is None:
            if mult is None:
                yield self.skipped(unknown(setup, "learning_rate" if setup.learning_rate
                                           else "lr_multiplier", "the learning rate"))
            return
        method = setup.known("method")
        kind = method.value if method is not None else None
        if kind in ADAPTER_METHODS:
            limit, what = o.max_lora, _METHOD_NAMES[kind]
        elif kind in FULL_WEIGHT_METHODS:
            limit, what = o.max_full, _METHOD_NAMES[kind]
        else:
            limit, what = o.max_lora, None
        value = lr.value
        if what is None:
            range_, fix = "too high even for LoRA, the most tolerant method", "1e-5 to 1e-4"
        else:
            range_ = f"the top of the {what} range ({method.describe()})"
            fix = "1e-5 to 1e-4" if kind in ADAPTER_METHODS else "about 1e-5"
        m = Measurement(value, limit, ">", f"learning rate {rate(value)}"
                        + (f" for {what}" if what else ""), findings=[
                            self.draft_at(lr, f"{lr.describe()} is above {rate(limit)}, "
                                          f"{range_}: large updates overwrite what the base "
                                          f"model knew; use {fix}")]
                        ).severe_when(self._severe("learning rate", value, limit))
        if what is None and value > o.max_full:
            # within the LoRA limit (a pass) but above full fine-tuning's: a caveat
            m.notes.append(self.draft_at(
                lr, f"{lr.describe()} suits LoRA but is above {rate(o.max_full)}, too high for "
                    "full fine-tuning; the config does not say whether an adapter is used (pass "
                    "its adapter_config.json too)", severity="info"))
        yield m
