"""The canonical record every rule sees, whatever the input layout was.

Readers produce :class:`Record` objects; layout adapters (``datalint.io.layouts``) fill in the
role-tagged turns.  Rules never look at raw layouts, only at turns and spans.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Iterator

import orjson

SYSTEM = "system"
USER = "user"
ASSISTANT = "assistant"
TOOL = "tool"
CANONICAL_ROLES = (SYSTEM, USER, ASSISTANT, TOOL)

#: The reserved field for per-record suppression.
SUPPRESS_FIELD = "_datalint_ignore"

#: Fields looked at for a record's own id.
ID_FIELDS = ("id", "_id", "uuid", "idx", "conversation_id", "question_id", "example_id")

_UNSET = object()

# The readers make a Record per line and the layout mapper a Turn per message: the call to
# the dataclass __init__ (keyword defaults, a default factory) was a third of the chat layout
# loop's time on the record-pass benchmark (benchmarks/record_pass.py).  The ``plain``
# constructors below set every slot themselves on an object made without __init__ (here,
# and inlined once in the chat layout's loop over messages, io/layouts.py, where the call
# per turn showed); tests/test_readers.py checks both against the constructor.
_new = object.__new__


@dataclass(slots=True)
class Location:
    """Where a finding points: a file, a line/row, a record and a field inside it."""

    path: str | None = None
    line: int | None = None
    index: int | None = None
    record_id: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "record_index": self.index,
            "record_id": self.record_id,
            "field": self.field,
        }

    def sort_key(self) -> tuple:
        return (self.path or "", self.line or 0, self.index or 0, self.field or "")


@dataclass(slots=True)
class Span:
    """One piece of text inside a turn, with the field it came from."""

    field: str
    text: str


@dataclass(slots=True)
class Turn:
    """One role-tagged turn of a conversation.

    ``text`` is ``None`` when the content is missing or not a string (the layout adapter has
    already reported that).  ``spans`` holds the separate text fields that make up the turn
    (for Alpaca, the instruction and the input); for most turns it is one span.
    """

    role: str
    text: str | None
    field: str
    raw_role: str | None = None
    spans: list[Span] | None = None
    tool_calls: list[dict] | None = None
    tool_call_id: str | None = None
    weight: float | None = None
    branch: str | None = None  # "rejected" for the losing side of a preference pair

    @classmethod
    def plain(cls, role: str, text: str | None, field: str, raw_role: str | None,
              branch: str | None) -> "Turn":
        """``Turn(role, text, field, raw_role, branch=branch)``, faster (see ``_new``)."""
        t = _new(cls)
        t.role = role
        t.text = text
        t.field = field
        t.raw_role = raw_role
        t.spans = t.tool_calls = t.tool_call_id = t.weight = None
        t.branch = branch
        return t

    def iter_spans(self) -> Iterator[Span]:
        if self.spans is not None:
            yield from self.spans
        elif self.text is not None:
            yield Span(self.field, self.text)


@dataclass(slots=True)
class Issue:
    """A structural problem a layout adapter found while mapping fields to turns."""

    code: str  # the layout rule's code, e.g. MISSING_FIELD (F005)
    field: str | None
    message: str


_text_of = attrgetter("text")
_LETTERS_AND_SPACE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz "


def symbols_of(text: str) -> bytes:
    """``text`` in UTF-8 without its ASCII letters and spaces: its digits, punctuation,
    whitespace other than the space, control characters and the bytes of non-ASCII
    characters.  A few bytes for prose, made in one pass in C, in which counting digits or
    looking for control and non-ASCII characters costs next to nothing.  (To test for one
    given character, ``c in text`` is cheaper still.)  A lone surrogate, which readers let
    through, is kept as its three bytes rather than raising."""
    return text.encode("utf-8", "surrogatepass").translate(None, _LETTERS_AND_SPACE)


@dataclass(slots=True)
class Record:
    path: str
    line: int | None
    index: int
    raw: Any
    layout: str | None = None
    turns: list[Turn] = field(default_factory=list)
    rejected: list[Turn] | None = None
    issues: list[Issue] | None = None
    suppressed: frozenset[str] | None = None
    #: the fields of ``raw`` the layout turned into turns (None: not mapped)
    consumed: tuple[str, ...] | None = None
    # caches of the properties below (None: not computed yet)
    _meta: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    _explicit_id: Any = field(default=_UNSET, init=False, repr=False, compare=False)
    _all_text: str | None = field(default=None, init=False, repr=False, compare=False)
    _symbols: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def plain(cls, path: str, line: int | None, index: int, raw: Any) -> "Record":
        """``Record(path, line, index, raw)``, faster (see ``_new``)."""
        rec = _new(cls)
        rec.path = path
        rec.line = line
        rec.index = index
        rec.raw = raw
        rec.turns = []
        rec.layout = rec.rejected = rec.issues = rec.suppressed = None
        rec.consumed = rec._meta = rec._all_text = rec._symbols = None
        rec._explicit_id = _UNSET
        return rec

    # -- facts shared by the rules --------------------------------------------------------
    # Every record rule runs on every record, so what several of them need is computed once
    # per record, on first use, from the turns as the layout mapper left them.  They let a
    # rule rule out a record with one cheap test instead of walking every turn (a test on
    # the joined text holds for every turn when it can only be true of a text if it is true
    # of a part of it: "holds a '<'", "has seven digits").

    @property
    def all_text(self) -> str:
        """The text of every turn (``turns``, then ``rejected``) that has any, joined with
        newlines."""
        text = self._all_text
        if text is None:
            turns = self.turns + self.rejected if self.rejected else self.turns
            # filter(None, …) drops the None and empty texts
            text = self._all_text = "\n".join(filter(None, map(_text_of, turns)))
        return text

    @property
    def symbols(self) -> bytes:
        """:func:`symbols_of` :attr:`all_text`."""
        sym = self._symbols
        if sym is None:
            sym = self._symbols = symbols_of(self.all_text)
        return sym

    def forget_facts(self) -> None:
        """Drop the computed facts: a record kept after the pass need not carry its text
        twice."""
        self._all_text = self._symbols = None

    # -- metadata -------------------------------------------------------------------------
    # Made on first use: most records never need them (a finding's location does).
    @property
    def meta(self) -> dict[str, Any]:
        """The record's own fields that its layout did not consume (author, source, id…)."""
        meta = self._meta
        if meta is None:
            raw = self.raw
            if type(raw) is not dict or self.consumed is None:
                meta = {}
            else:
                meta = raw.copy()  # copied and popped in C: cheaper than a comprehension
                for k in self.consumed:
                    meta.pop(k, None)
                meta.pop(SUPPRESS_FIELD, None)
            self._meta = meta
        return meta

    @meta.setter
    def meta(self, value: dict[str, Any]) -> None:
        self._meta = value

    @property
    def explicit_id(self) -> str | None:
        """The record's own id field (the first of ``ID_FIELDS`` it has), if any."""
        found = self._explicit_id
        if found is _UNSET:
            found = None
            meta = self.meta
            for k in ID_FIELDS:
                v = meta.get(k)
                if v is not None and isinstance(v, (str, int)) and not isinstance(v, bool):
                    found = str(v)
                    break
            self._explicit_id = found
        return found

    # -- identity -------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The record's own id field when it has one, else a short content hash."""
        if self.explicit_id is not None:
            return self.explicit_id
        return self.content_hash()[:12]

    def content_hash(self) -> str:
        """A hash of the record's turns: equal for records with the same conversation."""
        h = hashlib.blake2b(digest_size=16)
        for t in self.turns:
            h.update(t.role.encode())
            h.update(b"\x1f")
            h.update((t.text or "").encode("utf-8", "surrogatepass"))
            h.update(b"\x1e")
        if not self.turns:
            h.update(orjson.dumps(self.raw, option=orjson.OPT_SORT_KEYS, default=str))
        return h.hexdigest()

    # -- text access ----------------------------------------------------------------------
    def all_turns(self) -> Iterator[Turn]:
        yield from self.turns
        if self.rejected:
            yield from self.rejected

    def spans(self, role: str | None = None) -> Iterator[tuple[Turn, Span]]:
        """Every text span of every turn (including rejected answers), optionally by role."""
        for t in self.all_turns():
            if role is not None and t.role != role:
                continue
            if t.spans is not None:
                for s in t.spans:
                    yield t, s
            elif t.text is not None:
                yield t, Span(t.field, t.text)

    def location(self, field: str | None = None) -> Location:
        return Location(self.path, self.line, self.index, self.id, field)

    def add_issue(self, code: str, field: str | None, message: str) -> None:
        if self.issues is None:
            self.issues = []
        self.issues.append(Issue(code, field, message))
