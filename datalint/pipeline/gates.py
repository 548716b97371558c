"""Gates: which records of a batch each record rule's ``check`` sees.

A record rule declares its gates as class attributes (``needles``, ``layouts``, ``roles``,
``pack_gate``: see :mod:`datalint.rule`); :func:`plan` makes, once per rule, the function
the record pass calls on each :class:`~datalint.io.batch.Batch`: it tests the gates with the
batch's shared facts, then runs ``check`` on the records that pass.
"""

from __future__ import annotations

from typing import Callable

from ..io.batch import Batch
from ..io.record import Record
from ..report.model import Finding
from ..rule import RecordRule

def candidates(rule: RecordRule, batch: Batch) -> list[Record]:
    """The records of ``batch`` that ``rule``'s gates (or ``candidates`` method) let
    through, in order."""
    return list(_selector(rule)(batch))


def plan(rule: RecordRule) -> Callable[[Batch, list[Finding]], None]:
    """How ``rule`` runs on a batch: ``plan(rule)(batch, out)`` appends to ``out`` the
    findings of the records its gates let through, each through ``check``, in order (or
    calls the rule's own ``check_batch``, for a rule that works on a whole batch).  Make it
    once per run: it keeps what the gates learn (verdicts on role sequences)."""
    if type(rule).check_batch is not RecordRule.check_batch:
        return rule.check_batch  # the rule handles the whole batch itself
    select = _selector(rule)
    check = rule.check

    def run(batch: Batch, out: list[Finding]) -> None:
        for record in select(batch):
            found = check(record)
            if found:
                out.extend(found)

    return run


def _selector(rule: RecordRule) -> Callable[[Batch], list[Record]]:
    """The records of a batch the rule's gates let through (all of them: no gate)."""
    if type(rule).candidates is not RecordRule.candidates:
        return rule.candidates  # a test the declarations cannot express
    cls = type(rule)
    tests: list[Callable[[Batch], list[Record]]] = []
    if cls.layouts is not None:
        layouts = tuple(cls.layouts)
        if len(layouts) == 1:
            (layout,) = layouts
            tests.append(lambda b: b.with_layout(layout))
        else:
            tests.append(lambda b: [r for r in b.records if r.layout in layouts])
    if cls.roles is not None:
        pred = cls.roles  # read from the class: a plain function, not a bound method
        verdicts: dict = {}  # role sequence -> may the rule report it (see Batch.with_roles)
        tests.append(lambda b: b.with_roles(verdicts, pred))
    needles = set(cls.needles) if cls.needles is not None else None
    if cls.pack_gate:
        found = rule.ps.needles  # type: ignore[attr-defined]
        if found is not None:
            needles = set(found) if needles is None else _both(needles, set(found))
    if needles is not None:
        if not needles:
            return lambda b: []  # no string to find: no record can have a finding
        phrases = tuple(sorted(needles))
        tests.append(lambda b: b.having(*phrases))
    if not tests:
        return _every
    if len(tests) == 1:
        return tests[0]

    def every_test(b: Batch) -> list[Record]:
        picked = None
        for test in tests:
            got = test(b)
            if not got:
                return []
            if picked is None:
                picked = got
            else:
                ids = set(map(id, got))
                picked = [r for r in picked if id(r) in ids]
        return picked or []

    return every_test


def _both(a: set[str], b: set[str]) -> set[str]:
    """Needles for "one of ``a`` and one of ``b``": the pairs cannot be searched as one set,
    so the set that is kept is the one with fewer strings (a superset of both)."""
    return a if len(a) <= len(b) else b


def _every(batch: Batch) -> list[Record]:
    return batch.records
