"""What kind of answer a question asks for, and which typed spans can be that answer.

Classical QA's answer-type check (Li & Roth 2002, "Learning Question Classifiers"; the TREC QA
systems): "how many" wants a number, "when" a date, "who" a person. The question side is a few
patterns over the question's first words (questions are short and formulaic); the sentence side is
the index's named entities (spaCy's OntoNotes labels, index/annotate.py), not regular expressions,
so names in any script and numbers written as words count.
"""

from __future__ import annotations

import re
from enum import Enum

from index.annotate import NOUN_PHRASE, PROPER_NAME
from index.cjk_numbers import is_span_of_time


class AnswerType(Enum):
    NUMBER = "number"
    MEASURE = "measure"  # "how tall/far/big …": a height, distance, size
    DURATION = "duration"  # "how long …", "how old": a length, a span of time or an age
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"
    PERSON = "person"
    PLACE = "place"
    ORGANIZATION = "organization"
    REASON = "reason"  # soft: a cue ("because", "in the hope of") raises a sentence's score, its lack no veto
    THING = "thing"  # "what …", "which …": a noun phrase, no entity type required
    ANY = "any"  # yes/no and open questions: whole sentences


# The entity labels that can answer each type, best first (OntoNotes 5 labels, as spaCy gives them).
LABELS: dict[AnswerType, tuple[str, ...]] = {
    AnswerType.NUMBER: ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"),
    AnswerType.DURATION: ("QUANTITY", "DATE", "TIME", "CARDINAL"),
    AnswerType.MONEY: ("MONEY", "QUANTITY", "CARDINAL"),
    AnswerType.MEASURE: ("QUANTITY", "CARDINAL"),
    AnswerType.PERCENT: ("PERCENT", "CARDINAL", "QUANTITY"),
    AnswerType.DATE: ("DATE", "TIME"),
    AnswerType.PERSON: ("PERSON", PROPER_NAME, "ORG"),  # not NORP: "Mexican authorities" is no "who"
    AnswerType.PLACE: ("GPE", "LOC", "FAC", PROPER_NAME),
    AnswerType.ORGANIZATION: ("ORG", "NORP", PROPER_NAME, "PERSON"),
    AnswerType.THING: (
        *("ORG", "PERSON", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART"),
        *("LAW", "LANGUAGE", "DATE", "CARDINAL", "QUANTITY", "MONEY", "PERCENT", PROPER_NAME, NOUN_PHRASE),
    ),
}
# Typed questions: a sentence holding no span of a wanted label cannot answer them (README "How an
# answer is chosen"). THING accepts any noun phrase, so it filters nothing; REASON and ANY have no labels.
TYPED = frozenset(t for t in LABELS if t is not AnswerType.THING)

_LEAD = r"^\s*(?:(?:and|but|so|then|also|ok|okay),?\s+)?"  # "and who is visiting?" asks for a person too
_BEFORE = r"(?:(?:in|on|at|by|from|to|for|during|since|of|with|under|after|before)\s+)?"
# "What is/was the [up to three modifiers] <noun> …" at the question's start: the copula right after the
# question word keeps verbs out of the modifiers ("What limited the speed …" stays THING)
_FOCUS = (
    r"|" + _LEAD + r"(?:what|which)\s+(?:is|was|are|were)\s+(?:the\s+)?"
    r"(?:(?!(?:of|for|in|on|at|to|by|with|from|about|behind|that|which|who|whose)\b)[\w'’-]+\s+){0,3}?"
)  # modifiers only: "What was the reason for the temperature drop?" is no MEASURE question
_PATTERNS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = tuple(
    (t, re.compile(p, re.I))
    for t, p in (
        (
            AnswerType.MONEY,
            r"\bhow much (money|(does|did|do|will|would|is|was|are|were)\b.*\b(cost|pay|paid|charge|raise|"
            r"earn|spend|worth|sell|sold))\b|\bwhat (was|is|were|are) the (cost|price|fee|fare)",
        ),
        # the question's head noun after "what (is) the …" (Li & Roth's focus word): "What was the target
        # percentage …", "What is Victoria's highest monthly temperature?"
        (
            AnswerType.PERCENT,
            r"\bwhat (percentage|percent|proportion|share)\b" + _FOCUS + r"(percentage|percent)\b",
        ),
        (
            AnswerType.MEASURE,
            r"\bhow (tall|high|far|big|large|wide|deep|heavy|thick)\b" + _FOCUS
            + r"(temperature|height|distance|depth|weight|speed|altitude|elevation|width)\b",
        ),
        # "how long" is a length or a span of time: both, with dates only when they measure time
        (AnswerType.DURATION, r"\bhow (long|old)\b"),
        (
            AnswerType.NUMBER,
            r"\bhow (many|much|far|big|large|often|tall|high|fast|deep|wide)\b"
            r"|\bwhat (number|amount)\b|\bwhat (was|is|were|are) the (number|total|size|population|amount)\b",
        ),
        (
            AnswerType.DATE,
            _LEAD + _BEFORE + r"(when\b|what (year|month|day|date|time|decade|century)\b"
            r"|which (year|month|day|decade|century)\b)",
        ),
        (AnswerType.PERSON, _LEAD + _BEFORE + r"(who|whom|whose)\b"),
        (
            AnswerType.PLACE,
            _LEAD + _BEFORE + r"(where\b|(what|which) (country|city|town|state|region|province|continent|"
            r"island|place|nation|area|county|village|capital)\b)",
        ),
        (
            AnswerType.ORGANIZATION,
            _LEAD + _BEFORE + r"(what|which) (company|organi[sz]ation|team|party|group|agency|firm|"
            r"newspaper|outlet|club|university|band)\b",
        ),
        (AnswerType.REASON, _LEAD + r"(why|how come|what (is|was|are|were) the (reason|cause|motive)s?)\b"),
        # "What are the authorities doing …?", "What happened …?": an action, told by a sentence
        (
            AnswerType.ANY,
            _LEAD + r"what\b.*\b(doing|done|happen(s|ed|ing)?)\b|what (did|does|do|will) .+ do\b"
            # "What is the latest on …?", "What's new …", "any news on …": an update, told by a sentence
            r"|what(?:'s| is| are)( the)? (latest|newest|news|new|situation|status|state of)\b"
            r"|\bany (news|updates?)\b",
        ),
        (AnswerType.THING, _LEAD + _BEFORE + r"(what|which|name)\b"),
    )
)  # fmt: skip
# Chinese and Japanese question words (no spaces, no \b), most specific first. 多长 asks a length and
# 多长时间/多久 a span of time, as "how tall" and "how long" differ in English. Only types whose spans
# the index finds in those languages (index/cjk_numbers.py): "who" (谁) and "where" (哪里) are left
# untyped, since the English NER finds no Chinese names and a typed question would always be refused.
_CJK_PATTERNS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = tuple(
    (t, re.compile(p))
    for t, p in (
        (AnswerType.PERCENT, r"百分之几|百分比|何パーセント"),
        (AnswerType.MONEY, r"多少钱|多少錢|多少元|いくら|何円"),
        (AnswerType.DURATION, r"多长时间|多長時間|多久|多少年|几年|幾年|几天|幾天"
            r"|何年間|何日間|何時間|どのくらいの期間"),
        (AnswerType.MEASURE, r"多长|多長|多高|多远|多遠|多大|多宽|多寬|多深|多重"
            r"|どのくらい|どれくらい|何メートル|何キロ"),
        (AnswerType.NUMBER, r"多少|几[个個名位座家]|幾[个個名位座家]|いくつ|何人|何個|何件|何台"),
        (AnswerType.DATE, r"什么时候|什麼時候|何时|何時|哪一?年|哪一?天|几月|幾月|几号|幾號"
            r"|いつ|何年|何月|何日"),
        (AnswerType.REASON, r"为什么|為什麼|为何|為何|なぜ|どうして"),
    )
)  # fmt: skip
_REASON = re.compile(
    r"\b(because|due to|owing to|as a result|caused by|in the hope|hoping|seeking|in search of|to escape|"
    r"escaping|fleeing|in order to|so that|in response to|amid|after|following|since|led to|reason|blamed)\b",
    re.I,
)


_YES_NO = re.compile(
    _LEAD + r"(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might)\b", re.I
)
# A question word inside the question ("The Normans came from which country?", "In 1066, who …").
_INNER: tuple[tuple[AnswerType, re.Pattern[str]], ...] = tuple(
    (t, re.compile(p, re.I))
    for t, p in (
        (AnswerType.PERSON, r"\b(who|whom|whose)\b"),
        (AnswerType.DATE, r"\bwhen\b|\b(what|which) (year|month|day|date|decade|century)\b"),
        (AnswerType.PLACE, r"\bwhere\b"),
        (AnswerType.REASON, r"\bwhy\b"),
        (AnswerType.THING, r"\b(what|which)\b"),
    )
)


def answer_type(question: str) -> AnswerType:
    """The kind of answer `question` asks for. Patterns at the question's start win (most specific
    first), then Chinese and Japanese question words; a yes/no question ("Did …", "Is …") wants a
    sentence; otherwise a question word inside it."""
    for kind, pattern in _PATTERNS:
        if pattern.search(question):
            return kind
    for kind, pattern in _CJK_PATTERNS:
        if pattern.search(question):
            return kind
    if _YES_NO.search(question):
        return AnswerType.ANY
    for kind, pattern in _INNER:
        if pattern.search(question):
            return kind
    return AnswerType.ANY


def has_reason_cue(sentence: str) -> bool:
    return bool(_REASON.search(sentence))


_SPAN_OF_TIME = re.compile(
    r"\b(\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|hundreds?|thousands?|several|few|many|some|half)\b.*\b(seconds?|minutes?|"
    r"hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?|centur(y|ies)|old)\b",
    re.I,
)


def label_rank(wanted: AnswerType, label: str, text: str = "") -> int | None:
    """0 for the best label for `wanted`, 1 for the next, …; None when `label` cannot answer it.
    For "how long / how old", a DATE or TIME counts only when it measures time ("three weeks", not
    "Tuesday"): spaCy's DATE covers both points and spans of time."""
    labels = LABELS.get(wanted, ())
    if label not in labels:
        return None
    measures_time = _SPAN_OF_TIME.search(text) or is_span_of_time(text)
    if wanted is AnswerType.DURATION and label in ("DATE", "TIME") and not measures_time:
        return None
    return labels.index(label)
