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
that holds none of the strings is not searched for that pattern.  Ignored for a pattern that
ignores case.  A string missing from the list loses matches; the built-in packs' lists are
tested against strings made from their regexes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import UsageError


def _luhn(s: str) -> bool:
    digits = [int(c) for c in s if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _not_example_domain(s: str) -> bool:
    """False for addresses at the reserved example domains (RFC 2606) and obvious fakes."""
    domain = s.rsplit("@", 1)[-1].lower().rstrip(".")
    labels = domain.split(".")
    reserved = {"example", "test", "invalid", "localhost", "domain", "email", "yourdomain",
                "company", "mycompany", "yourcompany", "acme", "xyz", "abc", "sample"}
    return not (set(labels[:-1]) & reserved or labels[-1] in {"test", "invalid", "localhost",
                                                               "example"})


def _not_placeholder_digits(s: str) -> bool:
    """False for phone-like numbers that are obviously fake (555-01xx, all one digit…)."""
    digits = re.sub(r"\D", "", s)
    if len(set(digits)) <= 2:
        return False
    if re.search(r"555[^0-9]*01\d\d", s) or "1234567" in digits:
        return False
    return True


VALIDATORS = {
    "luhn": _luhn,
    "real-email-domain": _not_example_domain,
    "not-fake-phone": _not_placeholder_digits,
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


def _skippable(pattern: str) -> bool:
    """Whether the regex engine can skip to the places ``pattern`` may start at: it starts
    with a literal character or set of characters (read from ``re``'s own compiler; when
    that cannot be asked, assumed true)."""
    try:
        from re import _compiler, _parser
        parsed = _parser.parse(pattern, 0)
        return bool(_compiler._get_literal_prefix(parsed, 0)[0]
                    or _compiler._get_charset_prefix(parsed, 0))
    except Exception:
        return True


def _min_width(pattern: str) -> int:
    try:
        from re import _parser
        return _parser.parse(pattern, 0).getwidth()[0]
    except Exception:
        return 0


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
    preference pair included), every span of it, with cheap tests on the way that rule out
    most records before any regex runs.

    A rule defines ``may_match_record(record)`` and ``may_match(text)`` (prefilters, used only
    while the rule's patterns are the built-in pack's), ``needles`` (strings, at least one of
    which is in every record ``may_match_record`` accepts: a whole batch of records is
    searched for them at once) and ``check_span(record, turn, field, text)`` returning its
    findings for one span (an iterable, or None)."""

    needles: tuple[str, ...] = ()

    def setup(self) -> None:
        self.ps, self.builtin = rule_patterns(self)

    def may_match_record(self, record) -> bool:
        return self.may_match(record.all_text)

    def may_match(self, text: str) -> bool:
        return True

    def check_span(self, record, turn, field, text):
        raise NotImplementedError

    def candidates(self, batch):
        if self.ps.regex is None:
            return ()
        if not self.builtin:
            return batch.records
        may = self.may_match_record
        return [r for r in (batch.having(*self.needles) if self.needles else batch.records)
                if may(r)]

    def check_batch(self, batch, out) -> None:
        # candidates() has run the record prefilter already
        turns_of = self._check_turns
        for record in self.candidates(batch):
            found = turns_of(record)
            if found:
                out.extend(found)

    def check(self, record):
        if self.ps.regex is None:
            return ()
        if self.builtin and not self.may_match_record(record):
            return ()  # the whole record at once: most records
        return self._check_turns(record)

    def _check_turns(self, record):
        builtin = self.builtin
        out = None
        turns = record.turns
        if record.rejected:
            turns = turns + record.rejected
        for t in turns:
            text = t.text
            if not text:
                continue
            # an Alpaca turn's text joins its spans: one test covers all of them
            if builtin and not self.may_match(text):
                continue
            for span in t.iter_spans():
                found = self.check_span(record, t, span.field, span.text)
                if found:
                    if out is None:
                        out = []
                    out.extend(found)
        return out or ()
