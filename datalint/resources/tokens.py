"""Counting tokens: a fast estimate, a local tokenizer, and a record's total as a trainer sees
one sequence.  Shared by too-long (C008) and seq-len-truncates-data (T006)."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..io.record import ASSISTANT

#: Tokens added per turn by a chat template (role markers, separators) in the estimate.
TURN_OVERHEAD = 4


def estimate_tokens(text: str) -> int:
    """A fast token estimate: ASCII characters / 4, plus one token per non-ASCII character.

    Close to byte-level BPE tokenizers on English prose and code (about four characters a
    token) and on CJK text (about one character a token); it overestimates accented Latin text
    somewhat, which errs on the side of reporting.
    """
    if text.isascii():
        return (len(text) + 3) // 4
    n_ascii = len(text.encode("ascii", "ignore"))
    return (n_ascii + 3) // 4 + (len(text) - n_ascii)


def char_bound(record) -> int:
    """An upper bound on a record's token count: every token covers at least one character.

    Characters of every turn (both sides of a preference pair) plus the per-turn overhead.
    """
    n_chars = 0
    for t in record.turns:
        if t.text is not None:
            n_chars += len(t.text)
    if record.rejected:
        for t in record.rejected:
            if t.text is not None:
                n_chars += len(t.text)
    n_turns = len(record.turns) + (len(record.rejected) if record.rejected else 0)
    return n_chars + TURN_OVERHEAD * n_turns


def record_tokens(record, count=estimate_tokens) -> tuple[int, list, list[int]]:
    """(total, turns, per-turn counts) of a record as a trainer sees one sequence.

    Every turn is counted with ``count`` plus ``TURN_OVERHEAD`` tokens; for a preference pair
    the longer of prompt + chosen and prompt + rejected is returned.
    """
    counts = [(count(t.text) if t.text is not None else 0) + TURN_OVERHEAD
              for t in record.turns]
    total = sum(counts)
    turns = record.turns
    if record.rejected:
        # the prompt is what precedes the trailing assistant (chosen) turns
        k = len(turns)
        while k > 0 and turns[k - 1].role == ASSISTANT:
            k -= 1
        rej = [(count(t.text) if t.text is not None else 0) + TURN_OVERHEAD
               for t in record.rejected]
        if sum(counts[:k]) + sum(rej) > total:
            total = sum(counts[:k]) + sum(rej)
            turns = turns[:k] + list(record.rejected)
            counts = counts[:k] + rej
    return total, turns, counts


def load_tokenizer(path: str):
    """A local ``tokenizer.json`` (or a folder holding one); a bad path is a usage error."""
    p = Path(path)
    if p.is_dir():
        p = p / "tokenizer.json"
    if not p.is_file():
        raise UsageError(f"too-long: tokenizer {path!r} is not a tokenizer.json file or a "
                         "folder containing one")
    try:
        from tokenizers import Tokenizer
    except ImportError:  # pragma: no cover - tokenizers is a dependency
        raise UsageError("too-long: the `tokenizers` package is needed for the tokenizer "
                         "option") from None
    try:
        return Tokenizer.from_file(str(p))
    except Exception as e:
        raise UsageError(f"too-long: cannot load tokenizer {str(p)!r}: {e}") from None
