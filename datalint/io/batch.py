"""Batches of records for the record pass.

The engine hands record rules a few dozen records at a time (a :class:`Batch`) instead of
one.  Most records are clean, and most content rules look for something rare: a ``<``, an
``@``, a non-ASCII character.  Over a batch, that test is one C-level scan of the batch's
joined text, which finds the few records worth a closer look, instead of one Python call
and one scan per record and rule.

A rule opts in by overriding ``RecordRule.candidates(batch)``: the records of the batch that
*may* have findings (a superset; every other record is skipped).  The helpers below build
such supersets from facts every rule can share, computed once per batch on first use:

* :attr:`Batch.text` — every record's :attr:`~datalint.io.record.Record.all_text`, joined with
  a NUL character, with each record's start offset in :attr:`Batch.starts`;
* :meth:`Batch.having` — the records whose text holds one of some given strings;
* :attr:`Batch.symbols` — every record's ``symbols`` (its UTF-8 text without ASCII letters
  and spaces), made for the whole batch in one pass, searched all at once by
  :meth:`Batch.indices_matching_symbols`;
* :meth:`Batch.with_roles` — the records whose sequence of turn roles a rule may report,
  judged once per distinct sequence (a file usually has a handful).

A text may itself hold a NUL character (``"\\u0000"`` in JSON).  The batch then cannot tell
where one record ends from its joined text, and :attr:`Batch.split_ok` is false: the helpers
fall back to one test per record, with the same result.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import lru_cache
from itertools import accumulate, chain, repeat
from operator import add, attrgetter

from ahocorasick_rs import MATCHKIND_LEFTMOST_FIRST, BytesAhoCorasick

from .record import _LETTERS_AND_SPACE, Record, Turn, _text_of

#: Records per batch: enough for the joined-text scans to pay off, few enough that what a
#: batch's records hold stays in the processor's cache while rule after rule goes over them
#: (measured on the record-pass benchmark: 64 is faster than 16 or 32, and than 128 to 512).
BATCH_SIZE = 64

_SEP = "\x00"
_turns_of = attrgetter("turns")
_rejected_of = attrgetter("rejected")
_role_of = attrgetter("role")
_layout_of = attrgetter("layout")
_MAX_SHAPES = 4096  # verdicts on role sequences a rule keeps
# Phrases per automaton: with many phrases the automaton's SIMD prefilter may give up, and
# one search runs several times slower than a few searches of up to 16 phrases each (the 25
# needles of boilerplate-response over the record-pass benchmark's text: 0.59 µs per record
# in one automaton, 0.10 in two; benchmarks/record_pass.py --profile-rules shows the share).
_PHRASES_PER_AUTOMATON = 16


@lru_cache(maxsize=64)
def _automata(phrases: tuple[str, ...]) -> tuple[BytesAhoCorasick, ...]:
    """Automata that together find any of ``phrases`` (see ``_PHRASES_PER_AUTOMATON``)."""
    step = _PHRASES_PER_AUTOMATON
    return tuple(_automaton(phrases[i:i + step]) for i in range(0, len(phrases), step))


@lru_cache(maxsize=64)
def _automaton(phrases: tuple[str, ...]) -> BytesAhoCorasick:
    """An Aho-Corasick automaton finding any of ``phrases`` in UTF-8 bytes.  Leftmost-first
    matches do not overlap, so a phrase inside or across another match is not reported; a
    record still is, by that other match, which cannot reach past the record's end (no
    phrase holds the separator).  Bytes, not str, and leftmost-first: searched this way the
    automaton skips ahead with its SIMD prefilter, five to ten times faster on prose than
    over a str or with the standard match kind (measured)."""
    return BytesAhoCorasick([p.encode("utf-8", "surrogatepass") for p in phrases],
                            matchkind=MATCHKIND_LEFTMOST_FIRST)


def has_any(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether ``text`` contains one of ``phrases``, in one pass for all of them."""
    data = text.encode("utf-8", "surrogatepass")
    return any(a.find_matches_as_indexes(data) for a in _automata(phrases))


class Batch:
    """Consecutive records of one file, with facts about all of them computed at once."""

    __slots__ = ("records", "_all_texts", "_text", "_starts", "_split_ok", "_text_bytes",
                 "_symbols_text", "_symbols", "_turns", "_roles", "_shapes", "_layouts")

    def __init__(self, records: list[Record]):
        self.records = records
        self._all_texts: list[str] | None = None
        self._text: str | None = None
        self._starts: list[int] | None = None
        self._split_ok: bool | None = None
        self._text_bytes: bytes | None = None
        self._symbols_text: bytes | None = None
        self._symbols: list[bytes] | None = None
        self._turns: list[Turn] | None = None
        self._roles: list[tuple[str, ...]] | None = None
        self._shapes: set[tuple[str, ...]] | None = None
        self._layouts: dict[str | None, int] | None = None

    # -- joined text ----------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The records' ``all_text`` joined with NUL characters."""
        if self._text is None:
            texts = self._texts()
            self._text = _SEP.join(texts)
            # start of each record's text, and one past the end (as if a separator followed)
            self._starts = [0, *accumulate(map(add, map(len, texts), repeat(1)))]
        return self._text

    @property
    def texts(self) -> list[str]:
        """Each record's ``all_text``, joined here in C for the usual records without a
        rejected side (the records' own cache is left alone: most never need it)."""
        return self._texts()

    def _texts(self) -> list[str]:
        texts = self._all_texts
        if texts is None:
            records = self.records
            if any(map(_rejected_of, records)):
                texts = [r.all_text for r in records]
            else:
                texts = list(map("\n".join, map(filter, repeat(None), map(
                    map, repeat(_text_of), map(_turns_of, records)))))
            self._all_texts = texts
        return texts

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self.text  # noqa: B018 - builds both
        return self._starts  # type: ignore[return-value]

    @property
    def split_ok(self) -> bool:
        """True when no record's text holds the separator, so offsets map to records."""
        if self._split_ok is None:
            # one memchr per record (counting in the joined text is several times slower)
            self._split_ok = not any(map(str.__contains__, self._texts(), repeat(_SEP)))
        return self._split_ok

    def having(self, *needles: str) -> list[Record]:
        """The records whose ``all_text`` contains at least one of ``needles``, in order.

        One ``str.find`` per hit over the joined text, then on to the next record: with
        single characters it runs at memchr speed.  Needles of several characters are found
        together, in one pass of an Aho-Corasick automaton.  A needle must not contain the
        separator."""
        records = self.records
        return [records[i] for i in sorted(self.indices_having(*needles))]

    def indices_having(self, *needles: str) -> set[int]:
        """The positions in :attr:`records` of the records :meth:`having` returns."""
        records = self.records
        if not self.split_ok:
            return {i for i, r in enumerate(records) if any(n in r.all_text for n in needles)}
        text = self.text
        starts = self.starts
        find = text.find
        found: set[int] = set()
        phrases = []
        for needle in needles:
            if len(needle) > 1:
                phrases.append(needle)
                continue
            pos = find(needle)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                found.add(i)
                pos = find(needle, starts[i + 1])
        if phrases:
            # longer needles all at once: str.find runs several times slower on a phrase
            # than on one character; the automaton searches the UTF-8 bytes of the text
            # (byte offsets, in order: a hit's record is the count of separators before it)
            data = self.text_bytes
            count = data.count
            for automaton in _automata(tuple(phrases)):
                i = at = 0
                for _, pos, _ in automaton.find_matches_as_indexes(data):
                    i += count(b"\x00", at, pos)
                    at = pos
                    found.add(i)
        return found

    # -- symbols --------------------------------------------------------------------------
    @property
    def text_bytes(self) -> bytes:
        """:attr:`text` in UTF-8 (lone surrogates passed through)."""
        if self._text_bytes is None:
            self._text_bytes = self.text.encode("utf-8", "surrogatepass")
        return self._text_bytes

    @property
    def symbols_text(self) -> bytes | None:
        """Every record's ``symbols`` joined with NUL bytes (None unless :attr:`split_ok`),
        made with one translate for the whole batch."""
        if self._symbols_text is None and self.split_ok:
            self._symbols_text = self.text_bytes.translate(None, _LETTERS_AND_SPACE)
        return self._symbols_text

    @property
    def symbols(self) -> list[bytes]:
        """Each record's ``symbols`` (see :func:`datalint.io.record.symbols_of`); also stored
        on the records."""
        if self._symbols is None:
            records = self.records
            joined = self.symbols_text
            if joined is not None:
                syms = joined.split(b"\x00")
                for r, s in zip(records, syms):
                    r._symbols = s
            else:
                syms = [r.symbols for r in records]
            self._symbols = syms
        return self._symbols

    def indices_matching_symbols(self, regex: re.Pattern, table: bytes | None = None
                                 ) -> set[int]:
        """The positions of the records whose ``symbols``, translated by ``table`` when
        given (a ``bytes.translate`` table that maps NUL to itself and no other byte to
        NUL), have a match of the bytes ``regex``, which must not match a NUL.  One search
        per hit over the joined symbols."""
        joined = self.symbols_text
        if joined is None:
            return {i for i, s in enumerate(self.symbols)
                    if regex.search(s if table is None else s.translate(table)) is not None}
        if table is not None:
            joined = joined.translate(table)
        search = regex.search
        count = joined.count
        found: set[int] = set()
        i = at = 0
        m = search(joined)
        while m is not None:
            i += count(b"\x00", at, m.start())  # separators passed: records passed
            found.add(i)
            at = joined.find(b"\x00", m.end())  # the end of this record
            if at < 0:
                break
            m = search(joined, at)
        return found

    @property
    def layouts(self) -> dict[str | None, int]:
        """How many records each layout has (None: no layout fit them)."""
        if self._layouts is None:
            self._layouts = Counter(map(_layout_of, self.records))
        return self._layouts

    def with_layout(self, layout: str | None) -> list[Record]:
        """The records mapped to ``layout`` (None: no layout fit them)."""
        n = self.layouts.get(layout)
        if not n:
            return []
        if n == len(self.records):
            return self.records
        return [r for r in self.records if r.layout == layout]

    # -- turns ----------------------------------------------------------------------------
    @property
    def turns(self) -> list[Turn]:
        """The ``turns`` of every record, one list, in order."""
        if self._turns is None:
            self._turns = list(chain.from_iterable(map(_turns_of, self.records)))
        return self._turns

    @property
    def roles(self) -> list[tuple[str, ...]]:
        """Each record's sequence of turn roles (``turns`` only)."""
        if self._roles is None:
            self._roles = list(map(tuple, map(map, repeat(_role_of),
                                               map(_turns_of, self.records))))
        return self._roles

    def with_roles(self, verdicts: dict, pred) -> list[Record]:
        """The records whose role sequence satisfies ``pred``, asked once per distinct
        sequence (a batch usually has one or two) and remembered in ``verdicts``."""
        if self._shapes is None:
            self._shapes = set(self.roles)
        flagged = set()
        for shape in self._shapes:
            v = verdicts.get(shape)
            if v is None:
                v = bool(pred(shape))
                if len(verdicts) < _MAX_SHAPES:
                    verdicts[shape] = v
            if v:
                flagged.add(shape)
        if not flagged:
            return []
        return [r for r, shape in zip(self.records, self.roles) if shape in flagged]
