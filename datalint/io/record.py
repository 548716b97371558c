"""The canonical record every rule sees, whatever the input layout was.

Readers produce :class:`Record` objects; layout adapters (``datalint.io.layouts``) fill in the
role-tagged turns.  Rules never look at raw layouts, only at turns and spans.

What a record holds, and which rules read what:

* ``turns`` — the conversation the model is trained to continue: the prompt and the answer
  it should give (the chosen side of a preference pair, the best-ranked path of a message
  tree).  Every rule reads it.
* ``rejected`` — an answer the data marks as bad *on purpose*: the losing side of a
  preference pair, or a KTO answer labelled undesirable (``label: false``, for which
  ``turns`` holds only the prompt).  Its turns have ``branch == REJECTED``.  Rules that judge
  an answer's quality (unfilled placeholder, boilerplate, truncation, repetition) read
  ``turns`` only: a flaw in a rejected answer is the point of the pair, not the data's
  defect.  Rules about the file's hygiene, which holds whatever the label (encoding, leaked
  tokens, PII, whitespace, length, emptiness), read ``all_turns()``.
* ``alternatives`` — further conversations the one record holds that are neither trained
  against nor part of ``turns``: the other root-to-leaf paths of an Open-Assistant message
  tree, the further input/output instances of a self-instruct task.  They are checked for
  structure by the layout mapper (a reply with no text is reported) and count in the
  record's identity (two trees that differ only in a side branch are not duplicates); the
  record rules do not lint their text.
* ``tools`` — the tools a record offers the model (the parsed ``tools`` field of a chat or
  ShareGPT record: a list of function definitions); ``None`` when the record has no
  ``tools`` field, ``[]`` when it offers an empty list.  Tool calls themselves are turns
  with ``tool_calls`` (an OpenAI ``tool_calls`` list, or a ShareGPT ``function_call`` turn
  read as one); tool results are ``tool`` turns.
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

#: ``Turn.branch`` of an answer trained against: the losing side of a preference pair, an
#: answer labelled undesirable (KTO ``label: false``).
REJECTED = "rejected"

#: The reserved field for per-record suppression.
SUPPRESS_FIELD = "_datalint_ignore"

#: Fields looked at for a record's own id.
ID_FIELDS = ("id", "_id", "uuid", "idx", "conversation_id", "question_id", "example_id",
             "message_tree_id")

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
    branch: str | None = None  # REJECTED for an answer trained against (see the module doc)

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


def _hash_turns(h, turns: list[Turn]) -> None:
    for t in turns:
        h.update(t.role.encode())
        h.update(b"\x1f")
        h.update((t.text or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
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
    #: further conversations the record holds (see the module docstring); None: none
    alternatives: list[list[Turn]] | None = None
    #: the tools the record offers (parsed function definitions); None: no ``tools`` field
    tools: list[Any] | None = None
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
        rec.alternatives = rec.tools = None
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
        """A hash of the record's turns, its rejected answer and its alternatives: equal for
        records with the same conversation (two preference pairs that share the prompt and
        the chosen answer but not the rejected one are different pairs)."""
        h = hashlib.blake2b(digest_size=16)
        _hash_turns(h, self.turns)
        if self.rejected:
            h.update(b"\x1d")  # only for records that have a rejected side: the hash of
            _hash_turns(h, self.rejected)  # every other record is what it always was
        if self.alternatives:
            for alt in self.alternatives:
                h.update(b"\x1c")
                _hash_turns(h, alt)
        if not self.turns:
            h.update(orjson.dumps(self.raw, option=orjson.OPT_SORT_KEYS, default=str))
        return h.hexdigest()

    def tool_names(self) -> list[str]:
        """The names of the functions in :attr:`tools` (LLaMA-Factory's ``{name, …}`` and
        OpenAI's ``{type: function, function: {name, …}}`` definitions)."""
        names = []
        for t in self.tools or ():
            if isinstance(t, dict):
                fn = t.get("function")
                name = fn.get("name") if isinstance(fn, dict) else t.get("name")
                if isinstance(name, str):
                    names.append(name)
        return names

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
