import re
from collections import Counter
from dataclasses import dataclass

from ...report.judge import Measurement, not_measured
from ...resources.textstats import pct, ranked, share, stable_sample

from ._common import ProductionRule, example, prefix, quote

#: Texts per side whose language is detected (langdetect does ~190 texts/s).
SAMPLE = 500
#: Texts with fewer letters than this are not classified (too short to tell).
MIN_LETTERS = 20
#: Characters of a text looked at: enough to tell its language, and detection time grows
#: with length (a pasted document would cost seconds).
MAX_CHARS = 300

#: Common function words of the Latin-script languages a short text is checked against:
#: langdetect's guess on a short text is a guess (it calls "my files r gone after update??
#: help" Danish), and these words are what a short sentence always holds.
FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in {
    "en": "the and is are was were of to in on for with what how why when where which who "
          "do does did can could would should my your you it this that have has not be "
          "please me from about after an i i'm there their they we our",
    "fr": "le la les des du une est et je tu vous nous il elle ce cette pour avec dans sur "
          "pas que qui comment pourquoi mon ma mes votre vos puis est-ce au aux être sont ne "
          "puis-je quoi où",
    "es": "el los las una unos es y por para con que qué cómo dónde cuándo mi mis tu su del "
          "al está son puedo hay pero muy yo también este esta lo cuál porque",
    "de": "der die das und ist ich du sie wir nicht ein eine einen mit auf für wie was warum "
          "wo kann können mein meine ihr zu von den dem bitte sich auch es hat habe ist wird",
    "it": "il lo gli di della che è e un una per con non come perché dove quando mio mia "
          "sono ho hai posso questo questa del nel anche cosa",
    "pt": "o os um uma é de do da dos das que não com para por como onde quando meu minha "
          "você eu está são posso isso também em no na",
    "nl": "de het een en is ik je jij wij niet met op voor van hoe wat waarom waar kan mijn "
          "zijn dat die er ook naar bij",
    "da": "og er jeg du det en et ikke med på til for hvordan hvad hvorfor hvor kan min mit "
          "mine har af som den de vi",
    "sv": "och är jag du det en ett inte med på till för hur vad varför var kan min mitt har "
          "av som den vi",
    "no": "og er jeg du det en et ikke med på til for hvordan hva hvorfor hvor kan min mitt "
          "har av som den vi",
    "pl": "i w na z się jest nie że to jak co dlaczego gdzie czy mój moja mogę dla do od po",
    "ro": "și este sunt în la cu pe pentru care cum ce de nu un o mea meu",
    "tr": "ve bir bu için ile ne nasıl neden nerede mi mı benim değil var yok çok",
    "id": "dan yang di ke dari ini itu untuk dengan tidak apa bagaimana mengapa saya anda "
          "bisa adalah",
}.items()}
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def _latin(text: str) -> bool:
    """Most letters are Latin (the scripts whose languages share letters)."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch < "\u0250" for ch in letters) * 2 >= len(letters)


def language_of(text: str, guesses: list[tuple[str, float]]) -> str | None:
    """The language of ``text`` given langdetect's ``guesses`` ((code, probability), best
    first), or None when it cannot be told.

    Texts in a script of their own (Han, Cyrillic, Arabic…) take langdetect's guess.  A
    Latin-script text is decided with its common function words (:data:`FUNCTION_WORDS`):
    langdetect's guess stands when its words are at least as many as any other language's
    and there is one; else the language with the most (at least 2, no tie) wins; else, when
    langdetect's language has no word list here, its guess stands only if sure (0.99) and
    the text is long (100 letters); otherwise None: too short to tell."""
    if not guesses:
        return None
    best, p = guesses[0]
    if not _latin(text):
        return best
    tokens = {w.lower().replace("’", "'") for w in _WORD.findall(text)}
    hits = {lang: len(tokens & fw) for lang, fw in FUNCTION_WORDS.items()}
    top = max(hits.values())
    if best in hits and hits[best] >= 1 and hits[best] == top:
        return best
    leaders = [lang for lang, h in hits.items() if h == top]
    if top >= 2 and len(leaders) == 1:
        return leaders[0]
    if best not in hits and p >= 0.99 and sum(ch.isalpha() for ch in text) >= 100:
        return best
    return None


def languages(res, side) -> dict[int, str]:
    """Language code of each text of a hash-chosen sample of the side (memoised); texts
    whose language cannot be told are left out."""
    def build() -> dict[int, str]:
        try:
            from langdetect import DetectorFactory, detect_langs
            from langdetect.lang_detect_exception import LangDetectException
        except ImportError:
            raise RuntimeError("language-mismatch needs langdetect: pip install langdetect") \
                from None
        DetectorFactory.seed = 0
        out: dict[int, str] = {}
        for i in stable_sample(side.texts, SAMPLE):
            t = side.texts[i][:MAX_CHARS]
            if sum(ch.isalpha() for ch in t) < MIN_LETTERS:
                continue
            try:
                guesses = [(g.lang, g.prob) for g in detect_langs(t)]
            except LangDetectException:
                continue  # no letters it can use
            lang = language_of(t, guesses)
            if lang is not None:
                out[i] = lang
        return out
    return res._get(("languages", side.name), build)


def _shares(counts: Counter, n: int, shown: int = 6) -> str:
    """The languages of a side with their shares, the most common first."""
    text = ", ".join(f"{k} {pct(share(c, n))}" for k, c in ranked(counts, shown))
    if len(counts) > shown:
        text += f" and {len(counts) - shown} more"
    return text


class LanguageMismatch(ProductionRule):
    """Languages that production inputs use and the training prompts do not.

    ## What it does
    Detects the language of a fixed sample of up to 500 texts per side (chosen by hash, so
    the same texts every run whatever the record order; ``langdetect``, seeded; texts with
    fewer than 20 letters are left out: too short to tell; the first 300 characters of a text
    are looked at) and compares the distributions.  langdetect alone misreads short texts
    ("my files r gone after update?? help" is Danish to it), so a Latin-script text's language
    is confirmed by its common function words (about 25 per language for 14 languages: "the",
    "is", "how"…; "comment", "je", "est"…): langdetect's guess stands when that language has
    at least as many of them as any other; else the language with clearly the most (2 or more,
    no tie) wins; a text neither decides is left out (too short to tell).  Texts in a script of
    their own (Han, Cyrillic, Arabic…) take langdetect's guess.
    A language is *lacking* in training when it is below ``rare`` of the training sample
    while production has it.  The value is the share of production
    inputs in lacking languages; the rule fails above ``max-share`` and names the languages
    with examples.  With ``--eval`` the eval prompts are compared with production too.

    ## Why it hurts fine-tuning
    Fine-tuning in one language shifts the model towards it: production users writing in
    another get answers in the wrong language, or the base model's weaker behaviour.

    ## Example
    English-only training prompts; 18% of production inputs are German and 7% Spanish.

    ## How to fix
    Add training examples in the production languages (translated or collected), or detect
    the language upstream and route the inputs.

    ## Options
    ``rare`` (float, default 0.01): the training share below which a language counts as
    lacking.  ``max-share`` (float, default 0.05): the share of production inputs in lacking
    languages above which the rule fails.  ``examples`` (int, default 3): examples shown.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("the share of production inputs in languages training lacks (below rare of "
               "training) is above max-share")
    code = "M003"
    name = "language-mismatch"
    summary = "languages that production inputs use and the training prompts do not"
    severity = "warning"

    @dataclass
    class Options:
        rare: float = 0.01
        max_share: float = 0.05
        examples: int = 3
        error_at: float | None = None

    def compare(self, ref, prod, res):
        o = self.options
        rl, pl = languages(res, ref), languages(res, prod)
        rc, pc = Counter(rl.values()), Counter(pl.values())
        nr, np_ = len(rl), len(pl)
        if nr == 0 or np_ == 0:
            yield not_measured(f"{prefix(ref)}no text long enough to detect its language",
                               {"reference": ref.name})
            return
        # every production language that training has below ``rare`` (each detection is
        # confirmed by the text's function words: one input is evidence enough)
        lacking = {lang: c for lang, c in pc.items() if share(rc.get(lang, 0), nr) < o.rare}
        value = share(sum(lacking.values()), np_)
        top = ranked(lacking)
        rows = sorted((i for i, lang in pl.items() if lang in lacking),
                      key=lambda i: (-lacking[pl[i]], pl[i], prod.texts[i]))
        picked, seen = [], Counter()
        for i in rows:  # examples spread over the lacking languages
            if seen[pl[i]] < max(1, o.examples // max(len(lacking), 1)):
                seen[pl[i]] += 1
                picked.append(i)
        picked = (picked + [i for i in rows if i not in picked])[:o.examples]
        details = {"reference": ref.name, "sampled": {ref.name: nr, "production": np_},
                   ref.name: {k: round(share(c, nr), 4) for k, c in ranked(rc)},
                   "production": {k: round(share(c, np_), 4) for k, c in ranked(pc)},
                   "lacking": {k: round(share(c, np_), 4) for k, c in top},
                   "examples": [example(prod, i, language=pl[i]) for i in picked]}
        main = _shares(rc, nr)
        pmain = _shares(pc, np_)
        names = ", ".join(f"{k} ({pct(share(c, np_))})" for k, c in top[:5]) or "none"
        if len(top) > 5:
            names += f" and {len(top) - 5} more"
        msg = (f"{prefix(ref)}{pct(value)} of sampled production inputs are in languages "
               f"{ref.name} lacks: {names}; {ref.name}: {main}; production: {pmain}")
        ex = " | ".join(f"[{pl[i]}] {quote(prod.texts[i], 70)}" for i in picked)
        yield Measurement(value, o.max_share, ">", msg, details, digits=4, findings=[
            self.side_finding(f"{prefix(ref)}production speaks languages {ref.name} "
                              f"lacks: {names}; e.g. {ex}", prod, picked, details)])
