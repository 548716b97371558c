import re

from ...io.record import ASSISTANT
from ...rule import RecordRule

_ANSWER_ROLES = (ASSISTANT, "text")

#: Words no sentence ends on: articles, conjunctions, possessive determiners and prepositions
#: that are never left without their object.  Matched in lower case or with a capital
#: ("…reduction. For"), not in capitals ("NOT AND"); the single letter "a" only in lower case
#: (so "Vitamin A" and "Option A" are not the article).
_DANGLING = frozenset("""
a an the and or but nor than whose their its our your my because although whether whereas
versus via per including during despite among amongst amid amidst regarding concerning unlike
""".split())

#: Words a sentence ends on only when the clause says so: a copula or auxiliary ("…the
#: equation is") and a preposition ("…the importance of") end a sentence whose subject or
#: object was moved ahead of them: "who you are", "what it is made of", "a task they are
#: struggling with", "people to connect with".  Reported when the last sentence has none of
#: what makes that possible (see ``_clause_allows``).
_AUX = frozenset("""
is are was were am be been being will would shall should can could may might must has have had
do does did
""".split())
_PREPOSITIONS = frozenset("of to from with for at into onto upon toward towards".split())
#: a question word, relative or comparison that an ending on a verb or preposition goes with
_MOVERS = frozenset("""
what where who whom whose which that how why when whatever wherever whoever whichever whenever
however than whether if
""".split())
#: words that let the sentence end when a pronoun follows them ("as it is", "so do they",
#: "there it is") or when they come right before the last word ("leave it as is")
_SOFT_MOVERS = frozenset("as so nor there".split())
#: a pronoun subject or object: "as they should", "the one you asked for"
_PRONOUNS = frozenset("""
i you he she it we they me him her us them everyone everybody anyone anybody someone somebody
nobody yourself itself himself herself ourselves themselves yours mine theirs ours
""".split())
#: the word before the last that makes an ellipsis: "this is", "those are", "…or not"
_ELLIPSIS_BEFORE = frozenset("this that these those there here one all not too also".split())
#: "…if you want to", "…as I used to": verbs and adjectives whose infinitive may be left out
_TO_ELLIPSIS = frozenset("""
want wants wanted need needs needed have has had love loves loved like likes liked going used
ought able supposed try tries tried trying plan plans planned hope hopes hoped mean means meant
allowed happy glad willing refuse refused afraid decide decided choose chose prefer wish expect
expected seem seems appear appears manage managed forget remember continue start begin dare
""".split())
#: a subject pronoun after a conjunction or a comma: "…her circumstances, she", "…and they"
_SUBJECTS = frozenset("he she we they".split())
_JOINERS = frozenset("""
and but or because when while if although though since until unless where whereas so that after
before once
""".split())
#: two-word endings that always wait for more: "…such as", "…due to", "…in order to"
_DANGLING_PAIRS = frozenset({("such", "as"), ("well", "as"), ("due", "to"), ("according", "to"),
                             ("order", "to"), ("so", "that"), ("such", "that"), ("compared", "to"),
                             ("addition", "to"), ("rather", "than")})

#: words a list of words may be about ("in, on, at, and"): a list of them is not cut
_FUNCTION_WORDS = _DANGLING | frozenset("""
of with in on at to from by for into onto over under about after before between through
during without within upon as if so yet not
""".split())

_NEAR = 400  # an unclosed "(" or "[" further from the end is a typo, not a cut
#: what a sentence ends on: end punctuation, a closing quote (CJK included)
_PROSE_END = frozenset(".!?…\"”’»。！？」』")
_CLOSED_END = frozenset(".!?…\"'”’»)]}*`>|_~%°。！？」』）】》〉")
#: full-width brackets and CJK quotes, read as the ASCII brackets they pair like
_WIDE = str.maketrans("（）【】「」『』《》", "()[]()()()")
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})(.*)$", re.M)
# sad smileys ":(" ";-(" open a bracket nobody closes
_EMOTICON = re.compile(r"(?<![\w)\]}])[:;]'?-?[(\[]")
_LIST_ITEM = re.compile(r"\s*(?:[-*+•]\s|\d{1,3}(?:[.)]\s|、)|[a-zA-Z][.)]\s)")
_LAST_WORD = re.compile(r"([A-Za-z]+)[^\w\s]*$")
# the letter a used as a symbol: "a = 5", "2a + 3b", "(a, b)"
_SYMBOL_A = re.compile(r"(?:[=+*/^(<>]|\d)\s*a\b|\ba\s*[=+*/^)<>,]")
_PLAIN = re.compile(r"[A-Za-z]{2,}|\d+")  # not a label such as "vitamin A"
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_URL_TAIL = re.compile(r"(?:https?://|www\.)\S*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# a sentence boundary inside a line: a lowercase word, end punctuation, a capital ("…list. Then")
# (not "Mr. Smith", "J.D. Salinger", "IV. Conclusion", "e.g. The"), or CJK end punctuation
_SENTENCE_BREAK = re.compile(r"(?<=[a-z]{2}[.!?])[\"'”’)]*\s+[\"“(]?[A-Z]"
                             r"|[。！？][」』”）)]*(?=\S)")
_SIGN_OFF = re.compile(r"(?:good luck|best of luck|thank you|thanks|cheers|enjoy|have fun|"
                       r"hope (?:this|that|it) helps|happy \w+ing|take care)[\s!]*$", re.I)
# the closing of a letter, with the name after it: "Yours in hope and anticipation, Dracula",
# "Best regards, John"
_VALEDICTION = re.compile(
    r"(?:^|[.!?]\s+)(?:yours|sincerely|regards|best|kind|warm|warmest|love|all the best|"
    r"with (?:love|best|warm|kind|gratitude|thanks|appreciation|regards)|"
    r"cheers|respectfully|cordially|faithfully|affectionately|thanks|thank you|many thanks|"
    r"your (?:friend|servant|son|daughter|brother|sister|loving|devoted|humble|faithful))"
    r"\b[^.!?\n,]{0,50},\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}$", re.I)
# a quotation closed before an attribution at the end: ...myself." -C.S. Lewis
_ATTRIBUTION = re.compile(r"[.!?…。！？]\s*[\"'”’」』]+\s*[-—–~]*\s*[^.!?。！？\"”\s]"
                          r"(?:[^.!?。！？\"”]|(?<=[A-Z])\.){0,60}$")
# string literals in code: short quoted characters ('(' '{') and double-quoted strings on a line
_LITERALS = re.compile(r"'(?:\\.|[^'\\\n]){0,3}'|\"(?:\\.|[^\"\\\n])*\"")
# a last line that is code, not prose: indented, or with assignments, semicolons, braces, or
# starting with a statement keyword
_CODE_LINE = re.compile(
    r"^[ \t]|[=;{}]|^(?:return|print|yield|def|class|if|elif|else|for|while|import|from|let|var|"
    r"const|int|float|double|char|void|public|private|static|echo|console|SELECT|FROM|WHERE|AND|OR)"
    r"\b")
# an opening straight double quote: after a space or bracket, before a word
_OPEN_QUOTE = re.compile(r"(?:^|(?<=[\s(\[]))\"(?=\w)")
_CODE_MARK = re.compile(r"[=;{}]")
# where the last clause of a prose line starts: after a comma or end punctuation and a space
_CLAUSE_START = re.compile(r".*[,.!?:]\s", re.S)


def _is_code(line: str) -> bool:
    """Whether a last line is code: indented, starting with a statement keyword, or with an
    assignment, semicolon or brace in its last clause (prose may hold "x = 3, the value…")."""
    m = _CODE_LINE.search(line)
    if m is None:
        return False
    if m.group() not in "=;{}":
        return True
    start = _CLAUSE_START.match(line)
    return start is None or _CODE_MARK.search(line, start.end()) is not None


#: The missing-stop test is evidence of a cut only in a file whose answers end with one: when
#: more than this share of its answers that end in a prose sentence have no end punctuation,
#: that is the file's style.  (Measured: 0-2.5% on eleven generated sets, whose few
#: unpunctuated answers are mostly cut; about 13% on samples of a human-written set.)
_STYLE_SHARE = 0.05
_COUNTED = 16  # answers shorter than this (characters) say nothing about the style
#: A length limit: at least this many unpunctuated answers within the top length band…
_LIMIT_MIN = 5
#: …a band this narrow (shortest / longest)…
_LIMIT_BAND = 0.85
#: …where most of the file's answers (of that length or longer) do not end with a stop, and
#: which holds at least this share of the file's answers.
_LIMIT_SHARE = 0.5
_LIMIT_CUT = 0.01
#: Answers of the same exact length, unpunctuated, with next to no answer longer (at most
#: this share of the file's): a character limit.
_SAME_LENGTH_MIN = 3
_CEILING = 0.01
_MAX_HELD = 100_000  # unpunctuated answers kept per file until the end of the pass
_BUCKET = 4  # answer lengths are counted in buckets of 16 characters (_COUNTED)…
_LAST = 8191  # …up to 131,072 characters


def _unclosed_fence(s: str) -> bool:
    """True when a fenced code block (``` or ~~~) is opened and never closed.  A line such as
    ```` ```ls -l``` ```` is a code span, not a fence: a backtick fence's info string has no
    backtick."""
    open_fence = None
    for m in _FENCE.finditer(s):
        fence, rest = m.group(1), m.group(2)
        if open_fence is None:
            if fence[0] == "`" and "`" in rest:
                continue  # a one-line code span
            open_fence = fence
        elif fence[0] == open_fence[0] and len(fence) >= len(open_fence):
            # a closing fence has nothing after the backticks but spaces
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


def _unclosed_quote(s: str) -> bool:
    """True when a quotation opened near the end is never closed: a curly “ (or a CJK 「) after
    the last ” (」), or an odd straight double quote that opens a word."""
    tail = s[-_NEAR:]
    for o, c in (("“", "”"), ("「", "」"), ("『", "』")):
        if o in tail and tail.rfind(o) > tail.rfind(c):
            return True
    if '"' in tail and s.count('"') % 2 == 1:
        p = tail.rfind('"')
        return _OPEN_QUOTE.match(tail, p) is not None
    return False


def _last_sentence(line: str) -> str:
    """The last sentence of a line (after the last end punctuation or semicolon)."""
    cut = max(line.rfind(". "), line.rfind("! "), line.rfind("? "), line.rfind("; "),
              line.rfind("。"), line.rfind("！"), line.rfind("？"))
    return line[cut + 1:] if cut >= 0 else line


def _clause_allows(words: list[str]) -> bool:
    """Whether a sentence (the words of its last clause, lower case) may end on its last word,
    a copula, auxiliary or preposition: it has a question word, relative or comparison ("what
    it is made of", "as it should"), a pronoun ("a task they are struggling with"), an
    infinitive ("people to connect with"), or a left-out infinitive ("if you want to").  A
    sentence of that one word ("…reduction. For") never ends there."""
    if len(words) == 1:
        return False
    body = words[:-1]
    if not _MOVERS.isdisjoint(body) or not _PRONOUNS.isdisjoint(body):
        return True
    last, before = words[-1], words[-2]
    if before in _SOFT_MOVERS or before in _ELLIPSIS_BEFORE:
        return True
    for i, w in enumerate(body[:-1]):
        if w in _SOFT_MOVERS and (body[i + 1] in _PRONOUNS or body[i + 1] == "there"):
            return True
    if len(words) < 3:
        return True
    if last == "to" and before in _TO_ELLIPSIS:
        return True
    if last in _PREPOSITIONS and "to" in words[-4:-2]:
        return True  # "someone to talk to", "a price to agree upon"
    if last == "be" and before == "to" and words[-3] == "not":
        return True  # "…not to be"
    return False


def _dangling(s: str, last_line: str) -> str | None:
    """The word the text stops on when no sentence can end there, or None."""
    end = s[-40:]
    m = _LAST_WORD.search(end)
    if m is None or m.end(1) != len(end):
        return None
    if len(last_line.split()) <= 2 and "\n" in s:
        return None  # a word list or a short line of a poem
    w = m.group(1)
    low = w.lower()
    if w != low and (w.isupper() or (len(w) == 1 and low != "i")):
        return None  # "NOT AND", "Vitamin A"
    sentence = _last_sentence(last_line)
    words = [x.lower() for x in _WORD.findall(sentence)]
    if not words or words[-1] != low or (w != low and len(words) > 1):
        return None  # a capital only starts a sentence: "…reduction. For", not "…quick The"
    # a comma-separated list of short items, e.g. "in, on, at" or "of, with" (but a list of
    # other words that ends on a bare "and"/"or"/"the" was cut: "flour, sugar, eggs, and")
    items = last_line.rsplit(":", 1)[-1].split(",")
    if len(items) >= 3 and all(len(i.split()) <= 3 for i in items):
        last_item = items[-1].split()
        cut_list = bool(last_item) and all(x.lower() in _DANGLING for x in last_item) and \
            not all(i.strip().lower() in _FUNCTION_WORDS for i in items[:-1])
        if not cut_list:
            return None
    if low in _DANGLING:
        if low == "a" and _SYMBOL_A.search(s):
            return None  # "…solving for a" where a is a variable: "(a, b) = (5, 2)"
        return w
    if len(words) >= 3 and tuple(words[-3:]) == ("as", "well", "as"):
        return "as well as"
    if len(words) >= 2 and (words[-2], low) in _DANGLING_PAIRS:
        return f"{words[-2]} {w}"
    if low in _SUBJECTS and len(words) >= 3:
        before = sentence[:sentence.lower().rfind(low)].rstrip()
        if before.endswith(",") or words[-2] in _JOINERS:
            return w
        return None
    if low in _AUX or low in _PREPOSITIONS:
        # the last clause: after the last comma, dash or colon
        clause = re.split(r"[,:—–]|\s-\s", sentence)[-1]
        cwords = [x.lower() for x in _WORD.findall(clause)] or words
        if not _clause_allows(cwords):
            return w
    return None


def _short(s: str) -> bool:
    """A short answer, "Paris", "42", "Yes, it is" (CJK: fewer than ten characters)."""
    if len(s.split(None, 3)) >= 4:
        return False
    return len(s) < 10 or _CJK.search(s) is None


def truncation(s: str) -> str | None:
    """Why ``s`` looks cut off, or None: evidence that holds whatever the rest of the file
    does (an unclosed code block, bracket or quote; a last word no sentence ends on; a comma,
    a colon or a hyphen at the end).  A missing full stop alone is :func:`missing_stop`."""
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
    if c in "，、":
        c = ","
    elif c in "：":
        c = ":"
    elif c in "（【「《『":
        return f"ends on an opening {c!r}"
    if not (c.isalnum() or c in ",:-([{="):
        return None  # emoji, symbols, arrows…
    line_start = s.rfind("\n") + 1
    last_line = s[line_start:]
    if _URL_TAIL.search(last_line):
        return None
    if last_line.lstrip().startswith("#"):
        return None  # a heading
    # unclosed bracket: checked first, it also covers code (a "(" or "[" must be near the end)
    b = s.translate(_WIDE) if not s.isascii() else s
    tail = b[-_NEAR:]
    if (("(" in tail or "[" in tail or "{" in b) and
            (b.count("(") > b.count(")") or b.count("[") > b.count("]")
             or b.count("{") > b.count("}"))):
        p = _last_unclosed_bracket(b)
        if p >= 0 and (c in "([{" or len(b) - p <= _NEAR or b[p] == "{"):
            return f"ends inside an unclosed {s[p]!r}"
    if c in "([{":
        if _EMOTICON.search(s, max(0, len(s) - 4)):
            return None  # a sad smiley ":("
        return f"ends on an opening {c!r}"
    if c == "=":
        return None  # "x =" may be cut off, but "==" and base64 padding are not
    if _short(s):
        return None  # a short answer: "Paris", "42", "Yes, it is"
    if "<" in s and c.isalnum():
        low = s.lower()
        if "<html" in low and "</html>" not in low:
            return "an HTML document is never closed"
    if _is_code(last_line):
        return None  # code: a trailing comma, colon or keyword is syntax, not prose
    if ("“" in s or "「" in s or '"' in s) and _unclosed_quote(s):
        return "ends inside an unclosed quotation"
    if c == ",":
        if len(last_line.split()) <= 5 and _CJK.search(last_line) is None:
            return None  # a salutation or a closing ("Dear Ms Smith,", "Best regards,")
        return "ends with a comma"
    if c == "-":
        if len(s) > 1 and s[-2].isalpha():
            return "ends mid-word on a hyphen"
        return None
    if c == ":":
        before = s[:line_start].rstrip()
        if before.endswith((":", "：")):
            return None  # a form or a template: "Name:\nEmail:"
        return "ends with a colon: the content it introduces is missing"
    w = _dangling(s, last_line)
    if w is not None:
        return f"ends mid-sentence on {w!r}"
    return None


def _ends_with_stop(line: str) -> bool:
    line = line.rstrip().rstrip("*_`)]）」』”’\"'")
    return bool(line) and line[-1] in ".!?…。！？"


def _title_case(words: list[str]) -> bool:
    long = [w for w in words if len(w) > 3]
    return bool(long) and sum(w[0].isupper() for w in long) >= 0.6 * len(long)


def missing_stop(s: str) -> str | None:
    """Why the end of ``s`` is prose that has lost its final full stop, or None: a paragraph
    of punctuated sentences whose last sentence has none ("…the end of the list. Then we
    reverse"), the last of punctuated list items, or a long prose sentence after punctuated
    paragraphs.  Evidence of a cut only where the file's answers end with a stop (the rule
    decides that over the whole file)."""
    s = s.rstrip()
    if not s:
        return None
    c = s[-1]
    if not c.isalnum() or _short(s):
        return None
    lines = s.split("\n")
    last_line = lines[-1]
    stripped = last_line.lstrip()
    if (stripped.startswith(("#", "|")) or _URL_TAIL.search(last_line)
            or _is_code(last_line)):
        return None  # a heading, a table row, a link, code
    sentence = None
    item = _LIST_ITEM.match(last_line)
    if item is not None:
        # a list item: the list's style decides; the others end with a stop, this one has
        # several sentences
        siblings = [x for x in lines[:-1] if x.strip() and _LIST_ITEM.match(x)
                    and len(x.split()) > 1]
        if not siblings or sum(map(_ends_with_stop, siblings)) < 2 * len(siblings) / 3:
            return None
        body = last_line[item.end():]
        starts = [b.end() - 1 for b in _SENTENCE_BREAK.finditer(body)]
        if not starts:
            return None
        sentence = body[starts[-1]:]
    else:
        starts = [b.end() - 1 for b in _SENTENCE_BREAK.finditer(last_line)]
        if starts:
            sentence = last_line[starts[-1]:]
        else:
            # one long sentence, alone or after punctuated paragraphs, that stops on a plain
            # word or number ("…rolled out in December 20"); not a title, nor an inline list
            # ("…: - New battery technology - Scientists develop…")
            words = last_line.split()
            before = [x for x in lines[:-1] if x.strip()]
            if (len(words) >= 10 and (not before or _ends_with_stop(before[-1]))
                    and last_line[:1].isupper() and _PLAIN.fullmatch(words[-1])
                    and last_line.count(" - ") < 2 and not _title_case(words)):
                sentence = last_line
    if sentence is None:
        return None
    cjk = _CJK.search(sentence) is not None
    if (len(sentence.split()) < 2 and not (cjk and len(sentence) >= 4)) \
            or _SIGN_OFF.search(sentence) or _VALEDICTION.search(last_line) \
            or sentence.split()[-1].startswith("#") or _ATTRIBUTION.search(last_line):
        return None
    return "the last sentence has no end punctuation"


def _bare_prose(s: str) -> bool:
    """Whether ``s`` ends in a prose sentence without end punctuation — what the rule counts to
    learn a file's style: not a list item, heading, table row, code, link or hashtag, nor a
    short answer or a title."""
    s = s.rstrip()
    if len(s) < _COUNTED or not s[-1].isalnum() or _short(s):
        return False
    last_line = s[s.rfind("\n") + 1:]
    if (last_line.lstrip().startswith(("#", "|")) or _LIST_ITEM.match(last_line)
            or _is_code(last_line) or _URL_TAIL.search(last_line)):
        return False
    words = last_line.split()
    if (words[-1].startswith("#") or _SIGN_OFF.search(last_line)
            or _VALEDICTION.search(last_line)):
        return False
    before = s[:len(s) - len(last_line)].rstrip(" \t")
    if before and not before.endswith("\n\n") and not _ends_with_stop(before):
        return False  # a line of a poem or of a list, not a paragraph
    items = last_line.rsplit(":", 1)[-1].split(",")
    if len(items) >= 3 and all(len(i.split()) <= 3 for i in items):
        return False  # "in, on, at, of"
    if _CJK.search(last_line) is not None:
        return len(last_line) >= 10
    return len(words) >= 4 and last_line[:1].isupper() and not _title_case(words)


class _Sparse:
    """A length histogram kept as its non-zero buckets, for a file the pass has left (a
    folder of many small files must not hold two dense histograms per file until the end):
    indexing and the ``[a:]`` slices and sums that ``finish`` reads behave as on the list."""

    __slots__ = ("counts",)

    def __init__(self, dense: list[int]):
        self.counts = {k: v for k, v in enumerate(dense) if v}

    def __getitem__(self, key):
        if isinstance(key, slice):
            start = key.start or 0
            return [v for k, v in sorted(self.counts.items()) if k >= start]
        return self.counts.get(key, 0)

    def __setitem__(self, key: int, value: int) -> None:
        self.counts[key] = value

    def __iter__(self):
        return iter(self.counts.values())


class _File:
    """What the rule counts over one file: the unpunctuated answers it holds until the end
    of the pass, and histograms of answer lengths (all answers, and those that do not end
    with a full stop)."""

    __slots__ = ("bare", "held", "cut_lengths", "lengths", "open_lengths")

    def __init__(self):
        self.bare = 0  # answers ending in a prose sentence without a stop (_bare_prose)
        self.held: list[tuple] = []  # (location, tail, length)
        self.cut_lengths: list[int] = []  # of the answers reported as cut
        self.lengths = [0] * (_LAST + 1)
        self.open_lengths = [0] * (_LAST + 1)

    def compact(self) -> None:
        self.lengths = _Sparse(self.lengths)
        self.open_lengths = _Sparse(self.open_lengths)

    def stops(self) -> int:
        """Answers of at least _COUNTED characters that end with a full stop (or ! ? 。…)."""
        return sum(self.lengths[1:]) - sum(self.open_lengths[1:])


class TruncatedResponse(RecordRule):
    """An answer that stops in the middle: an unclosed code block or bracket, a sentence that
    ends on "the", "and", "is" or a comma.

    ## What it does
    Looks at the end of each assistant answer (and of plain ``text`` records) and reports it
    when it:

    * opens a fenced code block (```` ``` ```` or ``~~~``) and never closes it, or opens an
      HTML document and never closes it;
    * ends inside a bracket opened near the end, a ``{`` block, or a quotation opened near
      the end (``“`` or ``"`` before a word, CJK ``「``);
    * ends on an opening bracket, a comma (``，``, ``、``), a colon with nothing after it, a
      word broken by a hyphen, or a word no sentence ends on: an article, a conjunction, a
      possessive (``the``, ``and``, ``their``…), a subject after a comma or conjunction
      ("…, she"), a pair such as "such as" or "due to";
    * ends on a copula, an auxiliary or a preposition (``is``, ``will be``, ``to``, ``of``,
      ``from``…) in a sentence with no question word, relative, pronoun or infinitive that
      would let it end there: "The numerical value of the equation is" is reported, "I know
      who you are", "a task they are struggling with", "people to connect with" are not;
    * ends without end punctuation where the rest shows a cut, **only** in a file whose
      answers end with punctuation: a paragraph of punctuated sentences whose last sentence
      has none ("…the end of the list. Then we reverse"; CJK text after ``。``), the last of
      list items that otherwise end with a stop, or a single long sentence after punctuated
      paragraphs ("…rolled out in December 20").  Over each file it counts the answers that
      end in a prose sentence with and without a stop; when more than 5% have none, leaving
      the stop off is that file's style (a human-written set), not a cut, and these findings
      are dropped — unless the answers stop at a length limit: three or more of exactly the
      same length with next to no answer longer, or five or more cut answers in the band of
      the file's longest answers where most answers have no stop.  These findings come once
      the whole file is read.

    It stays quiet on answers that end on a full stop (``。！？`` too), a question or
    exclamation mark, a closing quote or bracket, an emoji, a hashtag or a URL; on short
    answers of fewer than four words ("Paris", "42", "Yes, it is"); on one-line code spans
    (```` ```ls -l``` ````); on code (a last line that is indented, starts with a statement
    keyword, or assigns in its last clause may end on a comma or a colon); on a verb or
    preposition that its clause lets end the sentence ("who you are", "what it is made of",
    "if you want to"); on list items whose list does not end its items with a stop, poem
    lines, titles, headings and quotations with their attribution; on a salutation or
    closing ending on a comma ("Dear Ms Smith,", "Best regards,"), a sign-off with a name
    ("…Yours in hope and anticipation, Dracula"), forms ("Name:\\nEmail:"), comma-separated
    lists of single words ("in, on, at"), a capital inside a sentence ("…quick The", words
    in reverse), labels ("vitamin A", "solve for a" when a is a variable) and sign-offs such
    as "Good luck".  The losing answer of a preference pair and a KTO answer labelled
    ``false`` are not checked (a cut-off rejected answer may be the point of the pair).

    On 12 public fine-tuning files, 25 of 29 findings were real cuts and 4 arguable (complete
    sentences that only lack the stop in sets whose other answers have one), none false
    (judged by reading each record; ``benchmarks/judgements/C007.jsonl``).  Share of prose
    answers without a final stop: 0-2.5% on eleven generated sets, about 13% on samples of
    a human-written one.

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

    def setup(self) -> None:
        self.files: dict[str, _File] = {}
        self.last: _File | None = None  # the file read last: the others are compacted

    def check(self, record):
        out: list = []
        self._check_records((record,), out)
        return out

    def check_batch(self, batch, out) -> None:
        self._check_records(batch.records, out)

    def _check_records(self, records, out: list) -> None:
        # most answers end with a full stop and cost a length count and one comparison;
        # the file's counters are looked up once per run of records from one file
        path = lengths = st = None
        files = self.files
        for record in records:
            if record.path is not path:
                path = record.path
                st = files.get(path)
                if st is None:
                    st = files[path] = _File()
                    last = self.last
                    if last is not None and type(last.lengths) is list:
                        last.compact()  # the pass has left that file
                    self.last = st
                lengths = st.lengths
            for t in record.turns:
                if t.role in _ANSWER_ROLES:
                    s = t.text
                    if s:
                        k = len(s) >> _BUCKET
                        lengths[k if k < _LAST else _LAST] += 1
                        if s[-1] not in _PROSE_END:
                            self._look(st, record, t, s, out)

    def _look(self, st: "_File", record, t, s: str, out: list) -> None:
        """An answer that does not end with a full stop: cut, held until the file is read,
        or fine."""
        k = len(s) >> _BUCKET
        st.open_lengths[k if k < _LAST else _LAST] += 1
        # code fences are only looked for when the end could be code (a cut code block ends
        # mid-line, or on ")", "}", ";")
        if s[-1] in _CLOSED_END and "```" not in s:
            return
        why = truncation(s)
        if why is not None:
            out.append(self.finding(record, f"answer looks cut off: {why} (ends with "
                                            f"{_tail(s)!r})", field=t.field))
            if len(st.cut_lengths) < _MAX_HELD:
                st.cut_lengths.append(len(s))
            return
        if _bare_prose(s):
            st.bare += 1
        if missing_stop(s) is not None and len(st.held) < _MAX_HELD:
            st.held.append((record.location(t.field), _tail(s), len(s)))

    def finish(self):
        for st in self.files.values():
            yield from self._file_findings(st)
        self.files.clear()
        self.last = None

    def _file_findings(self, st: _File):
        if not st.held:
            return
        stops = st.stops()
        share = st.bare / max(1, stops + st.bare)
        why = "the last sentence has no end punctuation"
        if share <= _STYLE_SHARE:
            note = (f"{stops:,} of this file's {stops + st.bare:,} prose answers "
                    f"end with one")
            for loc, tail, _ in st.held:
                yield self._held(loc, f"{why}, while {note}", tail)
            return
        # a file that often leaves the stop off: only a length limit shows a cut
        by_length: dict[int, list] = {}
        for h in st.held:
            by_length.setdefault(h[2], []).append(h)
        total = sum(st.lengths)
        reported = set()
        for n, group in by_length.items():
            # a character limit is a ceiling: next to no answer of the file is longer
            if len(group) >= _SAME_LENGTH_MIN and sum(
                    st.lengths[min(n >> _BUCKET, _LAST) + 1:]) <= _CEILING * total:
                for loc, tail, _ in group:
                    reported.add(id(loc))
                    yield self._held(loc, f"{why}, and {len(group)} such answers stop at "
                                          f"exactly {n:,} characters", tail)
        # the longest band [0.85 x top, top] that holds enough cut answers, these and the
        # ones reported as cut anyway (a few longer answers, complete or not, do not hide
        # the band where a limit cut the others)
        cuts = sorted(st.cut_lengths + [h[2] for h in st.held], reverse=True)
        top = 0
        for i in range(len(cuts) - _LIMIT_MIN + 1):
            if cuts[i + _LIMIT_MIN - 1] >= _LIMIT_BAND * cuts[i]:
                top = cuts[i]
                break
        in_band = sum(top >= n >= _LIMIT_BAND * top for n in cuts)
        if not top or in_band < _LIMIT_CUT * total:
            return  # a limit cuts more than a handful of a file's answers
        band = [h for h in st.held
                if top >= h[2] >= _LIMIT_BAND * top and id(h[0]) not in reported]
        low = min(int(_LIMIT_BAND * top) >> _BUCKET, _LAST)
        longer = sum(st.lengths[low:])
        unstopped = sum(st.open_lengths[low:])
        if unstopped >= _LIMIT_SHARE * longer:
            for loc, tail, _ in band:
                yield self._held(loc, f"{why}, like most of this file's longest answers "
                                      f"(about {top:,} characters): a length limit", tail)

    def _held(self, loc, why: str, tail: str):
        return self.finding(None, f"answer looks cut off: {why} (ends with {tail!r})",
                            location=loc)


def _tail(s: str) -> str:
    s = s.rstrip()
    return s if len(s) <= 40 else "…" + s[-40:]
