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
* ``findings`` — what is reported when it fails (:class:`FindingDraft`: message, related
  locations such as example records, data, severity); ``notes`` — what is reported when it
  passes (a caveat next to a passing value).

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

    @property
    def failed(self) -> bool:
        return self.measured and fails(self.conditions())


def fails(groups: Iterable[tuple[Condition, ...]]) -> bool:
    """The verdict of groups of conditions: a fail when every condition of one group holds."""
    return any(all(t.fails for t in group) for group in groups)


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
    value = m.value if m.digits is None else round(m.value, m.digits)
    message = m.fail_message if failed and m.fail_message is not None else m.message
    out: list[Metric | Finding] = [
        Metric(rule.code, rule.name, value, m.threshold, "fail" if failed else "pass",
               rule.level, message, m.details)]
    for d in m.findings if failed else m.notes:
        out.append(rule.finding(None, d.message, related=list(d.related), data=d.data,
                                location=d.location, severity=d.severity))
    return out


def judged(rule, items: Iterable) -> Iterator:
    """``items`` with every Measurement replaced by what :func:`judge` makes of it."""
    for item in items:
        if isinstance(item, Measurement):
            yield from judge(rule, item)
        else:
            yield item
