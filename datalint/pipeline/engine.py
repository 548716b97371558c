"""The engine: the stages of a run, in order.

    read → adapt → suppress → record pass → resources → dataset pass → report

* **read, adapt, suppress** (:mod:`.read`): each file's records, one at a time, mapped to
  turns, their suppression field parsed; reader and layout problems become findings;
* **record pass** (:mod:`.record_pass`): the record rules over batches of records;
* **resources** (:mod:`datalint.resources`): embeddings, neighbours, signatures, the eval and
  production samples, built lazily for the dataset rules that ask;
* **dataset pass** (:mod:`.dataset_pass`): each dataset rule once, over every record;
* **report**: findings sorted by place, the diagnosis computed once and stored on the Report.

A rule that raises is recorded as a crash and the others go on (:mod:`.guard`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import registry
from ..config import Config, build_config, build_options
from ..errors import InputFileError
from ..io.layouts import LayoutMapper
from ..io.readers import DEFAULT_MAX_LINE_BYTES
from ..io.record import Record
from ..report.diagnosis import diagnose
from ..report.model import InputError, Report
from ..resources import Resources, ResourceSettings
from ..rule import DatasetRule, RecordRule, Rule
from .context import Dataset, RunContext
from .dataset_pass import run_dataset_rules
from .guard import RuleGuard
from .progress import Progress
from .read import Reading, discover_sources, read_records
from .record_pass import RecordPass
from .suppress import Suppressions


class Engine:
    #: set to {} before run() to collect (path, index) -> Record.content_hash() (the
    #: baseline and diff workflows key findings by content)
    record_hashes: dict[tuple[str, int], str] | None = None

    def __init__(self, cfg: Config, progress: bool = False):
        self.cfg = cfg
        self.selected = registry.select_rules(cfg.select, cfg.ignore, cfg.extend_select)
        self.max_line_bytes = cfg.max_line_bytes or DEFAULT_MAX_LINE_BYTES
        self.context = RunContext(
            packs=tuple(cfg.packs), training_config=tuple(cfg.training_config),
            tokenizer=cfg.tokenizer,
            read_records=lambda path, out=None: read_records(path, self._mapper(),
                                                             self.max_line_bytes, out))
        self.progress = Progress(progress)
        self.instances: dict[str, Rule] = {}
        for cls in self.selected:
            opts = build_options(cls, cfg.rule_options.get(cls.code, {}), cfg.source or "config")
            self.instances[cls.code] = cls(opts, cfg.severity.get(cls.code), self.context)
        if cfg.model and any("embeddings" in r.requires for r in self.instances.values()):
            from ..resources.embeddings import ModelSpec

            ModelSpec(cfg.model)  # a wrong --model fails now, before the data is read

    def _mapper(self) -> LayoutMapper:
        return LayoutMapper(self.cfg.fields, self.cfg.roles)

    def _rules_for(self, path: str) -> dict[str, Rule]:
        """The selected rules less those the config's per-file-ignores drop for ``path``."""
        ignored = self.cfg.ignored_for(path)
        if not ignored:
            return self.instances
        out = {}
        for code, rule in self.instances.items():
            if not any(registry.specificity(s, type(rule)) is not None for s in ignored):
                out[code] = rule
        return out

    # -- the run --------------------------------------------------------------------------
    def run(self, paths: list[str]) -> Report:
        report = Report()
        report.rules_run = [r.code for r in self.selected]
        sources = discover_sources(paths, report)
        report.files = [s.path for s in sources]
        record_rules = [r for r in self.instances.values() if isinstance(r, RecordRule)]
        dataset_rules = [r for r in self.instances.values() if isinstance(r, DatasetRule)]
        guard = RuleGuard(report)
        suppressions = Suppressions(report)
        record_pass = RecordPass(record_rules, report, guard,
                                 keep=any("records" in r.requires for r in dataset_rules))
        reading = Reading(self._mapper(), self.max_line_bytes, suppressions, record_pass,
                          report, self.progress, self.record_hashes)
        readable = 0
        for src in sources:
            readable += reading.file(src, self._rules_for(src.path))
        self.progress.done()
        report.records = record_pass.count
        report.nothing_read = bool(report.input_errors) and not readable and not report.records
        record_pass.finish(suppressions)

        kept = record_pass.kept
        resources = Resources(kept, self._resource_settings(dataset_rules, report))
        dataset = Dataset([s.path for s in sources], record_pass.count, kept, self.context,
                          record_pass.layouts, resources)
        run_dataset_rules(dataset_rules, dataset, report, guard, suppressions)
        report.notes += resources.notes
        report.sort()
        report.diagnosis = diagnose(report)
        return report

    def _resource_settings(self, dataset_rules: list, report: Report) -> ResourceSettings:
        """What the shared resources need to know: model, cache, k, the eval and production
        records (read only when a selected rule uses them)."""
        from ..resources.embeddings import default_cache_dir

        cfg = self.cfg
        if cfg.no_cache:
            cache_dir = None
        else:
            cache_dir = Path(cfg.cache_dir).expanduser() if cfg.cache_dir else default_cache_dir()
        k = max((getattr(r, "neighbours", 0) for r in dataset_rules), default=0) or 10
        settings = ResourceSettings(model=cfg.model, cache_dir=cache_dir, k=k,
                                    progress=self.progress.enabled, options=self.options_of)
        if cfg.eval and any("eval" in r.requires for r in dataset_rules):
            settings.eval = self.read_records(cfg.eval, report)
        if cfg.production and any("production" in r.requires for r in dataset_rules):
            settings.production = self.read_records(cfg.production, report)
            settings.production_field = cfg.production_field
        return settings

    def options_of(self, rule: type[Rule]) -> Any:
        """The options ``rule`` has in this run: a selected rule's own, else those the
        configuration gives it (for a rule that reads a measurement another rule owns)."""
        if rule.code in self.instances:
            return self.instances[rule.code].options
        return build_options(rule, self.cfg.rule_options.get(rule.code, {}),
                             self.cfg.source or "config")

    def read_records(self, paths: list[str], report: Report) -> list[Record]:
        """Every record of other files (an eval set), mapped to turns; no rules run on them.
        Files that cannot be read are input errors of the report."""
        out: list[Record] = []
        for p in paths:
            try:
                self.context.read_records(p, out)  # what a read error cuts short is kept
            except InputFileError as e:
                report.input_errors.append(InputError(e.path, e.message))
            except (OSError, MemoryError) as e:
                report.input_errors.append(InputError(p, f"read failed ({e})"))
        return out


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
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [str(p) for p in paths]
    if isinstance(training_config, (str, Path)):
        training_config = [training_config]
    config = build_config(paths, config=config, select=select, ignore=ignore or (),
                          options=options, training_config=training_config or ())
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
