"""The training rules (T001-T007) and the training-config reader: every supported format,
the [[with-config]] fixture cases, data-aware runs on constructed datasets, the skip without a
config, and the command line (config key, usage errors)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from datalint.cli import main
from datalint.config import Config, merge_cli
from datalint.pipeline.engine import Engine
from datalint.registry import all_rules
from datalint.errors import UsageError
from datalint.rules.training.configs import load_training_config

from .conftest import FIXTURES, ROOT
from .helpers import run, write_jsonl
from .test_content_rules import _word_tokenizer

TRAINING = FIXTURES / "training"
RULE_FIXTURES = FIXTURES / "rules"
RULES = [r for r in all_rules() if r.family() == "training"]
CODES = {r.code for r in RULES}


def chat(q: str, a: str) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


def diverse(n: int, start: int = 0) -> list[dict]:
    """``n`` distinct support conversations, about 40 estimated tokens each."""
    products = ["router", "printer", "camera", "speaker", "thermostat", "doorbell", "tablet"]
    verbs = ["reset", "update", "pair", "register", "clean", "mount", "return"]
    out = []
    for i in range(start, start + n):
        p, v = products[i % 7], verbs[(i // 7) % 7]
        out.append(chat(f"How do I {v} the {p} with serial number SN-{i:05d}?",
                        f"To {v} the {p} SN-{i:05d}, open the app, pick the device, and follow "
                        f"step {i % 5 + 1} of the guide."))
    return out


def yaml_config(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def training_findings(report) -> list:
    return [f for f in report.findings if f.code in CODES]


# ---------------------------------------------------------------------------------------------
# the [[with-config]] fixture cases
# ---------------------------------------------------------------------------------------------

def _cases():
    for rule in RULES:
        spec = tomllib.loads((RULE_FIXTURES / rule.name / "expect.toml").read_text())
        for i, case in enumerate(spec.get("with-config", [])):
            yield pytest.param(rule, case, id=f"{rule.name}-{i}-{'+'.join(case['config'])}")


CASES = list(_cases())


def test_every_training_rule_has_flagged_quiet_and_skipped_cases():
    for rule in RULES:
        cases = [c for r, c in (p.values for p in CASES) if r is rule]
        assert any(c.get("finding") for c in cases), f"{rule.name}: no case that must flag"
        assert any(c.get("finding") == [] or c.get("skipped") for c in cases), \
            f"{rule.name}: no look-alike case that must stay quiet"


@pytest.mark.parametrize("rule,case", CASES)
def test_training_fixture(rule, case):
    folder = RULE_FIXTURES / rule.name
    report = run(folder, select=[rule.code],
                 training_config=[str(TRAINING / c) for c in case["config"]])
    assert not report.errors, report.errors
    skipped = [s for s in report.skipped if s.code == rule.code]
    if case.get("skipped"):
        assert skipped and not report.findings, (report.findings, report.skipped)
        return
    assert not skipped, skipped
    actual = {(Path(f.location.path).name, f.location.line) for f in report.findings}
    expected = {(e["file"], e.get("line")) for e in case["finding"]}
    assert actual == expected, "; ".join(f.message for f in report.findings)
    for e in case["finding"]:
        f = next(f for f in report.findings if (Path(f.location.path).name,
                                               f.location.line) == (e["file"], e.get("line")))
        if "severity" in e:
            assert f.severity == e["severity"], f.message
        if "related" in e:
            assert [r.line for r in f.related] == e["related"], f.message


# ---------------------------------------------------------------------------------------------
# without a training config: skipped, never passed, and free
# ---------------------------------------------------------------------------------------------

def test_without_a_config_every_training_rule_is_skipped(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", diverse(20))
    report = run(data, select=["training"])
    assert {s.code for s in report.skipped} == CODES
    assert all("--training-config" in s.reason for s in report.skipped)
    assert report.findings == [] and report.metrics == []
    assert report.exit_code("info") == 0


def test_without_a_config_the_training_rules_keep_no_records():
    engine = Engine(merge_cli(Config(), select=["training"]))
    assert all(not r.requires for r in engine.instances.values())
    engine = Engine(merge_cli(Config(), select=["training"],
                              training_config=[str(TRAINING / "axolotl-full.yaml")]))
    assert any("records" in r.requires for r in engine.instances.values())


# ---------------------------------------------------------------------------------------------
# data-aware runs on constructed datasets
# ---------------------------------------------------------------------------------------------

def axolotl(epochs: int, lr: str, adapter: str | None = None) -> str:
    """An axolotl config with 5% held out (``num_epochs`` on line 8 without an adapter)."""
    return ("base_model: meta-llama/Llama-3.2-1B\n"
            + (f"adapter: {adapter}\n" if adapter else "")
            + "datasets:\n  - path: train.jsonl\n    type: chat_template\n"
              "sequence_len: 2048\nmicro_batch_size: 2\ngradient_accumulation_steps: 4\n"
              f"num_epochs: {epochs}\nlearning_rate: {lr}\nval_set_size: 0.05\n")


AXOLOTL_FULL_10 = axolotl(10, "1.0e-5")
AXOLOTL_LORA_2 = axolotl(2, "1.0e-4", adapter="lora")


def test_200_examples_10_epochs_full_finetune_is_an_error(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", diverse(200))
    cfg = yaml_config(tmp_path / "axolotl.yaml", AXOLOTL_FULL_10)
    report = run(data, select=["training"], training_config=[str(cfg)])
    by_name = {f.name: f for f in training_findings(report)}
    assert set(by_name) == {"too-many-epochs", "full-finetune-on-small-data", "no-general-mix"}
    epochs = by_name["too-many-epochs"]
    assert epochs.severity == "error"
    assert (epochs.location.path, epochs.location.line) == (str(cfg), 8)
    assert epochs.data["exposures"] == 10 and epochs.data["distinct"] == 200
    assert report.exit_code("error") == 1


def test_5000_diverse_examples_2_epochs_lora_with_eval_split_is_clean(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", diverse(5000))
    cfg = yaml_config(tmp_path / "axolotl.yaml", AXOLOTL_LORA_2)
    report = run(data, select=["training"], training_config=[str(cfg)])
    assert training_findings(report) == []
    assert not report.errors
    # eval-equals-train has nothing to compare (the split is made by the trainer): skipped
    assert [s.name for s in report.skipped] == ["eval-equals-train"]
    assert {m.name: m.verdict for m in report.metrics} == {
        "too-many-epochs": "pass", "learning-rate-too-high": "pass",
        "seq-len-truncates-data": "pass"}


def test_duplication_multiplies_the_epochs(tmp_path):
    cfg = yaml_config(tmp_path / "axolotl.yaml", AXOLOTL_LORA_2)  # 2 epochs
    distinct = write_jsonl(tmp_path / "distinct.jsonl", diverse(3000))
    report = run(distinct, select=["too-many-epochs"], training_config=[str(cfg)])
    assert report.findings == [] and report.metrics[0].value == 2
    # the same number of records, each of 1,500 stored twice: 4 passes per distinct example
    doubled = write_jsonl(tmp_path / "doubled.jsonl", diverse(1500) * 2)
    report = run(doubled, select=["too-many-epochs"], training_config=[str(cfg)])
    [f] = report.findings
    assert f.severity == "warning"  # 1,500 distinct: not small
    assert f.data["duplication"] == 2 and f.data["exposures"] == 4
    assert "appears 2.00 times" in f.message
    # fewer than small-dataset distinct examples: the same exposures are an error
    report = run(doubled, select=["too-many-epochs"], training_config=[str(cfg)],
                 options={"too-many-epochs": {"small-dataset": 2000}})
    assert report.findings[0].severity == "error"


def test_max_steps_is_turned_into_epochs(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", diverse(2000))
    cfg = tmp_path / "args.json"
    cfg.write_text(orjson.dumps({"output_dir": "out", "max_steps": 1000, "num_train_epochs": 1,
                                 "per_device_train_batch_size": 8,
                                 "gradient_accumulation_steps": 2}).decode())
    report = run(data, select=["too-many-epochs"], training_config=[str(cfg)])
    [f] = report.findings
    assert f.location.field == "max_steps"
    assert "at least 8 epochs" in f.message and f.data["epochs"] == 8


def test_seq_len_uses_the_too_long_tokenizer(tmp_path):
    folder = _word_tokenizer(tmp_path / "model")
    # 100 words in 700 characters: 183 estimated tokens, 100 real ones (+ 1 + 8 of template)
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello", "banana " * 100)])
    cfg = yaml_config(tmp_path / "sft.yaml", "max_length: 150\nnum_train_epochs: 1\n")
    estimated = run(data, select=["seq-len-truncates-data"], training_config=[str(cfg)])
    assert len(estimated.findings) == 1 and "estimated" in estimated.findings[0].message
    exact = run(data, select=["seq-len-truncates-data"], training_config=[str(cfg)],
                options={"too-long": {"tokenizer": str(folder)}})
    assert exact.findings == [] and exact.metrics[0].value == 0


def test_bad_tokenizer_is_a_usage_error_not_a_crash(tmp_path):
    cfg = yaml_config(tmp_path / "sft.yaml", "max_length: 150\n")
    with pytest.raises(UsageError, match="tokenizer"):
        run(write_jsonl(tmp_path / "d.jsonl", diverse(2)), select=["seq-len-truncates-data"],
            training_config=[str(cfg)], options={"too-long": {"tokenizer": str(tmp_path)}})


def test_eval_file_linted_beside_the_training_file(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    train = diverse(10)
    write_jsonl(folder / "train.jsonl", train)
    write_jsonl(folder / "val.jsonl", [train[3]] + diverse(2, start=100))
    cfg = tmp_path / "args.json"
    cfg.write_text('{"output_dir": "out", "validation_file": "data/val.jsonl"}')
    # the folder holds both: val.jsonl is compared with train.jsonl, not with itself
    report = run(folder, select=["eval-equals-train"], training_config=[str(cfg)])
    [f] = report.findings
    assert f.severity == "warning" and "1 of 3 records" in f.message
    assert [(Path(r.path).name, r.line) for r in f.related] == [("val.jsonl", 1)]
    # linting only the eval file as training data
    report = run(folder / "val.jsonl", select=["eval-equals-train"],
                 training_config=[str(cfg)])
    [f] = report.findings
    assert f.severity == "error" and "the file being linted" in f.message


def test_llama_factory_dataset_names_resolve_through_dataset_info(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    train = diverse(8)
    write_jsonl(data_dir / "support.jsonl", train)
    write_jsonl(data_dir / "support_eval.jsonl", train[:2])
    (data_dir / "dataset_info.json").write_text(orjson.dumps({
        "support": {"file_name": "support.jsonl", "formatting": "sharegpt"},
        "support_eval": {"file_name": "support_eval.jsonl", "formatting": "sharegpt"}}).decode())
    cfg = yaml_config(tmp_path / "lf.yaml", "stage: sft\nfinetuning_type: lora\n"
                      "dataset: support\neval_dataset: support_eval\ndataset_dir: data\n")
    report = run(data_dir / "support.jsonl", select=["eval-equals-train"],
                 training_config=[str(cfg)])
    [f] = report.findings
    assert f.severity == "error"  # every eval record is training data
    assert f.location.line == 4 and "2 of 2 records" in f.message


# ---------------------------------------------------------------------------------------------
# the reader: formats, merging, defaults, lines
# ---------------------------------------------------------------------------------------------

def test_axolotl_qlora_is_normalised():
    s = load_training_config(str(TRAINING / "axolotl-qlora.yaml"))
    assert s.formats == ["axolotl"]
    assert (s.method.value, s.method.key, s.method.line) == ("qlora", "adapter", 3)
    assert s.learning_rate.value == 1e-4  # "1e-4" is a string in YAML 1.1
    assert (s.epochs.value, s.eval_split.value, s.max_seq_len.value) == (2, 0.05, 4096)
    assert s.packing.value is True and s.batch_size.value == 8
    assert s.early_stopping is None  # early_stopping_patience: (null)
    assert s.train_files.value == ["train.jsonl"] and s.datasets.value == 1


def test_trl_recipe_yaml_is_normalised():
    s = load_training_config(str(TRAINING / "sft-full.yaml"))
    assert s.formats == ["hf"]
    assert (s.method.value, s.method.line) == ("full", 3)
    assert s.eval_strategy.value == "no"  # unquoted `no` is false in YAML 1.1
    assert (s.max_seq_len.value, s.max_seq_len.key, s.max_seq_len.line) == (64, "max_length", 5)
    assert s.batch_size.value == 16 and "gradient_accumulation_steps" in s.batch_size.key


def test_training_args_and_adapter_config_merge():
    s = load_training_config([str(TRAINING / "training_args.json"),
                              str(TRAINING / "adapter_config.json")])
    assert s.formats == ["hf", "peft"]
    assert (s.method.value, Path(s.method.path).name) == ("lora", "adapter_config.json")
    assert (s.epochs.value, s.epochs.line, s.epochs.default_of) == (2, 3, None)
    assert s.max_steps is None  # -1: use the epochs
    assert s.eval_strategy.value == "steps"
    assert s.max_seq_len is None  # TrainingArguments has none; no SFTConfig key either


def test_defaults_fill_what_the_file_leaves_out():
    s = load_training_config(str(TRAINING / "training_args_defaults.json"))
    assert (s.epochs.value, s.learning_rate.value, s.eval_strategy.value) == (3, 5e-5, "no")
    assert s.epochs.default_of and s.epochs.line is None
    assert s.epochs.describe() == ("num_train_epochs not set: 3, the transformers "
                                   "TrainingArguments default")
    assert s.method is None  # a bare TrainingArguments does not say


def test_llama_factory_is_normalised():
    s = load_training_config(str(TRAINING / "llama-factory-lora.yaml"))
    assert s.formats == ["llama-factory"]
    assert s.method.value == "lora" and s.method.default_of == "LLaMA-Factory"
    assert (s.epochs.value, s.learning_rate.value, s.max_seq_len.value) == (3, 1e-4, 2048)
    assert s.datasets.value == 2 and s.eval_split.value == 0.1
    full = load_training_config(str(TRAINING / "llama-factory-full.yaml"))
    assert (full.method.value, full.method.line) == ("full", 7)
    assert full.eval_files.value == full.train_files.value == ["support_train"]


def test_openai_jobs_are_normalised():
    bad = load_training_config(str(TRAINING / "openai-job-bad.json"))
    assert bad.formats == ["openai"] and bad.method.value == "hosted"
    assert (bad.epochs.value, bad.epochs.key, bad.epochs.line) == (10, "hyperparameters.n_epochs",
                                                                    6)
    assert (bad.lr_multiplier.value, bad.lr_multiplier.line) == (4, 8)
    assert bad.learning_rate is None
    good = load_training_config(str(TRAINING / "openai-job-good.json"))
    assert good.epochs.key == "method.supervised.hyperparameters.n_epochs"
    assert good.epochs.value == 2 and good.lr_multiplier.value == "auto"
    assert good.known("lr_multiplier") is None
    assert good.eval_files.value == ["file-def456"]


def test_unknown_keys_are_ignored(tmp_path):
    cfg = yaml_config(tmp_path / "a.yaml", "num_epochs: 2\nsequence_len: 1024\nadapter: lora\n"
                      "learning_rate: 5.0e-5\nwandb_project: x\nfrobnicate: {a: [1, 2]}\n")
    s = load_training_config(str(cfg))
    assert (s.epochs.value, s.method.value) == (2, "lora")


def test_nested_lora_section_means_lora(tmp_path):
    cfg = yaml_config(tmp_path / "a.yaml", "training_args:\n  num_train_epochs: 2\n"
                      "  learning_rate: 2.0e-4\nlora:\n  r: 16\n  alpha: 32\n")
    s = load_training_config(str(cfg))
    assert s.formats == ["hf"] and s.method.value == "lora"
    assert (s.epochs.key, s.epochs.line) == ("training_args.num_train_epochs", 2)


# ---------------------------------------------------------------------------------------------
# usage errors: one line naming the file, exit code 2
# ---------------------------------------------------------------------------------------------

def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("name,problem", [
    ("broken.yaml", "invalid YAML (line 3, column 8"),
    ("broken.json", "invalid JSON"),
    ("not-a-config.yaml", "not a training config"),
    ("list.yaml", "expected a mapping of settings, got a list"),
])
def test_unusable_config_is_a_one_line_usage_error(tmp_path, name, problem):
    data = write_jsonl(tmp_path / "train.jsonl", diverse(3))
    r = invoke("check", data, "--training-config", TRAINING / name)
    assert r.exit_code == 2
    [line] = r.output.strip().splitlines()
    assert line.startswith(f"datalint: error: {TRAINING / name}: ") and problem in line


def test_unsafe_yaml_is_refused_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    cfg = yaml_config(tmp_path / "evil.yaml",
                      f"num_epochs: !!python/object/apply:os.system ['touch {marker}']\n")
    r = invoke("check", write_jsonl(tmp_path / "d.jsonl", diverse(2)),
               "--training-config", cfg)
    assert r.exit_code == 2 and "cannot parse training config" in r.output
    assert not marker.exists()
    # and nothing in datalint ever calls the unsafe loader
    for path in (ROOT / "datalint").rglob("*.py"):
        assert "yaml.load(" not in path.read_text(), path


@pytest.mark.parametrize("setup,problem", [
    (lambda d: d / "missing.yaml", "cannot read training config"),
    (lambda d: d, "is a folder"),
    (lambda d: d / "training_args.bin", "pickle"),  # refused by name, never opened
    (lambda d: yaml_config(d / "a.yaml", "num_epochs: many\n"), "num_epochs: expected a number"),
])
def test_bad_config_files(tmp_path, setup, problem):
    path = setup(tmp_path)
    r = invoke("check", write_jsonl(tmp_path / "d.jsonl", diverse(2)), "--training-config", path)
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1
    assert problem in r.output and str(path) in r.output


# ---------------------------------------------------------------------------------------------
# the command line, the config key, the other outputs
# ---------------------------------------------------------------------------------------------

def test_config_key_is_relative_to_the_config_file(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "train").mkdir(parents=True)
    yaml_config(project / "train" / "axolotl.yaml", AXOLOTL_FULL_10)
    (project / "datalint.toml").write_text('training-config = "train/axolotl.yaml"\n')
    data = write_jsonl(project / "data.jsonl", diverse(50))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    r = invoke("check", data, "--select", "too-many-epochs", "--format", "json")
    assert r.exit_code == 1, r.output
    [f] = orjson.loads(r.output)["findings"]
    assert f["location"]["path"] == str(project / "train" / "axolotl.yaml")
    assert f["location"]["line"] == 8 and f["location"]["field"] == "num_epochs"
    # the command line replaces the file's training-config
    r = invoke("check", data, "--select", "too-many-epochs", "--format", "json",
               "--training-config", TRAINING / "axolotl-qlora.yaml")
    assert r.exit_code == 0 and orjson.loads(r.output)["findings"] == []


def test_config_key_must_be_paths(tmp_path):
    (tmp_path / "datalint.toml").write_text("training-config = 3\n")
    r = invoke("check", write_jsonl(tmp_path / "d.jsonl", diverse(2)))
    assert r.exit_code == 2 and "training-config" in r.output


def test_text_output_and_skips_for_the_user(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", diverse(30))
    r = invoke("check", data, "--select", "training",
               "--training-config", TRAINING / "openai-job-noval.json")
    assert r.exit_code == 0  # warnings only
    out = r.output
    assert f"{TRAINING / 'openai-job-noval.json'}  T004 no-validation-split" in out
    # the reasons of the skipped rules are one line by default, each with --verbose
    assert "--verbose says which" in out
    out = invoke("check", data, "--select", "training", "--verbose",
                 "--training-config", TRAINING / "openai-job-noval.json").output
    assert "skipped T001 too-many-epochs: hyperparameters.n_epochs is 'auto'" in out


def test_python_api_takes_a_training_config(tmp_path):
    import datalint

    data = write_jsonl(tmp_path / "train.jsonl", diverse(200))
    report = datalint.lint(data, select=["training"],
                           training_config=TRAINING / "axolotl-full.yaml")
    assert {f.name for f in report.findings} >= {"too-many-epochs", "learning-rate-too-high"}
