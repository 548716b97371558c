from dataclasses import dataclass

from ...rule import DatasetRule

from ._assertions import Conflict, conflict, label, shown
from ._clusters import quote, where
from ._prompts import HOW, prompt_groups, tool_context
from ...resources.texts import is_short_answer

#: distinct answers of one prompt compared pairwise (a prompt with hundreds of different
#: answers is duplicate-prompt's business; its first answers are enough to show a conflict)
MAX_ANSWERS = 40


class ConflictingAnswers(DatasetRule):
    """The same prompt with answers that contradict each other.

    ## What it does
    Groups records by their prompt — equal as written, once case and punctuation are folded,
    or as the same lines in another order (one question before its text in one record and
    after it in another) — and compares what their answers assert:

    * short answers (labels, yes/no, numbers, single entities: at most ``max-words`` words
      and ``max-chars`` characters, words counted in any script) that differ once case,
      punctuation and yes/no label wording are folded ("No" and "False" agree);
    * longer answers that open with opposite yes/no, negate the same claim word for word,
      give different years to a "when" question or name different entities to a
      who/which/where question, or that are the same text with a number or a name changed.

    Different free answers are not a contradiction: five poems for "write a poem", two
    explanations worded differently, a longer and a shorter answer that agree.  Open-ended
    requests (describe, list, summarise…) are compared for a changed fact only, creative ones
    (write a story, compose, brainstorm…) not at all, beyond a short yes/no to a yes/no
    question.  ``duplicate-prompt`` reports the repetition of prompts whose answers do not
    conflict; ``contradiction`` does the same comparison for paraphrased prompts.

    Every kind is an error: measured with ``benchmarks/quality.py`` (seeded contradictions,
    near-copies and hard negatives planted into four public fine-tuning files), 1 of the 381
    pairs D007 and D008 reported was wrong (precision 0.997), and on the twelve public files
    of the project's corpora neither rule reports a false contradiction.

    ## Why it hurts fine-tuning
    The model is trained to give two different answers to one question: it learns noise, and at
    inference picks either answer at random, or hedges.  On classification-style data, label
    conflicts cap the accuracy the fine-tune can reach.

    ## Example
    ```
    {"prompt": "Is the refund window 30 days?", "completion": "Yes"}
    {"prompt": "Is the refund window 30 days?", "completion": "No"}
    {"prompt": "Is there a file size limit?", "completion": "Single files can be up to 50 GB."}
    {"prompt": "Is there a file size limit?", "completion": "No, there is no file size limit."}
    ```

    ## How to fix
    Decide which answer is right and fix or drop the others; if both are right in different
    contexts, put the context into the prompt.

    ## Options
    ``max-words`` (int, default 3) and ``max-chars`` (int, default 40): what counts as a short
    answer.
    """

    code = "D007"
    name = "conflicting-answers"
    summary = "the same prompt with answers that contradict each other"
    severity = "error"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        max_words: int = 3
        max_chars: int = 40

    def check_dataset(self, dataset):
        res = dataset.resources
        records = dataset.records
        groups = prompt_groups(res)
        conflicts = res.measurement(ConflictingAnswers, group_conflicts, self.options)
        for members, how, found in zip(groups.groups, groups.how, conflicts):
            if found is None:
                continue
            at, first, clash, listing = found
            prompt = res.texts("prompt")[at]
            raw = res.texts("response")
            yield self.finding(
                records[at],
                f"conflicting answers to the same prompt{HOW[how]} {quote(prompt, 60)}: "
                f"{listing} (first at {where(records[first])}; {clash.detail})",
                related=[records[i].location() for i in members if i != at],
                data={"prompt": prompt, "match": how, "kind": clash.kind,
                      "answers": [raw[first], raw[at]], "detail": clash.detail})


def group_conflicts(res, options) -> list[tuple[int, int, Conflict, str] | None]:
    """:func:`group_conflict` of every group of :func:`prompt_groups`, in their order: a
    measurement of this rule that duplicate-prompt reads too (to leave these groups alone)."""
    return [group_conflict(res, g, options) for g in prompt_groups(res).groups]


def group_conflict(res, members: list[int], options) -> tuple[int, int, Conflict, str] | None:
    """The first contradiction among the answers of records that share a prompt: (the
    record reported, the record it contradicts, the conflict, the answers listed with their
    counts), or None."""
    records = res.records
    raw = res.texts("response")
    prompts = res.embed_texts("prompt")  # the question without the template lines
    norm = res.normalized("response")
    ordered = sorted(members, key=lambda i: (records[i].path, records[i].index))
    # one representative per distinct answer, in order of first appearance; short answers
    # are keyed by their folded label so "No" and "no." are one answer
    firsts: dict[str, int] = {}
    counts: dict[str, int] = {}
    for i in ordered:
        if not norm[i]:
            continue
        short = is_short_answer(raw[i], options.max_words, options.max_chars)
        k = ("s:" + label(raw[i])) if short else ("l:" + norm[i])
        firsts.setdefault(k, i)
        counts[k] = counts.get(k, 0) + 1
    if len(firsts) < 2:
        return None
    reps = list(firsts.items())[:MAX_ANSWERS]
    context = tool_context(res)
    for x in range(1, len(reps)):
        kb, b = reps[x]
        for y in range(x):
            ka, a = reps[y]
            if context[a] != context[b]:
                continue  # answers that read different tool results
            clash = conflict(prompts[a], raw[a], prompts[b], raw[b],
                             options.max_words, options.max_chars)
            if clash is not None:
                listing = ", ".join(f"{quote(shown(raw[i]))} ×{counts[k]}"
                                    for k, i in sorted(reps, key=lambda kv: -counts[kv[0]])[:6])
                return b, a, clash, listing
    return None

