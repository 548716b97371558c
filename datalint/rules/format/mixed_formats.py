from dataclasses import dataclass

from ...io.record import Location
from ...rule import RecordRule


class MixedFormats(RecordRule):
    """A file whose records use more than one layout (e.g. mostly Alpaca, a few chat records).

    ## What it does
    Counts the layout of every record per file and, when a file mixes layouts, reports the
    records of each minority layout (the first one as the finding, the next ones as related
    locations).  Records no layout fits are left to ``unknown-format``.

    ## Why it hurts fine-tuning
    Trainers pick one formatting function per file: the minority records are formatted wrongly
    (a chat record read as Alpaca has no instruction) or dropped.

    ## Example
    A JSON Lines file of 1,000 ``instruction``/``output`` records with 12 ``messages`` records
    appended from another source.

    ## How to fix
    Convert the minority records to the file's layout, or keep each layout in its own file.

    ## Options
    ``max-related`` (int, default 20): how many further records of a minority layout to list.
    """

    code = "F003"
    name = "mixed-formats"
    summary = "a file mixing several record layouts"
    severity = "warning"

    @dataclass
    class Options:
        max_related: int = 20

    def setup(self) -> None:
        # path -> layout -> [count, first locations]
        self.files: dict[str, dict[str, list]] = {}

    def check_batch(self, batch, out) -> None:
        # the usual batch: one file, one layout, whose locations are all kept already
        records = batch.records
        first = records[0]
        per = self.files.get(first.path)
        if per is not None and len(batch.layouts) == 1 and records[-1].path == first.path:
            entry = per.get(first.layout)
            if entry is not None and len(entry[1]) > self.options.max_related:
                entry[0] += len(records)
                return
        super().check_batch(batch, out)

    def check(self, record):
        layout = record.layout
        if layout is None:
            return ()
        per = self.files.get(record.path)
        if per is None:
            per = self.files[record.path] = {}
        entry = per.get(layout)
        if entry is None:
            per[layout] = [1, [record.location()]]
        else:
            entry[0] += 1
            if len(entry[1]) <= self.options.max_related:
                entry[1].append(record.location())
        return ()

    def finish(self):
        for path, per in self.files.items():
            if len(per) < 2:
                continue
            ranked = sorted(per.items(), key=lambda kv: -kv[1][0])
            major, (major_n, _) = ranked[0]
            summary = ", ".join(f"{n:,} {lay}" for lay, (n, _) in ranked)
            for layout, (n, locs) in ranked[1:]:
                first: Location = locs[0]
                yield self.finding(
                    None,
                    f"file mixes layouts ({summary}); this record is {layout}, "
                    f"most are {major}",
                    location=first, related=locs[1:],
                    data={"layouts": {lay: c for lay, (c, _) in ranked}})
