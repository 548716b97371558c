import gzip
from collections import Counter
from dataclasses import dataclass

from ...resources.textstats import pct, ranked, share, stable_order, words
from ...rule import DatasetRule
from .._metrics import Measurement, dataset_finding, example, not_measured

#: Below this much sampled text the compression ratio says little (gzip has nothing to reuse).
MIN_BYTES = 2_000


class LowLexicalDiversity(DatasetRule):
    """The answers reuse the same words and phrases: low lexical diversity across the dataset.

    ## What it does
    Measures how much the answers (every assistant turn) repeat each other, with the lexical
    measures of Shaib et al. 2024, "Standardizing the Measurement of Text Diversity" (the
    ``diversity`` package is the reference for the definitions):

    * **compression ratio** (the verdict): the size of the answers joined by spaces divided by
      its gzip-compressed size.  gzip finds repeats within a 32 KB window, so repeated phrases
      across answers compress well and raise the ratio.
    * **distinct-n** for n = 1…4: distinct word n-grams / all n-grams of the sample.
    * **n-gram repetition** (homogenisation): for each answer, the share of its distinct word
      4-grams that also occur in another answer, averaged over answers; and the 4-grams found in
      the most answers, with an example of each.

    Only answers of sentence length are measured: short answers (at most 3 words and 40
    characters: labels, yes/no, numbers) repeat by design and would compress well for no fault
    of the data, so they are left out, as ``canned-responses`` leaves them out.  When nearly
    all answers are short (fewer than 10 of sentence length: a classification or short-answer
    set) the metric is not judged and says why ("label-only answers: …").

    The answers are taken in a fixed hash order (CRC-32 of the text), so the result does not
    depend on record order, and sampled in that order up to ``sample-bytes`` of text: the ratio
    stops rising after a few hundred KB (gzip's window is 32 KB), so a 500 KB sample measures a
    large dataset in ~50 ms.  Under 2 KB of text the metric is reported as not measured.

    Calibration (default sample, the reference corpora in ``../shared/corpora``): instruction
    sets answered by a model on varied tasks score 2.6–2.8 (Alpaca 5,000: 2.61; LLaMA-Factory
    alpaca_en_demo: 2.75); code answers 3.0 (CodeAlpaca 2k: 3.02); GPTeacher Toolformer 4.47 for
    the "dedupe only" release and 3.87 once its author removed similar answers; FastChat's dummy
    conversations (28 distinct replies) 83.  The threshold of 4.0 sits above code and below
    answers built from a few formulas.  The ratio grows with the amount of text up to ~256 KB
    (Alpaca: 2.24 on 16 KB, 2.57 on 256 KB), so small datasets are judged leniently (the 12 KB
    LLaMA-Factory identity set scores 3.90); ``template-collapse``, ``canned-responses`` and
    ``signature-phrases`` catch repetition in small sets.  The 419 records of Alpaca 5,000 and
    alpaca_en_demo whose answers have at most 3 words, linted as one set, are not judged (1.66
    before short answers were left out).  On 12 public
    fine-tuning files, 3 of 3 findings were real defects (judged by reading each record: the
    FastChat dummy replies, the formula tool answers of GPTeacher "dedupe only", the repeated
    "Eat a banana!" of the OpenAI toy chat).

    ## Why it hurts fine-tuning
    Fine-tuning on answers that recycle the same phrasing narrows the model's output: it
    over-produces those phrases, loses variety and, with it, some of its general skills.

    ## Example
    Thousands of tool-use answers that are all "The answer is python('import math; …')" or
    "…can be found here: search('…')": the compression ratio is 4.5 and two thirds of each
    answer's 4-grams recur in other answers.

    ## How to fix
    Remove near-duplicate answers (``near-duplicate``), rewrite or regenerate templated answers
    with more varied phrasing, and add examples of other tasks.

    ## Options
    ``max-compression-ratio`` (float, default 4.0): the gzip compression ratio at or above which
    the dataset is reported.  ``sample-bytes`` (int, default 500000): how much answer text
    (UTF-8 bytes) is measured.  ``top`` (int, default 5): how many repeated n-grams are shown.
    ``error-at`` (float, default 10.0): a failing compression ratio at or above this is an
    error, which fails the default gate (``--fail-on error``): at 10× the answers are mostly
    one repeated text.
    """

    decides = ("the answers compress at least max-compression-ratio times with gzip")
    code = "V001"
    name = "low-lexical-diversity"
    summary = "answers that repeat each other's wording (gzip compression ratio, distinct-n)"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        max_compression_ratio: float = 4.0
        sample_bytes: int = 500_000
        top: int = 5
        error_at: float | None = 10.0

    def check_dataset(self, dataset):
        records = dataset.records
        kinds = dataset.resources.answer_kinds()
        if kinds.label_only:
            yield not_measured(f"lexical diversity not judged: {kinds.describe()}",
                               kinds.to_dict())
            return
        answers = kinds.sentences  # short answers (labels) are expected to repeat
        # one huge answer must not blow the sample budget: each is cut to the budget first
        texts = [t[:self.options.sample_bytes] for _, t in answers]
        picked, size = [], 0
        for i in stable_order(texts):
            if size >= self.options.sample_bytes:
                break
            picked.append(i)
            size += len(texts[i].encode("utf-8", "surrogatepass")) + 1
        if size < MIN_BYTES:
            yield not_measured(f"too little answer text to measure lexical diversity "
                               f"({size:,} bytes in {len(texts):,} answers)",
                               {"bytes": size, "answers": len(texts)})
            return
        sample = [texts[i] for i in picked]
        raw = " ".join(sample).encode("utf-8", "surrogatepass")
        ratio = len(raw) / len(gzip.compress(raw, compresslevel=9, mtime=0))

        toks = [words(t) for t in sample]
        flat = [w for ws in toks for w in ws]
        distinct = {}
        for n in (1, 2, 3, 4):
            grams = list(zip(*(flat[k:] for k in range(n))))
            distinct[f"distinct_{n}"] = round(share(len(set(grams)), len(grams)), 4)
        doc_grams = [set(zip(ws, ws[1:], ws[2:], ws[3:])) for ws in toks]
        df = Counter(g for grams in doc_grams for g in grams)
        with_grams = [g for g in doc_grams if g]
        repetition = share(sum(share(sum(df[g] > 1 for g in grams), len(grams))
                               for grams in with_grams), len(with_grams))

        top, shown = [], []
        for gram, count in ranked({g: c for g, c in df.items() if c > 1}, self.options.top,
                                  key=lambda g: " ".join(g)):
            k = next(j for j, grams in enumerate(doc_grams) if gram in grams)
            rec = answers[picked[k]][0]
            shown.append(rec)
            top.append({"ngram": " ".join(gram), "answers": count,
                        "share": round(share(count, len(sample)), 4),
                        "example": example(records, rec, sample[k])})

        threshold = self.options.max_compression_ratio
        sampled = ("" if len(picked) == len(texts) else
                   f" (measured on {len(picked):,} of {len(texts):,} answers)")
        msg = (f"answers compress {ratio:.2f}x with gzip (threshold {threshold:g}); distinct-4 "
               f"{distinct['distinct_4']:.2f}; {pct(repetition)} of an answer's 4-grams recur "
               f"in other answers{sampled}")
        if top:
            msg += f"; most repeated: \"{top[0]['ngram']}\" in {pct(top[0]['share'])} of answers"
        details = {"compression_ratio": round(ratio, 3), "bytes": len(raw),
                   "answers": len(texts), "short_answers": kinds.short,
                   "sampled_answers": len(picked),
                   "distinct_n": distinct,
                   "ngram_diversity_score": round(sum(distinct.values()), 3),
                   "ngram_repetition": round(repetition, 4), "top_ngrams": top}
        yield Measurement(ratio, threshold, ">=", msg, details, digits=3, findings=[
            dataset_finding(f"low lexical diversity: {msg}", records, shown, data=details)])
