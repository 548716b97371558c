"""Lexical helpers shared by the diversity and style rules.

* :func:`answer_turns` — every non-empty assistant turn, one entry per turn (a multi-turn
  conversation contributes each answer separately; the rejected side of a preference pair is
  left out: it is not what the model is trained to say).
* :class:`AnswerKinds` (:func:`answer_kinds`) — the answers split into answers of sentence
  length and short ones (labels, yes/no, numbers: :func:`~.texts.is_short_answer`), and whether
  the answers are *label-only* (a classification set): the diversity rules judge only answers
  of sentence length, and none of them judges a label-only set.
* :func:`stable_sample` — a deterministic sample that does not depend on record order: the
  texts with the smallest CRC-32 of their UTF-8 bytes (ties broken by the text itself).
  Shuffling the records selects the same texts, and a sample of a dataset is the same sample
  every run, without a random seed to carry around.
* :func:`fold`, :func:`words`, :func:`snippet` — light normalisation, word tokens and short
  quotes for messages.
* :func:`ranked` — counts sorted by count, then by a stable key: ``Counter.most_common`` breaks
  ties by insertion order, which would make reports depend on record order.
"""

from __future__ import annotations

import heapq
import re
import zlib
from dataclasses import dataclass
from typing import Hashable, Mapping, Sequence

from ..io.record import ASSISTANT, Record
from .texts import is_short_answer

#: A word: letters or digits, with inner apostrophes ("don't", "l'eau").
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def answer_turns(records: Sequence[Record]) -> list[tuple[int, str]]:
    """(record index, text) of every assistant turn with text; the whole text of a plain-text
    record."""
    out: list[tuple[int, str]] = []
    for i, rec in enumerate(records):
        text_layout = rec.layout == "text"
        for t in rec.turns:
            if (text_layout or t.role == ASSISTANT) and t.text and not t.text.isspace():
                out.append((i, t.text))
    return out


#: Fewer answers of sentence length than this, outnumbered by short ones: the answers are labels.
MIN_SENTENCE_ANSWERS = 10


@dataclass(frozen=True)
class AnswerKinds:
    """The answers of a dataset by kind.

    Short answers (at most 3 words and 40 characters: a label, yes/no, a number, one entity)
    are expected to repeat: a classification set gives one label from a small set to every
    prompt, and that is its design, not a lack of diversity.  So the diversity rules measure
    only the answers of sentence length, and when those are fewer than
    :data:`MIN_SENTENCE_ANSWERS` and outnumbered by short ones the answers are *label-only*
    and no diversity of theirs is judged."""

    sentences: list[tuple[int, str]]  # (record index, text) of each answer of sentence length
    short: int  # short answers
    labels: int  # distinct short answers (case and spacing folded)

    @property
    def label_only(self) -> bool:
        return len(self.sentences) < MIN_SENTENCE_ANSWERS and self.short > len(self.sentences)

    def describe(self) -> str:
        """Why the answers are not judged: "label-only answers: …" (a label set: the short
        answers repeat), "short answers only: …" (mostly distinct: numbers, names) or "too
        few answers: …"."""
        n = len(self.sentences)
        if not self.label_only:
            return f"too few answers: {n:,} answers of sentence length, {self.short:,} short"
        total = f"{self.short:,} of {self.short + n:,} answers"
        if self.labels <= self.short / 2:
            return (f"label-only answers: {total} are one of {self.labels:,} short labels, "
                    f"{n:,} of sentence length")
        return (f"short answers only: {total} have at most 3 words ({self.labels:,} distinct), "
                f"{n:,} of sentence length")

    def to_dict(self) -> dict:
        return {"answers": len(self.sentences), "short_answers": self.short,
                "distinct_short_answers": self.labels, "label_only": self.label_only}


def answer_kinds(answers: Sequence[tuple[int, str]]) -> AnswerKinds:
    """Split ``answers`` ((record, text) pairs, e.g. :func:`answer_turns`) by kind."""
    sentences, labels, short = [], set(), 0
    for rec, text in answers:
        if is_short_answer(text):
            short += 1
            labels.add(fold(text))
        else:
            sentences.append((rec, text))
    return AnswerKinds(sentences, short, len(labels))


def stable_key(text: str) -> tuple[int, str]:
    return zlib.crc32(text.encode("utf-8", "surrogatepass")), text


def stable_order(texts: Sequence[str]) -> list[int]:
    """Indices of ``texts`` in a fixed pseudo-random order that ignores their input order:
    by CRC-32, and different texts with the same checksum (rare) by the text itself."""
    import numpy as np

    keys = np.fromiter((zlib.crc32(t.encode("utf-8", "surrogatepass")) for t in texts),
                       dtype=np.uint32, count=len(texts))
    order = np.argsort(keys, kind="stable")
    tied = np.nonzero(keys[order[1:]] == keys[order[:-1]])[0]
    out = order.tolist()
    for start in tied:  # runs of equal checksums: order them by text (copies stay together)
        if start and keys[order[start - 1]] == keys[order[start]]:
            continue
        end = start + 1
        while end < len(out) and keys[out[end]] == keys[out[start]]:
            end += 1
        out[start:end] = sorted(out[start:end], key=lambda x: texts[x])
    return out


def stable_sample(texts: Sequence[str], k: int) -> list[int]:
    """Indices of at most ``k`` texts, chosen by hash (see the module doc), in hash order."""
    return stable_order(texts)[:max(k, 0)]


def fold(text: str) -> str:
    """Case and whitespace folding: what makes two answers "the same answer"."""
    return " ".join(text.casefold().split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return WORD.findall(text.casefold())


def snippet(text: str, width: int = 100) -> str:
    """One line, at most ``width`` characters: for quoting data in a message."""
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1].rstrip() + "…"


def ranked(counts: Mapping[Hashable, int], n: int | None = None,
           key=lambda k: stable_key(str(k))) -> list[tuple[Hashable, int]]:
    """``counts`` as (item, count), largest first, ties in a stable order."""
    def order(kv):
        return -kv[1], key(kv[0])

    if n is not None:
        if n <= 0 or not counts:
            return []
        cut = min(heapq.nlargest(n, counts.values()))
        return sorted(((k, c) for k, c in counts.items() if c >= cut), key=order)[:n]
    return sorted(counts.items(), key=order)


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def pct(x: float) -> str:
    """A share for a message: "96%", "0.4%"."""
    return f"{100 * x:.0f}%" if x >= 0.095 or x == 0 else f"{100 * x:.1f}%"
