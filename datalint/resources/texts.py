"""Per-record texts by role, and the normalisation used to compare them.

Roles matter: the *prompt* of a record is its user turns (an Alpaca instruction with its
input), the *response* its assistant turns (the chosen side of a preference pair; the whole
text of a plain-text record), the *rejected* text its rejected answer and the *alternatives*
text its further conversations (see :mod:`datalint.io.record`).

A record whose only answer is a rejected one (a KTO answer labelled false) holds no
prompt/answer pair to learn: its prompt and response are both empty, so the rules that
compare pairs (duplicate prompts, near and semantic duplicates, conflicting answers, the
diversity of prompts) leave it out — a KTO set gives one prompt a good and a bad answer by
design.  Exact duplicates still see it whole (its hash covers the rejected answer).  System prompts are left out on purpose: a system prompt repeated
across a dataset is normal, a repeated answer is not.
"""

from __future__ import annotations

import re
import unicodedata

from ..io.record import ASSISTANT, USER, Record

#: letters' combining marks, which ``\w`` leaves out (Thai and Indic vowel signs, Hebrew and
#: Arabic points, Latin accents written apart): part of the word, not punctuation
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670" \
    "\u0900-\u0963\u0966-\u0dff\u0e00-\u0e2e\u0e30-\u0e4e\u0e50-\u0eff" \
    "\u1000-\u1049\u104c-\u109f\u1780-\u17d3\u17d7-\u17ff"  # not the danda, ฯ, ။, ។
#: runs of punctuation, symbols and whitespace; ``+`` and ``#`` that end a word stay (C++ and
#: C# are other words than C; "x+y" is "x y" like "x + y")
_PUNCT_WS = re.compile(rf"(?:[^\w+#{_MARKS}]|_|(?<![\w+#])[+#]|[+#](?=\w))+")
_WORD = re.compile(rf"[\w{_MARKS}]")
_ASCII_PUNCT_WS = re.compile(r"[\W_]+")
#: scripts written without spaces between words: each Han or kana character counts as a word
#: (a Chinese word is 1-2 characters), each run of up to four Thai, Lao, Khmer or Myanmar
#: letters as one
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_SEA = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]{1,4}")


def prompt_text(rec: Record) -> str:
    if rec.rejected and not any(t.role == ASSISTANT for t in rec.turns):
        return ""  # only a rejected answer: no pair to compare (see the module docstring)
    return "\n".join(t.text for t in rec.turns if t.role == USER and t.text)


def response_text(rec: Record) -> str:
    if rec.layout == "text":
        return "\n".join(t.text for t in rec.turns if t.text)
    return "\n".join(t.text for t in rec.turns if t.role == ASSISTANT and t.text)


def rejected_text(rec: Record) -> str:
    """The rejected answer of a record (a preference pair's losing side, a KTO answer
    labelled false); empty for the others."""
    return "\n".join(t.text for t in rec.rejected if t.text) if rec.rejected else ""


def alternatives_text(rec: Record) -> str:
    """The text of a record's alternatives (the other branches of a message tree, further
    instances of a task), one conversation after another; empty for the others."""
    if not rec.alternatives:
        return ""
    return "\n\n".join("\n".join(t.text for t in alt if t.text) for alt in rec.alternatives)


def normalize(text: str) -> str:
    """Case, whitespace, punctuation and Unicode folding: "Hello,  World!" -> "hello world"."""
    if text.isascii():  # most text: no Unicode forms or combining marks to care about
        text = text.lower()
        if "+" not in text and "#" not in text:
            return _ASCII_PUNCT_WS.sub(" ", text).strip()
        return _PUNCT_WS.sub(" ", text).strip()
    text = unicodedata.normalize("NFKC", text).casefold()
    return _PUNCT_WS.sub(" ", text).strip()


def word_count(text: str) -> int:
    """Words of ``text`` in any script: whitespace-separated words, where each Han or kana
    character (and each short run of Thai, Lao, Khmer or Myanmar letters) is a word of its
    own.  "他不想来。" is 4 words, not 1; "The cat sat." is 3."""
    if text.isascii():
        return len(text.split())
    cjk = len(_CJK.findall(text))
    sea = len(_SEA.findall(text))
    if not cjk and not sea:
        return len(text.split())
    rest = _SEA.sub(" ", _CJK.sub(" ", text))
    return cjk + sea + sum(1 for w in rest.split() if _WORD.search(w))


#: a word of :func:`word_count`: one Han or kana character, a short Thai/Lao/Khmer/Myanmar run,
#: or a run of other non-space characters (counted when it holds a letter or digit)
_WORD_UNIT = re.compile(rf"{_CJK.pattern}|{_SEA.pattern}|[^\s\u3040-\u30ff\u3400-\u4dbf"
                        rf"\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
                        rf"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]+")


def leading_words(text: str, n: int) -> str:
    """The start of ``text`` up to its ``n``-th word (words as :func:`word_count` counts
    them); the whole text when it is shorter."""
    if text.isascii() or not (_CJK.search(text) or _SEA.search(text)):
        parts = text.split(maxsplit=n)
        if len(parts) <= n:
            return text
        return text[:len(text) - len(parts[n])].rstrip()
    seen = 0
    for m in _WORD_UNIT.finditer(text):
        if _CJK.fullmatch(m.group()) or _SEA.fullmatch(m.group()) or _WORD.search(m.group()):
            seen += 1
            if seen == n:
                return text[:m.end()]
    return text


def is_short_answer(text: str, max_words: int = 3, max_chars: int = 40) -> bool:
    """Labels, yes/no, numbers, single entities: answers whose difference is a disagreement.
    Words are counted in any script (:func:`word_count`): a Chinese sentence is not short."""
    t = text.strip()
    return bool(t) and len(t) <= max_chars and word_count(t) <= max_words


def template_lines(texts: list[str], max_share: float, min_count: int = 5) -> frozenset[str]:
    """The lines that a large share of multi-line texts have in common.

    A fixed instruction preamble, a tool description or a system header copied into every
    prompt would otherwise dominate each text's embedding and make every pair look alike.  A
    line counts as template when it occurs in more than ``max_share`` of the texts (and in at
    least ``min_count``).
    """
    counts: dict[str, int] = {}
    for t in texts:
        if "\n" in t:
            for line in set(t.split("\n")):
                if line.strip():
                    counts[line] = counts.get(line, 0) + 1
    limit = max(min_count, int(max_share * len(texts)))
    return frozenset(line for line, c in counts.items() if c > limit)


def strip_lines(texts: list[str], common: frozenset[str]) -> list[str]:
    """Remove the ``common`` lines; a text made only of them is kept whole (a short prompt
    repeated as a whole is left for the duplicate rules)."""
    if not common:
        return list(texts)
    out = []
    for t in texts:
        if "\n" in t:
            kept = [line for line in t.split("\n") if line not in common]
            t = "\n".join(kept).strip() if any(k.strip() for k in kept) else t
        out.append(t)
    return out
