from ..packs import rule_patterns
from ...io.record import ASSISTANT
from ...rule import RecordRule

_QUOTES = "\"'“‘«`"


def _quote(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'


class BoilerplateResponse(RecordRule):
    """A canned AI disclaimer or refusal in an answer: "As an AI language model, I…".

    ## What it does
    Scans assistant answers (chat and ShareGPT assistant messages, Alpaca and
    prompt/completion answers, the chosen and rejected answers of preference pairs) for the
    stock phrases of chat-model disclaimers and refusals, from the pattern pack
    ``packs/boilerplate.toml``, whose pattern ids start with their category:

    * ``disclaimer-…``: "As an AI language model", "As a large language model", "I'm just an
      AI", "I don't have personal opinions", "I cannot browse the internet", "I don't have
      real-time data", "As of my last knowledge update";
    * ``refusal-…``: "I'm sorry, but I cannot provide…", "I apologize, but I can't…",
      "I cannot fulfill this request", "I am not capable of creating…".

    One finding per answer names the first phrase and its category.  Left alone: user,
    system and tool turns (a user quoting the phrase, a system prompt saying "You are an AI
    assistant"), a phrase right after a quotation mark (an answer that discusses the phrase
    itself), and ordinary uses of the same words: "I'm sorry to hear that", "I'm sorry, but I
    can't make it on Friday" (a refusal needs a task verb: help, provide, create, access…),
    "I am an AI researcher".

    ## Why it hurts fine-tuning
    These answers come from a chat model used to generate the data.  Fine-tuned on them, the
    model copies the disclaimer style and refuses tasks it could do ("I cannot create a
    visual…"), and a model trained under another name learns to call itself an OpenAI
    model.  Alpaca-style sets carry hundreds of them.

    ## Example
    ```
    {"instruction": "Which team will win the next World Cup?", "input": "",
     "output": "As an AI language model, I cannot predict the future."}
    ```

    ## How to fix
    Drop the records, or regenerate the answers with a prompt that forbids the disclaimer.
    Refusals that are intended (safety data) belong in a separate set where this rule is
    ignored for the file (``[per-file-ignores]``).

    ## Options
    None.
    """

    code = "C010"
    name = "boilerplate-response"
    summary = "a canned AI disclaimer or refusal in an answer (\"As an AI language model…\")"
    severity = "warning"

    pack_gate = True

    def setup(self) -> None:
        self.ps, _ = rule_patterns(self)

    def check(self, record):
        ps = self.ps
        if ps.regex is None:
            return ()
        may_match = ps.may_match
        out = None
        turns = record.turns
        if record.rejected:
            turns = turns + record.rejected
        for t in turns:
            if t.role != ASSISTANT:
                continue
            text = t.text
            if not text:
                continue
            if not may_match(text):
                continue
            for p, m in ps.scan(text, t.role, t.field):
                a = m.start()
                if a and text[a - 1] in _QUOTES:
                    continue  # the answer quotes the phrase
                category = p.id.split("-", 1)[0]
                kind = category if category in ("refusal", "disclaimer") else "boilerplate"
                f = self.finding(record, f"canned {kind} {_quote(m.group())} ({p.description})",
                                 field=t.field, severity=p.severity,
                                 data={"phrase": m.group(), "pattern": p.id,
                                       "category": kind})
                if out is None:
                    out = [f]
                else:
                    out.append(f)
                break
        return out or ()
