"""Reporting helpers for the dataset-level metric rules (diversity and style families).

A metric rule yields one :class:`~datalint.report.Metric` (the measured value, its threshold,
a verdict and the evidence in ``details``) and, when the verdict is *fail*, a dataset-level
finding whose related locations are example records, so that the text output shows *where* to
look and ``--fail-on`` sees it like any other finding.
"""

from __future__ import annotations

from typing import Sequence

from ..io.record import Location, Record
from ..report.model import Metric
from ..resources.textstats import snippet


def example(records: Sequence[Record], rec: int, text: str, **extra) -> dict:
    """Evidence for ``details``: a short quote of the text and where it is."""
    return {"text": snippet(text, 160), "location": records[rec].location().to_dict(), **extra}


def not_measured(rule, message: str, details: dict | None = None) -> Metric:
    """A metric that could not be judged (too little data): verdict ``info``, never a fail."""
    return Metric(rule.code, rule.name, 0.0, None, "info", rule.level, message, details)


def dataset_finding(rule, message: str, records: Sequence[Record], example_records: list[int],
                    data: dict | None = None):
    """A finding about the whole dataset, with the example records as related locations."""
    seen: set[int] = set()
    related: list[Location] = []
    for i in example_records:
        if i not in seen:
            seen.add(i)
            related.append(records[i].location())
    return rule.finding(None, message, related=related, data=data, location=Location())
