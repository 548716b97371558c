import re

from ..packs import rule_patterns
from ...io.record import ASSISTANT
from ...rule import RecordRule

#: Answers longer than this are never a placeholder answer.
_MAX_LEN = 40

#: The question asks about a program's output: "No output" can then be the right answer.
_ASKS_OUTPUT = re.compile(r"\b(?:what|which|predict|guess|determine|show)\b[^?\n]{0,80}?\b(?:output|"
                          r"print|prints|printed|returns?|display|displays|result|log|logs)\b"
                          r"|\b(?:output|result) of\b", re.I)


def _a(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _quote(s: str, n: int = 40) -> str:
    s = s.replace("\n", "\\n")
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'


class EmptyResponse(RecordRule):
    """An answer that is empty, only whitespace, or a placeholder such as ``<nooutput>``.

    ## What it does
    Checks every assistant turn (the answer of Alpaca and prompt/completion records, each
    assistant message of a chat, the chosen and rejected answers of preference pairs) and the
    text of plain ``text`` records.  It reports a text that is empty or only whitespace, and a
    short text that is nothing but a placeholder answer from the pattern pack
    ``packs/empty_answers.toml``: ``<nooutput>``, ``<No Output>``, ``[no output]``, ``N/A``,
    ``...``, ``…``, ``TBD``, ``TODO``, ``<empty>``…, and the "no input" marker of
    self-instruct generation written where the answer should be (``<noinput>``,
    ``<No Input>``, ``[noinput]``, ``{\\noinput}``, ``noinput``).

    Left alone: an assistant message that carries ``tool_calls`` or a ``function_call``
    (its content is legitimately empty), a turn with ``weight: 0`` (not trained on), a
    missing or ``null`` answer (``missing-field`` reports it), and legitimate short answers
    (``None``, ``0``, ``No``, ``-1``, ``null``).  A plain ``No output`` is reported only when
    the question does not ask about a program's output, printing or result, where it can be
    the right answer; the words ``No input`` (an answer about a program's input) and an
    answer that starts with the ``<noinput>`` marker and goes on (``no-input-placeholder``
    reports that) are not reported either.

    Measured: on 12 public fine-tuning files, 9 of 9 findings were real defects (judged by
    reading each record): 4 empty answers, 3 "no output" and 2 ``<noinput>`` placeholders.

    An empty **rejected** answer of a preference pair is reported as a warning rather than an
    error: it does not teach the model to answer with nothing, but the pair is useless
    (anything beats an empty answer) and usually the trace of a failed generation.

    ## Why it hurts fine-tuning
    The model is trained to answer a real question with nothing, or with a marker like
    ``<nooutput>`` that the data generator wrote when it gave up.  A few of these are enough
    for a model to sometimes stop right after the prompt.

    ## Example
    ```
    {"instruction": "Compose a piano piece from the following notes.",
     "input": "A#-D-C#-E-F-A#-D-F-G-A", "output": "<nooutput>"}
    ```

    ## How to fix
    Write the missing answers or drop the records.  Tasks the model cannot do in text
    (draw, compose audio) are better dropped than answered with a placeholder.

    ## Options
    None.
    """

    code = "C004"
    name = "empty-response"
    summary = "an answer that is empty, whitespace, or a placeholder like <nooutput>"
    severity = "error"

    def setup(self) -> None:
        self.ps, _ = rule_patterns(self)

    def check(self, record):
        out = None
        turns = record.turns
        if record.rejected:
            turns = turns + record.rejected
        for t in turns:
            text = t.text
            if text is None or len(text) > _MAX_LEN:
                continue
            role = t.role
            if role != ASSISTANT and role != "text":
                continue
            f = self._judge(record, t, text)
            if f is not None:
                if out is None:
                    out = [f]
                else:
                    out.append(f)
        return out or ()

    def _judge(self, record, t, text):
        if t.tool_calls or t.weight == 0:
            return None
        rejected = t.branch == "rejected"
        what = "rejected answer" if rejected else ("text" if t.role == "text" else "answer")
        severity = "warning" if rejected else None
        value = text.strip()
        if not value:
            if t.field.endswith(".content") and record.layout == "chat" and \
                    isinstance(record.raw, dict) and not t.text and _has_call(record.raw, t):
                return None
            msg = f"{what} is empty" if not text else f"{what} is only whitespace"
            return self.finding(record, msg, field=t.field, severity=severity,
                                data={"value": text},
                                evidence=f"have an empty (or whitespace-only) {what}")
        if self.ps.regex is None:
            return None
        for p, _m in self.ps.scan(value, t.role, t.field):
            if p.id == "no-output-words" and _asks_about_output(record):
                continue
            return self.finding(
                record, f"{what} is only the placeholder {_quote(value)} ({p.description})",
                field=t.field, severity=severity or p.severity,
                data={"value": value, "pattern": p.id},
                evidence=f"have {_a(what)} {what} that is only the placeholder "
                         f"{_quote(value)}")
        return None


def _has_call(raw: dict, t) -> bool:
    """An OpenAI message with a legacy ``function_call`` (no ``tool_calls``)."""
    msgs = raw.get("messages")
    base = t.field.rsplit(".", 1)[0]
    if not isinstance(msgs, list) or not base.startswith("messages["):
        return False
    try:
        m = msgs[int(base[9:-1])]
    except (ValueError, IndexError):
        return False
    return isinstance(m, dict) and bool(m.get("function_call"))


def _asks_about_output(record) -> bool:
    for t in record.turns:
        if t.role == "user" and t.text and _ASKS_OUTPUT.search(t.text):
            return True
    return False
