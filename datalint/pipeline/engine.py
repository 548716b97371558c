"""The engine: read every source once, run record rules in one streaming pass, then dataset
rules with lazily built shared resources; apply suppressions; return a Report."""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path
from typing import Any

from .. import registry
from ..io.batch import BATCH_SIZE, Batch
from ..config import Config, build_options
from ..io.layouts import SUPPRESS_FIELD, LayoutMapper

from ..io.readers import DEFAULT_MAX_LINE_BYTES, ReaderEvent, Source, discover, read_source
from ..errors import InputFileError
from ..io.record import Location, Record
from ..resources import Resources
from .context import Dataset, RunContext
from .gates import run_on_batch
from ..report.diagnosis import diagnose
from ..report.model import Finding, InputError, Metric, Report, RuleError, Skipped
from ..rule import DatasetRule, LayoutRule, ReaderRule, RecordRule, Rule



class _Progress:
    """A one-line progress display on a TTY; silent otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.last = 0.0

    def update(self, path: str, n: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last > 0.25:
            self.last = now
            sys.stderr.write(f"\r\x1b[Kreading {path}: {n:,} records")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.last:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


class Engine:
    # --- workflows: set to {} before run() to collect (path, index) -> Record.content_hash()
    record_hashes: dict[tuple[str, int], str] | None = None
    # --- end workflows

    def __init__(self, cfg: Config, progress: bool = False):
        self.cfg = cfg
        self.selected = registry.select_rules(cfg.select, cfg.ignore, cfg.extend_select)
        self.context = RunContext(
            packs=tuple(cfg.packs), training_config=tuple(cfg.training_config),
            fields=cfg.fields, roles=cfg.roles, max_line_bytes=cfg.max_line_bytes,
            tokenizer=cfg.rule_options.get("C008", {}).get("tokenizer"))
        self.progress = _Progress(progress)
        self.instances: dict[str, Rule] = {}
        for cls in self.selected:
            opts = build_options(cls, cfg.rule_options.get(cls.code, {}), cfg.source or "config")
            self.instances[cls.code] = cls(opts, cfg.severity.get(cls.code), self.context)
        self.by_name = {r.name: r for r in self.instances.values()}
        if cfg.model and any("embeddings" in r.requires for r in self.instances.values()):
            from ..resources.embeddings import ModelSpec

            ModelSpec(cfg.model)  # a wrong --model fails now, before the data is read
        self._suppress_cache: dict[Any, tuple[frozenset[str] | None, str | None]] = {}

    # -- selection helpers ----------------------------------------------------------------
    def _rules_for(self, path: str) -> dict[str, Rule]:
        ignored = self.cfg.ignored_for(path)
        if not ignored:
            return self.instances
        out = {}
        for code, rule in self.instances.items():
            if not any(registry.specificity(s, type(rule)) is not None for s in ignored):
                out[code] = rule
        return out

    def _suppression(self, value: Any) -> tuple[frozenset[str] | None, str | None]:
        """(codes suppressed, problem) for the value of the reserved suppression field."""
        key = value if isinstance(value, (str, bool, int, float)) or value is None else repr(value)
        if key in self._suppress_cache:
            return self._suppress_cache[key]
        problem = None
        sels = value.split(",") if isinstance(value, str) else value
        if value is None or value is False or (isinstance(value, str) and not value.strip()):
            # an empty cell of a suppression column (CSV, Parquet): nothing is suppressed
            codes = None
        elif value is True or value == [] or (
                isinstance(sels, list) and any(isinstance(s, str) and s.strip().upper()
                                               in ("*", "ALL") for s in sels)):
            codes = frozenset(r.code for r in registry.all_rules())
            problem = "blanket"
        elif not isinstance(sels, list) or not all(isinstance(s, str) for s in sels):
            codes, problem = frozenset(), ("invalid:suppression must be a rule code or name, or "
                                           "a list of them")
        else:
            good, bad = set(), []
            for s in (x.strip() for x in sels):
                matched = [r.code for r in registry.all_rules()
                           if registry.specificity(s, r) is not None]
                if not matched:
                    bad.append(s)
                good.update(matched)
            codes = frozenset(good)
            if bad:
                problem = "invalid:suppression names no known rule: " + ", ".join(
                    repr(b) for b in bad)
        self._suppress_cache[key] = (codes, problem)
        return codes, problem

    # -- the run --------------------------------------------------------------------------
    def run(self, paths: list[str]) -> Report:
        report = Report()
        report.rules_run = [r.code for r in self.selected]
        sources: list[Source] = []
        for p in paths:
            try:
                sources.extend(discover([p]))
            except InputFileError as e:
                report.input_errors.append(InputError(e.path, e.message))
        report.files = [s.path for s in sources]
        record_rules = [r for r in self.instances.values() if isinstance(r, RecordRule)]
        dataset_rules = [r for r in self.instances.values() if isinstance(r, DatasetRule)]
        keep = any("records" in r.requires for r in dataset_rules)
        kept: list[Record] | None = [] if keep else None
        mapper = LayoutMapper(self.cfg.fields, self.cfg.roles)
        max_line = self.cfg.max_line_bytes or DEFAULT_MAX_LINE_BYTES
        findings = report.findings
        layouts: dict[str, int] = {}
        suppressed_at: dict[tuple[str, int], frozenset[str]] = {}
        crashed: set[str] = set()
        count = 0
        adapt = mapper.adapt
        record_hashes = self.record_hashes

        def crash(rule: Rule, exc: BaseException) -> None:
            crashed.add(rule.code)
            report.errors.append(RuleError(rule.code, rule.name, f"{type(exc).__name__}: {exc}",
                                           traceback.format_exc()))

        def run_batch(records: list[Record], active: dict, sup_at: dict | None) -> None:
            """The file's active record rules over one batch; a rule that raises is dropped
            for the rest of the run (what it found before stays)."""
            nonlocal count
            batch = Batch(records)
            start = len(findings)
            for rule in [r for r in record_rules if r.code in active and r.code not in crashed]:
                try:
                    run_on_batch(rule, batch, findings)
                except Exception as exc:  # a rule bug must not stop the others
                    crash(rule, exc)
            if sup_at is not None and len(findings) > start:
                # per-record suppressions in this batch: drop what they silence
                new = findings[start:]
                del findings[start:]
                for f in new:
                    sup = sup_at.get(f.location.index)
                    if sup is not None and f.code in sup:
                        report.suppressed += 1
                    else:
                        findings.append(f)
            count += len(records)
            for layout, n in batch.layouts.items():
                if layout:
                    layouts[layout] = layouts.get(layout, 0) + n
            if kept is not None:
                for item in records:
                    item.forget_facts()  # kept for the dataset rules: without copies
                kept.extend(records)

        for src in sources:
            active = self._rules_for(src.path)
            layout_by_name = {r.name: r for r in active.values() if isinstance(r, LayoutRule)}
            reader_by_name = {r.name: r for r in active.values() if isinstance(r, ReaderRule)}
            blanket = layout_by_name.get("blanket-suppression")
            invalid_sup = layout_by_name.get("invalid-suppression")
            first = count  # records before this file
            pending: list[Record] = []
            sup_in_batch: dict[int, frozenset[str]] | None = None
            try:
                for item in read_source(src, max_line):
                    if type(item) is ReaderEvent:
                        rule = reader_by_name.get(item.rule)
                        if rule is not None:
                            findings.append(rule.finding(None, item.message, location=Location(
                                item.path, item.line, item.index, None, None),
                                severity=item.severity))
                        continue
                    adapt(item)
                    # --- workflows: content hashes for baseline/diff keys (datalint.workflows.baseline)
                    if record_hashes is not None:
                        record_hashes[(item.path, item.index)] = item.content_hash()
                    # --- end workflows
                    raw = item.raw
                    sup = None
                    if type(raw) is dict and SUPPRESS_FIELD in raw:
                        sup, problem = self._suppression(raw[SUPPRESS_FIELD])
                        if problem == "blanket" and blanket is not None:
                            findings.append(blanket.finding(
                                item, "suppression without a rule code hides every finding on "
                                      "this record; name the rules to silence",
                                field=SUPPRESS_FIELD))
                        elif problem and problem.startswith("invalid:") and invalid_sup:
                            findings.append(invalid_sup.finding(
                                item, problem[8:],
                                field=SUPPRESS_FIELD))
                        item.suppressed = sup
                        suppressed_at[(item.path, item.index)] = sup
                        if sup is not None:
                            if sup_in_batch is None:
                                sup_in_batch = {}
                            sup_in_batch[item.index] = sup
                    if item.issues:
                        for iss in item.issues:
                            rule = layout_by_name.get(iss.code)
                            if rule is not None and (sup is None or rule.code not in sup):
                                findings.append(rule.finding(item, iss.message, field=iss.field))
                            elif rule is not None:
                                report.suppressed += 1
                    pending.append(item)
                    if len(pending) >= BATCH_SIZE:
                        run_batch(pending, active, sup_in_batch)
                        pending = []
                        sup_in_batch = None
                        self.progress.update(src.path, count - first)
            except InputFileError as e:
                report.input_errors.append(InputError(e.path, e.message))
            except (OSError, MemoryError) as e:
                report.input_errors.append(InputError(src.path, f"read failed ({e})"))
            if pending:  # the file's last records (also those read before a read error)
                run_batch(pending, active, sup_in_batch)
        self.progress.done()
        report.records = count

        for rule in record_rules:
            if rule.code in crashed:
                continue
            try:
                findings.extend(f for f in rule.finish()
                                if not _suppressed(f, suppressed_at, report))
            except Exception as exc:
                crash(rule, exc)

        dataset = Dataset([s.path for s in sources], count, kept, self.context, layouts,
                          Resources(kept, self._resource_settings(dataset_rules, report)))
        for rule in dataset_rules:
            try:
                for item in rule.check_dataset(dataset):
                    if isinstance(item, Metric):
                        report.metrics.append(item)
                    elif isinstance(item, Skipped):
                        report.skipped.append(item)
                    elif not _suppressed(item, suppressed_at, report):
                        findings.append(item)
            except registry.UsageError:
                raise  # a setup problem (a model folder, a missing package): exit 2, not a crash
            except Exception as exc:
                crash(rule, exc)
        report.sort()
        report.diagnosis = diagnose(report)
        return report

    def _resource_settings(self, dataset_rules: list, report: Report) -> dict[str, Any]:
        """What the shared resources need to know: model, cache, k, the eval records."""
        from ..resources.embeddings import default_cache_dir

        cfg = self.cfg
        if cfg.no_cache:
            cache_dir = None
        else:
            cache_dir = Path(cfg.cache_dir).expanduser() if cfg.cache_dir else default_cache_dir()
        k = max((getattr(r, "neighbours", 0) for r in dataset_rules), default=0) or 10
        settings: dict[str, Any] = {"model": cfg.model, "cache_dir": cache_dir, "k": k,
                                    "progress": self.progress.enabled}
        if cfg.eval and any("eval" in r.requires for r in dataset_rules):
            settings["eval"] = self.read_records(cfg.eval, report)
        # --- production sample (the production rules): read like an eval set
        if cfg.production and any("production" in r.requires for r in dataset_rules):
            settings["production"] = self.read_records(cfg.production, report)
            settings["production_field"] = cfg.production_field
        # --- end production sample
        return settings

    def read_records(self, paths: list[str], report: Report) -> list[Record]:
        """Every record of other files (an eval set), mapped to turns; no rules run on them.
        Files that cannot be read are input errors of the report."""
        out: list[Record] = []
        for p in paths:
            try:
                out.extend(self.context.read_records(p))
            except InputFileError as e:
                report.input_errors.append(InputError(e.path, e.message))
            except (OSError, MemoryError) as e:
                report.input_errors.append(InputError(p, f"read failed ({e})"))
        return out


def _suppressed(f: Finding, at: dict, report: Report) -> bool:
    loc = f.location
    if loc.path is None or loc.index is None:
        return False
    sup = at.get((loc.path, loc.index))
    if sup is not None and f.code in sup:
        report.suppressed += 1
        return True
    return False


def lint(paths: str | Path | list[str | Path], *, config: Config | None = None,
         select: list[str] | None = None, ignore: list[str] | None = None,
         options: dict[str, dict[str, Any]] | None = None,
         training_config: str | Path | list[str | Path] | None = None,
         baseline: str | Path | None = None) -> Report:
    """Lint files, folders or cached Hugging Face dataset ids and return the Report.

    >>> report = lint("train.jsonl", select=["format"])       # doctest: +SKIP
    >>> [f.name for f in report.findings]                     # doctest: +SKIP

    ``training_config`` (one path or several) is read for the training rules.
    ``baseline``: a file written by ``datalint check --write-baseline``; the findings it holds
    are left out of the Report (``Report.baselined`` counts them).
    """
    from ..config import find_config, load_config, merge_cli

    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [str(p) for p in paths]
    if config is None:
        found = find_config(paths[0]) if paths else None
        config = load_config(found) if found else Config()
    if isinstance(training_config, (str, Path)):
        training_config = [training_config]
    config = merge_cli(config, select=select, ignore=ignore or (), options=options,
                       training_config=[str(p) for p in training_config or ()])
    # --- workflows: baseline (datalint.workflows.baseline)
    if baseline is not None:
        from ..workflows.baseline import apply_baseline, load_baseline

        keys = load_baseline(baseline)
        engine = Engine(config)
        engine.record_hashes = {}
        report = engine.run(paths)
        apply_baseline(report, keys, engine.record_hashes)
        return report
    # --- end workflows
    return Engine(config).run(paths)
