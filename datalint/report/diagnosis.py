"""The diagnosis: will fine-tuning on this data make the model worse than its base, and why?

The evidence (findings and failed metrics, by rule *name*) is mapped to the known causes of a
fine-tune that ends worse than its base model.  The mapping is one declarative table,
:data:`CAUSES`: a rule joins a cause by being named in its ``rules``; a rule of a family that
no cause names (a plugin, a family added later) joins the cause that lists its family in
``families``.  Every rule a cause names exists (tests/test_diagnosis.py).

The diagnosis is computed from the :class:`~datalint.report.Report` alone, so every renderer
can show it, and it is deterministic.

Verdict (opens every text report):

* ``fix`` — *fix before training*: an error-level finding, a failed error-level metric, a rule
  that crashed or an input that could not be read (the same things that make ``datalint
  check`` exit non-zero at the default ``--fail-on error``);
* ``review`` — a warning-level finding or a failed warning-level metric;
* ``ready`` — nothing above info level.  Causes whose rules were skipped (no eval set, no
  production sample, no training config) are listed as *not checked*, never as clear.

A cause is *clear* (✓) only when every rule of it that ran could judge and found nothing.  A
metric rule that could not measure (too few records, answers too short to judge…; an ``info``
metric) and, when no record was read, every rule, *could not judge*: the cause is
``not-judged`` (?) and says which rules and why.  With a baseline (``--baseline``) the verdict
counts only new findings and says how many known ones the baseline hides, by rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import SEVERITY_RANK, Report


@dataclass(frozen=True)
class Cause:
    id: str
    title: str
    #: how this makes the fine-tuned model worse than its base
    why: str
    #: what to do about it
    fix: str
    #: rule names whose findings and failed metrics are evidence of this cause
    rules: tuple[str, ...]
    #: rule families (see ``rule.FAMILIES``) whose *unlisted* rules join this cause
    families: tuple[str, ...] = ()


#: The mapping from evidence to causes.  Order = the order in reports.
CAUSES: tuple[Cause, ...] = (
    Cause(
        "low-quality",
        "Too little or low-quality data",
        "The model copies what it sees: broken records, empty, truncated or boilerplate "
        "answers and leaked template tokens are learned as readily as good answers, and a "
        "small dataset has too few good examples to outweigh them.",
        "Fix or drop the flagged records (format errors, empty/truncated/canned answers, "
        "placeholders, leaked tokens); collect more examples if the dataset is small.",
        rules=(
            # size
            "too-few-examples",
            # format
            "invalid-json", "unknown-format", "mixed-formats", "schema-drift", "missing-field",
            "wrong-type", "file-encoding", "empty-file", "malformed-row",
            # turns
            "empty-turn", "unknown-role", "bad-turn-order", "no-assistant-turn",
            "ends-with-user", "missing-user-turn", "tool-call-mismatch",
            # content
            "leaked-special-token", "unfilled-placeholder", "no-input-placeholder",
            "empty-response", "encoding-error", "stray-whitespace", "truncated-response",
            "too-long", "repeated-content", "boilerplate-response",
            # training config that cuts answers mid-way
            "seq-len-truncates-data",
        ),
        families=("format", "turns", "content", "size"),
    ),
    Cause(
        "memorisation",
        "Memorisation risk",
        "Repeated records, stock answers and one prompt template are seen many times per "
        "epoch: the model memorises them instead of learning the task, and answers new "
        "questions with the memorised text.",
        "Deduplicate (keep one record of each cluster), replace canned answers with answers "
        "written for their question, and vary the prompt templates.",
        rules=("exact-duplicate", "normalized-duplicate", "duplicate-response", "near-duplicate",
               "semantic-duplicate", "canned-responses", "template-collapse"),
        families=("duplicates",),
    ),
    Cause(
        "noisy-supervision",
        "Noisy supervision",
        "The same (or a paraphrased) question with conflicting answers teaches the model two "
        "answers to one question: it learns to hedge or to pick at random, and its "
        "confidence on the whole topic drops.",
        "Decide which answer is right for each conflicting pair and fix or drop the other "
        "record.",
        rules=("conflicting-answers", "contradiction", "duplicate-prompt"),
    ),
    Cause(
        "forgetting",
        "Catastrophic-forgetting risk",
        "Narrow, repetitive data trained hard (full fine-tuning, many epochs, a high learning "
        "rate) overwrites the general skills of the base model: it gets better at this data "
        "and worse at everything else.",
        "Mix in general instruction data (10–30%), prefer LoRA/QLoRA to full fine-tuning, "
        "train 1–3 epochs at a modest learning rate, and keep a validation split to stop "
        "early.",
        rules=("low-lexical-diversity", "length-collapse", "too-many-epochs",
               "learning-rate-too-high", "full-finetune-on-small-data", "no-validation-split",
               "no-general-mix"),
        families=("training", "diversity"),
    ),
    Cause(
        "style-over-task",
        "Style over task",
        "When every answer carries one writer's voice, openers and sign-offs, the cheapest "
        "thing to learn is the style: the model reproduces the voice on every input while "
        "the task itself is learned less well.",
        "Strip signature openers and sign-offs, have several writers answer (or rewrite a "
        "share of the answers), and cap any one author's share.",
        rules=("style-collapse", "signature-phrases", "author-concentration"),
        families=("style",),
    ),
    Cause(
        "production-mismatch",
        "Production mismatch",
        "The model is trained on questions users do not ask (other topics, languages, "
        "lengths, phrasing, tone): it performs well on this data and worse than the base on "
        "real traffic.",
        "Sample real production prompts, add training examples for the uncovered topics, "
        "languages and lengths, and down-weight over-represented topics.",
        rules=("production-coverage", "distribution-shift", "language-mismatch",
               "length-mismatch", "style-mismatch", "overrepresented-topics"),
        families=("production",),
    ),
    Cause(
        "misleading-evals",
        "Misleading evals",
        "An eval that overlaps the training data, is the training data, or does not look "
        "like production measures memorisation, not skill: a regression against the base "
        "model goes unnoticed until users see it.",
        "Remove eval prompts that occur in training (exactly or paraphrased), evaluate on "
        "data held out before training, and build the eval from production-like prompts.",
        rules=("train-eval-overlap", "eval-equals-train"),
    ),
)

VERDICTS = {
    "ready": "ready",
    "review": "review",
    "fix": "fix before training",
}


@dataclass
class Evidence:
    """One rule's contribution to a cause: its findings (count, worst severity) and/or its
    failed metric (value and threshold)."""

    code: str
    name: str
    severity: str
    count: int = 0  # findings of this rule
    value: float | None = None  # the failed metric's value, if the rule measured one
    threshold: float | None = None
    message: str = ""  # the metric's message, else the first finding's

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "severity": self.severity,
                "findings": self.count, "metric_value": self.value,
                "metric_threshold": self.threshold, "message": self.message}

    def label(self) -> str:
        parts = []
        if self.value is not None:
            thr = f", threshold {self.threshold:g}" if self.threshold is not None else ""
            parts.append(f"{self.value:.3g}{thr}")
        if self.count:
            parts.append(_plural(self.count, "finding"))
        return f"{self.code} {self.name} ({'; '.join(parts)})"


@dataclass
class CauseResult:
    id: str
    title: str
    status: str  # "found" | "clear" | "not-checked"
    severity: str | None  # worst evidence severity, None when nothing was found
    why: str
    fix: str
    evidence: list[Evidence] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # codes of the rules that ran
    skipped: list[dict[str, str]] = field(default_factory=list)  # {code, name, reason}
    #: rules that ran but could not judge (too little data): {code, name, reason}
    not_judged: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status,
                "severity": self.severity, "why": self.why, "fix": self.fix,
                "evidence": [e.to_dict() for e in self.evidence],
                "checked": self.checked, "skipped": self.skipped,
                "not_judged": self.not_judged}

    @property
    def judged(self) -> list[str]:
        """Codes of the rules that ran and could judge."""
        out = {r["code"] for r in self.not_judged}
        return [c for c in self.checked if c not in out]

    def not_judged_groups(self) -> list[tuple[str, str]]:
        """(which rules, why) for the rules that could not judge, one per reason."""
        by_reason: dict[str, list[str]] = {}
        for r in self.not_judged:
            by_reason.setdefault(r["reason"], []).append(r["code"])
        return [(codes_label(codes), reason) for reason, codes in by_reason.items()]

    def status_text(self) -> str:
        """What a cause without evidence says after its title (plain text): ``no evidence
        (… checked)``, ``could not judge …``, or ``not checked: …``."""
        if self.status == "clear":
            return f"no evidence ({codes_label(self.checked)} checked)"
        if self.status == "not-judged":
            groups = self.not_judged_groups()
            judged = self.judged
            head = (f"no evidence from {codes_label(judged)}; could not judge" if judged
                    else "could not judge")
            if len(groups) == 1:
                return f"{head} {groups[0][0]}: {groups[0][1]}"
            return f"{head} {codes_label([r['code'] for r in self.not_judged])}"
        reasons = list(dict.fromkeys(s["reason"] for s in self.skipped))
        return "not checked: " + ("; ".join(reasons) if reasons else "none of its rules ran")

    def not_judged_lines(self) -> list[str]:
        """One line per reason a rule could not judge (``V004: only 3 answers…``), for a
        found cause, or a not-judged one whose rules could not judge for several reasons."""
        groups = self.not_judged_groups()
        if self.status == "not-judged" and len(groups) == 1:
            return []  # said in status_text
        prefix = "could not judge " if self.status == "found" else ""
        return [f"{prefix}{codes}: {reason}" for codes, reason in groups]


@dataclass
class Diagnosis:
    verdict: str  # "ready" | "review" | "fix"
    reasons: list[str]
    causes: list[CauseResult]
    #: evidence from rules that belong to no cause (e.g. pii): still to fix, not a cause of a
    #: worse model
    other: list[Evidence] = field(default_factory=list)
    #: what a baseline hid: {"hidden": n, "by_rule": [{code, name, count}]}; None: no baseline
    baseline: dict[str, Any] | None = None

    @property
    def verdict_label(self) -> str:
        return VERDICTS[self.verdict]

    @property
    def found(self) -> list[CauseResult]:
        return [c for c in self.causes if c.status == "found"]

    def headline(self) -> str:
        return f"Verdict: {self.verdict_label.upper()}" + (
            f" — {'; '.join(self.reasons)}" if self.reasons else "")

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "verdict_label": self.verdict_label,
                "reasons": self.reasons, "causes": [c.to_dict() for c in self.causes],
                "other": [e.to_dict() for e in self.other], "baseline": self.baseline}


def _max_sev(sevs) -> str | None:
    sevs = list(sevs)
    return max(sevs, key=lambda s: SEVERITY_RANK[s]) if sevs else None


def _cause_index() -> tuple[dict[str, int], dict[str, int]]:
    by_name: dict[str, int] = {}
    by_family: dict[str, int] = {}
    for i, c in enumerate(CAUSES):
        for r in c.rules:
            by_name.setdefault(r, i)
        for f in c.families:
            by_family.setdefault(f, i)
    return by_name, by_family


def _family(code: str) -> str:
    from ..rule import FAMILIES

    return FAMILIES.get(code.rstrip("0123456789"), "other")


def cause_of(name: str, code: str) -> int | None:
    """Index in :data:`CAUSES` of the cause a rule joins (by name, else by family), or None."""
    by_name, by_family = _cause_index()
    if name in by_name:
        return by_name[name]
    return by_family.get(_family(code))


def _names_of_codes(codes: list[str]) -> dict[str, str]:
    try:
        from ..registry import all_rules

        known = {r.code: r.name for r in all_rules()}
    except Exception:  # a broken plugin must not break the report
        known = {}
    return {c: known[c] for c in codes if c in known}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def codes_label(codes: list[str]) -> str:
    """``V001, V004`` for up to four rules, else ``29 rules``."""
    return ", ".join(codes) if len(codes) <= 4 else _plural(len(codes), "rule")


#: why every rule that ran could not judge when no record was read
NO_RECORDS = "no records were read"


def baseline_text(baseline: dict[str, Any]) -> str:
    """``57 known findings hidden by the baseline (44 D001 exact-duplicate, …)``."""
    by_rule = baseline["by_rule"]
    top = by_rule if len(by_rule) <= 4 else by_rule[:3]
    shown = [f"{r['count']:,} {r['code']} {r['name']}" for r in top]
    rest = by_rule[len(top):]
    if rest:
        shown.append(f"{_plural(sum(r['count'] for r in rest), 'finding')} of "
                     + ", ".join(r["code"] for r in rest))
    n = baseline["hidden"]
    return (f"{n:,} known finding{'' if n == 1 else 's'} hidden by the baseline"
            + (f" ({', '.join(shown)})" if shown else ""))


def diagnose(report: Report) -> Diagnosis:
    causes = [CauseResult(c.id, c.title, "clear", None, c.why, c.fix) for c in CAUSES]
    other: list[Evidence] = []

    def slot(name: str, code: str) -> list[Evidence]:
        i = cause_of(name, code)
        return other if i is None else causes[i].evidence

    # findings and failed metrics, grouped by rule
    by_rule: dict[str, Evidence] = {}

    def evidence(code: str, name: str, severity: str, message: str) -> Evidence:
        ev = by_rule.get(code)
        if ev is None:
            ev = by_rule[code] = Evidence(code, name, severity, message=message)
            slot(name, code).append(ev)
        elif SEVERITY_RANK[severity] > SEVERITY_RANK[ev.severity]:
            ev.severity = severity
        return ev

    for f in report.findings:
        evidence(f.code, f.name, f.severity, f.message).count += 1
    for m in report.metrics:
        if m.verdict == "fail":
            ev = evidence(m.code, m.name, m.severity, m.message)
            ev.value, ev.threshold = m.value, m.threshold
            if m.message:
                ev.message = m.message
    # which causes were checked at all
    skipped_codes = {s.code for s in report.skipped}
    names = _names_of_codes(report.rules_run)
    for code, name in names.items():
        i = cause_of(name, code)
        if i is not None and code not in skipped_codes:
            causes[i].checked.append(code)
    for s in report.skipped:
        i = cause_of(s.name, s.code)
        if i is not None:
            causes[i].skipped.append({"code": s.code, "name": s.name, "reason": s.reason})
    # which rules that ran could not judge: a metric that could not be measured, or every
    # rule when no record was read
    unmeasured = {m.code: m for m in report.metrics if m.verdict == "info"}
    with_evidence = set(by_rule)
    for c in causes:
        for code in c.checked:
            if code in with_evidence:
                continue
            if not report.records:
                c.not_judged.append({"code": code, "name": names[code], "reason": NO_RECORDS})
            elif code in unmeasured:
                c.not_judged.append({"code": code, "name": names[code],
                                     "reason": unmeasured[code].message or "not measured"})
    for c in causes:
        c.evidence.sort(key=lambda e: (-SEVERITY_RANK[e.severity], e.code))
        c.severity = _max_sev(e.severity for e in c.evidence)
        if c.evidence:
            c.status = "found"
        elif not c.checked:
            c.status = "not-checked"
        elif c.not_judged:
            c.status = "not-judged"
    other.sort(key=lambda e: (-SEVERITY_RANK[e.severity], e.code))

    # the verdict: by severity, a rule counted once however many findings and metrics it has
    # (the same things that make `datalint check` exit 1 at --fail-on error, plus crashes)
    sev = report.counts_by_severity()
    found = {f.code for f in report.findings}
    failed = {s: sum(1 for m in report.metrics
                     if m.verdict == "fail" and m.severity == s and m.code not in found)
              for s in ("error", "warning", "info")}
    baseline = None
    if report.baselined is not None:
        hidden = report.baselined_by_rule
        baseline = {"hidden": report.baselined,
                    "by_rule": [{"code": c, "name": n, "count": k} for (c, n), k in
                                sorted(hidden.items(), key=lambda kv: (-kv[1], kv[0]))]}
    # with a baseline, ready means no *new* problem: the known findings are hidden (a
    # metric is never baselined)
    new = "new " if baseline else ""
    reasons: list[str] = []
    if report.errors:
        reasons.append(f"{_plural(len(report.errors), 'rule')} crashed: the check is "
                       "incomplete")
    if report.input_errors:
        reasons.append(f"{_plural(len(report.input_errors), 'input')} could not be read")
    top = [c for c in causes if c.severity == "error"]
    if sev["error"] or failed["error"]:
        n = sev["error"] + failed["error"]
        reasons.append(f"{_plural(n, 'error')}"
                       + (f" ({', '.join(c.title.lower() for c in top)})" if top else ""))
    if report.errors or report.input_errors or sev["error"] or failed["error"]:
        verdict = "fix"
    elif sev["warning"] or failed["warning"]:
        verdict = "review"
    else:
        verdict = "ready"
    warn = sev["warning"] + failed["warning"]
    if warn:
        mid = [c for c in causes if c.severity == "warning"]
        reasons.append(f"{_plural(warn, 'warning')} to review"
                       + (f" ({', '.join(c.title.lower() for c in mid)})" if mid else ""))
    if verdict == "ready":
        reasons.append(f"no {new}problem above info level")
    if baseline and baseline["hidden"]:
        reasons.append(baseline_text(baseline))
    not_judged = [c for c in causes if c.status == "not-judged" and not c.judged]
    if not_judged:
        reasons.append("could not judge: " + ", ".join(c.title.lower() for c in not_judged)
                       + (f" ({NO_RECORDS})" if not report.records else ""))
    partly = [c for c in causes if c.status == "not-judged" and c.judged]
    if partly:
        reasons.append("partly judged: " + ", ".join(c.title.lower() for c in partly))
    not_checked = [c for c in causes if c.status == "not-checked"]
    if not_checked:
        reasons.append("not checked: " + ", ".join(c.title.lower() for c in not_checked))
    return Diagnosis(verdict, reasons, causes, other, baseline)
