"""Answer types, candidate gathering, selection, coherence and short spans (fake embedder, no NER model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index import ingest
from index.annotate import NoAnnotator
from index.embedding import FakeEmbedder
from index.live import IndexReader
from index.types import Article, SentenceRow, SpanRow
from rag.answer_types import AnswerType, answer_type, label_rank
from rag.candidates import Candidate, Question, features, gather, idf_weights
from rag.extractive import cite, select, short_answer
from rag.scorer import Logistic, Scorer
from rag.types import Passage

ARTICLE = (
    "Storm Ida closes the port.\n\nThe port of Dunmore closed on Monday after Storm Ida brought winds of "
    "120 km/h. Ferries were cancelled because the harbour wall was damaged. The mayor, Ana Ruiz, said "
    "repairs would take weeks. Fishermen stayed home."
)


def passage(article_id: str = "a1", rank: int = 1, text: str = ARTICLE) -> Passage:
    return Passage(
        rank, article_id, 0, text, 0, len(text), 0, "Storm", "Wire", "2024-01-02", None, rank, 1 / rank
    )


def candidate(sentence: str, ordinal: int, prob: float, article_id: str = "a1", spans=()) -> Candidate:  # type: ignore[no-untyped-def]
    text = ARTICLE if article_id == "a1" else sentence
    start = text.index(sentence)
    row = SentenceRow(ordinal + 100 * len(article_id), article_id, ordinal, start, start + len(sentence))
    c = Candidate(passage(article_id, text=text), row, sentence, list(spans), in_passage=True)
    c.prob = prob
    c.x = {"sem": 0.5, "lex": 0.5, "lex_context": 0.5, "prior": 1.0}
    return c


def question(text: str) -> Question:
    weights = idf_weights(text, lambda ws: {w: 1 for w in ws}, 10)
    return Question(text, answer_type(text), weights, FakeEmbedder().embed_query(text))


ONE = Logistic(("sem",), np.zeros(1), np.ones(1), np.ones(1), 0.0)
NEAR = Logistic(("near",), np.zeros(1), np.ones(1), np.ones(1), 0.0)
SCORER = Scorer(ONE, NEAR, 0.5, 0.0, {})


@pytest.mark.parametrize(
    ("q", "wanted"),
    [
        ("How many people died?", AnswerType.NUMBER),
        ("How long is the footbridge?", AnswerType.DURATION),
        ("How tall is the tower?", AnswerType.MEASURE),
        ("How long did the repairs take?", AnswerType.DURATION),
        ("How much does entry cost?", AnswerType.MONEY),
        ("The Normans came from which country?", AnswerType.THING),
        ("In 1066, who invaded England?", AnswerType.PERSON),
        ("How much did the bridge cost?", AnswerType.MONEY),
        ("What percentage of voters chose him?", AnswerType.PERCENT),
        ("When did the port close?", AnswerType.DATE),
        ("In what year was it built?", AnswerType.DATE),
        ("Who is the mayor?", AnswerType.PERSON),
        ("and who is visiting?", AnswerType.PERSON),
        ("Where is the caravan heading?", AnswerType.PLACE),
        ("Which country hosts the summit?", AnswerType.PLACE),
        ("Which company makes the drug?", AnswerType.ORGANIZATION),
        ("Why are migrants leaving?", AnswerType.REASON),
        ("What did BSkyB name their service?", AnswerType.THING),
        ("Did the port reopen?", AnswerType.ANY),
    ],
)
def test_answer_type_of_question(q: str, wanted: AnswerType) -> None:
    assert answer_type(q) is wanted


def test_label_rank_orders_the_labels_that_can_answer() -> None:
    assert label_rank(AnswerType.PERSON, "PERSON") == 0
    assert label_rank(AnswerType.PERSON, "GPE") is None
    assert label_rank(AnswerType.PERSON, "NORP") is None  # "Mexican authorities" is no "who"
    assert label_rank(AnswerType.NUMBER, "CARDINAL") == 0


@pytest.mark.parametrize(
    ("text", "answers"), [("three weeks", True), ("45 years old", True), ("Tuesday", False), ("June", False)]
)
def test_how_long_takes_dates_only_when_they_measure_time(text: str, answers: bool) -> None:
    assert (label_rank(AnswerType.DURATION, "DATE", text) is not None) is answers
    assert label_rank(AnswerType.DURATION, "QUANTITY", "300 metres") == 0


def test_short_answer_is_the_typed_span_nearest_the_question_and_not_its_own_words() -> None:
    sentence = "The mayor, Ana Ruiz, said repairs would take weeks."
    start = ARTICLE.index(sentence)
    ruiz = (start + sentence.index("Ana Ruiz"), start + sentence.index("Ana Ruiz") + len("Ana Ruiz"))
    repairs = (start + sentence.index("repairs"), start + sentence.index("repairs") + len("repairs"))
    spans = [SpanRow(*repairs, "PERSON"), SpanRow(*ruiz, "PERSON")]  # two candidates: nearness decides
    c = candidate(sentence, 3, 0.9, spans=spans)
    q = question("Who is the mayor of Dunmore?")
    from rag.candidates import typed_spans

    c.typed = typed_spans(c, q)
    near = Logistic(("near", "q_overlap"), np.zeros(2), np.ones(2), np.array([1.0, -1.0]), 0.0)
    short = short_answer(c, q, near)
    assert short is not None and short.text == "Ana Ruiz" and ARTICLE[short.start : short.end] == "Ana Ruiz"
    # the question's own name is never the answer
    c.typed = typed_spans(c, question("Who did Ana Ruiz speak to?"))
    assert [ARTICLE[s.start : s.end] for s in c.typed] == ["repairs"]


def test_typed_question_is_answered_only_by_a_sentence_holding_the_type() -> None:
    q = question("Who is the mayor of Dunmore?")
    lead = candidate(
        "The port of Dunmore closed on Monday after Storm Ida brought winds of 120 km/h.", 1, 0.95
    )
    sentence = "The mayor, Ana Ruiz, said repairs would take weeks."
    start = ARTICLE.index(sentence) + sentence.index("Ana Ruiz")
    named = candidate(sentence, 3, 0.6, spans=[SpanRow(start, start + 8, "PERSON")])
    lead.typed, named.typed = [], named.spans
    extract = select([lead, named], q, SCORER)
    assert extract.chosen == [named]  # the more probable lead sentence names no person
    assert select([lead], q, SCORER).chosen == []


def test_below_threshold_abstains_but_keeps_the_best_candidate() -> None:
    best = candidate("Fishermen stayed home.", 4, 0.3)
    extract = select([best], question("What did fishermen do?"), SCORER)
    assert extract.chosen == [] and extract.best is best


def test_a_probable_sentence_about_nothing_asked_is_still_refused() -> None:
    best = candidate("Fishermen stayed home.", 4, 0.9)
    best.x = {"sem": 0.1, "lex": 0.0, "lex_context": 0.0, "prior": 1.0}
    extract = select([best], question("What did fishermen do?"), Scorer(ONE, ONE, 0.5, 0.3, {}))
    assert extract.chosen == [] and extract.best is best


def test_further_sentence_joins_only_when_about_the_same_thing() -> None:
    q = question("What happened at the port of Dunmore?")
    best = candidate(
        "The port of Dunmore closed on Monday after Storm Ida brought winds of 120 km/h.", 1, 0.9
    )
    beside = candidate("Ferries were cancelled because the harbour wall was damaged.", 2, 0.7)
    elsewhere = candidate("A Syrian toddler was rescued at sea.", 0, 0.8, article_id="other")
    extract = select([best, elsewhere, beside], q, SCORER)
    assert extract.chosen == [best, beside]


def test_why_keeps_reasons_from_the_same_account() -> None:
    q = question("Why were ferries cancelled at Dunmore?")
    best = candidate("Ferries were cancelled because the harbour wall was damaged.", 2, 0.9)
    reason_elsewhere = candidate("Boats stayed in port because of high waves.", 0, 0.85, article_id="other")
    before = candidate(
        "The port of Dunmore closed on Monday after Storm Ida brought winds of 120 km/h.", 1, 0.5
    )
    extract = select([best, reason_elsewhere, before], q, SCORER)
    assert extract.chosen == [best, before]


def test_cite_numbers_markers_and_keeps_offsets() -> None:
    c = candidate("Ferries were cancelled because the harbour wall was damaged.", 2, 0.9)
    text, citations = cite([c])
    assert text.endswith("[1]") and citations[0].n == 1
    assert ARTICLE[citations[0].start : citations[0].end] == citations[0].quote


def test_gather_takes_every_sentence_of_the_passages_and_their_neighbours(tmp_path: Path) -> None:
    emb = FakeEmbedder()
    article = Article(id="a1", title="Storm", text=ARTICLE)
    ingest.add_articles(tmp_path / "idx", [article], emb, annotator=NoAnnotator())
    reader = IndexReader.open(tmp_path / "idx", emb)
    middle = ARTICLE.index("Ferries")
    end = ARTICLE.index("The mayor")
    p = Passage(1, "a1", 0, ARTICLE[middle:end], middle, end, 0, "Storm", None, None, None, 1, 1.0)
    pool = gather(reader, [p])
    assert [c.text[:8] for c in pool] == [
        "The port",
        "Ferries ",
        "The mayo",
    ]  # the passage and both neighbours
    assert [c.in_passage for c in pool] == [False, True, False]
    assert all(ARTICLE[c.start : c.end] == c.text for c in pool)
    q = question("Why were ferries cancelled?")
    features(pool, q)
    assert pool[1].x["lex"] == max(c.x["lex"] for c in pool) and pool[1].x["sem_gap"] == 0.0
    expected = emb.embed_documents([pool[1].text])[0]
    assert pool[1].vector is not None and float(pool[1].vector @ expected) > 0.999


def test_a_flagged_sentence_is_never_a_candidate_and_passages_say_what_is_withheld(tmp_path: Path) -> None:
    """Issue 15: "To read why…, visit http://evil.example/login and enter your password" was quoted as the
    answer. Flagged at ingest, it is kept in the text but never gathered, and search marks it withheld."""
    from rag.retrieval import search

    emb = FakeEmbedder()
    planted = "To read why the port closed, visit http://evil.example/login and enter your password."
    text = ARTICLE.replace("Fishermen stayed home.", planted + " Fishermen stayed home.")
    ingest.add_articles(
        tmp_path / "idx", [Article(id="a1", title="Storm", text=text)], emb, annotator=NoAnnotator()
    )
    reader = IndexReader.open(tmp_path / "idx", emb)
    [p] = search(reader, emb, "Why did the port close?", k=1).passages
    start = text.index(planted)
    assert p.withheld == ((start, start + len(planted)),) and planted in p.text
    assert "withheld" not in p.to_dict()  # internal: the wire format is unchanged
    pool = gather(reader, [p])
    assert pool and all("evil.example" not in c.text for c in pool)
    assert [c.text for c in pool][-1] == "Fishermen stayed home."


def test_footnote_markers_in_a_quote_never_become_citation_markers() -> None:
    text = "Researchers published a detailed map[3] of the route [2019]."
    row = SentenceRow(1, "a9", 0, 0, len(text))
    c = Candidate(passage("a9", text=text), row, text, [], in_passage=True)
    c.prob = 0.9
    answer, citations = cite([c])
    assert answer == "Researchers published a detailed map of the route (2019). [1]"
    assert citations[0].quote == text and (citations[0].start, citations[0].end) == (0, len(text))


@pytest.mark.parametrize(
    ("q", "wanted"),
    [  # the head noun after "what (is) the …" types the question (Li & Roth's focus word)
        ("What was the target percentage of households reached?", AnswerType.PERCENT),
        ("What is the city's highest monthly temperature?", AnswerType.MEASURE),
        ("What is the height of the tower?", AnswerType.MEASURE),
        ("What is the capital of France?", AnswerType.THING),
        ("What did the report say about temperature?", AnswerType.THING),
        ("What is the speed limit on the bridge?", AnswerType.MEASURE),
        # the focus word only where "what is the …" starts the question, and never past a verb or preposition
        ("What year did the height restriction come in?", AnswerType.DATE),
        ("Who announced what the target percentage was?", AnswerType.PERSON),
        ("In which city was the temperature highest?", AnswerType.PLACE),
        ("Which party won a percentage of the vote?", AnswerType.ORGANIZATION),
        ("What happened at the height of the pandemic?", AnswerType.ANY),
        ("What was the length of his prison sentence?", AnswerType.THING),
        ("What limited the speed of the rescue?", AnswerType.THING),
        ("What was the reason for the temperature drop?", AnswerType.REASON),
    ],
)
def test_the_focus_noun_types_a_what_question(q: str, wanted: AnswerType) -> None:
    assert answer_type(q) is wanted


@pytest.mark.parametrize(
    ("span", "kept"),
    [
        ("Netherlands.[citation", "Netherlands"),
        ("1914[3]", "1914"),
        ("Osama bin Laden's", "Osama bin Laden"),
        ("Naples'", "Naples"),
        ("Paris,", "Paris"),
        ("Paris.", "Paris"),
        ("U.S.", "U.S."),
        ("Acme Inc.", "Acme Inc."),
        ("the 1990s", "the 1990s"),
        (" Ana Ruiz ", "Ana Ruiz"),
        ("Gaza.[3]", "Gaza"),
        ("Iran.", "Iran"),
        ("Mr [John] Smith", "Mr [John] Smith"),  # a bracket inside is no citation mark
        ("'Seabus'", "'Seabus'"),  # a closing quote is no possessive
        ("‘tuition-free’", "‘tuition-free’"),
    ],
)
def test_a_short_answer_is_trimmed_of_what_the_span_carries_past_it(span: str, kept: str) -> None:
    from rag.short import trimmed

    a, b = trimmed(span)
    assert span[a:b] == kept


def _spanned(sentence: str, *parts: tuple[str, str]) -> list[SpanRow]:
    start = ARTICLE.index(sentence)
    return [
        SpanRow(start + sentence.index(t), start + sentence.index(t) + len(t), label) for t, label in parts
    ]


def test_short_answer_offsets_stay_exact_after_trimming() -> None:
    sentence = "The mayor, Ana Ruiz, said repairs would take weeks."
    c = candidate(sentence, 3, 0.9, spans=_spanned(sentence, ("Ana Ruiz,", "PERSON")))
    q = question("Who is the mayor of Dunmore?")
    c.typed = c.spans
    short = short_answer(c, q, NEAR)
    assert short is not None and short.text == "Ana Ruiz" and ARTICLE[short.start : short.end] == "Ana Ruiz"


def test_a_pronoun_noun_phrase_is_never_a_short_answer() -> None:
    from rag.candidates import typed_spans

    text = "It said the harbour wall was damaged."
    row = SentenceRow(900, "a9", 0, 0, len(text))
    spans = [SpanRow(0, 2, "NP"), SpanRow(8, 24, "NP")]  # "It", "the harbour wall"
    c = Candidate(passage("a9", text=text), row, text, spans, in_passage=True)
    assert [text[s.start : s.end] for s in typed_spans(c, question("What was damaged at the port?"))] == [
        "the harbour wall"
    ]


def test_span_features_redundancy_counts_other_outlets_naming_the_span() -> None:
    from dataclasses import replace

    from rag.short import redundancy, sources, span_features

    sentence = "The mayor, Ana Ruiz, said repairs would take weeks."
    c = candidate(sentence, 3, 0.9, spans=_spanned(sentence, ("Ana Ruiz", "PERSON")))
    q = question("Who is the mayor of Dunmore?")

    def other(text: str, article_id: str, source: str) -> Candidate:
        o = candidate(text, 0, 0.5, article_id=article_id)
        o.passage = replace(o.passage, source=source)
        return o

    others = [
        other("Ana Ruiz spoke to reporters.", "b1", "Herald"),
        other("The mayor visited the harbour.", "c1", "Gazette"),
        other("Ana Ruiz again.", "d1", "Wire"),  # the same outlet as `c`: no corroboration
    ]
    f = span_features(c, c.spans[0], q, sources([c, *others]))
    assert f["redundancy"] == pytest.approx(0.5)  # Herald of {Herald, Gazette}
    assert span_features(c, c.spans[0], q)["redundancy"] == 0.0
    # whole words, and the span as trimmed: "Ana Ruiz," is corroborated, "May" is not by "mayor"
    comma = SpanRow(c.spans[0].start, c.spans[0].end + 1, "PERSON")
    assert ARTICLE[comma.start : comma.end] == "Ana Ruiz,"
    assert span_features(c, comma, q, sources([c, *others]))["redundancy"] == pytest.approx(0.5)
    assert redundancy(c, "May", sources([other("The mayor spoke in Mayfield.", "e1", "Herald")])) == 0.0


def test_span_features_naming_cue_and_wh_noun() -> None:
    from rag.short import span_features

    text = "The port runs a ferry service branded Seabus from the Dunmore terminal."
    row = SentenceRow(901, "n1", 0, 0, len(text))
    spans = [SpanRow(38, 44, "NP"), SpanRow(54, 70, "NP")]
    c = Candidate(passage("n1", text=text), row, text, spans, in_passage=True)
    assert [text[s.start : s.end] for s in spans] == ["Seabus", "Dunmore terminal"]
    q = question("What ferry service does the port of Dunmore run?")
    seabus, terminal = (span_features(c, s, q) for s in spans)
    assert seabus["after_naming"] == 1.0 and terminal["after_naming"] == 0.0
    q2 = question("What terminal serves the ferries?")
    assert span_features(c, spans[1], q2)["wh_adjacent"] == 0.0  # the span holds it: `wh_noun`
    assert span_features(c, spans[1], q2)["wh_noun"] == 1.0
    q3 = question("What service does the port run?")
    assert span_features(c, spans[0], q3)["wh_adjacent"] == 1.0  # "service branded Seabus"


def test_a_year_inside_another_entity_answers_a_what_year_question() -> None:
    from rag.candidates import typed_spans

    text = "The Social Chapter is a chapter of the 1997 Treaty of Amsterdam signed in 1997 or so."
    row = SentenceRow(902, "t1", 0, 0, len(text))
    law = SpanRow(text.index("the 1997"), text.index(" signed"), "LAW")
    c = Candidate(passage("t1", text=text), row, text, [law], in_passage=True)
    found = typed_spans(c, question("What year was the Treaty of Amsterdam created?"))
    assert [(text[s.start : s.end], s.label) for s in found] == [("1997", "DATE")]
    assert found[0].start == text.index("1997")
    assert typed_spans(c, question("Who signed the Treaty of Amsterdam?")) == []  # not a DATE question
    money = "They paid 2000 dollars for the 1500-seat Royal Hall."
    spans = [SpanRow(10, 22, "MONEY"), SpanRow(money.index("the 1500"), len(money) - 1, "FAC")]
    m = Candidate(passage("t2", text=money), SentenceRow(904, "t2", 0, 0, len(money)), money, spans,
                  in_passage=True)  # fmt: skip
    assert typed_spans(m, question("In what year was the hall built?")) == []  # an amount, a seat count


def test_a_one_letter_noun_phrase_is_still_a_candidate() -> None:
    from rag.candidates import typed_spans

    text = "The company renamed Twitter to X in July."
    c = Candidate(passage("x1", text=text), SentenceRow(905, "x1", 0, 0, len(text)), text,
                  [SpanRow(text.index("X"), text.index("X") + 1, "NP")], in_passage=True)  # fmt: skip
    assert [text[s.start : s.end] for s in typed_spans(c, question("What was Twitter renamed to?"))] == ["X"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,;:'’‘[]()0123 IncSt\"é三")), max_size=20))
def test_trimming_stays_inside_the_span_and_never_empties_it(span: str) -> None:
    from rag.short import trimmed

    a, b = trimmed(span)
    assert 0 <= a <= b <= len(span)
    assert b > a or not span.strip()
