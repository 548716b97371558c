"""Recall of the duplicate rules on the GPTeacher Toolformer near-duplicate labels.

    python benchmarks/gpteacher_labels.py [CORPORA_DIR] [--select D001,D002,D005,D006]
        [--option semantic-duplicate.ratio=0.5 ...]

The author of GPTeacher published the Toolformer set "deduped only" and "similarity-cleaned at
0.8": the records present in the first file and missing from the second are the author's own
near-duplicate labels.  This script lints the first file with the selected duplicate rules and
prints, per rule and for all of them together, the share of removed records that datalint puts
in a duplicate cluster (recall), the share of kept records it puts in one (kept records are
often the representative the author kept, so this is an upper bound on false flags), the share
of kept records a cluster says to drop, and the largest cluster (the shared tool preamble must
not make the file one cluster).

Measured: the author's labels follow the answers (a removed record's answer has a word-level
LCS F-measure of at least 0.8 with an earlier kept record's answer in 59 of 60 sampled removed
records, and in none of 60 sampled kept ones), the self-instruct style of filter.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(corpora: Path, select: str = "D001,D002,D005,D006",
            options: list[str] | tuple[str, ...] = ()) -> dict:
    """Recall, kept-flagged share and largest cluster, per rule and for all selected rules.

    Raises FileNotFoundError when the two GPTeacher files are not under ``corpora``.
    """
    base = Path(corpora)
    full = base / "gpteacher_toolformer_dedupe_only.json"
    cleaned = base / "gpteacher_toolformer_similarity_0.8.json"
    if not full.is_file() or not cleaned.is_file():
        raise FileNotFoundError(f"GPTeacher files not found under {base}")
    key = lambda r: (r.get("instruction"), r.get("input", ""), r.get("response", ""))  # noqa: E731
    kept_keys = {key(r) for r in json.loads(cleaned.read_text())}
    records = json.loads(full.read_text())
    removed = [key(r) not in kept_keys for r in records]
    cmd = [sys.executable, "-m", "datalint", "check", str(full), "--isolated", "--format", "json",
           "--select", select, "--fail-on", "never", "--no-progress"]
    for o in options:
        cmd += ["--option", o]
    out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True,
                                    cwd=ROOT).stdout)
    members: dict[str, set[int]] = defaultdict(set)
    dropped: dict[str, set[int]] = defaultdict(set)
    largest: dict[str, int] = defaultdict(int)
    for f in out["findings"]:
        data = f.get("data") or {}
        if "keep" not in data:
            continue
        drop = {d["record_index"] for d in data["drop"]}
        idx = {data["keep"]["record_index"], *drop}
        members[f["name"]] |= idx
        dropped[f["name"]] |= drop
        largest[f["name"]] = max(largest[f["name"]], len(idx))
    n_removed = sum(removed)
    n_kept = len(records) - n_removed

    def shares(idx: set[int], drop: set[int]) -> dict:
        return {"recall": sum(1 for i in idx if removed[i]) / n_removed,
                "kept_flagged": sum(1 for i in idx if not removed[i]) / n_kept,
                "kept_dropped": sum(1 for i in drop if not removed[i]) / n_kept}

    rules = {}
    every: set[int] = set()
    every_drop: set[int] = set()
    for name, idx in sorted(members.items()):
        every |= idx
        every_drop |= dropped[name]
        rules[name] = {**shares(idx, dropped[name]), "largest": largest[name]}
    return {"records": len(records), "removed": n_removed, "kept": n_kept, "rules": rules,
            "all": {**shares(every, every_drop), "largest": max(largest.values(), default=0)}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", nargs="?", default=str(ROOT.parent / "shared" / "corpora"))
    ap.add_argument("--select", default="D001,D002,D005,D006")
    ap.add_argument("--option", action="append", default=[])
    args = ap.parse_args()
    try:
        m = measure(Path(args.corpora), args.select, args.option)
    except FileNotFoundError as e:
        sys.exit(str(e))
    n = m["records"]
    print(f"{n} records, {m['removed']} removed by the author, {m['kept']} kept")
    print("recall: removed records in a cluster; kept in cluster: kept records in a cluster "
          "(often as the copy to keep); kept dropped: kept records a cluster says to drop")
    print(f"{'rule':24} {'recall':>7} {'kept in cluster':>16} {'kept dropped':>13} "
          f"{'largest cluster':>16}")
    for name, r in m["rules"].items():
        print(f"{name:24} {r['recall']:7.3f} {r['kept_flagged']:16.3f} {r['kept_dropped']:13.3f} "
              f"{r['largest']:8d} ({r['largest'] / n:.1%})")
    a = m["all"]
    print(f"{'all selected':24} {a['recall']:7.3f} {a['kept_flagged']:16.3f} "
          f"{a['kept_dropped']:13.3f}")

if __name__ == "__main__":
    main()
