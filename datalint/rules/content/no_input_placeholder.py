from ..packs import fewest_needles, pattern_needles, rule_patterns
from ...io.record import ASSISTANT, USER
from ...rule import RecordRule

#: Inputs longer than this are real content, never a "no input" placeholder.
_MAX_LEN = 60
#: How much of an answer's start the answer patterns see (a marker line is short).
_HEAD = 120


def _quote(s: str, n: int = 40) -> str:
    s = s.replace("\n", "\\n")
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'




class NoInputPlaceholder(RecordRule):
    """An Alpaca ``input`` that spells out "no input" instead of being empty.

    ## What it does
    Looks at the ``input`` field of Alpaca records, and reports it when its whole value
    is one of the many spellings of "there is no input", from the pattern pack
    ``packs/no_input.toml``: ``<noinput>``, ``No input``, ``Noinput``, ``<No Input>``,
    ``< noinput >``, ``{\\noinput}``, ``\\<noinput\\>``, ``[noinput]``, ``(No input)``,
    ``No input needed.``, ``No input required``, ``There is no input.``, ``N/A``, ``None``,
    ``Not applicable``, ``<empty>``…  The value must be nothing but the placeholder: an input
    that mentions "no input" inside real content, or a real one-word input such as
    ``Nothing`` or ``Empty`` (a word to classify or translate), is left alone.  ``None`` and
    ``N/A`` are matched case-sensitively as written.

    It also reports an answer (in any layout) whose first line is the bracketed marker,
    ``<noinput>``, ``<No Input>``, ``[noinput]``, ``noinput``…, with the answer after it
    (``"<noinput>\\n\\nThis heatmap shows…"``): the generator wrote the input slot's marker
    into the output.  An answer that is nothing but the marker is ``empty-response``'s; one
    that mentions the marker in a sentence (``"<noinput> is the marker Alpaca uses"``) or
    says "No input is needed" in words is left alone.

    Measured: on 12 public fine-tuning files, 73 of 73 findings were real defects (judged by
    reading each record): 71 input placeholders in 22 spellings, 2 answers headed by the
    marker, in three Alpaca-style sets.

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
    the input section out.  Delete a marker line at the start of an answer.

    ## Options
    None.
    """

    code = "C003"
    name = "no-input-placeholder"
    summary = "an Alpaca input that spells out \"no input\" instead of being empty"
    severity = "warning"

    def setup(self) -> None:
        self.ps, _ = rule_patterns(self)
        # the needles of the patterns that may apply to answers, every pattern but those for
        # the input field or other roles (None: one shows none, so every record may match;
        # (): no such pattern)
        found = [pattern_needles(p) for p in self.ps.patterns
                 if (p.roles is None or ASSISTANT in p.roles)
                 and (p.fields is None or set(p.fields) - {"input"})]
        self.answer_needles = (fewest_needles(n for ns in found for n in ns)
                               if all(found) else None)

    def candidates(self, batch):
        # not a gate declaration: Alpaca records (their input field) *or* records holding a
        # needle of an answer pattern, a union the declarations (each one a must) cannot say
        if self.ps.regex is None:
            return ()
        needles = self.answer_needles
        if needles is None:
            return batch.records
        if not needles:
            return batch.with_layout("alpaca")
        having = {id(r) for r in batch.having(*needles)}
        return [r for r in batch.records if r.layout == "alpaca" or id(r) in having]

    def check(self, record):
        if self.ps.regex is None:
            return ()
        if record.layout != "alpaca":
            return self._answer(record)
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
                        data={"value": value, "pattern": p.id},
                        evidence="spell out \"no input\" in their input instead of leaving "
                                 "it empty"),)
        return self._answer(record)

    def _answer(self, record):
        """A "no input" marker heading an answer (the patterns for the assistant role)."""
        for t in record.all_turns():
            if t.role != ASSISTANT or not t.text or t.weight == 0:
                continue
            for span in t.iter_spans():
                for p, m in self.ps.scan(span.text[:_HEAD], ASSISTANT, span.field):
                    marker = m.group().split("\n", 1)[0].strip()
                    return (self.finding(
                        record, f"the answer starts with {_quote(marker)} ({p.description}); "
                                "delete that line",
                        field=span.field, severity=p.severity,
                        data={"value": marker, "pattern": p.id},
                        evidence="have an answer that starts with a \"no input\" line"),)
        return ()
