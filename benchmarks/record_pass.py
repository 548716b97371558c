"""Benchmark the record pass: every record rule over N synthetic chat records, on one core.

    python benchmarks/record_pass.py                       # 10k and 100k records
    python benchmarks/record_pass.py --sizes 10000,100000,1000000
    python benchmarks/record_pass.py --profile-rules       # time each rule's check separately

For each size it writes N chat records (system + user + assistant, 40-400 characters per turn,
varied text, about 4% with defects: unfilled placeholders, empty answers, leaked special
tokens, trailing whitespace, a missing user turn, cut-off answers) to a temporary JSON Lines
file, then lints that file in a fresh process (so each size has its own peak memory) through
:class:`datalint.pipeline.engine.Engine`, with the record-pass rules selected: every rule that runs while
the file is read (reader, layout and record rules).  Dataset rules (duplicates, size…) run
after the pass on kept records and are measured separately with ``--all``.

Printed per size: records/s for the whole pass (reading, parsing, layout mapping, rules),
records/s of ``orjson.loads`` alone over the same lines (the floor), and the peak resident
memory of the process (``ru_maxrss``); ``--tracemalloc`` adds the peak of Python allocations
(slower).  Each size is measured ``--repeat`` times (3) and the fastest run shown, with the
slowest beside it: on a shared machine a slow run measures the neighbours more than the code.
The target is 50,000 chat records/s on one core with flat memory from 10k to 1M.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 50_000

# -- synthetic data -------------------------------------------------------------------------

_WORDS = (
    "the a an of to and in is it that for on with as was at by this be are from or have "
    "not but what all were when we there can your which their said if will each about how up "
    "out them then she many some so these would other into has more her two like him see time "
    "could no make than first been its who now people my made over did down only way find use "
    "may water long little very after words called just where most know get through back much "
    "before go good new write our used me man too any day same right look think also around "
    "another came come work three word must because does part even place well such here take "
    "why things help put years different away again off went old number great tell men say "
    "small every found still between name should home big give air line set own under read "
    "last never us left end along while might next sound below saw something thought both few "
    "those always looked show large often together asked house world going want school "
    "important until form food keep children feet land side without boy once animals life "
    "enough took sometimes four head above kind began almost live page got earth need far hand "
    "high year mother light parts country father let night following picture being study "
    "second eyes soon times story boys since white days ever paper hard near sentence better "
    "best across during today others however sure means knew try told young miles sun ways "
    "thing whole hear example heard several change answer room sea against top turned learn "
    "point city play toward five using himself usually router password account invoice refund "
    "shipping order delivery battery screen update settings install error message database "
    "query function variable python server network customer support ticket policy warranty"
).split()

SYSTEM_PROMPTS = [
    "You are a helpful customer support assistant for an online electronics store.",
    "You are a concise technical assistant. Answer in plain language and keep it short.",
    "You are a friendly tutor who explains concepts step by step with small examples.",
    "You are an assistant that helps users write and debug Python code.",
    "You are a travel planning assistant. Suggest practical options and mention costs.",
]

DEFECTS = [
    ("placeholder", 0.010),
    ("empty-answer", 0.008),
    ("leaked-token", 0.008),
    ("trailing-space", 0.008),
    ("no-user", 0.003),
    ("truncated", 0.003),
]


def _sentence_pool(rng: random.Random, n: int = 4000) -> list[str]:
    pool = []
    for _ in range(n):
        k = rng.randint(5, 18)
        words = rng.choices(_WORDS, k=k)
        s = " ".join(words)
        end = rng.choice(".....?!")
        if rng.random() < 0.15:
            s += f", about {rng.randint(2, 500)} {rng.choice(['units', 'items', 'days'])}"
        pool.append(s[0].upper() + s[1:] + end)
    return pool


class Generator:
    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.pool = _sentence_pool(self.rng)

    def text(self, lo: int = 40, hi: int = 400) -> str:
        rng, pool = self.rng, self.pool
        target = rng.randint(lo, hi)
        parts, size = [], 0
        while size < target:
            s = pool[rng.randrange(len(pool))]
            parts.append(s)
            size += len(s) + 1
        out = " ".join(parts)
        if len(out) > hi:
            cut = out.rfind(" ", lo, hi)
            out = out[:cut if cut > 0 else hi].rstrip(",") + "."
        return out

    def record(self, i: int) -> dict:
        rng = self.rng
        user = self.text()
        answer = self.text()
        defect = None
        r = rng.random()
        acc = 0.0
        for name, p in DEFECTS:
            acc += p
            if r < acc:
                defect = name
                break
        msgs = [{"role": "system", "content": rng.choice(SYSTEM_PROMPTS)},
                {"role": "user", "content": user},
                {"role": "assistant", "content": answer}]
        if defect == "placeholder":
            msgs[2]["content"] = f"Hello {{{{customer_name}}}}, {answer}"
        elif defect == "empty-answer":
            msgs[2]["content"] = ""
        elif defect == "leaked-token":
            msgs[2]["content"] = answer + "<|im_end|>"
        elif defect == "trailing-space":
            msgs[2]["content"] = answer + "  "
        elif defect == "no-user":
            del msgs[1]
        elif defect == "truncated":
            msgs[2]["content"] = answer[: max(10, len(answer) // 2)].rstrip(" .") + " and the"
        return {"id": f"conv-{i:08d}", "messages": msgs}


def write_dataset(path: Path, n: int, seed: int = 0) -> int:
    gen = Generator(seed)
    dumps = orjson.dumps
    with open(path, "wb") as f:
        buf = []
        for i in range(n):
            buf.append(dumps(gen.record(i)))
            if len(buf) == 10_000:
                f.write(b"\n".join(buf) + b"\n")
                buf.clear()
        if buf:
            f.write(b"\n".join(buf) + b"\n")
    return path.stat().st_size


# -- selection ------------------------------------------------------------------------------

def record_pass_rules() -> list[str]:
    """Every rule that runs during the streaming pass: reader, layout and record rules."""
    from datalint.registry import all_rules
    from datalint.rule import DatasetRule

    return [r.code for r in all_rules() if not issubclass(r, DatasetRule)]


def default_rules() -> list[str]:
    """The default selection minus rules that need a model (embeddings, tokenizers)."""
    from datalint.registry import all_rules

    return [r.code for r in all_rules()
            if not any(w in q for q in r.requires for w in ("embed", "model", "token"))]


# -- one measurement (in a fresh process) ---------------------------------------------------

def pin_one_core() -> None:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass


def measure(path: str, select: list[str], use_tracemalloc: bool) -> dict:
    pin_one_core()
    from datalint.config import Config, merge_cli
    from datalint.pipeline.engine import Engine

    import gc

    # orjson.loads alone over the same lines: the floor for any JSON Lines linter
    loads = orjson.loads
    t0 = time.perf_counter()
    n_lines = 0
    with open(path, "rb") as f:
        for line in f:
            loads(line)
            n_lines += 1
    t_loads = time.perf_counter() - t0
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    if use_tracemalloc:
        import tracemalloc

        tracemalloc.start()
    cfg = merge_cli(Config(), select=select)
    engine = Engine(cfg)
    t0 = time.perf_counter()
    report = engine.run([path])
    t_pass = time.perf_counter() - t0
    peak_py = None
    if use_tracemalloc:
        import tracemalloc

        peak_py = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    by_rule: dict[str, int] = {}
    for f in report.findings:
        by_rule[f.name] = by_rule.get(f.name, 0) + 1
    return {
        "records": report.records,
        "lines": n_lines,
        "t_pass": t_pass,
        "t_loads": t_loads,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "maxrss_before_kib": rss_before,
        "peak_py": peak_py,
        "findings": len(report.findings),
        "by_rule": by_rule,
        "errors": [f"{e.code} {e.name}: {e.message}" for e in report.errors],
        "input_errors": [f"{e.path}: {e.message}" for e in report.input_errors],
        "rules": len(engine.instances),
    }


# -- per-rule profile -----------------------------------------------------------------------

def profile_rules(path: str, select: list[str], limit: int, pass_us: float | None = None
                  ) -> None:
    """Time the reader, the layout mapper, the shared batch facts and each record rule's
    pass over the batches separately."""
    pin_one_core()
    import gc

    from datalint.config import Config, merge_cli
    from datalint.pipeline.engine import Engine
    from datalint.io.batch import BATCH_SIZE, Batch
    from datalint.io.layouts import LayoutMapper
    from datalint.io.readers import Source, read_source
    from datalint.io.record import Record
    from datalint.pipeline.gates import plan
    from datalint.rule import RecordRule

    cfg = merge_cli(Config(), select=select)
    engine = Engine(cfg)
    src = Source(path, "jsonl")

    t0 = time.perf_counter()
    recs = []
    for item in read_source(src):
        if type(item) is Record:
            recs.append(item)
            if len(recs) >= limit:
                break
    t_read = time.perf_counter() - t0
    n = len(recs)
    # the records held here would make every garbage collection walk them, which the
    # streaming pass never does: move them out of the collector's sight
    gc.collect()
    gc.freeze()
    mapper = LayoutMapper(cfg.fields, cfg.roles)
    t0 = time.perf_counter()
    for r in recs:
        mapper.adapt(r)
    t_map = time.perf_counter() - t0
    gc.collect()
    gc.freeze()

    # the shared batch facts (joined text, symbols, turns, roles), made once per
    # batch for every rule, then each rule's pass over the batches as the engine runs it
    batches = [Batch(recs[i:i + BATCH_SIZE]) for i in range(0, n, BATCH_SIZE)]
    t0 = time.perf_counter()
    for b in batches:
        b.text, b.symbols, b.turns, b.roles  # noqa: B018
    t_facts = time.perf_counter() - t0
    rows = [("(read + orjson.loads)", t_read, 0), ("(layout mapping)", t_map, 0),
            ("(batch facts, shared)", t_facts, 0)]
    for rule in engine.instances.values():
        if not isinstance(rule, RecordRule):
            continue
        out: list = []
        t0 = time.perf_counter()
        run = plan(rule)
        for b in batches:
            run(b, out)
        list(rule.finish())
        rows.append((f"{rule.code} {rule.name}", time.perf_counter() - t0, len(out)))
    rules_total = t_facts + sum(t for name, t, _ in rows if not name.startswith("("))
    print(f"\nper-rule time over {n:,} records (µs per record, one core):")
    for name, t, found in sorted(rows, key=lambda x: -x[1]):
        print(f"  {name:<34} {t / n * 1e6:8.2f} µs   {found:>8,} findings")
    print(f"  {'all record rules':<34} {rules_total / n * 1e6:8.2f} µs"
          f"   -> rules alone {n / rules_total if rules_total else float('inf'):,.0f} records/s")
    if pass_us:
        rest = pass_us - (t_read + t_map + rules_total) / n * 1e6
        print(f"  {'whole pass (measured above)':<34} {pass_us:8.2f} µs; engine loop and "
              f"finding bookkeeping: about {max(rest, 0):.2f} µs")


def calibrate() -> float:
    """Nanoseconds per ``dict.get``: how fast this interpreter and core are."""
    import timeit

    pin_one_core()
    n = 2_000_000
    return min(timeit.repeat("g('a')", "d = {'a': 1}; g = d.get", number=n, repeat=3)) / n * 1e9


# -- driver ---------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000",
                    help="comma-separated record counts (default: 10000,100000)")
    ap.add_argument("--select", default=None,
                    help="rules to run, comma-separated (default: the record-pass rules)")
    ap.add_argument("--all", action="store_true",
                    help="run the default selection (dataset rules too) instead of the "
                         "record-pass rules")
    ap.add_argument("--profile-rules", action="store_true",
                    help="also time each record rule's check separately")
    ap.add_argument("--profile-limit", type=int, default=100_000,
                    help="records held in memory for --profile-rules (default: 100000)")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="also report the peak of Python allocations (slower)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="fresh-process runs per size; the fastest is shown (default: 3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", metavar="DIR", help="write the data files here and keep them")
    ap.add_argument("--_measure", nargs=2, metavar=("PATH", "SELECT"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args._measure:
        path, sel = args._measure
        print(json.dumps(measure(path, sel.split(","), args.tracemalloc)))
        return

    if args.select:
        select = [s for s in args.select.split(",") if s]
    elif args.all:
        select = default_rules()
    else:
        select = record_pass_rules()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]

    print(f"machine: {calibrate():.0f} ns per dict.get (a typical laptop core: about 25 ns; "
          "scale the rates below by this ratio to compare machines)")
    print(f"datalint record pass, one core; rules: {len(select)} selected "
          f"({'default selection' if args.all else 'record-pass rules'})")
    print(f"{'records':>10} {'file MB':>8} {'pass s':>8} {'records/s':>11} "
          f"{'orjson rec/s':>13} {'peak RSS MiB':>13}{'  py peak MiB' if args.tracemalloc else ''}")
    tmp = None
    workdir = Path(args.keep) if args.keep else Path(tmp := tempfile.mkdtemp(prefix="dl-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    last_path = None
    ok = True
    try:
        for n in sizes:
            path = workdir / f"chat_{n}.jsonl"
            if not path.exists():
                write_dataset(path, n, args.seed)
            size_mb = path.stat().st_size / 1e6
            cmd = [sys.executable, __file__, "--_measure", str(path), ",".join(select)]
            if args.tracemalloc:
                cmd.append("--tracemalloc")
            runs = []
            for _ in range(max(1, args.repeat)):
                out = subprocess.run(cmd, capture_output=True, text=True)
                if out.returncode != 0:
                    print(out.stdout, out.stderr, file=sys.stderr)
                    raise SystemExit(f"measurement failed for {n:,} records")
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            # the fastest run: the machine is shared, and a slow run measures the neighbours
            m = min(runs, key=lambda r: r["t_pass"])
            rate = m["records"] / m["t_pass"]
            base = m["lines"] / m["t_loads"]
            slowest = max(r["t_pass"] for r in runs)
            ok &= rate >= TARGET
            extra = f" {m['peak_py'] / 2**20:13.1f}" if m["peak_py"] is not None else ""
            spread = (f"   (slowest of {len(runs)}: {m['records'] / slowest:,.0f})"
                      if len(runs) > 1 else "")
            print(f"{m['records']:>10,} {size_mb:8.1f} {m['t_pass']:8.2f} {rate:11,.0f} "
                  f"{base:13,.0f} {max(r['maxrss_kib'] for r in runs) / 1024:13.1f}{extra}"
                  f"{spread}")
            if m["errors"] or m["input_errors"]:
                print("  errors:", *m["errors"], *m["input_errors"], sep="\n    ")
            last_path = path
        print("findings on the last run: " + ", ".join(
            f"{k} {v:,}" for k, v in sorted(m["by_rule"].items(), key=lambda x: -x[1])))
        print(f"target {TARGET:,} records/s: {'met' if ok else 'NOT met'}")
        if args.profile_rules and last_path is not None:
            profile_rules(str(last_path), select, args.profile_limit,
                          m["t_pass"] / m["records"] * 1e6)
    finally:
        if tmp:
            for p in Path(tmp).glob("*"):
                p.unlink()
            os.rmdir(tmp)


if __name__ == "__main__":
    main()
