"""What two answers to one question assert, and whether they contradict each other.

Shared by conflicting-answers (the same prompt) and contradiction (paraphrased prompts).  Two
answers conflict when one of these holds, tried in this order:

* **short answers** (labels, yes/no, numbers, single entities) that differ once case,
  punctuation and the wording of a yes/no label are folded ("No" under "Yes or No?" and
  "False" under "True or False?" agree);
* **yes/no polarity**: one answer opens with yes and the other with no (after a courtesy
  opener such as "Great question!"; "Absolutely not" is a no), or, to a yes/no question, one
  opens with "No" and the other's first sentence asserts the thing with a figure ("No, there
  is no size limit" / "Files can be up to 50 GB");
* **negation of the same claim**: the first sentences are the same words, one negated ("The
  API is rate limited." / "The API is not rate limited.");
* **years**: different years to a "when" question;
* **entities**: to a who/which/where question, each first sentence names someone or
  something the question and the other answer do not;
* **a changed fact**: the answers are the same text word for word except for a number or a
  name replaced by another ("Mount Etna in Italy" / "Mount Etna in Colombia").

Everything else (five poems for "write a poem", two correct explanations worded differently,
a longer and a shorter answer that agree) is not a contradiction.  Open-ended requests (a
prompt that opens with list, describe, summarise, suggest…) are compared for a changed fact
only, creative ones (write, compose, generate, design…) not at all; a short yes/no to a
yes/no question is compared whatever the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ...resources.texts import is_short_answer, normalize, word_count

#: an answer that opens with yes or no (the label words only when punctuation follows: "Right-
#: click the file" and "True love is" open with no answer)
_EXPLICIT = re.compile(
    r"^(?:(?P<yes>yes|yeah|yep|yup|sure|certainly|absolutely|definitely|of course|indeed|"
    r"(?:true|correct|right|affirmative)(?=\s*[,.!;:]|$))|"
    r"(?P<no>no|nope|not at all|not really|(?:false|incorrect|wrong|negative)(?=\s*[,.!;:]|$)))"
    r"\b(?!\s+(?:problem|worries|doubt|matter|need|one|and)\b)(?![-'])", re.I)
#: label words folded to one polarity when the whole answer is that label
_LABEL = {**{w: "yes" for w in ("yes", "y", "true", "t", "correct", "right")},
          **{w: "no" for w in ("no", "n", "false", "f", "incorrect", "wrong")}}
#: courtesy openers skipped before reading an answer's first sentence
_OPENER = re.compile(
    r"^\s*(?:(?:great|good|excellent|nice|fair|interesting) question[^.!?\n]{0,30}|"
    r"thanks? (?:you )?for (?:asking|your question)[^.!?\n]{0,30}|hi|hello|hey|okay|ok|"
    r"thank you)\s*[.!?,:]+\s*", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|none|nothing|nobody|neither|nor|cannot|without|"
                       r"unable|impossible|incapable|lacks?|lacking)\b|n't\b", re.I)
#: an apology or refusal: two of them to one request never contradict each other
_REFUSAL = re.compile(r"^\s*(?:i'?m sorry|i am sorry|sorry|i apologi[sz]e|unfortunately|"
                      r"as an ai\b|i can(?:no|')t\b|i'?m (?:not able|unable))", re.I)
#: phrases with a negation word that negate nothing
_IDIOM = re.compile(r"\b(?:no (?:problem|worries|doubt|matter|later than|more than|less than|"
                    r"need to worry)|not only|nothing (?:else )?to worry|never mind|"
                    r"without (?:a|any) (?:problem|issue|hassle)s?)\b", re.I)
_HEDGE = re.compile(r"\b(?:depends|depending|it varies|sometimes|maybe|perhaps|possibly|"
                    r"might|may or may not|not necessarily|not always|partly|partially|"
                    r"in some cases|usually|generally|typically|often)\b", re.I)
_YESNO_Q = re.compile(r"^\s*(?:is|are|am|was|were|can|could|do|does|did|will|would|shall|"
                      r"should|has|have|had|may|must|isn't|aren't|doesn't|don't|didn't|"
                      r"won't|can't)\b", re.I)
_WH_ENTITY = re.compile(r"^\s*(?:who|whom|whose|which|where)\b|\bwhat(?:'s| is| was) the "
                        r"name\b", re.I)
_WHEN = re.compile(r"^\s*(?:when|in what year|what year)\b", re.I)
#: requests whose answers are meant to differ: never compared beyond short answers
#: requests whose answers are meant to differ (the prompt opens with the request, after a
#: polite "please" or "can you"): never compared beyond an explicit yes/no
_OPEN_ENDED = re.compile(
    r"^\W*(?:(?:please|kindly)\s+|(?:can|could|would|will) you\s+(?:please\s+)?|"
    r"i (?:want|need|would like) you to\s+|help me\s+)?"
    r"(?:write|compose|create|generate|draft|invent|imagine|brainstorm|suggest|list|"
    r"describe|tell me (?:a|an|some)|give me (?:a|an|some|ideas|examples)|come up with|"
    r"rewrite|rephrase|paraphrase|summari[sz]e|translate|continue|design|make up|name (?:a|an|"
    r"some|one|two|three|four|five|several)|provide (?:a|an|some)|think of|develop|propose|"
    r"pick|choose|select|recommend)\b", re.I)
#: creative requests: another name or number in an answer is another version, not a claim
_CREATIVE = re.compile(
    r"^\W*(?:(?:please|kindly)\s+|(?:can|could|would|will) you\s+(?:please\s+)?)?"
    r"(?:compose|invent|imagine|brainstorm|make up|come up with|"
    r"(?:write|tell|generate|create|give)(?: me)? (?:a|an|some|two|three)(?: short| funny| new)? "
    r"(?:story|stories|poem|song|joke|letter|essay|haiku|limerick|tale|dialogue|script|"
    r"slogan|title|name|random))\b", re.I)
#: a sentence ends at . ! ? (not after an initial or a common abbreviation) or a line break
_SENTENCE_END = re.compile(r"(?<!\b[A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|vs|No)\.)"
                           r"(?<!\b(?:Mrs|etc|e\.g|i\.e)\.)(?<=[.!?。！？])\s+|\n+")
_QUANTITY = re.compile(
    r"(?P<cur>[$€£¥])?\s?(?P<num>\d+(?:[.,]\d+)*)\s?(?P<unit>%|[A-Za-z]+)?")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_ENTITY = re.compile(r"\b[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|of|de|da|van|von|the))*(?<![ -]of)"
                     r"(?<![ -]the)")
_STOP_CAPS = frozenset("The A An This That These Those It Its He She They We You I In On At "
                       "For From By With And But Or If When Where Who Which What How Why Yes "
                       "No Not There Here As To Of Some Many Most All Each Every".split())
#: words that carry no unit: "3 of them", "2 and 3"
_NOT_UNIT = frozenset("of and or to the a an in on at for by is are was were with from as "
                      "than then times".split())


@dataclass(frozen=True)
class Conflict:
    kind: str  # "short-answer" | "yes-no" | "negation" | "number" | "entity"
    detail: str  # what differs, in words


@lru_cache(maxsize=65536)
def first_sentence(text: str) -> str:
    """The answer's first sentence, after a courtesy opener ("Great question! ...")."""
    t = text.strip()
    for _ in range(2):
        m = _OPENER.match(t)
        if not m:
            break
        t = t[m.end():]
    parts = _SENTENCE_END.split(t, maxsplit=1)
    return parts[0].strip() if parts else ""


def shown(answer: str) -> str:
    """A long answer by its first sentence (what it asserts), a short one whole."""
    return (first_sentence(answer) or answer) if len(answer) > 40 else answer


def label(text: str) -> str:
    """A short answer folded: case, punctuation, and yes/no label wording."""
    n = normalize(text)
    return _LABEL.get(n, n)


def polarity(text: str, yes_no_question: bool) -> tuple[str | None, bool]:
    """(``"yes"``/``"no"``/None, explicit): the answer's opening polarity.  Explicit when it
    opens with a yes/no word; otherwise, to a yes/no question only, its first sentence read as
    an assertion (negated or not), None when it hedges."""
    first = first_sentence(text)
    m = _EXPLICIT.match(first)
    if m:
        if m.group("yes") and re.match(r"[\s,]*not\b", first[m.end():], re.I):
            return "no", True  # "Absolutely not.", "Of course not!"
        return ("yes" if m.group("yes") else "no"), True
    if not yes_no_question or not first or _HEDGE.search(first):
        return None, False
    return ("no" if _NEGATION.search(_IDIOM.sub(" ", first)) else "yes"), False


@lru_cache(maxsize=65536)
def quantities(sentence: str) -> dict[str, frozenset[str]]:
    """Numbers by unit in one sentence: {"day": {"30"}, "$": {"12"}} (units singular)."""
    out: dict[str, set[str]] = {}
    for m in _QUANTITY.finditer(sentence):
        num = m.group("num").replace(",", "")
        unit = m.group("cur") or (m.group("unit") or "").lower()
        if not unit or unit in _NOT_UNIT:
            continue
        if unit.endswith("s") and len(unit) > 3:
            unit = unit[:-1]
        out.setdefault(unit, set()).add(num)
    return {u: frozenset(v) for u, v in out.items()}


def entities(sentence: str, prompt: str) -> frozenset[str]:
    """Capitalised names in ``sentence`` that the prompt does not name."""
    p = prompt.casefold()
    found = set()
    for m in _ENTITY.finditer(sentence):
        name = m.group(0)
        words = name.split()
        if words[0] in _STOP_CAPS:
            words = words[1:]
            if not words:
                continue
            name = " ".join(words)
        if name.casefold() not in p:
            found.add(name)
    return frozenset(found)



_AUX = frozenset("do does did is are was were any a an the have has".split())


@lru_cache(maxsize=4096)
def _claim(sentence: str) -> tuple[bool, tuple[str, ...]]:
    """Whether a sentence is negated, and its words without the negation and auxiliaries."""
    m = _EXPLICIT.match(sentence)  # an opening "No," answers the question; it negates nothing
    if m:
        sentence = sentence[m.end():].lstrip(" ,.!;:")
    words = [w for w in normalize(_NEGATION.sub(" ", sentence)).split() if w not in _AUX]
    return bool(_NEGATION.search(sentence)), tuple(words) if len(words) >= 3 else ()


def _same_claim_negated(a: str, b: str) -> bool:
    """The two sentences say the same thing, word for word, one of them negated ("The API is
    rate limited." / "The API is not rate limited."; not "Canberra, not Sydney, is …")."""
    (na, wa), (nb, wb) = _claim(a), _claim(b)
    if na == nb or not wa or not wb:
        return False
    from difflib import SequenceMatcher

    return SequenceMatcher(None, wa, wb, autojunk=False).ratio() >= 0.9


#: a short lead-in before the question itself ("Quick question: Is …", "Task: Write …")
_LEAD = re.compile(r"^\W*(?:[\w']+\s+){0,3}[\w']+\s*:\s+(?=\S)")


def _question(prompt: str) -> str:
    """The prompt's first line without a short lead-in: what its kind is read from."""
    line = prompt.lstrip().split("\n", 1)[0]
    return _LEAD.sub("", line, count=1)


def conflict(prompt_a: str, answer_a: str, prompt_b: str, answer_b: str,
             max_words: int = 3, max_chars: int = 40) -> Conflict | None:
    """How the two answers contradict each other, or None.  The prompts are the same
    question (exactly, or paraphrased); ``prompt_a`` is the one whose kind of question
    decides (yes/no, who, when)."""
    a, b = answer_a.strip(), answer_b.strip()
    if not a or not b:
        return None
    ask_a, ask_b = _question(prompt_a), _question(prompt_b)
    open_ended = bool(_OPEN_ENDED.match(ask_a) or _OPEN_ENDED.match(ask_b))
    creative = bool(_CREATIVE.match(ask_a) or _CREATIVE.match(ask_b))
    yes_no = bool(_YESNO_Q.match(ask_a) and _YESNO_Q.match(ask_b))
    short_a = is_short_answer(a, max_words, max_chars)
    short_b = is_short_answer(b, max_words, max_chars)
    if short_a and short_b:
        la, lb = label(a), label(b)
        if la and lb and la != lb and (not open_ended or yes_no):
            return Conflict("short-answer", f"{a!r} vs {b!r}")
        return None
    if word_count(a) != len(a.split()) or word_count(b) != len(b.split()):
        return None  # scripts without spaces: the cues below are English
    pa, ea = polarity(a, yes_no)
    pb, eb = polarity(b, yes_no)
    if pa and pb and pa != pb and not open_ended:
        if ea and eb:
            return Conflict("yes-no", f"one answer says {pa}, the other {pb}")
        # one explicit "No" against an answer that asserts the thing with a figure ("No,
        # there is no size limit" / "Single files can be up to 50 GB"): nothing weaker
        implicit = b if ea else a
        if yes_no and (pa if ea else pb) == "no" and quantities(first_sentence(implicit)):
            return Conflict("yes-no", f"one answer says {pa}, the other {pb}")
    if creative:  # answers meant to differ: a changed name or number is just another version
        return None
    fa, fb = first_sentence(a), first_sentence(b)
    if _REFUSAL.match(fa) and _REFUSAL.match(fb):
        return None
    if not open_ended and _same_claim_negated(fa, fb):
        return Conflict("negation", "the same claim, negated in one answer")
    if not open_ended and (_WHEN.match(ask_a) or _WHEN.match(ask_b)):
        ya, yb = set(_YEAR.findall(fa)), set(_YEAR.findall(fb))
        if ya and yb and not ya & yb:
            return Conflict("number", f"{min(ya)} vs {min(yb)}")
    if not open_ended and (_WH_ENTITY.search(ask_a) or _WH_ENTITY.search(ask_b)):
        xa = {n for n in entities(fa, prompt_a) if not _named_in(n, b)}
        xb = {n for n in entities(fb, prompt_b) if not _named_in(n, a)}
        if xa and xb:
            return Conflict("entity", f"{sorted(xa)[0]} vs {sorted(xb)[0]}")
    return substituted(a, b)


#: answers shorter than this (in words and signs) are not read for a changed fact: "Your
#: number is 7" / "Your number is 3" to "pick a random number" differ by design
MIN_TOKENS = 8
#: longer answers are not compared word for word (difflib is quadratic on repetitive text)
MAX_TOKENS = 2000
_TOKEN = re.compile(r"\d+(?:\.\d+)?|\w+(?:['’]\w+)*|[^\w\s]")
#: code and tool calls, whose numbers are arguments, not claims: fenced and inline code,
#: ``name(...)`` calls and JSON objects
_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]*`|\b\w+\([^()\n]*\)|\{[^{}]*\}", re.S)
_DIGITS = re.compile(r"\d")
_NAME_TOKEN = re.compile(r"[A-Z][\w'’-]*|of|the|de|da|van|von|and")


#: a line of program code: the numbers of code are arguments and indices, not claims
_CODE_LINE = re.compile(r"^\s*(?:def |class |return\b|import |from \w+ import|for .*:$|"
                        r"if .*:$|while .*:$|elif |else:|#include|public |private |function |"
                        r"var |let |const |[}{]|</?[a-zA-Z][\w-]*[\s>/]|.*;\s*$)", re.M)
#: tokens of a formula around a number: "x^2 - 4x + 4 = 0" holds no claim about 4
_MATH = frozenset("= ^ * / + < > ≤ ≥ × ÷".split())


@lru_cache(maxsize=4096)
def _prose(text: str) -> tuple[str, ...]:
    for _ in range(3):  # nested calls: innermost first
        text, n = _CODE.subn(" ", text)
        if not n:
            break
    return tuple(_TOKEN.findall(text))


@lru_cache(maxsize=65536)
def _is_code(text: str) -> bool:
    return len(_CODE_LINE.findall(text)) >= 2


def _singular(word: str) -> str:
    for end in ("'s", "’s", "s"):
        if word.endswith(end) and len(word) > len(end) + 2:
            return word[:-len(end)]
    return word


def substituted(a: str, b: str, min_ratio: float = 0.8) -> Conflict | None:
    """The same answer with a fact changed: the two texts (code and tool calls left out)
    match word for word (difflib's ratio at least ``min_ratio``) except where a number, or a
    name of capitalised words, was replaced by another ("Mount Etna in Italy" / "Mount Etna in
    Colombia"; "2 cups" / "3 cups").  Reworded passages, reordered lists and added words are
    not a changed fact."""
    if _is_code(a) or _is_code(b):
        return None  # program code
    ta, tb = _prose(a), _prose(b)
    if max(len(ta), len(tb)) > MAX_TOKENS or min(len(ta), len(tb)) < MIN_TOKENS or \
            2 * min(len(ta), len(tb)) / (len(ta) + len(tb)) < min_ratio:
        return None
    from difflib import SequenceMatcher

    sm = SequenceMatcher(None, ta, tb, autojunk=False)
    if sm.real_quick_ratio() < min_ratio or sm.quick_ratio() < min_ratio or \
            sm.ratio() < min_ratio:
        return None
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "replace" or i2 - i1 > 3 or j2 - j1 > 3:
            continue  # only a word or a short name replaced by another
        xa, xb = ta[i1:i2], tb[j1:j2]
        if all(t[0].isdigit() for t in xa) and all(t[0].isdigit() for t in xb) and \
                set(xa) != set(xb) and _DIGITS.search("".join(xa)):
            window = ta[max(0, i1 - 3):i2 + 3] + tb[max(0, j1 - 3):j2 + 3]
            if any(t in _MATH or (len(t) == 1 and t.isalpha() and t not in "aAI")
                   for t in window):
                continue  # inside a formula
            return Conflict("number", f"{' '.join(xa)} vs {' '.join(xb)}")
        opens = (i1 == 0 or ta[i1 - 1] in ".!?:;") or (j1 == 0 or tb[j1 - 1] in ".!?:;")
        if (not opens or min(len(xa), len(xb)) >= 2) \
                and all(_NAME_TOKEN.fullmatch(t) for t in xa + xb) and xa[0][0].isupper() \
                and xb[0][0].isupper() and not set(xa) & set(xb) \
                and [_singular(t) for t in xa] != [_singular(t) for t in xb]:
            return Conflict("entity", f"{' '.join(xa)} vs {' '.join(xb)}")
    return None


def _named_in(name: str, text: str) -> bool:
    """A word of ``name`` (three letters or more) occurs in ``text``: "Fleming" names
    "Alexander Fleming"."""
    t = text.casefold()
    return any(len(w) > 2 and w.casefold() in t for w in name.split())
