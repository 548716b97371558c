"""Command line: ``datalint check``, ``datalint rules``, ``datalint rule``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .report.renderers import FORMATS
from .version import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3


def _fail(message: str, code: int = EXIT_USAGE) -> "NoReturn":  # noqa: F821
    from .report.renderers.escape import escape_terminal

    click.echo(f"datalint: error: {escape_terminal(message)}", err=True)
    sys.exit(code)


class _Option:
    """A command-line option, declared once: ``OPT()`` is its click decorator, and
    ``OPT(help=...)`` the same option with one command's own wording (or other changes)."""

    def __init__(self, *decls: str, **attrs):
        self.decls, self.attrs = decls, attrs

    def __call__(self, **changes):
        return click.option(*self.decls, **{**self.attrs, **changes})


def _options(*decorators):
    """Apply click decorators in the order given (the first is listed first in --help)."""
    def apply(f):
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


# --- the options that make the configuration (datalint.config.build_config takes them by name)
SELECT = _Option("--select", multiple=True, metavar="RULES",
                 help="Rules to run: codes, prefixes, families or names, comma-separated "
                      "(default: ALL).")
IGNORE = _Option("--ignore", multiple=True, metavar="RULES", help="Rules to skip.")
EXTEND_SELECT = _Option("--extend-select", multiple=True, metavar="RULES",
                        help="Rules to add to the selection.")
FAIL_ON = _Option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
                  default=None, help="Lowest severity that makes the exit code 1 "
                                     "[default: error].")
CONFIG = _Option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
                 help="Config file (default: the nearest datalint.toml or pyproject.toml "
                      "[tool.datalint] above the data).")
ISOLATED = _Option("--isolated", is_flag=True, help="Ignore config files.")
MAX_TOKENS = _Option("--max-tokens", type=click.IntRange(min=1),
                     help="Token limit per record for too-long [default: 8192].")
TOKENIZER = _Option("--tokenizer", type=click.Path(exists=True),
                    help="Local tokenizer (tokenizer.json or a model folder) for counting "
                         "tokens.")
SEVERITY = _Option("--severity", multiple=True, metavar="RULE=LEVEL",
                   help="Override a rule's severity (info, warning, error).")
OPTION = _Option("--option", "option_items", multiple=True, metavar="RULE.KEY=VALUE",
                 help="Set a rule option, e.g. too-few-examples.min-records=50.")
PACK = _Option("--pack", "packs", multiple=True, type=click.Path(exists=True, dir_okay=False),
               help="An extra pattern pack (TOML) for the pattern rules.")
MAX_LINE_BYTES = _Option("--max-line-bytes", type=click.IntRange(min=1024),
                         help="Skip (and report) JSON lines larger than this "
                              "[default: 64 MiB].")
MODEL = _Option("--model", type=click.Path(exists=True, file_okay=False),
                help="A local sentence-transformers model folder for the embedding rules "
                     "[default: the bundled all-MiniLM-L6-v2].")
EVAL = _Option("--eval", "eval_files", multiple=True, type=click.Path(exists=True),
               help="An eval set to check against the training data (train-eval-overlap).")
PRODUCTION = _Option("--production", "production_files", multiple=True,
                     type=click.Path(exists=True),
                     help="A sample of real production inputs to check coverage against "
                          "(the production rules); repeatable.")
PRODUCTION_FIELD = _Option("--production-field", metavar="NAME",
                           help="The field or CSV column holding the production input "
                                "[default: user turns, prompt/input/query, turns, or a plain "
                                "string].")
CACHE_DIR = _Option("--cache-dir", type=click.Path(file_okay=False),
                    help="Where embeddings and the distilled fast model are kept "
                         "[default: $DATALINT_CACHE_DIR, else ~/.cache/datalint].")
NO_CACHE = _Option("--no-cache", is_flag=True,
                   help="Neither read nor write the embedding cache.")
TRAINING_CONFIG = _Option("--training-config", "training_config", multiple=True,
                          metavar="FILE",
                          help="The training config to check against the data "
                               "(TrainingArguments/SFTConfig JSON or YAML, adapter_config.json, "
                               "axolotl, LLaMA-Factory, OpenAI job JSON); repeat to merge "
                               "several.")
# --- the output
FORMAT = _Option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)),
                 default="text", show_default=True, help="Output format.")
OUTPUT = _Option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
                 help="Write the report to a file instead of standard output.")


class _Group(click.Group):
    def main(self, *args, **kwargs):  # one-line errors, never a traceback
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.ClickException as e:
            e.show()
            sys.exit(EXIT_USAGE)
        except click.exceptions.Abort:
            click.echo("datalint: aborted", err=True)
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("datalint: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(EXIT_CLEAN)
        except SystemExit:
            raise
        except Exception as e:  # a bug in datalint itself
            if os.environ.get("DATALINT_DEBUG"):
                raise
            _fail(f"internal error: {type(e).__name__}: {e} (set DATALINT_DEBUG=1 for the "
                  "traceback, and please report it)", EXIT_CRASH)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="datalint")
def main() -> None:
    """datalint: find the data problems that make a fine-tuned model worse than its base."""


def _check_options(*, output_format: bool):
    """The arguments and options of ``check``; ``explain`` takes them without the output
    format (``-f`` and ``--statistics``)."""
    return _options(
        click.argument("paths", nargs=-1, required=True),
        SELECT(), IGNORE(), EXTEND_SELECT(), FAIL_ON(),
        *([FORMAT()] if output_format else []),
        OUTPUT(), CONFIG(), ISOLATED(), MAX_TOKENS(), TOKENIZER(), SEVERITY(), OPTION(), PACK(),
        MAX_LINE_BYTES(), MODEL(), EVAL(), PRODUCTION(), PRODUCTION_FIELD(), CACHE_DIR(),
        NO_CACHE(), TRAINING_CONFIG(),
        *([click.option("--statistics", is_flag=True,
                        help="Print only the counts by rule (count, code, name), no verdict, "
                             "metrics or skipped rules."),
           click.option("--show-metrics", is_flag=True,
                        help="Text output: list every metric, also those that passed "
                             "(by default only failed metrics no finding shows, and a "
                             "one-line count of the rest)."),
           click.option("-v", "--verbose", is_flag=True,
                        help="Text output: --show-metrics, each skipped rule with its "
                             "reason, and every message in full (by default cut at about "
                             "two lines when the findings fill more than a screen).")] if output_format else []),
        click.option("--color/--no-color", default=None,
                     help="Colour the text output [default: only on a terminal]."),
        click.option("--progress/--no-progress", default=None,
                     help="Show progress on long work [default: only on a terminal]."),
        # --- workflows: baseline (datalint.workflows.baseline)
        click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
                     metavar="FILE",
                     help="Report only findings that are not in this baseline file."),
        click.option("--write-baseline", "write_baseline_file",
                     type=click.Path(dir_okay=False), metavar="FILE",
                     help="Record today's findings in FILE (exit 0 unless a rule crashed or an "
                          "input could not be read)."),
        # --- end workflows
    )


@main.command()
@_check_options(output_format=True)
def check(paths, fmt, output, statistics, color, progress, baseline_file=None,
          write_baseline_file=None, show_metrics=False, verbose=False, **config_values):
    """Lint dataset files, folders, or cached Hugging Face dataset ids.

    \b
    Exit codes: 0 clean at --fail-on, 1 findings, 2 usage or input error,
    3 a rule crashed (the other rules still ran).
    """
    from .config import build_config
    from .pipeline.engine import Engine
    from .errors import UsageError
    from .report.renderers import render

    try:
        cfg = build_config(paths, **config_values)
        show_progress = sys.stderr.isatty() if progress is None else progress
        # --- workflows: baseline
        from .workflows.baseline import load_baseline
        from .errors import BaselineError

        try:
            baseline_keys = load_baseline(baseline_file) if baseline_file else None
        except BaselineError as e:
            _fail(str(e))
        engine = Engine(cfg, progress=show_progress)
        if baseline_keys is not None or write_baseline_file:
            engine.record_hashes = {}
            paths = _without_files(paths, baseline_file, write_baseline_file)
        report = engine.run(list(paths))
        # --- end workflows
    except UsageError as e:
        _fail(str(e))
    if report.nothing_read:  # no report, no verdict: only what could not be read
        _input_errors(report)
        sys.exit(report.exit_code("never"))
    # --- workflows: baseline
    if write_baseline_file:
        from .workflows.baseline import write_baseline

        try:
            n = write_baseline(write_baseline_file, report, engine.record_hashes)
        except OSError as e:
            _fail(f"{write_baseline_file}: cannot write the baseline ({e.strerror})")
        click.echo(f"datalint: wrote {n:,} finding{'s' if n != 1 else ''} to the baseline "
                   f"{write_baseline_file}", err=True)
        if report.errors or report.input_errors:
            sys.exit(report.exit_code("never"))
        sys.exit(EXIT_CLEAN)
    stale = 0
    if baseline_keys is not None:
        from .workflows.baseline import apply_baseline

        _, stale = apply_baseline(report, baseline_keys, engine.record_hashes)
    # --- end workflows

    use_color = (output is None and sys.stdout.isatty()) if color is None else color
    text = render(fmt, report, color=use_color and fmt == "text", statistics_only=statistics,
                  show_metrics=show_metrics, verbose=verbose)
    # --- workflows: baseline
    if report.baselined is not None and fmt == "text":
        text += _baseline_line(report.baselined, stale)
    # --- end workflows
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            _fail(f"{output}: cannot write report ({e.strerror})")
        if fmt != "text":
            from .report.renderers.diagnosis import verdict_line

            click.echo(verdict_line(report.diagnosis, color=sys.stderr.isatty()), err=True)
            click.echo(render("text", report, color=sys.stderr.isatty(), statistics_only=True),
                       err=True, nl=False)
            # --- workflows: baseline
            if report.baselined is not None:
                click.echo(_baseline_line(report.baselined, stale), err=True, nl=False)
            # --- end workflows
    else:
        click.echo(text, nl=False, color=use_color and fmt == "text")
    _input_errors(report)  # also after a text report: the error stands alone on stderr
    sys.exit(report.exit_code(cfg.fail_on))


def _input_errors(report) -> None:
    """One line on standard error for each input that could not be read (and each rule that
    crashed when nothing was read, for there is no report to show it)."""
    from .report.renderers.escape import escape_terminal

    for e in report.input_errors:
        click.echo(f"datalint: error: {escape_terminal(e.path)}: {escape_terminal(e.message)}",
                   err=True)
    if report.nothing_read:
        for e in report.errors:
            click.echo(f"datalint: rule crashed: {e.code} {e.name}: "
                       f"{escape_terminal(e.message)}", err=True)


@main.command("prepare")
@MODEL(help="A local sentence-transformers model folder [default: the bundled "
            "all-MiniLM-L6-v2].")
def prepare_cmd(model):
    """Build the fast embedding model once, at setup time (about 40 s).

    The embedding rules use a static model distilled from the embedding model.  Without this
    step it is built on first use and kept in the cache folder; `make setup` runs it.
    """
    from .errors import UsageError
    from .resources.embeddings import ModelSpec
    from .resources.static import prepare

    try:
        folder = prepare(ModelSpec(model))
    except UsageError as e:
        _fail(str(e))
    click.echo(f"fast embedding model ready in {folder}")


@main.command("rules")
@click.option("--family", help="Only rules of this family.")
@FORMAT(type=click.Choice(["text", "markdown", "json"]), help=None)
def rules_cmd(family, fmt):
    """List every rule: code, name, family, severity and what it checks."""
    from .registry import all_rules

    rules = [r for r in all_rules() if family is None or r.family() == family]
    if fmt == "json":
        import orjson

        click.echo(orjson.dumps([{"code": r.code, "name": r.name, "family": r.family(),
                                  "severity": r.severity, "kind": r.kind(),
                                  "summary": r.summary} for r in rules],
                                option=orjson.OPT_INDENT_2).decode())
        return
    if fmt == "markdown":
        click.echo(rules_markdown(rules), nl=False)
        return
    w = max(len(r.name) for r in rules)
    fw = max(len(r.family()) for r in rules)
    for r in rules:
        click.echo(f"{r.code}  {r.name:<{w}}  {r.family():<{fw}}  {r.severity:<7}  {r.summary}")


def rules_markdown(rules) -> str:
    lines = ["| code | name | family | severity | what it checks |",
             "|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| {r.code} | `{r.name}` | {r.family()} | {r.severity} | {r.summary} |")
    return "\n".join(lines) + "\n"


def verdict_doc(r) -> list[str]:
    """How a metric rule decides, for ``datalint rule``: when it fails and when a fail is an
    error (its ``severe`` condition and its error-at / error-below option with the default)."""
    from .config import options_doc

    decides = getattr(r, "decides", "")
    if not decides:
        return []
    errors = []
    for key, _, default in options_doc(r):
        if key not in ("error-at", "error-below"):
            continue
        way = "at or above" if key == "error-at" else "below"
        if default is None:
            errors.append(f"it fails with a value {way} {key} (not set: off by default)")
        else:
            errors.append(f"it fails with a value {way} {key} ({default:g})")
    if getattr(r, "severe", ""):
        errors.append(f"it fails and {r.severe}")
    lines = [f"Fails when: {decides}."]
    if errors:
        lines.append("An error when: " + "; or ".join(errors) + ".")
    return lines


@main.command("rule")
@click.argument("name")
def rule_cmd(name):
    """Show a rule's documentation, by code or name."""
    from .config import options_doc
    from .registry import find_rule
    from .errors import UsageError

    try:
        r = find_rule(name)
    except UsageError as e:
        _fail(str(e))
    click.echo(f"{r.code} {r.name} ({r.family()}, default severity: {r.severity})\n")
    click.echo(r.doc())
    verdict = verdict_doc(r)
    if verdict:
        click.echo("\n" + "\n".join(verdict))
    opts = options_doc(r)
    if opts:
        click.echo("\nOption defaults:")
        for key, typ, default in opts:
            click.echo(f"  {key} ({typ}) = {default!r}")


# --- explain: only the verdict and the diagnosis (datalint/report/diagnosis.py) ------------------
@main.command("explain", context_settings={"help_option_names": ["-h", "--help"]})
@_check_options(output_format=False)
@click.pass_context
def explain_cmd(ctx, **kw):
    """Will fine-tuning on this data make the model worse than its base, and why?

    Runs the same checks as `datalint check` (same options) and prints only the verdict and
    the diagnosis: each cause with the findings and metrics behind it and the fix.
    """
    kw.update(fmt="diagnosis", statistics=False, show_metrics=False, verbose=False)
    ctx.invoke(check, **kw)


# --- end explain


# --- workflows: baseline, diff, clean (datalint.workflows) -----------------------------------

def _baseline_line(hidden: int, stale: int) -> str:
    line = f"{hidden:,} finding{'s' if hidden != 1 else ''} hidden by the baseline."
    if stale:
        line += (f" {stale:,} baseline entr{'ies' if stale != 1 else 'y'} no longer found "
                 "(fixed; re-write the baseline to drop them).")
    return line + "\n"


def _without_files(paths, *files) -> list[str]:
    """``paths`` without the baseline file itself (a pre-commit hook or ``*.json`` passes it
    along with the data)."""
    drop = [Path(f) for f in files if f and Path(f).is_file()]
    out = []
    for p in paths:
        try:
            if any(Path(p).is_file() and Path(p).samefile(f) for f in drop):
                continue
        except OSError:
            pass
        out.append(p)
    return out


def _workflow_options(f):
    """The configuration options of the diff and clean commands (fewer than check's)."""
    return _options(
        SELECT(help="Rules to run (default: ALL, or the config's selection)."),
        IGNORE(), EXTEND_SELECT(),
        CONFIG(help="Config file (default: the nearest datalint.toml or pyproject.toml)."),
        ISOLATED(), SEVERITY(), OPTION(help="Set a rule option."),
        MODEL(help="A local sentence-transformers model folder."),
        CACHE_DIR(help="Where embeddings are cached [default: ~/.cache/datalint]."),
        NO_CACHE(help="Do not use the embedding cache."),
    )(f)


@main.command("diff")
@click.argument("old")
@click.argument("new")
@_workflow_options
@FAIL_ON(help="Lowest severity of a new finding (or of a metric that now fails) that makes "
              "the exit code 1 [default: error].")
@FORMAT(type=click.Choice(["text", "json"]))
@OUTPUT(help="Write the diff to a file instead of standard output.")
def diff_cmd(old, new, fmt, output, **config_values):
    """What NEW made better or worse than OLD: findings new and fixed by rule, metrics moved,
    record counts.  Findings are matched by content, so moved records are neither.

    \b
    Exit codes: 0 not worse at --fail-on, 1 a new finding (or a metric now
    failing) at or above --fail-on, 2 usage or input error, 3 a rule crashed.
    """
    from .config import build_config
    from .workflows.diff import as_dict, compare, render_text, run_side
    from .errors import UsageError

    try:
        cfg = build_config(new, **config_values)
        d = compare(run_side(cfg, [old]), run_side(cfg, [new]))
    except UsageError as e:
        _fail(str(e))
    unread = [s.report for s in (d.old, d.new) if s.report.nothing_read]
    if unread:  # nothing to compare: only what could not be read
        for r in unread:
            _input_errors(r)
        sys.exit(max(r.exit_code("never") for r in unread))
    if fmt == "json":
        import orjson

        text = orjson.dumps(as_dict(d, cfg.fail_on), option=orjson.OPT_INDENT_2).decode() + "\n"
    else:
        text = render_text(d, cfg.fail_on)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            _fail(f"{output}: cannot write the diff ({e.strerror})")
    else:
        click.echo(text, nl=False)
    for side in (d.old, d.new):
        _input_errors(side.report)
    sys.exit(d.exit_code(cfg.fail_on))


@main.command("clean")
@click.argument("input_path", metavar="IN")
@OUTPUT(required=True, type=click.Path(),
        help="Where to write the cleaned copy (same format as IN).")
@_workflow_options
@click.option("--drop-level", type=click.Choice(["error", "warning", "info"]), default="error",
              show_default=True, help="Drop records with a finding at this severity or above.")
@click.option("--keep-duplicates", is_flag=True,
              help="Keep every copy of duplicated records (drop only for findings).")
# the default is datalint.workflows.clean.MAX_DROP (measured there; a test keeps them equal)
@click.option("--max-drop", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              metavar="FRACTION",
              help="Stop, writing nothing, when the copy would lose more than this share of "
                   "the records (1: no limit).")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def clean_cmd(input_path, output, drop_level, keep_duplicates, max_drop, force,
              **config_values):
    """Write a copy of IN without duplicates (one record kept per cluster) and without
    records that have findings at --drop-level; IN is never modified.  A finding on the
    whole file (a suffix every record carries) removes nothing: it is listed to fix.

    \b
    Exit codes: 0 written, 1 stopped: it would remove more than --max-drop
    of the records (nothing written), 2 usage or input error (nothing
    written), 3 a rule crashed (nothing written).
    """
    from .config import build_config
    from .workflows.clean import (CleanResult, check_paths, gutting, largest_cluster, plan,
                                  render_text, whole_file_findings, write_clean)
    from .errors import CleanError
    from .pipeline.engine import Engine
    from .io.readers import discover
    from .errors import InputFileError
    from .errors import UsageError

    try:
        check_paths(input_path, output, force)
        cfg = build_config(input_path, **config_values)
        srcs = discover([input_path])
        if len(srcs) != 1:
            raise CleanError(f"{input_path}: clean takes one data file")
        report = Engine(cfg).run([input_path])
        if report.errors:
            for e in report.errors:
                click.echo(f"datalint: rule crashed: {e.code} {e.name}: {e.message}", err=True)
            _fail("a rule crashed: nothing written", EXIT_CRASH)
        if report.input_errors:
            _input_errors(report)
            sys.exit(EXIT_USAGE)
        path = srcs[0].path
        removed, unparsed = plan(report, path, drop_level, keep_duplicates)
        res = CleanResult(input_path, output, srcs[0].kind, report.records,
                          report.records - len(removed), removed, unparsed,
                          whole_file_findings(report, path, drop_level))
        why = gutting(res, max_drop, largest_cluster(report, path, keep_duplicates))
        if why is not None:
            click.echo(render_text(res, written=False), nl=False, err=True)
            _fail(f"clean stopped: {why}", EXIT_FINDINGS)
        res.kept = write_clean(srcs[0], output, report, removed)
    except (CleanError, InputFileError, UsageError) as e:
        _fail(str(e))
    click.echo(render_text(res), nl=False)
    sys.exit(EXIT_CLEAN)

# --- end workflows ---------------------------------------------------------------------------


if __name__ == "__main__":
    main()
