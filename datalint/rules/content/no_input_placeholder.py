from ..packs import rule_patterns
from ...io.record import USER
from ...rule import RecordRule

#: Inputs longer than this are real content, never a "no input" placeholder.
_MAX_LEN = 60


def _quote(s: str, n: int = 40) -> str:
    s = s.replace("\n", "\\n")
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'




class NoInputPlaceholder(RecordRule):
    """An Alpaca ``input`` that spells out "no input" instead of being empty.

    ## What it does
    Looks at the ``input`` field of Alpaca records only, and reports it when its whole value
    is one of the many spellings of "there is no input", from the pattern pack
    ``packs/no_input.toml``: ``<noinput>``, ``No input``, ``Noinput``, ``<No Input>``,
    ``< noinput >``, ``{\\noinput}``, ``\\<noinput\\>``, ``[noinput]``, ``(No input)``,
    ``No input needed.``, ``No input required``, ``There is no input.``, ``N/A``, ``None``,
    ``Not applicable``, ``<empty>``…  The value must be nothing but the placeholder: an input
    that mentions "no input" inside real content, or a real one-word input such as
    ``Nothing`` or ``Empty`` (a word to classify or translate), is left alone.  ``None`` and
    ``N/A`` are matched case-sensitively as written.

    ## Why it hurts fine-tuning
    The prompt template renders the placeholder as if it were the task's input, so the model
    learns that ``<noinput>`` is a thing users send, and the same instruction is trained with
    two different prompts (empty and placeholder).  In the original Alpaca data 58 records
    carry 17 spellings of it.

    ## Example
    ```
    {"instruction": "Name two types of genetic mutations", "input": "<noinput>",
     "output": "Point mutations and chromosomal mutations."}
    ```

    ## How to fix
    Replace the placeholder with an empty string (``"input": ""``); the template then leaves
    the input section out.

    ## Options
    None.
    """

    code = "C003"
    name = "no-input-placeholder"
    summary = "an Alpaca input that spells out \"no input\" instead of being empty"
    severity = "warning"

    layouts = ("alpaca",)
    pack_gate = True

    def setup(self) -> None:
        self.ps, _ = rule_patterns(self)

    def check(self, record):
        if record.layout != "alpaca" or self.ps.regex is None:
            return ()
        for t in record.turns:
            spans = t.spans
            if spans is None or len(spans) < 2 or t.role != USER:
                continue
            for span in spans:
                if span.field != "input":
                    continue
                text = span.text
                if len(text) > _MAX_LEN:
                    continue
                value = text.strip()
                for p, _m in self.ps.scan(value, USER, span.field):
                    return (self.finding(
                        record, f"input is a \"no input\" placeholder {_quote(value)} "
                                "instead of an empty string",
                        field=span.field, severity=p.severity,
                        data={"value": value, "pattern": p.id}),)
        return ()
