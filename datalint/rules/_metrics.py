"""Helpers for the dataset-level metric rules (diversity, style, production, size, training).

A metric rule measures and does not judge.  It yields one
:class:`~datalint.report.judge.Measurement`: the measured value, its threshold and which way is
bad (``fails_when``), any further condition of the verdict as :class:`Condition` data, the
message, the evidence in ``details``, and the findings to report when it fails — usually one
finding about the whole dataset whose related locations are example records
(:func:`dataset_finding`), so that the text output shows *where* to look and ``--fail-on``
sees it like any other finding.  The judge (:mod:`datalint.report.judge`, applied by the
dataset pass) compares, decides the verdict once and makes the
:class:`~datalint.report.Metric` and the findings.  A measurement that could not be made (too
little data) is :func:`not_measured`: an ``info`` metric, never a fail.
"""

from __future__ import annotations

from typing import Sequence

from ..io.record import Location, Record
from ..report.judge import Condition, FindingDraft, Measurement, not_measured
from ..resources.textstats import snippet

__all__ = ["Condition", "FindingDraft", "Measurement", "dataset_finding", "example",
           "locations", "not_measured"]


def example(records: Sequence[Record], rec: int, text: str, **extra) -> dict:
    """Evidence for ``details``: a short quote of the text and where it is."""
    return {"text": snippet(text, 160), "location": records[rec].location().to_dict(), **extra}


def locations(records: Sequence[Record], example_records: Sequence[int]) -> list[Location]:
    """The locations of the example records, each once, in order."""
    seen: set[int] = set()
    related: list[Location] = []
    for i in example_records:
        if i not in seen:
            seen.add(i)
            related.append(records[i].location())
    return related


def dataset_finding(message: str, records: Sequence[Record], example_records: Sequence[int],
                    data: dict | None = None) -> FindingDraft:
    """A finding about the whole dataset, with the example records as related locations."""
    return FindingDraft(message, locations(records, example_records), data)
