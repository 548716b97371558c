"""The Report and what it holds (:mod:`.model`), the diagnosis computed from it
(:mod:`.diagnosis`), and one renderer per output format (:mod:`.renderers`)."""

from .model import (SCHEMA_VERSION, SEVERITIES, SEVERITY_RANK, Finding, InputError, Metric,
                    Report, RuleError, Skipped)

__all__ = ["SCHEMA_VERSION", "SEVERITIES", "SEVERITY_RANK", "Finding", "InputError", "Metric",
           "Report", "RuleError", "Skipped"]
