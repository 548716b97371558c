import re
from collections import Counter
from dataclasses import dataclass

from ...rule import RecordRule

#: Texts shorter than this are not examined (a short text cannot loop for long).
MIN_CHARS = 200
_PROBE = 16  # length of the substrings sampled for the prefilter
_MID_PROBE_CHARS = 600  # texts this long are also probed in the middle
_MAX_HITS = 64  # occurrences of a probe looked at to find the period
#: Single words, code and markup need this many times ``min-repeats`` copies in a row.
STRICT_FACTOR = 4
_CODE = re.compile(r"[<>{}=;]|\w\(|^[ \t]{2,}\S", re.M)


def _period(s: str, probe: str, start: int, min_gaps: int) -> list[int]:
    """Candidate periods: the most common gaps between overlapping occurrences of ``probe``."""
    hits = []
    i = s.find(probe, start)
    while i >= 0 and len(hits) < _MAX_HITS:
        hits.append(i)
        i = s.find(probe, i + 1)
    if len(hits) < 3:
        return []
    gaps = Counter(b - a for a, b in zip(hits, hits[1:]))
    return [g for g, k in gaps.most_common(3) if k >= min_gaps]


def _run(s: str, pos: int, g: int) -> tuple[int, int, int]:
    """(start, copies, period) of the longest run of back-to-back copies through ``pos``."""
    unit = s[pos:pos + g]
    # the smallest period of the unit itself ("abab" is "ab" twice)
    d = (unit + unit).find(unit, 1)
    if 0 < d < g and g % d == 0:
        g, unit = d, unit[:d]
    a = pos
    while a >= g and s.startswith(unit, a - g):
        a -= g
    # rotate to where the repetition really starts ("Eat a banana!", not "anana!Eat a b")
    k = 0
    while a > 0 and k < g and s[a - 1] == s[a - 1 + g]:
        a -= 1
        k += 1
    # and from there to the first word start, so that the unit reads naturally
    # ("It will rain. ", not ". It will rain")
    for i in range(a, a + g):
        if s[i].isalnum() and (i == 0 or not s[i - 1].isalnum()):
            a = i
            break
    unit = s[a:a + g]
    b = a
    while s.startswith(unit, b):
        b += g
    return a, (b - a) // g, g


def _need_hits(min_repeats: int) -> int:
    """Occurrences of a probe the prefilter asks for: ``min_repeats - 1``, from 2 to 4."""
    return max(2, min(4, min_repeats - 1))


def find_repeat(s: str, min_repeats: int):
    """(unit, copies, start) of a phrase repeated back to back, or None."""
    n = len(s)
    need_hits = _need_hits(min_repeats)
    # prefilter: a substring at the end of the text (where a generation loop usually runs)
    # and, in longer texts, one in the middle, must occur several times
    probe = s[n - _PROBE:]
    if s.count(probe) < need_hits:
        if n < _MID_PROBE_CHARS:
            return None
        p = n // 2
        if s.count(s[p:p + _PROBE]) < need_hits:
            return None
    seen: set[int] = set()
    for p in (n - _PROBE, n // 2):
        probe = s[p:p + _PROBE]
        for g in _period(s, probe, max(0, p - 2000), need_hits - 1):
            if g in seen:
                continue
            seen.add(g)
            start, copies, g = _run(s, s.find(probe, max(0, p - 2000)), g)
            if copies < min_repeats:
                continue
            unit = s[start:start + g]
            if "|" in unit or "\t" in unit:
                continue  # table cells
            letters = sum(1 for ch in unit if ch.isalpha())
            if letters < 3:
                continue  # dividers, numbers, "ha ha ha", "No! No!", markup like "<br>"
            words = sum(1 for w in unit.split() if any(ch.isalpha() for ch in w))
            strict = words < 2 or _CODE.search(unit) is not None
            need = min_repeats * STRICT_FACTOR if strict else min_repeats
            if copies >= need:
                return unit, copies, start
    return None


class RepeatedContent(RecordRule):
    """A turn that repeats one phrase or line over and over ("Eat a banana!Eat a banana!…").

    ## What it does
    Looks for a phrase, a line or a group of lines repeated back to back in the text of a
    turn (texts of at least 200 characters).  A cheap prefilter takes a short substring at the
    end of the text (where a generation loop usually runs) and, in texts of 600 characters or
    more, one in the middle; only when one occurs several times is the repetition measured:
    the repeating unit, and how many copies of it follow each other.  It reports a phrase of
    two words or more repeated at least ``min-repeats`` times in a row.  Single words
    (``the the the…``) and units that look like code or markup (with ``<``, ``>``, braces,
    ``=``, ``;``, a call, or indentation) need four times as many copies: generated code and
    HTML legitimately repeat a block a few times.

    Repeats that are not a loop are left alone: a chorus or a refrain repeated two or three
    times, numbered lists and code whose lines differ, table rows and cells (units containing
    ``|`` or a tab), dividers and number runs (units with fewer than three letters), six
    identical ``<div>`` rows of an HTML page, short interjections ("No! No! No!").  So is
    an answer that is bad on purpose: the rejected side of a preference pair and a KTO answer
    labelled ``false`` (a looping answer is what such a side often shows the model not to do).

    ## Why it hurts fine-tuning
    A looping answer is usually a generation failure (a model stuck in a repetition loop)
    that was kept in the data.  Training on it teaches the model to loop; a long loop also
    wastes tokens and can dominate the loss of a small set.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "I'm hungry."},
                  {"role": "assistant", "content": "Eat a banana!Eat a banana!Eat a banana!…"}]}
    ```

    ## How to fix
    Drop the record or regenerate the answer; if many answers loop, check the generation
    settings (repetition penalty, stop sequences) that produced them.

    ## Options
    ``min-repeats`` (int, default 5): copies in a row of a phrase of two words or more that
    count as a loop (four times as many for single words, code and markup).
    """

    code = "C009"
    name = "repeated-content"
    summary = "a turn that repeats one phrase or line over and over"
    severity = "warning"

    @dataclass
    class Options:
        min_repeats: int = 5

    def setup(self) -> None:
        self.need_hits = _need_hits(self.options.min_repeats)

    def check(self, record):
        out = None
        min_repeats = self.options.min_repeats
        need_hits = self.need_hits
        # not the rejected side: a degenerate loop there is the point of the pair (see
        # datalint.io.record)
        for t in record.turns:
            s = t.text
            if s is None or len(s) < MIN_CHARS:
                continue
            if t.spans is None:
                n = len(s)
                if n < _MID_PROBE_CHARS and s.count(s[n - _PROBE:]) < need_hits:
                    continue  # find_repeat's first test, without the call: most turns
                hit = find_repeat(s, min_repeats)
                if hit is not None:
                    f = self._finding(record, t.field, s, hit)
                    out = [f] if out is None else out + [f]
            else:
                for sp in t.spans:
                    if len(sp.text) >= MIN_CHARS:
                        hit = find_repeat(sp.text, min_repeats)
                        if hit is not None:
                            f = self._finding(record, sp.field, sp.text, hit)
                            out = [f] if out is None else out + [f]
        return out or ()

    def _finding(self, record, field, s, hit):
        unit, copies, start = hit
        shown = unit.strip()
        shown = shown if len(shown) <= 60 else shown[:60] + "…"
        share = copies * len(unit) / len(s)
        return self.finding(
            record,
            f"{shown!r} is repeated {copies:,} times in a row ({share:.0%} of the text)",
            field=field, data={"phrase": unit, "repeats": copies, "share": round(share, 3)})
