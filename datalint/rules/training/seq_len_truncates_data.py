from dataclasses import dataclass

from ...report.judge import Measurement
from ...resources.tokens import char_bound, estimate_tokens, load_tokenizer, record_tokens

from ._common import TrainingRule, unknown

#: Related locations kept on the finding.
MAX_RELATED = 100


class SeqLenTruncatesData(TrainingRule):
    """The configured maximum sequence length cuts some of the examples.

    ## What it does
    Reads the maximum sequence length from the training config (``max_seq_length`` /
    ``max_length`` for TRL, ``sequence_len`` for axolotl, ``cutoff_len`` for LLaMA-Factory,
    ``model_max_length``; the trainer's default when it is left out: 512 for axolotl, 1024 for
    TRL's ``SFTConfig``) and counts the records longer than it, with the same count as
    ``too-long``: every turn plus 4 tokens of chat template, the longer side of a preference
    pair, estimated (ASCII characters / 4, one token per other character) unless a tokenizer is
    set for ``too-long`` (``--tokenizer`` or the top-level ``tokenizer`` key), which is then
    used here too.  When the share of such records is above ``max-share`` it reports them as
    one finding at the config line, with every cut record as a related location (the first
    100) and the length that would keep them all.  The share is also a metric.

    ## Why it hurts fine-tuning
    Trainers truncate sequences at the maximum length (axolotl drops them instead): a truncated
    example loses the end of its answer, so the model learns answers that stop mid-way and
    never sees the end-of-sequence token there — one cause of rambling, unfinished output after
    fine-tuning.  A dropped example is data paid for and not used.

    ## Example
    ``sequence_len: 512`` in an axolotl config for support conversations of 600–2,000 tokens.

    ## How to fix
    Raise the maximum length to cover the data (memory permitting), or split or shorten the
    long records; set ``too-long``'s ``max-tokens`` to the same length to see each one.

    ## Options
    ``max-share`` (float, default 0.0): the largest share of records (0–1) that may exceed the
    length without a finding.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("the share of records longer than the sequence length is above max-share")
    code = "T006"
    name = "seq-len-truncates-data"
    summary = "the training config's max sequence length cuts some examples"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        max_share: float = 0.0
        error_at: float | None = None

    def setup(self) -> None:
        super().setup()
        # too-long's tokenizer (--tokenizer, the top-level tokenizer key), loaded before any
        # data is read so that a bad path is a usage error
        path = None
        if self.training is not None and self.context is not None:
            path = self.context.tokenizer
        self.tok = load_tokenizer(path) if path else None

    def _count(self, text: str) -> int:
        return len(self.tok.encode(text, add_special_tokens=False).ids)

    def check_setup(self, dataset, setup):
        limit_s = setup.known("max_seq_len")
        if limit_s is None:
            yield self.skipped(unknown(setup, "max_seq_len", "a maximum sequence length"))
            return
        limit = int(limit_s.value)
        count = estimate_tokens if self.tok is None else self._count
        over = []
        for r in dataset.records:
            if char_bound(r) > limit:  # a record within the bound cannot reach the limit
                total = record_tokens(r, count)[0]
                if total > limit:
                    over.append((r, total))
        n = dataset.count
        share = len(over) / n
        how = "estimated tokens" if self.tok is None else "tokens"
        m = Measurement(share, self.options.max_share, ">",
                        f"{len(over):,} of {n:,} records over {limit:,} {how}", digits=6)
        if over:
            longest = max(t for _, t in over)
            m.findings.append(self.draft_at(
                limit_s, f"{limit_s.describe()}: {len(over):,} of {n:,} records ({share:.1%}) "
                         f"are longer ({how}; the longest {longest:,}) and will be truncated or "
                         "dropped: the model learns answers cut mid-way; raise it to "
                         f"{longest:,} or shorten those records",
                related=[r.location() for r, _ in over[:MAX_RELATED]],
                data={"over": len(over), "records": n, "limit": limit, "longest": longest,
                      "estimated": self.tok is None}))
        yield m
