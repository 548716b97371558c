"""Snapshot what datalint reports on the fixtures and the shared corpora, to show that a
refactor changes nothing.

    python scripts/findings_snapshot.py OUT_DIR [--corpora ../shared/corpora]
    diff -r BEFORE_DIR AFTER_DIR

Each case is one ``datalint`` command run through the CLI in a fresh process (so config
loading, option parsing and the renderers are covered too); its standard output, exit code and
standard error are written to ``OUT_DIR/<case>.out``, ``.rc`` and ``.err``.  The cases: every
rule fixture with every rule selected (folders with their ``[run]`` eval and production files),
every corpus file with every rule, a few corpus pairs (eval overlap, production sample, a merge
that holds conflicting answers), the demo in every output format, the training configs, the
workflows (explain, diff, clean, baseline), and ``rules`` / ``rule CODE`` for the documentation.

The embedding cache is kept in a temporary folder shared by the cases; the fast model is taken
from the usual cache (``datalint prepare``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path("fixtures")  # relative: the cases run in ROOT, so two checkouts compare equal


def cases(corpora: Path | None, tmp: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    demo = FIXTURES / "demo" / "support_train.jsonl"
    prod = FIXTURES / "demo" / "production_sample.jsonl"
    for p in sorted((ROOT / FIXTURES / "rules").iterdir()):
        p = p.relative_to(ROOT)
        name = "fixture-" + p.name
        if p.is_dir():
            spec = tomllib.loads((ROOT / p / "expect.toml").read_text()).get("run", {})
            args = [str(p / d) for d in spec.get("data", [])] or [str(p)]
            for e in spec.get("eval", []):
                args += ["--eval", str(p / e)]
            for q in spec.get("production", []):
                args += ["--production", str(p / q)]
            out[name] = ["check", *args, "--format", "json"]
        else:
            out[name] = ["check", str(p), "--format", "json"]
    for fmt in ("text", "json", "github", "sarif", "markdown", "html"):
        out[f"demo-{fmt}"] = ["check", str(demo), "--production", str(prod), "--format", fmt,
                              "--no-color"]
    out["demo-explain"] = ["explain", str(demo), "--production", str(prod)]
    out["demo-statistics"] = ["check", str(demo), "--statistics", "--no-color"]
    for t in sorted((ROOT / FIXTURES / "training").iterdir()):
        t = t.relative_to(ROOT)
        if t.suffix in (".yaml", ".json"):
            out[f"training-{t.name}"] = ["check", str(demo), "--select", "T,S",
                                         "--training-config", str(t), "--format", "json"]
    out["rules-json"] = ["rules", "--format", "json"]
    out["rules-markdown"] = ["rules", "--format", "markdown"]
    out["rule-docs"] = ["__all_rule_docs__"]
    out["diff-demo"] = ["diff", str(FIXTURES / "rules" / "exact-duplicate.jsonl"), str(demo),
                        "--format", "json"]
    out["clean-demo"] = ["clean", str(demo), "-o", str(tmp / "clean-out.jsonl"), "--force"]
    out["baseline-write"] = ["check", str(demo), "--write-baseline", str(tmp / "base.json")]
    out["baseline-use"] = ["check", str(demo), "--baseline", str(tmp / "base.json")]
    if corpora is not None:
        files = sorted(p for p in corpora.iterdir() if p.suffix in (".json", ".jsonl"))
        for f in files:
            out[f"corpus-{f.name}"] = ["check", str(f), "--format", "json"]
            out[f"corpus-{f.name}-4096"] = ["check", str(f), "--select", "F,R,C,P",
                                            "--max-tokens", "4096", "--format", "json"]
        c = corpora
        out["corpus-merge-alpaca"] = ["check", str(c / "llamafactory_alpaca_en_demo.json"),
                                      str(c / "alpaca_5000.json"), "--select", "D",
                                      "--format", "json"]
        out["corpus-eval-gpteacher"] = ["check", str(c / "gpteacher_toolformer_similarity_0.8.json"),
                                        "--eval", str(c / "gpteacher_toolformer_dedupe_only.json"),
                                        "--select", "D009", "--format", "json"]
        out["corpus-production-alpaca"] = ["check", str(c / "alpaca_5000.json"), "--production",
                                           str(c / "mt_bench_questions.jsonl"), "--select", "M",
                                           "--format", "json"]
    return out


def run_case(name: str, argv: list[str], out_dir: Path, env: dict, work: Path) -> None:
    exe = [sys.executable, "-m", "datalint"]
    if argv == ["__all_rule_docs__"]:
        codes = subprocess.run([*exe, "rules", "--format", "json"], capture_output=True,
                               env=env, text=True, check=True).stdout
        import json

        text = []
        for r in json.loads(codes):
            text.append(subprocess.run([*exe, "rule", r["code"]], capture_output=True, env=env,
                                       text=True).stdout)
        (out_dir / f"{name}.out").write_text("".join(text))
        (out_dir / f"{name}.rc").write_text("0\n")
        (out_dir / f"{name}.err").write_text("")
        return
    p = subprocess.run([*exe, *argv], capture_output=True, env=env, cwd=ROOT)
    scratch = str(work).encode()
    (out_dir / f"{name}.out").write_bytes(p.stdout.replace(scratch, b"<work>"))
    (out_dir / f"{name}.rc").write_text(f"{p.returncode}\n")
    (out_dir / f"{name}.err").write_bytes(p.stderr.replace(scratch, b"<work>"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="run only the cases whose name contains this")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "datalint-snapshot-work",
                    help="scratch folder (emptied first; written as <work> in the output, so "
                         "snapshots made with different scratch folders compare equal)")
    args = ap.parse_args()
    corpora = args.corpora if args.corpora.is_dir() else None
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.work.resolve()
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    env = dict(os.environ, DATALINT_CACHE_DIR=str(tmp / "cache"))
    # the distilled fast model is expensive to build: reuse the usual one
    usual = Path(os.environ.get("DATALINT_CACHE_DIR", Path.home() / ".cache" / "datalint"))
    if (usual / "static").is_dir():
        shutil.copytree(usual / "static", tmp / "cache" / "static")
    todo = cases(corpora, tmp)
    if args.only:
        todo = {k: v for k, v in todo.items() if args.only in k}
    # the baseline is written before it is used
    first = {k: v for k, v in todo.items() if k == "baseline-write"}
    for k, v in first.items():
        run_case(k, v, args.out, env, tmp)
    rest = {k: v for k, v in todo.items() if k not in first}
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda kv: run_case(kv[0], kv[1], args.out, env, tmp), rest.items()))
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(todo)} cases written to {args.out}")


if __name__ == "__main__":
    main()
