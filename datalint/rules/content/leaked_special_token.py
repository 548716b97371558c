from ..packs import PackRuleMixin
from ...rule import RecordRule

_SP = "sentencepiece-bos-eos"


def _quote(s: str, n: int = 40) -> str:
    s = s.replace("\n", "\\n")
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'


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

    Look-alikes it leaves alone: ``<s>``/``</s>`` are also the HTML strike-through tag, so they
    are only reported when they do not pair up as tags on one line (a lone ``</s>`` at the end
    of an answer, a ``<s>`` with no closing tag) or when they mark a sequence boundary
    (``</s><s>``, ``<s>[INST]``); a text whose tags all pair up, such as
    ``<s>old price</s> new price``, is left alone.  A Markdown heading like
    ``### Response times`` has no colon after the keyword and is not a template header.
    ``<bos>``, ``<eos>``, ``<pad>``, ``[CLS]`` and ``[SEP]`` are not reported: they are
    ordinary words in text about tokenizers, and rarely leak from chat templates.

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
    from its source as messages.  Let the trainer's chat template add the control tokens.
    Add patterns for other templates with a pack file (``packs = [...]``).

    ## Options
    None.
    """

    code = "C001"
    name = "leaked-special-token"
    summary = "a chat-template or tokenizer control token inside a turn's text"
    severity = "error"

    def check_span(self, record, turn, field, text):
        found = []
        strike = None
        for p, m in self.ps.scan(text, turn.role, field):
            if p.id == _SP:
                if strike is None:
                    strike = _strike_tags(text)
                if strike:
                    continue
            found.append((p, m.group()))
        if not found:
            return None
        p, tok = found[0]
        distinct = {tok for _, tok in found}
        msg = f"special token {_quote(tok.strip())} ({p.description})"
        if len(found) > 1:
            more = len(found) - 1
            msg += f" and {more} more" + (
                f" ({', '.join(_quote(x.strip()) for x in sorted(distinct - {tok})[:3])})"
                if len(distinct) > 1 else "")
        msg += " in the text"
        return (self.finding(record, msg, field=field, severity=p.severity,
                             data={"token": tok, "pattern": p.id, "count": len(found)}),)
