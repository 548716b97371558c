"""HTML output: a self-contained audit report (``--format html -o report.html``).

One file with inline CSS and inline SVG charts drawn here; no script, no font, no image and no
style sheet is fetched, so it opens offline (an e-mail attachment, an air-gapped laptop).
Order: the verdict and the diagnosis, the findings by rule (chart), metrics against their
thresholds, the answer-length box plot (from the ``length-collapse`` metric's quartiles when
that rule ran), each rule with its count, why it hurts, how to fix and its worst examples,
duplicate clusters, contradiction pairs side by side, skipped rules and problems.

The data is untrusted (a vendor's dataset): every piece of it goes through :func:`esc`
(control and invisible characters made visible, then ``html.escape`` with quotes), in text
and in attribute values alike, so a record containing ``<script>`` or ``</style>`` shows as
text.  The page sets a Content-Security-Policy that forbids scripts and any network load.
"""

from __future__ import annotations

import html as _html

from ...version import __version__
from ..diagnosis import Diagnosis
from ..model import SEVERITY_RANK, Report
from .escape import escape_terminal

#: Findings shown per rule (the most severe first).
EXAMPLES_PER_RULE = 8
MAX_CLUSTERS = 30
MAX_PAIRS = 30

_DUP_RULES = ("exact-duplicate", "normalized-duplicate", "near-duplicate", "semantic-duplicate",
              "duplicate-response", "duplicate-prompt")
_PAIR_RULES = ("contradiction", "conflicting-answers")
_VERDICT_COLOR = {"ready": "#1a7f37", "review": "#9a6700", "fix": "#cf222e"}
_SEV_COLOR = {"error": "#cf222e", "warning": "#bf8700", "info": "#0969da"}

CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1f2328;background:#f6f8fa;margin:0;padding:24px}
main{max-width:1180px;margin:0 auto}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}
.meta{color:#59636e;margin-bottom:14px}
.verdict{border-radius:8px;padding:14px 18px;color:#fff;margin:10px 0 4px}
.verdict b{font-size:20px;letter-spacing:.02em;text-transform:uppercase}
.verdict p{margin:6px 0 0}
.card{background:#fff;border:1px solid #d0d7de;border-left-width:6px;border-radius:6px;
 padding:10px 14px;margin:8px 0}
.card p{margin:4px 0}
.card.clear{border-left-color:#1a7f37}.card.not-checked{border-left-color:#8c959f;color:#59636e}
.card.not-judged{border-left-color:#bf8700}
.sev{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;
 font-weight:600;vertical-align:1px}
.sev.error{background:#cf222e}.sev.warning{background:#bf8700}.sev.info{background:#0969da}
.sev.none{background:#8c959f}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;
 overflow-wrap:anywhere}
.msg{overflow-wrap:anywhere;white-space:pre-wrap}
.rule{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:10px 0}
.doc{color:#444c56;margin:4px 0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:8px 0}
.side{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
.side .ans{font-weight:600;color:#cf222e}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px}
.muted{color:#59636e}
footer{color:#59636e;margin:30px 0 10px;font-size:12px}
"""


def esc(s: object) -> str:
    """Untrusted text for HTML text or a quoted attribute value."""
    return _html.escape(escape_terminal(str(s)), quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _loc_dict(d: dict | None) -> str:
    if not d:
        return "dataset"
    where = d.get("path") or "dataset"
    if d.get("line") is not None:
        where += f":{d['line']}"
    elif d.get("record_index") is not None:
        where += f"#{d['record_index']}"
    return where


def _loc(loc) -> str:
    return _loc_dict(loc.to_dict() if loc is not None else None)


def _sev(s: str | None) -> str:
    return f'<span class="sev {esc(s or "none")}">{esc(s or "ok")}</span>'


def _docs() -> dict[str, dict[str, str]]:
    try:
        from ...registry import all_rules

        return {r.code: r.doc_sections() for r in all_rules()}
    except Exception:  # a broken plugin must not break the report
        return {}


def _first_para(s: str) -> str:
    return s.strip().split("\n\n")[0].replace("\n", " ")


# -- charts: small inline SVG, drawn here ------------------------------------------------

def bar_chart(rows: list[tuple[str, float, str]], *, width: int = 560, title: str = "") -> str:
    """Horizontal bars: (label, value, colour)."""
    if not rows:
        return ""
    bar_h, gap, left, right = 18, 6, 230, 50
    h = len(rows) * (bar_h + gap) + 30
    top = max(v for _, v, _ in rows) or 1
    out = [f'<svg role="img" aria-label="{esc(title)}" width="{width}" height="{h}" '
           f'viewBox="0 0 {width} {h}">',
           f'<text x="4" y="14" font-size="13" font-weight="600">{esc(title)}</text>']
    for i, (label, v, color) in enumerate(rows):
        y = 24 + i * (bar_h + gap)
        w = max(1.0, (width - left - right) * v / top)
        out.append(f'<text x="{left - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
                   f'{esc(label[:34])}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>')
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}" font-size="12">{v:,.0f}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bullet(value: float, threshold: float | None, failed: bool, *, width: int = 220) -> str:
    """A value bar with the threshold as a vertical line (scale 0 … 1.25 × the larger)."""
    h = 16
    hi = max(abs(value), abs(threshold or 0.0)) * 1.25 or 1.0
    w = max(1.0, width * min(abs(value), hi) / hi)
    color = "#cf222e" if failed else "#1a7f37"
    out = [f'<svg width="{width}" height="{h}" viewBox="0 0 {width} {h}" role="img" '
           f'aria-label="value {value:g}, threshold {threshold if threshold is not None else "none"}">',
           f'<rect x="0" y="3" width="{width}" height="10" fill="#eaeef2"/>',
           f'<rect x="0" y="3" width="{w:.1f}" height="10" fill="{color}"/>']
    if threshold is not None:
        x = min(width - 1.0, width * abs(threshold) / hi)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{h}" stroke="#1f2328" '
                   'stroke-width="2"/>')
    out.append("</svg>")
    return "".join(out)


def length_boxplot(details: dict, *, width: int = 560) -> str:
    """Answer lengths (characters): box q1–q3, median line, whisker to the longest."""
    try:
        q1, med, q3 = float(details["q1_chars"]), float(details["median_chars"]), \
            float(details["q3_chars"])
        mx = float(details.get("max_chars") or q3)
    except (KeyError, TypeError, ValueError):
        return ""
    left, right, h = 20, 20, 90
    span = max(mx, 1.0) * 1.05

    def x(v: float) -> float:
        return left + (width - left - right) * v / span

    out = [f'<svg role="img" aria-label="answer length box plot" width="{width}" height="{h}" '
           f'viewBox="0 0 {width} {h}">',
           '<text x="4" y="14" font-size="13" font-weight="600">Answer length (characters), '
           f'{esc(details.get("answers", "?"))} answers</text>',
           f'<line x1="{x(0):.1f}" x2="{x(mx):.1f}" y1="42" y2="42" stroke="#59636e"/>',
           f'<line x1="{x(mx):.1f}" x2="{x(mx):.1f}" y1="34" y2="50" stroke="#59636e"/>',
           f'<rect x="{x(q1):.1f}" y="28" width="{max(1.0, x(q3) - x(q1)):.1f}" height="28" '
           'fill="#ddf4ff" stroke="#0969da"/>',
           f'<line x1="{x(med):.1f}" x2="{x(med):.1f}" y1="28" y2="56" stroke="#0969da" '
           'stroke-width="3"/>']
    for v, label in ((0, "0"), (q1, f"q1 {q1:g}"), (med, f"median {med:g}"),
                     (q3, f"q3 {q3:g}"), (mx, f"max {mx:g}")):
        anchor = "start" if v == 0 else "middle"
        y = 72 if label.startswith(("median", "0", "max")) else 84
        out.append(f'<text x="{x(v):.1f}" y="{y}" font-size="11" text-anchor="{anchor}">'
                   f'{esc(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


# -- sections --------------------------------------------------------------------------------

def _diagnosis(diag: Diagnosis) -> list[str]:
    out = ['<h2 id="diagnosis">Diagnosis: will fine-tuning on this make the model worse than '
           'its base?</h2>']
    for c in diag.causes:
        color = _SEV_COLOR.get(c.severity or "", "#8c959f")
        style = f' style="border-left-color:{color}"' if c.status == "found" else ""
        out.append(f'<div class="card {esc(c.status)}"{style}>')
        if c.status == "found":
            out.append(f"<h3>{esc(c.title)} {_sev(c.severity)}</h3>")
            out.append(f"<p>{esc(c.why)}</p>")
            out.append("<p><b>Evidence:</b></p><ul>")
            for e in c.evidence:
                out.append(f'<li>{_sev(e.severity)} <a href="#rule-{esc(e.code)}">'
                           f"<code>{esc(e.code)}</code></a> {esc(e.label()[len(e.code) + 1:])}"
                           f'<br><span class="muted msg">{esc(e.message[:300])}</span></li>')
            out.append("</ul>")
            out.append(f"<p><b>Fix:</b> {esc(c.fix)}</p>")
            if c.not_judged:
                out.append("<p class=\"muted\">" + "<br>".join(
                    esc(line[:1].upper() + line[1:]) for line in c.not_judged_lines()) + ".</p>")
        elif c.status == "clear":
            out.append(f"<h3>{esc(c.title)} <span class=\"sev\" style=\"background:#1a7f37\">"
                       f"clear</span></h3><p class=\"muted\">No evidence "
                       f"({esc(', '.join(c.checked))} checked).</p>")
        elif c.status == "not-judged":  # ran, but could not judge: never "clear"
            text = c.status_text()
            out.append(f"<h3>{esc(c.title)} {_sev(None).replace('>ok<', '>could not judge<')}"
                       f"</h3><p>{esc(text[:1].upper() + text[1:])}.</p>")
            lines = c.not_judged_lines()
            if lines:
                out.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>")
        else:
            reasons = list(dict.fromkeys(s["reason"] for s in c.skipped))
            why = "; ".join(reasons) if reasons else "none of its rules ran"
            out.append(f"<h3>{esc(c.title)} {_sev(None).replace('>ok<', '>not checked<')}"
                       f"</h3><p>Not checked: {esc(why)}</p>")
        out.append("</div>")
    if diag.other:
        out.append("<p>Also to fix (not a cause of a worse model): "
                   + ", ".join(esc(e.label()) for e in diag.other) + ".</p>")
    return out


def _systemic(report: Report) -> list[str]:
    from ..groups import systemic

    groups, _ = systemic(report)
    if not groups:
        return []
    out = ['<h2 id="systemic">Systemic defects: one cause on many records</h2>']
    for g in groups:
        out.append(f'<div class="card" style="border-left-color:{_SEV_COLOR[g.severity]}">')
        out.append(f'<h3><a href="#rule-{esc(g.code)}"><code>{esc(g.code)}</code></a> '
                   f"{esc(g.name)} {_sev(g.severity)}</h3>")
        out.append(f"<p>{esc(g.headline())}.</p>")
        if g.fix():
            out.append(f"<p><b>Fix:</b> {esc(g.fix())}</p>")
        ex = ", ".join(esc(_loc(loc)) for loc in g.examples())
        out.append(f'<p class="muted">e.g. at <span class="loc">{ex}</span> (all '
                   f"{len(g.findings):,} findings in the JSON report)</p></div>")
    return out


def _metrics(report: Report) -> list[str]:
    if not report.metrics:
        return []
    out = ['<h2 id="metrics">Metrics against their thresholds</h2>',
           "<table><tr><th>metric</th><th>value</th><th>threshold</th><th>verdict</th>"
           "<th>value vs threshold (line)</th><th>message</th></tr>"]
    for m in report.metrics:
        out.append(_metric_row(m))
    out.append("</table>")
    return out


def _metric_row(m) -> str:
    """One metric's table row: value, threshold, the verdict with how it was decided (the
    direction that is bad and every condition that decided), the chart and the message."""
    thr = f"{m.threshold:g}" if m.threshold is not None else "—"
    verdict = (f'<span class="sev {esc(m.severity)}">fail</span>' if m.verdict == "fail"
               else f"{esc(m.verdict)}")
    if m.decision:
        verdict += f'<br><span class="msg">{esc(m.decision)}</span>'
    return (f'<tr><td><code>{esc(m.code)}</code> {esc(m.name)}</td>'
            f'<td class="num">{m.value:g}</td><td class="num">{thr}</td>'
            f"<td>{verdict}</td><td>{bullet(m.value, m.threshold, m.verdict == 'fail')}"
            f'</td><td class="msg">{esc(m.message)}</td></tr>')


def _rules(report: Report, docs: dict) -> list[str]:
    groups: dict[str, list] = {}
    for f in report.findings:
        groups.setdefault(f.code, []).append(f)
    if not groups:
        return []
    order = sorted(groups, key=lambda c: (-max(SEVERITY_RANK[f.severity] for f in groups[c]),
                                          -len(groups[c]), c))
    out = ['<h2 id="rules">Rules with findings</h2>']
    for code in order:
        fs = sorted(groups[code], key=lambda f: -SEVERITY_RANK[f.severity])
        worst = max((f.severity for f in fs), key=lambda s: SEVERITY_RANK[s])
        out.append(f'<div class="rule" id="rule-{esc(code)}">')
        out.append(f"<h3><code>{esc(code)}</code> {esc(fs[0].name)} {_sev(worst)} "
                   f"— {_plural(len(fs), 'finding')}</h3>")
        d = docs.get(code, {})
        if d.get("Why it hurts fine-tuning"):
            out.append(f'<p class="doc"><b>Why it hurts:</b> '
                       f'{esc(_first_para(d["Why it hurts fine-tuning"]))}</p>')
        if d.get("How to fix"):
            out.append(f'<p class="doc"><b>How to fix:</b> {esc(_first_para(d["How to fix"]))}'
                       "</p>")
        out.append("<table><tr><th>location</th><th>message</th></tr>")
        for f in fs[:EXAMPLES_PER_RULE]:
            field = f"<br><code>{esc(f.location.field)}</code>" if f.location.field else ""
            rel = ""
            if f.related:
                shown = ", ".join(esc(_loc(r)) for r in f.related[:5])
                more = f" and {len(f.related) - 5:,} more" if len(f.related) > 5 else ""
                rel = f'<br><span class="muted">also at <span class="loc">{shown}</span>{more}</span>'
            out.append(f'<tr><td class="loc">{esc(_loc(f.location))}{field}</td>'
                       f'<td class="msg">{esc(f.message)}{rel}</td></tr>')
        if len(fs) > EXAMPLES_PER_RULE:
            out.append(f'<tr><td colspan="2" class="muted">… and '
                       f"{len(fs) - EXAMPLES_PER_RULE:,} more (see the JSON report)</td></tr>")
        out.append("</table></div>")
    return out


def _clusters(report: Report) -> list[str]:
    fs = [f for f in report.findings if f.name in _DUP_RULES and isinstance(f.data, dict)
          and "keep" in f.data]
    if not fs:
        return []
    out = ['<h2 id="clusters">Duplicate clusters</h2>',
           "<table><tr><th>rule</th><th>size</th><th>keep</th><th>drop</th></tr>"]
    for f in fs[:MAX_CLUSTERS]:
        drop = f.data.get("drop") or []
        drops = ", ".join(esc(_loc_dict(d)) for d in drop[:10] if isinstance(d, dict))
        if len(drop) > 10:
            drops += f" and {len(drop) - 10:,} more"
        out.append(f"<tr><td><code>{esc(f.code)}</code> {esc(f.name)}</td>"
                   f'<td class="num">{esc(f.data.get("cluster_size", ""))}</td>'
                   f'<td class="loc">{esc(_loc_dict(f.data.get("keep")))}</td>'
                   f'<td class="loc">{drops}</td></tr>')
    out.append("</table>")
    if len(fs) > MAX_CLUSTERS:
        out.append(f'<p class="muted">… and {len(fs) - MAX_CLUSTERS:,} more clusters.</p>')
    return out


def _pairs(report: Report) -> list[str]:
    fs = [f for f in report.findings if f.name in _PAIR_RULES and isinstance(f.data, dict)]
    if not fs:
        return []
    out = ['<h2 id="contradictions">Contradictions, side by side</h2>']
    for f in fs[:MAX_PAIRS]:
        d = f.data
        out.append(f"<p><code>{esc(f.code)}</code> {esc(f.name)} {_sev(f.severity)}"
                   + (f' <span class="muted">prompt similarity {esc(d["similarity"])}</span>'
                      if "similarity" in d else "") + "</p>")
        out.append('<div class="pair">')
        if "prompts" in d and "answers" in d:  # contradiction: two records
            locs = [f.related[0] if f.related else None, f.location]
            for loc, p, a in zip(locs, d["prompts"], d["answers"]):
                out.append(f'<div class="side"><div class="loc muted">{esc(_loc(loc))}</div>'
                           f'<p class="msg">{esc(p)}</p><p class="msg ans">→ {esc(a)}</p></div>')
        elif "answers" in d:  # conflicting-answers: one prompt, several answers
            for a in d["answers"][:4]:
                ans = a.get("answer", "") if isinstance(a, dict) else a
                n = a.get("count", "") if isinstance(a, dict) else ""
                out.append(f'<div class="side"><p class="msg">{esc(d.get("prompt", ""))}</p>'
                           f'<p class="msg ans">→ {esc(ans)}</p>'
                           f'<div class="muted">{esc(n)} record(s)</div></div>')
        out.append("</div>")
    return out


def render(report: Report, **_: object) -> str:
    diag = report.diagnosis
    docs = _docs()
    sev = report.counts_by_severity()
    files = ", ".join(report.files[:5]) + (f" and {len(report.files) - 5:,} more"
                                           if len(report.files) > 5 else "")
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           # no scripts, no network: everything this page needs is inline
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           "style-src 'unsafe-inline'; img-src data:\">",
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>datalint audit report</title>", f"<style>{CSS}</style></head><body><main>",
           "<h1>datalint audit report</h1>",
           f'<div class="meta">{_plural(report.records, "record")} in '
           f'{_plural(len(report.files), "file")}: <span class="loc">{esc(files)}</span></div>',
           f'<div class="verdict" style="background:{_VERDICT_COLOR[diag.verdict]}">'
           f"<b>Verdict: {esc(diag.verdict_label)}</b>"
           + "".join(f"<p>{esc(r[:1].upper() + r[1:])}.</p>" for r in diag.reasons) + "</div>",
           f'<p class="meta">{_plural(len(report.findings), "finding")} ('
           + ", ".join(f"{sev[s]:,} {s}{'s' if s != 'info' and sev[s] != 1 else ''}"
                                 for s in ("error", "warning", "info"))
           + f"); {_plural(sum(m.verdict == 'fail' for m in report.metrics), 'metric')} failed"
           + (f"; {report.suppressed:,} suppressed" if report.suppressed else "") + ".</p>"]
    out += _diagnosis(diag)
    out += _systemic(report)

    # charts
    charts = []
    by_rule: dict[tuple[str, str], list] = {}
    for (code, name, s), n in report.counts_by_rule().items():
        by_rule.setdefault((code, name), []).append((s, n))
    rows = sorted(((f"{c} {n}", sum(k for _, k in v),
                    _SEV_COLOR[max((s for s, _ in v), key=lambda s: SEVERITY_RANK[s])])
                   for (c, n), v in by_rule.items()), key=lambda r: -r[1])
    if rows:
        charts.append(bar_chart(rows[:20], title="Findings by rule"))
    lc = next((m for m in report.metrics if m.name == "length-collapse" and m.details), None)
    if lc is not None:
        charts.append(length_boxplot(lc.details))
    if charts:
        out.append('<h2 id="charts">At a glance</h2><div class="charts">'
                   + "".join(f'<div class="chart">{c}</div>' for c in charts if c) + "</div>")
    out += _metrics(report)
    out += _pairs(report)
    out += _clusters(report)
    out += _rules(report, docs)
    if report.skipped:
        out.append('<h2 id="skipped">Skipped rules (not run, not passed)</h2><ul>')
        out += [f"<li><code>{esc(s.code)}</code> {esc(s.name)}: {esc(s.reason)}</li>"
                for s in report.skipped]
        out.append("</ul>")
    if report.notes:
        out.append('<h2 id="notes">Notes</h2><ul>')
        out += [f"<li>{esc(n)}</li>" for n in report.notes]
        out.append("</ul>")
    if report.input_errors or report.errors:
        out.append('<h2 id="problems">Problems</h2><ul>')
        out += [f'<li>cannot read <span class="loc">{esc(e.path)}</span>: {esc(e.message)}</li>'
                for e in report.input_errors]
        out += [f"<li>rule <code>{esc(e.code)}</code> {esc(e.name)} crashed: {esc(e.message)} "
                "(other rules still ran)</li>" for e in report.errors]
        out.append("</ul>")
    out.append(f"<footer>datalint {esc(__version__)} · {_plural(len(report.rules_run), 'rule')} "
               "selected · self-contained report: no scripts, no network</footer>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
