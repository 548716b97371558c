"""Benchmark the duplicate family (with the embedding rules) on synthetic chat data.

    python benchmarks/embedding_rules.py                    # 10k records
    python benchmarks/embedding_rules.py --sizes 10000,100000

For each size it writes N chat records with ``record_pass.write_dataset`` (varied text from
a sentence pool, some defects), then runs ``datalint check --select D`` (every rule of the
duplicates family: exact, normalized, prompt, response, near, semantic, conflicting,
contradiction; train-eval-overlap is skipped without --eval) in a fresh process twice:

* **cold**: an empty cache folder, so every text is embedded and every index built (the fast
  model itself is distilled once at setup by ``datalint prepare``; if it is missing, the
  first run distils it, ~40-60 s);
* **warm**: everything cached (a pre-commit or CI re-run on unchanged data).

Printed: wall seconds, records/s and the peak resident memory of the datalint process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from record_pass import write_dataset  # noqa: E402


def run(path: Path, cache: Path) -> tuple[float, float]:
    env = dict(os.environ, DATALINT_CACHE_DIR=str(cache))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "datalint", "check", str(path), "--isolated",
                        "--select", "D", "--statistics", "--no-progress", "--fail-on", "never"],
                       env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        sys.exit(f"datalint failed ({p.returncode}):\n{p.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000")
    args = ap.parse_args()
    print(f"{'records':>8} {'run':<18} {'seconds':>8} {'records/s':>10} {'peak MiB':>9}")
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "chat.jsonl"
            write_dataset(data, n)
            cache = Path(tmp) / "cache"
            for label in ("cold", "warm"):
                # each run is a new process: ru_maxrss of children is the max so far, so
                # run the measured command in its own grandchild to isolate the peak
                wall, peak = isolated(data, cache)
                print(f"{n:>8} {label:<18} {wall:8.1f} {n / wall:10,.0f} {peak:9.0f}")
            shutil.rmtree(cache, ignore_errors=True)


def isolated(data: Path, cache: Path) -> tuple[float, float]:
    """Run one measurement in a fresh child so its peak memory is its own."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
            f"from embedding_rules import run; from pathlib import Path; "
            f"w, m = run(Path({str(data)!r}), Path({str(cache)!r})); print(w, m)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, peak = out.stdout.split()
    return float(wall), float(peak)


if __name__ == "__main__":
    main()
