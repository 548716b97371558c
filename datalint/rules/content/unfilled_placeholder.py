import re
from dataclasses import dataclass, replace

from ..packs import PackRuleMixin
from ...io.record import ASSISTANT, Location
from ...rule import RecordRule
from ._slot_context import Prompt, prompt_leaves_open

_FENCED = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]+`", re.S)

# A line that reads as code (the placeholder itself is blanked out first): see _is_code_line.
_CODE_START = re.compile(r"""\s*(?:
    (?:def|class|import|from|return|print|printf|console|var|let|const|function|public|
       private|protected|static|void|int|float|double|char|bool|string|String|if|for|
       while|elif|else|switch|case|using|namespace|package|echo|curl|git|pip|npm|docker|
       sudo|export|SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|FROM|WHERE)\b
  | \#include|@\w|\$\s|//|/\*|\#!)""", re.X)
# Every branch starts with a literal character, so a search jumps in C from one of them to
# the next instead of trying every branch at every position of a prose line (15x faster).
_CODE_SIGN = re.compile(r"""
    \((?<=\w\()
  | \)\s*[{:;]
  | == | != | <= | >=
  | \.(?:format|replace|join|render)\b
  | \{% | %\} | \{\#
  | </?[A-Za-z][\w-]*(?:\s[^<>\n]*)?/?>
  | => | -> | :: | \$\{ | \+\+ | && | \|\|
""", re.X)
_ASSIGNMENT = re.compile(r"\w\s*=\s*\S")
_OPEN_END = re.compile(r"[;{}\[(]\s*$")
_OPEN_END_CHARS = (";", "{", "}", "[", "(")


def _is_code_line(line: str) -> bool:
    """Whether a line reads as code: it starts with a statement keyword, ``#include``, a
    decorator, a shell prompt or a comment; it holds a call ``f(``, ``) {``, a comparison,
    an assignment, ``.format``, a template tag, an HTML tag, ``=>``, ``->``, ``::``, ``${``,
    ``++``, ``&&`` or ``||``; or it ends in ``;``, a brace, ``[`` or ``(``."""
    if _CODE_START.match(line) or _CODE_SIGN.search(line):
        return True
    if "=" in line and _ASSIGNMENT.search(line):
        return True
    return line.rstrip()[-1:] in _OPEN_END_CHARS and _OPEN_END.search(line) is not None


_BRACE_IDS = ("double-brace", "single-brace", "brace-instruction")
#: Slots of a template engine or format string: a defect in any text meant to be final,
#: whatever was asked for (the other patterns are slots a person fills in by hand).
_ENGINE_IDS = ("double-brace", "single-brace")

# Inline maths ($x_{n}$, \\(x\\), \\[x\\], $$…$$): braces there are LaTeX, not slots.  Each
# span is bounded (500 characters), so a text full of unclosed "\(" costs a linear scan.
_MATH = re.compile(r"\$\$.{1,500}?\$\$|\\\(.{1,500}?\\\)|\\\[.{1,500}?\\\]|"
                   r"(?<![\\$\w])\$(?=[^\s$])[^$\n]{1,200}(?<=\S)\$(?!\d)", re.S)


def _quote(s: str, n: int = 40) -> str:
    s = s.replace("\n", "\\n")
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'


class _CodeView:
    """Which parts of one text are code: fenced or inline code, and lines that read as code."""

    def __init__(self, text: str, matches: list[tuple[int, int]]):
        self.text = text
        self.fenced = [m.span() for m in _FENCED.finditer(text)] if "`" in text or "~~~" in text \
            else []
        if "$" in text or "\\" in text:
            self.fenced += [m.span() for m in _MATH.finditer(text)]
        self.matches = matches
        self._codey: bool | None = None

    def in_fence(self, a: int, b: int) -> bool:
        return any(s <= a and b <= e for s, e in self.fenced)

    def line_is_code(self, a: int, b: int) -> bool:
        text = self.text
        ls = text.rfind("\n", 0, a) + 1
        le = text.find("\n", b)
        if le < 0:
            le = len(text)
        # blank out every placeholder candidate on the line, then look for code signals
        parts, pos = [], ls
        for s, e in self.matches:
            if s >= ls and e <= le:
                parts.append(text[pos:s])
                parts.append("X")
                pos = e
        parts.append(text[pos:le])
        return _is_code_line("".join(parts))

    def text_is_code(self) -> bool:
        """Mostly code: at least three code lines making up a third of the non-blank lines."""
        if self._codey is None:
            lines = [ln for ln in self.text.split("\n") if ln.strip()]
            n = sum(map(_is_code_line, lines))
            self._codey = n >= 3 and n * 3 >= len(lines)
        return self._codey


class UnfilledPlaceholder(PackRuleMixin, RecordRule):
    """A template slot left unfilled in text meant to be final: ``{{name}}``, ``[Your Name]``.

    ## What it does
    Scans every turn (each Alpaca field too) for template slots from the pattern pack
    ``packs/placeholders.toml``: double-brace slots (``{{name}}``, ``{{ user.name }}``),
    a lone identifier in braces (``{customer_name}``), bracketed slots to fill in
    (``[Your Name]``, ``[Insert company here]``, ``[Company Name]``, ``[Date]``, ``[NAME]``,
    ``[PLACEHOLDER]``) and angle-bracket slots (``<NAME>``, ``<NEWS ARTICLE>``,
    ``<your email>``).  One finding per record names the first slot, how many more there
    are and the other fields that hold them.

    A slot is reported when the text is meant to be final:

    * a template-engine slot (``{{name}}``, ``{name}``) anywhere, unless the prompt is about
      templates, placeholders or template variables (a mail-merge template asked for; not
      "the two variables" of a statistics question);
    * any slot in a prompt, a system prompt or a tool result (``<NEWS ARTICLE>`` as the
      input, "Name the capital of <insert country>"), unless the prompt is about templates
      or blanks to fill in, asks to replace names or details with slots (de-identification),
      or writes the slot as the format to follow ("list them as {Name}-{River}", "in the
      form [River]: [Country]");
    * a bracketed or angle slot in an answer, unless the user asked for a document the user
      fills in and sends (a letter, an e-mail, a message, a form, a template, a cover letter,
      a speech, a pitch, an advertisement, an "about us" page…: the sender's and recipient's
      names, the date and the contact details cannot be known, so the slot is the right
      answer) or for de-identification, or the answer repeats a slot the prompt gave it.  It
      is still reported when the prompt gives the value ("Employee Name: Priya Shah" and then
      "Dear [Employee Name]", "My name is Sam" and then "[Your Name]"), and in an answer to a
      prompt that asked for no such document (a story, a fact, an explanation).

    When the same slot is in many records of a file — at least ``systemic-records`` records,
    and at least ``systemic-share`` of the records from the first of them to the last — the
    file was made from a template whose variables were never substituted: those slots are
    reported once for the file, at the first such record, naming the slots and their counts,
    with every affected record as a related location.  (Measured: LLaMA-Factory's identity
    set has ``{{name}}`` in 77 and ``{{author}}`` in 60 of its 91 records, 66-85% of the span
    they cover; the slots repeated in other public sets were in at most 12 records and at
    most 2% of their span.)

    It stays quiet on code and on what only looks like a slot: anything inside fenced or
    inline code or inline maths (``$x_{n}$``, ``\\(…\\)``); a line that reads as code (a call
    ``f(``, an assignment, ``.format``, a statement keyword, an HTML tag, ``=>``, a line
    ending in ``;`` or ``{``), which covers f-strings, ``str.format``, Jinja and Vue
    templates, JSON, dict and set literals and SQL Server ``[Name]`` identifiers; brace slots
    in a text that is mostly code (code answers without fences), and a slot named in the
    prose around the code that holds it; URL path templates (``/users/{user_id}``); GitHub
    Actions expressions ``${{ github.repository }}``; JS/shell ``${x}``; LaTeX
    ``\\frac{a}{b}``, ``x^{n}``, ``a_{ij}`` (a word character, ``\\``, ``^`` or ``_`` before the
    brace) and short maths names (``{x_n}``, ``{a1}``); Markdown links ``[text](url)`` and
    reference definitions; citations ``[1]``; indexing ``a[i]``; option letters ``[A]``;
    stage directions (``[Enter FATHER, MOTHER]``: "Enter" is a slot only before a slot word
    such as name, date or email); HTML tags such as ``<BR>`` or ``<TITLE>``; generics
    ``List<T>``.  Plain words in brackets are reported only when they name a typical slot
    (Name, Date, Company, Address…) or start with an instruction to the writer (Your, Insert,
    Enter, Fill in).

    On 12 public fine-tuning files, 7 of 7 findings were real defects (all of them judged by
    reading each record; the identity set's 85 records are one of them).  Before the rule
    asked whether the text was meant to be final, 92 of 124 were (28 false, 4 arguable:
    letters and e-mails asked for, signed "[Your Name]"); 85 of the 92 were the identity
    set's records, one warning each.

    Answers that are bad on purpose are not scanned: the rejected side of a preference pair
    and a KTO answer labelled ``false`` (a slot there is a reason the answer lost, not a
    defect of the data).

    ## Why it hurts fine-tuning
    The model learns to print ``{{name}}`` or ``[Your Name]`` instead of an answer: a template
    that was never filled, or a generation prompt whose variables were not substituted.  A
    prompt whose material is a slot (``<NEWS ARTICLE>``) teaches the model to answer about a
    text it never saw.  Records built from one template usually all carry the same slot, so
    the damage is not diluted.

    ## Example
    ```
    {"instruction": "Who are you?", "input": "",
     "output": "I am {{name}}, an AI assistant developed by {{author}}."}
    ```

    ## How to fix
    Substitute the values before training (for identity data: the model's real name and
    maker; LLaMA-Factory's ``identity.json`` is shipped with ``{{name}}`` and ``{{author}}``
    for exactly that), give the prompt the material its slot stands for, or drop the records.
    If a slot is meant to be in the text in a way the rule cannot see, suppress the rule for
    that record with ``"_datalint_ignore": "unfilled-placeholder"``.

    ## Options
    ``systemic-records`` (int, default 10) and ``systemic-share`` (float, default 0.1): a
    slot in at least that many records of a file, and in at least that share of the records
    from the first of them to the last, is reported once for the file (with the records as
    related locations) instead of once per record.
    """

    code = "C002"
    name = "unfilled-placeholder"
    summary = "a template slot such as {{name}} or [Your Name] left in the text"
    severity = "warning"

    @dataclass
    class Options:
        systemic_records: int = 10
        systemic_share: float = 0.1

    def setup(self) -> None:
        super().setup()
        #: path -> the records with slots, in order: (location, suppressed, [(field, pattern,
        #: slot)]), the record's place without its text
        self.held: dict[str, list[tuple]] = {}

    def check(self, record):
        # kept for finish(): whether a slot is systemic is known once the file is read
        if self.ps.regex is not None:
            found = self._slots(record)
            if found:
                sup = record.suppressed
                self.held.setdefault(record.path, []).append(
                    (record.location(), sup is not None and self.code in sup, found))
        return ()

    # -- which slots are defects ----------------------------------------------------------
    def _slots(self, record) -> list[tuple]:
        """The defect slots of a record: (field, pattern, slot) in the order of its turns."""
        may_match = self.ps.may_match
        out: list[tuple] = []
        prompt: list[str] = []  # the user, system and tool texts so far
        # the rejected side of a pair (or a KTO answer labelled false) is bad on purpose: a
        # slot there is a reason the answer lost, not a defect of the data
        for t in record.turns:
            text = t.text
            answer = t.role == ASSISTANT
            if not answer and text:
                prompt.append(text)
            if not text or not may_match(text):
                continue
            ctx = None
            for span in t.iter_spans():
                for p, slot, a, b in self._candidates(t.role, span.field, span.text):
                    if answer:
                        if ctx is None:
                            ctx = Prompt("\n".join(prompt))
                        if ctx.leaves_open(p.id, slot, p.id in _ENGINE_IDS):
                            continue
                    elif prompt_leaves_open("\n".join(prompt), span.text, a, b):
                        continue
                    out.append((span.field, p, slot))
        return out

    def _candidates(self, role, field, text):
        """Slots of one text that are not code: (pattern, slot, start, end)."""
        hits = list(self.ps.scan(text, role, field))
        if not hits:
            return ()
        view = _CodeView(text, [m.span() for _, m in hits])
        found = []
        in_code: set[str] = set()  # slots written in code here: a name the prose refers to
        for p, m in hits:
            a, b = m.span()
            if (view.fenced and view.in_fence(a, b)) or (
                    p.id in _BRACE_IDS and (
                        (p.id == "double-brace" and "{%" in text)  # a Jinja/Django template
                        or view.text_is_code())) or view.line_is_code(a, b):
                in_code.add(m.group())
                continue
            found.append((p, m.group(), a, b))
        if in_code or "/{" in text or "}/" in text:
            # a name written in code (or in a URL path template, /users/{user_id}) and
            # then named in the prose around it
            found = [h for h in found if h[1] not in in_code
                     and "/" + h[1] not in text and h[1] + "/" not in text]
        return found

    # -- findings -------------------------------------------------------------------------
    def finish(self):
        held, self.held = self.held, {}
        for entries in held.values():
            systemic = self._systemic(entries)
            members = [e for e in entries if not e[1]
                       and any(_key(slot) in systemic for _, _, slot in e[2])] \
                if systemic else []
            if members:
                yield self._systemic_finding(members, systemic)
            grouped = {id(e) for e in members}
            for entry in entries:
                loc, _, found = entry
                if id(entry) in grouped:
                    found = [h for h in found if _key(h[2]) not in systemic]
                if found:
                    yield self._record_finding(loc, found)

    def _systemic(self, entries) -> dict[str, int]:
        """The slots left in many records of one file: at least ``systemic-records`` records,
        and at least ``systemic-share`` of the records from the first of them to the last
        (a file built from a template, or a block of one); slot -> records.  A record that
        suppresses the rule is not counted: it is reported (and counted as suppressed) on
        its own."""
        where: dict[str, list[int]] = {}
        for loc, suppressed, found in entries:
            if not suppressed:
                for key in {_key(slot) for _, _, slot in found}:
                    where.setdefault(key, []).append(loc.index)
        opts = self.options
        return {k: len(ix) for k, ix in where.items()
                if len(ix) >= opts.systemic_records
                and len(ix) >= opts.systemic_share * (ix[-1] - ix[0] + 1)}

    def _systemic_finding(self, members, systemic: dict[str, int]):
        shown: dict[str, str] = {}  # key -> the slot as first written
        pattern = None
        places = []  # each record's location, at the field of its first systemic slot
        for loc, _, hits in members:
            field = None
            for f, p, slot in hits:
                k = _key(slot)
                if k in systemic:
                    field = field or f
                    if k not in shown:
                        shown[k] = slot
                        pattern = pattern or p
            places.append(replace(loc, field=field))
        ranked = sorted(shown, key=lambda k: (-systemic[k], k))
        slots = ", ".join(f"{_quote(shown[k])} in {systemic[k]:,}" for k in ranked[:5])
        if len(ranked) > 5:
            slots += f" and {len(ranked) - 5} more"
        msg = (f"{len(members):,} records of this file hold the same unfilled template slots "
               f"({slots}): the data was made from a template whose variables were never "
               f"substituted; substitute them before training (the records are listed here)")
        # a finding on the file (no record of its own, so ``clean`` drops none for it), the
        # records as related locations
        return self.finding(None, msg, location=Location(places[0].path), related=places,
                            severity=pattern.severity,
                            data={"placeholder": shown[ranked[0]], "pattern": pattern.id,
                                  "systemic": True, "records": len(members),
                                  "placeholders": {shown[k]: systemic[k] for k in ranked}})

    def _record_finding(self, loc, found):
        field, p, slot = found[0]
        msg = f"unfilled placeholder {_quote(slot)} ({p.description})"
        others = sorted({s for _, _, s in found} - {slot})
        if len(found) > 1:
            msg += f" and {len(found) - 1} more"
            if others:
                msg += f" ({', '.join(_quote(s) for s in others[:3])})"
        fields = list(dict.fromkeys(f for f, _, _ in found))
        if len(fields) > 1:
            msg += f"; also in {', '.join(fields[1:])}"
        return self.finding(None, msg, location=replace(loc, field=field), severity=p.severity,
                            data={"placeholder": slot, "pattern": p.id, "count": len(found)},
                            evidence=f"contain the unfilled placeholder {_quote(slot)} "
                                     f"({p.description})")


def _key(slot: str) -> str:
    """A slot as it is counted across records: ``{{ name }}`` is ``{{name}}``."""
    return "".join(slot.lower().split())
