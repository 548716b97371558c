"""The dataset pass: after every record was seen, each dataset rule once, with the shared
resources (embeddings, neighbours, MinHash signatures, the eval and production samples) built
lazily for the rules that ask for them."""

from __future__ import annotations

from ..errors import UsageError
from ..report.judge import judged
from ..report.model import Metric, Report, Skipped
from ..rule import DatasetRule
from .context import Dataset
from .guard import RuleGuard
from .suppress import Suppressions


def run_dataset_rules(rules: list[DatasetRule], dataset: Dataset, report: Report,
                      guard: RuleGuard, suppressions: Suppressions) -> None:
    """Each rule's metrics, skips and findings into ``report``, in the rules' order; the
    measurements a rule yields are judged here, once (:mod:`datalint.report.judge`)."""
    findings = report.findings
    for rule in rules:
        try:
            for item in judged(rule, rule.check_dataset(dataset)):
                if isinstance(item, Metric):
                    report.metrics.append(item)
                elif isinstance(item, Skipped):
                    report.skipped.append(item)
                elif not suppressions.hides(item):
                    findings.append(item)
        except UsageError:
            raise  # a setup problem (a model folder, a missing package): exit 2, not a crash
        except Exception as exc:
            guard.crash(rule, exc)
