"""Rule base classes.

A rule is a small class with class attributes and one method:

* :class:`RecordRule` — ``check(record)`` sees one record at a time in the single streaming
  pass and returns an iterable of findings (``()`` when there is nothing to say).  It may also
  implement ``finish()`` for findings that need the whole file pass (kept bounded in memory),
  and declare *gates* (below): what a record must have for ``check`` to need to see it.
* :class:`DatasetRule` — ``check_dataset(dataset)`` runs once after the pass and may yield
  findings and measurements.  It declares in ``requires`` the shared resources it needs; the
  engine builds the union of what the selected rules need, once, and nothing else.  A metric
  rule measures and does not judge: it yields a :class:`~datalint.report.judge.Measurement`
  (the value, its threshold, which way is bad, any further condition of the verdict, the
  message, the evidence and the findings to report when it fails), and the judge
  (:func:`~datalint.report.judge.judge`, applied by the dataset pass to whatever ``check_dataset``
  yields) decides the verdict and makes the :class:`~datalint.report.Metric` and the
  findings.  A measurement another rule needs too is a shared resource
  (:meth:`~datalint.resources.Resources.measurement`), made with the owning rule's options.
* :class:`ReaderRule` / :class:`LayoutRule` — findings produced while reading a file or
  mapping a record's layout.  They are rules so that they are documented, selectable and
  configurable like any other.

The docstring of a rule class is its documentation, in the sections *What it does*, *Why it
hurts fine-tuning*, *Example*, *How to fix* and *Options*.

Gates
-----
Most records are clean, and most record rules look for something rare.  A record rule says
what a record must have for ``check`` to report on it, with class attributes; the pipeline
(:mod:`datalint.pipeline.gates`) tests them over a whole batch of records at once (one scan
of the batch's joined text, one verdict per distinct role sequence) and sends ``check`` only
the records that pass:

* ``needles = ("<", "{{")`` — the record's text (every turn, the rejected side included)
  holds at least one of these strings;
* ``layouts = ("alpaca",)`` — the record was mapped to one of these layouts (``None``: no
  layout fit it);
* ``roles = staticmethod(f)`` — ``f(roles)`` is true of the record's sequence of turn roles
  (a tuple of ``turns`` roles, judged once per distinct sequence);
* ``pack_gate = True`` — for a rule whose findings are matches of its pattern pack
  (``self.ps``, a :class:`~datalint.rules.packs.PatternSet`): the record holds a needle of
  one of the loaded patterns, its ``requires`` or strings read from its regex.  A user's
  own pack is gated by its own patterns; a pack with no pattern lets no record through.

A record must pass every gate declared.  **A gate must be a superset**: leaving a record out
must change nothing, ``check`` would report nothing on it and keep nothing from it for
``finish``.  A test over a batch that these cannot express is written as a
``candidates(batch)`` method (the exception, with a comment saying why); a rule that handles
a whole batch itself (counting in C, say) overrides ``check_batch`` and declares no gate.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable

from .io.record import Location, Record
from .report.judge import Measurement
from .report.model import Finding, Metric

if TYPE_CHECKING:
    from .io.batch import Batch
    from .pipeline.context import Dataset

DOC_SECTIONS = ("What it does", "Why it hurts fine-tuning", "Example", "How to fix", "Options")

#: Family of each code prefix.
FAMILIES = {
    "F": "format",
    "R": "turns",
    "C": "content",
    "P": "privacy",
    "S": "size",
    "D": "duplicates",
    "T": "training",
    "V": "diversity",
    "Y": "style",
    "M": "production",
}


@dataclass
class NoOptions:
    pass


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]  # one line: what it checks
    severity: ClassVar[str] = "warning"
    requires: ClassVar[frozenset[str]] = frozenset()
    Options: ClassVar[type] = NoOptions

    def __init__(self, options: Any = None, severity: str | None = None, context: Any = None):
        self.options = options if options is not None else self.Options()
        self.level = severity or self.severity
        self.severity_overridden = severity is not None
        self.context = context
        self.setup()

    def setup(self) -> None:
        """Hook for precomputing things from options (compiled patterns…)."""

    # -- metadata -------------------------------------------------------------------------
    @classmethod
    def family(cls) -> str:
        return FAMILIES.get(cls.code.rstrip("0123456789"), "other")

    @classmethod
    def kind(cls) -> str:
        return "record"

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        text = cls.doc()
        parts = re.split(r"^## (.+?)\s*$", text, flags=re.M)
        sections = {"": parts[0].strip()}
        for title, body in zip(parts[1::2], parts[2::2]):
            sections[title.strip()] = body.strip()
        return sections

    @classmethod
    def option_fields(cls) -> list[dataclasses.Field]:
        return list(dataclasses.fields(cls.Options))

    # -- building findings ----------------------------------------------------------------
    def finding(self, record: Record | None, message: str, field: str | None = None,
                related: list[Location] | None = None, severity: str | None = None,
                data: dict | None = None, location: Location | None = None,
                evidence: str | None = None) -> Finding:
        if location is None:
            location = record.location(field) if record is not None else Location()
        level = self.level if (self.severity_overridden or severity is None) else severity
        return Finding(self.code, self.name, level, message, location, related or [], data,
                       evidence)


class RecordRule(Rule):
    # -- gates (see the module docstring): None declares none (pack_gate: False) ----------
    needles: ClassVar[tuple[str, ...] | None] = None
    layouts: ClassVar[tuple[str | None, ...] | None] = None
    roles: ClassVar[Callable[[tuple[str, ...]], bool] | None] = None
    pack_gate: ClassVar[bool] = False

    def check(self, record: Record) -> Iterable[Finding]:
        raise NotImplementedError

    def candidates(self, batch: "Batch") -> Iterable[Record]:
        """The records of ``batch`` that may have findings, in order.  Overridden only by a
        rule whose test over a batch the gate declarations cannot express (it then replaces
        them); leaving a record out must change nothing: ``check`` would report nothing on
        it and keep nothing from it for ``finish``."""
        return batch.records

    def check_batch(self, batch: "Batch", out: list[Finding]) -> None:
        """Append to ``out`` the findings of the records of ``candidates(batch)``, in
        order.  The pipeline calls this only for a rule that overrides it (one that works
        on a whole batch at once, and so declares no gates: they would not be applied);
        other rules are run by :mod:`datalint.pipeline.gates`, which applies their gates
        first."""
        check = self.check
        for record in self.candidates(batch):
            found = check(record)
            if found:
                out.extend(found)

    def finish(self) -> Iterable[Finding]:
        return ()

    @classmethod
    def kind(cls) -> str:
        return "record"


class DatasetRule(Rule):
    """A rule run once over the whole dataset.  ``check_dataset`` may yield findings,
    :class:`Measurement` objects and skips; the dataset pass judges each Measurement
    (:func:`~datalint.report.judge.judged`): its Metric, then its findings.

    A metric rule says in ``decides`` when its measurement fails and in ``severe`` when a
    fail is an error besides its ``error-at`` / ``error-below`` option (``datalint rule``
    prints both)."""

    decides: ClassVar[str] = ""
    severe: ClassVar[str] = ""

    def check_dataset(self, dataset: "Dataset") -> Iterable[Finding | Measurement | Metric]:
        raise NotImplementedError

    @classmethod
    def kind(cls) -> str:
        return "dataset"


class ReaderRule(Rule):
    """Findings that a reader emits while reading a file."""

    @classmethod
    def kind(cls) -> str:
        return "reader"


class LayoutRule(Rule):
    """Findings that a layout adapter emits while mapping a record to turns."""

    @classmethod
    def kind(cls) -> str:
        return "layout"


def turn_text_spans(record: Record, roles: tuple[str, ...] | None = None):
    """Yield (turn, field, text) for every text span, optionally limited to some roles."""
    for t in record.all_turns():
        if roles is not None and t.role not in roles:
            continue
        if t.spans is not None:
            for s in t.spans:
                yield t, s.field, s.text
        elif t.text is not None:
            yield t, t.field, t.text
