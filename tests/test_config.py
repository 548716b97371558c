"""build_config: the one way every command and datalint.lint() make the configuration."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner

import datalint
from datalint.cli import main
from datalint.config import RULE_SHORTCUTS, Config, build_config, build_options, parse_option
from datalint.errors import UsageError
from datalint.pipeline.engine import Engine
from datalint.registry import find_rule
from datalint.rules.content.too_long import TooLong

from .helpers import write_jsonl

GOOD = {"messages": [{"role": "user", "content": "What is the capital of France?"},
                     {"role": "assistant", "content": "Paris is the capital of France."}]}


def _project(tmp_path: Path, toml: str = 'ignore = ["stray-whitespace"]\n') -> Path:
    """A folder with a datalint.toml and a data file two levels below it."""
    (tmp_path / "datalint.toml").write_text(toml)
    sub = tmp_path / "data" / "v1"
    sub.mkdir(parents=True)
    return write_jsonl(sub / "a.jsonl", [GOOD])


# -- which file ---------------------------------------------------------------------------------

def test_the_nearest_config_above_the_first_path(tmp_path):
    data = _project(tmp_path)
    cfg = build_config(data)
    assert cfg.source == str(tmp_path / "datalint.toml") and cfg.ignore == ["stray-whitespace"]
    # one path or several (the first counts), as a str, a Path or a list
    assert build_config([str(data), "elsewhere"]).source == cfg.source
    assert build_config(data.parent).source == cfg.source


def test_a_nearer_config_wins_and_pyproject_without_the_table_is_skipped(tmp_path):
    data = _project(tmp_path)
    (data.parent / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert build_config(data).source == str(tmp_path / "datalint.toml")
    (data.parent.parent / "pyproject.toml").write_text('[tool.datalint]\nfail-on = "info"\n')
    cfg = build_config(data)
    assert cfg.source == str(data.parent.parent / "pyproject.toml") and cfg.fail_on == "info"


def test_a_path_that_does_not_exist_searches_from_the_working_folder(tmp_path, monkeypatch):
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert build_config("org/some-hf-dataset").source == str(tmp_path / "datalint.toml")


def test_no_paths_no_search(tmp_path, monkeypatch):
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert build_config([]) == Config()


def test_config_path_replaces_the_search(tmp_path):
    data = _project(tmp_path)
    other = tmp_path / "other.toml"
    other.write_text('select = ["F"]\n')
    cfg = build_config(data, config_path=other)
    assert cfg.source == str(other) and cfg.select == ["F"] and cfg.ignore == []
    # --config wins over --isolated, as on the command line
    assert build_config(data, config_path=other, isolated=True).source == str(other)


def test_isolated_ignores_config_files(tmp_path):
    data = _project(tmp_path)
    assert build_config(data, isolated=True) == Config()


def test_a_given_config_is_used_instead_of_any_file(tmp_path):
    data = _project(tmp_path)
    base = Config(select=["C"])
    cfg = build_config(data, config=base, ignore=["too-long"])
    assert cfg is base and cfg.select == ["C"] and cfg.ignore == ["too-long"]
    assert cfg.source is None


def test_a_bad_config_file_is_a_usage_error(tmp_path):
    data = _project(tmp_path, "selct = []\n")
    with pytest.raises(UsageError, match="did you mean 'select'"):
        build_config(data)
    assert build_config(data, isolated=True) == Config()


# -- the file's values, and the command line on top ---------------------------------------------

def test_relative_paths_are_resolved_against_the_config_file(tmp_path, monkeypatch):
    data = _project(tmp_path, 'packs = ["p.toml"]\neval = ["ev.jsonl"]\n'
                              'production = ["prod/sample.jsonl"]\n'
                              'training-config = "train/sft.yaml"\n'
                              'model = "models/m"\ncache-dir = "cache"\n')
    monkeypatch.chdir(data.parent)  # not where the config is
    cfg = build_config(data)
    assert cfg.packs == [str(tmp_path / "p.toml")]
    assert cfg.eval == [str(tmp_path / "ev.jsonl")]
    assert cfg.production == [str(tmp_path / "prod" / "sample.jsonl")]
    assert cfg.training_config == [str(tmp_path / "train" / "sft.yaml")]
    assert cfg.model == str(tmp_path / "models" / "m")
    assert cfg.cache_dir == str(tmp_path / "cache")


def test_the_command_line_overrides_the_file(tmp_path):
    data = _project(tmp_path, 'select = ["C"]\nignore = ["pii"]\nfail-on = "warning"\n'
                              'max-tokens = 100\neval = ["ev.jsonl"]\n'
                              'training-config = "a.yaml"\n'
                              '[severity]\ntoo-long = "info"\n'
                              '[rules.too-few-examples]\nmin-records = 5\n')
    cfg = build_config(data, select=["F,C"], ignore=["too-long"], fail_on="error",
                       severity=["too-long=error"],
                       option_items=["too-few-examples.min-records=9"], max_tokens=200,
                       eval_files=["e2.jsonl"], training_config=["b.yaml"],
                       packs=["extra.toml"], model="m", no_cache=True)
    assert cfg.select == ["F", "C"]
    assert cfg.ignore == ["pii", "too-long"]  # --ignore adds to the file's
    assert cfg.fail_on == "error"
    assert cfg.severity == {TooLong.code: "error"}
    assert cfg.rule_options[find_rule("too-few-examples").code] == {"min-records": 9}
    assert cfg.rule_options[TooLong.code] == {"max-tokens": 200}
    assert cfg.eval == ["e2.jsonl"] and cfg.training_config == ["b.yaml"]
    assert cfg.packs == ["extra.toml"] and cfg.model == "m" and cfg.no_cache is True
    # values left unset keep the file's
    assert build_config(data).fail_on == "warning"


def test_option_items_parse_toml_values_and_bad_ones_are_usage_errors():
    assert parse_option("too-long.max-tokens=10") == ("too-long", "max-tokens", 10)
    assert parse_option("pii.kinds=[\"email\"]") == ("pii", "kinds", ["email"])
    assert parse_option("x.y=a bare word") == ("x", "y", "a bare word")
    with pytest.raises(UsageError, match="--option expects RULE.KEY=VALUE, got 'nope'"):
        build_config([], option_items=["nope"])
    with pytest.raises(UsageError, match="has no option 'max-tokes'"):
        build_config([], option_items=["too-long.max-tokes=3"])


# -- the too-long shortcuts: max-tokens and tokenizer -------------------------------------------

def test_the_shortcuts_are_options_of_the_too_long_rule():
    assert RULE_SHORTCUTS == {"max-tokens": TooLong, "tokenizer": TooLong}


@pytest.mark.parametrize("toml", ['tokenizer = "tok"\n', '[rules.too-long]\ntokenizer = "tok"\n',
                                  '[rules.C008]\ntokenizer = "tok"\n'])
def test_the_run_wide_tokenizer_from_the_file(tmp_path, toml):
    data = _project(tmp_path, toml)
    cfg = build_config(data)
    assert cfg.tokenizer == "tok" and cfg.rule_options[TooLong.code] == {"tokenizer": "tok"}


def test_the_run_wide_tokenizer_from_the_command_line(tmp_path):
    data = _project(tmp_path, 'tokenizer = "file-tok"\n')
    assert build_config(data).tokenizer == "file-tok"
    assert build_config(data, tokenizer="cli-tok").tokenizer == "cli-tok"
    assert build_config(data, option_items=["too-long.tokenizer=opt-tok"]).tokenizer == "opt-tok"
    assert build_config([], options={"too-long": {"tokenizer": "api"}}).tokenizer == "api"
    assert Config().tokenizer is None and build_config(data, isolated=True).tokenizer is None


def test_shortcut_precedence(tmp_path):
    # in the file the top-level key wins over [rules.too-long]
    data = _project(tmp_path, 'max-tokens = 10\n[rules.too-long]\nmax-tokens = 20\n')
    assert build_config(data).rule_options[TooLong.code] == {"max-tokens": 10}
    # on the command line --max-tokens wins over --option, whatever the rule is called
    for item in ("too-long.max-tokens=30", "C008.max-tokens=30"):
        cfg = build_config(data, option_items=[item], max_tokens=40)
        assert build_options(TooLong, cfg.rule_options[TooLong.code]).max_tokens == 40, item


@pytest.mark.parametrize("toml,message", [('max-tokens = "many"\n', "expected an integer"),
                                          ("tokenizer = 3\n", "expected a string")])
def test_bad_shortcut_values_are_usage_errors_naming_the_rule(tmp_path, toml, message):
    data = _project(tmp_path, toml)
    with pytest.raises(UsageError, match=f"too-long.*{message}"):
        build_config(data)


# -- every command gets the same Config ---------------------------------------------------------

@pytest.fixture
def seen(monkeypatch) -> list[Config]:
    """The Config of every Engine made."""
    out: list[Config] = []
    init = Engine.__init__

    def record(self, cfg, *a, **kw):
        out.append(copy.deepcopy(cfg))
        init(self, cfg, *a, **kw)

    monkeypatch.setattr(Engine, "__init__", record)
    return out


def test_check_explain_diff_and_clean_get_the_same_config(tmp_path, seen):
    data = _project(tmp_path, 'select = ["F", "C"]\nfail-on = "warning"\n'
                              '[rules.too-few-examples]\nmin-records = 5\n')
    old = write_jsonl(data.parent / "old.jsonl", [GOOD])
    common = ["--select", "F,C,S", "--ignore", "too-long", "--extend-select", "R",
              "--severity", "pii=error", "--option", "too-few-examples.min-records=3",
              "--cache-dir", str(tmp_path / "cache"), "--no-cache"]
    runner = CliRunner()
    runs = {
        "check": ["check", str(data), *common],
        "explain": ["explain", str(data), *common],
        "diff": ["diff", str(old), str(data), *common],
        "clean": ["clean", str(data), "-o", str(tmp_path / "out.jsonl"), *common],
    }
    configs = {}
    for name, args in runs.items():
        seen.clear()
        r = runner.invoke(main, args)
        assert r.exit_code in (0, 1), (name, r.output)
        assert seen and all(c == seen[0] for c in seen), name
        configs[name] = seen[0]
    expected = build_config(data, select=["F,C,S"], ignore=["too-long"], extend_select=["R"],
                            severity=["pii=error"],
                            option_items=["too-few-examples.min-records=3"],
                            cache_dir=str(tmp_path / "cache"), no_cache=True)
    assert expected.source == str(tmp_path / "datalint.toml")
    assert configs == dict.fromkeys(runs, expected)


def test_check_and_lint_get_the_same_config(tmp_path, seen):
    data = _project(tmp_path, 'fail-on = "warning"\nmax-tokens = 50\n')
    r = CliRunner().invoke(main, ["check", str(data), "--select", "F,C", "--ignore", "pii",
                                  "--option", "too-long.max-tokens=60"])
    assert r.exit_code in (0, 1), r.output
    datalint.lint(data, select=["F,C"], ignore=["pii"], options={"too-long": {"max-tokens": 60}})
    datalint.lint(str(data), select=["F", "C"], ignore=["pii"],
                  options={"C008": {"max-tokens": 60}})
    assert len(seen) == 3 and seen[0] == seen[1] == seen[2]
    assert seen[0].fail_on == "warning" and seen[0].rule_options == {"C008": {"max-tokens": 60}}
