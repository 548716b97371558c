from dataclasses import dataclass

from ...resources.textstats import pct, snippet
from ...rule import DatasetRule
from .._metrics import Condition, Measurement, dataset_finding, example, not_measured

from . import _semantic as sem

#: Fewer distinct prompts than this are not judged.
MIN_PROMPTS = 20


def coverage(res, options=None) -> dict | None:
    """The narrow-task measurement of a dataset's prompts, a shared resource: built once and
    read by ``narrow-task`` and ``no-general-mix`` (T007), with narrow-task's options of this
    run (the user's ``[rules.narrow-task]``) unless ``options`` are given.  None when there
    are too few prompts to measure."""
    return res.measurement(NarrowTask, measure, options)


def measure(res, options) -> dict | None:
    """The narrow-task measurement with these options: the coverage, the sample, and
    ``conditions``, which all hold when the prompts are narrow (few areas *and* tightly
    packed)."""
    s = sem.role_sample(res, "prompt", options.sample, MIN_PROMPTS)
    if len(s.texts) < MIN_PROMPTS:
        return None
    cov = sem.reference_coverage(res, s, options.areas)
    conditions = (Condition("coverage", cov.share, "<", options.max_coverage),
                  Condition("relative spread", cov.relative_spread, "<",
                            options.max_relative_spread))
    return {"coverage": cov, "sample": s, "conditions": conditions}


def describe(cov: sem.Coverage) -> str:
    return (f"the prompts reach {cov.effective:.1f} of the {cov.reference_effective:.1f} "
            f"effective areas of general instructions ({pct(cov.share)}) and spread "
            f"{pct(cov.relative_spread)} as widely")


class NarrowTask(DatasetRule):
    """The whole dataset is one narrow task, with no general instruction data mixed in.

    ## What it does
    Compares the prompts (a hash sample of at most ``sample`` distinct prompts, weighted by
    how many records carry each; fast-tier embeddings) with a reference of general instruction
    prompts shipped with datalint (``datalint/data/general_prompts.txt``: 261 everyday
    requests written for datalint — writing, coding, maths, science, advice, cooking, travel,
    language, classification…):

    * **coverage**: the reference is split into ``areas`` areas (seeded k-means); every prompt
      goes to its nearest area; coverage is the effective number of areas the prompts occupy
      (``exp`` of the entropy of their shares) over the reference's own effective number;
    * **relative spread**: the prompts' Vendi score over the reference's, on samples of the same
      size (see ``low-semantic-diversity``).

    The dataset is narrow when coverage is below ``max-coverage`` **and** the relative spread is
    below ``max-relative-spread``: the prompts sit in a few areas and are tightly packed there.
    Both are relative (to the reference under the same model), so the defaults hold across
    embedding models.  The value is the coverage.  With a training config, ``no-general-mix``
    (T007) uses the same measurement to decide whether the data is narrow.

    Prompts and reference are embedded alike, by their first 16 words after a shared
    instruction opening (see ``low-semantic-diversity``): long prompts are not packed together
    by their length.

    Calibration (``../shared/corpora``, coverage / relative spread): Alpaca 5,000 0.86 / 0.77,
    LLaMA-Factory alpaca_en_demo 0.81 / 0.78, its DPO demo 0.72 / 0.73 (0.60 / 0.41 when long
    prompts were embedded whole), GPTeacher Toolformer 0.68–0.69 / 0.59–0.66 (not narrow);
    FastChat dummy conversations 0.31 / 0.36, CodeAlpaca 2k 0.29 / 0.40 (every prompt is a
    programming task, half of them in the one "implement a function" area) and the glaive
    tool-call demo 0.40 / 0.37 (requests for a few dozen tools) are narrow.  The LLaMA-Factory
    identity set has 16 English prompts (its Chinese ones are outside the default model): too
    few to judge.  On 12 public fine-tuning files, 3 of 3 findings were real defects (judged
    by reading each record).

    ## Why it hurts fine-tuning
    Training on one tight task and nothing else pulls every weight toward that task: the model
    gets better at it and forgets what it could do before — general instruction following,
    reasoning, safety behaviour (catastrophic forgetting).  It is worst with full fine-tuning
    and many epochs.

    ## Example
    ```
    {"prompt": "How do I reset my router password?", ...}
    {"prompt": "My router keeps dropping the connection, what should I do?", ...}
    ... 3,000 router support questions and nothing else
    ```

    ## How to fix
    Mix in general instruction data (a few thousand varied instruction–response pairs, often
    5–30% of the mix); train a LoRA adapter instead of full fine-tuning; train fewer epochs
    (1–3).  If the model will only ever see this task, say so with a suppression.

    ## Options
    ``max-coverage`` (float, default 0.45): coverage of the reference's areas below which the
    prompts count as few-area.  ``max-relative-spread`` (float, default 0.5): relative Vendi
    score below which they count as tightly packed.  ``areas`` (int, default 24): the areas the
    reference is split into.  ``sample`` (int, default 1000): the most distinct prompts
    measured.
    ``error-below`` (float, default none): a failing value below this is an error, which fails
    the default gate (``--fail-on error``); off by default.
    """

    decides = ("the coverage of general-instruction areas is below max-coverage and the "
               "relative spread is below max-relative-spread")
    code = "V006"
    name = "narrow-task"
    summary = "the prompts are one narrow task with no general instruction data mixed in"
    severity = "warning"
    requires = frozenset({"records", "embeddings"})

    @dataclass
    class Options:
        max_coverage: float = 0.45
        max_relative_spread: float = 0.5
        areas: int = 24
        sample: int = 1000
        error_below: float | None = None

    def check_dataset(self, dataset):
        records = dataset.records
        o = self.options
        found = coverage(dataset.resources, o)
        if found is None:
            yield not_measured(f"fewer than {MIN_PROMPTS} distinct prompts: too few to "
                               "judge whether the data is one narrow task")
            return
        cov, s = found["coverage"], found["sample"]
        cl = sem.clusters(s.vectors, s.weights, max(2, min(20, len(s.texts) // 5)), s.texts,
                          n_examples=1)
        ex = [s.records[e[0]] for e in cl.examples[:3] if e]
        details = {
            "coverage": round(cov.share, 3), "areas": cov.areas,
            "effective_areas": round(cov.effective, 2),
            "reference_effective_areas": round(cov.reference_effective, 2),
            "relative_spread": round(cov.relative_spread, 3), "vendi": round(cov.vendi, 2),
            "reference_vendi": round(cov.reference_vendi, 2), "compared_texts": cov.sample,
            "sampled_prompts": len(s.texts), "distinct_prompts": s.distinct,
            "nearest_general_areas": [{"area": snippet(t, 80), "share": round(x, 3)}
                                      for t, x in cov.top_areas],
            "examples": [example(records, r, dataset.resources.embed_texts("prompt")[r])
                         for r in ex]}
        area = cov.top_areas[0] if cov.top_areas else ("", 0.0)
        msg = (f"{describe(cov)} (narrow below {pct(o.max_coverage)} and "
               f"{pct(o.max_relative_spread)}); {pct(area[1])} are nearest the general area of "
               f"\"{snippet(area[0], 60)}\"")
        yield Measurement(cov.share, o.max_coverage, "<", msg, details, digits=3, findings=[
            dataset_finding(f"narrow task: {msg}. Mix in general instruction data, train a "
                            "LoRA adapter instead of full fine-tuning, and train 1–3 epochs",
                            records, ex, data=details)]).decided_by(found["conditions"])
