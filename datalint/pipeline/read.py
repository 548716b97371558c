"""Reading, adapting and suppressing: each file's records, one at a time, from the reader
(:mod:`datalint.io.readers`) through the layout mapper (:mod:`datalint.io.layouts`) and the
record's suppression field into batches for the record pass.

Reader events become findings of the reader rules (F001, F007, F008, F009), layout issues
findings of the layout rules (F005, F006), each by the code its rule file exports; a file
that cannot be read at all is an input error of the report."""

from __future__ import annotations

from ..errors import InputFileError
from ..io.batch import BATCH_SIZE
from ..io.layouts import SUPPRESS_FIELD, LayoutMapper
from ..io.readers import ReaderEvent, Source, discover, read_source
from ..io.record import Location, Record
from ..report.model import InputError, Report
from ..rule import LayoutRule, ReaderRule, Rule
from ..rules.format.blanket_suppression import BLANKET_SUPPRESSION
from ..rules.format.invalid_suppression import INVALID_SUPPRESSION
from .progress import Progress
from .record_pass import RecordPass
from .suppress import BLANKET, Suppressions


def discover_sources(paths: list[str], report: Report) -> list[Source]:
    """The files (and saved dataset splits) to read; what cannot be found is an input error."""
    sources: list[Source] = []
    for p in paths:
        try:
            sources.extend(discover([p]))
        except InputFileError as e:
            report.input_errors.append(InputError(e.path, e.message))
    return sources


def read_records(path: str, mapper: LayoutMapper, max_line_bytes: int,
                 out: list[Record] | None = None) -> list[Record]:
    """Every record of another file or folder (an eval set), mapped to turns, appended to
    ``out`` as they are read (so that what was read before an error is kept); no rules run
    on them.  Raises :class:`InputFileError`, ``OSError``."""
    if out is None:
        out = []
    for src in discover([path]):
        for item in read_source(src, max_line_bytes):
            if type(item) is not ReaderEvent:
                mapper.adapt(item)
                out.append(item)
    return out


class Reading:
    """Feeds the record pass, file by file."""

    def __init__(self, mapper: LayoutMapper, max_line_bytes: int, suppressions: Suppressions,
                 record_pass: RecordPass, report: Report, progress: Progress,
                 record_hashes: dict[tuple[str, int], str] | None = None):
        self.mapper = mapper
        self.max_line_bytes = max_line_bytes
        self.suppressions = suppressions
        self.record_pass = record_pass
        self.report = report
        self.progress = progress
        #: (path, index) -> content hash of every record, for the baseline and diff keys
        self.record_hashes = record_hashes

    def file(self, src: Source, active: dict[str, Rule]) -> bool:
        """Read one file with the rules active for it; its records go to the record pass in
        batches of ``BATCH_SIZE``.  False when it could not be read to its end (an input
        error of the report)."""
        report = self.report
        findings = report.findings
        record_pass = self.record_pass
        adapt = self.mapper.adapt
        record_hashes = self.record_hashes
        parse_suppression = self.suppressions.parse
        suppressed_at = self.suppressions.at
        layout_rules = {r.code: r for r in active.values() if isinstance(r, LayoutRule)}
        reader_rules = {r.code: r for r in active.values() if isinstance(r, ReaderRule)}
        blanket = layout_rules.get(BLANKET_SUPPRESSION)
        invalid_sup = layout_rules.get(INVALID_SUPPRESSION)
        first = record_pass.count  # records before this file
        pending: list[Record] = []
        sup_in_batch: dict[int, frozenset[str]] | None = None
        try:
            for item in read_source(src, self.max_line_bytes):
                if type(item) is ReaderEvent:
                    rule = reader_rules.get(item.code)
                    if rule is not None:
                        findings.append(rule.finding(None, item.message, location=Location(
                            item.path, item.line, item.index, None, None),
                            severity=item.severity))
                    continue
                adapt(item)
                if record_hashes is not None:
                    record_hashes[(item.path, item.index)] = item.content_hash()
                raw = item.raw
                sup = None
                if type(raw) is dict and SUPPRESS_FIELD in raw:
                    sup, problem = parse_suppression(raw[SUPPRESS_FIELD])
                    if problem == BLANKET:
                        if blanket is not None:
                            findings.append(blanket.finding(
                                item, "suppression without a rule code hides every finding on "
                                      "this record; name the rules to silence",
                                field=SUPPRESS_FIELD))
                    elif problem and invalid_sup is not None:
                        findings.append(invalid_sup.finding(item, problem, field=SUPPRESS_FIELD))
                    item.suppressed = sup
                    suppressed_at[(item.path, item.index)] = sup
                    if sup is not None:
                        if sup_in_batch is None:
                            sup_in_batch = {}
                        sup_in_batch[item.index] = sup
                if item.issues:
                    for iss in item.issues:
                        rule = layout_rules.get(iss.code)
                        if rule is not None and (sup is None or rule.code not in sup):
                            findings.append(rule.finding(item, iss.message, field=iss.field))
                        elif rule is not None:
                            report.suppressed += 1
                pending.append(item)
                if len(pending) >= BATCH_SIZE:
                    record_pass.run_batch(pending, active, sup_in_batch)
                    pending = []
                    sup_in_batch = None
                    self.progress.update(src.path, record_pass.count - first)
        except InputFileError as e:
            report.input_errors.append(InputError(e.path, e.message))
            ok = False
        except (OSError, MemoryError) as e:
            report.input_errors.append(InputError(src.path, f"read failed ({e})"))
            ok = False
        else:
            ok = True
        if pending:  # the file's last records (also those read before a read error)
            record_pass.run_batch(pending, active, sup_in_batch)
        return ok
