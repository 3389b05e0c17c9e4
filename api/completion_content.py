"""An Answer as the content of an OpenAI chat completion, and the extras newsrag adds to it.

The content is the short answer (if any), the answer with its [n] markers, the claims its passages
do not support, then a "Sources:" list, so that any chat UI shows the evidence; the structured
citations ride along in the extra `citations` and `newsrag` fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.types import Answer, Citation


def sources_block(citations: Sequence[Citation]) -> str:
    """'\\n\\nSources:\\n[1] Title — Outlet, date, url' lines ('' without citations)."""
    if not citations:
        return ""
    lines = []
    for c in citations:
        details = ", ".join(part for part in (c.source, c.date, c.url) if part)
        lines.append(f"[{c.n}] {c.title or c.article_id}" + (f" — {details}" if details else ""))
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
    return f"**{s.text}** [{s.citation}]\n\n" if s is not None and not answer.abstained else ""


def content_of(answer: Answer) -> str:
    """The short answer (if any), the answer with its markers, flagged claims, then the sources."""
    return short_line(answer) + answer.text + unverified_block(answer) + sources_block(answer.citations)
