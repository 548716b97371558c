from dataclasses import dataclass

from ...io.record import Location
from ...rule import RecordRule


#: The rule's code, imported by the code that reports it.
UNKNOWN_FORMAT = "F002"


class UnknownFormat(RecordRule):
    """A record whose fields fit no known dataset layout.

    ## What it does
    Reports records that have none of the fields of the supported layouts: ``messages`` (chat),
    ``conversations`` (ShareGPT), ``instruction``/``output`` (Alpaca), ``instruction``/
    ``instances`` (self-instruct), ``prompt``/``completion``, ``chosen``/``rejected``
    (preference pairs), Open-Assistant message trees or ``text``.

    When no record of a file fits a layout, the file gets one finding, not one per record:
    the whole file is in a layout datalint does not read.  It names the fields of its records
    (and the first records as related locations) and, for a layout datalint recognises
    without reading it, says what it looks like and how to convert it (Open-Assistant
    messages linked by ``parent_id``; a prompt set of question ``turns``, as in MT-Bench).
    Such a finding points at the file, not at a record: ``datalint clean`` drops nothing for
    it.  In a file whose other records do fit a layout, each odd record is reported.

    Measured: on the 12 public fine-tuning files of the project's corpus, 1 of 1 finding was
    real (a prompt set with no answers, reported once instead of 40 times; judged by reading
    the file, ``benchmarks/judgements/F002.jsonl``).

    ## Why it hurts fine-tuning
    A trainer given a record it cannot map either fails or, worse, trains on an empty or
    mis-assembled example.  An unknown layout usually means a column was renamed upstream.

    ## Example
    ```
    {"question": "What is 2+2?", "reply": "4"}
    ```

    ## How to fix
    Rename the fields to a standard layout, or tell datalint (and your trainer) how your fields
    map, e.g. ``[tool.datalint.fields] prompt = "question"`` and ``completion = "reply"``.

    ## Options
    ``max-per-file`` (int, default 20): in a file whose other records fit a layout, records
    reported one by one per field set; further records with the same fields are counted in
    the last finding.  ``max-related`` (int, default 5): for a file none of whose records fits,
    how many of its records the finding lists.  Field mapping is configured under
    ``[tool.datalint.fields]``.
    """

    code = UNKNOWN_FORMAT
    name = "unknown-format"
    summary = "a record no known layout fits"
    severity = "error"

    @dataclass
    class Options:
        max_per_file: int = 20
        max_related: int = 5

    def setup(self) -> None:
        self.records: dict[str, int] = {}  # path -> records read
        # path -> field set -> [count, message, locations kept]
        self.seen: dict[str, dict[tuple, list]] = {}

    def candidates(self, batch):
        return batch.with_layout(None)

    def check_batch(self, batch, out) -> None:
        # every record is counted (a file none of whose records fits is reported once), but
        # only those no layout fit are looked at
        records = batch.records
        counts = self.records
        if records[0].path == records[-1].path:
            counts[records[0].path] = counts.get(records[0].path, 0) + len(records)
        else:
            for r in records:
                counts[r.path] = counts.get(r.path, 0) + 1
        for record in self.candidates(batch):
            self._note(record)

    def check(self, record):
        self.records[record.path] = self.records.get(record.path, 0) + 1
        if record.layout is None:
            self._note(record)
        return ()

    def _note(self, record) -> None:
        """Keep what the findings of a record no layout fits need (made in ``finish``)."""
        if type(record.raw) is not dict:
            return
        key = tuple(sorted(map(str, record.raw)))
        per = self.seen.setdefault(record.path, {})
        entry = per.get(key)
        if entry is None:
            message = next((i.message for i in record.issues or ()
                            if i.code == UNKNOWN_FORMAT), None)
            entry = per[key] = [0, message, []]
        entry[0] += 1
        keep = max(self.options.max_per_file, self.options.max_related)
        if len(entry[2]) < keep:
            entry[2].append(record.location())

    def finish(self):
        for path, per in self.seen.items():
            n = sum(e[0] for e in per.values())
            if n == self.records.get(path, 0):
                yield self._file_finding(path, per, n)
                continue
            for key, (count, message, locs) in per.items():
                fields = ", ".join(key[:8]) or "no fields"
                text = message or f"no known layout fits this record (fields: {fields})"
                shown = locs[:self.options.max_per_file]
                for j, loc in enumerate(shown):
                    more = count - len(shown)
                    yield self.finding(
                        None, text + (f"; {more:,} more records in this file have the same "
                                      "fields" if more > 0 and j == len(shown) - 1 else ""),
                        location=loc)

    def _file_finding(self, path: str, per: dict, n: int):
        ranked = sorted(per.items(), key=lambda kv: -kv[1][0])
        key, (count, message, locs) = ranked[0]
        fields = ", ".join(key[:8]) or "no fields"
        records = f"{n:,} record{'s' if n != 1 else ''}"
        if message and not message.startswith("no known layout"):
            text = f"{message} ({records})"
        else:
            also = (f"; {len(per) - 1:,} other field sets" if len(per) > 1 else "")
            text = (f"no known layout fits any record of this file ({records}; fields: "
                    f"{fields}{also}); map the fields under [tool.datalint.fields] or convert "
                    "it to a supported layout")
        first = locs[0]
        related = [loc for _, (_, _, ls) in ranked for loc in ls][:self.options.max_related]
        return self.finding(None, text, location=Location(path, first.line, None, None, None),
                            related=related,
                            data={"records": n, "fields": list(key)})
