"""How the dated set's questions are written down (`q`), collected in `Q` in the order they are
defined: question_time.py, then question_later.py (which imports it). Imported by make_set.py."""

# Questions. Each: id, type, question, date (as-of), answers, gold [(article_id, quote)],
# contrast (same-topic articles outside the window / after the as-of date),
# optional rel (relative-time expression, resolved below), topic (for the "newest" check),
# absent (strings that must not occur in any article dated <= as-of; for abstention questions).
# --------------------------------------------------------------------------------------
Q = []


def q(id, type, question, date, answers, gold=(), contrast=(), rel=None, topic=None, absent=()):
    Q.append(
        dict(
            id=id,
            type=type,
            question=question,
            date=date,
            answers=list(answers),
            gold=list(gold),
            contrast=list(contrast),
            rel=rel,
            topic=topic,
            absent=list(absent),
        )
    )


P = "planted:"
W = "wikinews:"
