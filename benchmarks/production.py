"""Benchmark the production family: 10,000 training records against 2,000 production inputs.

    python benchmarks/production.py                       # 10k training, 2k production
    python benchmarks/production.py --train 10000 --production 2000

Writes synthetic chat records with ``record_pass.write_dataset`` (training: seed 0; production:
seed 1, whose user turns are the production inputs), then runs
``datalint check --select M --production …`` (every production rule: coverage, distribution
shift, language, length, style, over-represented topics) in a fresh process:

* **cold**: an empty cache folder — every text is embedded (the fast model is the one
  ``datalint prepare`` built at setup; without it the first run distils it, 40-60 s);
* **cold, model kept**: the embedding cache emptied, the distilled model kept — a new dataset
  on a machine that has run datalint before;
* **warm**: everything cached (a CI re-run on unchanged data and the same sample).

Printed: wall seconds and the peak resident memory of the datalint process.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from record_pass import write_dataset  # noqa: E402


def run(train: Path, prod: Path, cache: Path) -> tuple[float, float]:
    env = dict(os.environ, DATALINT_CACHE_DIR=str(cache))
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "datalint", "check", str(train), "--isolated",
                        "--select", "M", "--production", str(prod), "--statistics",
                        "--no-progress", "--fail-on", "never"],
                       env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        sys.exit(f"datalint failed ({p.returncode}):\n{p.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=10_000)
    ap.add_argument("--production", type=int, default=2_000)
    args = ap.parse_args()
    print(f"{'training':>8} {'production':>10} {'run':<18} {'seconds':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        train, prod = Path(tmp) / "train.jsonl", Path(tmp) / "production.jsonl"
        write_dataset(train, args.train, seed=0)
        write_dataset(prod, args.production, seed=1)
        cache = Path(tmp) / "cache"
        for label in ("cold", "cold, model kept", "warm"):
            if label == "cold, model kept":
                for f in cache.glob("embeddings.sqlite3*"):
                    f.unlink()
            # a fresh grandchild per measurement, so that its peak memory is its own
            code = (f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
                    f"from production import run; from pathlib import Path; "
                    f"w, m = run(Path({str(train)!r}), Path({str(prod)!r}), Path({str(cache)!r}));"
                    f" print(w, m)")
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True)
            wall, peak = (float(x) for x in out.stdout.split())
            print(f"{args.train:>8} {args.production:>10} {label:<18} {wall:8.1f} {peak:9.0f}")


if __name__ == "__main__":
    main()
