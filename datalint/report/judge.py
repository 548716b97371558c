"""Measuring is separate from judging: a metric rule returns a :class:`Measurement`, and
:func:`judge` turns it into the report's :class:`~datalint.report.model.Metric` and, when it
fails, its findings.

A Measurement says what was measured and how it is judged, as data:

* ``value`` and ``threshold``, and ``fails_when`` — how a bad value compares with the
  threshold (``">"`` or ``">="``: higher is bad; ``"<"`` or ``"<="``: lower is bad; the ``=``
  says whether the threshold itself fails).  ``value=None`` means *not measured* (too little
  data): the metric is ``info`` and never fails.
* ``fails_if`` — when the verdict takes more than the value against the threshold (a
  significance test, a second measure that must be low too, another way to fail), the
  conditions that decide it: groups of :class:`Condition`; the measurement fails when every
  condition of one group holds.  By default one group holding
  :attr:`Measurement.threshold_condition`.  Built with :meth:`Measurement.also` (a further
  condition), :meth:`Measurement.or_if` (another way to fail) and
  :meth:`Measurement.decided_by` (the groups themselves).
* ``message`` (and ``fail_message``, the metric's message when it fails, if it differs),
  ``details`` (the evidence), ``digits`` (the value is reported rounded to these digits; the
  verdict uses the unrounded value).
* ``severe_if`` — when a fail is an *error* whatever the rule's severity (a broken setup, a
  dataset that cannot train well): groups of :class:`Condition` like ``fails_if``, built with
  :meth:`Measurement.severe_when`.  A rule's ``error-at`` option (higher is bad) or
  ``error-below`` option (lower is bad) adds one more: the value against that limit.  A
  ``--severity`` override of the rule wins over both.
* ``findings`` — what is reported when it fails (:class:`FindingDraft`: message, related
  locations such as example records, data, severity); ``notes`` — what is reported when it
  passes (a caveat next to a passing value).

The judge says how it decided: the Metric's ``decision`` names the direction that is bad and
every condition that decided, in words (:func:`decision`).

The judge is the one place that compares, decides and builds the Metric and the findings;
the dataset pass (:mod:`datalint.pipeline.dataset_pass`) applies it to what each rule's
``check_dataset`` yields.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..io.record import Location
from .model import Finding, Metric

#: How a failing value compares with its limit.
COMPARISONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
#: The comparison as printed when it holds, and when it does not.
_SHOWN = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}
_NEGATED = {">": "≤", ">=": "<", "<": "≥", "<=": ">"}


@dataclass(frozen=True)
class Condition:
    """One condition of a verdict, as data: it holds (counts toward a fail) when
    ``value <fails_when> limit``."""

    what: str
    value: float
    fails_when: str
    limit: float

    def __post_init__(self) -> None:
        if self.fails_when not in COMPARISONS:
            raise ValueError(f"fails_when must be one of {', '.join(COMPARISONS)}")

    @property
    def fails(self) -> bool:
        return COMPARISONS[self.fails_when](self.value, self.limit)

    def describe(self) -> str:
        """The condition as it stands, in words: ``coverage 0.17 < 0.45`` when it holds,
        ``relative spread 0.64 ≥ 0.5`` when it does not (``value``: the numbers alone)."""
        op = _SHOWN[self.fails_when] if self.fails else _NEGATED[self.fails_when]
        what = "" if self.what == "value" else f"{self.what} "
        return f"{what}{number(self.value, self.limit)} {op} {number(self.limit, self.value)}"


def number(x: float, other: float | None = None) -> str:
    """``x`` for a decision: a whole number with thousands separators, else three significant
    digits — more when that would print it equal to ``other`` while it is not."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    for d in range(3, 10):
        s = f"{x:.{d}g}"
        if other is None or x == other or float(s) != float(other):
            return s
    return repr(x)


@dataclass
class FindingDraft:
    """A finding a measurement reports: the judge makes it with the rule's code, name and
    severity (a ``--severity`` override wins over ``severity``).  ``location`` None: the
    whole dataset; ``related``: where to look (example records)."""

    message: str
    related: list[Location] = field(default_factory=list)
    data: dict[str, Any] | None = None
    location: Location | None = None
    severity: str | None = None


@dataclass
class Measurement:
    """What a metric rule measured and how it is judged (see the module docstring)."""

    value: float | None
    threshold: float | None
    fails_when: str
    message: str
    details: dict[str, Any] | None = None
    digits: int | None = None
    fail_message: str | None = None
    fails_if: tuple[tuple[Condition, ...], ...] | None = None
    findings: list[FindingDraft] = field(default_factory=list)
    notes: list[FindingDraft] = field(default_factory=list)
    severe_if: tuple[tuple[Condition, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.fails_when not in COMPARISONS:
            raise ValueError(f"fails_when must be one of {', '.join(COMPARISONS)}")

    @property
    def measured(self) -> bool:
        return self.value is not None

    @property
    def higher_is_bad(self) -> bool:
        return self.fails_when in (">", ">=")

    @property
    def threshold_condition(self) -> Condition:
        """The value against the threshold."""
        return Condition("value", self.value, self.fails_when, self.threshold)

    def conditions(self) -> tuple[tuple[Condition, ...], ...]:
        """The groups of conditions that decide the verdict: it fails when every condition
        of one group holds."""
        if self.fails_if is not None:
            return self.fails_if
        return ((self.threshold_condition,),)

    def also(self, *conditions: Condition) -> "Measurement":
        """Fail only when these conditions hold too (in every way to fail so far)."""
        self.fails_if = tuple(group + conditions for group in self.conditions())
        return self

    def or_if(self, *conditions: Condition) -> "Measurement":
        """Fail also when all of these conditions hold, whatever the value."""
        self.fails_if = self.conditions() + (conditions,)
        return self

    def decided_by(self, *groups: tuple[Condition, ...]) -> "Measurement":
        """The verdict is these groups alone: it fails when every condition of one group
        holds."""
        self.fails_if = tuple(groups)
        return self

    def severe_when(self, *conditions: Condition) -> "Measurement":
        """A fail is an error when all of these conditions hold too (another call: another
        way to be one)."""
        self.severe_if = self.severe_if + (conditions,)
        return self

    @property
    def failed(self) -> bool:
        return self.measured and fails(self.conditions())

    def severe_conditions(self, options: Any = None) -> tuple[tuple[Condition, ...], ...]:
        """The ways a fail is an error: ``severe_if`` and the rule's ``error-at`` /
        ``error-below`` option (``options``: the rule's options)."""
        groups = self.severe_if
        if not self.measured:
            return groups
        at = getattr(options, "error_at", None)
        below = getattr(options, "error_below", None)
        if at is not None and self.higher_is_bad:
            groups = groups + ((Condition("error-at", self.value, ">=", at),),)
        if below is not None and not self.higher_is_bad:
            groups = groups + ((Condition("error-below", self.value, "<", below),),)
        return groups


def fails(groups: Iterable[tuple[Condition, ...]]) -> bool:
    """The verdict of groups of conditions: a fail when every condition of one group holds."""
    return any(all(t.fails for t in group) for group in groups)


def _group_text(group: tuple[Condition, ...]) -> str:
    """Why a group that does not hold does not: what holds, "but" what does not."""
    held = [c for c in group if c.fails]
    missing = [c for c in group if not c.fails]
    text = ", ".join(c.describe() for c in missing)
    if held and group[0].fails:
        return ", ".join(c.describe() for c in held) + ", but " + text
    return text


def _leading(group: tuple[Condition, ...]) -> int:
    """How many conditions of a group hold before the first that does not."""
    n = 0
    for c in group:
        if not c.fails:
            break
        n += 1
    return n


def _severe_text(c: Condition) -> str:
    if c.what in ("error-at", "error-below"):
        op = _SHOWN[c.fails_when]
        return f"{number(c.value, c.limit)} {op} {c.what} {number(c.limit, c.value)}"
    return c.describe()


#: The most ways to fail a passing decision spells out.
SHOWN_GROUPS = 3


def decision(m: Measurement, options: Any = None) -> str:
    """How the verdict of a measured ``m`` was reached, in words: the direction that is bad,
    then, for a fail, every condition of the way to fail that holds (and, when the fail is an
    error, why); for a pass, in each way to fail, what does not hold (the closest ways first,
    at most :data:`SHOWN_GROUPS` of them, then how many more)."""
    direction = "higher is worse" if m.higher_is_bad else "lower is worse"
    groups = m.conditions()
    failing = next((g for g in groups if all(c.fails for c in g)), None)
    if failing is not None:
        text = " and ".join(c.describe() for c in failing)
        severe = next((g for g in m.severe_conditions(options)
                       if all(c.fails for c in g)), None)
        if severe is not None:
            text += "; an error as " + " and ".join(_severe_text(c) for c in severe)
        return f"{direction}; {text}"
    ranked = sorted(groups, key=lambda g: -_leading(g))
    parts = [_group_text(g) for g in ranked[:SHOWN_GROUPS]]
    if len(ranked) > SHOWN_GROUPS:
        more = len(ranked) - SHOWN_GROUPS
        parts.append(f"{more} other way{'s' if more != 1 else ''} to fail checked, none met")
    return f"{direction}; " + "; ".join(parts)


def not_measured(message: str, details: dict[str, Any] | None = None) -> Measurement:
    """A measurement that could not be made (too little data): an ``info`` metric."""
    return Measurement(None, None, ">", message, details)


def judge(rule, m: Measurement) -> list[Metric | Finding]:
    """The Metric of a measurement and, when it fails, its findings (its notes when it
    passes), in that order.  ``rule`` gives the code, name and severity."""
    if not m.measured:
        return [Metric(rule.code, rule.name, 0.0, None, "info", rule.level, m.message,
                       m.details)]
    failed = m.failed
    options = getattr(rule, "options", None)
    severe = failed and fails(m.severe_conditions(options))
    value = m.value if m.digits is None else round(m.value, m.digits)
    message = m.fail_message if failed and m.fail_message is not None else m.message
    level = "error" if severe and not getattr(rule, "severity_overridden", False) else rule.level
    out: list[Metric | Finding] = [
        Metric(rule.code, rule.name, value, m.threshold, "fail" if failed else "pass",
               level, message, m.details, decision=decision(m, options))]
    for d in m.findings if failed else m.notes:
        out.append(rule.finding(None, d.message, related=list(d.related), data=d.data,
                                location=d.location, severity="error" if severe else d.severity))
    return out


def judged(rule, items: Iterable) -> Iterator:
    """``items`` with every Measurement replaced by what :func:`judge` makes of it."""
    for item in items:
        if isinstance(item, Measurement):
            yield from judge(rule, item)
        else:
            yield item
