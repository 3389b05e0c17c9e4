"""Citing syndicated copies: where a wire story ran under several outlets, cite distinct outlets.

Search shows a cluster of near-duplicate articles as one passage (rag/retrieval.py), so the answer's
sentences all come from the copy that ranked best. When a second sentence would cite that outlet again
and another outlet's copy carries the same sentence (word overlap >= SAME_SENTENCE), this cites the
other outlet's copy instead: the reader sees that two outlets carry the story, and no sentence is cited
twice. The first sentence keeps its source (the short answer's offsets point into it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from index.live import IndexReader
from rag.candidates import Candidate
from rag.extractive import SAME_SENTENCE, jaccard, outlet
from rag.types import ReportedBy


def prefer_distinct_outlets(reader: IndexReader, chosen: Sequence[Candidate]) -> list[Candidate]:
    """`chosen` with sentences after the first moved, where possible, to a copy from an outlet not
    cited yet (see the module docstring). Offsets stay exact: the quote is the copy's own sentence."""
    cited: set[str] = set()
    out: list[Candidate] = []
    for i, c in enumerate(chosen):
        if i > 0 and outlet(c) in cited:
            c = _in_copy(reader, c, cited) or c
        cited.add(outlet(c))
        out.append(c)
    return out


def _in_copy(reader: IndexReader, c: Candidate, cited: set[str]) -> Candidate | None:
    """The same sentence in a copy of `c`'s article from an outlet not in `cited`, or None."""
    p = c.passage
    for report in p.also_reported_by:
        if (report.outlet or report.article_id).casefold() in cited:
            continue
        article = reader.db.article(report.article_id)
        if article is None:
            continue
        for row in reader.db.sentences_in(article.id, 0, len(article.text)):
            if row.flag:  # addresses the assistant or the reader in this copy: never quoted
                continue
            text = article.text[row.start : row.end]
            if jaccard(text, c.text) < SAME_SENTENCE:
                continue
            others = tuple(r for r in p.also_reported_by if r.article_id != article.id)
            passage = replace(  # the copy's metadata; its own chunk is not needed to cite it
                p,
                article_id=article.id,
                title=article.title,
                source=article.source,
                date=article.date,
                url=article.url,
                also_reported_by=(ReportedBy(p.source, p.article_id, p.date, p.url), *others),
            )
            return Candidate(passage, row, text, [], c.in_passage, prob=c.prob, echoes=c.echoes)
    return None
