import json
import re

from ..packs import rule_patterns
from ...io.record import ASSISTANT, USER
from ...rule import RecordRule

_QUOTES = "\"'“‘«`"


def _quote(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return f'"{s[:n]}…"' if len(s) > n else f'"{s}"'


# -- what the prompt asks for -----------------------------------------------------------------
# A disclaimer is canned when a real answer was possible.  It is the honest answer when the
# prompt asks for something a text assistant cannot do or know, and the disclaimer declines
# just that; these read which.

# The prompt gives the assistant a role or a hypothetical self: answering in it is the task,
# so "I don't have personal preferences" refuses the task.
_ROLE_PLAY = re.compile(
    r"\b(?:imagine|pretend|suppose)\b[^.?!\n]{0,20}\byou(?:'re|’re| are| were)?\b|"
    r"\bpretend to be\b|\bact(?:ing)? as (?:a|an|the|if)\b|\brole-?play|"
    r"\bplay the (?:role|part)\b|\bif you were\b|\bput yourself in\b|"
    r"\bin the (?:role|shoes) of\b|\bfrom the (?:perspective|point of view) of (?:a|an)\b|"
    r"\byou are (?:a|an|the) (?!AI\b|artificial|(?:\w+ )?language model|assistant|chatbot|"
    r"virtual|helpful)", re.I)

# What the prompt asks for, by kind, and what a disclaimer that declines it talks about.
_ASKS: dict[str, re.Pattern] = {
    # the assistant's own favourites, opinions, feelings, life
    "self": re.compile(
        r"\byour (?:own |personal |real |actual |very )?(?:favou?rite|opinions?|views?|"
        r"feelings?|emotions?|experiences?|life|childhood|family|parents|house|home|room|"
        r"bedroom|memor(?:y|ies)|dreams?|hobb(?:y|ies)|preferences?|weekend|vacation|holiday|"
        r"friends?|pets?|body|age|birthday|job|taste|beliefs?|personality|mood)\b|"
        r"\bdo you (?:like|love|enjoy|prefer|feel|think|believe|hate|dream|remember|miss|"
        r"want|wish)\b|\bhow (?:do|did|would) you feel\b|\bwhat (?:would|will) you do\b|"
        r"\bwhat you(?:'d|’d| would| will) do\b|\bwould you rather\b|\bhave you ever\b|"
        r"\bdescribe yourself\b|\babout yourself\b|"
        r"\b(?:an?|the) (?:experience|time|moment|situation|occasion|day) (?:in which|when|"
        r"where|that) you\b|\bare you (?:happy|sad|afraid|scared|conscious|sentient|alive|"
        r"lonely|human|real)\b", re.I),
    # live or future facts, a web page, certainty about the reader's health or legal case
    "unknowable": re.compile(
        r"\b(?:currently|today(?!['’]s)|tonight|tomorrow|yesterday|right now|at the moment|"
        r"this (?:week|month|morning|evening)|next (?:week|month|year|season|election)|"
        r"(?:over |in )?the (?:past|last) (?:few )?(?:days?|weeks?|months?)|up-to-date|"
        r"real-time|live (?:scores?|feeds?|data|streams?)|breaking news|in the news)\b|"
        r"\b(?:current|today's|today’s|latest) (?:\w+ )?(?:prices?|president|ceo|leader|"
        r"prime minister|champions?|weather|news|events?|rates?|values?|status|population|"
        r"records?|time|date|temperature|scores?|situation|trends?|market|version|"
        r"headlines)\b|"
        r"\b(?:predict|forecast|foresee)\w*|\bwho will win\b|"
        r"\b(?:stock|share|housing|house|home|rent|gas|fuel|ticket|flight|hotel) "
        r"(?:prices?|rates?|fares?|costs?|market|trend)s?\b|"
        r"\bprices? (?:of|for) (?:a |an |the )?(?:\w+ ){0,4}(?:tickets?|stocks?|shares?|"
        r"flights?|rooms?)\b|\bexchange rates?\b|\bweather (?:forecast|report)s?\b|"
        r"\b(?:what|how)(?:'s|’s| is) the weather\b|"
        r"https?://|\bwww\.|\b(?:website|web ?page|url|hyperlink)\b|\bbrowse\b|"
        r"\bsearch (?:the )?(?:web|internet|online)\b|\bgoogle\b|"
        r"\b(?:diagnos\w*|my symptoms|prescri\w*|dosage|medical advice|legal advice|"
        r"is it legal for me|can I sue|should I (?:take|stop taking|invest|buy|sell|see a "
        r"doctor))\b|\bdo I have (?!to\b)|\bam I (?:sick|ill|pregnant|dying)\b|"
        r"\bis (?:it|this|that) (?:cancer|serious|contagious)\b",
        re.I),
    # an image or a sound, to make or to see
    "non-text": re.compile(
        r"\b(?:draw|paint|sketch|illustrate|render|animate|design|create|make|generate|"
        r"produce|build|colou?ri[sz]e|edit|crop|resize|retouch|enhance|restore|film|"
        r"photograph|plot)\b[^.?!\n]{0,40}?\b(?:images?|pictures?|paintings?|drawings?|"
        r"sketch(?:es)?|logos?|charts?|graphs?|diagrams?|illustrations?|infographics?|"
        r"videos?|animations?|photos?|photographs?|posters?|flyers?|maps?|artworks?|"
        r"sculptures?|3d models?|visuali[sz]ations?|graphics|gifs?|memes?)\b|"
        r"\b(?:sing|play|record|hum|perform)\b[^.?!\n]{0,30}?\b(?:songs?|melod(?:y|ies)|"
        r"music|tunes?|audio|instruments?|piano|guitar)\b|"
        r"(?:^|[.!?\n]\s*)(?:please |can you |could you )?(?:draw|paint|sketch)\b|"
        r"\b(?:(?:this|these|following|given|attached|provided|above|below|uploaded)\s+"
        r"(?:[\w-]+\s+){0,3}?|(?:the|my)\s+)(?:images?|pictures?|photos?|photographs?|"
        r"videos?|audio|recordings?|screenshots?|scans?|x-rays?|attachments?|pdfs?)\b"
        r"(?!\s+of\b)", re.I),  # "the picture of a sunset" is a topic, not an input
    # an act in the world (see _ASKS_ACTION)
}

# …a picture asked for in a form text can hold (an SVG, ASCII art, plotting code) is not.
_TEXT_FORM = re.compile(
    r"\b(?:svg|ascii|html|css|markdown|latex|tikz|mermaid|graphviz|matplotlib|plotly|"
    r"seaborn|ggplot|code|script|python|javascript|program|table|emojis?|text-based|"
    r"unicode)\b", re.I)

# An act in the world: order, book, pay, call…, asked of the assistant.
_ACTION_VERBS = (r"order|book|buy|purchase|reserve|rent|deliver|ship|pay|call|phone|dial|"
                 r"e-?mail|send|schedule|cook|bake|drive|pick up|bring|fetch|carry|clean|"
                 r"repair|install|remind|transfer|withdraw|deposit|hail")
_ASKS_ACTION = re.compile(
    rf"\b(?:can|could|would|will) you (?:please |also |kindly |just |now |then )*"
    rf"(?P<a>{_ACTION_VERBS})\b|"
    rf"\b(?P<b>{_ACTION_VERBS})\b (?:a|an|the|my|me|some|this|these|those|it|that)\b"
    rf"[^.?!\n]{{0,60}}\bfor me\b|"
    rf"\b(?:need|want|like|help me)(?: you)? to (?P<c>{_ACTION_VERBS})\b|"
    rf"(?:^|[.!?\n]\s*)(?:please )?(?P<d>order|book|buy|purchase|reserve|pay)\b "
    rf"(?:a|an|the|me|my|some)\b", re.I)
_ASKS["action"] = _ASKS_ACTION

# What a disclaimer that declines each kind of request talks about.
_DECLINES = {
    "self": re.compile(
        r"\b(?:personal|preferences?|favou?rites?|opinions?|feelings?|emotions?|experiences?|"
        r"memor(?:y|ies)|desires?|conscious\w*|physical|body|bodies|house|home|life|lives|"
        r"family|like or dislike|beliefs?|tastes?|senses|human)\b", re.I),
    "unknowable": re.compile(
        r"\b(?:real-time|current|up-to-date|live|latest|recent|access|browse|browsing|"
        r"internet|web|online|predict\w*|future|forecasts?|data|information|knowledge|"
        r"updates?|diagnos\w*|medical|legal|doctor|lawyer|advice|professional|external|"
        r"retrieve|links?|urls?|websites?)\b", re.I),
    "non-text": re.compile(
        r"\b(?:visual|visually|images?|pictures?|graphics?|graphical|draw\w*|paint\w*|"
        r"creat\w*|charts?|logos?|design\w*|photos?|edit\w*|manipulat\w*|see|seeing|view\w*|"
        r"display\w*|illustrat\w*|physical|hear|listen|sing|play|audio|sounds?|music|"
        r"render\w*)\b", re.I),
    "action": re.compile(
        r"\b(?:external|physical\w*|perform\w*|tasks?|orders?|ordering|book\w*|plac\w+|buy\w*|"
        r"purchas\w+|pay\w*|call\w*|send\w*|deliver\w*|capabilit\w+|ability|abilities|"
        r"functions?|functionality|tools?|access|actions?|real world)\b", re.I),
}

_DECLINES_IT = re.compile(
    r"\b(?:assist|help) (?:you )?with (?:that|this|it)\b|"
    r"\b(?:that|this|your|the) (?:request|task)\b|\b(?:do|provide) (?:that|this|it)\b", re.I)


def request_kinds(prompt: str) -> set[str]:
    """What of the things a text assistant cannot do or know ``prompt`` asks for:
    ``"self"`` (its own favourites, feelings, life — unless the prompt gives it a role to
    answer in), ``"unknowable"`` (live or future facts, a web page, medical or legal
    certainty), ``"non-text"`` (an image or a sound to make or see, unless a text form of
    it is asked for), ``"action"`` (an act in the world: order, book, pay…)."""
    kinds = {kind for kind, asks in _ASKS.items() if asks.search(prompt)}
    if "self" in kinds and _ROLE_PLAY.search(prompt):
        kinds.discard("self")
    if "non-text" in kinds and _TEXT_FORM.search(prompt):
        kinds.discard("non-text")
    return kinds


def _requested_actions(prompt: str) -> set[str]:
    out = set()
    for m in _ASKS_ACTION.finditer(prompt):
        out.update(v.lower() for v in m.groups() if v)
    return out


# -- the tools a record offers ----------------------------------------------------------------

def offered_tools(record) -> list[tuple[str, str]]:
    """(name, description) of each function the record offers the model: its ``tools``
    field (a list, or a JSON string of one, as in LLaMA-Factory's tool-call layout), of
    LLaMA-Factory's ``{name, description, …}`` or OpenAI's ``{type: function, function:
    {…}}`` definitions.  Read from ``record.tools`` when the layout parsed it, else from
    the raw record."""
    tools = record.tools
    if tools is None:
        raw = record.raw
        tools = raw.get("tools") if type(raw) is dict else None
    if isinstance(tools, str):
        try:
            tools = json.loads(tools)
        except ValueError:
            return []
    if isinstance(tools, dict):
        tools = [tools]
    out = []
    for t in tools if isinstance(tools, list) else ():
        if not isinstance(t, dict):
            continue
        fn = t.get("function") if isinstance(t.get("function"), dict) else t
        name, desc = fn.get("name"), fn.get("description")
        if isinstance(name, str):
            out.append((name, desc if isinstance(desc, str) else ""))
    return out


_WORD = re.compile(r"[a-z]+")
_GENERIC = frozenset("get set fetch find search lookup look up check calculate compute create "
                     "make generate convert info information details data by of for the a an "
                     "to and api tool current new list".split())


def _words(text: str) -> list[str]:
    """The lower-case words of ``text``, a function name's parts split ("bookFlight",
    "book_flight": book, flight)."""
    return _WORD.findall(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower())


def _covered(prompt: str, kinds: set[str], tools) -> bool:
    """Whether a listed tool does what the prompt asks for: the requested action's verb is
    in a tool's name or description (an "order" tool for "order a pizza"), or, for a
    question about live facts, a word of a tool's name is in the prompt ("get_weather" for
    "what is the weather today").  Words are compared by their first four letters
    ("booking" is "book")."""
    if "action" in kinds:
        offered = {w[:4] for name, desc in tools for w in _words(f"{name} {desc}")}
        if any(v[:4] in offered for v in _requested_actions(prompt)):
            return True
    if "unknowable" in kinds:
        asked = {w[:4] for w in _words(prompt)}
        for name, _ in tools:
            if any(w[:4] in asked for w in _words(name) if w not in _GENERIC):
                return True
    return False


# -- where the phrase stands in the answer ----------------------------------------------------

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
# A sentence that only offers more help, apologises or signs off carries nothing the prompt
# asked for.
_OFFER = re.compile(
    r"\b(?:anything else|something else|other (?:questions?|requests?|tasks?)|feel free|"
    r"let me know|happy to help|glad to help|here to help|if you(?:'d| would) like|"
    r"if you need|how (?:can|may) I (?:help|assist)|can I help|may I help|"
    r"(?:I'm|I am) sorry)\b", re.I)
_CLAUSE = re.compile(r"[,;:]\s|\s(?:but|however|though|although|instead)\b", re.I)
# What introduces a phrase the answer discusses rather than says.
_DISCUSSES = re.compile(
    r"(?:\bsuch as|\blike|\be\.g\.|\bfor (?:example|instance))\s*[:,]?\s*$|"
    r"\b(?:say|said|says|saying|respond|reply|replies|answer)(?:s|ed|ing)?(?: with| like)?"
    r"\s*:\s*$", re.I)
# A speaker's label opening a line of a script ("Agent: …"), not a section's ("Note: …").
_SPEAKER = re.compile(
    r"^\s*[*_]*(?!(?:Note|Answer|Output|Response|Explanation|Solution|Summary|Example|Input|"
    r"Question|Instruction|Result|Step|Q|A)\b)[A-Z][\w .'’-]{0,30}[*_]*:\s", re.M)
# …and one that states another limitation ("…, so I cannot describe it") is more disclaimer.
_LIMITATION = re.compile(
    r"\b(?:cannot|can't|can’t|can not|unable|not able|not capable|lack)\b|"
    r"\b(?:don't|don’t|do not) (?:have|possess)\b", re.I)
_LETTERS = re.compile(r"[^\W\d_]\w*")
_HELP_WORDS = 8  # words of content besides the disclaimer that make it a brief preface


def _quoted(text: str, start: int, end: int, prompt: str) -> bool:
    """Whether the phrase at text[start:end] is quoted or discussed rather than said: right
    after a quotation mark, inside an open double quotation or code in its paragraph,
    introduced as an example ("phrases like…"), a speaker's line in a script the answer
    writes, or copied from the prompt (a sentence the user gave to rewrite or classify)."""
    if start and text[start - 1] in _QUOTES:
        return True
    para = text.rfind("\n\n", 0, start) + 1
    before = text[para:start]
    if before.count('"') % 2 or before.count("“") > before.count("”"):
        return True
    if text.count("```", 0, start) % 2:
        return True
    line = text[text.rfind("\n", 0, start) + 1:start]
    if line.count("`") % 2 or _DISCUSSES.search(before[-60:]):
        return True
    if _SPEAKER.match(line) and len(_SPEAKER.findall(text)) >= 2:
        return True
    phrase = " ".join(text[start:end].split()).lower()
    return len(phrase) > 12 and phrase in " ".join(prompt.split()).lower()


def _helps(text: str, spans: list[tuple[int, int]]) -> bool:
    """Whether the answer gives something besides its disclaimers: a few words in sentences
    that hold no disclaimer and are more than an offer of help, an apology, a sign-off or a
    further limitation, or after the disclaimer's own clause ("…, but here is…")."""
    words = 0
    for s in _SENTENCE.finditer(text):
        a, b = s.span()
        inside = [(x, y) for x, y in spans if x < b and y > a]
        if inside:
            tail_from = max(y for _, y in inside)
            cut = _CLAUSE.search(text, tail_from, b)
            part = text[cut.end():b] if cut else ""
        else:
            part = s.group()
        if part and not _OFFER.search(part) and not _LIMITATION.search(part):
            n = len(_LETTERS.findall(part))
            if n >= 4:
                words += n
    return words >= _HELP_WORDS


def _prompt_before(turns, i: int) -> str:
    """The user's text the answer at ``turns[i]`` replies to (tool turns skipped)."""
    for t in reversed(turns[:i]):
        if t.role == USER:
            return t.text or ""
    return ""


class BoilerplateResponse(RecordRule):
    """A canned AI disclaimer or refusal in an answer: "As an AI language model, I…".

    ## What it does
    Scans assistant answers (chat and ShareGPT assistant messages, Alpaca and
    prompt/completion answers, the chosen answer of a preference pair) for the stock
    phrases of chat-model disclaimers and refusals, from the pattern pack
    ``packs/boilerplate.toml``, whose pattern ids start with their category:

    * ``disclaimer-…``: "As an AI language model", "As a large language model", "I'm just an
      AI", "I don't have personal opinions", "I cannot browse the internet", "I don't have
      real-time data", "As of my last knowledge update";
    * ``refusal-…``: "I'm sorry, but I cannot provide…", "I apologize, but I can't…",
      "I cannot fulfill this request", "I am not capable of creating…".

    A disclaimer is reported when a real answer was possible: it opens or replaces the
    answer to an ordinary request ("Find the average age of Americans" → "As an AI, I don't
    have real-time data…"), it refuses a role the prompt gives ("Imagine you are a tourist
    in Rome…" → "As an AI, I don't have preferences"), or it is the whole answer (nothing
    but the disclaimer, an offer of more help or a sign-off).  It is left alone when the
    prompt asks for what a text assistant cannot do or know and the answer goes on to help
    (gives what is known, says where to look, does the text part):

    * the assistant's own favourites, feelings, life ("Describe a memorable moment in your
      life"): "I don't have a favourite, but many readers name…" is left alone, "I don't
      have a favourite." alone is reported;
    * live or future facts, a web page, medical or legal certainty ("the stock's trend over
      the past month", "tomorrow's weather", a URL);
    * an image or sound to make or see ("Design a logo", "Colorize the following photo"),
      unless a text form is asked for (an SVG, ASCII art, plotting code);
    * an act in the world ("Order a pizza for me").

    In a record that offers tools (a ``tools`` list), declining an act or a lookup that no
    listed tool does is the wanted answer and is never reported; declining one a listed
    tool does is (the message says so).

    One finding per answer names the first phrase and its category.  Also left alone: user,
    system and tool turns (a user quoting the phrase, a system prompt saying "You are an AI
    assistant"); the rejected answer of a preference pair (a canned refusal there is what
    the pair trains against); a phrase that is quoted or discussed — after a quotation mark,
    inside an open double quotation or code, introduced as an example ("phrases like…"), a
    character's line in a dialogue the answer writes, or copied from the prompt; and
    ordinary uses of the same words: "I'm sorry to hear that", "I'm sorry, but I can't make
    it on Friday" (a refusal needs a task verb: help, provide, create, access…), "I am an
    AI researcher".

    Measured: on the 12 public fine-tuning files of the project's corpus, 8 of 10 findings
    were real defects and none was false, judged by reading each record (the other two
    arguable: an honest decline with nothing after it, a safety refusal chosen in a
    preference pair; ``benchmarks/judgements/C010.jsonl``).  Before the prompt was read, 7
    of 38 were, and 25 were false: declines the prompt called for, 17 of them refusals
    that a tool-call set wants because no listed tool fits.

    ## Why it hurts fine-tuning
    These answers come from a chat model used to generate the data.  Fine-tuned on them, the
    model copies the disclaimer style and refuses tasks it could do ("I cannot create a
    visual…"), and a model trained under another name learns to call itself an OpenAI
    model.  Alpaca-style sets carry hundreds of them.

    ## Example
    ```
    {"instruction": "Find the average age of the inhabitants of the United States",
     "input": "",
     "output": "As an AI, I don't have the ability to provide real-time data. However, …"}
    ```

    ## How to fix
    Drop the records, or regenerate the answers with a prompt that forbids the disclaimer.
    Refusals that are intended (safety data) belong in a separate set where this rule is
    ignored for the file (``[per-file-ignores]``).

    ## Options
    None.
    """

    code = "C010"
    name = "boilerplate-response"
    summary = "a canned AI disclaimer or refusal in an answer (\"As an AI language model…\")"
    severity = "warning"

    pack_gate = True

    def setup(self) -> None:
        self.ps, _ = rule_patterns(self)

    def check(self, record):
        ps = self.ps
        if ps.regex is None:
            return ()
        may_match = ps.may_match
        out = None
        turns = record.turns
        tools = None
        for i, t in enumerate(turns):
            if t.role != ASSISTANT:
                continue
            text = t.text
            if not text or not may_match(text):
                continue
            prompt = None
            found = []
            for p, m in ps.scan(text, t.role, t.field):
                if prompt is None:
                    prompt = _prompt_before(turns, i)
                if not _quoted(text, m.start(), m.end(), prompt):
                    found.append((p, m))
            if not found:
                continue
            if tools is None:
                tools = offered_tools(record)
            why = self._why(prompt, text, found, tools)
            if why is None:
                continue
            p, m = found[0]
            category = p.id.split("-", 1)[0]
            kind = category if category in ("refusal", "disclaimer") else "boilerplate"
            f = self.finding(record, f"canned {kind} {_quote(m.group())} ({p.description}; "
                                     f"{why})",
                             field=t.field, severity=p.severity,
                             data={"phrase": m.group(), "pattern": p.id, "category": kind,
                                   "why": why},
                             evidence=f"contain a canned {kind} ({p.description})")
            if out is None:
                out = [f]
            else:
                out.append(f)
        return out or ()

    @staticmethod
    def _why(prompt: str, text: str, found, tools) -> str | None:
        """Why the disclaimers ``found`` in answer ``text`` are canned, or None when they
        are the honest answer to ``prompt``."""
        spans = [m.span() for _, m in found]
        said = " ".join(s.group() for s in _SENTENCE.finditer(text)
                        if any(x < s.end() and y > s.start() for x, y in spans))
        asked = kinds = request_kinds(prompt)
        if not _DECLINES_IT.search(said):  # "I can't help with that" declines what was asked
            kinds = {k for k in kinds if _DECLINES[k].search(said)}
        if tools:
            if _covered(prompt, kinds, tools):
                return "a listed tool does what was asked"
            if kinds & {"action", "unknowable"}:
                return None  # the tools say what it can do; declining the rest is wanted
        if not kinds:
            if _ROLE_PLAY.search(prompt):
                return "the prompt gives the assistant a role to answer in"
            if asked:
                return "it declines something the prompt did not ask for"
            return "the prompt is an ordinary request"
        if not _helps(text, spans):
            return "the disclaimer is the whole answer"
        return None
