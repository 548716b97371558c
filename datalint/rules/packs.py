"""Declarative pattern packs (the TOML files in the top-level ``packs/`` folder).

A pack feeds one rule with patterns::

    [pack]
    rule = "leaked-special-token"          # the rule that uses these patterns
    description = "Chat-template tokens"

    [[pattern]]
    id = "chatml"                          # unique within the rule
    regex = '<\\|im_(?:start|end)\\|>'
    description = "ChatML turn marker"
    severity = "error"                     # optional, else the rule's severity
    ignore-case = false                    # optional
    roles = ["assistant"]                  # optional: only text of these roles
    fields = ["input"]                     # optional: only these fields (last path part)
    validate = "luhn"                      # optional: a named validator (see VALIDATORS)
    requires = ["AI", "A.I."]              # optional: every match holds one of these

Patterns are data, never code: ``validate`` names one of a fixed set of validators.  A user
adds a pack with ``--pack FILE`` or ``packs = [...]`` in the config.

``requires`` is a promise that speeds up a pattern whose regex cannot be searched quickly (one
that starts with a class such as ``[Aa]`` or with ``\b`` is tried at every position of a
text): when a rule's patterns are searched one at a time (see :class:`PatternSet`), a text
that holds none of the strings is not searched for that pattern.  It also stands for the
pattern in the rule's record gate: a record that holds no needle of any pattern is not looked
at (a pattern without ``requires`` gets needles read from its regex, see
:func:`pattern_needles`; one that shows none lets every record through).  Ignored for a
pattern that ignores case.  A string missing from the list loses matches; the built-in packs'
lists are tested against strings made from their regexes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import UsageError
from ..io.batch import has_any
from .privacy.values import (issued_ssn, luhn, personal_phone, real_card,
                             reserved_email_domain)


VALIDATORS = {
    "luhn": luhn,
    # the pii pack's: a card number that is not a published test number, an e-mail address
    # not at a reserved or made-up domain, a phone number that may be a person's (not
    # fictional, toll-free or breaking its numbering plan), a social security number that
    # can have been issued (see datalint.rules.privacy.values)
    "card-number": real_card,
    "real-email-domain": lambda s: not reserved_email_domain(s),
    "not-fake-phone": personal_phone,
    "issued-ssn": issued_ssn,
}


@dataclass(frozen=True, slots=True)
class Pattern:
    rule: str
    id: str
    regex: str
    description: str
    severity: str | None
    ignore_case: bool
    roles: tuple[str, ...] | None
    fields: tuple[str, ...] | None
    validate: str | None
    source: str
    requires: tuple[str, ...] | None = None


def builtin_pack_dir() -> Path:
    package = Path(__file__).resolve().parent.parent  # datalint/
    installed = package / "_packs"  # in a wheel (pyproject.toml: force-include)
    return installed if installed.is_dir() else package.parent / "packs"


_PATTERN_KEYS = {"id", "regex", "description", "severity", "ignore-case", "roles", "fields",
                 "validate", "requires"}


def load_pack(path: Path) -> list[Pattern]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read rule pack ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: invalid TOML in rule pack ({e})") from None
    pack = data.get("pack", {})
    rule = pack.get("rule")
    if not isinstance(rule, str):
        raise UsageError(f"{path}: a rule pack needs [pack] rule = \"<rule name>\"")
    out = []
    for i, p in enumerate(data.get("pattern", [])):
        unknown = set(p) - _PATTERN_KEYS
        if unknown:
            raise UsageError(f"{path}: pattern {i + 1}: unknown key(s) {sorted(unknown)}")
        if "id" not in p or "regex" not in p:
            raise UsageError(f"{path}: pattern {i + 1} needs `id` and `regex`")
        if p.get("validate") and p["validate"] not in VALIDATORS:
            raise UsageError(f"{path}: pattern {p['id']!r}: unknown validator {p['validate']!r} "
                             f"(known: {', '.join(VALIDATORS)})")
        if p.get("severity") not in (None, "info", "warning", "error"):
            raise UsageError(f"{path}: pattern {p['id']!r}: severity must be info, warning or error")
        try:
            re.compile(p["regex"])
        except re.error as e:
            raise UsageError(f"{path}: pattern {p['id']!r}: bad regex ({e})") from None
        requires = p.get("requires")
        if requires is not None and (not isinstance(requires, list) or not requires or not all(
                isinstance(r, str) and r for r in requires)):
            raise UsageError(f"{path}: pattern {p['id']!r}: requires must be a list of "
                             "non-empty strings")
        out.append(Pattern(rule, p["id"], p["regex"], p.get("description", p["id"]),
                           p.get("severity"), bool(p.get("ignore-case", False)),
                           tuple(p["roles"]) if p.get("roles") else None,
                           tuple(p["fields"]) if p.get("fields") else None,
                           p.get("validate"), str(path),
                           tuple(requires) if requires else None))
    return out


@lru_cache(maxsize=8)
def load_packs(extra: tuple[str, ...] = ()) -> dict[str, list[Pattern]]:
    by_rule: dict[str, list[Pattern]] = {}
    files = sorted(builtin_pack_dir().glob("*.toml")) + [Path(e) for e in extra]
    for f in files:
        for p in load_pack(f):
            by_rule.setdefault(p.rule, []).append(p)
    return by_rule


# -- what a regex's structure tells ----------------------------------------------------------
# The parse tree of the standard library's own regex parser (``re._parser``, private; the same
# tree ``re.compile`` works from) is read here and nowhere else: whether the engine can skip to
# the places a pattern may start at, its shortest match, and the strings every match of it
# holds (the needles of a pattern rule's gate, see ``datalint.rule``).  Each reader falls back
# to the answer that costs speed, never a match, when the tree cannot be had or read.

def _parse(pattern: str):
    from re import _parser
    return _parser.parse(pattern, 0)


def _skippable(pattern: str) -> bool:
    """Whether the regex engine can skip to the places ``pattern`` may start at: it starts
    with a literal character or set of characters (read from ``re``'s own compiler; when
    that cannot be asked, assumed true)."""
    try:
        from re import _compiler
        parsed = _parse(pattern)
        return bool(_compiler._get_literal_prefix(parsed, 0)[0]
                    or _compiler._get_charset_prefix(parsed, 0))
    except Exception:
        return True


def _min_width(pattern: str) -> int:
    try:
        return _parse(pattern).getwidth()[0]
    except Exception:
        return 0


_MAX_ALTERNATIVES = 64  # strings a run of literals and small alternations may spell


def regex_needles(regex: str, ignore_case: bool = False) -> tuple[str, ...] | None:
    """Strings at least one of which is in every match of ``regex`` (None: none is known).

    Read from the regex's structure: a run of literal characters (with the zero-width
    assertions inside it skipped, small alternations and character sets spelled out) is in
    every match; so is one of the strings of each branch of a required alternation.  Of
    the runs found, the one whose shortest string is longest is kept.  A letter that
    ignores case ends a run (a case-folded match may hold another letter, such as "K" for
    "k"), as does a NUL character (the batch separator)."""
    try:
        tree = _parse(regex)
        from re import _constants as c
    except Exception:
        return None
    icase = ignore_case or bool(tree.state.flags & re.IGNORECASE)
    try:
        found = _NeedleReader(c).sequence(list(tree), icase)
    except Exception:
        return None
    return tuple(sorted(found)) if found else None


def _selectivity(needles: set[str]) -> tuple:
    """How well a set of needles picks records, as a sort key: strings that all hold
    punctuation are rare in prose whatever their length, so the fewest of them; strings of
    letters are rarer the longer they are (up to a point), then the fewer the better."""
    if all(any(not ch.isalnum() and ch != " " for ch in n) for n in needles):
        return (1, -len(needles), min(map(len, needles)))
    return (0, min(min(map(len, needles)), 8), -len(needles))


class _NeedleReader:
    """The walk behind :func:`regex_needles` over a ``re._parser`` tree."""

    def __init__(self, c):
        self.c = c
        self.zero_width = {c.AT, c.ASSERT, c.ASSERT_NOT}
        self.repeats = {c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)}
        self.groups = {c.SUBPATTERN, getattr(c, "ATOMIC_GROUP", None)}

    @staticmethod
    def better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
        """The more selective of two needle sets (None, or one holding "": no needles):
        strings that all hold punctuation first (rare in prose, and found quickly), then
        fewer strings, then longer ones."""
        if not b or "" in b:
            return a
        if not a or "" in a:
            return b
        return b if _selectivity(b) > _selectivity(a) else a

    def char(self, code: int, icase: bool) -> str | None:
        ch = chr(code)
        if ch == "\x00" or (icase and not (ch.isascii() and not ch.isalpha())):
            return None
        return ch

    def group_case(self, av, icase: bool) -> tuple[bool, list]:
        if len(av) == 4:  # SUBPATTERN: (group, add flags, del flags, pattern)
            _, add, drop, p = av
            return (icase or bool(add & re.IGNORECASE)) and not drop & re.IGNORECASE, list(p)
        return icase, list(av)  # ATOMIC_GROUP: the pattern

    def exact(self, op, av, icase: bool) -> set[str] | None:
        """The strings one item always matches exactly one of (None: not a small set)."""
        c = self.c
        if op is c.LITERAL:
            ch = self.char(av, icase)
            return None if ch is None else {ch}
        if op is c.IN:
            out: set[str] = set()
            for iop, iav in av:
                if iop is c.LITERAL:
                    chars = [iav]
                elif iop is c.RANGE and iav[1] - iav[0] < 16:
                    chars = range(iav[0], iav[1] + 1)
                else:
                    return None
                for code in chars:
                    ch = self.char(code, icase)
                    if ch is None:
                        return None
                    out.add(ch)
            return out or None
        if op in self.groups:
            icase, items = self.group_case(av, icase)
            return self.exact_sequence(items, icase)
        if op in self.repeats and av[1] <= 1:  # x? (or x{1}): one string or none
            got = self.exact_sequence(list(av[2]), icase)
            if got is None:
                return None
            return got | {""} if av[0] == 0 else got
        if op is c.BRANCH:
            out = set()
            for alt in av[1]:
                got = self.exact_sequence(list(alt), icase)
                if got is None:
                    return None
                out |= got
                if len(out) > _MAX_ALTERNATIVES:
                    return None
            return out
        return None

    def exact_sequence(self, items: list, icase: bool) -> set[str] | None:
        run = {""}
        for op, av in items:
            if op in self.zero_width:
                continue
            got = self.exact(op, av, icase)
            if got is None or len(run) * len(got) > _MAX_ALTERNATIVES:
                return None
            run = {a + b for a in run for b in got}
        return run

    def inside(self, op, av, icase: bool) -> set[str] | None:
        """Needles of one item that is not a small set of exact strings."""
        c = self.c
        if op in self.groups:
            icase, items = self.group_case(av, icase)
            return self.sequence(items, icase)
        if op is c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                got = self.sequence(list(alt), icase)
                if not got:
                    return None
                out |= got
            return out
        if op in self.repeats and av[0] >= 1:
            return self.sequence(list(av[2]), icase)
        return None

    def sequence(self, items: list, icase: bool) -> set[str] | None:
        best = None
        run = {""}
        for op, av in items:
            if op in self.zero_width:
                continue  # consumes nothing: the run goes on across it
            got = self.exact(op, av, icase)
            if got is not None and len(run) * len(got) <= _MAX_ALTERNATIVES:
                if len(got) > 1:  # the run so far may be the better needle
                    best = self.better(best, run)
                run = {a + b for a in run for b in got}
                continue
            best = self.better(best, run)
            run = {""}
            if got is not None:
                best = self.better(best, got)
            else:
                best = self.better(best, self.inside(op, av, icase))
        return self.better(best, run)


def fewest_needles(needles) -> tuple[str, ...]:
    """``needles`` without those holding another one: a text holds one of them exactly
    when it holds one of the rest."""
    kept: list[str] = []
    for n in sorted(set(needles), key=len):
        if not any(k in n for k in kept):
            kept.append(n)
    return tuple(sorted(kept))


def pattern_needles(p: Pattern) -> tuple[str, ...] | None:
    """Strings one of which is in every match of ``p``: its ``requires`` (chosen by the
    pack's author), else what its regex shows; None when neither is known."""
    if p.requires and not p.ignore_case:
        return tuple(sorted(set(p.requires)))
    return regex_needles(p.regex, p.ignore_case)


class PatternSet:
    """The patterns of one rule compiled into a single alternation, scanned once per text.

    An alternation the regex engine cannot skip through (one of its patterns starts with a
    look-behind, ``\\b`` or a class with a letter that ignores case) is tried at every
    position of the text, branch after branch: on prose that is some hundred times slower
    than a search that jumps from one candidate character to the next.  Such a set is
    searched one pattern at a time instead, each with its own skip, and the matches merged
    into exactly those of the alternation: at each place the leftmost match, the first
    pattern among those that match there, then on from its end."""

    def __init__(self, patterns: list[Pattern]):
        self.patterns = patterns
        parts = []
        bodies = []
        for i, p in enumerate(patterns):
            body = f"(?i:{p.regex})" if p.ignore_case else f"(?:{p.regex})"
            bodies.append(body)
            # the marker group goes after the body, so that each alternative starts with the
            # pattern's own first token and the regex engine can skip it on one character
            parts.append(f"{body}(?P<p{i}>)")
        self.regex = re.compile("|".join(parts)) if parts else None
        self.validators = [VALIDATORS[p.validate] if p.validate else None for p in patterns]
        self.each: list[re.Pattern] | None = None
        if (len(parts) > 1 and not _skippable(self.regex.pattern)
                and all(_min_width(b) > 0 for b in bodies)):
            self.each = [re.compile(b) for b in bodies]
        # the ``requires`` of each pattern searched on its own (case-sensitive ones only:
        # a regex that ignores case matches letters str.lower cannot tell, "ſ" for "s")
        self.requires = [p.requires if p.requires and not p.ignore_case else None
                         for p in patterns]
        if not any(self.requires):
            self.requires = None
        # what a text must hold for any pattern to match in it: the record gate of the
        # rule (None: some pattern shows no needle; (): no pattern, nothing can match)
        found = [pattern_needles(p) for p in patterns]
        self.needles: tuple[str, ...] | None = (
            fewest_needles(n for ns in found for n in ns) if all(found) else None)

    def may_match(self, text: str) -> bool:
        """Whether ``text`` holds one of :attr:`needles` (true when they are unknown): false
        only for a text in which no pattern can match."""
        needles = self.needles
        if needles is None:
            return True
        if len(needles) <= 4:  # a few in tests: memchr speed for single characters
            for n in needles:
                if n in text:
                    return True
            return False
        return has_any(text, needles)

    def matches(self, text: str):
        """Yield (pattern index, match) for each match of the alternation in ``text``."""
        if self.each is None:
            for m in self.regex.finditer(text):
                yield int(m.lastgroup[1:]), m
            return
        each = self.each
        if self.requires is None:
            ahead = [r.search(text) for r in each]  # each pattern's next match
        else:  # a pattern whose required strings are all absent has no match
            ahead = [None if req is not None and not any(n in text for n in req)
                     else r.search(text) for r, req in zip(each, self.requires)]
        pos = 0
        while True:
            best = None
            at = 0
            for i, m in enumerate(ahead):
                if m is None:
                    continue
                if m.start() < pos:  # overlaps what was taken: look again from pos
                    m = ahead[i] = each[i].search(text, pos)
                    if m is None:
                        continue
                if best is None or m.start() < best.start():
                    best, at = m, i
            if best is None:
                return
            yield at, best
            pos = best.end()  # never empty (min width above)

    def scan(self, text: str, role: str | None = None, field: str | None = None):
        """Yield (pattern, match) for each match that applies to this role and field."""
        if self.regex is None:
            return
        leaf = field.rsplit(".", 1)[-1] if field else None
        for i, m in self.matches(text):
            p = self.patterns[i]
            if p.roles is not None and role not in p.roles:
                continue
            if p.fields is not None and leaf not in p.fields:
                continue
            v = self.validators[i]
            if v is not None and not v(m.group()):
                continue
            yield p, m


def rule_patterns(rule) -> tuple[PatternSet, bool]:
    """A pack rule's pattern set (from its engine context, else the packs on disk) and
    whether every pattern in it comes from the built-in pack, so the rule may use a
    hand-written prefilter that is only valid for the built-in patterns."""
    ps = rule.context.patterns(rule.name) if rule.context is not None else \
        PatternSet(load_packs().get(rule.name, []))
    home = str(builtin_pack_dir())
    return ps, all(p.source.startswith(home) for p in ps.patterns)


class PackRuleMixin:
    """The walk shared by the pattern-pack record rules: every turn (the rejected side of a
    preference pair or a KTO answer labelled false included: a rule that judges an answer's
    quality walks ``record.turns`` itself, see :mod:`datalint.io.record`), every span of it.  Records are
    picked by the needles of the loaded patterns (``pack_gate``, see :mod:`datalint.rule`),
    so a pattern from a user's pack is searched like a built-in one.

    A rule defines ``check_span(record, turn, field, text)`` returning its findings for one
    span (an iterable, or None).  Each turn is tested for the needles first, unless the rule
    sets ``turn_gate = False`` (needles found in nearly every text cost more than they save)."""

    pack_gate = True
    turn_gate = True

    def setup(self) -> None:
        self.ps, self.builtin = rule_patterns(self)

    def check_span(self, record, turn, field, text):
        raise NotImplementedError

    def check(self, record):
        if self.ps.regex is None:
            return ()
        out = None
        may_match = self.ps.may_match if self.turn_gate else None
        turns = record.turns
        if record.rejected:
            turns = turns + record.rejected
        for t in turns:
            text = t.text
            # an Alpaca turn's text joins its spans: one test covers all of them
            if not text or (may_match is not None and not may_match(text)):
                continue
            for span in t.iter_spans():
                found = self.check_span(record, t, span.field, span.text)
                if found:
                    if out is None:
                        out = []
                    out.extend(found)
        return out or ()
