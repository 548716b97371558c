"""Hard negatives: two prompts that look alike but ask for different things.

Near-duplicate, semantic-duplicate and contradiction compare records that are close in
wording or in embedding space.  Closeness misses the few words that change the task, so a
pair is left alone (never a duplicate, never a contradiction, never dropped by ``clean``)
when its prompts differ in one of these:

* **numbers** ("Sort 2, 5, 3" / "Sort 8, 4"; in words, "the second season" / "the third
  season");
* **named entities**: each prompt names something the other does not ("countries by
  population: China, India" / "… by GDP per capita: Qatar, Luxembourg"), or quotes another
  string ("the command 'ls'" / "the command 'pwd'");
* **direction**: the same two terms swapped around "to", "into", "from", "than", "before"
  ("Fahrenheit to Celsius" / "Celsius to Fahrenheit");
* **the input**: two multi-line prompts that share a line but little of the rest — the same
  instruction over different inputs (an Alpaca ``input``, the text a question is about), or
  different questions over one shared passage — are two tasks.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: a number: thousands separated by commas ("1,250") or plain, with decimals; "3,1,2" is
#: three numbers
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?")
#: numbers in words ("one" and "first" are left out: "one of", "at first" count nothing)
_NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred thousand million billion second third fourth fifth sixth seventh eighth ninth "
    "tenth twice half quarter double triple".split())
_WORD = re.compile(r"[\w+#']+")
_CAPITAL = re.compile(r"(?<![\w'])[A-Z][\w'+#-]*")
_OPENS = frozenset('.!?;\n"\'“‘(*-#>')
_LINKS = frozenset("to into from than over under before after".split())
#: capitalised words that name nothing
_COMMON = frozenset(
    "I I'm I've I'd I'll The A An This That These Those It Its In On At For From By With And "
    "But Or If When Where Who Which What How Why Yes No Not Please Output Input Answer "
    "Question Text Sentence Paragraph Article Instruction Example Task Note True False".split())


@lru_cache(maxsize=65536)
def numbers(text: str) -> frozenset[str]:
    """The numbers of ``text`` written in digits."""
    return frozenset(n.replace(",", "") for n in _NUMBER.findall(text))


@lru_cache(maxsize=65536)
def number_words(text: str) -> frozenset[str]:
    """The numbers of ``text`` written in words ("three", "second")."""
    return frozenset(w for w in _WORD.findall(text.casefold()) if w in _NUMBER_WORDS)


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


def swapped(a: str, b: str) -> bool:
    """The same two terms on either side of a linking word, swapped: "X to Y" / "Y to X",
    also with words between them ("Fahrenheit colder than Celsius")."""
    wa, wb = _words(a), _words(b)
    if len(wa) == len(wb):
        diff = [i for i, (x, y) in enumerate(zip(wa, wb)) if x != y]
        if len(diff) == 2:
            i, j = diff
            if wa[i] == wb[j] and wa[j] == wb[i] and any(w in _LINKS for w in wa[i + 1:j]):
                return True
    pairs_a = {(wa[i - 1], w, wa[i + 1]) for i, w in enumerate(wa[1:-1], 1) if w in _LINKS}
    if not pairs_a:
        return False
    for i, w in enumerate(wb[1:-1], 1):
        if w in _LINKS and wb[i - 1] != wb[i + 1] and (wb[i + 1], w, wb[i - 1]) in pairs_a \
                and (wb[i - 1], w, wb[i + 1]) not in pairs_a:
            return True
    return False


def different_task(a: str, b: str) -> str | None:
    """Why prompts ``a`` and ``b`` ask for different things, or None when nothing shows it."""
    if numbers(a) != numbers(b):
        return "different numbers"
    wa, wb = number_words(a), number_words(b)
    if wa - wb and wb - wa:  # "second season" / "third season"; not "into third person" /
        return "different numbers"  # "from first person to third person"
    na, nb = names(a), names(b)
    if na != nb:
        la, lb = a.casefold(), b.casefold()
        only_a = [n for n in na - nb if n.casefold() not in lb]
        only_b = [n for n in nb - na if n.casefold() not in la]
        if only_a and only_b:
            return "different names"
    if swapped(a, b):
        return "swapped direction"
    return None


def different_input(lines_a: list[str], lines_b: list[str]) -> bool:
    """Two multi-line prompts that share a line (the instruction) but whose other lines have
    little in common: the same instruction over different inputs."""
    from ...resources.texts import normalize

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


def labels(text: str) -> frozenset[str]:
    """What must agree between the prompts of one duplicate cluster: the names, quoted
    strings and numbers a prompt carries (see ``union_find_clusters``)."""
    return names(text) | numbers(text) | number_words(text)
