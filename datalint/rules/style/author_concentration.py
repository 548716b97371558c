from collections import Counter
from dataclasses import dataclass

import orjson

from ...report.model import Skipped
from ...resources.textstats import pct, ranked, share, stable_key
from ...rule import DatasetRule
from .._metrics import Measurement, dataset_finding, not_measured

#: Field names looked for when the ``field`` option is not set (case-insensitive), at the top
#: level of a record or inside a ``metadata``/``meta``/``info``/``extra`` object.
AUTHOR_FIELDS = ("author", "author_id", "authors", "annotator", "annotator_id", "annotators",
                 "annotated_by", "labeler", "labeller", "labeler_id", "rater", "rater_id",
                 "worker", "worker_id", "writer", "written_by", "agent", "agent_id",
                 "agent_name", "vendor", "created_by", "creator", "contributor")
NESTED = ("metadata", "meta", "info", "extra")
#: Fewer records with a value than this are not judged.
MIN_RECORDS = 10


def _value(raw, path: tuple[str, ...]):
    for part in path:
        if not isinstance(raw, dict):
            return None
        raw = raw.get(part)
    return raw


def _label(v) -> str | None:
    """The contributor a field value names, as text (None when empty)."""
    if v is None or v == "" or v == []:
        return None
    if isinstance(v, str):
        return v.strip() or None
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return ", ".join(sorted(x.strip() for x in v))
    return orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode()


def detect_field(raws) -> tuple[str, ...] | None:
    """The author-like field present in the most records, as a path, or None."""
    found: Counter = Counter()
    wanted = set(AUTHOR_FIELDS)
    for raw in raws:
        if not isinstance(raw, dict):
            continue
        for k, v in raw.items():
            lk = k.lower() if isinstance(k, str) else k
            if lk in wanted and _label(v) is not None:
                found[(k,)] += 1
            elif lk in NESTED and isinstance(v, dict):
                for k2, v2 in v.items():
                    if isinstance(k2, str) and k2.lower() in wanted and _label(v2) is not None:
                        found[(k, k2)] += 1
    if not found:
        return None
    rank = {name: i for i, name in enumerate(AUTHOR_FIELDS)}
    return min(found, key=lambda p: (-found[p], len(p), rank[p[-1].lower()], p))


class AuthorConcentration(DatasetRule):
    """One author, annotator, agent or vendor wrote most of the records.

    ## What it does
    Reads the field that names who wrote each record — the ``field`` option (a dotted path
    such as ``metadata.annotator``), or else the first of ``author``, ``annotator``,
    ``labeler``, ``rater``, ``worker``, ``writer``, ``agent``, ``vendor``, ``created_by``,
    ``contributor`` (and their ``_id``/``_name`` forms) found, at the top level of the records
    or inside a ``metadata``, ``meta``, ``info`` or ``extra`` object; the one present in the
    most records wins.  The value is the share of the records (with a value) written by the top
    contributor; above ``max-share`` the dataset is reported with a per-author breakdown (the
    top contributors, their counts and shares, the number of contributors and the effective
    number 1/Σ share²).  Records without the field are counted as missing.

    Without any such field the rule is reported as **skipped** (not passed), with a hint on
    how to name the field.  Every record is read (no sample).

    ## Why it hurts fine-tuning
    The model learns the dominant writer's habits, blind spots and mistakes as if they were the
    task; with one annotator there is no second opinion in the labels either.  See
    ``style-collapse`` for the same effect measured from the text itself.

    ## Example
    1,000 records whose ``annotator`` field is "ann-07" in 810 of them and one of 11 others in
    the rest.

    ## How to fix
    Spread the writing over more people (or vendors), cap each contributor's share, or
    down-sample the dominant one.  If the field names something else (a data source, a
    model), set ``field`` to the right one.

    ## Options
    ``field`` (str, default ""): the field naming the author, as a dotted path; empty detects
    one of the common names.  ``max-share`` (float, default 0.5): the top contributor's share
    at or above which the dataset is reported.  ``top`` (int, default 10): how many
    contributors the breakdown lists.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("the top contributor wrote at least max-share of the records")
    code = "Y003"
    name = "author-concentration"
    summary = "one author, annotator, agent or vendor wrote most of the records"
    severity = "info"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        field: str = ""
        max_share: float = 0.5
        top: int = 10
        error_at: float | None = None

    def check_dataset(self, dataset):
        records = dataset.records
        o = self.options
        if o.field:
            path = tuple(p for p in o.field.split(".") if p)
        else:
            path = detect_field(r.raw for r in records)
        if not path:
            yield Skipped(self.code, self.name, "no author, annotator, agent or vendor field in "
                          "the records; name one with [rules.author-concentration] field = "
                          "\"...\"")
            return
        name = ".".join(path)
        by: dict[str, list[int]] = {}
        for i, rec in enumerate(records):
            label = _label(_value(rec.raw, path))
            if label is not None:
                by.setdefault(label, []).append(i)
        n = sum(len(v) for v in by.values())
        missing = len(records) - n
        if n == 0:
            yield Skipped(self.code, self.name, f"no record has a value in field {name!r}")
            return
        if n < MIN_RECORDS:
            yield not_measured(f"only {n} records name an author in {name!r}: too few to "
                               "judge", {"field": name, "records": n})
            return
        counts = {k: len(v) for k, v in by.items()}
        top = ranked(counts, o.top)
        lead, lead_n = top[0]
        value = share(lead_n, n)
        effective = 1.0 / sum(share(c, n) ** 2 for c in counts.values())
        breakdown = [{"author": a, "records": c, "share": round(share(c, n), 4)} for a, c in top]
        msg = (f"{name} \"{lead}\" wrote {pct(value)} of {n:,} records (threshold "
               f"{pct(o.max_share)}); {len(counts):,} contributor"
               f"{'s' if len(counts) != 1 else ''}, effectively {effective:.1f}")
        # when it fails, the message names the next contributors too
        then = ("; then " + ", ".join(f"\"{a}\" {pct(share(c, n))}" for a, c in top[1:4])
                if len(top) > 1 else "")
        tail = (f"; {missing:,} record{'s' if missing != 1 else ''} without the field"
                if missing else "")
        details = {"field": name, "records": n, "missing": missing, "contributors": len(counts),
                   "effective_contributors": round(effective, 2), "top_share": round(value, 4),
                   "breakdown": breakdown}
        ex = sorted(by[lead], key=lambda i: stable_key(records[i].content_hash()))[:3]
        yield Measurement(value, o.max_share, ">=", msg + tail, details, digits=4,
                          fail_message=msg + then + tail, findings=[
                              dataset_finding(f"author concentration: {msg + then + tail}",
                                              records, ex, data=details)])
