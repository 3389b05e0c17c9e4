"""An Answer as the content of an OpenAI chat completion, and the extras newsrag adds to it.

The content is a dated note (if any: older evidence than the question implies), the short answer (if
any, and no reports disagree), the answer with its [n] markers (disagreeing reports each quoted with
outlet and date, newest first), the claims its passages do not support, then a "Sources:" list, so
that any chat UI shows the evidence; the structured citations ride along in the extra `citations` and
`newsrag` fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.quoting import display
from rag.types import Answer, Citation, also_reported


def sources_block(citations: Sequence[Citation]) -> str:
    """'\\n\\nSources:\\n[1] Title — Outlet, date, url' lines ('' without citations)."""
    if not citations:
        return ""
    lines = []
    for c in citations:
        url = c.url if c.url and c.url.lower().startswith(("http://", "https://")) else None  # no javascript:
        details = ", ".join(part for part in (c.source, c.date, url) if part)
        also = also_reported(c.also_reported_by, c.copies)
        line = f"[{c.n}] {display(c.title or c.article_id)}" + (f" — {details}" if details else "")
        lines.append(line + (f"; {also}" if also else ""))
    return "\n\nSources:\n" + "\n".join(lines)


def extras(answer: Answer) -> dict[str, Any]:
    """The `citations` and `newsrag` fields: the same in a reply and in a stream's final chunk."""
    return {
        "citations": [c.to_dict() for c in answer.citations],
        "newsrag": {
            "abstained": answer.abstained,
            "reason": answer.reason,
            "as_of": answer.as_of,
            "generator": answer.generator,
            "text": answer.text,
            "short": answer.short.to_dict() if answer.short else None,
            "claims": [c.to_dict() for c in answer.claims],
            "time_window": answer.time_window,
            "note": answer.note,
            "conflicts": [r.to_dict() for r in answer.conflicts],
        },
    }


def unverified_block(answer: Answer) -> str:
    """'\\n\\nNot supported by the cited passages:\\n- …' for flagged claims ('' when there are none)."""
    flagged = [c.text for c in answer.claims if not c.supported]
    return (
        "\n\nNot supported by the cited passages:\n" + "\n".join(f"- {t}" for t in flagged) if flagged else ""
    )


def short_line(answer: Answer) -> str:
    """'**Émile Lévêque** [1]\\n\\n' for a typed question's short answer ('' without one)."""
    s = answer.short
    if s is None or answer.abstained or len(answer.conflicts) > 1:  # one value in bold would pick a side
        return ""
    return f"**{display(s.text)}** [{s.citation}]\n\n"


def content_of(answer: Answer) -> str:
    """A dated note, the short answer (if any), the answer with its markers, flagged claims, the sources."""
    note = f"_{answer.note}_\n\n" if answer.note else ""
    body = short_line(answer) + answer.text + unverified_block(answer)
    return note + body + sources_block(answer.citations)
