from collections import Counter
from dataclasses import dataclass

from ...resources.texts import is_short_answer
from ...rule import DatasetRule

from ._clusters import quote, where


class ConflictingAnswers(DatasetRule):
    """The same prompt (exact or after normalisation) with short answers that disagree.

    ## What it does
    Groups records by normalised prompt and compares their answers.  Short answers — labels,
    yes/no, numbers, single entities (at most ``max-words`` words and ``max-chars``
    characters) — that differ after normalisation are a disagreement and are reported with every
    answer and its count.  Long free answers that differ are not a contradiction ("write a
    poem" with five poems is fine); ``duplicate-prompt`` reports those repetitions.

    ## Why it hurts fine-tuning
    The model is trained to give two different answers to one question: it learns noise, and at
    inference picks either answer at random, or hedges.  On classification-style data, label
    conflicts cap the accuracy the fine-tune can reach.

    ## Example
    ```
    {"prompt": "Is the refund window 30 days?", "completion": "Yes"}
    {"prompt": "Is the refund window 30 days?", "completion": "No"}
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
    summary = "the same prompt with different short answers (labels, yes/no, numbers)"
    severity = "error"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        max_words: int = 3
        max_chars: int = 40

    def check_dataset(self, dataset):
        res = dataset.resources
        records = dataset.records
        prompts = res.normalized("prompt")
        answers = res.normalized("response")
        raw = res.texts("response")
        groups: dict[str, list[int]] = {}
        for i, p in enumerate(prompts):
            if p:
                groups.setdefault(p, []).append(i)
        o = self.options
        for members in groups.values():
            if len(members) < 2:
                continue
            short = [i for i in members if is_short_answer(raw[i], o.max_words, o.max_chars)]
            counts = Counter(answers[i] for i in short)
            if len(counts) < 2:
                continue
            ordered = sorted(short, key=lambda i: (records[i].path, records[i].index))
            first_answer = answers[ordered[0]]
            at = next(i for i in ordered if answers[i] != first_answer)
            shown = {}
            for i in ordered:
                shown.setdefault(answers[i], raw[i].strip())
            listing = ", ".join(f"{quote(shown[a])} ×{c}" for a, c in counts.most_common(6))
            prompt = res.texts("prompt")[at]
            yield self.finding(
                records[at],
                f"conflicting answers to the same prompt {quote(prompt, 60)}: {listing} "
                f"(first at {where(records[ordered[0]])})",
                related=[records[i].location() for i in ordered if i != at],
                data={"prompt": prompt,
                      "answers": [{"answer": shown[a], "count": c} for a, c in
                                  counts.most_common()]})

