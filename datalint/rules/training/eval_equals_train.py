import os
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputFileError
from ...resources.texts import normalize, prompt_text

from ._common import TrainingRule

#: Related locations kept on one finding.
MAX_RELATED = 100


def _local(ref: str, base: Path) -> Path | None:
    """``ref`` as an existing local path: relative to the config's folder, then to here."""
    for p in (base / ref, Path(ref)):
        if p.exists():
            return p.resolve()
    return None


def _shown(path: Path) -> str:
    """A path as a user would type it: relative to the current folder when below it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


class EvalEqualsTrain(TrainingRule):
    """The eval data named by the training config is (partly) the training data.

    ## What it does
    Takes the eval files of the training config (``validation_file``, axolotl
    ``test_datasets``, LLaMA-Factory ``eval_dataset`` resolved through ``dataset_info.json``)
    and reports, at the line that names them:

    * an eval file that *is* a training file — the same name as the config's training file
      (an OpenAI file id, a hub dataset and split), the same local file, or the very file
      being linted as training data — as an error;
    * eval records that also occur in the training data: identical turns (a hash of the
      record's turns), or the same prompt after case, whitespace and punctuation folding
      (prompts of at least ``min-prompt-words`` words, so that "hi" in both is not counted).
      Every overlapping eval record is a related location.  The finding is an error when every
      eval record overlaps and a warning otherwise.

    The eval file is read with datalint's own readers (any format ``check`` reads).  Eval
    paths are resolved against the training config's folder, then the current folder; when a
    linted file is itself the eval file, the other linted files are the training data.
    Skipped when the config names no eval file, or none can be found locally (an uploaded
    OpenAI file id).

    ## Why it hurts fine-tuning
    Validation loss on examples the model trained on keeps falling while the model memorises:
    the one signal meant to catch overfitting says all is well, early stopping never fires and
    the worst checkpoint looks like the best.  A held-out split only helps if it is held out.

    ## Example
    An OpenAI job with ``"validation_file": "train.jsonl"``, the training file; an axolotl
    ``test_datasets`` file that shares 40 conversations with the training file.

    ## How to fix
    Split once, before training, after removing duplicates (a duplicate pair split across the
    two files is an overlap), and drop the overlapping records from the eval file; never point
    the eval setting at the training file.  This rule compares exact copies and prompts only:
    pass the eval file to ``--eval`` as well for ``train-eval-overlap``'s per-record check of
    near copies and paraphrases.

    ## Options
    ``min-prompt-words`` (int, default 3): prompts shorter than this many words are not
    compared (identical records still are).
    """

    code = "T005"
    name = "eval-equals-train"
    summary = "the config's eval data is the training data, or overlaps it"
    severity = "error"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        min_prompt_words: int = 3

    def check_setup(self, dataset, setup):
        ev = setup.known("eval_files")
        if ev is None:
            yield self.skipped("the training config names no eval file")
            return
        train = setup.known("train_files")
        base = Path(ev.path).parent
        train_local = {_local(t, Path(train.path).parent) for t in train.value} - {None} \
            if train is not None else set()
        linted = {}
        for src in dataset.sources:
            p = Path(src)
            if p.is_file():
                linted[p.resolve()] = src
        checked, missing = False, []
        for ref in ev.value:
            local = _local(ref, base)
            if (train is not None and ref in train.value) or (local and local in train_local):
                checked = True
                yield self.at(ev, f"{ev.key} names {ref!r}, which is also the training data "
                                  f"({train.key}): validation loss on the training examples "
                                  "cannot show overfitting")
                continue
            if local is None:
                missing.append(ref)
                continue
            if local in linted and len(linted) == 1:
                checked = True
                yield self.at(ev, f"{ev.key} names {ref!r}, the file being linted as training "
                                  "data: validation loss on the training examples cannot show "
                                  "overfitting")
                continue
            try:
                if local in linted:  # linted beside the training files: split them apart
                    shown = linted[local]
                    eval_records = [r for r in dataset.records if r.path == shown]
                    train_idx = [i for i, r in enumerate(dataset.records) if r.path != shown]
                else:
                    shown = _shown(local)
                    eval_records = self._read(dataset, shown)
                    train_idx = range(len(dataset.records))
            except InputFileError as e:
                yield self.skipped(f"cannot read eval file {ref!r}: {e.message}")
                continue
            checked = True
            yield from self._overlap(dataset, ev, shown, eval_records, train_idx)
        if not checked and missing:
            yield self.skipped(f"eval file {missing[0]!r} is not a local file (resolved against "
                               f"{str(base)!r} and the current folder)")

    def _read(self, dataset, path: str) -> list:
        """The eval file's records, mapped to turns like the training data (no rules run)."""
        return dataset.context.read_records(path)

    def _overlap(self, dataset, ev, shown: str, eval_records: list, train_idx):
        hashes = dataset.resources.content_hashes()
        prompts = dataset.resources.normalized("prompt")
        min_words = self.options.min_prompt_words
        train_hashes = {hashes[i] for i in train_idx}
        train_prompts = {prompts[i] for i in train_idx
                         if len(prompts[i].split()) >= min_words}
        identical, same_prompt, related = 0, 0, []
        for r in eval_records:
            if not r.turns:
                continue
            if r.content_hash() in train_hashes:
                identical += 1
            else:
                p = normalize(prompt_text(r))
                if len(p.split()) < min_words or p not in train_prompts:
                    continue
                same_prompt += 1
            if len(related) < MAX_RELATED:
                related.append(r.location())
        n_eval = sum(1 for r in eval_records if r.turns)
        overlap = identical + same_prompt
        if not overlap:
            return
        share = overlap / n_eval
        yield self.at(ev, f"{overlap:,} of {n_eval:,} records of eval file {shown!r} "
                          f"({share:.0%}) are also training data ({identical:,} identical, "
                          f"{same_prompt:,} with the same prompt): validation loss on them "
                          "measures memorisation; drop them from the eval file",
                      severity=None if overlap == n_eval else "warning", related=related,
                      data={"eval_records": n_eval, "identical": identical,
                            "same_prompt": same_prompt})
