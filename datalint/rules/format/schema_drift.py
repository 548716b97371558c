from collections import Counter
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import attrgetter

from ...io.layouts import SUPPRESS_FIELD
from ...rule import RecordRule

_TYPE_NAMES = {str: "string", int: "number", float: "number", bool: "boolean", list: "array",
               dict: "object", type(None): "null"}


_MAX_SIGNATURES = 5000  # distinct field/type signatures kept per file
_raw_of = attrgetter("raw")


class SchemaDrift(RecordRule):
    """A top-level field whose presence or type changes across the records of a file.

    ## What it does
    For each file, counts which fields every record has and the JSON type of each.  A field or
    a type seen in only a small share of the records (a stray extra key, a ``null`` where the
    rest have text, a number where the rest have a string) is reported at those records; so is
    a field missing from a few records when nearly all others have it.  Fields present in a
    middling share of records are treated as optional and left alone.

    ## Why it hurts fine-tuning
    Drift is the trace of a second source or a broken export step.  Arrow-based loaders infer
    one schema and fail (or cast to ``null``) on the odd record; a stray key often means a
    field was renamed and its content never reaches the model.

    ## Example
    In a file of ``instruction``/``input``/``response`` records, one record carries
    ``example_input`` instead of ``input``.

    ## How to fix
    Rename or drop the stray field, fill the missing one, or cast the value to the type the
    other records use.

    ## Options
    ``max-share`` (float, default 0.05): a field or type in at most this share of records is
    drift.  ``min-records`` (int, default 20): files with fewer records are not judged.
    ``max-per-field`` (int, default 50): findings listed per drifting field and file.
    """

    code = "F004"
    name = "schema-drift"
    summary = "a field whose presence or type changes across records"
    severity = "warning"

    @dataclass
    class Options:
        max_share: float = 0.05
        min_records: int = 20
        max_per_field: int = 50

    def setup(self) -> None:
        # path -> signature -> [count, locations]; signature = ((key, type name), ...)
        self.files: dict[str, dict[tuple, list]] = {}
        self.counts: dict[str, int] = {}

    def check_batch(self, batch, out) -> None:
        # what check() does record by record, with the signatures built and counted in C;
        # the first batch of a file, a record that is not an object, or a file near the
        # signature cap go record by record
        records = batch.records
        path = records[0].path
        per = self.files.get(path)
        raws = list(map(_raw_of, records))
        if per is None or records[-1].path != path or set(map(type, raws)) != {dict}:
            return super().check_batch(batch, out)
        # the usual batch: every record has the first one's signature, which three flat
        # comparisons in C show without a signature per record
        first = raws[0]
        keys = tuple(first)
        types = tuple(map(type, first.values()))
        n = len(raws)
        if (list(map(len, raws)) == [len(keys)] * n
                and list(chain.from_iterable(raws)) == list(keys) * n
                and list(map(type, chain.from_iterable(map(dict.values, raws))))
                == list(types) * n):
            counts = {(keys, types): n}
            sigs = None
        else:
            sigs = list(zip(map(tuple, raws),
                            map(tuple, map(map, repeat(type), map(dict.values, raws)))))
            counts = Counter(sigs)
        if len(per) + len(counts) > _MAX_SIGNATURES:
            return super().check_batch(batch, out)
        self.counts[path] += n
        most = self.options.max_per_field
        short = set()  # signatures with room for more locations
        for sig, k in counts.items():
            entry = per.get(sig)
            if entry is None:
                entry = per[sig] = [0, []]
            entry[0] += k
            if len(entry[1]) < most:
                short.add(sig)
        if short:
            if sigs is None:
                sigs = [(keys, types)] * n
            for r, sig in compress(zip(records, sigs), map(short.__contains__, sigs)):
                locs = per[sig][1]
                if len(locs) < most:
                    locs.append(r.location())

    def check(self, record):
        raw = record.raw
        if type(raw) is not dict:
            return ()
        path = record.path
        # keys and value types, as two tuples built in C; names are resolved in finish()
        sig = (tuple(raw), tuple(map(type, raw.values())))
        per = self.files.get(path)
        if per is None:
            per = self.files[path] = {}
            self.counts[path] = 0
        self.counts[path] += 1
        entry = per.get(sig)
        if entry is None:
            if len(per) < _MAX_SIGNATURES:
                per[sig] = [1, [record.location()]]
        else:
            entry[0] += 1
            if len(entry[1]) < self.options.max_per_field:
                entry[1].append(record.location())
        return ()

    def finish(self):
        opt = self.options
        for path, per in self.files.items():
            n = self.counts[path]
            if n < opt.min_records:
                continue
            present: dict[str, int] = {}
            typed: dict[tuple[str, str], int] = {}
            named: dict[tuple, list] = {}
            for (keys, types), (count, locs) in per.items():
                sig = tuple(sorted((k, _TYPE_NAMES.get(t, "other")) for k, t in zip(keys, types)
                                   if k != SUPPRESS_FIELD))
                entry = named.get(sig)
                if entry is None:
                    named[sig] = [count, list(locs)]
                else:
                    entry[0] += count
                    entry[1].extend(locs)
            per = named
            for sig, (count, _) in per.items():
                for key, tname in dict(sig).items():
                    present[key] = present.get(key, 0) + count
                    typed[(key, tname)] = typed.get((key, tname), 0) + count
            rare = opt.max_share * n
            emitted: dict[str, int] = {}
            for sig, (count, locs) in sorted(per.items(), key=lambda kv: kv[1][1][0].sort_key()):
                keys = dict(sig)
                problems = []
                for key, tname in keys.items():
                    if present[key] <= rare:
                        problems.append((key, f"field `{key}` appears in only "
                                              f"{present[key]:,} of {n:,} records"))
                    elif typed[(key, tname)] <= rare:
                        common = max((c, t) for (k, t), c in typed.items() if k == key)[1]
                        problems.append((key, f"`{key}` is {_a(tname)} here but {_a(common)} "
                                              f"in most records ({typed[(key, tname)]:,} of "
                                              f"{present[key]:,} differ)"))
                for key, c in present.items():
                    if key not in keys and n - c <= rare:
                        problems.append((key, f"field `{key}` is missing here but present in "
                                              f"{c:,} of {n:,} records"))
                for key, message in problems:
                    for loc in locs:
                        k = emitted.get(key, 0)
                        emitted[key] = k + 1
                        if k < opt.max_per_field:
                            loc = type(loc)(loc.path, loc.line, loc.index, loc.record_id, key)
                            yield self.finding(None, message, location=loc)


def _a(tname: str) -> str:
    if tname == "null":
        return "null"
    return ("an " if tname[0] in "aeiou" else "a ") + tname
