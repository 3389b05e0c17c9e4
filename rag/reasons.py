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


# One plain sentence per reason, for a person (the chat page shows it under an abstention; GET
# /vocabulary serves it): what happened, in words, never the code.
DESCRIPTIONS: dict[Reason, str] = {
    Reason.EMPTY_QUESTION: "The question had no words to look for.",
    Reason.NO_PASSAGES: "Nothing in the articles matched the question.",
    Reason.WEAK_EVIDENCE: "No sentence in the articles answers the question closely enough to quote it.",
    Reason.ANSWER_TYPE_MISSING: (
        "The articles mention the subject, but none of them gives the kind of answer asked for "
        "(a number, a date, a name, …)."
    ),
    Reason.LLM_ABSTAINED: "The language model read the passages and found no answer in them.",
    Reason.UNSUPPORTED_ANSWER: (
        "The language model's answer was not backed by the articles, so it is not shown."
    ),
    Reason.GENERATOR_UNAVAILABLE: (
        "The language model was unavailable; the answer was taken from the articles."
    ),
}
ABSTENTIONS = frozenset(Reason) - {Reason.GENERATOR_UNAVAILABLE}
