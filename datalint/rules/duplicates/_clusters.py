"""Reporting groups of records as clusters: one representative to keep, the rest to drop."""

from __future__ import annotations

from typing import Iterable, Sequence

from ...io.record import Location, Record


def group_by(keys: Sequence, skip: Iterable[bool] | None = None) -> list[list[int]]:
    """Indices grouped by equal key, groups of two or more, in order of first appearance."""
    groups: dict = {}
    skip = list(skip) if skip is not None else None
    for i, k in enumerate(keys):
        if skip is not None and skip[i]:
            continue
        groups.setdefault(k, []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def _order(records: Sequence[Record], i: int) -> tuple:
    r = records[i]
    return (r.path, r.index)


def where(rec: Record) -> str:
    """A short human location for messages: ``file:line`` or ``file#index``."""
    name = rec.path.rsplit("/", 1)[-1]
    return f"{name}:{rec.line}" if rec.line is not None else f"{name}#{rec.index}"


def cluster_finding(rule, records: Sequence[Record], members: Sequence[int], what: str,
                    extra: str = "", data: dict | None = None):
    """One finding per cluster, at the first copy to drop; the kept record and the other
    copies are related locations."""
    ordered = sorted(members, key=lambda i: _order(records, i))
    keep, drop = ordered[0], ordered[1:]
    keep_rec = records[keep]
    n = len(ordered)
    msg = (f"{what}: {n} records in this cluster; keep {where(keep_rec)}, drop the other "
           f"{n - 1}{extra}")
    related: list[Location] = [keep_rec.location()] + [records[i].location() for i in drop[1:]]
    payload = {"cluster_size": n, "keep": keep_rec.location().to_dict(),
               "drop": [records[i].location().to_dict() for i in drop]}
    if data:
        payload.update(data)
    return rule.finding(records[drop[0]], msg, related=related, data=payload)


def quote(text: str, limit: int = 40) -> str:
    """``text`` on one line, in double quotes, cut with an ellipsis past ``limit`` characters."""
    text = " ".join(text.split())
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


class Reported:
    """The clusters a more specific duplicate rule reports, so that a less specific one
    leaves their pairs out: a pair is shown once, by the most specific rule (exact, then
    normalised, then the same prompt or a lexical near-copy, then an embedding paraphrase).

    ``of[i]`` is record ``i``'s cluster (-1: none); ``rep[i]`` the record its cluster keeps
    (``i`` itself outside a cluster), so that a less specific rule can see each cluster as
    the one record it stands for."""

    def __init__(self, records: Sequence[Record], clusters: Iterable[Sequence[int]] = ()):
        self.of = [-1] * len(records)
        self.rep = list(range(len(records)))
        for k, members in enumerate(clusters):
            keep = min(members, key=lambda i: _order(records, i))
            for i in members:
                self.of[i] = k
                self.rep[i] = keep

    def together(self, i: int, j: int) -> bool:
        """Records ``i`` and ``j`` are in one reported cluster."""
        return self.of[i] >= 0 and self.of[i] == self.of[j]
