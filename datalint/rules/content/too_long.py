from dataclasses import dataclass
from operator import attrgetter

from ...errors import UsageError
from ...resources.tokens import (TURN_OVERHEAD, char_bound, estimate_tokens, load_tokenizer,
                                record_tokens)
from ...rule import RecordRule

_rejected_of = attrgetter("rejected")


class TooLong(RecordRule):
    """A record longer than the token limit of the model or the training run.

    ## What it does
    Counts the tokens of each record (every turn, plus a few tokens per turn for the chat
    template) and reports the records over ``max-tokens``.  For a preference pair the longer
    of prompt + chosen and prompt + rejected is counted.

    Without a tokenizer the count is an estimate: ASCII characters / 4, plus one token per
    non-ASCII character, plus 4 tokens per turn.  With ``tokenizer`` set, the text of each turn
    is encoded with that tokenizer (without special tokens), plus the same 4 tokens per turn.
    Records that cannot reach the limit (fewer UTF-8 bytes than the limit) are never
    tokenized, so the exact count costs little.  The message says whether the count is
    estimated and which turn is the longest.

    ## Why it hurts fine-tuning
    Trainers truncate (or drop) sequences over the maximum length: a truncated example loses
    the end of its answer — the model learns answers that stop mid-way and never sees the
    end-of-sequence token — and overlong records waste memory and batch padding.

    ## Example
    An assistant turn that repeats one sentence for 8,000 tokens, in a run with a 4,096-token
    context.

    ## How to fix
    Drop or split the record, shorten the answer, or raise the limit to the context length you
    train with.  Set ``tokenizer`` to your model's tokenizer for an exact count.

    ## Options
    ``max-tokens`` (int, default 8192): the token limit per record (also ``--max-tokens`` and
    the top-level ``max-tokens`` config key).  ``tokenizer`` (path, default none): a local
    ``tokenizer.json`` or a model folder containing one, loaded with the ``tokenizers``
    package (also ``--tokenizer`` and the top-level ``tokenizer`` config key); nothing is ever
    downloaded.
    """

    code = "C008"
    name = "too-long"
    summary = "a record over the token limit"
    severity = "warning"

    @dataclass
    class Options:
        max_tokens: int = 8192
        tokenizer: str | None = None

    def setup(self) -> None:
        if self.options.max_tokens < 1:
            raise UsageError(f"too-long: max-tokens must be at least 1, got "
                             f"{self.options.max_tokens}")
        self.tok = load_tokenizer(self.options.tokenizer) if self.options.tokenizer else None

    def _count(self, text: str) -> int:
        if self.tok is None:
            return estimate_tokens(text)
        return len(self.tok.encode(text, add_special_tokens=False).ids)

    def candidates(self, batch):
        # not a gate declaration: the bound is a length that depends on the options and on
        # the batch's turn counts.  The same bound as check's first test, for the whole
        # batch: no record's text is longer than the limit less the overhead of the most
        # turns any record has
        records = batch.records
        most_turns = max(map(len, batch.roles))  # the role sequences: one per record
        if any(map(_rejected_of, records)):
            most_turns += max(len(r.rejected) for r in records if r.rejected)
        least = self.options.max_tokens - TURN_OVERHEAD * most_turns
        texts = batch.texts
        if max(map(len, texts)) <= least:
            return ()
        return [r for r, t in zip(records, texts) if len(t) > least]

    def check(self, record):
        limit = self.options.max_tokens
        # fast path: an upper bound on the count (every token covers at least one byte, and
        # one character is at most 4 bytes); first a looser one from the record's joined
        # text, which the other rules share (its newlines add one character per turn)
        n_turns = len(record.turns) + (len(record.rejected) if record.rejected else 0)
        if len(record.all_text) + TURN_OVERHEAD * n_turns <= limit:
            return ()
        if char_bound(record) <= limit:
            return ()
        if self.tok is not None:
            n_bytes = sum(len(t.text.encode("utf-8", "surrogatepass"))
                          for t in record.all_turns() if t.text is not None)
            if n_bytes + TURN_OVERHEAD * n_turns <= limit:
                return ()
        total, turns, counts = record_tokens(record, self._count)
        if total <= limit:
            return ()
        i = max(range(len(counts)), key=counts.__getitem__)
        how = "estimated " if self.tok is None else ""
        return (self.finding(
            record,
            f"record has {total:,} {how}tokens, over the limit of {limit:,} (longest turn: "
            f"{turns[i].field}, {counts[i]:,} tokens)",
            field=turns[i].field,
            data={"tokens": total, "limit": limit, "estimated": self.tok is None}),)
