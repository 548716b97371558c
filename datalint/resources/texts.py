"""Per-record texts by role, and the normalisation used to compare them.

Roles matter: the *prompt* of a record is its user turns (an Alpaca instruction with its
input), the *response* its assistant turns (the chosen side of a preference pair; the whole
text of a plain-text record).  System prompts are left out on purpose: a system prompt repeated
across a dataset is normal, a repeated answer is not.
"""

from __future__ import annotations

import re
import unicodedata

from ..record import ASSISTANT, USER, Record

_PUNCT_WS = re.compile(r"[\W_]+", re.UNICODE)


def prompt_text(rec: Record) -> str:
    return "\n".join(t.text for t in rec.turns if t.role == USER and t.text)


def response_text(rec: Record) -> str:
    if rec.layout == "text":
        return "\n".join(t.text for t in rec.turns if t.text)
    return "\n".join(t.text for t in rec.turns if t.role == ASSISTANT and t.text)


def normalize(text: str) -> str:
    """Case, whitespace, punctuation and Unicode folding: "Hello,  World!" -> "hello world"."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _PUNCT_WS.sub(" ", text).strip()


def is_short_answer(text: str, max_words: int = 3, max_chars: int = 40) -> bool:
    """Labels, yes/no, numbers, single entities: answers whose difference is a disagreement."""
    t = text.strip()
    return bool(t) and len(t) <= max_chars and len(t.split()) <= max_words
