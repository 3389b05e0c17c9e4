"""Why an answer abstained or fell back: the one list of `Answer.reason` values.

A `StrEnum`, so a reason is still the plain string on the wire (`"weak_evidence"`), in JSON reports
and in metrics labels; code compares against members, never against string literals. A new reason is
one member here plus its text where it is produced.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    EMPTY_QUESTION = "empty_question"
    NO_PASSAGES = "no_passages"
    WEAK_EVIDENCE = "weak_evidence"
    ANSWER_TYPE_MISSING = "answer_type_missing"
    LLM_ABSTAINED = "llm_abstained"
    UNSUPPORTED_ANSWER = "unsupported_answer"
    GENERATOR_UNAVAILABLE = "generator_unavailable"  # not an abstention: the extractive answer stands in


DESCRIPTIONS: dict[Reason, str] = {
    Reason.EMPTY_QUESTION: "the question had no words",
    Reason.NO_PASSAGES: "nothing in the index matched",
    Reason.WEAK_EVIDENCE: "no sentence likely enough to answer (the fitted threshold) or relevant enough",
    Reason.ANSWER_TYPE_MISSING: "no passage holds the kind of answer asked for (a number, a date, …)",
    Reason.LLM_ABSTAINED: "the language model said the passages do not answer",
    Reason.UNSUPPORTED_ANSWER: "no sentence the language model wrote is supported by its citations",
    Reason.GENERATOR_UNAVAILABLE: "the language model failed; answered extractively",
}
ABSTENTIONS = frozenset(Reason) - {Reason.GENERATOR_UNAVAILABLE}
