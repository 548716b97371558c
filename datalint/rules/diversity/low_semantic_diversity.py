from dataclasses import dataclass

from ...resources.textstats import pct
from ...rule import DatasetRule
from .._metrics import Condition, Measurement, dataset_finding, example, not_measured

from . import _semantic as sem

#: Fewer distinct texts of a role than this are not judged (as canned-responses judges from 10
#: answers).  The Vendi score is compared with the reference's on as many texts, so it stays
#: comparable on small samples: on 200 random draws of 10 texts, every curated corpus answer or
#: prompt set scored at least 37% of the reference, the narrow sets at most 36% (FastChat
#: dummy) and 24% (identity).
MIN_TEXTS = 10


class LowSemanticDiversity(DatasetRule):
    """The prompts or the responses say few different things: their embeddings barely spread.

    ## What it does
    Measures, for the prompts (user turns) and for the responses (assistant turns), how far
    their embeddings (fast tier) spread:

    * the **Vendi score** (Friedman & Dieng 2022): ``exp`` of the entropy of the eigenvalues of
      ``K/n``, ``K`` the cosine-similarity kernel — the effective number of distinct texts.  It
      is computed on a hash-chosen sample of at most ``sample`` distinct texts (independent of
      record order), each weighted by how many records carry it;
    * **cluster concentration**: seeded faiss k-means (k = 20, fewer on small samples) on the
      same sample: the share of the largest clusters and the effective number of clusters
      (``exp`` of the entropy of the cluster shares), with the texts at their centres as
      examples.

    The Vendi score grows with the sample and depends on the embedding model, so it is judged
    *relative to a reference*: the Vendi score of as many of datalint's general instruction
    prompts (``datalint/data/general_prompts.txt``) under the same model.  The value is the
    lower of the two roles' ratios; the dataset is reported when it is below
    ``min-relative-vendi``, or when the effective number of clusters is below
    ``min-cluster-share`` of k.

    Like is compared with like:

    * **Every text is embedded by its first 16 words**, the reference prompts too (they have 9
      words on average).  The fast model is a weighted mean of token vectors, so long texts
      all lean toward the mean of the language: embedded whole, curated multi-source sets of
      long answers scored 19–23% of the reference and failed, while the same answers' openings
      spread as widely as short answers do (their later 16-word stretches spread alike).
    * Prompts are read after a shared instruction: lines shared by many prompts (a tool or
      system preamble) are masked, and so is an opening of 3 or more words that more than 5%
      of the prompts start with ("Classify the sentiment of this review: …").
    * Responses that are short answers (at most 3 words and 40 characters: labels, yes/no,
      numbers) are left out, as ``canned-responses`` leaves them out; when nearly all answers
      are short (a classification set) the responses are not judged and the report says so
      ("label-only answers: …").  A role with fewer than 10 distinct texts is not judged.

    Calibration (``../shared/corpora``, fast tier, relative Vendi of prompts / responses):
    Alpaca 5,000 0.77 / 0.92, LLaMA-Factory alpaca_en_demo 0.78 / 0.87, its DPO demo 0.73 /
    0.89, CodeAlpaca 2k 0.40 / 0.62, GPTeacher Toolformer 0.59–0.66 / 0.55–0.67, the glaive
    tool-call demo 0.37 / 0.40 (pass); the longest 1,000 answers of Alpaca 5,000, alpaca_en_demo
    and the DPO demo's chosen answers as one set 0.74 / 0.75 (before the window: 0.22, fail);
    FastChat dummy conversations 0.36 / 0.13 and the English part of the LLaMA-Factory identity
    set 0.64 / 0.19 (fail: a few dozen replies said over and over in one voice).  Alpaca and
    alpaca_en_demo answers split by length (4–15, 16–60, 61–150, 151+ words) score 1.16, 0.83,
    0.73, 0.74 (whole texts: 1.17, 0.56, 0.27, 0.20).  On 200 random draws of 10 texts, every
    curated set scored at least 0.37, the narrow ones at most 0.36.  On 12 public fine-tuning
    files, 2 of 2 findings were real defects (judged by reading each record; before the
    window, 1 of 3: the DPO demo and the glaive tool-call demo were reported too).

    Cost: a text no longer than its window keeps the shared fast-tier vector; the other
    windows of the sample (at most ``sample`` texts per role) are embedded by the fast tier,
    about 0.2 s per 1,000 on a 2-core CPU (then cached), and on top come one d×d
    eigendecomposition and a k-means per role.  Measured on Alpaca 5,000 without a cache:
    0.45 s for the responses, 0.25 s for the prompts.

    ## Why it hurts fine-tuning
    A model learns the distribution it is shown.  When the answers (or the requests) are a few
    ideas restated, the fine-tune learns to say those few things whatever it is asked, and a
    large record count hides how little there is to learn.

    ## Example
    ```
    {"prompt": "Who made you?", "completion": "I am Aria, an assistant built by Acme."}
    {"prompt": "What is your name?", "completion": "My name is Aria, Acme's assistant."}
    ... 90 more variations of the same two facts
    ```

    ## How to fix
    Add records that cover more of what users will ask and more kinds of answer; cut the
    over-represented clusters shown in the report down to a sample; if the set is narrow on
    purpose (an identity or persona set), mix it with general instruction data rather than
    training on it alone.

    ## Options
    ``min-relative-vendi`` (float, default 0.3): the lowest Vendi score of a role, as a share of
    the reference's Vendi score on the same number of texts, that passes.
    ``min-cluster-share`` (float, default 0.25): the lowest effective number of clusters, as a
    share of k, that passes.  ``sample`` (int, default 1000): the most distinct texts of a role
    measured.
    ``error-below`` (float, default none): a failing value below this is an error, which fails
    the default gate (``--fail-on error``); off by default.
    """

    decides = ("for the prompts or the responses, the relative Vendi score is below "
               "min-relative-vendi or the effective cluster share is below "
               "min-cluster-share")
    code = "V005"
    name = "low-semantic-diversity"
    summary = "the prompts or responses spread little in embedding space (Vendi score, clusters)"
    severity = "warning"
    requires = frozenset({"records", "embeddings"})

    @dataclass
    class Options:
        min_relative_vendi: float = 0.3
        min_cluster_share: float = 0.25
        sample: int = 1000
        error_below: float | None = None

    def measure(self, res, role: str) -> dict | None:
        s = sem.role_sample(res, role, self.options.sample, MIN_TEXTS)
        if len(s.texts) < MIN_TEXTS:
            return None
        ref_texts, ref = sem.reference_vectors(res)
        m = min(len(s.texts), len(ref_texts))
        ref_v = sem.reference_vendi(res, m)
        v_m = sem.vendi(s.vectors[:m], s.counts[:m])  # hash order: the first m of the sample
        v_all = v_m if m == len(s.texts) else sem.vendi(s.vectors, s.counts)
        k = max(2, min(20, len(s.texts) // 5))
        cl = sem.clusters(s.vectors, s.weights, k, s.texts, n_examples=1)
        return {"role": role, "relative_vendi": v_m / ref_v if ref_v else 0.0,
                "vendi": v_all, "vendi_at_reference_size": v_m, "reference_vendi": ref_v,
                "compared_texts": m, "sampled_texts": len(s.texts), "distinct_texts": s.distinct,
                "clusters": cl, "sample": s}

    def why_not(self, res, role: str) -> str:
        """Why a role is not judged: its answers are labels, or it has too few distinct texts."""
        kinds = res.answer_kinds()
        if role == "response" and kinds.label_only:
            return kinds.describe()
        n = sem.role_sample(res, role, self.options.sample, MIN_TEXTS).distinct
        what = "responses of sentence length" if role == "response" else "prompts"
        return f"{n} distinct {what}, fewer than {MIN_TEXTS}"

    def check_dataset(self, dataset):
        records = dataset.records
        res = dataset.resources
        o = self.options
        roles = {r: self.measure(res, r) for r in ("prompt", "response")}
        measured = {r: m for r, m in roles.items() if m is not None}
        unmeasured = {r: self.why_not(res, r) for r in roles if roles[r] is None}
        if not measured:
            yield not_measured("; ".join(f"{r}s not judged: {why}"
                                         for r, why in unmeasured.items()),
                               {"unmeasured": unmeasured})
            return
        details: dict = {}
        tests: list[Condition] = []  # a role fails on either: its spread or its clusters
        failing = []
        for role, m in measured.items():
            cl = m["clusters"]
            s = m["sample"]
            cshare = cl.effective / cl.k
            role_tests = (
                Condition(f"{role} relative Vendi score", m["relative_vendi"], "<",
                     o.min_relative_vendi),
                Condition(f"{role} effective cluster share", cshare, "<", o.min_cluster_share))
            tests.extend(role_tests)
            if any(t.fails for t in role_tests):
                failing.append((m["relative_vendi"], role))
            details[role] = {
                "relative_vendi": round(m["relative_vendi"], 3),
                "vendi": round(m["vendi"], 2),
                "vendi_at_reference_size": round(m["vendi_at_reference_size"], 2),
                "reference_vendi": round(m["reference_vendi"], 2),
                "compared_texts": m["compared_texts"], "sampled_texts": m["sampled_texts"],
                "distinct_texts": m["distinct_texts"],
                "clusters": {"k": cl.k, "effective": round(cl.effective, 2),
                             "effective_share": round(cshare, 3),
                             "largest_shares": [round(x, 3) for x in cl.shares[:3]]},
                "examples": [example(records, s.records[ex[0]], s.texts[ex[0]],
                                     cluster_share=round(share, 3))
                             for share, ex in zip(cl.shares[:3], cl.examples[:3]) if ex]}
        value = min(m["relative_vendi"] for m in measured.values())
        # the role the message is about: the worst failing one, else the lowest
        worst = min(failing or [(m["relative_vendi"], r) for r, m in measured.items()])[1]
        w = details[worst]
        msg = (f"{worst}s: Vendi score {w['vendi_at_reference_size']:.1f} on "
               f"{w['compared_texts']:,} texts, {pct(w['relative_vendi'])} of general "
               f"instructions' {w['reference_vendi']:.1f} (threshold "
               f"{pct(o.min_relative_vendi)}); {w['clusters']['effective']:.1f} effective "
               f"clusters of {w['clusters']['k']}, the largest holding "
               f"{pct(w['clusters']['largest_shares'][0])}")
        msg += "".join(f"; {r}s not judged: {why}" for r, why in unmeasured.items())
        details["unmeasured_roles"] = sorted(unmeasured)
        details["unmeasured"] = unmeasured
        ex = [s_rec for s_rec in (measured[worst]["sample"].records[e[0]]
                                  for e in measured[worst]["clusters"].examples[:3] if e)]
        yield Measurement(value, o.min_relative_vendi, "<", msg, details, digits=3, findings=[
            dataset_finding(f"low semantic diversity: {msg}", records, ex, data=details)
        ]).decided_by(*((t,) for t in tests))
