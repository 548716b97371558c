import re
from dataclasses import dataclass

from ..packs import PackRuleMixin
from ...errors import UsageError
from ...io.record import ASSISTANT, Location
from ...rule import RecordRule

_SP = "sentencepiece-bos-eos"
_SCAFFOLD = "self-instruct-scaffold"
_EOS_WORD = "trailing-eos"  # reported only when systemic

#: End-of-turn and end-of-sequence tokens of the common templates: a run of them (and
#: whitespace) at the very end of a text is what an export that appends the token leaves.
_END_TOKENS = ("<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>",
               "<|end|>", "<|return|>", "</s>", "<end_of_turn>", "<｜end▁of▁sentence｜>",
               "<eos>")
_END_CHARS = "".join(sorted({t[-1] for t in _END_TOKENS}))

#: A record about instruction data itself (its prompt names instructions and their inputs or
#: outputs): a numbered Instruction/Input/Output block can be the answer asked for.
_ABOUT_INSTRUCTIONS = re.compile(r"\binstructions?\b", re.I)
_ABOUT_IO = re.compile(r"\b(?:inputs?|outputs?)\b", re.I)

#: How many records of a systemic finding it names as related places.
_RELATED = 20
#: The fewest records a systemic trailing token is reported for (below: one by one).
_MIN_SYSTEMIC = 3


def _quote(s: str, n: int = 40) -> str:
    s = s.replace("\n", "\\n")
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'


def _trailing_start(text: str) -> int | None:
    """Where the run of end tokens (with whitespace between) that ends ``text`` starts, or
    None when the text does not end with one."""
    end = len(text.rstrip())
    if not end or text[end - 1] not in _END_CHARS:
        return None
    start = None
    while end:
        for tok in _END_TOKENS:
            if text.endswith(tok, 0, end):
                start = end - len(tok)
                end = len(text[:start].rstrip())
                break
        else:
            break
    return start


def _strike_tags(text: str) -> bool:
    """True when every ``<s>``/``</s>`` in the text pairs up as HTML strike-through tags."""
    opens, closes = text.count("<s>"), text.count("</s>")
    if opens != closes:
        return False
    pos = 0
    for _ in range(opens):
        a = text.find("<s>", pos)
        b = text.find("</s>", a)
        if b < 0 or "\n" in text[a:b]:
            return False
        if text[b + 4:b + 12].lstrip().startswith(("<s>", "[INST]", "<<SYS>>")):
            return False  # "</s><s>": a sequence boundary, not a closing tag
        pos = b + 4
    return True


class LeakedSpecialToken(PackRuleMixin, RecordRule):
    """A chat-template or tokenizer control token inside a turn's text.

    ## What it does
    Scans the text of every turn (system, user, assistant, tool, rejected answers and plain
    ``text`` records) for the control tokens of the common chat templates, from the pattern
    pack ``packs/special_tokens.toml``: ChatML ``<|im_start|>``/``<|im_end|>``,
    ``<|endoftext|>``, the Llama 3 header tokens (``<|start_header_id|>``, ``<|eot_id|>``…),
    Zephyr/Phi-3 role tokens (``<|user|>``, ``<|end|>``), any other ``<|word|>`` token,
    DeepSeek's ``<｜…｜>``, Llama 2 ``[INST]``/``[/INST]``/``<<SYS>>``, Mistral's
    ``[TOOL_CALLS]``, Gemma's ``<start_of_turn>``/``<end_of_turn>``, and the Alpaca/Vicuna
    prompt headers ``### Instruction:``, ``### Input:``, ``### Response:``, ``### Human:``,
    ``### Assistant:`` at the start of a line.  One finding per field names the first token
    found and how many more there are.

    It also reports, in answers, the self-instruct generation template going on after the
    answer: ``11. Instruction: …`` followed within 40 lines by the same number's ``Input:`` or
    ``Output:`` line (the raw Alpaca data has four such answers, each a whole extra task
    after the real answer).  Left alone: the block at the very start of an answer (the
    answer may be the example task asked for), a prompt about instruction data (it names
    instructions and their inputs or outputs), and numbered steps whose numbers differ
    (``1. Instruction: … 2. Output: …``).

    **A suffix every record carries** is one finding for the file, not one per record.  When
    the text of a turn ends with end tokens only (``<|endoftext|>``, ``</s>``,
    ``<|im_end|>``, ``<|eot_id|>``, ``<|end|>``, ``<end_of_turn>``, ``<eos>``…, with nothing
    else leaked in it), the rule waits for the end of the file: if the same ending is on at
    least ``systemic-share`` of the file's records (10%) and on three or more, it reports
    once, for the whole file, with the count and the first 20 places (an export appended the
    token: strip it, the trainer adds the end-of-sequence token itself); otherwise each such
    text is reported on its own as before.  A token inside a text is always reported per
    record.  ``clean`` removes no record for a finding on the whole file, so it does not
    delete a dataset whose every completion ends with ``<|endoftext|>``.  ``<eos>`` counts
    only in that file-wide case: ending one answer, it is an ordinary word.

    The share: on 12 public fine-tuning files no answer ends with a leaked token (0%), and
    a leak inside a text is rare (one conversation of the 31 of the demo set); an export
    that appends the token does so to each of its records (100%, or the share of the one
    source that was merged in).  10% is far above the rate of isolated leaks and below any
    merged source worth naming.

    Look-alikes it leaves alone: ``<s>``/``</s>`` are also the HTML strike-through tag, so they
    are only reported when they do not pair up as tags on one line (a lone ``</s>`` at the end
    of an answer, a ``<s>`` with no closing tag) or when they mark a sequence boundary
    (``</s><s>``, ``<s>[INST]``); a text whose tags all pair up, such as
    ``<s>old price</s> new price``, is left alone.  A Markdown heading like
    ``### Response times`` has no colon after the keyword and is not a template header.
    ``<bos>``, ``<pad>``, ``[CLS]`` and ``[SEP]`` are not reported, nor ``<eos>`` but at the end
    of many records (above): they are ordinary words in text about tokenizers, and rarely
    leak from chat templates.

    Measured: on 12 public fine-tuning files, 4 of 4 findings were real defects (judged by
    reading each record): the self-instruct scaffolds of the raw Alpaca data.

    ## Why it hurts fine-tuning
    The tokenizer may turn the literal text into the real control token: the model then
    learns to end its turn, or to open a new one, in the middle of an answer.  When it does
    not, the model learns to print template syntax.  Either way it is the trace of a broken
    export (a conversation rendered with its template and then stored as plain text) and the
    record's turn boundaries are wrong.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Hi"},
                  {"role": "assistant", "content": "Hello! How can I help?<|im_end|>"}]}
    ```

    ## How to fix
    Strip the tokens and re-split the text into turns at the markers, or re-export the data
    from its source as messages.  Let the trainer's chat template add the control tokens;
    a suffix on every record is stripped in one pass (``text.removesuffix("<|endoftext|>")``).
    Cut a scaffold answer before its ``N. Instruction:`` line.  Add patterns for other
    templates with a pack file (``packs = [...]``).

    ## Options
    ``systemic-share`` (float, default 0.1): the share of a file's records whose text ends
    with the same end token(s) for them to be one finding for the file (at least 3 records).
    """

    code = "C001"
    name = "leaked-special-token"
    summary = "a chat-template or tokenizer control token inside a turn's text"
    severity = "error"

    @dataclass
    class Options:
        systemic_share: float = 0.1

    def setup(self) -> None:
        super().setup()
        share = self.options.systemic_share
        if not 0 < share <= 1:
            raise UsageError(f"leaked-special-token: systemic-share must be above 0 and at "
                             f"most 1, got {share!r}")
        #: records seen per file (the share's denominator)
        self.records: dict[str | None, int] = {}
        #: (file, the end-token run) -> [records, last record index, their findings]
        self.held: dict[tuple, list] = {}

    def candidates(self, batch):
        # not a gate declaration: the pack gate, plus a count of every record of the batch
        # (the share of records that end with a token needs them all, with a token or not)
        records = batch.records
        if records:
            path = records[0].path
            if records[-1].path == path:
                self.records[path] = self.records.get(path, 0) + len(records)
            else:
                for r in records:
                    self.records[r.path] = self.records.get(r.path, 0) + 1
        needles = self.ps.needles
        if needles is None:
            return records
        return batch.having(*needles) if needles else ()

    def check_span(self, record, turn, field, text):
        found = []
        strike = None
        for p, m in self.ps.scan(text, turn.role, field):
            if p.id == _SP:
                if strike is None:
                    strike = _strike_tags(text)
                if strike:
                    continue
            elif p.id == _SCAFFOLD and not _scaffold_leak(record, text, m.start()):
                continue
            found.append((p, m))
        if not found:
            return None
        f = self._finding(record, field, text, found)
        tail = _trailing_start(text)
        if tail is not None and all(m.start() >= tail for _, m in found):
            # only end tokens, at the very end: held until the file is read, to tell an
            # export that appends the token to every record from an isolated leak
            key = (record.path, " ".join(text[tail:].split()))
            entry = self.held.get(key)
            if entry is None:
                entry = self.held[key] = [0, None, []]
            if entry[1] != record.index:
                entry[0] += 1
                entry[1] = record.index
            entry[2].append(f)
            return None
        return (f,)

    def _finding(self, record, field, text, found):
        p, m = found[0]
        tok = m.group()
        if p.id == _SCAFFOLD:
            line_end = text.find("\n", m.start())
            line = text[m.start():line_end if line_end >= 0 else len(text)].strip()
            msg = (f"the answer goes on with a {p.description} {_quote(line)} (a numbered "
                   "Instruction/Input/Output block written after the answer): cut the text "
                   "before it")
        else:
            msg = f"special token {_quote(tok.strip())} ({p.description})"
        distinct = {x.group() for _, x in found}
        if len(found) > 1:
            more = len(found) - 1
            msg += f" and {more} more" + (
                f" ({', '.join(_quote(x.strip()) for x in sorted(distinct - {tok})[:3])})"
                if len(distinct) > 1 else "")
        if p.id != _SCAFFOLD:
            msg += " in the text"
            evidence = f"contain the special token {_quote(tok.strip())} ({p.description})"
        else:
            evidence = f"go on after the answer with a {p.description}"
        return self.finding(record, msg, field=field, severity=p.severity,
                            data={"token": tok, "pattern": p.id, "count": len(found)},
                            evidence=evidence)

    def finish(self):
        share = self.options.systemic_share
        out = []
        for (path, suffix), (n, _, findings) in self.held.items():
            total = self.records.get(path, 0) or n
            if n >= _MIN_SYSTEMIC and n >= share * total:
                out.append(self._systemic(path, suffix, n, total, findings))
            else:
                out.extend(f for f in findings if f.data["pattern"] != _EOS_WORD)
        self.held.clear()
        return out

    def _systemic(self, path, suffix, n, total, findings):
        fields: dict[str, int] = {}
        for f in findings:
            leaf = (f.location.field or "text").rsplit(".", 1)[-1]
            fields[leaf] = fields.get(leaf, 0) + 1
        where = ", ".join(f"{k} ({v:,})" for k, v in sorted(fields.items(), key=lambda kv: -kv[1]))
        pattern = findings[0].data["pattern"]
        desc = next(p.description for p in self.ps.patterns if p.id == pattern)
        pct = "100%" if n >= total else f"{n / total:.1%}"
        msg = (f"{n:,} of {total:,} records ({pct}) end with the literal {_quote(suffix)} "
               f"({desc}) in {where}: a suffix appended on export, reported once for the "
               "file. Strip it from the data: the trainer's chat template or tokenizer adds the "
               "end-of-sequence token itself; left in the text it is a second one, or "
               "characters the model learns to print")
        return self.finding(None, msg, location=Location(path=path),
                            related=[f.location for f in findings[:_RELATED]],
                            data={"token": suffix, "count": n, "records": total,
                                  "systemic": True, "fields": fields})


def _scaffold_leak(record, text: str, at: int) -> bool:
    """A numbered Instruction block at ``at`` is a leaked generation scaffold: answer text
    comes before it, and the prompt is not about instruction data (where such a block can
    be the answer asked for)."""
    if not text[:at].strip():
        return False
    for t in record.turns:
        if t.role != ASSISTANT and t.text and _ABOUT_INSTRUCTIONS.search(t.text) \
                and _ABOUT_IO.search(t.text):
            return False
    return True
