from dataclasses import dataclass

from ...rule import DatasetRule

from ._clusters import Reported, cluster_finding
from ._prompts import FILLER, prompt_groups
from ._tasks import (different_input, different_question, different_task,
                     different_tools, labels, record_tool_sets)


class NearDuplicate(DatasetRule):
    """Lexical near-copies: records whose prompt and answer share most of their word sequences.

    ## What it does
    Compares the normalised prompt and response of every record three ways, each pair
    proposed by MinHash signatures with LSH banding and then confirmed exactly:

    * **word 3-grams** (Jaccard at or above ``threshold``): shared passages, reordered
      sentences, a sentence added;
    * **word by word** (difflib's ratio of the word sequences at or above
      ``edit-threshold``): a few words changed, added or removed, which breaks the 3-grams of
      a short record around every edit (the prompts sharing a third of their content words);
    * **the answer word by word** (at or above ``answer-threshold``, answers of at least
      ``answer-words`` words): the same answer in nearly the same words under a reworded
      prompt (the prompts sharing a third of their words).

    Word 3-grams found in more than ``template-share`` of the records — a fixed instruction
    preamble, a tool header, boilerplate copied into every prompt — are masked first, and the
    word-by-word comparisons read the prompt without its template lines, so templated data
    does not collapse into one cluster.  Pairs whose prompts ask for different things are
    left alone: different numbers, in digits or words ("the first season" / "the second
    season", "today" / "tomorrow"), different names, URLs, file paths or formulas, a swapped
    direction ("Celsius to Fahrenheit"), or prompts that share a line (an instruction, a
    passage) but little of the rest; so are answers that put one question to different
    tools their prompts offer (``news('Mars rover')`` / ``search('Mars rover')``: they teach
    different calls), and a cluster never joins them.  So are records alike only through what their prompts
    share: two questions over one reference passage or one long list answered differently,
    or one passage asked about twice with other answers (``duplicate-prompt`` reports a
    prompt with several answers).  Confirmed pairs are joined into clusters; exact or
    normalised copies are left to those rules.  A cluster whose records repeat one prompt
    says so (``"also": ["duplicate-prompt"]``): ``duplicate-prompt`` counts those answers
    as one and ``semantic-duplicate`` shows the cluster as the record it keeps, so a pair is
    reported once.

    Measured (``benchmarks/precision.py``, seed 0, 40 findings sampled from 12 public
    fine-tuning files and judged by reading each record): 39 real defects, none false, 1
    arguable (real copies of a forecast whose cluster also takes in an hourly forecast).
    Before different tools made two tasks, 35 of 40, and 3 false: one question put to
    ``search()`` and to ``wikipedia()``, or a refusal naming another offered tool.  On the
    GPTeacher Toolformer labels recall fell from 0.728 to 0.695 (``gpteacher_labels.py``):
    the author's similarity filter removes one question asked of another tool, which this
    rule keeps; most other removed records it no longer clusters ask about another URL,
    path, formula or day than every record they were clustered with.

    ## Why it hurts fine-tuning
    Near-copies (a changed name, a reworded first sentence, the same answer with one extra line)
    are memorised like exact copies and over-weight one behaviour; simple deduplication misses
    them.

    ## Example
    ```
    {"instruction": "Summarize the French Revolution.", "output": "The French Revolution (1789-1799) ..."}
    {"instruction": "Summarize the French Revolution briefly.", "output": "The French Revolution (1789-1799) ..."}
    ```

    ## How to fix
    Keep one record per cluster, or rewrite the copies so each teaches something different.

    ## Options
    ``threshold`` (float, default 0.7): Jaccard similarity of the word 3-gram sets at which two
    records are near-duplicates.  ``edit-threshold`` (float, default 0.85): word-by-word
    similarity of two records (prompt and answer) at which they are near-duplicates.
    ``answer-threshold`` (float, default 0.88) and ``answer-words`` (int, default 8): the same
    for answers alone, of at least that many words, when the prompts share a third of their
    words (one canned answer to different questions is ``duplicate-response``'s business).  ``template-share`` (float, default 0.05):
    shingles in more than this share of records are masked as template.  ``ngram`` (int,
    default 3): words per shingle.
    """

    code = "D005"
    name = "near-duplicate"
    summary = "lexical near-copies: shared word sequences, a few changed words, a copied answer"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        threshold: float = 0.7
        template_share: float = 0.05
        ngram: int = 3
        edit_threshold: float = 0.85
        answer_threshold: float = 0.88
        answer_words: int = 8

    def check_dataset(self, dataset):
        res = dataset.resources
        records = dataset.records
        found = res.measurement(NearDuplicate, near_clusters, self.options)
        key = prompt_groups(res).key
        for members, top, kinds in found.clusters:
            # the same prompt is evidence here: duplicate-prompt leaves these records out
            same = len({key[i] for i in members if key[i]}) < sum(1 for i in members if key[i])
            how = _WHY[kinds[0]] if len(kinds) == 1 else "word overlap"
            yield cluster_finding(
                self, records, members, "near-duplicate",
                extra=f" ({how} up to {top:.2f}{'; a prompt repeated' if same else ''})",
                data={"max_similarity": round(top, 3), "measures": kinds,
                      "template_masked_share": round(found.masked, 3),
                      **({"also": ["duplicate-prompt"]} if same else {})})


@dataclass
class NearClusters:
    """Near-duplicate clusters: (record indices, top similarity, measures) each, and the share
    of shingles masked as template."""

    clusters: list[tuple[list[int], float, list[str]]]
    masked: float

    def reported(self, records) -> Reported:
        return Reported(records, (members for members, _, _ in self.clusters))


def near_clusters(res, o) -> NearClusters:
    """The near-duplicate clusters of a run, with options ``o``: measured once, read by
    duplicate-prompt and semantic-duplicate to leave these records' pairs to this rule."""
    from ...resources.minhash import (edit_similarity, near_duplicate_pairs,
                                      union_find_clusters, word_candidates)
    from ...resources.texts import normalize

    prompts, answers = res.normalized("prompt"), res.normalized("response")
    # compare each distinct (normalised) record once
    first: dict[tuple[str, str], int] = {}
    for i, key in enumerate(zip(prompts, answers)):
        if key[0] or key[1]:
            first.setdefault(key, i)
    keys = list(first)
    rec = [first[k] for k in keys]
    texts = [f"{p} || {a}" for p, a in keys]
    pairs, masked = near_duplicate_pairs(texts, o.threshold, o.ngram, o.template_share)
    found = {(i, j): (jac, "shingles") for i, j, jac in pairs}
    # a few changed words: word 3-grams break around each edit, the word order does not;
    # the prompt without its template lines (a shared preamble would make any two alike)
    untemplated, raw = res.embed_texts("prompt"), res.texts("prompt")
    asked = [p if untemplated[r] == raw[r] else normalize(untemplated[r])
             for r, (p, _) in zip(rec, keys)]
    plain = [f"{p} || {a}" for p, (_, a) in zip(asked, keys)]
    words = [t.split() for t in plain]
    answer_words = [keys[k][1].split() for k in range(len(keys))]
    # one LSH over the words of prompt and answer proposes both kinds of pairs
    for i, j in word_candidates(plain, CANDIDATES, 1.0):
        i, j = min(i, j), max(i, j)
        if (i, j) in found or not _related(words[i], words[j]):
            continue
        sim = edit_similarity(words[i], words[j], o.edit_threshold)
        if sim >= o.edit_threshold:
            found[(i, j)] = (sim, "edit")
            continue
        # the same answer in nearly the same words, to prompts that do not ask otherwise
        if min(len(answer_words[i]), len(answer_words[j])) >= o.answer_words and \
                keys[i][1] != keys[j][1]:
            sim = edit_similarity(answer_words[i], answer_words[j], o.answer_threshold)
            if sim >= o.answer_threshold:
                found[(i, j)] = (sim, "answer")
    tool_sets = record_tool_sets(res)
    tools = lambda k: tool_sets[rec[k]]  # noqa: E731
    kept = []
    for (i, j), (sim, how) in sorted(found.items()):
        a, b = untemplated[rec[i]], untemplated[rec[j]]
        if different_task(a, b) or different_input(a.split("\n"), b.split("\n")) or \
                different_question(asked[i], asked[j], keys[i][1], keys[j][1]) or \
                different_tools(tools(i), tools(j)):
            continue  # alike in wording, but another task (see _tasks.py)
        kept.append((i, j, sim, how))
    best: dict[int, float] = {}
    how_of: dict[int, set[str]] = {}
    for i, j, sim, how in kept:
        for k in (i, j):
            best[k] = max(best.get(k, 0.0), sim)
            how_of.setdefault(k, set()).add(how)
    # a chain of close pairs must not join prompts about different names or numbers, or
    # answers calling different tools
    marks = lambda k: (*labels(untemplated[rec[k]]), tools(k))  # noqa: E731
    clusters = []
    for group in union_find_clusters(len(keys), [(i, j) for i, j, _, _ in kept], marks):
        clusters.append(([rec[k] for k in group], max(best[k] for k in group),
                         sorted(set().union(*(how_of[k] for k in group)))))
    return NearClusters(clusters, masked)


def _related(a: list[str], b: list[str]) -> bool:
    """The prompts (the words before " || ") share a third of their content words (filler and
    courtesy left out): a copy under a reworded prompt, not one canned answer to different
    questions ("Are you ChatGPT?" / "Are you curie?": duplicate-response reports those)."""
    pa = {w for w in a[:a.index("||")] if w not in FILLER}
    pb = {w for w in b[:b.index("||")] if w not in FILLER}
    if not pa and not pb:
        return True  # no prompt (plain text): the answers decide
    return bool(pa and pb) and len(pa & pb) / len(pa | pb) >= RELATED


#: the MinHash estimate of the word-set Jaccard similarity at which two records are compared
#: word by word
CANDIDATES = 0.5
#: share of prompt content words two near-copies must share
RELATED = 0.3

_WHY = {"shingles": "word-shingle Jaccard", "edit": "word-by-word similarity",
        "answer": "answer word-by-word similarity"}
