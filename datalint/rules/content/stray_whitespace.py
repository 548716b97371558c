from ...io.record import ASSISTANT
from ...rule import RecordRule

_ANSWER_ROLES = (ASSISTANT, "text")


def _show(ws: str) -> str:
    ws = ws if len(ws) <= 8 else ws[:8] + "…"
    return repr(ws)


class StrayWhitespace(RecordRule):
    """Whitespace at the edges of answers, and Windows line endings, that change how the text
    is tokenized.

    ## What it does
    Reports, once per record:

    * an answer (assistant turn or plain ``text``) that starts with whitespace (a space, a
      newline);
    * an answer that ends with whitespace (trailing spaces or newlines);
    * carriage returns (``\\r\\n`` line endings) in any turn.

    Whitespace at the edges of prompts (user, system and tool turns) is not reported: the chat
    template separates it from the answer and real users type it too.  Whitespace inside the
    text (indentation, two spaces before a Markdown line break) is never reported.  In the
    ``prompt``/``completion`` layout one leading space and one trailing newline on the
    completion are the legacy completion-API convention and are left alone.  Answers made only
    of whitespace are left to ``empty-turn``.

    ## Why it hurts fine-tuning
    A leading space or newline becomes part of the first answer token, so the model learns to
    open its answers with a token it never sees at inference; trailing newlines are learned
    as part of the end of every answer, right before the end-of-sequence token.  ``\\r\\n``
    tokenizes differently from ``\\n``, and a mix of both splits the same layout into two.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Capital of France?"},
                  {"role": "assistant", "content": " Paris.\\n\\n"}]}
    ```

    ## How to fix
    Strip the answers (``text.strip()``) and convert line endings
    (``text.replace("\\r\\n", "\\n")``) when building the dataset.

    ## Options
    None.
    """

    code = "C006"
    name = "stray-whitespace"
    summary = "answers with leading/trailing whitespace, or \\r\\n line endings"
    severity = "info"

    def check_batch(self, batch, out) -> None:
        # one search for a carriage return in the whole batch instead of one per turn
        check = self._check
        any_cr = "\r" in batch.text
        for record in batch.records:
            found = check(record, any_cr)
            if found:
                out.extend(found)

    def check(self, record):
        return self._check(record, True)

    def _check(self, record, any_cr: bool):
        problems = None
        turns = record.turns
        if record.rejected:
            turns = turns + record.rejected
        for t in turns:
            s = t.text
            if not s:
                continue
            if t.role in _ANSWER_ROLES and (s[0].isspace() or s[-1].isspace()):
                p = self._edges(record, t, s)
                if p:
                    problems = p if problems is None else problems + p
            if any_cr and "\r" in s:
                problems = [("cr", t.field)] if problems is None else problems + [("cr", t.field)]
        if problems is None:
            return ()
        return (self._report(record, problems),)

    @staticmethod
    def _edges(record, t, s):
        stripped = s.strip()
        if not stripped:
            return None  # whitespace only: empty-turn reports it
        lead = s[: len(s) - len(s.lstrip())]
        trail = s[len(s.rstrip()):]
        if record.layout == "prompt-completion" and t.field == "completion":
            if lead == " ":
                lead = ""
            if trail == "\n":
                trail = ""
        out = []
        if lead:
            out.append(("lead", t.field, lead))
        if trail:
            out.append(("trail", t.field, trail))
        return out

    def _report(self, record, problems):
        parts = []
        cr_fields = [p[1] for p in problems if p[0] == "cr"]
        for p in problems:
            if p[0] == "lead":
                parts.append(f"answer starts with {_show(p[2])} ({p[1]})")
            elif p[0] == "trail":
                parts.append(f"answer ends with {_show(p[2])} ({p[1]})")
        if cr_fields:
            shown = ", ".join(cr_fields[:3]) + (", …" if len(cr_fields) > 3 else "")
            n = len(cr_fields)
            parts.append(f"\\r\\n line endings in {n} turn{'s' if n > 1 else ''} ({shown})")
        if len(parts) > 4:
            parts = parts[:3] + [f"{len(parts) - 3} more"]
        return self.finding(record, "stray whitespace: " + "; ".join(parts),
                            field=problems[0][1],
                            data={"problems": [p[0] for p in problems]})
