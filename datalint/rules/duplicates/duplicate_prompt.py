from dataclasses import dataclass

from ...rule import DatasetRule

from ._clusters import cluster_finding
from ._prompts import HOW, prompt_groups


class DuplicatePrompt(DatasetRule):
    """The same prompt (after normalisation) in several records with different answers.

    ## What it does
    Groups records by their prompt (the user turns with the input they carry: an Alpaca
    ``input`` or a Dolly ``context`` is part of the prompt, so one generic instruction over a
    different input each time is not a repeated prompt; system prompts are ignored, a
    repeated system prompt is normal) — equal as written, once case and punctuation are
    folded (``C``, ``C++`` and ``C#`` stay three words), or as the same lines in another
    order, as ``conflicting-answers`` groups them — and reports each prompt that appears in
    several records whose answers differ, with one record per different answer.  Groups
    whose answers are all the same are duplicates (``exact-duplicate``,
    ``normalized-duplicate``); groups whose answers contradict each other are
    ``conflicting-answers``.  Answers that are near-copies of each other are one answer:
    ``near-duplicate`` reports those records (naming the repeated prompt), so a pair is shown
    once; ``semantic-duplicate`` leaves the pairs of a group reported here to this rule.

    Measured (``benchmarks/precision.py``, seed 0, 40 findings sampled from 12 public
    fine-tuning files and judged by reading each record): 36 real defects, none false, 4
    arguable, all one refusal prompt under different tool lists (the tools are not read as
    part of the prompt).

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
        records = dataset.records
        for members, how, distinct in dataset.resources.measurement(
                DuplicatePrompt, repeated_prompts, self.options):
            yield cluster_finding(
                self, records, members, "prompt repeated" + HOW[how],
                extra=f" ({distinct} different answers)",
                data={"distinct_answers": distinct, "match": how})


def repeated_prompts(res, options) -> list[tuple[list[int], str, int]]:
    """The prompt groups this rule reports, as (one record per different answer, how the
    prompts matched, the number of different answers): measured once, read by
    semantic-duplicate to leave these records' pairs to this rule.

    Answers are told apart as the more specific rules see them: copies (exact or once case
    and punctuation are folded) are one answer, and so is a near-duplicate cluster (its
    records are near-copies of one record: near-duplicate reports them, naming the repeated
    prompt)."""
    from .conflicting_answers import ConflictingAnswers, group_conflicts
    from .near_duplicate import NearDuplicate, near_clusters

    prompts, answers = res.normalized("prompt"), res.normalized("response")
    groups = prompt_groups(res)
    # conflicting-answers' measurement, with its options of this run: built once for both
    conflicts = res.measurement(ConflictingAnswers, group_conflicts)
    near = None
    out = []
    for g, how, clash in zip(groups.groups, groups.how, conflicts):
        if len(g) < options.min_records or len({answers[i] for i in g}) < 2:
            continue
        if clash is not None:
            continue  # conflicting-answers reports it
        if near is None:
            near = res.measurement(NearDuplicate, near_clusters).reported(res.records)
            first: dict[tuple[str, str], int] = {}
            for i, key in enumerate(zip(prompts, answers)):
                first.setdefault(key, i)
        seen, members = set(), []
        for i in g:
            rep = first[(prompts[i], answers[i])]  # what near-duplicate compared
            kind = ("near", near.of[rep]) if near.of[rep] >= 0 else ("answer", answers[i])
            if kind not in seen:
                seen.add(kind)
                members.append(i)
        if len(members) >= 2:
            out.append((members, how, len(members)))
    return out
