"""Precision of each rule on real fine-tuning files, from findings a person judged.

    python benchmarks/precision.py [CORPORA_DIR] [--rules C002,C007,...] [--per-rule 40]
        [--seed 0] [--show-unjudged] [--write-unjudged FILE]

Lints every ``*.json`` / ``*.jsonl`` file of CORPORA_DIR (default ``../shared/corpora``) with
the default options, draws a seeded random sample of up to ``--per-rule`` findings of each
rule, taking from the files in turn, and looks each sampled finding up in the judgements kept in
``benchmarks/judgements/CODE.jsonl``: one JSON object per line,

    {"file": "alpaca_5000.json", "record": 290, "code": "C002",
     "verdict": "true" | "false" | "arguable", "why": "one short sentence"}

keyed by file, record index (``null`` for a dataset-level finding or a failed metric) and
rule.  A judgement says
whether the record shows a real defect worth fixing (``true``), does not (``false``), or could
be read either way (``arguable``); it is made by reading the record, never by the rule.

It prints, per rule: the findings made, the sample drawn, how many of the sample are judged,
and of those the true / false / arguable counts and the precision (true / judged: an arguable
finding does not count as a true one).  It also prints the judgements whose finding is gone:
a ``false`` one gone is a fixed false alarm, a ``true`` one gone is a real defect no longer
found (lost recall), and says so.  A record that a finding lists among its related records
(another record of its duplicate cluster) still counts as found.

``--show-unjudged`` prints each unjudged finding of the sample with its record, for a person
to judge; ``--write-unjudged FILE`` writes them as judgement lines with ``"verdict": null`` to
fill in and append to the rule's file.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "benchmarks" / "judgements"
VERDICTS = ("true", "false", "arguable")


def load_judgements(folder: Path = JUDGEMENTS) -> dict[tuple, dict]:
    """(file, record, code) -> judgement, from every ``CODE.jsonl`` of ``folder``.

    Raises ValueError on a line that is not a judgement, naming the file and line."""
    out: dict[tuple, dict] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                j = json.loads(line)
                key = (j["file"], j["record"], j["code"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a judgement ({exc})") from None
            if j.get("verdict") not in VERDICTS:
                raise ValueError(f"{path}:{n}: verdict must be one of {', '.join(VERDICTS)}")
            out[key] = j
    return out


def lint(path: Path, rules: str | None) -> list[dict]:
    """The findings of datalint's default run (or of ``rules``) on one file, and its failed
    metrics as dataset-level findings."""
    cmd = [sys.executable, "-m", "datalint", "check", str(path), "--isolated", "--format",
           "json", "--fail-on", "never", "--no-progress"]
    if rules:
        cmd += ["--select", rules]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"datalint failed on {path} (exit {done.returncode}): "
                           f"{done.stderr.strip()[-500:]}")
    report = json.loads(done.stdout)
    # a failed dataset metric is judged like a dataset-level finding
    failed = [{"code": m["code"], "message": m["message"],
               "location": {"record_index": None, "field": None}}
              for m in report["metrics"] if m["verdict"] == "fail"]
    return report["findings"] + failed


def key_of(file: str, finding: dict) -> tuple:
    return (file, finding["location"]["record_index"], finding["code"])


def sample(findings: dict[str, list[tuple]], per_rule: int, seed: int) -> dict[str, list]:
    """Up to ``per_rule`` (key, finding) pairs per rule, drawn with ``seed``: each file's
    findings shuffled, then taken from the files in turn, so that one file with hundreds of
    findings does not make the whole sample (one finding per key: a rule that reports a
    record twice is judged once)."""
    out = {}
    for code, items in sorted(findings.items()):
        unique = list({k: (k, f) for k, f in items}.values())
        rng = random.Random(f"{seed}:{code}")
        by_file: dict[str, list] = defaultdict(list)
        for kf in unique:
            by_file[kf[0][0]].append(kf)
        queues = []
        for name in sorted(by_file):
            q = by_file[name]
            rng.shuffle(q)
            queues.append(q)
        picked: list = []
        while len(picked) < per_rule and any(queues):
            for q in queues:
                if q and len(picked) < per_rule:
                    picked.append(q.pop())
        out[code] = sorted(picked, key=lambda kf: (kf[0][0], kf[0][1]
                                                   if kf[0][1] is not None else -1))
    return out


def record_text(path: Path, index: int | None, limit: int = 1200) -> str:
    """The raw record at ``index`` of a JSON array or JSON Lines file, shortened."""
    if index is None:
        return "(dataset-level finding)"
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
        rec = data[index] if isinstance(data, list) else None
    except ValueError:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        rec = json.loads(lines[index]) if index < len(lines) else None
    s = json.dumps(rec, ensure_ascii=False, indent=1)
    return s if len(s) <= limit else s[:limit] + " …"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpora", nargs="?", default=str(ROOT.parent / "shared" / "corpora"))
    ap.add_argument("--rules", help="rule codes to measure (default: every judged rule)")
    ap.add_argument("--per-rule", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show-unjudged", action="store_true")
    ap.add_argument("--write-unjudged", metavar="FILE")
    args = ap.parse_args(argv)
    corpora = Path(args.corpora)
    files = sorted(p for p in corpora.iterdir() if p.suffix in (".json", ".jsonl")) \
        if corpora.is_dir() else []
    if not files:
        print(f"no corpus files under {corpora}", file=sys.stderr)
        return 2
    try:
        judged = load_judgements()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    codes = sorted(set(args.rules.split(","))) if args.rules else \
        sorted({k[2] for k in judged})
    if not codes:
        print("no judgements yet and no --rules given", file=sys.stderr)
        return 2
    found: dict[str, list[tuple]] = defaultdict(list)
    for path in files:
        for f in lint(path, ",".join(codes)):
            if f["code"] in codes:
                found[f["code"]].append((key_of(path.name, f), f))
    drawn = sample(found, args.per_rule, args.seed)
    print(f"{len(files)} files, seed {args.seed}, up to {args.per_rule} findings per rule\n")
    print(f"{'rule':<6} {'found':>6} {'sample':>7} {'judged':>7} {'true':>5} {'false':>6} "
          f"{'arguable':>9} {'precision':>10}")
    unjudged = []
    for code in codes:
        items = drawn.get(code, [])
        counts = dict.fromkeys(VERDICTS, 0)
        for k, f in items:
            j = judged.get(k)
            if j is None:
                unjudged.append((k, f))
            else:
                counts[j["verdict"]] += 1
        n = sum(counts.values())
        prec = f"{counts['true'] / n:.2f}" if n else "-"
        print(f"{code:<6} {len(found.get(code, [])):>6} {len(items):>7} {n:>7} "
              f"{counts['true']:>5} {counts['false']:>6} {counts['arguable']:>9} {prec:>10}")
    # a record still found: where a finding points, or among its related records (a
    # duplicate cluster that split or chose another record to show)
    present = {k for items in found.values() for k, _ in items}
    present |= {(k[0], r.get("record_index"), k[2]) for items in found.values()
                for k, f in items for r in f.get("related", ())}
    gone = [j for k, j in sorted(judged.items(), key=lambda kv: str(kv[0]))
            if k[2] in codes and k not in present and (corpora / k[0]).exists()]
    if gone:
        by = defaultdict(lambda: dict.fromkeys(VERDICTS, 0))
        for j in gone:
            by[j["code"]][j["verdict"]] += 1
        print("\njudged findings no longer made (false: a fixed false alarm; true: a real "
              "defect no longer found):")
        for code, c in sorted(by.items()):
            print(f"  {code}: {c['false']} false gone, {c['true']} true gone (lost), "
                  f"{c['arguable']} arguable gone")
        for j in gone:
            if j["verdict"] == "true":
                print(f"    lost: {j['file']} record {j['record']}: {j['why']}")
    if unjudged:
        print(f"\n{len(unjudged)} sampled findings are not judged yet "
              f"(--show-unjudged prints them)")
    if args.show_unjudged:
        for (file, rec, code), f in unjudged:
            print(f"\n--- {code} {file} record {rec} [{f['location']['field']}]\n"
                  f"{f['message']}\n{record_text(corpora / file, rec)}")
    if args.write_unjudged:
        with open(args.write_unjudged, "w", encoding="utf-8") as out:
            for (file, rec, code), f in unjudged:
                out.write(json.dumps({"file": file, "record": rec, "code": code,
                                      "verdict": None, "why": "", "message": f["message"]},
                                     ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
