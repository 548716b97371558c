"""One notion of "the same prompt", shared by duplicate-prompt, conflicting-answers and
contradiction, so that no pair of records falls between two rules.

Two prompts are *the same* when they are equal

* as written (``raw``),
* once case, spacing, punctuation and Unicode forms are folded (``normalized``), or
* as a set of lines, so one question placed before its text in one record and after it in
  another is one prompt (``reordered``).

Prompts that share their content but not their wording — the same article under another
instruction line, or a paraphrased question — are not the same prompt: whether the two
instructions ask the same thing is for the embedding model to judge, in ``contradiction``
(see :func:`differing_lines`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...resources.texts import normalize

#: how two prompts matched, in words for a finding
HOW = {"raw": "",
       "normalized": " (the same once case and punctuation are folded)",
       "reordered": " (the same lines in another order)"}


@dataclass
class PromptGroups:
    """Records that share a prompt: ``groups[g]`` (two or more record indices, in record
    order) matched as ``how[g]``; ``key[r]`` is record ``r``'s group key ("" for no prompt)."""

    groups: list[list[int]]
    how: list[str]
    key: list[str]


#: a line of code: the order of code lines is their meaning
_CODE = re.compile(r"[=;{}()\[\]]|^\s*(?:def|class|return|import|print|for|if|while|#include)\b")


def line_key(text: str) -> str:
    """The normalised lines of a prompt, sorted: equal for the same lines in any order (a
    question before its text or after it).  A prompt with a line of code keeps its order."""
    if "\n" not in text:
        return normalize(text)
    raw = [line for line in text.split("\n") if line.strip()]
    lines = [normalize(line) for line in raw]
    if not any(_CODE.search(line) for line in raw):
        lines.sort()
    return "\n".join(n for n in lines if n)


def prompt_groups(res) -> PromptGroups:
    """The groups of records with the same prompt (memoised per run)."""
    def build() -> PromptGroups:
        raw = res.texts("prompt")
        norm = res.normalized("prompt")
        keys = [line_key(t) if "\n" in t else n for t, n in zip(raw, norm)]
        by: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            if k:
                by.setdefault(k, []).append(i)
        groups = [g for g in by.values() if len(g) > 1]
        how = []
        for g in groups:
            if len({raw[i] for i in g}) == 1:
                how.append("raw")
            elif len({norm[i] for i in g}) == 1:
                how.append("normalized")
            else:
                how.append("reordered")
        return PromptGroups(groups, how, keys)
    return res._get(("prompt-groups",), build)


def differing_lines(a: str, b: str) -> tuple[str, str]:
    """The lines of each prompt that the other lacks (compared normalised), joined: what an
    embedding must judge when two prompts share most of their text.  Prompts of one line
    differ as wholes."""
    if "\n" not in a and "\n" not in b:
        return a, b
    la = [line for line in a.split("\n") if line.strip()]
    lb = [line for line in b.split("\n") if line.strip()]
    na = {normalize(line) for line in la}
    nb = {normalize(line) for line in lb}
    da = [line for line in la if normalize(line) not in nb]
    db = [line for line in lb if normalize(line) not in na]
    return "\n".join(da) or a, "\n".join(db) or b


def tool_context(res) -> list[str]:
    """Per record, what its tools returned (the text of its tool turns, "" for none): two
    answers to one question that read different tool results (a stock price today and
    yesterday) do not contradict each other."""
    from ...io.record import TOOL

    return res._get(("tool-context",), lambda: [
        "\n".join(t.text for t in r.turns if t.role == TOOL and t.text) for r in res.records])


#: courtesy around a question that does not change what it asks ("Quick question: can you
#: tell me … ? Please answer."), removed from its start and end only
_COURTESY_START = re.compile(
    r"^(?:(?:hi|hello|hey|quick question|question|tell me|i was wondering|i wonder|"
    r"please|kindly|(?:can|could|would) you (?:please )?(?:tell me|explain|say)|"
    r"do you know|i d like to know|i would like to know)\b\s*)+")
_COURTESY_END = re.compile(r"(?:\s*\b(?:please(?: answer| reply| respond)?|thanks|"
                           r"thank you|answer briefly|please answer briefly)\b)+$")


def content_key(text: str) -> str:
    """A normalised prompt without courtesy at its start and end, its words in order: equal
    for "Is a strawberry a fruit?" and "Quick question: is a strawberry a fruit? Please
    answer." (not for "are all squares rectangles" / "are all rectangles squares", "is Pluto"
    / "was Pluto"); "" when fewer than three words remain (too little to tell prompts apart)."""
    words = text.split()
    if len(words) < 3:
        return ""
    core = text
    if words[0] in _COURTESY_FIRST:
        core = _COURTESY_START.sub("", core)
    if words[-1] in _COURTESY_LAST:
        core = _COURTESY_END.sub("", core)
    padded = f" {core} "
    if any(m in padded for m in _CONTRACTED):
        for rx, to in _CONTRACTIONS:
            core = rx.sub(to, core)
    core = core.strip()
    return core if len(core.split()) >= 3 else ""


#: first and last words that may start or end courtesy (a cheap test before the patterns)
_COURTESY_FIRST = frozenset("hi hello hey quick question tell i please kindly can could would do".split())
_COURTESY_LAST = frozenset("please answer reply respond thanks you briefly".split())
#: what a normalised contraction leaves behind
_CONTRACTED = (" s ", " t ", " re ", " ve ", " ll ", " m ", " can not ")


#: contractions as normalisation leaves them ("what's" -> "what s"), written out
_CONTRACTIONS = [(re.compile(r"\bcan t\b"), "cannot"), (re.compile(r"\bwon t\b"), "will not"),
                 (re.compile(r"\bcan not\b"), "cannot"), (re.compile(r"n t\b"), " not"),
                 (re.compile(r"\b(what|who|where|when|how|that|it|there|here|he|she) s\b"),
                  r"\1 is"), (re.compile(r"\b(\w+) re\b"), r"\1 are"),
                 (re.compile(r"\b(\w+) ve\b"), r"\1 have"), (re.compile(r"\b(\w+) ll\b"),
                                                                 r"\1 will"),
                 (re.compile(r"\bi m\b"), "i am")]


#: function words and courtesy: what two near-copies' prompts need not share
FILLER = frozenset("""
a an the is are was were be been being am do does did done can could would will shall should
may might must have has had i me my mine we us our you your yours it its this that these those
there here of to in on at for from by with about as into onto than then so just also really
very please kindly tell quick question questions wondering wonder ask asking answer answers
reply respond help thanks thank hi hello hey dear sir madam ok okay s t re ve ll d m let know
give show say explain some any briefly short shortly following below above
""".split())
