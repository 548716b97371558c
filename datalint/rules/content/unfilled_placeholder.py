import re

from ..packs import PackRuleMixin
from ...rule import RecordRule

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


def _quote(s: str, n: int = 40) -> str:
    s = s.replace("\n", "\\n")
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'


class _CodeView:
    """Which parts of one text are code: fenced or inline code, and lines that read as code."""

    def __init__(self, text: str, matches: list[tuple[int, int]]):
        self.text = text
        self.fenced = [m.span() for m in _FENCED.finditer(text)] if "`" in text or "~~~" in text \
            else []
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
    """A template slot left unfilled in the text: ``{{name}}``, ``[Your Name]``, ``<NAME>``.

    ## What it does
    Scans every turn (and each Alpaca field separately) for template slots from the pattern
    pack ``packs/placeholders.toml``: double-brace slots (``{{name}}``, ``{{ user.name }}``),
    a lone identifier in braces (``{customer_name}``), bracketed slots to fill in
    (``[Your Name]``, ``[Insert company here]``, ``[Company Name]``, ``[Date]``, ``[NAME]``,
    ``[PLACEHOLDER]``) and angle-bracket slots (``<NAME>``, ``<NEWS ARTICLE>``,
    ``<your email>``).  One finding per field names the first slot and how many more there are.

    It stays quiet on code and on what only looks like a slot: anything inside fenced or
    inline code; a line that reads as code (a call ``f(``, an assignment, ``.format``, a
    statement keyword, an HTML tag, ``=>``, a line ending in ``;`` or ``{``), which covers
    f-strings, ``str.format``, Jinja and Vue templates, JSON, dict and set literals and SQL
    Server ``[Name]`` identifiers; brace slots in a text that is mostly code (code answers
    without fences); JS/shell ``${x}``; LaTeX ``\\frac{a}{b}``, ``x^{n}``, ``a_{ij}`` (a
    word character, ``\\``, ``^`` or ``_`` before the brace); Markdown links ``[text](url)``
    and reference definitions; citations ``[1]``; indexing ``a[i]``; option letters ``[A]``;
    HTML tags such as ``<BR>`` or ``<TITLE>``; generics ``List<T>``.  Plain words in brackets
    are reported only when they name a typical slot (Name, Date, Company, Address…) or start
    with an instruction to the writer (Your, Insert, Enter).  Answers that are bad on purpose
    are not scanned: the rejected side of a preference pair and a KTO answer labelled
    ``false`` (a slot there is a reason the answer lost, not a defect of the data).

    ## Why it hurts fine-tuning
    The model learns to print ``{{name}}`` or ``[Your Name]`` instead of an answer: a template
    that was never filled, or a generation prompt whose variables were not substituted.
    Records built from one template usually all carry the same slot, so the damage is not
    diluted.

    ## Example
    ```
    {"instruction": "Who are you?", "input": "",
     "output": "I am {{name}}, an AI assistant developed by {{author}}."}
    ```

    ## How to fix
    Substitute the values before training (for identity data: the model's real name and
    maker), or drop the records.  If a slot is meant to be in the answer (a letter template
    the user asked for), suppress the rule for that record with
    ``"_datalint_ignore": "unfilled-placeholder"``.

    ## Options
    None.
    """

    code = "C002"
    name = "unfilled-placeholder"
    summary = "a template slot such as {{name}} or [Your Name] left in the text"
    severity = "warning"

    rejected_side = False  # an answer bad on purpose: see PackRuleMixin

    def check_span(self, record, turn, field, text):
        f = self._check_span(record, turn.role, field, text)
        return None if f is None else (f,)

    def _check_span(self, record, role, field, text):
        hits = list(self.ps.scan(text, role, field))
        if not hits:
            return None
        view = _CodeView(text, [m.span() for _, m in hits])
        found = []
        for p, m in hits:
            a, b = m.span()
            if view.fenced and view.in_fence(a, b):
                continue
            if p.id in _BRACE_IDS:
                if p.id == "double-brace" and "{%" in text:
                    continue  # a Jinja/Django template
                if view.text_is_code():
                    continue
            if view.line_is_code(a, b):
                continue
            found.append((p, m.group()))
        if not found:
            return None
        p, slot = found[0]
        msg = f"unfilled placeholder {_quote(slot)} ({p.description})"
        others = sorted({s for _, s in found} - {slot})
        if len(found) > 1:
            msg += f" and {len(found) - 1} more"
            if others:
                msg += f" ({', '.join(_quote(s) for s in others[:3])})"
        return self.finding(record, msg, field=field, severity=p.severity,
                            data={"placeholder": slot, "pattern": p.id, "count": len(found)})
