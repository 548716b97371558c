"""What rules see of a run: :class:`RunContext` (pattern packs, the training config) and
:class:`Dataset` (what a dataset rule gets after the record pass)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..io.record import Record
from ..resources import Resources
from ..rules.packs import PatternSet, load_packs


class RunContext:
    """What rules may ask the run for: their pattern packs, the training config, the
    tokenizer the user named, and other files (an eval set) read like the training data.

    It is built from the configuration by the engine; rules never see the configuration
    itself, only these run-wide settings."""

    def __init__(self, *, packs: tuple[str, ...] = (), training_config: tuple[str, ...] = (),
                 tokenizer: str | None = None,
                 read_records: Callable[[str, list[Record] | None], list[Record]] | None = None):
        self._packs = load_packs(tuple(packs))
        self._sets: dict[str, PatternSet] = {}
        self._read_records = read_records
        #: the local tokenizer for counting tokens (``--tokenizer``), or None: an estimate
        self.tokenizer = tokenizer
        # the training config, for the training rules (None: they report themselves skipped);
        # read here, before any data, so that a bad file is a usage error (exit 2)
        self.training = None
        if training_config:
            from ..rules.training.configs import load_training_config

            self.training = load_training_config(list(training_config))

    def patterns(self, rule_name: str) -> PatternSet:
        if rule_name not in self._sets:
            self._sets[rule_name] = PatternSet(self._packs.get(rule_name, []))
        return self._sets[rule_name]

    def read_records(self, path: str, out: list[Record] | None = None) -> list[Record]:
        """Every record of another file or folder (an eval set), mapped to turns like the
        training data and appended to ``out`` as they are read; no rules run on them.
        Raises :class:`~datalint.errors.InputFileError` or ``OSError`` (what was read before
        stays in ``out``).  (The reading is the pipeline's: see ``pipeline/read.py``.)"""
        if self._read_records is None:
            raise RuntimeError("this run context reads no other files")
        return self._read_records(path, out)


@dataclass
class Dataset:
    """What a dataset rule sees: every record (when a selected rule needs them) and counts."""

    sources: list[str]
    count: int
    records: list[Record] | None
    context: RunContext
    layouts: dict[str, int] = field(default_factory=dict)
    resources: Resources = field(default_factory=lambda: Resources(None))
