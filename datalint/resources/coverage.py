"""Which texts an embedding model can represent, measured from its vocabulary.

An English model such as all-MiniLM-L6-v2 reads Chinese as a string of single characters,
most of them unknown: different Chinese questions come out as near-identical vectors
("similarity 1.000"), so a semantic comparison of them would report noise.  A text is
*covered* when most of its letters are in scripts the model's vocabulary holds: a script is
held when the vocabulary has at least :data:`MIN_PIECES` tokens longer than one character in
it (words and sub-words a model learnt), or :data:`MIN_CHARS` single characters (BERT-style
tokenizers split Han characters one by one, so a multilingual BERT holds thousands of them
while an English one holds a few hundred).  Measured on all-MiniLM-L6-v2's vocabulary: Latin
26,451 pieces; Han 488 single characters and no longer piece; Cyrillic 8 pieces; Greek 4.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

#: scripts by code-point ranges (letters only matter; digits and punctuation are shared)
SCRIPTS: dict[str, str] = {
    "Latin": "a-zA-Z\u00c0-\u024f\u1e00-\u1eff",
    "Greek": "\u0370-\u03ff\u1f00-\u1fff",
    "Cyrillic": "\u0400-\u052f",
    "Armenian": "\u0530-\u058f",
    "Hebrew": "\u0590-\u05ff",
    "Arabic": "\u0600-\u06ff\u0750-\u077f",
    "Devanagari": "\u0900-\u097f",
    "Bengali": "\u0980-\u09ff",
    "Gurmukhi": "\u0a00-\u0a7f",
    "Gujarati": "\u0a80-\u0aff",
    "Oriya": "\u0b00-\u0b7f",
    "Tamil": "\u0b80-\u0bff",
    "Telugu": "\u0c00-\u0c7f",
    "Kannada": "\u0c80-\u0cff",
    "Malayalam": "\u0d00-\u0d7f",
    "Sinhala": "\u0d80-\u0dff",
    "Thai": "\u0e00-\u0e7f",
    "Lao": "\u0e80-\u0eff",
    "Tibetan": "\u0f00-\u0fff",
    "Myanmar": "\u1000-\u109f",
    "Georgian": "\u10a0-\u10ff",
    "Ethiopic": "\u1200-\u139f",
    "Khmer": "\u1780-\u17ff",
    "Hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "Kana": "\u3040-\u30ff",
    "Han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
}
_FIND = {name: re.compile(f"[{chars}]") for name, chars in SCRIPTS.items()}
#: the non-Latin scripts in one class: a text without any of them is Latin (or no letters)
_NON_LATIN = re.compile("[" + "".join(c for n, c in SCRIPTS.items() if n != "Latin") + "]")
#: a script is held by a vocabulary with this many multi-character tokens in it...
MIN_PIECES = 200
#: ...or this many single characters
MIN_CHARS = 2000
#: a text is covered when at least this share of its letters is in held scripts: a name in
#: Chinese characters inside an English sentence is fine, "{{author}} 制作了我" is not (the
#: model would see only "author" and call every such answer the same)
MIN_SHARE = 0.75


def _char_script(c: str, memo: dict[str, str | None]) -> str | None:
    if c not in memo:
        memo[c] = next((name for name, rx in _FIND.items() if rx.match(c)), None)
    return memo[c]


def vocabulary_scripts(vocab: Iterable[str]) -> frozenset[str]:
    """The scripts a tokenizer vocabulary holds (see the module docstring)."""
    pieces = dict.fromkeys(SCRIPTS, 0)
    chars = dict.fromkeys(SCRIPTS, 0)
    memo: dict[str, str | None] = {}
    for token in vocab:
        t = token.lstrip("#").lstrip("\u2581").lstrip("\u0120")  # ##, sentencepiece, BPE marks
        if not t:
            continue
        name = _char_script(t[0], memo)
        if name is None:
            continue
        if len(t) == 1:
            chars[name] += 1
        elif all(_char_script(c, memo) == name for c in t):
            pieces[name] += 1
    return frozenset(n for n in SCRIPTS if pieces[n] >= MIN_PIECES or chars[n] >= MIN_CHARS)


def model_scripts(folder: Path) -> frozenset[str] | None:
    """The scripts the tokenizer in a model folder holds, or None when it has no readable
    vocabulary (then every text counts as covered)."""
    vocab: list[str] | None = None
    tj = folder / "tokenizer.json"
    try:
        if tj.is_file():
            model = json.loads(tj.read_text(encoding="utf-8")).get("model") or {}
            v = model.get("vocab")
            if isinstance(v, dict):
                vocab = list(v)
            elif isinstance(v, list):  # unigram: [[piece, score], ...]
                vocab = [p[0] for p in v if isinstance(p, list) and p and isinstance(p[0], str)]
        if vocab is None and (folder / "vocab.txt").is_file():
            vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError, UnicodeDecodeError, AttributeError):
        return None
    return vocabulary_scripts(vocab) if vocab else None


def text_script(text: str, held: frozenset[str]) -> str | None:
    """The main script of ``text`` when the model does not hold it (more than a quarter of
    the text's letters are in scripts outside ``held``), else None."""
    if not _NON_LATIN.search(text):
        return None  # Latin or no letters at all: the common case, one search
    counts = {name: len(rx.findall(text)) for name, rx in _FIND.items()}
    total = sum(counts.values())
    if total == 0:
        return None
    outside = {n: c for n, c in counts.items() if n not in held and c}
    if sum(outside.values()) <= (1 - MIN_SHARE) * total:
        return None
    return max(outside, key=outside.get)
