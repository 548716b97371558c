"""Per-record suppressions: the reserved field ``_datalint_ignore`` (``SUPPRESS_FIELD``) names
the rules that must say nothing about its record.

The field is parsed once per distinct value; a value that silences every rule is reported by
``blanket-suppression`` (F010), one that names no known rule by ``invalid-suppression``
(F011).  Findings of the record pass are dropped batch by batch (``RecordPass``); findings made
later (``finish()``, dataset rules) are checked with :meth:`Suppressions.hides`."""

from __future__ import annotations

from typing import Any

from .. import registry
from ..report.model import Finding, Report

#: What :meth:`Suppressions.parse` says of a value that silences every rule.
BLANKET = "blanket"


class Suppressions:
    def __init__(self, report: Report):
        self.report = report
        self._cache: dict[Any, tuple[frozenset[str] | None, str | None]] = {}
        #: (path, record index) -> codes suppressed there
        self.at: dict[tuple[str, int], frozenset[str]] = {}

    def parse(self, value: Any) -> tuple[frozenset[str] | None, str | None]:
        """(codes suppressed, problem) for the value of the reserved suppression field: the
        problem is None, :data:`BLANKET`, or the message of an invalid suppression."""
        key = value if isinstance(value, (str, bool, int, float)) or value is None else repr(value)
        if key in self._cache:
            return self._cache[key]
        problem = None
        sels = value.split(",") if isinstance(value, str) else value
        if value is None or value is False or (isinstance(value, str) and not value.strip()):
            # an empty cell of a suppression column (CSV, Parquet): nothing is suppressed
            codes = None
        elif value is True or value == [] or (
                isinstance(sels, list) and any(isinstance(s, str) and s.strip().upper()
                                               in ("*", "ALL") for s in sels)):
            codes = frozenset(r.code for r in registry.all_rules())
            problem = BLANKET
        elif not isinstance(sels, list) or not all(isinstance(s, str) for s in sels):
            codes = frozenset()
            problem = "suppression must be a rule code or name, or a list of them"
        else:
            good, bad = set(), []
            for s in (x.strip() for x in sels):
                matched = [r.code for r in registry.all_rules()
                           if registry.specificity(s, r) is not None]
                if not matched:
                    bad.append(s)
                good.update(matched)
            codes = frozenset(good)
            if bad:
                problem = "suppression names no known rule: " + ", ".join(repr(b) for b in bad)
        self._cache[key] = (codes, problem)
        return codes, problem

    def hides(self, f: Finding) -> bool:
        """Whether ``f`` falls on a record that suppresses its rule (then it is counted)."""
        loc = f.location
        if loc.path is None or loc.index is None:
            return False
        sup = self.at.get((loc.path, loc.index))
        if sup is not None and f.code in sup:
            self.report.suppressed += 1
            return True
        return False
