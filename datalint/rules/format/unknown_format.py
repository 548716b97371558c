from dataclasses import dataclass

from ...rule import RecordRule


#: The rule's code, imported by the code that reports it.
UNKNOWN_FORMAT = "F002"


class UnknownFormat(RecordRule):
    """A record whose fields fit no known dataset layout.

    ## What it does
    Reports records that have none of the fields of the supported layouts: ``messages`` (chat),
    ``conversations`` (ShareGPT), ``instruction``/``output`` (Alpaca), ``prompt``/``completion``,
    ``chosen``/``rejected`` (preference pairs) or ``text``.

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
    ``max-per-file`` (int, default 20): records reported one by one per file and field set;
    further records with the same fields are counted in the last finding.  Field mapping is
    configured under ``[tool.datalint.fields]``.
    """

    code = UNKNOWN_FORMAT
    name = "unknown-format"
    summary = "a record no known layout fits"
    severity = "error"

    @dataclass
    class Options:
        max_per_file: int = 20

    def setup(self) -> None:
        self.seen: dict[tuple, list] = {}  # (path, field set) -> [count, last finding]

    layouts = (None,)  # only records no layout fits are counted or reported

    def check(self, record):
        if record.layout is not None or type(record.raw) is not dict:
            return ()
        key = (record.path, tuple(sorted(map(str, record.raw))))
        entry = self.seen.get(key)
        if entry is None:
            entry = self.seen[key] = [0, None]
        entry[0] += 1
        if entry[0] > self.options.max_per_file:
            return ()
        fields = ", ".join(key[1][:8]) or "no fields"
        f = self.finding(record, f"no known layout fits this record (fields: {fields})")
        entry[1] = f
        return (f,)

    def finish(self):
        for count, last in self.seen.values():
            if count > self.options.max_per_file:
                last.message += (f"; {count - self.options.max_per_file:,} more records in "
                                 "this file have the same fields")
        return ()
