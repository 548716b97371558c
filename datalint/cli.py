"""Command line: ``datalint check``, ``datalint rules``, ``datalint rule``."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import click

from . import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3


def _fail(message: str, code: int = EXIT_USAGE) -> "NoReturn":  # noqa: F821
    from .renderers.escape import escape_terminal

    click.echo(f"datalint: error: {escape_terminal(message)}", err=True)
    sys.exit(code)


def _parse_option(item: str) -> tuple[str, str, object]:
    """``rule.key=value`` with a TOML literal value (bare words are strings)."""
    if "=" not in item or "." not in item.split("=", 1)[0]:
        _fail(f"--option expects RULE.KEY=VALUE, got {item!r}")
    lhs, value = item.split("=", 1)
    rule, key = lhs.rsplit(".", 1)
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return rule.strip(), key.strip(), parsed


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


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--select", multiple=True, metavar="RULES",
              help="Rules to run: codes, prefixes, families or names, comma-separated "
                   "(default: ALL).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Rules to skip.")
@click.option("--extend-select", multiple=True, metavar="RULES",
              help="Rules to add to the selection.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
              default=None, help="Lowest severity that makes the exit code 1 [default: error].")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]),
              default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to a file instead of standard output.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="Config file (default: the nearest datalint.toml or pyproject.toml "
                   "[tool.datalint] above the data).")
@click.option("--isolated", is_flag=True, help="Ignore config files.")
@click.option("--max-tokens", type=click.IntRange(min=1),
              help="Token limit per record for too-long [default: 8192].")
@click.option("--tokenizer", type=click.Path(exists=True),
              help="Local tokenizer (tokenizer.json or a model folder) for counting tokens.")
@click.option("--severity", multiple=True, metavar="RULE=LEVEL",
              help="Override a rule's severity (info, warning, error).")
@click.option("--option", "rule_options", multiple=True, metavar="RULE.KEY=VALUE",
              help="Set a rule option, e.g. too-few-examples.min-records=50.")
@click.option("--pack", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="An extra pattern pack (TOML) for the pattern rules.")
@click.option("--max-line-bytes", type=click.IntRange(min=1024),
              help="Skip (and report) JSON lines larger than this [default: 64 MiB].")
@click.option("--model", type=click.Path(exists=True, file_okay=False),
              help="A local sentence-transformers model folder for the embedding rules "
                   "[default: the bundled all-MiniLM-L6-v2].")
@click.option("--eval", "eval_files", multiple=True, type=click.Path(exists=True),
              help="An eval set to check against the training data (train-eval-overlap).")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Where embeddings and the distilled fast model are kept "
                   "[default: $DATALINT_CACHE_DIR, else ~/.cache/datalint].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the embedding cache.")
@click.option("--training-config", "training_config", multiple=True, metavar="FILE",
              help="The training config to check against the data (TrainingArguments/SFTConfig "
                   "JSON or YAML, adapter_config.json, axolotl, LLaMA-Factory, OpenAI job JSON); "
                   "repeat to merge several.")
@click.option("--statistics", is_flag=True, help="Print only the summary by rule.")
@click.option("--color/--no-color", default=None, help="Colour the text output "
                                                       "[default: only on a terminal].")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on long work [default: only on a terminal].")
def check(paths, select, ignore, extend_select, fail_on, fmt, output, config_path, isolated,
          max_tokens, tokenizer, severity, rule_options, pack, max_line_bytes, model, eval_files,
          cache_dir, no_cache, training_config, statistics, color, progress):
    """Lint dataset files, folders, or cached Hugging Face dataset ids.

    \b
    Exit codes: 0 clean at --fail-on, 1 findings, 2 usage or input error,
    3 a rule crashed (the other rules still ran).
    """
    from .config import Config, find_config, load_config, merge_cli
    from .engine import Engine
    from .registry import UsageError
    from .renderers import render

    try:
        if config_path:
            cfg = load_config(Path(config_path))
        elif isolated:
            cfg = Config()
        else:
            found = find_config(paths[0]) if Path(paths[0]).exists() else find_config(".")
            cfg = load_config(found) if found else Config()
        opts: dict[str, dict] = {}
        for item in rule_options:
            rule, key, value = _parse_option(item)
            opts.setdefault(rule, {})[key] = value
        if max_tokens:
            opts.setdefault("too-long", {})["max-tokens"] = max_tokens
        if tokenizer:
            opts.setdefault("too-long", {})["tokenizer"] = tokenizer
        cfg = merge_cli(cfg, select=select, ignore=ignore, extend_select=extend_select,
                        fail_on=fail_on, severity=severity, options=opts, packs=pack,
                        max_line_bytes=max_line_bytes, model=model, cache_dir=cache_dir,
                        no_cache=no_cache, eval_files=eval_files,
                        training_config=training_config)
        show_progress = sys.stderr.isatty() if progress is None else progress
        report = Engine(cfg, progress=show_progress).run(list(paths))
    except UsageError as e:
        _fail(str(e))

    use_color = (output is None and sys.stdout.isatty()) if color is None else color
    text = render(fmt, report, color=use_color and fmt == "text", statistics_only=statistics)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            _fail(f"{output}: cannot write report ({e.strerror})")
        if fmt != "text":
            click.echo(render("text", report, color=sys.stderr.isatty(), statistics_only=True),
                       err=True, nl=False)
    else:
        click.echo(text, nl=False, color=use_color and fmt == "text")
    for e in report.input_errors:
        if fmt != "text" or output:
            from .renderers.escape import escape_terminal

            click.echo(f"datalint: error: {escape_terminal(e.path)}: "
                       f"{escape_terminal(e.message)}", err=True)
    sys.exit(report.exit_code(cfg.fail_on))


@main.command("rules")
@click.option("--family", help="Only rules of this family.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True)
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


@main.command("rule")
@click.argument("name")
def rule_cmd(name):
    """Show a rule's documentation, by code or name."""
    from .config import options_doc
    from .registry import UsageError, find_rule

    try:
        r = find_rule(name)
    except UsageError as e:
        _fail(str(e))
    click.echo(f"{r.code} {r.name} ({r.family()}, default severity: {r.severity})\n")
    click.echo(r.doc())
    opts = options_doc(r)
    if opts:
        click.echo("\nOption defaults:")
        for key, typ, default in opts:
            click.echo(f"  {key} ({typ}) = {default!r}")


if __name__ == "__main__":
    main()
