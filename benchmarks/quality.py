"""Seeded quality benchmark of the duplicate and contradiction rules (D001-D008) on real data.

    python benchmarks/quality.py [--corpora DIR] [--seed 0] [--per-kind 30]
        [--files alpaca_5000,template-pairs,...] [--option semantic-duplicate.ratio=0.5 ...]
        [--json OUT] [--keep DIR] [--examples N]

Real public fine-tuning files (``--corpora``, default ``../shared/corpora``; nothing of them is
copied into the project) get seeded defects planted into copies in a temporary folder: the
original records are kept byte-identical (the planted records are spliced in before the closing
``]`` of the JSON array, so even line numbers are unchanged) and the planted records follow
them, in a seeded order.  Each planted copy and its unplanted base are linted with
``datalint check --isolated --format json --select D001,...,D008`` (plus the ``--option``
flags given here), and the script prints, per file and in total, precision and recall per rule
and per planted kind, then the targets with PASS/FAIL.  The same seed gives the same planted
files and the same figures.

Files
-----
Planted: alpaca_5000, llamafactory_alpaca_en_demo, codealpaca_2k and
gpteacher_toolformer_similarity_0.8 (its near-duplicates were removed by its author, so it is
a clean base).  Two synthetic classification sets are built from real alpaca_5000 outputs:
``template-pairs`` and ``position-pairs``.  llamafactory_alpaca_zh_demo (Chinese) and
llamafactory_identity are linted unmodified (see "Reported without plants").  The GPTeacher
label measurement of ``gpteacher_labels.py`` is run too (``gpteacher-labels``).
``--files`` takes any of these names (with or without ``.json``).

Choosing source records
-----------------------
The *prompt* of a record is its instruction and input, the *answer* its ``output`` (``response``
in GPTeacher).  Instruction lines shared by more than 5% of a file's records (GPTeacher's tool
preamble) are *template lines*: no plant edits, paraphrases or wraps them, and they are not
counted in a record's length; the rest of the instruction is its *content*.  A record's length
is the number of whitespace-separated words of content + input + answer.  Each original record
is the source of at most one plant per file.  Kinds pick their sources in a fixed order, scarce
kinds first (long-entity, long-yesno, paraphrase-yesno-short, paraphrase-number-short,
long-number, the hard negatives, then reorder, sentence-added, template-changed, edit-1..5), each
from its own candidates in a seeded order, up to ``--per-kind`` plants (default 30); a file with
fewer suitable records gets fewer plants (the tables show how many).  A plant is dropped when
one of its new records is a near-copy of a record other than its source (word-set Jaccard >= 0.8
of content + input, against the originals and the records planted before it), so that the plant
list is the whole truth about the planted records: two plants built from two paraphrased
originals, or a swapped "Convert 5 miles to kilometers" that already exists in the file, would
make correct findings count as wrong (the JSON holds how many were dropped, per kind).

The rule-based *paraphrase* of a prompt (used below) rewrites its content only: with seeded
choices it applies one contraction ("What is" -> "What's", "is not" -> "isn't", "cannot" ->
"can't", ...), prepends a prefix ("Quick question: ", "Can you tell me: ", "I was wondering: ",
"Question: ", "Tell me: ") and/or appends " Please answer."; at least one of them always
applies, and it never changes a number or a capitalised name.

Planted kinds: contradictions (expected: the pair flagged by D007 or D008)
---------------------------------------------------------------------------
``paraphrase-yesno-short``
    Sources, in this order of preference: (1) a yes/no question (content starting with
    Is/Are/Can/Does/Do/Will/Should/Has/Have/Was/Were/Could/Did and a "?" on that first line,
    so imperatives such as "Do the following ..." are not taken) with a short Yes/No answer (at
    most 3 words): the pair is (original, paraphrased copy with Yes<->No flipped); (2) a yes/no
    question with a longer answer, and (3) any other record whose content ends with "?": two
    records are added, the original prompt answered "Yes." (or the polarity the original answer
    opens with) and the paraphrased prompt answered the opposite; the pair is those two.
``paraphrase-number-short``
    (1) an answer of at most 3 words holding a number: (original, paraphrased copy with the
    number changed, e.g. 42 -> 47); (2) a how many / how much / calculate / compute / what is
    prompt whose answer holds a number: (original prompt -> the answer's first number that is
    not in the prompt, else its last, paraphrase -> another number), both added; (3) any
    other "?" content: (prompt -> a seeded number 2-99, paraphrase -> another number), both
    added.
``long-yesno``
    (1) an answer of at least 20 words opening with Yes/No: (original, copy whose opening word
    is flipped and whose first sentence is crudely negated: "can" -> "cannot", "is" -> "is not",
    or the reverse); (2) a yes/no question with an answer of at least 20 words that does not open
    with Yes/No: two records added, "Yes, <answer>" and "No, <negated answer>".  The second
    record has the same prompt or its paraphrase (seeded, half each).
``long-number``
    An answer of at least 20 words holding a number with a unit (days, years, GB, degrees, %,
    miles, people, dollars, ...) or a year (1000-2099): one such number (preferably one that is
    not in the prompt) is changed in a copy, to the same or the paraphrased prompt.
``long-entity``
    A who/whom/whose/which/when question (also where, "In which", "In what year", "Name the",
    "What year/country/city/company/person", "What is the name/capital": who/which/when alone
    give 5 sources in all four files) with an answer of at least 20 words naming an entity that
    is not in the prompt.  The entity is the first one from the built-in lists (countries,
    cities, famous people, first names, months), else the first other capitalised name of 1-4
    words (not a one-word sentence opener, function words such as "The" dropped).  Every
    occurrence in the answer is replaced by another name of the same kind (an unlisted name by a
    famous person's full name or surname), to the same or the paraphrased prompt.
``template-flip`` / ``template-consistent`` (file ``template-pairs``)
    200 real passages (alpaca_5000 outputs of 20-80 words in one paragraph, seeded), each given
    a topic label by a seeded draw from Science/History/Technology/Health, each written twice:
    "What is the topic of the following text? Answer with one word.\\n\\n<text>" and
    "<text>\\n\\nWhich one-word topic best describes the text above?".  The second copy of 20
    passages gets another label (``template-flip``: must be flagged); the 180 others keep it
    (``template-consistent``: must not be flagged by D007/D008; duplicate rules may flag them).
``position-flip`` / ``position-consistent`` (file ``position-pairs``)
    The same with 200 other passages and one identical question, "What is the topic of this
    text? Answer with one word.", before the text in one copy and after it in the other.

Planted kinds: near-duplicates (expected: the pair flagged by any of D001-D006)
-------------------------------------------------------------------------------
``edit-1`` ... ``edit-5``
    Records of at least 30 words.  k word positions are drawn from the content and the answer
    (words that are lowercase letters only, possibly with punctuation attached; no two chosen
    words adjacent), and each is substituted by another common lowercase word, deleted (only
    without attached punctuation), preceded by an inserted filler word ("really", "also", ...)
    or typo'd (two adjacent different letters swapped, words of 4+ letters).  Exactly k words
    of the record change; no number, capitalised word or negation ("not", "no", "never"…:
    removing one makes a contradiction, not a copy) is touched; the input is kept.
``reorder``
    An answer of one paragraph with at least 3 sentences: the sentences are shuffled (a
    different order is guaranteed).
``sentence-added``
    Records of at least 30 words with a one-paragraph answer: a sentence of 5-25 words from
    another record's answer is inserted after one of its sentences (the last position appends).
``template-changed``
    Records of at least 30 words: the content is wrapped in another phrasing ("Please do the
    following: ...", "Task: ...\\nAnswer:", "Instruction: ...\\nResponse:", "Here is a request.
    ...", "...\\n\\nPlease respond to the request above."); input and answer unchanged.

Planted kinds: hard negatives (expected: the pair NOT flagged by any of D001-D008)
----------------------------------------------------------------------------------
``swapped-direction``
    Content holding "X to Y", "from X to Y" or "X into Y" where X and Y are both from a built-in
    list of units, scales, number bases, cases, formats, tenses, voices, natural and programming
    languages (miles, Celsius, binary, uppercase, JSON, past, passive, English, Python, ...):
    X and Y are swapped everywhere in content, input and answer (case kept per occurrence).
``other-input``
    A record with a non-empty input gets another record's (different, non-empty) input; same
    instruction and answer.
``other-numbers``
    A record whose prompt holds a number: every number in content, input and answer is
    replaced by another (same number of digits, years moved by 1-40), consistently; list
    markers ("1. " at the start of a line) are not numbers here and stay.
``other-entities``
    A record whose prompt names an entity of the built-in lists (not sentence-initial): every
    list entity in content, input and answer is replaced by another of the same kind,
    consistently.  A list name that is part of a longer capitalised name ("New Mexico",
    "Tesla Motors") is not an entity here, in this kind and in ``long-entity``.

Scoring
-------
A finding *involves* its ``location``, ``related``, and cluster ``keep``/``drop`` records; a
planted pair (a, b) is detected by rule R when one finding of R involves both.  The base file
is linted unplanted once (the *baseline*).  In the planted run, a pair (p, x) with p planted
that is not the planted pair is a **wrong pair**, except pairs inside one plant's group (its
source and the records added for it) and pairs *explained by the baseline* (x was already
linked to p's source by any D rule, or x is planted from a source so linked).  A contradiction
finding (D007/D008) between original records that was not in the baseline is a wrong pair too.
A D007/D008 finding between two *passages* of a template set is counted apart, not as wrong:
the labels are seeded draws, so two passages on one subject may carry conflicting labels.
Duplicate rules flagging a contradiction or consistent pair are neither credited nor wrong
(those prompts *are* duplicates); D007/D008 flagging a near-duplicate or consistent pair, and
any rule flagging a hard negative, are wrong pairs.  Per rule: true pairs (planted pairs of its
family's kinds it detects), wrong pairs, precision, and recall over its family's kinds; per
kind: planted, detected (for hard negatives: flagged), share and the rules that flagged them.

Reported without plants
-----------------------
llamafactory_alpaca_zh_demo and llamafactory_identity are linted as they are: their
error-level D007/D008 findings (all false), their D002/D005/D006 clusters (printed for a person
to judge; a cluster joining different prompts is counted, and in the identity set it is false),
and for the zh file the exact duplicates found by D001 against the ones computed here (records
equal as JSON objects; 8 are known).  The GPTeacher labels (records the author removed between
"dedupe only" and "similarity 0.8") give recall, the share of kept records flagged and the
largest cluster, beside the peers' recall on the same kind of labels (text-dedup 60%, cleanlab
50%, datasketch 43%).

Targets (printed with PASS/FAIL; pooled over the planted files)
---------------------------------------------------------------
* planted contradictions (every contradiction kind, D007 or D008): recall >= 0.9 and precision
  >= 0.9 (precision over the distinct D007/D008 pairs: planted pairs found, wrong pairs);
* long-answer contradictions (``long-*``): recall >= 0.7 at that precision >= 0.9;
* ``edit-1`` ... ``edit-5``: recall >= 0.95 and 0 wrong pairs involving their records;
* ``reorder`` and ``sentence-added``: recall >= 0.8 each;
* hard negatives flagged by any of D001-D008 but D004 <= 2%: D004 reports one answer given to
  different prompts, which is what a hard negative that keeps its source's answer is (every
  ``other-input``, and the others where the changed words are not in the answer); its count
  is printed beside the figure;
* template sets: no consistent pair flagged as a contradiction;
* GPTeacher: recall >= 0.7, kept flagged <= 10%, no cluster above 5% of the file;
* identity set: no error-level contradiction; zh: none either, and D001 finds the exact
  duplicates computed here.

The script exits 0 (it measures; it does not gate), also when the corpora folder is missing
(with a message).  ``--json OUT`` writes every figure and every plant; ``--keep DIR`` keeps the
planted files and their plant lists; ``--examples N`` prints missed plants, flagged negatives
and wrong pairs.  A full run takes about a minute on 2 cores with a warm embedding cache.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from gpteacher_labels import measure as gpteacher_measure  # noqa: E402

DUP_RULES = ("D001", "D002", "D003", "D004", "D005", "D006")
CONTRA_RULES = ("D007", "D008")
ALL_RULES = DUP_RULES + CONTRA_RULES
RULE_NAMES = {"D001": "exact-duplicate", "D002": "normalized-duplicate",
              "D003": "duplicate-prompt", "D004": "duplicate-response",
              "D005": "near-duplicate", "D006": "semantic-duplicate",
              "D007": "conflicting-answers", "D008": "contradiction"}

PLANTED_FILES = ("alpaca_5000", "llamafactory_alpaca_en_demo", "codealpaca_2k",
                 "gpteacher_toolformer_similarity_0.8")
SYNTHETIC_FILES = ("template-pairs", "position-pairs")
REPORT_FILES = ("llamafactory_alpaca_zh_demo", "llamafactory_identity")
GPTEACHER = "gpteacher-labels"
ALL_FILES = PLANTED_FILES + SYNTHETIC_FILES + REPORT_FILES + (GPTEACHER,)

CONTRADICTION_KINDS = ("paraphrase-yesno-short", "paraphrase-number-short", "long-yesno",
                       "long-number", "long-entity")
LONG_KINDS = ("long-yesno", "long-number", "long-entity")
EDIT_KINDS = tuple(f"edit-{k}" for k in range(1, 6))
DUPLICATE_KINDS = EDIT_KINDS + ("reorder", "sentence-added", "template-changed")
NEGATIVE_KINDS = ("swapped-direction", "other-input", "other-numbers", "other-entities")
SET_KINDS = ("template-flip", "template-consistent", "position-flip", "position-consistent")
TEMPLATE_KINDS = ("template-flip", "template-consistent", "position-flip", "position-consistent")
EXPECT = {**{k: "contradiction" for k in CONTRADICTION_KINDS + ("template-flip", "position-flip")},
          **{k: "duplicate" for k in DUPLICATE_KINDS},
          **{k: "clean" for k in NEGATIVE_KINDS},
          "template-consistent": "consistent", "position-consistent": "consistent"}
KIND_ORDER = ("template-flip", "position-flip") + CONTRADICTION_KINDS + DUPLICATE_KINDS + \
    NEGATIVE_KINDS + ("template-consistent", "position-consistent")
# the order in which kinds claim their source records (scarce kinds first)
PLANT_ORDER = ("long-entity", "long-yesno", "paraphrase-yesno-short", "paraphrase-number-short",
               "long-number", "swapped-direction", "other-entities", "other-numbers",
               "other-input", "reorder", "sentence-added", "template-changed") + EDIT_KINDS

MIN_WORDS = 30          # near-duplicate edits, sentence-added, template-changed
LONG_WORDS = 20         # long-* answers
SHORT_WORDS = 3         # a short answer
TEMPLATE_SHARE = 0.05   # instruction lines in more than this share of records are template
COLLISION = 0.8         # a planted prompt this close to another record's (word sets) is dropped
PEERS = {"text-dedup": 0.60, "cleanlab": 0.50, "datasketch": 0.43}

# --------------------------------------------------------------------------- word lists

COMMON_WORDS = ("thing", "way", "time", "part", "place", "kind", "point", "case", "good", "new",
                "small", "large", "simple", "clear", "often", "usually", "about", "around",
                "make", "take", "give", "find", "keep", "show", "help", "work", "use", "look",
                "many", "some", "other", "same", "different", "important", "possible", "great",
                "little", "long", "high", "early", "easy", "hard", "quick", "main", "whole")
FILLERS = ("really", "also", "just", "actually", "quite", "very", "simply", "indeed",
           "basically", "generally")
PREFIXES = ("Quick question: ", "Can you tell me: ", "I was wondering: ", "Question: ",
            "Tell me: ")
REWORDS = ((r"\bWhat is\b", "What's"), (r"\bwhat is\b", "what's"), (r"\bIt is\b", "It's"),
           (r"\bit is\b", "it's"), (r"\bdo not\b", "don't"), (r"\bdoes not\b", "doesn't"),
           (r"\bis not\b", "isn't"), (r"\bare not\b", "aren't"), (r"\bcannot\b", "can't"),
           (r"\bWho is\b", "Who's"), (r"\bThere is\b", "There's"), (r"\bLet us\b", "Let's"))
WRAPPERS = ("Please do the following: {}", "Task: {}\nAnswer:", "Instruction: {}\nResponse:",
            "Here is a request. {}", "{}\n\nPlease respond to the request above.")
LABELS = ("Science", "History", "Technology", "Health")
TEMPLATE_Q_BEFORE = "What is the topic of the following text? Answer with one word."
TEMPLATE_Q_AFTER = "Which one-word topic best describes the text above?"
POSITION_Q = "What is the topic of this text? Answer with one word."

ENTITIES = {
    "country": ("France", "Germany", "Italy", "Spain", "Portugal", "Japan", "China", "India",
                "Brazil", "Canada", "Mexico", "Australia", "Russia", "Egypt", "Kenya", "Nigeria",
                "Argentina", "Sweden", "Norway", "Finland", "Denmark", "Poland", "Greece",
                "Ireland", "Chile", "Peru", "Colombia", "Vietnam", "Thailand", "Indonesia",
                "Pakistan", "Morocco", "Ethiopia", "Ukraine", "Netherlands", "Belgium",
                "Switzerland", "Austria", "South Africa", "South Korea", "New Zealand",
                "United States", "United Kingdom", "Saudi Arabia", "Philippines"),
    "city": ("Paris", "London", "Berlin", "Rome", "Madrid", "Lisbon", "Tokyo", "Beijing",
             "Shanghai", "Delhi", "Mumbai", "Sydney", "Melbourne", "Toronto", "Vancouver",
             "Chicago", "Boston", "Seattle", "Miami", "Houston", "Moscow", "Cairo", "Nairobi",
             "Lagos", "Dublin", "Athens", "Vienna", "Prague", "Amsterdam", "Barcelona",
             "Istanbul", "Bangkok", "Seoul", "Dubai", "New York", "Los Angeles",
             "San Francisco", "Rio de Janeiro", "Buenos Aires", "Mexico City", "Cape Town"),
    "person": ("Albert Einstein", "Isaac Newton", "Marie Curie", "Charles Darwin",
               "Abraham Lincoln", "George Washington", "Thomas Jefferson",
               "William Shakespeare", "Leonardo da Vinci", "Napoleon Bonaparte",
               "Thomas Edison", "Nikola Tesla", "Mahatma Gandhi", "Martin Luther King",
               "Winston Churchill", "Galileo Galilei", "Ada Lovelace", "Alan Turing",
               "Jane Austen", "Mark Twain", "Pablo Picasso", "Vincent van Gogh",
               "Ludwig van Beethoven", "Nelson Mandela", "John F. Kennedy",
               "Franklin D. Roosevelt", "Theodore Roosevelt", "Barack Obama", "Steve Jobs",
               "Bill Gates", "Neil Armstrong", "Christopher Columbus", "Julius Caesar"),
    "surname": ("Einstein", "Newton", "Curie", "Darwin", "Lincoln", "Shakespeare", "Edison",
                "Tesla", "Gandhi", "Churchill", "Galileo", "Turing", "Picasso", "Mozart",
                "Beethoven", "Mandela", "Aristotle", "Plato", "Socrates", "Cleopatra"),
    "first": ("John", "Mary", "Sarah", "David", "Michael", "Emma", "James", "Anna", "Maria",
              "Peter", "Paul", "Laura", "Daniel", "Emily", "Jessica", "Robert", "Linda",
              "Alice", "Bob", "Charlie", "Susan", "Karen", "Kevin", "Brian", "Lisa", "Tom",
              "Jennifer", "Chris", "Alex", "Sam", "Kate", "Jane", "Lucy", "Oliver", "Sophia",
              "Olivia", "Liam", "Noah", "Ethan", "Mia", "Ava", "Isabella", "Amelia", "Henry",
              "Richard", "Joseph", "Elizabeth", "Margaret", "Helen", "Nancy", "Carlos", "Juan",
              "Ahmed", "Priya", "Raj"),
    "month": ("January", "February", "April", "June", "July", "August", "September",
              "October", "November", "December"),
}
ENTITY_KIND = {name: kind for kind, names in ENTITIES.items() for name in names}
ENTITY_RE = re.compile(r"(?<![\w-])(" + "|".join(
    re.escape(n) for n in sorted(ENTITY_KIND, key=len, reverse=True)) + r")(?![\w-])")

SWAP_TERMS = frozenset((
    "miles", "mile", "kilometers", "kilometres", "kilometer", "km", "meters", "metres", "meter",
    "feet", "foot", "inches", "inch", "yards", "yard", "centimeters", "centimetres", "cm", "mm",
    "seconds", "minutes", "hours", "days", "weeks", "months", "years", "celsius", "fahrenheit",
    "kelvin", "bytes", "kilobytes", "megabytes", "gigabytes", "bits", "binary", "decimal",
    "hexadecimal", "octal", "uppercase", "lowercase", "pounds", "kilograms", "kg", "grams",
    "ounces", "liters", "litres", "gallons", "cups", "dollars", "euros", "yen", "rupees",
    "json", "xml", "csv", "yaml", "html", "markdown", "integer", "float", "fractions",
    "percentages", "percent",
    "radians", "degrees", "mph", "kph", "active", "passive", "singular", "plural", "past",
    "present", "future", "formal", "informal", "positive", "negative",
    "english", "french", "spanish", "german", "italian", "portuguese", "chinese", "japanese",
    "korean", "russian", "arabic", "hindi", "dutch", "greek", "latin", "python", "java",
    "javascript", "c++", "c#", "ruby", "php", "sql", "mongodb", "typescript", "perl", "swift",
    "kotlin", "rust", "bash", "css", "camelcase", "snakecase", "pascalcase", "ascii",
    "unicode", "utc", "gmt"))
UNITS = ("days?", "weeks?", "months?", "years?", "hours?", "minutes?", "seconds?", "GB", "MB",
         "KB", "TB", "degrees?", "°C", "°F", "%", "percent", "miles?", "km", "kilomet(?:er|re)s?",
         "met(?:er|re)s?", "feet", "foot", "inch(?:es)?", "pounds?", "lbs?", "kg", "kilograms?",
         "grams?", "calories", "people", "dollars?", "euros?", "million", "billion", "times",
         "cups?", "lit(?:er|re)s?", "mph", "species", "countries", "members", "students",
         "employees", "points", "pages", "words", "steps", "centuries", "decades")
UNIT_NUM_RE = re.compile(
    r"(?<![\w.,])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?=\s?(?:" + "|".join(UNITS) +
    r")(?![A-Za-z]))|(?<![\w.,$])(1\d{3}|20\d{2})(?![\w.,]?\d)(?!\w)")
NUM_RE = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\w)")
YESNO_Q = re.compile(r"^(Is|Are|Can|Does|Do|Will|Should|Has|Have|Was|Were|Could|Did)\b[^\n]*\?")
WH_Q = re.compile(r"^(Who|Whom|Whose|Which|When|Where|In which|In what year|Name the|What (?:year|"
                  r"country|city|company|person|is the name|was the name|is the capital))\b")
CAP_SPAN = re.compile(r"(?<![\w'’-])[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,3}(?![\w'’-])")
CAP_STOP = frozenset((
    "The", "A", "An", "In", "On", "At", "For", "This", "That", "These", "Those", "It", "Its", "I",
    "He", "She", "His", "Her", "They", "Their", "We", "Our", "You", "Your", "According",
    "However", "Other", "Some", "Many", "Most", "Both", "Each", "Yes", "No", "Also", "There",
    "Here", "If", "When", "While", "Which", "Who", "What", "Where", "Why", "How", "As", "By",
    "With", "From", "To", "Of", "And", "But", "Or", "So", "Then", "After", "Before", "During",
    "Since", "Today", "Currently", "Find", "Learn", "Use", "Check", "Visit", "Search", "Note",
    "Please", "One", "Another", "All", "Overall", "Finally", "First", "Firstly", "Second",
    "Secondly", "Third", "Thirdly", "Additionally", "Furthermore", "Moreover", "Generally",
    "Typically", "Usually", "Sure", "Unfortunately", "Be", "Can", "Will", "Is", "Are"))
NUMBER_Q = re.compile(r"^(How many|How much|Calculate|Compute|What is|What's|Find|Evaluate|"
                      r"Convert|Solve|Add|Multiply|Divide|Subtract)\b", re.I)
YESNO_A = re.compile(r"^(\s*)(yes|no)\b", re.I)
EDITABLE = re.compile(r"^([\"'(\[]*)([a-z]{2,})([\"')\].,;:!?]*)$")
SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
DIRECTION = re.compile(r"(?<![\w+#-])(?:from\s+)?([A-Za-z][\w+#-]*)\s+(?:to|into)\s+"
                       r"([A-Za-z][\w+#-]*)(?![\w+#-])")

# --------------------------------------------------------------------------- records


@dataclass
class Plant:
    """One planted pair: ``a`` and ``b`` are record indices in the planted file."""

    kind: str
    a: int
    b: int
    source: int | None
    expect: str
    note: str = ""


@dataclass
class Draft:
    kind: str
    source: int | None
    b: dict
    a: dict | None = None       # None: the pair is (source, b)
    note: str = ""


def response_field(records: list[dict]) -> str:
    for r in records:
        if isinstance(r, dict):
            if "output" in r:
                return "output"
            if "response" in r:
                return "response"
    return "output"


def words(text: str) -> int:
    return len(text.split())


def prompt_words(content: str, inp: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", (content + " " + inp).lower()))


def template_lines(records: list[dict]) -> set[str]:
    """Instruction lines found in more than TEMPLATE_SHARE of the records (at least 3)."""
    counts: Counter[str] = Counter()
    for r in records:
        counts.update({ln for ln in str(r.get("instruction", "")).split("\n") if ln.strip()})
    floor = max(3, TEMPLATE_SHARE * len(records))
    return {ln for ln, c in counts.items() if c > floor}


class Ctx:
    """A file's records with what every plant needs to read them."""

    def __init__(self, records: list[dict]):
        self.records = records
        self.resp = response_field(records)
        self.template = template_lines(records)
        self._sets: list[frozenset[str]] = []     # prompt word sets: originals, then planted
        self._owner: list[int | None] = []        # the original (or source) of each set
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._df: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()   # drafts dropped as collisions, per kind
        for i in range(len(records)):
            self._add(prompt_words(self.content(i), self.inp(i)) if self.ok(i) else frozenset(),
                      i)

    def _add(self, ws: frozenset[str], owner: int | None) -> None:
        for w in ws:
            self._postings[w].append(len(self._sets))
            self._df[w] += 1
        self._sets.append(ws)
        self._owner.append(owner)

    def _draft_sets(self, draft: "Draft") -> list[frozenset[str]]:
        head = len(self.split(draft.source)[0])
        return [prompt_words(r["instruction"][head:], r.get("input", "") or "")
                for r in (draft.a, draft.b) if r is not None]

    def collides(self, draft: "Draft") -> bool:
        """Whether a record of the draft is a near-copy of another record's prompt.

        Near-copy: word-set Jaccard >= COLLISION of content + input, against every original
        other than the draft's source and every record planted before it.
        """
        for ws in self._draft_sets(draft):
            if not ws:
                continue
            # a set within COLLISION of ws lacks fewer than k of ws's words: one of the k
            # rarest is in it
            k = int((1 - COLLISION) * len(ws)) + 1
            rare = sorted(ws, key=lambda w: (self._df[w], w))[:k]
            seen: set[int] = set()
            for w in rare:
                for j in self._postings.get(w, ()):
                    if j in seen or self._owner[j] == draft.source:
                        continue
                    seen.add(j)
                    other = self._sets[j]
                    if len(ws & other) >= COLLISION * len(ws | other):
                        self.rejected[draft.kind] += 1
                        return True
        return False

    def register(self, draft: "Draft") -> None:
        for ws in self._draft_sets(draft):
            self._add(ws, draft.source)

    def __len__(self):
        return len(self.records)

    def ok(self, i: int) -> bool:
        r = self.records[i]
        return isinstance(r, dict) and isinstance(r.get("instruction"), str) and \
            isinstance(r.get(self.resp), str) and isinstance(r.get("input", ""), str)

    def split(self, i: int) -> tuple[str, str]:
        """(template head, content) of record i's instruction."""
        text = self.records[i]["instruction"]
        lines = text.split("\n")
        last = -1
        for j, ln in enumerate(lines):
            if ln in self.template:
                last = j
        if last < 0:
            return "", text
        return "\n".join(lines[:last + 1]) + "\n", "\n".join(lines[last + 1:])

    def content(self, i: int) -> str:
        return self.split(i)[1]

    def inp(self, i: int) -> str:
        return self.records[i].get("input", "") or ""

    def answer(self, i: int) -> str:
        return self.records[i][self.resp]

    def length(self, i: int) -> int:
        return words(self.content(i)) + words(self.inp(i)) + words(self.answer(i))

    def prompt(self, i: int) -> str:
        return self.content(i) + "\n" + self.inp(i)

    def make(self, i: int, content: str | None = None, answer: str | None = None,
             inp: str | None = None) -> dict:
        """A new record: a copy of record i with some parts replaced."""
        r = copy.deepcopy(self.records[i])
        if content is not None:
            r["instruction"] = self.split(i)[0] + content
        if inp is not None:
            r["input"] = inp
        if answer is not None:
            r[self.resp] = answer
        return r


# --------------------------------------------------------------------------- text helpers


def paraphrase(text: str, rng: random.Random) -> str:
    """A rule-based paraphrase; never changes a number or a capitalised name."""
    out = text
    applicable = [(p, r) for p, r in REWORDS if re.search(p, out)]
    if applicable and rng.random() < 0.6:
        p, r = rng.choice(applicable)
        out = re.sub(p, r, out, count=1)
    prefix = rng.random() < 0.7
    suffix = rng.random() < 0.5
    if out == text and not suffix:
        prefix = True
    if prefix:
        lead = len(out) - len(out.lstrip())
        out = out[:lead] + rng.choice(PREFIXES) + out[lead:]
    if suffix:
        body = out.rstrip()
        if body and body[-1] not in ".?!:":
            body += "."
        out = body + " Please answer." + out[len(out.rstrip()):]
    return out


def sentences(text: str) -> list[str]:
    return [s for s in SENT_SPLIT.split(text.strip()) if s]


def is_short(text: str) -> bool:
    return 0 < words(text) <= SHORT_WORDS and len(text.strip()) <= 40


def opens_yesno(text: str) -> str | None:
    m = YESNO_A.match(text)
    return m.group(2).lower() if m else None


def _case_like(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word.lower()


NEGATE = re.compile(r"\b(can|is|are|was|were|will|should|could|would|does|do|did|has|have|"
                    r"must)\b")
UNNEGATE = re.compile(r"\b(?:(can)not|(can)'t|(wo)n't|(is|are|was|were|does|do|did|has|have|"
                      r"should|could|would|must)n't|(is|are|was|were|will|should|could|would|"
                      r"does|do|did|has|have|must) not)\b")


def flip_polarity(answer: str) -> str:
    """"Yes, you can ..." -> "No, you cannot ..." (and back), crudely, in the first sentence."""
    m = YESNO_A.match(answer)
    if not m:
        raise ValueError("answer does not open with yes/no")
    was_yes = m.group(2).lower() == "yes"
    head = m.group(1) + _case_like("no" if was_yes else "yes", m.group(2))
    rest = answer[m.end():]
    end = re.search(r"[.!?](?:\s|$)", rest)
    first, tail = (rest[:end.start()], rest[end.start():]) if end else (rest, "")
    if was_yes:
        first = NEGATE.sub(lambda g: "cannot" if g.group(1) == "can" else g.group(1) + " not",
                           first, count=1)
    else:
        def back(g):
            word = next(x for x in g.groups() if x)
            return "will" if word == "wo" else word
        first = UNNEGATE.sub(back, first, count=1)
    return head + first + tail


def change_number(num: str, rng: random.Random, avoid: set[str] = frozenset()) -> str:
    """Another number written like ``num`` (same digit count, a year moved by 1-40)."""
    grouped = "," in num
    intpart, _, frac = num.replace(",", "").partition(".")
    n = int(intpart)
    for attempt in range(200):
        if attempt == 100:          # every same-width number is taken: allow one more digit
            intpart = intpart + "0"
        if len(intpart) == 4 and 1000 <= n <= 2099 and not frac:
            m = n + rng.choice((-1, 1)) * rng.randint(1, 40)
        elif len(intpart) == 1:
            m = rng.randint(0, 9)
        else:
            lo = 10 ** (len(intpart) - 1)
            m = rng.randint(lo, 10 * lo - 1)
        f = "".join(str(rng.randint(0, 9)) for _ in frac) if frac else ""
        if frac and m == n and f == frac:
            continue
        out = f"{m:,}" if grouped else str(m)
        if f:
            out += "." + f
        if out != num and out not in avoid:
            return out
    raise ValueError(f"no other number for {num}")


def replace_numbers(texts: list[str], rng: random.Random) -> list[str]:
    """Every number (not list markers) replaced by another, the same one everywhere."""
    mapping: dict[str, str] = {}
    found = [m.group(0) for t in texts for m in numbers(t)]
    for num in dict.fromkeys(found):
        mapping[num] = change_number(num, rng, avoid=set(found) | set(mapping.values()))
    out = []
    for t in texts:
        for m in reversed(numbers(t)):
            t = t[:m.start()] + mapping[m.group(0)] + t[m.end():]
        out.append(t)
    return out


def sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'(")
    return not before or before[-1] in ".!?:\n"


PREV_WORD = re.compile(r"([A-Z][\w'.-]*)[ \t]+$")
NAME_PREFIX = frozenset(("New", "North", "South", "East", "West", "San", "Santa", "Los", "Las",
                         "Saint", "St.", "Upper", "Lower", "Great", "Little", "Old", "Port",
                         "Fort", "Mount", "Lake", "Cape"))
NEXT_CAP = re.compile(r"[ \t]+[A-Z]")


def entities(text: str) -> list[re.Match]:
    """List entities standing alone: not part of a longer name ("New Mexico", "Tesla Motors")."""
    out = []
    for m in ENTITY_RE.finditer(text):
        prev = PREV_WORD.search(text, 0, m.start())
        if prev and (prev.group(1) in NAME_PREFIX or not sentence_initial(text, prev.start())):
            continue
        if NEXT_CAP.match(text, m.end()):
            continue
        out.append(m)
    return out


LIST_MARKER = re.compile(r"[.)]\s")


def numbers(text: str) -> list[re.Match]:
    """Numbers in text, except list markers ("1. ", "2) " at the start of a line)."""
    out = []
    for m in NUM_RE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if not text[line_start:m.start()].strip() and not m.group(2) and \
                LIST_MARKER.match(text, m.end()):
            continue
        out.append(m)
    return out


def sub_entities(text: str, mapping: dict[str, str]) -> str:
    for m in reversed(entities(text)):
        if m.group(0) in mapping:
            text = text[:m.start()] + mapping[m.group(0)] + text[m.end():]
    return text


def other_entity(name: str, rng: random.Random, avoid: set[str]) -> str | None:
    """Another name of the same kind, or None when the list has none left (a record naming
    every month, say)."""
    kind = ENTITY_KIND[name]
    choices = [n for n in ENTITIES[kind] if n != name and n not in avoid]
    return rng.choice(choices) if choices else None


def swap_words(text: str, x: str, y: str) -> str:
    pat = re.compile(r"(?<![\w+#-])(" + re.escape(x) + "|" + re.escape(y) + r")(?![\w+#-])",
                     re.I)

    def rep(m: re.Match) -> str:
        other = y if m.group(0).lower() == x.lower() else x
        return _case_like(other, m.group(0))
    return pat.sub(rep, text)


#: words an edit never touches: removing "not" turns a copy into a contradiction
NEGATIONS = frozenset("not no never none nor neither cannot without nothing".split())


def edit_words(texts: list[str], k: int, rng: random.Random) -> list[str] | None:
    """Change exactly k words across texts (substitute, delete, insert before, typo)."""
    toks = [re.split(r"(\s+)", t) for t in texts]
    eligible = [(t, j) for t, ts in enumerate(toks) for j in range(0, len(ts), 2)
                if EDITABLE.match(ts[j]) and EDITABLE.match(ts[j]).group(2) not in NEGATIONS]
    rng.shuffle(eligible)
    chosen: list[tuple[int, int]] = []
    for t, j in eligible:
        if all(t != t2 or abs(j - j2) >= 4 for t2, j2 in chosen):
            chosen.append((t, j))
            if len(chosen) == k:
                break
    if len(chosen) < k:
        return None
    deletions: list[tuple[int, int]] = []
    for t, j in chosen:
        pre, core, post = EDITABLE.match(toks[t][j]).groups()
        swaps = [i for i in range(len(core) - 1) if core[i] != core[i + 1]]
        ops = ["sub", "ins"] + (["del"] if not pre and not post else []) + \
            (["typo"] if len(core) >= 4 and swaps else [])
        op = rng.choice(ops)
        if op == "sub":
            toks[t][j] = pre + rng.choice([w for w in COMMON_WORDS if w != core]) + post
        elif op == "ins":
            toks[t][j] = rng.choice(FILLERS) + " " + toks[t][j]
        elif op == "typo":
            i = rng.choice(swaps)
            toks[t][j] = pre + core[:i] + core[i + 1] + core[i] + core[i + 2:] + post
        else:
            deletions.append((t, j))
    for t, j in sorted(deletions, reverse=True):
        if j > 0:
            del toks[t][j - 1:j + 1]
        else:
            del toks[t][0:2]
    return ["".join(ts) for ts in toks]


# --------------------------------------------------------------------------- plant makers
# Each maker: (ctx, rng, n, used) -> list[Draft]; it marks the sources it takes in ``used``.


def _take(ctx: Ctx, rng: random.Random, n: int, used: set[int], tiers, build) -> list[Draft]:
    """Seeded order within each tier of candidates; build(i, tier) -> Draft | None."""
    out: list[Draft] = []
    for tier, cands in enumerate(tiers):
        cands = [i for i in cands if i not in used]
        rng.shuffle(cands)
        for i in cands:
            if len(out) >= n:
                return out
            if i in used:
                continue
            d = build(i, tier)
            if d is not None and not ctx.collides(d):
                ctx.register(d)
                used.add(i)
                out.append(d)
    return out


def _valid(ctx: Ctx) -> list[int]:
    return [i for i in range(len(ctx)) if ctx.ok(i) and ctx.content(i).strip()
            and ctx.answer(i).strip()]


def _prompt_for(ctx, i, rng) -> tuple[str, str]:
    """The same content or its paraphrase (seeded, half each)."""
    if rng.random() < 0.5:
        return ctx.content(i), "same prompt"
    return paraphrase(ctx.content(i), rng), "paraphrased prompt"


def make_paraphrase_yesno_short(ctx, rng, n, used):
    valid = _valid(ctx)
    yn = [i for i in valid if YESNO_Q.match(ctx.content(i).strip())]
    natural = [i for i in yn if is_short(ctx.answer(i)) and opens_yesno(ctx.answer(i))]
    longer = [i for i in yn if i not in set(natural)]
    other = [i for i in valid if i not in set(yn) and ctx.content(i).rstrip().endswith("?")]

    def build(i, tier):
        para = paraphrase(ctx.content(i), rng)
        if tier == 0:
            ans = ctx.answer(i)
            m = YESNO_A.match(ans)
            flipped = ans[:m.start(2)] + _case_like(
                "no" if m.group(2).lower() == "yes" else "yes", m.group(2)) + ans[m.end(2):]
            return Draft("paraphrase-yesno-short", i, ctx.make(i, para, flipped), note="natural")
        first = "No." if opens_yesno(ctx.answer(i)) == "no" else "Yes."
        second = "Yes." if first == "No." else "No."
        return Draft("paraphrase-yesno-short", i, ctx.make(i, para, second),
                     a=ctx.make(i, answer=first),
                     note="yes/no question" if tier == 1 else "constructed")
    return _take(ctx, rng, n, used, [natural, longer, other], build)


def make_paraphrase_number_short(ctx, rng, n, used):
    valid = _valid(ctx)
    natural = [i for i in valid if is_short(ctx.answer(i)) and NUM_RE.search(ctx.answer(i))]
    nat = set(natural)
    derived = [i for i in valid if i not in nat and NUMBER_Q.match(ctx.content(i).strip())
               and NUM_RE.search(ctx.answer(i))]
    der = set(derived)
    other = [i for i in valid if i not in nat and i not in der
             and ctx.content(i).rstrip().endswith("?")]

    def build(i, tier):
        para = paraphrase(ctx.content(i), rng)
        if tier == 0:
            ans = ctx.answer(i)
            m = NUM_RE.search(ans)
            new = ans[:m.start()] + change_number(m.group(0), rng) + ans[m.end():]
            return Draft("paraphrase-number-short", i, ctx.make(i, para, new), note="natural")
        if tier == 1:
            in_prompt = {m.group(0) for m in NUM_RE.finditer(ctx.prompt(i))}
            found = [m.group(0) for m in NUM_RE.finditer(ctx.answer(i))]
            first = next((x for x in found if x not in in_prompt), found[-1])
        else:
            first = str(rng.randint(2, 99))
        second = change_number(first, rng)
        return Draft("paraphrase-number-short", i, ctx.make(i, para, second),
                     a=ctx.make(i, answer=first),
                     note="number from the answer" if tier == 1 else "constructed")
    return _take(ctx, rng, n, used, [natural, derived, other], build)


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first == "I" or any(c.isupper() for c in first[1:]) or first.strip(",.") in ENTITY_KIND:
        return text
    return text[:1].lower() + text[1:]


def make_long_yesno(ctx, rng, n, used):
    valid = [i for i in _valid(ctx) if words(ctx.answer(i)) >= LONG_WORDS]
    natural = [i for i in valid if opens_yesno(ctx.answer(i))]
    nat = set(natural)
    built = [i for i in valid if i not in nat and YESNO_Q.match(ctx.content(i).strip())]

    def build(i, tier):
        content, how = _prompt_for(ctx, i, rng)
        if tier == 0:
            return Draft("long-yesno", i, ctx.make(i, content, flip_polarity(ctx.answer(i))),
                         note=f"natural, {how}")
        first = "Yes, " + _lower_first(ctx.answer(i).lstrip())
        return Draft("long-yesno", i, ctx.make(i, content, flip_polarity(first)),
                     a=ctx.make(i, answer=first), note=f"constructed, {how}")
    return _take(ctx, rng, n, used, [natural, built], build)


def make_long_number(ctx, rng, n, used):
    cands = [i for i in _valid(ctx) if words(ctx.answer(i)) >= LONG_WORDS
             and UNIT_NUM_RE.search(ctx.answer(i))]

    def build(i, tier):
        ans = ctx.answer(i)
        prompt_nums = {m.group(0) for m in NUM_RE.finditer(ctx.prompt(i))}
        found = list(UNIT_NUM_RE.finditer(ans))
        fresh = [m for m in found if m.group(0) not in prompt_nums]
        m = rng.choice(fresh or found)
        new = ans[:m.start()] + change_number(m.group(0), rng) + ans[m.end():]
        content, how = _prompt_for(ctx, i, rng)
        return Draft("long-number", i, ctx.make(i, content, new), note=how)
    return _take(ctx, rng, n, used, [cands], build)


def capitalised_names(answer: str, prompt: str) -> list[str]:
    """Capitalised names of 1-4 words in answer that the prompt does not hold.

    Leading function words are dropped ("The Golden Gate" -> "Golden Gate"); a one-word name
    must not start a sentence.
    """
    out = []
    for m in CAP_SPAN.finditer(answer):
        parts = m.group(0).split()
        start = m.start()
        while parts and parts[0] in CAP_STOP:
            start = answer.index(parts[1], start + len(parts[0])) if len(parts) > 1 else start
            parts = parts[1:]
        if not parts or any(p in CAP_STOP for p in parts):
            continue
        name = " ".join(parts)
        if name in prompt or (len(parts) == 1 and sentence_initial(answer, start)):
            continue
        out.append(name)
    return out


def make_long_entity(ctx, rng, n, used):
    cands = [i for i in _valid(ctx) if WH_Q.match(ctx.content(i).strip())
             and words(ctx.answer(i)) >= LONG_WORDS]

    def build(i, tier):
        prompt, answer = ctx.prompt(i), ctx.answer(i)
        present = {m.group(0) for m in entities(answer)}
        names = [m.group(0) for m in entities(answer) if m.group(0) not in prompt]
        if names:
            name = names[0]
            new_name = other_entity(name, rng, present)
            if new_name is None:
                return None
            new = sub_entities(answer, {name: new_name})
        else:
            spans = capitalised_names(answer, prompt)
            if not spans:
                return None
            name = spans[0]
            kind = "person" if " " in name else "surname"
            new_name = rng.choice([n for n in ENTITIES[kind] if n not in answer])
            new = re.sub(r"(?<![\w'’-])" + re.escape(name) + r"(?![\w'’-])", new_name, answer)
        content, how = _prompt_for(ctx, i, rng)
        return Draft("long-entity", i, ctx.make(i, content, new),
                     note=f"{name} -> {new_name}, {how}")
    return _take(ctx, rng, n, used, [cands], build)


def make_edit(k):
    def maker(ctx, rng, n, used):
        cands = [i for i in _valid(ctx) if ctx.length(i) >= MIN_WORDS]

        def build(i, tier):
            out = edit_words([ctx.content(i), ctx.answer(i)], k, rng)
            if out is None:
                return None
            return Draft(f"edit-{k}", i, ctx.make(i, out[0], out[1]))
        return _take(ctx, rng, n, used, [cands], build)
    return maker


def make_reorder(ctx, rng, n, used):
    cands = [i for i in _valid(ctx) if "\n" not in ctx.answer(i).strip()
             and len(sentences(ctx.answer(i))) >= 3]

    def build(i, tier):
        sents = sentences(ctx.answer(i))
        order = list(range(len(sents)))
        while order == sorted(order):
            rng.shuffle(order)
        return Draft("reorder", i, ctx.make(i, answer=" ".join(sents[j] for j in order)))
    return _take(ctx, rng, n, used, [cands], build)


def make_sentence_added(ctx, rng, n, used):
    valid = _valid(ctx)
    cands = [i for i in valid if ctx.length(i) >= MIN_WORDS and "\n" not in ctx.answer(i).strip()]
    donors = [(i, s) for i in valid if "\n" not in ctx.answer(i)
              for s in sentences(ctx.answer(i))
              if 5 <= words(s) <= 25 and s[-1] in ".!?" and s[0].isupper()]

    def build(i, tier):
        if not donors:
            return None
        j, extra = rng.choice(donors)
        if j == i:
            return None
        sents = sentences(ctx.answer(i))
        at = rng.randint(1, len(sents))
        new = " ".join(sents[:at] + [extra] + sents[at:])
        return Draft("sentence-added", i, ctx.make(i, answer=new), note=f"sentence from {j}")
    return _take(ctx, rng, n, used, [cands], build)


def make_template_changed(ctx, rng, n, used):
    cands = [i for i in _valid(ctx) if ctx.length(i) >= MIN_WORDS]

    def build(i, tier):
        wrapper = rng.choice(WRAPPERS)
        return Draft("template-changed", i, ctx.make(i, wrapper.format(ctx.content(i).strip())),
                     note=wrapper.replace("{}", "...").replace("\n", "\\n"))
    return _take(ctx, rng, n, used, [cands], build)


def direction_pair(content: str) -> tuple[str, str] | None:
    for m in DIRECTION.finditer(content):
        x, y = m.group(1), m.group(2)
        if x.lower() == y.lower():
            continue
        if x.lower() in SWAP_TERMS and y.lower() in SWAP_TERMS:
            return x, y
    return None


def make_swapped_direction(ctx, rng, n, used):
    cands = [i for i in _valid(ctx) if direction_pair(ctx.content(i))]

    def build(i, tier):
        x, y = direction_pair(ctx.content(i))
        return Draft("swapped-direction", i,
                     ctx.make(i, swap_words(ctx.content(i), x, y),
                              swap_words(ctx.answer(i), x, y), swap_words(ctx.inp(i), x, y)),
                     note=f"{x} <-> {y}")
    return _take(ctx, rng, n, used, [cands], build)


def make_other_input(ctx, rng, n, used):
    valid = _valid(ctx)
    with_input = [i for i in valid if ctx.inp(i).strip()]

    def build(i, tier):
        j = rng.choice(with_input)
        if j == i or ctx.inp(j).strip() == ctx.inp(i).strip():
            return None
        return Draft("other-input", i, ctx.make(i, inp=ctx.inp(j)), note=f"input of {j}")
    return _take(ctx, rng, n, used, [with_input], build)


def make_other_numbers(ctx, rng, n, used):
    cands = [i for i in _valid(ctx) if numbers(ctx.content(i) + "\n" + ctx.inp(i))]

    def build(i, tier):
        c, a, p = replace_numbers([ctx.content(i), ctx.answer(i), ctx.inp(i)], rng)
        return Draft("other-numbers", i, ctx.make(i, c, a, p))
    return _take(ctx, rng, n, used, [cands], build)


def _named_in_prompt(ctx, i) -> bool:
    for text in (ctx.content(i), ctx.inp(i)):
        for m in entities(text):
            if not sentence_initial(text, m.start()):
                return True
    return False


def make_other_entities(ctx, rng, n, used):
    cands = [i for i in _valid(ctx) if _named_in_prompt(ctx, i)]

    def build(i, tier):
        texts = [ctx.content(i), ctx.answer(i), ctx.inp(i)]
        present = {m.group(0) for t in texts for m in entities(t)}
        mapping: dict[str, str] = {}
        for name in sorted(present):
            other = other_entity(name, rng, present | set(mapping.values()))
            if other is None:
                return None
            mapping[name] = other
        c, a, p = (sub_entities(t, mapping) for t in texts)
        return Draft("other-entities", i, ctx.make(i, c, a, p),
                     note=", ".join(f"{k} -> {v}" for k, v in mapping.items()))
    return _take(ctx, rng, n, used, [cands], build)


MAKERS = {"paraphrase-yesno-short": make_paraphrase_yesno_short,
          "paraphrase-number-short": make_paraphrase_number_short,
          "long-yesno": make_long_yesno, "long-number": make_long_number,
          "long-entity": make_long_entity,
          **{f"edit-{k}": make_edit(k) for k in range(1, 6)},
          "reorder": make_reorder, "sentence-added": make_sentence_added,
          "template-changed": make_template_changed,
          "swapped-direction": make_swapped_direction, "other-input": make_other_input,
          "other-numbers": make_other_numbers, "other-entities": make_other_entities}


def plant(records: list[dict], kinds=None, per_kind: int = 30, seed: int = 0,
          stats: dict | None = None) -> tuple[list[dict], list[Plant]]:
    """The records followed by the planted ones (seeded order), and the plants.

    ``records`` is not modified; the returned list holds the same original objects first.
    ``stats``, if given, receives the number of drafts dropped as collisions per kind.
    """
    ctx = Ctx(records)
    wanted = set(kinds) if kinds is not None else set(MAKERS)
    unknown = wanted - set(MAKERS)
    if unknown:
        raise ValueError(f"unknown kinds: {sorted(unknown)}")
    used: set[int] = set()
    drafts: list[Draft] = []
    for kind in PLANT_ORDER:
        if kind in wanted:
            drafts += MAKERS[kind](ctx, random.Random(f"{seed}:{kind}"), per_kind, used)
    if stats is not None:
        stats["collisions_rejected"] = dict(sorted(ctx.rejected.items()))
    order = list(range(len(drafts)))
    random.Random(f"{seed}:order").shuffle(order)
    out = list(records)
    plants: list[Plant] = []
    for k in order:
        d = drafts[k]
        if d.a is not None:
            out.append(d.a)
            a = len(out) - 1
        else:
            a = d.source
        out.append(d.b)
        plants.append(Plant(d.kind, a, len(out) - 1, d.source, EXPECT[d.kind], d.note))
    return out, plants


def pick_passages(records: list[dict], n: int, seed: int) -> list[str]:
    """n distinct one-paragraph answers of 20-80 words, in a seeded order."""
    resp = response_field(records)
    seen: set[str] = set()
    cands = []
    for r in records:
        t = r.get(resp) if isinstance(r, dict) else None
        if isinstance(t, str) and "\n" not in t.strip() and 20 <= words(t) <= 80 \
                and t.strip() not in seen:
            seen.add(t.strip())
            cands.append(t.strip())
    random.Random(f"{seed}:passages").shuffle(cands)
    return cands[:n]


def template_pairs(passages: list[str], variant: str, seed: int = 0,
                   flips: int = 20) -> tuple[list[dict], list[Plant]]:
    """A topic-classification set: every passage twice, ``flips`` second copies relabelled.

    variant "template": the question before the text, a reworded question after it;
    variant "position": the same question before and after.
    """
    if variant not in ("template", "position"):
        raise ValueError(variant)
    rng = random.Random(f"{seed}:{variant}-pairs")
    labels = [rng.choice(LABELS) for _ in passages]
    flipped = set(rng.sample(range(len(passages)), min(flips, len(passages))))
    q_before, q_after = ((TEMPLATE_Q_BEFORE, TEMPLATE_Q_AFTER) if variant == "template"
                         else (POSITION_Q, POSITION_Q))
    items = []
    for i, text in enumerate(passages):
        second = labels[i]
        if i in flipped:
            second = rng.choice([lab for lab in LABELS if lab != labels[i]])
        items.append((i, 0, {"instruction": f"{q_before}\n\n{text}", "input": "",
                             "output": labels[i]}))
        items.append((i, 1, {"instruction": f"{text}\n\n{q_after}", "input": "",
                             "output": second}))
    rng.shuffle(items)
    at = {(i, c): k for k, (i, c, _) in enumerate(items)}
    plants = []
    for i in range(len(passages)):
        kind = f"{variant}-{'flip' if i in flipped else 'consistent'}"
        plants.append(Plant(kind, at[(i, 0)], at[(i, 1)], None, EXPECT[kind], f"passage {i}"))
    plants.sort(key=lambda p: p.a)
    return [r for _, _, r in items], plants


def planted_json(base_text: str, extra: list[dict]) -> str:
    """The base JSON array text with records appended before its closing bracket."""
    body = base_text.rstrip()
    if not body.endswith("]"):
        raise ValueError("not a JSON array")
    if not extra:
        return base_text
    head = body[:-1].rstrip()
    sep = "" if head.endswith("[") else ","
    added = ",\n".join(json.dumps(r, ensure_ascii=False, indent=4) for r in extra)
    return f"{head}{sep}\n{added}\n]\n"


# --------------------------------------------------------------------------- linting


def lint(path: Path, options: list[str]) -> list[dict]:
    cmd = [sys.executable, "-m", "datalint", "check", str(path), "--isolated", "--format",
           "json", "--select", ",".join(ALL_RULES), "--fail-on", "never", "--no-progress"]
    for o in options:
        cmd += ["--option", o]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        sys.exit(f"datalint failed on {path} (exit {p.returncode}):\n{p.stderr[-3000:]}")
    out = json.loads(p.stdout)
    for e in out.get("rule_errors") or []:
        print(f"  warning: rule error on {path.name}: {e}", file=sys.stderr)
    return out["findings"]


def involved(f: dict) -> set[int]:
    """Record indices a finding involves: location, related, cluster keep and drop."""
    refs = [f.get("location") or {}, *(f.get("related") or [])]
    data = f.get("data") or {}
    if isinstance(data.get("keep"), dict):
        refs.append(data["keep"])
    refs += [d for d in data.get("drop") or [] if isinstance(d, dict)]
    return {r["record_index"] for r in refs if r.get("record_index") is not None}


def _pair(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def score(plants: list[Plant], findings: list[dict], baseline: list[dict] | None = None,
          n_original: int = 0) -> dict:
    """Per kind and per rule figures of one planted file (see the module docstring)."""
    linked: dict[int, set[int]] = defaultdict(set)
    base_contra: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for f in baseline or []:
        s = involved(f)
        for x in s:
            linked[x] |= s - {x}
        if f["code"] in CONTRA_RULES:
            m = sorted(s)
            base_contra[f["code"]] |= {(x, y) for i, x in enumerate(m) for y in m[i + 1:]}
    owner: dict[int, int] = {}
    for k, p in enumerate(plants):
        owner[p.b] = k
        if p.source is None or p.a != p.source:
            owner[p.a] = k
    groups = [{x for x in (p.source, p.a, p.b) if x is not None} for p in plants]
    detected: dict[int, set[str]] = defaultdict(set)
    wrong: dict[str, dict[tuple[int, int], set[str]]] = defaultdict(dict)
    cross: set[tuple[int, int]] = set()

    def add_wrong(code, x, y, kinds):
        wrong[code].setdefault(_pair(x, y), set()).update(kinds)

    for f in findings:
        code = f["code"]
        if code not in ALL_RULES:
            continue
        s = involved(f)
        mine = [x for x in s if x in owner]
        for x in mine:
            p = plants[owner[x]]
            if p.a in s and p.b in s:
                detected[owner[x]].add(code)
            src = p.source
            for y in s:
                if y == x or y in groups[owner[x]]:
                    continue
                if y in owner:
                    src2 = plants[owner[y]].source
                    if src is not None and src2 is not None and \
                            (src2 == src or src2 in linked[src]):
                        continue
                    if code in CONTRA_RULES and p.kind in SET_KINDS and \
                            plants[owner[y]].kind in SET_KINDS:
                        # two passages of a template set: their labels are seeded draws, so
                        # two passages on one subject may well carry conflicting labels
                        cross.add(_pair(x, y))
                        continue
                    add_wrong(code, x, y, {p.kind, plants[owner[y]].kind})
                else:
                    if src is not None and y in linked[src]:
                        continue
                    add_wrong(code, x, y, {p.kind})
        if code in CONTRA_RULES:
            orig = sorted(x for x in s if x not in owner and x < n_original)
            for i, x in enumerate(orig):
                for y in orig[i + 1:]:
                    if (x, y) not in base_contra[code]:
                        add_wrong(code, x, y, {"original"})
    true: dict[str, int] = Counter()
    kinds: dict[str, dict] = {}
    for k, p in enumerate(plants):
        codes = detected.get(k, set())
        row = kinds.setdefault(p.kind, {"expect": p.expect, "planted": 0, "detected": 0,
                                        "by_rule": Counter()})
        row["planted"] += 1
        row["by_rule"].update(codes)
        if p.expect == "contradiction":
            hit = codes & set(CONTRA_RULES)
            true.update(hit)
        elif p.expect == "duplicate":
            hit = codes & set(DUP_RULES)
            true.update(hit)
            for c in codes & set(CONTRA_RULES):
                add_wrong(c, p.a, p.b, {p.kind})
        elif p.expect == "clean":
            hit = codes
            for c in codes:
                add_wrong(c, p.a, p.b, {p.kind})
            row["flagged_without_d004"] = row.get("flagged_without_d004", 0) + \
                bool(codes - {"D004"})
        else:  # consistent
            hit = codes & set(CONTRA_RULES)
            for c in hit:
                add_wrong(c, p.a, p.b, {p.kind})
        if hit:
            row["detected"] += 1
            row.setdefault("hits", []).append(k)
        else:
            row.setdefault("misses", []).append(k)
    expected_n = {"contradiction": sum(p.expect == "contradiction" for p in plants),
                  "duplicate": sum(p.expect == "duplicate" for p in plants)}
    rules = {}
    for code in ALL_RULES:
        fam = "contradiction" if code in CONTRA_RULES else "duplicate"
        rules[code] = {"true": true.get(code, 0), "wrong": len(wrong.get(code, {})),
                       "expected": expected_n[fam]}
    _rates(kinds, rules)
    wrong_pairs = [{"rule": c, "pair": list(pr), "kinds": sorted(ks)}
                   for c in ALL_RULES for pr, ks in sorted(wrong.get(c, {}).items())]
    return {"kinds": kinds, "rules": rules, "wrong_pairs": wrong_pairs,
            "cross_passage_contradictions": len(cross)}


def family_figures(sc: dict, kinds: tuple[str, ...], rules: tuple[str, ...],
                   wrong_kinds: tuple[str, ...] | None = None) -> dict:
    """Recall over ``kinds`` (detected by ``rules``) and distinct wrong pairs of ``rules``.

    wrong_kinds: only wrong pairs involving those kinds count (None: every wrong pair).
    """
    planted = detected = 0
    for kind in kinds:
        row = sc["kinds"].get(kind)
        if row:
            planted += row["planted"]
            detected += row["detected"]
    pairs = {tuple(w["pair"]) for w in sc["wrong_pairs"] if w["rule"] in rules and
             (wrong_kinds is None or set(w["kinds"]) & set(wrong_kinds))}
    return {"planted": planted, "detected": detected, "wrong": len(pairs)}


# --------------------------------------------------------------------------- reports


def _fmt(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


def print_tables(title: str, sc: dict) -> None:
    print(f"\n== {title} ==")
    print(f"{'kind':24} {'expect':13} {'planted':>7} {'detected':>8} {'share':>6}  rules that "
          f"flagged the pair")
    for kind, row in _kind_rows(sc):
        label = "flagged" if row["expect"] in ("clean", "consistent") else ""
        rules = " ".join(f"{c}:{n}" for c, n in row["by_rule"].items()) or "-"
        print(f"{kind:24} {row['expect']:13} {row['planted']:7d} {row['detected']:8d} "
              f"{_fmt(row['share']):>6}  {rules}{'  (share flagged)' if label else ''}")
    print(f"{'rule':26} {'true pairs':>10} {'wrong pairs':>11} {'precision':>9} {'recall':>7}")
    for code in ALL_RULES:
        r = sc["rules"][code]
        print(f"{code} {RULE_NAMES[code]:21} {r['true']:10d} {r['wrong']:11d} "
              f"{_fmt(r['precision']):>9} {_fmt(r['recall']):>7}")
    if sc.get("cross_passage_contradictions"):
        print(f"contradictions between two passages of a template set (labels are seeded draws; "
              f"not counted, read them with --keep): {sc['cross_passage_contradictions']}")


def merge_scores(scores: list[dict]) -> dict:
    kinds: dict[str, dict] = {}
    rules = {c: {"true": 0, "wrong": 0, "expected": 0} for c in ALL_RULES}
    wrong_pairs = []
    cross = 0
    for n, sc in enumerate(scores):
        for kind, row in sc["kinds"].items():
            t = kinds.setdefault(kind, {"expect": row["expect"], "planted": 0, "detected": 0,
                                        "by_rule": Counter()})
            t["planted"] += row["planted"]
            t["detected"] += row["detected"]
            t["by_rule"].update(row["by_rule"])
            if "flagged_without_d004" in row:
                t["flagged_without_d004"] = t.get("flagged_without_d004", 0) + \
                    row["flagged_without_d004"]
        for c in ALL_RULES:
            for key in ("true", "wrong", "expected"):
                rules[c][key] += sc["rules"][c][key]
        wrong_pairs += [{**w, "pair": [n, *w["pair"]]} for w in sc["wrong_pairs"]]
        cross += sc.get("cross_passage_contradictions", 0)
    _rates(kinds, rules)
    return {"kinds": kinds, "rules": rules, "wrong_pairs": wrong_pairs,
            "cross_passage_contradictions": cross}


def _rates(kinds: dict, rules: dict) -> None:
    """Share per kind and precision and recall per rule, from the counts (in place)."""
    for row in kinds.values():
        row["share"] = row["detected"] / row["planted"] if row["planted"] else None
        row["by_rule"] = dict(sorted(row["by_rule"].items()))
    for r in rules.values():
        t, w, e = r["true"], r["wrong"], r["expected"]
        r["precision"] = t / (t + w) if t + w else None
        r["recall"] = t / e if e else None


def _kind_rows(sc: dict):
    """(kind, row) of the kinds a score holds, in the tables' order."""
    return ((kind, sc["kinds"][kind]) for kind in KIND_ORDER if kind in sc["kinds"])


def print_examples(records: list[dict], plants: list[Plant], sc: dict, limit: int) -> None:
    resp = response_field(records)

    def show(i):
        r = records[i]
        return (f"      [{i}] {json.dumps(r.get('instruction', ''), ensure_ascii=False)[:160]}"
                f" -> {json.dumps(r.get(resp, ''), ensure_ascii=False)[:120]}")
    for kind, row in _kind_rows(sc):
        key = "hits" if row["expect"] in ("clean", "consistent") else "misses"
        for k in row.get(key, [])[:limit]:
            p = plants[k]
            print(f"   {'flagged' if key == 'hits' else 'missed'} {kind} ({p.note or '-'}):")
            print(show(p.a))
            print(show(p.b))
    for w in sc["wrong_pairs"][:limit]:
        print(f"   wrong pair {w['rule']} ({', '.join(w['kinds'])}):")
        for i in w["pair"]:
            print(show(i))


def normalize_prompt(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if not unicodedata.category(c)[0] in "PZC")


def report_unplanted(name: str, records: list[dict], findings: list[dict],
                     limit: int = 12) -> dict:
    """Error-level contradictions, duplicate clusters and exact duplicates of one file."""
    resp = response_field(records)

    def prompt(i):
        r = records[i]
        return (r.get("instruction", "") or "") + ("\n" + r["input"] if r.get("input") else "")
    errors = [f for f in findings if f["code"] in CONTRA_RULES and f["severity"] == "error"]
    clusters = []
    for f in findings:
        if f["code"] in ("D002", "D005", "D006") and "keep" in (f.get("data") or {}):
            members = sorted(involved(f))
            distinct = len({normalize_prompt(prompt(i)) for i in members})
            clusters.append({"rule": f["code"], "members": members,
                             "distinct_prompts": distinct})
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        groups[json.dumps(r, sort_keys=True, ensure_ascii=False)].append(i)
    exact = [g for g in groups.values() if len(g) > 1]
    d001 = [sorted(involved(f)) for f in findings if f["code"] == "D001"]
    d001_sets = [set(g) for g in d001]
    found = sum(1 for g in exact if any(set(g) <= s for s in d001_sets))
    print(f"\n== {name} (unplanted, {len(records)} records) ==")
    print(f"error-level contradictions (D007/D008; all false): {len(errors)}")
    for f in errors[:limit]:
        print(f"   {f['code']} {f['message'][:220]}")
    joined = sum(c["distinct_prompts"] > 1 for c in clusters)
    print(f"duplicate clusters (D002/D005/D006): {len(clusters)}, "
          f"{joined} joining different prompts")
    for c in clusters[:limit]:
        print(f"   {c['rule']} {len(c['members'])} records, {c['distinct_prompts']} distinct "
              f"prompts:")
        for i in c["members"][:6]:
            print(f"      [{i}] {json.dumps(prompt(i), ensure_ascii=False)[:80]} -> "
                  f"{json.dumps(records[i].get(resp, ''), ensure_ascii=False)[:70]}")
    if len(clusters) > limit:
        print(f"   ... {len(clusters) - limit} more (all in --json)")
    print(f"exact duplicate records (equal JSON objects): {sum(len(g) - 1 for g in exact)} in "
          f"{len(exact)} groups; D001 found {sum(len(g) - 1 for g in d001)} in {len(d001)} "
          f"clusters; computed groups covered by D001: {found}/{len(exact)}")
    return {"records": len(records), "contradiction_errors": [
                {"code": f["code"], "message": f["message"], "records": sorted(involved(f))}
                for f in errors],
            "clusters": clusters, "clusters_joining_different_prompts": joined,
            "exact_duplicates": {"computed_records": sum(len(g) - 1 for g in exact),
                                 "computed_groups": exact,
                                 "d001_records": sum(len(g) - 1 for g in d001),
                                 "d001_clusters": d001, "groups_found": found}}


def print_gpteacher(g: dict) -> None:
    print(f"\n== GPTeacher Toolformer labels ({g['records']} records, {g['removed']} removed by "
          f"the author, {g['kept']} kept) ==")
    print(f"{'rule':24} {'recall':>7} {'kept flagged':>13} {'kept dropped':>13} "
          f"{'largest cluster':>16} {'share':>6}")
    for name, r in sorted(g["rules"].items()):
        print(f"{name:24} {r['recall']:7.3f} {r['kept_flagged']:13.3f} {r['kept_dropped']:13.3f} "
              f"{r['largest']:16d} {r['largest'] / g['records']:6.3f}")
    a = g["all"]
    print(f"{'all selected':24} {a['recall']:7.3f} {a['kept_flagged']:13.3f} "
          f"{a['kept_dropped']:13.3f} {a['largest']:16d} {a['largest'] / g['records']:6.3f}")
    print("kept flagged: kept records in a cluster (as the copy to keep, mostly); kept dropped: "
          "kept records a cluster says to drop")
    print("peers, recall on the same kind of labels: " +
          ", ".join(f"{k} {v:.2f}" for k, v in PEERS.items()))


def targets(total: dict, files: dict, gpt: dict | None, unplanted: dict) -> list[dict]:
    out = []

    def add(name, ok, figure, applicable=True):
        out.append({"target": name, "pass": bool(ok) if applicable else None,
                    "figure": figure})
    sc = total
    if sc["kinds"]:
        contra_kinds = CONTRADICTION_KINDS + ("template-flip", "position-flip")
        c = family_figures(sc, contra_kinds, CONTRA_RULES)
        rec = c["detected"] / c["planted"] if c["planted"] else None
        prec = c["detected"] / (c["detected"] + c["wrong"]) if c["detected"] + c["wrong"] else None
        add("planted contradictions: recall >= 0.9 and precision >= 0.9",
            rec is not None and prec is not None and rec >= 0.9 and prec >= 0.9,
            f"recall {_fmt(rec)} ({c['detected']}/{c['planted']}), precision {_fmt(prec)} "
            f"({c['wrong']} wrong pairs)", c["planted"] > 0)
        lg = family_figures(sc, LONG_KINDS, CONTRA_RULES)
        lrec = lg["detected"] / lg["planted"] if lg["planted"] else None
        add("long-answer contradictions: recall >= 0.7 at precision >= 0.9",
            lrec is not None and prec is not None and lrec >= 0.7 and prec >= 0.9,
            f"recall {_fmt(lrec)} ({lg['detected']}/{lg['planted']}), precision {_fmt(prec)}",
            lg["planted"] > 0)
        ed = family_figures(sc, EDIT_KINDS, ALL_RULES, wrong_kinds=EDIT_KINDS)
        erec = ed["detected"] / ed["planted"] if ed["planted"] else None
        add("near-dups edit-1..5: recall >= 0.95 with 0 wrong pairs",
            erec is not None and erec >= 0.95 and ed["wrong"] == 0,
            f"recall {_fmt(erec)} ({ed['detected']}/{ed['planted']}), {ed['wrong']} wrong pairs",
            ed["planted"] > 0)
        for kind in ("reorder", "sentence-added"):
            row = sc["kinds"].get(kind)
            add(f"{kind}: recall >= 0.8", row and row["share"] >= 0.8,
                f"recall {_fmt(row['share'] if row else None)}"
                f" ({row['detected'] if row else 0}/{row['planted'] if row else 0})", bool(row))
        # D004 reports one answer given to different prompts: a hard negative that keeps its
        # source's answer (other-input keeps it always) is that, by D004's definition
        flagged = planted = 0
        for kind in NEGATIVE_KINDS:
            row = sc["kinds"].get(kind)
            if row:
                planted += row["planted"]
                flagged += row.get("flagged_without_d004", row["detected"])
        hshare = flagged / planted if planted else None
        d004 = sum((sc["kinds"].get(k) or {}).get("by_rule", {}).get("D004", 0)
                   for k in NEGATIVE_KINDS)
        add("hard negatives flagged as duplicate or contradiction <= 2% (D001-D008 but D004)",
            hshare is not None and hshare <= 0.02,
            f"flagged {_fmt(hshare)} ({flagged}/{planted}); D004, the same answer copied to "
            f"another task, flags {d004}", planted > 0)

        cons = family_figures(sc, ("template-consistent", "position-consistent"),
                              CONTRA_RULES)
        add("template sets: consistent pairs flagged as contradictions = 0",
            cons["detected"] == 0, f"{cons['detected']}/{cons['planted']} flagged",
            cons["planted"] > 0)
    if gpt:
        a = gpt["all"]
        share = a["largest"] / gpt["records"]
        add("GPTeacher: recall >= 0.7, kept flagged <= 10%, no cluster above 5% of the file",
            a["recall"] >= 0.7 and a["kept_flagged"] <= 0.10 and share <= 0.05,
            f"recall {a['recall']:.3f}, kept flagged {a['kept_flagged']:.3f}, "
            f"largest cluster {share:.3f}")
    ident = unplanted.get("llamafactory_identity")
    if ident:
        n = len(ident["contradiction_errors"])
        add("identity set: no error-level contradiction", n == 0, f"{n} error-level findings")
    zh = unplanted.get("llamafactory_alpaca_zh_demo")
    if zh:
        n = len(zh["contradiction_errors"])
        ex = zh["exact_duplicates"]
        ok = n == 0 and ex["groups_found"] == len(ex["computed_groups"]) and \
            ex["d001_records"] == ex["computed_records"]
        add("zh: no false contradiction and the exact duplicates found", ok,
            f"{n} contradiction findings; D001 {ex['d001_records']} duplicate records, "
            f"computed {ex['computed_records']} ({ex['groups_found']}/"
            f"{len(ex['computed_groups'])} groups found)")
    return out


# --------------------------------------------------------------------------- main


def _name(arg: str) -> str:
    return arg[:-5] if arg.endswith(".json") else arg


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=str(ROOT.parent / "shared" / "corpora"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-kind", type=int, default=30)
    ap.add_argument("--files", default=",".join(ALL_FILES),
                    help="comma-separated names among: " + ", ".join(ALL_FILES))
    ap.add_argument("--option", action="append", default=[],
                    help="rule.key=value, passed to every datalint run")
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--keep", help="keep the planted files and their plant lists here")
    ap.add_argument("--examples", type=int, default=0,
                    help="print up to N missed plants, flagged negatives and wrong pairs per "
                         "kind and file")
    args = ap.parse_args(argv)
    corpora = Path(args.corpora)
    if not corpora.is_dir():
        print(f"skipped: corpora folder {corpora} not found", file=sys.stderr)
        return 0
    files = [_name(f.strip()) for f in args.files.split(",") if f.strip()]
    unknown = [f for f in files if f not in ALL_FILES]
    if unknown:
        ap.error(f"unknown files {unknown}; choose among {', '.join(ALL_FILES)}")
    t0 = time.perf_counter()
    keep = Path(args.keep) if args.keep else None
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    results: dict = {"settings": {"seed": args.seed, "per_kind": args.per_kind,
                                  "options": args.option, "corpora": str(corpora)},
                     "files": {}, "unplanted": {}}
    scores = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        out_dir = keep or tmp
        for name in PLANTED_FILES:
            if name not in files:
                continue
            base = corpora / f"{name}.json"
            if not base.is_file():
                print(f"skipped {name}: {base} not found", file=sys.stderr)
                continue
            text = base.read_text(encoding="utf-8")
            records = json.loads(text)
            stats: dict = {}
            out, plants = plant(records, per_kind=args.per_kind, seed=args.seed, stats=stats)
            path = out_dir / f"{name}.planted.json"
            path.write_text(planted_json(text, out[len(records):]), encoding="utf-8")
            if keep:
                (keep / f"{name}.plants.json").write_text(
                    json.dumps([asdict(p) for p in plants], indent=1), encoding="utf-8")
            baseline = lint(base, args.option)
            findings = lint(path, args.option)
            sc = score(plants, findings, baseline, n_original=len(records))
            scores.append(sc)
            print_tables(f"{name} ({len(records)} records + {len(out) - len(records)} planted, "
                         f"{len(plants)} pairs)", sc)
            if args.examples:
                print_examples(out, plants, sc, args.examples)
            results["files"][name] = {"records": len(records),
                                      "planted_records": len(out) - len(records), **stats, **sc,
                                      "plants": [asdict(p) for p in plants]}
        synthetic = [f for f in SYNTHETIC_FILES if f in files]
        if synthetic:
            source = corpora / "alpaca_5000.json"
            if not source.is_file():
                print(f"skipped {', '.join(synthetic)}: {source} not found", file=sys.stderr)
                synthetic = []
            else:
                passages = pick_passages(json.loads(source.read_text(encoding="utf-8")), 400,
                                         args.seed)
        for name in synthetic:
            variant = name.split("-")[0]
            chunk = passages[:200] if variant == "template" else passages[200:400]
            records, plants = template_pairs(chunk, variant, args.seed)
            path = out_dir / f"{name}.json"
            path.write_text(json.dumps(records, ensure_ascii=False, indent=4) + "\n",
                            encoding="utf-8")
            if keep:
                (keep / f"{name}.plants.json").write_text(
                    json.dumps([asdict(p) for p in plants], indent=1), encoding="utf-8")
            findings = lint(path, args.option)
            sc = score(plants, findings, None, n_original=0)
            scores.append(sc)
            print_tables(f"{name} ({len(records)} records, {len(plants)} pairs, built from "
                         f"alpaca_5000 answers)", sc)
            if args.examples:
                print_examples(records, plants, sc, args.examples)
            results["files"][name] = {"records": len(records), **sc,
                                      "plants": [asdict(p) for p in plants]}
    total = merge_scores(scores) if scores else {"kinds": {}, "rules": {}, "wrong_pairs": []}
    if scores:
        print_tables("total over the planted files", total)
        results["total"] = {k: v for k, v in total.items() if k != "wrong_pairs"}
    for name in REPORT_FILES:
        if name not in files:
            continue
        base = corpora / f"{name}.json"
        if not base.is_file():
            print(f"skipped {name}: {base} not found", file=sys.stderr)
            continue
        records = json.loads(base.read_text(encoding="utf-8"))
        results["unplanted"][name] = report_unplanted(name, records, lint(base, args.option))
    gpt = None
    if GPTEACHER in files:
        try:
            gpt = gpteacher_measure(corpora, "D001,D002,D003,D004,D005,D006",
                                    options=args.option)
        except FileNotFoundError as e:
            print(f"skipped {GPTEACHER}: {e}", file=sys.stderr)
        if gpt:
            print_gpteacher(gpt)
            results["gpteacher"] = {**gpt, "peers_recall": PEERS}
    tg = targets(total, results["files"], gpt, results["unplanted"])
    print("\n== targets ==")
    for t in tg:
        mark = "n/a " if t["pass"] is None else ("PASS" if t["pass"] else "FAIL")
        print(f"{mark}  {t['target']}: {t['figure']}")
    results["targets"] = tg
    results["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"\n({results['seconds']:.0f} s; seed {args.seed}, per kind {args.per_kind}"
          f"{', options ' + ' '.join(args.option) if args.option else ''})")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1, ensure_ascii=False,
                                                  default=list), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
