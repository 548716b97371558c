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
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", nargs="?", default=str(ROOT.parent / "shared" / "corpora"))
    ap.add_argument("--select", default="D001,D002,D005,D006")
    ap.add_argument("--option", action="append", default=[])
    args = ap.parse_args()
    base = Path(args.corpora)
    full = base / "gpteacher_toolformer_dedupe_only.json"
    cleaned = base / "gpteacher_toolformer_similarity_0.8.json"
    if not full.is_file() or not cleaned.is_file():
        sys.exit(f"GPTeacher files not found under {base}")
    key = lambda r: (r.get("instruction"), r.get("input", ""), r.get("response", ""))  # noqa: E731
    kept_keys = {key(r) for r in json.loads(cleaned.read_text())}
    records = json.loads(full.read_text())
    removed = [key(r) not in kept_keys for r in records]
    cmd = [sys.executable, "-m", "datalint", "check", str(full), "--isolated", "--format", "json",
           "--select", args.select, "--fail-on", "never", "--no-progress"]
    for o in args.option:
        cmd += ["--option", o]
    out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
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
    print(f"{len(records)} records, {n_removed} removed by the author, {n_kept} kept")
    print("recall: removed records in a cluster; kept in cluster: kept records in a cluster "
          "(often as the copy to keep); kept dropped: kept records a cluster says to drop")
    print(f"{'rule':24} {'recall':>7} {'kept in cluster':>16} {'kept dropped':>13} "
          f"{'largest cluster':>16}")
    every: set[int] = set()
    every_drop: set[int] = set()
    for name, idx in sorted(members.items()):
        every |= idx
        every_drop |= dropped[name]
        rec = sum(1 for i in idx if removed[i]) / n_removed
        kept = sum(1 for i in idx if not removed[i]) / n_kept
        kd = sum(1 for i in dropped[name] if not removed[i]) / n_kept
        print(f"{name:24} {rec:7.3f} {kept:16.3f} {kd:13.3f} "
              f"{largest[name]:8d} ({largest[name] / len(records):.1%})")
    rec = sum(1 for i in every if removed[i]) / n_removed
    kept = sum(1 for i in every if not removed[i]) / n_kept
    kd = sum(1 for i in every_drop if not removed[i]) / n_kept
    print(f"{'all selected':24} {rec:7.3f} {kept:16.3f} {kd:13.3f}")


if __name__ == "__main__":
    main()
