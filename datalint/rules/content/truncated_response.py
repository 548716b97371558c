import re

from ...io.record import ASSISTANT
from ...rule import RecordRule

_ANSWER_ROLES = (ASSISTANT, "text")

#: Words an English sentence does not end on: articles, coordinating conjunctions, possessive
#: determiners and prepositions that need an object.  Matched case-sensitively (so "Vitamin A"
#: and "Option A" are not the article "a").
_DANGLING = frozenset("""
a an the and or but nor of than whose their its our your my because although whether versus
via per including
""".split())

_NEAR = 400  # an unclosed "(" or "[" further from the end is a typo, not a cut
_PROSE_END = frozenset(".!?…\"”’»")
_CLOSED_END = frozenset(".!?…\"'”’»)]}*`>|_~%°")
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})", re.M)
# sad smileys ":(" ";-(" open a bracket nobody closes
_EMOTICON = re.compile(r"(?<![\w)\]}])[:;]'?-?[(\[]")
_LIST_ITEM = re.compile(r"\s*(?:[-*+•]|\d{1,3}[.)]|[a-zA-Z][.)])\s")
_LAST_WORD = re.compile(r"([A-Za-z]+)[^\w\s]*$")
_URL_TAIL = re.compile(r"(?:https?://|www\.)\S*$")
# a sentence boundary inside a line: a lowercase word, end punctuation, a capital ("…list. Then")
# (not "Mr. Smith", "J.D. Salinger", "IV. Conclusion", "e.g. The")
_SENTENCE_BREAK = re.compile(r"(?<=[a-z]{2}[.!?])[\"'”’)]*\s+[\"“(]?[A-Z]")
_SIGN_OFF = re.compile(r"(?:good luck|best of luck|thank you|thanks|cheers|enjoy|have fun|"
                       r"hope (?:this|that|it) helps|happy \w+ing|take care)[\s!]*$", re.I)
# a quotation closed before an attribution: ...myself." -C.S. Lewis
_QUOTE_END = re.compile(r"[.!?…]\s*[\"'”’]")
# string literals in code: short quoted characters ('(' '{') and double-quoted strings on a line
_LITERALS = re.compile(r"'(?:\\.|[^'\\\n]){0,3}'|\"(?:\\.|[^\"\\\n])*\"")
# a last line that is code, not prose: indented, or with assignments, semicolons, braces, or
# starting with a statement keyword
_CODE_LINE = re.compile(
    r"^[ \t]|[=;{}]|^(?:return|print|yield|def|class|if|elif|else|for|while|import|from|let|var|"
    r"const|int|float|double|char|void|public|private|static|echo|console|SELECT|FROM|WHERE|AND|OR)"
    r"\b")


def _unclosed_fence(s: str) -> bool:
    """True when a fenced code block (``` or ~~~) is opened and never closed."""
    open_fence = None
    for m in _FENCE.finditer(s):
        fence = m.group(1)
        if open_fence is None:
            open_fence = fence
        elif fence[0] == open_fence[0] and len(fence) >= len(open_fence):
            # a closing fence has nothing after the backticks but spaces
            end = s.find("\n", m.end())
            rest = s[m.end(): end if end >= 0 else len(s)]
            if not rest.strip():
                open_fence = None
    return open_fence is not None


def _last_unclosed_bracket(s: str) -> int:
    """Position of the last bracket opened and never closed, or -1."""
    if "'" in s or '"' in s:
        s = _LITERALS.sub(lambda m: " " * len(m.group()), s)
    if ":" in s or ";" in s:
        s = _EMOTICON.sub(lambda m: " " * len(m.group()), s)
    stack: list[tuple[str, int]] = []
    for m in re.finditer(r"[()\[\]{}]", s):
        c = m.group()
        if c in _OPENERS:
            stack.append((c, m.start()))
        elif stack and stack[-1][0] == _CLOSERS[c]:
            stack.pop()
        elif any(o == _CLOSERS[c] for o, _ in stack):
            while stack and stack[-1][0] != _CLOSERS[c]:
                stack.pop()
            stack.pop()
    return stack[-1][1] if stack else -1


def truncation(s: str) -> str | None:
    """Why ``s`` looks cut off, or None."""
    if "```" in s or "~~~" in s:
        if _unclosed_fence(s):
            return "a code block opened with ``` is never closed"
    s = s.rstrip()
    if not s:
        return None
    c = s[-1]
    if c in _CLOSED_END:
        return None
    if c == ";":
        if (s.count("{") > s.count("}") or s.count("(") > s.count(")")) \
                and _last_unclosed_bracket(s) >= 0:
            return "ends inside an unclosed bracket"
        return None
    if not (c.isalnum() or c in ",:-([{="):
        return None  # emoji, symbols, arrows…
    line_start = s.rfind("\n") + 1
    last_line = s[line_start:]
    if _URL_TAIL.search(last_line):
        return None
    if last_line.lstrip().startswith("#"):
        return None  # a heading
    # unclosed bracket: checked first, it also covers code (a "(" or "[" must be near the end)
    tail = s[-_NEAR:]
    if (("(" in tail or "[" in tail or "{" in s) and
            (s.count("(") > s.count(")") or s.count("[") > s.count("]")
             or s.count("{") > s.count("}"))):
        p = _last_unclosed_bracket(s)
        if p >= 0 and (c in "([{" or len(s) - p <= _NEAR or s[p] == "{"):
            return f"ends inside an unclosed {s[p]!r}"
    if c in "([{":
        if _EMOTICON.search(s, max(0, len(s) - 4)):
            return None  # a sad smiley ":("
        return f"ends on an opening {c!r}"
    if c == "=":
        return None  # "x =" may be cut off, but "==" and base64 padding are not
    if len(s.split(None, 3)) < 4:
        return None  # a short answer: "Paris", "42", "Yes, it is"
    if "<" in s and c.isalnum():
        low = s.lower()
        if "<html" in low and "</html>" not in low:
            return "an HTML document is never closed"
    if _CODE_LINE.search(last_line):
        return None  # code: a trailing comma, colon or keyword is syntax, not prose
    if c == ",":
        if len(last_line.split()) <= 5:
            return None  # a salutation or a closing ("Dear Ms Smith,", "Best regards,")
        return "ends with a comma"
    if c == "-":
        if len(s) > 1 and s[-2].isalpha():
            return "ends mid-word on a hyphen"
        return None
    if c == ":":
        if _LIST_ITEM.match(last_line):
            return None
        before = s[:line_start].rstrip()
        if before.endswith(":"):
            return None  # a form or a template: "Name:\nEmail:"
        return "ends with a colon: the content it introduces is missing"
    end = s[-40:]
    m = _LAST_WORD.search(end)
    if m is not None and m.end(1) == len(end) and m.group(1) in _DANGLING:
        w = m.group(1)
        # a comma-separated list of short items, e.g. "in, on, at" or "of, with"
        tail = last_line.rsplit(":", 1)[-1]
        items = tail.split(",")
        if not (len(items) >= 3 and all(len(i.split()) <= 3 for i in items)):
            return f"ends mid-sentence on {w!r}"
    if c.isalnum() and not last_line.lstrip().startswith("|"):
        # a paragraph of punctuated sentences whose last sentence has no end punctuation
        starts = [b.end() - 1 for b in _SENTENCE_BREAK.finditer(last_line)]
        if starts:
            last_sentence = last_line[starts[-1]:]
            if (len(last_sentence.split()) >= 2 and not _SIGN_OFF.search(last_sentence)
                    and not last_sentence.split()[-1].startswith("#")
                    and not _QUOTE_END.search(last_sentence)):
                return "the last sentence has no end punctuation"
    return None


class TruncatedResponse(RecordRule):
    """An answer that stops in the middle: an unclosed code block or bracket, a sentence that
    ends on "the", "and" or a comma.

    ## What it does
    Looks at the end of each assistant answer (and of plain ``text`` records) and reports it
    when it:

    * opens a fenced code block (```` ``` ```` or ``~~~``) and never closes it, or opens an
      HTML document and never closes it;
    * ends inside a bracket opened near the end, or inside a ``{`` block;
    * ends on an opening bracket, a comma, a colon with nothing after it, a word broken by a
      hyphen, or a word a sentence cannot end on (an article, a conjunction, a possessive:
      ``the``, ``and``, ``of``, ``their``…);
    * ends a paragraph of punctuated sentences with a sentence that has no end punctuation
      ("…the end of the list. Then we reverse").

    It stays quiet on answers that end on a full stop, a question or exclamation mark, a
    closing quote or bracket, an emoji, a hashtag or a URL; on short answers of fewer than four
    words ("Paris", "42", "Yes, it is"); on code (a last line that is indented, assigns,
    or starts with a statement keyword may end on a comma or a colon); on list items, poem
    lines and headings without end punctuation; on a salutation or closing ending on a comma
    ("Dear Ms Smith,", "Best regards,"), forms ("Name:\\nEmail:"), comma-separated lists of
    single words ("in, on, at") and sign-offs such as "Good luck".  The losing answer of a
    preference pair and a KTO answer labelled ``false`` are not checked (a cut-off rejected
    answer may be the point of the pair).

    ## Why it hurts fine-tuning
    Answers cut by a length limit or a broken export teach the model to stop mid-sentence,
    and an unclosed code block teaches it to leave code unterminated.

    ## Example
    ```
    {"instruction": "Explain photosynthesis.",
     "output": "Photosynthesis is the process by which plants convert light into the"}
    ```

    ## How to fix
    Regenerate or complete the answer, or drop the record.  If many answers are cut at the
    same length, raise the generation limit that produced them.

    ## Options
    None.
    """

    code = "C007"
    name = "truncated-response"
    summary = "an answer that stops mid-sentence or inside a code block or bracket"
    severity = "warning"

    def check(self, record):
        out = None
        for t in record.turns:
            if t.role not in _ANSWER_ROLES:
                continue
            s = t.text
            if not s:
                continue
            # fast path: most answers end with a full stop; code fences are only looked for
            # when the end could be code (a cut code block ends mid-line, or on ")", "}", ";")
            c = s[-1]
            if c in _PROSE_END or (c in _CLOSED_END and "```" not in s):
                continue
            why = truncation(s)
            if why is not None:
                f = self.finding(record, f"answer looks cut off: {why} (ends with "
                                         f"{_tail(s)!r})", field=t.field)
                out = [f] if out is None else out + [f]
        return out or ()


def _tail(s: str) -> str:
    s = s.rstrip()
    return s if len(s) <= 40 else "…" + s[-40:]
