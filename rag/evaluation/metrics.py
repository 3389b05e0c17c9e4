"""Evaluation metrics as pure functions: answers, retrieval, citations, abstention, latency.

Every function returns None where a metric is undefined for the question (e.g. retrieval metrics
without gold articles), so that aggregates average over exactly the questions a metric applies to.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from index.scripts import search_form

RETRIEVAL_KS = (1, 5, 10)
DEPTH = 10  # cut-off of recall, MRR and nDCG

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_MARKER = re.compile(r"\s*\[\d+\]")  # a citation marker "[2]" after an answer sentence
_PUNCTUATION = str.maketrans("", "", string.punctuation)

Span = tuple[str, int, int]  # (article_id, start, end): a character range of an article's text


# -- answers (SQuAD v1.1/v2.0 official script semantics) ---------------------------------------------
def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lowercase, drop ASCII punctuation and the articles a/an/the, collapse spaces.

    First the search form (index/scripts.py: NFKC, no soft hyphens or zero-width characters, a space
    between Han/Kana characters, so that Chinese is scored by character as MLQA does); ASCII text is
    unchanged by it, so English scores are SQuAD's.
    """
    text = search_form(text).lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def strip_markers(text: str) -> str:
    """The answer text without its citation markers: "Blinken visits. [1]" -> "Blinken visits."."""
    return _MARKER.sub("", text).strip()


def exact_match(prediction: str, golds: Sequence[str]) -> float | None:
    """1.0 when the normalised prediction equals a normalised gold answer; None without gold answers."""
    if not golds:
        return None
    pred = normalize_answer(prediction)
    return max(float(pred == normalize_answer(g)) for g in golds)


def _f1(prediction: str, gold: str) -> float:
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision = common / len(pred_tokens)
    recall = common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Sequence[str]) -> float | None:
    """Bag-of-tokens F1 between normalised prediction and gold, best over the gold answers."""
    if not golds:
        return None
    return max(_f1(prediction, g) for g in golds)


def answer_contains(prediction: str, golds: Sequence[str]) -> float | None:
    """1.0 when a normalised gold answer occurs in the normalised prediction as whole tokens.

    Whole tokens, so that the gold "no" is not found inside "not" or "know".
    """
    if not golds:
        return None
    pred = f" {normalize_answer(prediction)} "
    return max(float(bool(g) and f" {g} " in pred) for g in map(normalize_answer, golds))


# -- retrieval, article level ------------------------------------------------------------------------
def ranked_articles(passage_articles: Iterable[str]) -> list[str]:
    """Article ids of passages in rank order, each kept at its first (best) occurrence."""
    return list(dict.fromkeys(passage_articles))


def hit_at(ranked: Sequence[str], gold: Iterable[str], k: int) -> float | None:
    """1.0 when a gold article is among the first k ranked articles; None without gold articles."""
    wanted = set(gold)
    if not wanted:
        return None
    return float(any(a in wanted for a in ranked[:k]))


def recall_at(ranked: Sequence[str], gold: Iterable[str], k: int = DEPTH) -> float | None:
    """Share of the gold articles found among the first k ranked articles."""
    wanted = set(gold)
    if not wanted:
        return None
    return len(wanted & set(ranked[:k])) / len(wanted)


def mrr_at(ranked: Sequence[str], gold: Iterable[str], k: int = DEPTH) -> float | None:
    """1 / rank of the first gold article within the first k, else 0."""
    wanted = set(gold)
    if not wanted:
        return None
    return next((1.0 / rank for rank, a in enumerate(ranked[:k], start=1) if a in wanted), 0.0)


def ndcg_at(ranked: Sequence[str], gold: Iterable[str], k: int = DEPTH) -> float | None:
    """nDCG@k with binary relevance: sum(rel_i / log2(i + 1)) over the ideal ordering's sum."""
    wanted = set(gold)
    if not wanted:
        return None
    dcg = sum(1.0 / math.log2(rank + 1) for rank, a in enumerate(ranked[:k], start=1) if a in wanted)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(wanted), k) + 1))
    return dcg / ideal


def retrieval_metrics(ranked: Sequence[str], gold: Sequence[str]) -> dict[str, float | None]:
    scores: dict[str, float | None] = {f"hit@{k}": hit_at(ranked, gold, k) for k in RETRIEVAL_KS}
    scores[f"recall@{DEPTH}"] = recall_at(ranked, gold)
    scores[f"mrr@{DEPTH}"] = mrr_at(ranked, gold)
    scores[f"ndcg@{DEPTH}"] = ndcg_at(ranked, gold)
    return scores


# -- citations ---------------------------------------------------------------------------------------
def citation_precision(cited_articles: Sequence[str], gold: Iterable[str]) -> float | None:
    """Share of citations whose article is a gold article; None when the answer cites nothing."""
    if not cited_articles:
        return None
    wanted = set(gold)
    return sum(a in wanted for a in cited_articles) / len(cited_articles)


def locate_quotes(quotes: Sequence[str], texts: Mapping[str, str]) -> list[Span]:
    """Where each gold quote occurs (first occurrence, `str.find`) in each of the given article texts."""
    spans: list[Span] = []
    for quote in quotes:
        if not quote:
            continue
        for article_id, text in texts.items():
            start = text.find(quote)
            if start >= 0:
                spans.append((article_id, start, start + len(quote)))
    return spans


def spans_overlap(a: Span, b: Span) -> bool:
    """Same article and the half-open character ranges [start, end) intersect."""
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def quote_overlap(cited: Sequence[Span], gold_spans: Sequence[Span]) -> float | None:
    """1.0 when some citation's span overlaps some located gold quote; None with no located quote."""
    if not gold_spans:
        return None
    return float(any(spans_overlap(c, g) for c in cited for g in gold_spans))


# -- latency -----------------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p% of the values at or below it.

    Always one of the observed values (no interpolation); None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# -- one question, then a set ------------------------------------------------------------------------
METRICS = (
    *(f"hit@{k}" for k in RETRIEVAL_KS),
    f"recall@{DEPTH}",
    f"mrr@{DEPTH}",
    f"ndcg@{DEPTH}",
    "em",
    "f1",
    "short_em",
    "short_f1",
    "contains",
    "citation_precision",
    "quote_overlap",
    "abstain",
    "false_abstain",
    "latency_p50",
    "latency_p95",
)
LOWER_IS_BETTER = frozenset({"false_abstain", "latency_p50", "latency_p95"})
STAGES = ("embed", "search", "answer", "generate", "verify", "total")  # generate/verify: LLM answers only


@dataclass(frozen=True)
class Outcome:
    """One question's gold and the assistant's answer, in the terms the metrics need."""

    answers: Sequence[str]  # [] = unanswerable
    gold_articles: Sequence[str]
    gold_spans: Sequence[Span]  # gold quotes located in the gold articles
    text: str
    abstained: bool
    retrieved: Sequence[str]  # article id of each passage, in rank order
    cited: Sequence[Span]
    short: str | None = None  # the answer's short span (typed questions), when it gave one


def score_question(o: Outcome) -> dict[str, float | None]:
    """Every per-question metric; None where it does not apply to this question.

    Answerable questions get retrieval, answer and citation scores; an abstention on them answers ""
    (EM, F1 and contains 0, quote overlap 0). Unanswerable ones only get `abstain`. Citation markers
    ("[1]") are removed from the answer text before it is compared with the gold answers.
    """
    answerable = bool(o.answers)
    scores: dict[str, float | None] = dict.fromkeys(METRICS[:-2])
    if not answerable:
        scores["abstain"] = float(o.abstained)
        return scores
    scores.update(retrieval_metrics(ranked_articles(o.retrieved), o.gold_articles))
    text = "" if o.abstained else strip_markers(o.text)
    scores["em"] = exact_match(text, o.answers)
    scores["f1"] = token_f1(text, o.answers)
    short = "" if o.abstained else (o.short if o.short is not None else text)
    scores["short_em"] = exact_match(short, o.answers)  # on the short answer where there is one
    scores["short_f1"] = token_f1(short, o.answers)
    scores["contains"] = answer_contains(text, o.answers)
    if o.gold_articles:
        scores["citation_precision"] = citation_precision([c[0] for c in o.cited], o.gold_articles)
    scores["quote_overlap"] = quote_overlap(o.cited, o.gold_spans)
    scores["false_abstain"] = float(o.abstained)
    return scores


def mean(values: Iterable[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def aggregate(
    scores: Sequence[Mapping[str, float | None]], timings: Sequence[Mapping[str, float]]
) -> dict[str, float | None]:
    """Set-level metrics: each per-question metric averaged over the questions where it is defined,
    and the nearest-rank p50/p95 of the total latency in ms. None where no question applies."""
    result = {name: mean(s.get(name) for s in scores) for name in METRICS[:-2]}
    totals = [t["total"] for t in timings if "total" in t]
    result["latency_p50"] = percentile(totals, 50)
    result["latency_p95"] = percentile(totals, 95)
    return result


def counts(scores: Sequence[Mapping[str, float | None]]) -> dict[str, int]:
    """How many questions each averaged metric is defined for (its denominator)."""
    return {name: sum(s.get(name) is not None for s in scores) for name in METRICS[:-2]}


def latency_by_stage(timings: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float | None]]:
    """Per stage (embed, search, answer, [generate, verify,] total): p50, p95 (nearest rank), mean, in ms."""
    stats: dict[str, dict[str, float | None]] = {}
    for stage in STAGES:
        values = [t[stage] for t in timings if stage in t]
        if not values and stage in ("generate", "verify"):
            continue
        stats[stage] = {"p50": percentile(values, 50), "p95": percentile(values, 95), "mean": mean(values)}
    return stats


def breakdown(
    keys: Sequence[str | None],
    scores: Sequence[Mapping[str, float | None]],
    timings: Sequence[Mapping[str, float]],
) -> dict[str, dict[str, object]]:
    """`aggregate` per group (e.g. the questions' `type`); {} when no question has a key."""
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key is not None:
            groups.setdefault(key, []).append(i)
    return {
        key: {
            "n": len(idx),
            "metrics": aggregate([scores[i] for i in idx], [timings[i] for i in idx]),
        }
        for key, idx in sorted(groups.items())
    }
