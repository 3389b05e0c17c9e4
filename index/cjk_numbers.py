"""Numbers with their units in Chinese and Japanese text, typed with OntoNotes labels.

spaCy's English pipeline (index/annotate.py) finds no "三百米" (three hundred metres) or "两年" (two
years) in Chinese: its tokenizer sees a whole clause as one token. A number in Chinese or Japanese is
a run of digits or numeral characters followed by its unit or classifier, so a pattern finds it
exactly: what "how long / how many / how much" questions in those languages are answered with.
"""

from __future__ import annotations

import re

from index.scripts import CJK_CHAR

_DIGITS = r"[0-9０-９][0-9０-９,，.．]*"
_NUMERALS = r"[零〇一二三四五六七八九十百千万萬亿億两兩幾几数數]+"
# unit -> label; longest alternatives first within each group
_UNITS: tuple[tuple[str, str], ...] = (
    ("PERCENT", r"%|％|パーセント"),
    ("MONEY", r"美元|欧元|歐元|英镑|英鎊|日元|人民币|人民幣|港元|元|块|塊|円|ドル|ユーロ"),
    (
        "QUANTITY",
        r"平方公里|平方千米|平方米|公里|千米|厘米|毫米|英里|公尺|米|公斤|千克|公顷|公頃|吨|噸|克|升"
        r"|キロメートル|メートル|センチ|キロ|トン|グラム|リットル|度",
    ),
    (
        "DATE",
        r"个月|個月|か月|ヶ月|カ月|小时|小時|分钟|分鐘|星期|週間|时间|時間|年間|日間|年代|世纪|世紀"
        r"|年|月|日|天|周|週|秒",
    ),
    ("CARDINAL", r"人|名|个|個|座|家|所|条|條|辆|輛|架|件|次|位|台|本|只|隻|头|頭|棵|篇|项|項|つ"),
)
_UNIT = "|".join(f"(?P<{label}>{pattern})" for label, pattern in _UNITS)
_NUMBER = re.compile(rf"(?:百分之(?P<per>{_NUMERALS}|{_DIGITS}))|(?:{_DIGITS}|{_NUMERALS})(?:{_UNIT})?")
# Named days and relative dates: "周二" (Tuesday), "月曜日" (Monday), "去年" (last year)
_DAYS = re.compile(
    r"(?:周|週|星期|礼拜|禮拜)[一二三四五六日天]|[月火水木金土日]曜日|[今昨明前]天|[去今明前]年|[上下本]周|[上下本]週"
)
_TIME_UNITS = r"个月|個月|か月|ヶ月|カ月|小时|小時|分钟|分鐘|星期|週間|時間|年間|日間|天|周|秒"
# "两年" (two years) measures time, "2024年" names a year: numerals before 年, any number before the rest
_SPAN_OF_TIME = re.compile(rf"(?:{_NUMERALS}|{_DIGITS})(?:{_TIME_UNITS})|{_NUMERALS}年")


def cjk_number_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, label) of the typed numbers of `text`'s Chinese and Japanese: "三百米" QUANTITY,
    "两年" DATE, "五百元" MONEY, "百分之五" / "5％" PERCENT, "二十人" CARDINAL, a bare number of
    digits or of two or more numerals CARDINAL. Spans only where a Han or Kana character is next to
    the number, so that numbers in other scripts are left to spaCy."""
    out = []
    for m in _NUMBER.finditer(text):
        start, end = m.span()
        if not _next_to_cjk(text, start, end):
            continue
        label = "PERCENT" if m.group("per") else next((k for k, _ in _UNITS if m.group(k)), None)
        if label is None:  # a bare number: digits, or at least two numerals ("一" alone is mostly "a")
            if end - start < 2 and not text[start].isdigit():
                continue
            label = "CARDINAL"
        out.append((start, end, label))
    taken = {a for a, _, _ in out}
    out += [(m.start(), m.end(), "DATE") for m in _DAYS.finditer(text) if m.start() not in taken]
    return sorted(out)


def is_span_of_time(text: str) -> bool:
    """Whether a Chinese/Japanese DATE span measures time ("两年", "三个月") rather than naming a
    point in time ("2024年", "4月")."""
    return bool(_SPAN_OF_TIME.fullmatch(text))


def _next_to_cjk(text: str, start: int, end: int) -> bool:
    inside = text[start:end]
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return any(CJK_CHAR.match(ch) for ch in (before, after) if ch) or bool(CJK_CHAR.search(inside))
