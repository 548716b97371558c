"""Training configs: read the setup a dataset will be trained with, for the ``training`` rules.

``datalint check DATA --training-config FILE`` (or ``training-config`` in the config file)
names one or more files; each is read (JSON with orjson, YAML with ``yaml.safe_load`` only),
recognised as one of the formats below, and normalised into one :class:`TrainingSetup`.  Every
value keeps where it came from (file, key, line) so that findings point at the line to change.

Formats (recognised by their keys; unknown keys are ignored):

* ``hf`` — Hugging Face ``TrainingArguments`` / TRL ``SFTConfig`` as JSON or YAML (also TRL
  recipe files mixing model arguments such as ``use_peft`` and ``load_in_4bit``).  A nested
  ``lora`` / ``peft_config`` section or ``use_peft: true`` means LoRA.
* ``peft`` — a PEFT ``adapter_config.json`` (``peft_type``): says LoRA, nothing else.
* ``axolotl`` — an axolotl YAML (``adapter``, ``num_epochs``, ``sequence_len``, ``val_set_size``,
  ``datasets`` / ``test_datasets``…).
* ``llama-factory`` — a LLaMA-Factory YAML (``finetuning_type``, ``cutoff_len``, ``val_size``,
  ``dataset`` / ``eval_dataset`` names, resolved through ``dataset_info.json`` when present).
* ``openai`` — an OpenAI fine-tuning job JSON (``training_file``, ``validation_file``,
  ``hyperparameters`` or ``method.<type>.hyperparameters``: ``n_epochs``,
  ``learning_rate_multiplier``, ``batch_size``).

Several files are merged in the order given (``training_args.json`` plus
``adapter_config.json``): for each setting the first file that states it wins, and a trainer's
default (``num_train_epochs`` is 3 when a ``TrainingArguments`` file leaves it out) only fills
what no file states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from ...io.record import Location
from ...errors import UsageError

#: A training config larger than this is not a training config.
MAX_CONFIG_BYTES = 8 * 1024 * 1024

FORMAT_NAMES = {
    "hf": "Hugging Face TrainingArguments / TRL SFTConfig",
    "peft": "PEFT adapter config",
    "axolotl": "axolotl config",
    "llama-factory": "LLaMA-Factory config",
    "openai": "OpenAI fine-tuning job",
}

#: Methods: adapters (``lora``, ``qlora``, ``adapter`` for other PEFT methods), ``full``,
#: ``freeze`` (LLaMA-Factory: some layers trained fully) and ``hosted`` (a service that does
#: not say how it trains).
ADAPTER_METHODS = ("lora", "qlora", "adapter")
FULL_WEIGHT_METHODS = ("full", "freeze")


def number(x: float) -> str:
    """3 rather than 3.0, and 1e-4 rather than 0.0001: rates are read in powers of ten."""
    if x == 0 or abs(x) >= 1e-2:
        return f"{x:g}"
    mant, exp = f"{x:.1e}".split("e")
    return f"{mant.removesuffix('.0')}e{int(exp)}"


@dataclass(frozen=True)
class Setting:
    """One normalised value and where it came from."""

    value: Any
    key: str  # as written in the file, dotted when nested: "hyperparameters.n_epochs"
    path: str  # the training config file
    line: int | None = None
    default_of: str | None = None  # set when the file does not state it: whose default it is

    def describe(self) -> str:
        """``num_epochs = 10``, or ``num_train_epochs not set: 3, the … default``."""
        v = self.value
        shown = number(v) if isinstance(v, float) else str(v)
        if self.default_of:
            return f"{self.key} not set: {shown}, the {self.default_of} default"
        return f"{self.key} = {shown}"

    def location(self) -> Location:
        return Location(self.path, self.line, None, None, self.key)


@dataclass
class TrainingSetup:
    """What the training rules need to know about a run, whatever the config format."""

    files: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    epochs: Setting | None = None  # float, or "auto"
    max_steps: Setting | None = None  # int > 0: overrides epochs
    batch_size: Setting | None = None  # examples per optimizer step on one device
    learning_rate: Setting | None = None  # float, or "auto"
    lr_multiplier: Setting | None = None  # OpenAI: float, or "auto"
    method: Setting | None = None  # lora | qlora | adapter | full | freeze | hosted
    max_seq_len: Setting | None = None  # tokens
    packing: Setting | None = None  # bool
    eval_split: Setting | None = None  # fraction / count / percentage of train held out
    eval_files: Setting | None = None  # list[str]: paths, dataset names or file ids
    eval_strategy: Setting | None = None  # "no" | "steps" | "epoch"
    early_stopping: Setting | None = None  # bool
    train_files: Setting | None = None  # list[str]
    datasets: Setting | None = None  # int: how many training datasets the config mixes

    def known(self, name: str) -> Setting | None:
        """The setting when it has a usable value (not missing, not ``"auto"``)."""
        s = getattr(self, name)
        if s is None or s.value is None or s.value == "auto":
            return None
        return s

    def describe(self) -> str:
        return ", ".join(f"{Path(f).name} ({FORMAT_NAMES[k]})"
                         for f, k in zip(self.files, self.formats))


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------

def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _read(path: str) -> tuple[dict, dict[tuple, int]]:
    p = Path(path)
    if p.suffix.lower() in (".bin", ".pt", ".pkl", ".pickle"):
        raise UsageError(f"{path}: training config is a pickle; datalint never unpickles "
                         "files: save the arguments as JSON (TrainingArguments.to_json_string())"
                         " or YAML")
    try:
        if p.stat().st_size > MAX_CONFIG_BYTES:
            raise UsageError(f"{path}: too large for a training config "
                             f"({p.stat().st_size:,} bytes)")
        raw = p.read_bytes()
    except IsADirectoryError:
        raise UsageError(f"{path}: training config is a folder, not a file") from None
    except OSError as e:
        raise UsageError(f"{path}: cannot read training config ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: cannot parse training config: not UTF-8 text") from None
    import yaml

    if p.suffix.lower() == ".json":
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as e:
            raise UsageError(f"{path}: cannot parse training config: invalid JSON "
                             f"({_one_line(e)})") from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(e, "problem", None) or e
            raise UsageError(f"{path}: cannot parse training config: invalid YAML "
                             f"({where}{_one_line(problem)})") from None
        except RecursionError:
            raise UsageError(f"{path}: cannot parse training config: nested too deeply") \
                from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise UsageError(f"{path}: cannot parse training config: expected a mapping of "
                         f"settings, got {kind}")
    return data, _key_lines(text)


def _key_lines(text: str, max_depth: int = 6) -> dict[tuple, int]:
    """1-based line of every mapping key, by key path (JSON is read as YAML for this)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return {}
    out: dict[tuple, int] = {}

    def walk(node, prefix: tuple) -> None:
        if len(prefix) > max_depth:
            return
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    key = prefix + (k.value,)
                    out.setdefault(key, k.start_mark.line + 1)
                    walk(v, key)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, prefix + (i,))

    walk(root, ())
    return out


class _Doc:
    """One parsed config file: look up keys, build settings that remember their key and line."""

    def __init__(self, path: str, data: dict, lines: dict[tuple, int]):
        self.path = path
        self.data = data
        self.lines = lines
        # the top level first, then the nested sections some recipes use
        self.scopes: list[tuple] = [()] + [(k,) for k in _SECTIONS
                                           if isinstance(data.get(k), dict)]

    def dig(self, keys: tuple) -> Any:
        d: Any = self.data
        for k in keys:
            if not isinstance(d, dict):
                return None
            d = d.get(k)
        return d

    def find(self, names: tuple[str, ...], scopes: list[tuple] | None = None
             ) -> tuple[tuple, Any] | None:
        """(key path, value) of the first of ``names`` set (not null) in the scopes."""
        for scope in (self.scopes if scopes is None else scopes):
            d = self.dig(scope)
            if isinstance(d, dict):
                for n in names:
                    if d.get(n) is not None:
                        return scope + (n,), d[n]
        return None

    def setting(self, keypath: tuple, value: Any) -> Setting:
        return Setting(value, ".".join(str(k) for k in keypath), self.path,
                       self.lines.get(keypath))

    def default(self, key: str, value: Any, whose: str) -> Setting:
        return Setting(value, key, self.path, None, whose)

    # -- typed values ---------------------------------------------------------------------
    def number(self, keypath: tuple, value: Any, allow_auto: bool = False) -> float | str:
        where = f"{self.path}: {'.'.join(map(str, keypath))}"
        if isinstance(value, str):
            s = value.strip().lower()
            if allow_auto and s == "auto":
                return "auto"
            try:
                # YAML 1.1 reads 1e-4 (no dot) as a string; trainers accept it as a number
                value = float(s)
            except ValueError:
                raise UsageError(f"{where}: expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UsageError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise UsageError(f"{where}: expected a finite number, got {value!r}")
        return float(value)

    def get_number(self, names: tuple[str, ...], allow_auto: bool = False,
                   scopes: list[tuple] | None = None) -> Setting | None:
        hit = self.find(names, scopes)
        if hit is None:
            return None
        return self.setting(hit[0], self.number(hit[0], hit[1], allow_auto))

    def has_key(self, names: tuple[str, ...]) -> bool:
        """Whether one of ``names`` is written in a scope, even as null."""
        return any(isinstance(d := self.dig(scope), dict) and any(n in d for n in names)
                   for scope in self.scopes)

    def get_bool(self, names: tuple[str, ...]) -> Setting | None:
        hit = self.find(names)
        if hit is None:
            return None
        v = hit[1]
        if isinstance(v, str):
            v = v.strip().lower() in ("true", "yes", "1", "on")
        return self.setting(hit[0], bool(v))

    def get_files(self, names: tuple[str, ...]) -> Setting | None:
        hit = self.find(names)
        if hit is None:
            return None
        v = hit[1]
        items = [v] if isinstance(v, str) else v if isinstance(v, list) else []
        files = [x.strip() for x in items if isinstance(x, str) and x.strip()]
        return self.setting(hit[0], files) if files else None


# ---------------------------------------------------------------------------------------------
# formats
# ---------------------------------------------------------------------------------------------

#: Nested sections whose keys are read like top-level ones.
_SECTIONS = ("training_arguments", "training_args", "training", "trainer", "sft_config", "sft",
             "train", "hyperparameters")
_AXOLOTL_KEYS = {"base_model", "num_epochs", "sequence_len", "micro_batch_size", "val_set_size",
                 "adapter", "test_datasets", "sample_packing", "lora_model_dir"}
_LLAMA_FACTORY_KEYS = {"finetuning_type", "cutoff_len", "stage", "val_size", "quantization_bit",
                       "lora_rank", "dataset_dir"}
_HF_KEYS = {"num_train_epochs", "learning_rate", "per_device_train_batch_size", "eval_strategy",
            "evaluation_strategy", "output_dir", "max_steps", "max_seq_length", "max_length",
            "do_eval", "do_train", "use_peft", "gradient_accumulation_steps",
            "load_best_model_at_end", "dataset_text_field", "packing", "lr_scheduler_type",
            "warmup_ratio", "model_name_or_path"}
#: Keys only TRL's SFTConfig has (their presence makes its max_length default apply).
_SFT_KEYS = {"dataset_text_field", "packing", "max_seq_length", "max_length",
             "completion_only_loss", "assistant_only_loss", "dataset_num_proc", "eval_packing"}
_SEQ_KEYS = ("max_seq_length", "max_length", "sequence_len", "cutoff_len", "model_max_length",
             "max_seq_len")
_PEFT_SECTIONS = ("lora", "lora_config", "peft", "peft_config")
#: PEFT types that are low-rank adapters (the LoRA learning-rate range applies).
_LORA_LIKE = {"LORA", "ADALORA", "LOHA", "LOKR", "DORA", "VERA", "OFT", "BOFT", "HRA"}


def detect_format(data: dict) -> str | None:
    keys = set(data)
    if "peft_type" in keys:
        return "peft"
    method = data.get("method")
    if "training_file" in keys or (isinstance(data.get("hyperparameters"), dict)
                                   and "n_epochs" in data["hyperparameters"]) or (
            isinstance(method, dict) and "type" in method):
        return "openai"
    if keys & _AXOLOTL_KEYS and not keys & {"finetuning_type", "cutoff_len"}:
        return "axolotl"
    if keys & _LLAMA_FACTORY_KEYS:
        return "llama-factory"
    scoped = set(keys)
    for k in _SECTIONS:
        if isinstance(data.get(k), dict):
            scoped |= set(data[k])
    if scoped & _HF_KEYS or any(isinstance(data.get(s), dict) for s in _PEFT_SECTIONS):
        return "hf"
    return None


def _common(doc: _Doc) -> dict[str, Setting]:
    """The settings whose keys mean the same in the trainer-style formats."""
    out: dict[str, Setting | None] = {
        "epochs": doc.get_number(("num_train_epochs", "num_epochs", "epochs")),
        "learning_rate": doc.get_number(("learning_rate", "lr")),
        "max_seq_len": doc.get_number(_SEQ_KEYS),
        "eval_split": doc.get_number(("val_set_size", "val_size",
                                      "validation_split_percentage")),
        "packing": doc.get_bool(("packing", "sample_packing")),
        "eval_files": doc.get_files(("validation_file", "eval_file", "eval_data_path",
                                     "eval_dataset_path")),
        "train_files": doc.get_files(("train_file", "data_path", "train_data_path",
                                      "dataset_path")),
    }
    steps = doc.get_number(("max_steps",))
    if steps is not None and steps.value > 0:  # -1 (the default) means "use the epochs"
        out["max_steps"] = steps
    hit = doc.find(("eval_strategy", "evaluation_strategy"))
    if hit is not None:
        # YAML 1.1 reads an unquoted ``no`` as false
        value = "no" if hit[1] is False else str(hit[1]).strip().lower()
        out["eval_strategy"] = doc.setting(hit[0], value)
    hit = doc.find(("early_stopping_patience", "early_stopping"))
    if hit is not None and hit[1] not in (False, 0, "false", "no"):
        out["early_stopping"] = doc.setting(hit[0], True)
    per_device = doc.get_number(("per_device_train_batch_size", "micro_batch_size"))
    accum = doc.get_number(("gradient_accumulation_steps",))
    if per_device is not None:
        if accum is None:
            out["batch_size"] = per_device
        else:
            out["batch_size"] = Setting(per_device.value * accum.value,
                                        f"{per_device.key} × {accum.key}", doc.path,
                                        per_device.line)
    return {k: v for k, v in out.items() if v is not None}


def _peft_section_method(doc: _Doc) -> Setting | None:
    for sec in _PEFT_SECTIONS:
        if isinstance(doc.data.get(sec), dict):
            four_bit = doc.find(("load_in_4bit",))
            qlora = four_bit is not None and four_bit[1] is True
            return doc.setting((sec,), "qlora" if qlora else "lora")
    return None


def _parse_hf(doc: _Doc) -> tuple[dict, dict]:
    out = _common(doc)
    method = _peft_section_method(doc)
    use_peft = doc.find(("use_peft",))
    if method is None and use_peft is not None:
        four_bit = doc.find(("load_in_4bit",))
        if use_peft[1] is True:
            method = doc.setting(use_peft[0], "qlora" if four_bit and four_bit[1] is True
                                 else "lora")
        elif use_peft[1] is False:
            method = doc.setting(use_peft[0], "full")
    if method is not None:
        out["method"] = method
    mixer = doc.find(("dataset_mixer", "datasets"))
    if mixer is not None and isinstance(mixer[1], (dict, list)):
        out["datasets"] = doc.setting(mixer[0], len(mixer[1]))
    who = "transformers TrainingArguments"
    defaults = {
        "epochs": doc.default("num_train_epochs", 3.0, who),
        "learning_rate": doc.default("learning_rate", 5e-5, who),
        "eval_strategy": doc.default("eval_strategy", "no", who),
        "batch_size": doc.default("per_device_train_batch_size", 8.0, who),
    }
    scoped = set()
    for scope in doc.scopes:
        scoped |= set(doc.dig(scope) or ())
    if scoped & _SFT_KEYS and not doc.has_key(_SEQ_KEYS):  # null: no truncation
        defaults["max_seq_len"] = doc.default("max_length", 1024.0, "TRL SFTConfig")
    return out, defaults


def _parse_peft(doc: _Doc) -> tuple[dict, dict]:
    peft_type = str(doc.data.get("peft_type", "")).upper()
    method = "lora" if peft_type in _LORA_LIKE else "adapter"
    return {"method": doc.setting(("peft_type",), method)}, {}


def _axolotl_refs(entries: Any) -> list[str]:
    """``path`` of each dataset entry; a split other than ``train`` is kept as ``path[split]``
    so that two splits of one hub dataset do not compare equal."""
    refs = []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, str):
            refs.append(e)
        elif isinstance(e, dict) and isinstance(e.get("path"), str):
            split = e.get("split") or "train"
            refs.append(e["path"] if split == "train" else f"{e['path']}[{split}]")
    return refs


def _parse_axolotl(doc: _Doc) -> tuple[dict, dict]:
    out = _common(doc)
    adapter = doc.find(("adapter",), [()])
    if adapter is not None:
        a = str(adapter[1]).strip().lower()
        four_bit = doc.data.get("load_in_4bit") is True
        kind = "qlora" if a == "qlora" or (a == "lora" and four_bit) else \
            "lora" if a == "lora" else "adapter"
        out["method"] = doc.setting(adapter[0], kind)
    batch = doc.get_number(("batch_size",), scopes=[()])
    if "batch_size" not in out and batch is not None:
        out["batch_size"] = batch
    if isinstance(doc.data.get("datasets"), list):
        out["datasets"] = doc.setting(("datasets",), len(doc.data["datasets"]))
        refs = _axolotl_refs(doc.data["datasets"])
        if refs:
            out["train_files"] = doc.setting(("datasets",), refs)
    refs = _axolotl_refs(doc.data.get("test_datasets"))
    if refs:
        out["eval_files"] = doc.setting(("test_datasets",), refs)
    who = "axolotl"
    return out, {
        "method": doc.default("adapter", "full", who),  # no adapter: every weight is trained
        "epochs": doc.default("num_epochs", 1.0, who),
        "max_seq_len": doc.default("sequence_len", 512.0, who),
        "eval_split": doc.default("val_set_size", 0.0, who),
    }


def _dataset_info(doc: _Doc) -> tuple[Path, dict] | None:
    """LLaMA-Factory's ``dataset_info.json`` (names to files), next to the config or here."""
    dataset_dir = doc.data.get("dataset_dir", "data")
    if not isinstance(dataset_dir, str):
        return None
    for base in (Path(doc.path).parent, Path.cwd()):
        info = base / dataset_dir / "dataset_info.json"
        try:
            data = orjson.loads(info.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if isinstance(data, dict):
            return info.parent, data
    return None


def _llama_factory_refs(doc: _Doc, key: str) -> Setting | None:
    value = doc.data.get(key)
    if isinstance(value, str):
        names = [n.strip() for n in value.split(",") if n.strip()]
    elif isinstance(value, list):
        names = [n.strip() for n in value if isinstance(n, str) and n.strip()]
    else:
        return None
    info = _dataset_info(doc)
    refs = []
    for n in names:
        entry = info[1].get(n) if info else None
        if isinstance(entry, dict) and isinstance(entry.get("file_name"), str):
            refs.append(str(info[0] / entry["file_name"]))
        else:
            refs.append(n)
    return doc.setting((key,), refs) if refs else None


def _parse_llama_factory(doc: _Doc) -> tuple[dict, dict]:
    out = _common(doc)
    ft = doc.find(("finetuning_type",), [()])
    quant = doc.data.get("quantization_bit")
    if ft is not None:
        kind = str(ft[1]).strip().lower()
        kind = {"oft": "adapter"}.get(kind, kind)
        if kind == "lora" and quant in (4, "4"):
            kind = "qlora"
        out["method"] = doc.setting(ft[0], kind)
    train = _llama_factory_refs(doc, "dataset")
    if train is not None:
        out["train_files"] = train
        out["datasets"] = doc.setting(("dataset",), len(train.value))
    ev = _llama_factory_refs(doc, "eval_dataset")
    if ev is not None:
        out["eval_files"] = ev
    who = "LLaMA-Factory"
    hf = "transformers TrainingArguments"
    return out, {
        "method": doc.default("finetuning_type",
                              "qlora" if quant in (4, "4") else "lora", who),
        "epochs": doc.default("num_train_epochs", 3.0, hf),
        "learning_rate": doc.default("learning_rate", 5e-5, hf),
        "eval_strategy": doc.default("eval_strategy", "no", hf),
        "eval_split": doc.default("val_size", 0.0, who),
        "batch_size": doc.default("per_device_train_batch_size", 8.0, hf),
    }


def _parse_openai(doc: _Doc) -> tuple[dict, dict]:
    scope: tuple = ("hyperparameters",)
    method = doc.data.get("method")
    if isinstance(method, dict) and isinstance(method.get("type"), str):
        t = method["type"]
        if isinstance(method.get(t), dict) and isinstance(method[t].get("hyperparameters"),
                                                          dict):
            scope = ("method", t, "hyperparameters")
    out: dict[str, Setting | None] = {
        "epochs": doc.get_number(("n_epochs",), True, [scope]),
        "lr_multiplier": doc.get_number(("learning_rate_multiplier",), True, [scope]),
        "batch_size": doc.get_number(("batch_size",), True, [scope]),
        "train_files": doc.get_files(("training_file",)),
        "eval_files": doc.get_files(("validation_file",)),
        "method": doc.setting(("model",), "hosted") if "model" in doc.data else None,
    }
    who = "OpenAI fine-tuning"
    key = ".".join(scope)
    return {k: v for k, v in out.items() if v is not None}, {
        "epochs": doc.default(f"{key}.n_epochs", "auto", who),
        "lr_multiplier": doc.default(f"{key}.learning_rate_multiplier", "auto", who),
        "eval_split": doc.default("validation_file", 0.0, who),  # no file: nothing held out
        "method": doc.default("model", "hosted", who),
    }


PARSERS: dict[str, Callable[[_Doc], tuple[dict, dict]]] = {
    "hf": _parse_hf,
    "peft": _parse_peft,
    "axolotl": _parse_axolotl,
    "llama-factory": _parse_llama_factory,
    "openai": _parse_openai,
}


def load_training_config(paths: list[str] | str) -> TrainingSetup:
    """Read and merge training configs; a file that cannot be used is a :class:`UsageError`."""
    if isinstance(paths, str):
        paths = [paths]
    setup = TrainingSetup()
    defaults: list[tuple[str, Setting]] = []
    for path in paths:
        data, lines = _read(path)
        fmt = detect_format(data)
        if fmt is None:
            raise UsageError(f"{path}: not a training config datalint knows (no key such as "
                             "num_train_epochs, learning_rate, num_epochs, finetuning_type, "
                             "peft_type or hyperparameters)")
        explicit, dflt = PARSERS[fmt](_Doc(path, data, lines))
        setup.files.append(path)
        setup.formats.append(fmt)
        for name, s in explicit.items():
            if getattr(setup, name) is None:
                setattr(setup, name, s)
        defaults.extend(dflt.items())
    for name, s in defaults:
        if getattr(setup, name) is None:
            setattr(setup, name, s)
    return setup

