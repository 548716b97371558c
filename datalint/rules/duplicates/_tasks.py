"""Hard negatives: two prompts that look alike but ask for different things.

Near-duplicate, semantic-duplicate and contradiction compare records that are close in
wording or in embedding space.  Closeness misses the few words that change the task, so a
pair is left alone (never a duplicate, never a contradiction, never dropped by ``clean``)
when its prompts differ in one of these:

* **numbers**, in digits or in words ("Sort 2, 5, 3" / "Sort 8, 4"; "the first season" /
  "the second season"; "today" / "tomorrow"; "3 colours" and "three colours" are one
  number), or the same numbers counting other things ("three columns and two rows" / "two
  columns and three rows");
* **named entities**: each prompt names something the other does not ("countries by
  population: China, India" / "… by GDP per capita: Qatar, Luxembourg"), or quotes another
  string ("the command 'ls'" / "the command 'pwd'");
* **literal input**: each prompt gives a URL, a file path or a formula the other does not
  ("/home/user/docs" / "/home/user"; "x^3 + x^2 + 1" / "x^3 - x^2 + 1");
* **direction**: the same two terms swapped around "to", "into", "from", "than", "before"
  ("Fahrenheit to Celsius" / "Celsius to Fahrenheit", also "a Fahrenheit temperature to
  Celsius" / "a temperature in Celsius to Fahrenheit");
* **the input**: two multi-line prompts that share a line but little of the rest — the same
  instruction over different inputs (an Alpaca ``input``, the text a question is about), or
  different questions over one shared passage — are two tasks.

:func:`shared_passage` finds the parts two prompts do not share when a long passage (a
reference text, a long list) makes up most of both: what the question asks is there, not in
the passage.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ...resources.texts import normalize
from ._prompts import FILLER

#: a number written in digits: thousands separated by commas ("1,250") or plain, with
#: decimals, a minus sign written against it ("-2"; not "x-2" or "5 - 2") and an ordinal
#: ending ("10th"); "3,1,2" is three numbers.  Or a word, which may be a number in words.
_TOKEN = re.compile(
    r"(?P<sign>(?<![\w.)\]])-)?(?P<num>\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<ord>st|nd|rd|th)(?![a-z]))?|(?P<word>[^\W\d_]+)")
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_CARDINAL = {w: n for n, w in enumerate(_UNITS)} | {w: 20 + 10 * n for n, w in enumerate(_TENS)}
_SCALE = {"hundred": 100, "thousand": 1000, "million": 10 ** 6, "billion": 10 ** 9}
_ORDINAL = ({w + "th": n for w, n in _CARDINAL.items() if n > 3} |
            {"first": 1, "second": 2, "third": 3, "fifth": 5, "eighth": 8, "ninth": 9,
             "twelfth": 12} |
            {w[:-1] + "ieth": n for w, n in _CARDINAL.items() if n >= 20} |
            {w + "th": n for w, n in _SCALE.items()})
#: multiples and fractions in words, and days named from today: numbers too, never equal
#: to one in digits ("the weather today" / "the weather tomorrow")
_MULTIPLE = frozenset("half quarter twice double triple today tomorrow yesterday tonight".split())
_NUMBER_WORDS = frozenset(_CARDINAL) | frozenset(_SCALE) | frozenset(_ORDINAL) | _MULTIPLE
_ANY_NUMBER_WORD = re.compile(r"\b(?:%s)\b" % "|".join(sorted(_NUMBER_WORDS, key=len,
                                                                 reverse=True)))
#: "one" and "first" that count nothing: "one of", "no one", "this one", "at first",
#: "first of all", "First, read the text"; "second" that is a unit: "per second"
_IDIOM_BEFORE = {"one": frozenset("no any every each this that which the someone".split()),
                 "first": frozenset(("at",)), "second": frozenset(("per", "split"))}
_IDIOM_AFTER = {"one": frozenset("of another by".split()),
                "first": frozenset(("of", "and", "things"))}


def _count_run(toks: list, k: int, low: str) -> tuple[str, int]:
    """The value of the run of number words starting at token ``k`` ("twenty-five", "two
    hundred and ten", "twenty-first") and the index of its last token."""
    w = toks[k][0]
    if w in _ORDINAL:
        return f"{_ORDINAL[w]}th", k
    if w in _MULTIPLE:
        return w, k
    total, current = 0, _CARDINAL.get(w, _SCALE.get(w, 0))
    end, j = k, k + 1
    while j < len(toks) and toks[j][0] is not None:
        if low[toks[j - 1][1].end():toks[j][1].start()].strip(" -"):
            break
        w = toks[j][0]
        if w in _CARDINAL and ((current == 0 and total) or
                               (current >= 100 and current % 100 == 0) or
                               (current % 10 == 0 and current % 100 >= 20 and _CARDINAL[w] < 10)):
            current += _CARDINAL[w]
        elif w in _SCALE and current:
            current *= _SCALE[w]
            if _SCALE[w] >= 1000:
                total, current = total + current, 0
        elif w in _ORDINAL and current % 10 == 0 and current % 100 >= 20 and _ORDINAL[w] < 10:
            return f"{total + current + _ORDINAL[w]}th", j
        elif not (w == "and" and (total or current >= 100) and j + 1 < len(toks)
                  and toks[j + 1][0] in _CARDINAL):
            break
        if w != "and":
            end = j
        j += 1
    return str(total + current), end


@lru_cache(maxsize=65536)
def mentions(text: str) -> tuple[tuple[str, bool, str], ...]:
    """The numbers of ``text`` in order, each as (value, written in words, the word after
    it).  Values compare across spellings: "3" and "three" are "3", "10th" and "tenth" are
    "10th", "5 million" and "five million" are "5000000", "twenty-five" is "25"."""
    low = text.casefold()
    if not any(c.isdigit() for c in low) and not _ANY_NUMBER_WORD.search(low):
        return ()
    toks = [(m.group("word"), m) for m in _TOKEN.finditer(low)]
    out: list[tuple[str, bool, int]] = []  # value, in words, index of its last token
    k = 0
    while k < len(toks):
        word, m = toks[k]
        if word is None:
            value, end = m.group("num").replace(",", ""), k
            if m.group("ord"):
                value += "th"
            elif k + 1 < len(toks) and toks[k + 1][0] in _SCALE:
                x = float(value) * _SCALE[toks[k + 1][0]]
                value, end = (str(int(x)) if x == int(x) else repr(x)), k + 1
            if m.group("sign"):
                value = "-" + value
            out.append((value, False, end))
        elif word in _NUMBER_WORDS:
            prev = toks[k - 1][0] if k else None
            nxt = toks[k + 1][0] if k + 1 < len(toks) else None
            if prev in _IDIOM_BEFORE.get(word, ()) or nxt in _IDIOM_AFTER.get(word, ()) or (
                    word == "first" and low[m.end():m.end() + 1] == ","):
                k += 1
                continue
            value, end = _count_run(toks, k, low)
            out.append((value, True, end))
        else:
            k += 1
            continue
        k = end + 1
    return tuple((v, w, toks[e + 1][0] or "" if e + 1 < len(toks) else "") for v, w, e in out)


@lru_cache(maxsize=65536)
def numbers(text: str) -> frozenset[str]:
    """The numbers of ``text`` written in digits."""
    return frozenset(v for v, words, _ in mentions(text) if not words)


@lru_cache(maxsize=65536)
def number_words(text: str) -> frozenset[str]:
    """The numbers of ``text`` written in words ("three" is "3", "second" is "2th")."""
    return frozenset(v for v, words, _ in mentions(text) if words)


def different_numbers(a: str, b: str) -> bool:
    """Prompts that count other things: a number in digits that the other prompt lacks in
    any spelling; number words on both sides that the other lacks ("second season" / "first
    season"; one side alone, "into third person" / "from first person to third person", is
    a rewording); or another number before the same word ("three columns and two rows" /
    "two columns and three rows", "3 rows and 3 columns" / "two columns and three rows").  How often a number occurs is left alone: an input
    repeats the instruction's numbers ("the square root of 121" + "121")."""
    ma, mb = mentions(a), mentions(b)
    if not ma and not mb:
        return False
    all_a, all_b = {v for v, _, _ in ma}, {v for v, _, _ in mb}
    if any(v not in all_b for v, w, _ in ma if not w) or \
            any(v not in all_a for v, w, _ in mb if not w):
        return True
    if any(v not in all_b for v, w, _ in ma if w) and any(v not in all_a for v, w, _ in mb if w):
        return True
    # the same thing counted differently, in any spelling: "3 rows and 3 columns" / "two
    # columns and three rows" (columns: 3 against 2)
    per_a: dict[str, set[str]] = {}
    per_b: dict[str, set[str]] = {}
    for found, per in ((ma, per_a), (mb, per_b)):
        for v, _, u in found:
            if u:
                per.setdefault(u, set()).add(v)
    return any(u in per_b and per_a[u].isdisjoint(per_b[u]) for u in per_a)


_WORD = re.compile(r"[\w+#']+")
_CAPITAL = re.compile(r"(?<![\w'])[A-Z][\w'+#-]*")
_OPENS = frozenset('.!?;\n"\'“‘(*-#>')
_LINKS = frozenset("to into from than over under before after".split())
#: capitalised words that name nothing
_COMMON = frozenset(
    "I I'm I've I'd I'll The A An This That These Those It Its In On At For From By With And "
    "But Or If When Where Who Which What How Why Yes No Not Please Output Input Answer "
    "Question Text Sentence Paragraph Article Instruction Example Task Note True False".split())


_QUOTED = re.compile(r"""(?<![\w'])(['"“‘`])([^'"“”‘’`\n]{1,40})(?:['"”’`])(?!\w)""")


@lru_cache(maxsize=65536)
def names(text: str) -> frozenset[str]:
    """Capitalised words that are not sentence-initial and not common words, and quoted
    strings ("the command 'ls'")."""
    out = {m.group(2).strip() for m in _QUOTED.finditer(text) if m.group(2).strip()}
    for m in _CAPITAL.finditer(text):
        w = m.group()
        if len(w) < 2 or w in _COMMON:
            continue
        k = m.start() - 1
        while k >= 0 and text[k] in " \t":
            k -= 1
        if k < 0 or text[k] in _OPENS:
            continue  # the first word of a sentence or a line
        out.add(w)
    return frozenset(out)


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


def _link_triples(words: tuple[str, ...]) -> frozenset[tuple[str, str, str]]:
    """(x, link, y) for content words x within three words before a linking word and y
    within three words after it: "convert a Fahrenheit temperature to Celsius" holds
    (fahrenheit, to, celsius) and (temperature, to, celsius)."""
    out = set()
    for i, w in enumerate(words):
        if w in _LINKS:
            left = [x for x in words[max(0, i - 3):i] if x not in FILLER and x not in _LINKS]
            right = [y for y in words[i + 1:i + 4] if y not in FILLER and y not in _LINKS]
            out.update((x, w, y) for x in left for y in right if x != y)
    return frozenset(out)


def swapped(a: str, b: str) -> bool:
    """The same two terms on either side of a linking word, swapped: "X to Y" / "Y to X",
    also with words between them ("Fahrenheit colder than Celsius", "a Fahrenheit
    temperature to Celsius" / "a temperature in Celsius to Fahrenheit")."""
    wa, wb = _words(a), _words(b)
    if len(wa) == len(wb):
        diff = [i for i, (x, y) in enumerate(zip(wa, wb)) if x != y]
        if len(diff) == 2:
            i, j = diff
            if wa[i] == wb[j] and wa[j] == wb[i] and any(w in _LINKS for w in wa[i + 1:j]):
                return True
    if not any(w in _LINKS for w in wa) or not any(w in _LINKS for w in wb):
        return False
    ta, tb = _link_triples(wa), _link_triples(wb)
    return any((y, link, x) in tb and (x, link, y) not in tb and (y, link, x) not in ta
               for x, link, y in ta)


#: a URL or a file path ("https://x.org/a", "www.x.org", "/home/user", "~/docs", "./run.sh")
_LITERAL = re.compile(r"(?:https?://|www\.)[^\s'\"`<>()\[\]{}]+|"
                      r"(?<![\w./~<-])(?:~|\.{1,2})?/[\w.~-]+(?:/[\w.~-]*)*")


_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?")
#: a formula: terms joined by operators ("x^3 - x^2 + 1", "y = 3x^2 + 2x", "12 * 7"); kept
#: when it has a power or an operator spaced on both sides and a digit, so that "COVID-19",
#: "ls -l" and "e-mail" are no formulas
_FORMULA = re.compile(r"[\w.()^]+(?:\s*[-+*/=]\s*[\w.()^]+)*")
_SPACED_OP = re.compile(r"\s[-+*/=]\s")
#: what names the function before its formula: "y =", "f(x) ="
_FUNCTION_NAME = re.compile(r"^(?:[a-z]|[a-z]\([a-z]\))=")


@lru_cache(maxsize=65536)
def literals(text: str) -> frozenset[str]:
    """The URLs, file paths and formulas of ``text``, case-folded and written one way:
    URLs without a scheme, "www." or trailing punctuation ("https://www.x.org/A." and
    "x.org/a" are one address), formulas without spaces or the name of the function
    ("y = x^2 + 1" and "x^2+1" are one formula)."""
    out = set()
    if "/" in text or "www." in text:
        out.update(_SCHEME.sub("", m.group().casefold()).rstrip(".,;:!?/")
                   for m in _LITERAL.finditer(text))
    if "^" in text or _SPACED_OP.search(text):
        for m in _FORMULA.finditer(text.casefold()):
            f = m.group()
            if ("^" in f or _SPACED_OP.search(f)) and any(c.isdigit() for c in f):
                out.add(_FUNCTION_NAME.sub("", "".join(f.split())).strip("."))
    return frozenset(x for x in out if len(x) > 1)


def different_task(a: str, b: str) -> str | None:
    """Why prompts ``a`` and ``b`` ask for different things, or None when nothing shows it."""
    if different_numbers(a, b):
        return "different numbers"
    na, nb = names(a), names(b)
    if na != nb:
        la, lb = a.casefold(), b.casefold()
        only_a = [n for n in na - nb if n.casefold() not in lb]
        only_b = [n for n in nb - na if n.casefold() not in la]
        if only_a and only_b:
            return "different names"
    pa, pb = literals(a), literals(b)
    if pa - pb and pb - pa:  # "/home/user/docs" / "/home/user": other paths, not one name
        return "different input"
    if swapped(a, b):
        return "swapped direction"
    return None


def different_input(lines_a: list[str], lines_b: list[str]) -> bool:
    """Two multi-line prompts that share a line (the instruction) but whose other lines have
    little in common: the same instruction over different inputs."""
    sa = {n for n in (normalize(x) for x in lines_a) if n}
    sb = {n for n in (normalize(x) for x in lines_b) if n}
    shared = sa & sb
    if not shared or sa == sb:
        return False
    rest_a = set(" ".join(sa - shared).split())
    rest_b = set(" ".join(sb - shared).split())
    if not rest_a or not rest_b:
        return False  # one prompt only adds or drops a line: a sentence-added copy
    return len(rest_a & rest_b) / len(rest_a | rest_b) < 0.5


def labels(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """What must agree between the prompts of one duplicate cluster (see
    ``union_find_clusters``): the names, quoted strings and numbers a prompt carries, and,
    compared apart, its web addresses and file paths (a prompt naming "URL" and one giving
    the address are one request)."""
    return names(text) | numbers(text) | number_words(text), literals(text)


_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\(")


def called_tools(prompt: str, answer: str) -> frozenset[str]:
    """The tools an answer calls that its prompt offers: names written as a call, ``news(``,
    in both ("toolformer access: news … news(query)" → "news('Mars rover')").  Two records
    that put one question to different tools teach different calls: not duplicates."""
    if "(" not in answer or "(" not in prompt:
        return frozenset()
    offered = set(_CALL.findall(prompt))
    return frozenset(n for n in _CALL.findall(answer) if n in offered)


def record_tools(record, prompt: str, answer: str) -> frozenset[str]:
    """What a record's answer is taught to do with tools: the functions its record offers
    (a ``tools`` list: a refusal names what it can do instead) and the offered tools its
    answer calls (see :func:`called_tools`)."""
    offered = frozenset(record.tool_names()) if record.tools else frozenset()
    return offered | called_tools(prompt, answer)


def record_tool_sets(res) -> list[frozenset[str]]:
    """Per record, :func:`record_tools`, built once per run for the duplicate rules."""
    return res._get(("record-tools",), lambda: [
        record_tools(r, p, a)
        for r, p, a in zip(res.records, res.texts("prompt"), res.texts("response"))])


def different_tools(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both records call offered tools, and neither's calls hold the other's."""
    return bool(a and b) and not (a <= b or b <= a)


#: a passage shared by two prompts "makes up most of them" from this many words, and when
#: it holds at least this share of each prompt's words
PASSAGE_WORDS = 20
PASSAGE_SHARE = 2 / 3


def shared_passage(a: str, b: str) -> tuple[str, str] | None:
    """When a long passage (a reference text, a list) makes up most of two prompts, the
    words each prompt has apart from it, in order ("When was it built?" / "Who designed
    it?" after one article), as normalised text; None when no such passage is shared, when
    one prompt is the other with words added (a copy with an extra sentence), or when a
    side differs in no word that could ask something.

    An embedding of the whole prompt is the embedding of the passage: the two questions
    have to be compared on their own."""
    from ...resources.minhash import MAX_EDIT_WORDS
    wa, wb = normalize(a).split(), normalize(b).split()
    if min(len(wa), len(wb)) < PASSAGE_WORDS or max(len(wa), len(wb)) > MAX_EDIT_WORDS:
        return None
    from difflib import SequenceMatcher

    sm = SequenceMatcher(None, wa, wb, autojunk=False)
    blocks = sm.get_matching_blocks()
    shared = sum(n for _, _, n in blocks)
    if shared < PASSAGE_WORDS or shared < PASSAGE_SHARE * max(len(wa), len(wb)):
        return None
    da, db, i, j = [], [], 0, 0
    for x, y, n in blocks:
        da.extend(wa[i:x])
        db.extend(wb[j:y])
        i, j = x + n, y + n
    if not any(_asks(w) for w in da) or not any(_asks(w) for w in db):
        return None  # other names for one variable ("x" / "i"), a changed digit
    return " ".join(da), " ".join(db)


def _asks(word: str) -> bool:
    """A word that can carry what a question asks: three letters or more, not filler."""
    return len(word) >= 3 and word.isalpha() and word not in FILLER


def different_question(prompt_a: str, prompt_b: str, answer_a: str, answer_b: str) -> bool:
    """Two records alike in their prompts but answered differently, which are no copy of one
    record: answers that share less than half of their words, under prompts that each hold
    content words the other lacks (two questions over one passage) or that are longer than
    the answers (one passage asked about twice: the passage makes the records alike, and one
    prompt with several answers is duplicate-prompt's case), unless one answer holds the
    other (a copy with a sentence added); or prompts and answers that share one long passage
    (a list) and differ, each of them, in three content words or more (two questions about
    the list, answered with other items of it).  Texts are normalised."""
    xa, xb = set(answer_a.split()), set(answer_b.split())
    if not xa or not xb:
        return False
    wa, wb = prompt_a.split(), prompt_b.split()
    sa, sb = set(wa), set(wb)
    own_a = {w for w in sa - sb if _asks(w)}
    own_b = {w for w in sb - sa if _asks(w)}
    shared = len(xa & xb)
    if shared < 0.5 * len(xa | xb):
        if shared >= 0.8 * min(len(xa), len(xb)):
            return False  # one answer holds the other: a copy with a sentence added
        return bool(own_a and own_b) or (
            len(wa) > len(answer_a.split()) and len(wb) > len(answer_b.split()))
    asked, answered = shared_passage(prompt_a, prompt_b), shared_passage(answer_a, answer_b)
    return asked is not None and answered is not None and all(
        sum(1 for w in part.split() if _asks(w)) >= 3 for part in (*asked, *answered))
