"""What kind of answer a question asks for, and whether a sentence holds one.

Classical QA's answer-type check: "how many" wants a number, "when" a date, "who" a name. A sentence
without anything of the wanted type cannot answer the question, however similar it sounds.
"""

from __future__ import annotations

import re
from enum import Enum


class AnswerType(Enum):
    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    REASON = "reason"  # soft: a cue ("because", "in the hope of") raises a sentence's score, its lack no veto
    ANY = "any"


_NUMBER_Q = re.compile(
    r"\b(how (many|much|long|old|far|big|large|often|tall|high)|what (number|percentage|proportion|amount)"
    r"|what (was|is|were|are) the (number|cost|price|total|size|population|amount))\b",
    re.I,
)
_LEAD = r"^\s*(?:(?:and|but|so|then|also|ok|okay),?\s+)?"  # "and who is visiting?" asks for a person too
_DATE_Q = re.compile(
    _LEAD + r"(when\b|(in )?what (year|month|day|date|time)\b|which (year|month|day)\b)", re.I
)
_PERSON_Q = re.compile(_LEAD + r"(who|whom|whose)\b", re.I)
_REASON_Q = re.compile(_LEAD + r"(why|how come|what (is|was|are|were) the (reason|cause|motive)s?)\b", re.I)
_REASON = re.compile(
    r"\b(because|due to|owing to|as a result|caused by|in the hope|hoping|seeking|in search of|to escape|"
    r"escaping|fleeing|in order to|so that|in response to|amid|after|following|since|led to|reason|blamed)\b",
    re.I,
)

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|"
    r"thousands?|millions?|billions?|dozens?|half|quarter|once|twice|several|few"
)
_NUMBER = re.compile(rf"\d|\b({_NUMBER_WORDS})\b", re.I)
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(1[0-9]{{3}}|20[0-9]{{2}}|{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|yesterday|tomorrow|tonight|last (week|month|year)|next (week|month|year)|"
    r"(this|that) (week|month|year|morning|evening)|century|decade|since|ago|\d+(st|nd|rd|th))\b",
    re.I,
)
# A capitalised word after the first word of the sentence: a name, roughly.
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]+|(?<=\s)[A-Z]{2,}")


def answer_type(question: str) -> AnswerType:
    if _NUMBER_Q.search(question):
        return AnswerType.NUMBER
    if _DATE_Q.search(question):
        return AnswerType.DATE
    if _PERSON_Q.search(question):
        return AnswerType.PERSON
    if _REASON_Q.search(question):
        return AnswerType.REASON
    return AnswerType.ANY


def has_reason_cue(sentence: str) -> bool:
    return bool(_REASON.search(sentence))


def has_answer_type(sentence: str, wanted: AnswerType) -> bool:
    if wanted is AnswerType.NUMBER:
        return bool(_NUMBER.search(sentence))
    if wanted is AnswerType.DATE:
        return bool(_DATE.search(sentence))
    if wanted is AnswerType.PERSON:
        return bool(_NAME.search(sentence))
    return True
