import math
from dataclasses import dataclass

from ...resources.textstats import pct, share, stable_key, stable_sample
from ...rule import DatasetRule
from .._metrics import Condition, Measurement, dataset_finding, example, not_measured

#: Fewer answers than this are not judged.
MIN_ANSWERS = 10
#: An answer this close to the longest one is "at the cap".
CAP_BAND = 0.95
#: A cap needs at least this many answers on it.
MIN_AT_CAP = 5
#: Answers sampled to find the median number of words.
WORD_SAMPLE = 2_000


def _quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated quantile of sorted values."""
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


class LengthCollapse(DatasetRule):
    """Answer lengths with almost no spread, or piled up at a length cap.

    ## What it does
    Measures the length of every assistant turn in characters (tokenizers differ; characters
    do not) and reports two shapes of collapse:

    * **no spread**: the value is the robust standard deviation of the log length,
      (ln Q3 − ln Q1) / 1.349 — about 1 for answers of natural, varied length, 0 when every
      answer has the same length.  Below ``min-spread`` the dataset is reported.
    * **a cap**: at least ``cap-share`` of the answers (and at least 5) lie within 5% of the
      longest answer, in characters or in words, while the median is well below it — answers
      cut at a generation limit.

    Datasets whose median answer has at most ``min-words`` words (labels, yes/no, numbers) are
    not judged: fixed-length labels are the point of a classification set.  Lengths are read
    from every answer; the median word count from a fixed hash-chosen sample of 2,000.

    Calibration on the reference corpora in ``../shared/corpora``: Alpaca 5,000 1.54,
    LLaMA-Factory's alpaca demo 1.80, CodeAlpaca 2k 1.14, GPTeacher Toolformer (one-sentence
    tool answers) 0.30–0.31; LLaMA-Factory's identity set (91 answers from one template) 0.16
    and the demo support set in ``fixtures/demo`` (every answer two sentences and one sign-off)
    0.19.  The default of 0.25 means the middle half of the answers lies within a factor of 1.4
    in length.

    ## Why it hurts fine-tuning
    The model learns the length as much as the content: trained on answers of one length it
    pads short answers and cuts long ones; trained on answers cut at a cap it learns to stop
    mid-thought.

    ## Example
    2,000 answers all between 180 and 220 characters; or 30% of the answers exactly 2,048
    characters long, ending mid-sentence.

    ## How to fix
    Include short and long answers where the task calls for them; regenerate capped answers
    with a higher limit (``truncated-response`` lists answers that stop mid-sentence).

    ## Options
    ``min-spread`` (float, default 0.25): the robust standard deviation of log length below
    which the dataset is reported.  ``cap-share`` (float, default 0.1): the share of answers
    within 5% of the longest at or above which a cap is reported.  ``min-words`` (int,
    default 3): datasets whose median answer has at most this many words are not judged.
    ``error-below`` (float, default none): a failing value below this is an error, which fails
    the default gate (``--fail-on error``); off by default.
    """

    decides = ("the answer length spread is below min-spread, or many answers sit at one "
               "length cap (at least cap-share near the longest, which is well above the "
               "median)")
    code = "V004"
    name = "length-collapse"
    summary = "answer lengths with almost no spread, or piled up at a length cap"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        min_spread: float = 0.25
        cap_share: float = 0.1
        min_words: int = 3
        error_below: float | None = None

    def check_dataset(self, dataset):
        records = dataset.records
        answers = dataset.resources.answers()
        texts = [t.strip() for _, t in answers]
        n = len(texts)
        if n < MIN_ANSWERS:
            yield not_measured(f"only {n} answers: too few to judge their lengths",
                               {"answers": n})
            return
        o = self.options
        word_counts = sorted(len(texts[i].split()) for i in stable_sample(texts, WORD_SAMPLE))
        median_words = _quantile(word_counts, 0.5)
        if median_words <= o.min_words:
            yield not_measured(f"answers are short labels (median {median_words:g} "
                               "words): length spread is not judged",
                               {"answers": n, "median_words": median_words})
            return
        chars = [len(t) for t in texts]
        logs = sorted(math.log(max(c, 1)) for c in chars)
        spread = (_quantile(logs, 0.75) - _quantile(logs, 0.25)) / 1.349
        median = _quantile(sorted(chars), 0.5)

        # a cap: enough answers near the longest one, which is well above the median; the
        # characters are reported when they show one, else the words
        cap = None  # (unit, longest, answers at the cap)
        cap_conditions = []
        for unit in ("characters", "words"):
            lengths = chars if unit == "characters" else [len(t.split()) for t in texts]
            top = max(lengths)
            at = [j for j, x in enumerate(lengths) if x >= CAP_BAND * top]
            middle = _quantile(sorted(lengths), 0.5)
            group = (Condition(f"answers near the longest {unit}", len(at), ">=", MIN_AT_CAP),
                     Condition(f"share near the longest {unit}", share(len(at), n), ">=",
                               o.cap_share),
                     Condition(f"longest {unit}", top, ">", 1.5 * middle))
            cap_conditions.append(group)
            if cap is None and all(c.fails for c in group):
                cap = (unit, top, at)

        q1, q3 = math.exp(_quantile(logs, 0.25)), math.exp(_quantile(logs, 0.75))
        msg = (f"answer length spread {spread:.2f} (threshold {o.min_spread:g}): the middle half "
               f"of {n:,} answers is {q1:,.0f}–{q3:,.0f} characters, median {median:,.0f}")
        details = {"spread": round(spread, 4), "answers": n, "median_chars": median,
                   "q1_chars": round(q1), "q3_chars": round(q3), "max_chars": max(chars),
                   "median_words": median_words}
        if cap is not None:
            unit, top, at = cap
            msg = (f"{pct(share(len(at), n))} of answers ({len(at):,}) are within 5% of the "
                   f"longest ({top:,} {unit}): a length cap; " + msg)
            details.update({"cap_unit": unit, "cap_length": top, "at_cap": len(at),
                            "cap_share": round(share(len(at), n), 4)})
            picked = sorted(at, key=lambda j: stable_key(texts[j]))[:3]
        else:
            lo, hi = 0.9 * median, 1.1 * median
            near = [j for j, c in enumerate(chars) if lo <= c <= hi]
            details["share_within_10pct_of_median"] = round(share(len(near), n), 4)
            picked = sorted(near, key=lambda j: stable_key(texts[j]))[:3]
        details["examples"] = [example(records, answers[j][0], texts[j], chars=chars[j])
                               for j in picked]
        m = Measurement(spread, o.min_spread, "<", msg, details, digits=4, findings=[
            dataset_finding(f"length collapse: {msg}", records, [answers[j][0] for j in picked],
                            data=details)])
        for group in cap_conditions:
            m.or_if(*group)
        yield m
