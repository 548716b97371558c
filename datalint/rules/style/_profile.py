"""A stylometric profile of one answer, as counts with their exposures, and the between-answer
spread of each habit beyond chance.

Each feature of an answer is a count ``c`` over an exposure ``e`` (commas over words, list
lines over lines, question marks over sentences…).  If one writer with fixed habits wrote
every answer, the count varies between answers only by chance: Poisson, variance ``e·p``
around the pooled rate ``p``.  A mixture of writers adds between-answer variance ``τ²`` of
the rate.  The method-of-moments estimate from Pearson's dispersion index

    φ = Σ (c − e·p)² / (e·p) / (n − 1),      L = Σ e² / Σ e,
    κ = sqrt(max(0, φ − 1) / (L·p))

is the relative spread of the habit's rate between answers (τ / p), corrected for chance.  A
habit one writer always keeps has κ ≈ 0 (φ ≈ 1, or φ < 1 for a fixed formula); a mixture of
writers gives κ of the order of how much their habits differ (0.5–3).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from ...resources.textstats import WORD

#: Function words: the classic stylometric markers (Mosteller & Wallace; Burrows' Delta), common
#: enough to be counted in short answers.
FUNCTION_WORDS = tuple((
    "the of and to a in is that it for you i we this with as be on are can your or will an by "
    "not my have if so but at from our they he she his her me was were been has had do does "
    "would could should there which what all more also just very").split())

_SENT_END = re.compile(r"[.!?…]+(?=[\s\"'”’)\]]|$)|\n\s*\n")
_CONTRACTION = re.compile(r"\b\w+(?:n['’]t|['’](?:re|ll|ve|m|d|s))\b", re.I)
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u203C\u2049]")
_LIST_LINE = re.compile(r"^[ \t]*(?:[-*•+]|\d{1,3}[.)])[ \t]+\S", re.M)
_MARKDOWN = re.compile(r"^[ \t]*#{1,6}[ \t]|\*\*|__|`", re.M)
_DASH = re.compile(r"[—–]|(?<=\w) - (?=\w)")
_SENT_START = re.compile(r"(?:^|[.!?…]\s+|\n\s*)([^\W\d_])")
_MID_CAPITAL = re.compile(r"(?<=[\w,;:] )[A-Z][a-z]")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_QUOTE = re.compile(r"[\"“”«»]")
_FIRST = frozenset(("i", "me", "my", "mine", "we", "us", "our", "ours"))
_SECOND = frozenset(("you", "your", "yours"))
#: The between-answer spread of a modest mixture of writers, for the power of a feature.
MODEST_SPREAD = 0.5
#: Long answers are profiled on their first characters (the habits show early).
MAX_CHARS = 4_000

#: Feature name -> what it counts, for messages.
LABELS = {
    "sentences": "sentence breaks per word (sentence length)",
    "comma": "commas per word",
    "semicolon": "semicolons per word",
    "colon": "colons per word",
    "exclamation": "exclamation marks per sentence",
    "question": "question marks per sentence",
    "lowercase-start": "sentences starting in lower case",
    "dash": "dashes per word",
    "parenthesis": "parentheses per word",
    "quote": "quotation marks per word",
    "ellipsis": "ellipses per word",
    "contraction": "contractions per word",
    "emoji": "emoji per word",
    "first-person": "first-person pronouns per word",
    "second-person": "second-person pronouns per word",
    "all-caps": "all-capital words per word",
    "digits": "numbers per word",
    "newline": "line breaks per word",
    "list": "list-item lines per line",
    "markdown": "markdown marks per line",
    "capitalised": "capitalised words inside sentences, per word",
    "function-words": "function-word frequencies (median over the words)",
}


def profile(text: str) -> dict[str, tuple[int, int]]:
    """Feature name -> (count, exposure) for one answer.  Sentence-final habits are counted
    per sentence, line habits per line, the rest per word."""
    text = text.strip()[:MAX_CHARS]
    toks = WORD.findall(text)
    nw = max(1, len(toks))
    low = Counter(w.casefold() for w in toks)
    lines = text.count("\n") + 1
    starts = _SENT_START.findall(text)
    ns = max(1, len(starts))
    f = {
        "sentences": (max(1, len(_SENT_END.findall(text))), nw),
        "exclamation": (text.count("!") + text.count("！"), ns),
        "question": (text.count("?") + text.count("？"), ns),
        "lowercase-start": (sum(1 for c in starts if c.islower()), ns),
        "comma": (text.count(",") + text.count("，"), nw),
        "semicolon": (text.count(";"), nw),
        "colon": (text.count(":"), nw),
        "dash": (len(_DASH.findall(text)), nw),
        "parenthesis": (text.count("("), nw),
        "quote": (len(_QUOTE.findall(text)), nw),
        "ellipsis": (len(_ELLIPSIS.findall(text)), nw),
        "contraction": (len(_CONTRACTION.findall(text)), nw),
        "emoji": (len(_EMOJI.findall(text)), nw),
        "first-person": (sum(low[w] for w in _FIRST), nw),
        "second-person": (sum(low[w] for w in _SECOND), nw),
        "capitalised": (len(_MID_CAPITAL.findall(text)), nw),
        "all-caps": (sum(1 for w in toks if len(w) > 1 and w.isupper()), nw),
        "digits": (sum(1 for w in toks if w.isdigit()), nw),
        "newline": (text.count("\n"), nw),
        "list": (len(_LIST_LINE.findall(text)), lines),
        "markdown": (len(_MARKDOWN.findall(text)), lines),
    }
    for w in FUNCTION_WORDS:
        f["fw:" + w] = (low.get(w, 0), nw)
    return f


def spread(counts: list[int], exposures: list[int]) -> tuple[float, float, float]:
    """(κ, φ, pooled rate) of one feature over the answers (see the module doc)."""
    total, exposure = sum(counts), sum(exposures)
    p = total / exposure
    chi = sum((c - e * p) ** 2 / (e * p) for c, e in zip(counts, exposures))
    phi = chi / (len(counts) - 1)
    eff = sum(e * e for e in exposures) / exposure
    return math.sqrt(max(0.0, phi - 1.0) / (eff * p)), phi, p


def informative(counts: list[int], exposures: list[int], kappa0: float = MODEST_SPREAD,
                min_total: int = 10, min_answers: int = 5) -> bool:
    """Whether a feature says something about the voice: it is used enough (``min_total``
    times, in ``min_answers`` answers) and either *powered* — a mixture with spread
    ``kappa0`` would raise its dispersion by two standard errors — or *significant* — its
    dispersion is two standard errors away from chance: above (answers differ) or below (a
    formula, more regular than chance).  Under chance φ has a standard error of
    about sqrt((2 + 1/λ) / (n − 1)) for n answers with λ occurrences each on average (the
    variance of a squared Pearson residual of a Poisson count).  A rare habit in short answers
    is neither, and is left out: its spread would be noise."""
    total, n = sum(counts), len(counts)
    if total < min_total or sum(1 for c in counts if c) < min_answers or n < 3:
        return False
    se = math.sqrt((2 + n / total) / (n - 1))
    kappa, phi, p = spread(counts, exposures)
    exposure = sum(exposures)
    expected = p * sum(e * e for e in exposures) / exposure  # L·p
    return expected * kappa0 ** 2 >= 2 * se or abs(phi - 1) >= 2 * se
