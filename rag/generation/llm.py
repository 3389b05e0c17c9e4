"""An OpenAI-compatible chat server (Ollama, vLLM, llama.cpp's server, LM Studio, OpenAI) as a
text source, through the official `openai` client.

Every call has one deadline for the whole reply: the stream is read by a worker thread into a queue
and the caller waits on the queue no longer than the time left, so a server that stalls mid-stream,
dies or drips tokens forever costs at most the timeout. Any failure becomes `GeneratorUnavailable`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from index.errors import RagError
from rag.generation.base import DEFAULT_SAMPLING, Sampling

log = logging.getLogger(__name__)
_END = object()


class GeneratorUnavailable(RagError):
    code = "generator_unavailable"


class GeneratorNotConfigured(RagError):
    code = "generator_not_configured"


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 30.0  # seconds for a whole reply
    max_tokens: int = 256
    temperature: float = 0.0


class LLMClient:
    def __init__(self, config: LLMConfig) -> None:
        import openai  # 0.3–0.6 s to import: only when an LLM is configured, not for every `rag ask`

        self.config = config
        self.client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "not-needed",  # local servers take any key
            timeout=openai.Timeout(config.timeout, connect=min(5.0, config.timeout)),
            max_retries=0,  # a retry would spend the answer's whole time budget again
        )

    @property
    def name(self) -> str:
        return f"openai:{self.config.model}"

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        max_tokens: int | None = None,
        sampling: Sampling = DEFAULT_SAMPLING,
    ) -> Iterator[str]:
        """The reply's text pieces as they arrive; raises GeneratorUnavailable (after at most
        `timeout` seconds in all) when the server fails, stalls or sends something unreadable.
        `sampling`'s values go to the server as the Chat Completions parameters of the same names."""
        deadline = time.monotonic() + self.config.timeout
        pieces: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(
            target=self._read,
            args=(list(messages), self._parameters(max_tokens, sampling), pieces, stop),
            daemon=True,
        )
        worker.start()
        received = False
        try:
            while True:
                left = deadline - time.monotonic()
                try:
                    item = pieces.get(timeout=max(left, 0.0))
                except queue.Empty:
                    raise GeneratorUnavailable(
                        f"the language model did not finish within {self.config.timeout:g} s"
                    ) from None
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise GeneratorUnavailable(f"the language model failed: {_describe(item)}") from item
                received = received or bool(item.strip())
                yield item
            if not received:
                raise GeneratorUnavailable("the language model sent an empty reply")
        finally:
            stop.set()  # the worker stops reading at its next piece (or its read timeout)

    def _parameters(self, max_tokens: int | None, sampling: Sampling) -> dict[str, Any]:
        """The create() keywords: the config's, then what the request asked for (None: left out)."""
        caps = [n for n in (max_tokens or self.config.max_tokens, sampling.max_tokens) if n]
        temperature = sampling.temperature if sampling.temperature is not None else self.config.temperature
        asked = {
            "top_p": sampling.top_p,
            "seed": sampling.seed,
            "stop": list(sampling.stop) or None,
            "presence_penalty": sampling.presence_penalty,
            "frequency_penalty": sampling.frequency_penalty,
        }
        chosen = {k: v for k, v in asked.items() if v is not None}
        return {"max_tokens": min(caps), "temperature": temperature, **chosen}

    def _read(
        self,
        messages: list[dict[str, str]],
        parameters: dict[str, Any],
        out: queue.Queue[Any],
        stop: threading.Event,
    ) -> None:
        try:
            stream: Any = self.client.chat.completions.create(
                model=self.config.model,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                **parameters,
            )
            finished = False
            with stream:
                for chunk in stream:
                    if stop.is_set():
                        return
                    if getattr(chunk, "error", None):  # some servers report a failure inside the stream
                        raise ValueError(f"error in stream: {chunk.error}")
                    if not chunk.choices:
                        continue
                    finished = finished or chunk.choices[0].finish_reason is not None
                    text = chunk.choices[0].delta.content
                    if text:
                        out.put(text)
            if not finished:  # the connection closed mid-answer (a killed server): not a whole reply
                raise ConnectionError("the reply ended before the model finished it")
            out.put(_END)
        except BaseException as e:  # handed to the caller, who decides
            out.put(e)

    def complete(self, messages: Sequence[dict[str, str]], max_tokens: int) -> str:
        return "".join(self.stream(messages, max_tokens))


def _describe(e: BaseException) -> str:
    import openai  # imported already: a client raised this

    if isinstance(e, openai.APIStatusError):
        return f"HTTP {e.status_code} from {e.request.url}"
    if isinstance(e, openai.APITimeoutError):
        return "timed out"
    if isinstance(e, openai.APIConnectionError):
        return f"cannot connect ({e.__cause__ or e})"
    return f"{type(e).__name__}: {e}"[:300]
