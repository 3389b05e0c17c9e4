"""The default embedder, all-MiniLM-L6-v2 on ONNX Runtime: the same vectors and counts as torch's, runtimes
kept apart in the index, and no torch anywhere on the default path."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import ingest
from index.embedding import DEFAULT_MODEL, load_embedder
from index.errors import ModelMismatch, ModelNotFound
from index.live import IndexReader
from index.onnx_embedding import EXPORT_COMMAND, OnnxEmbedder, export_folder
from tests.conftest import ROOT

TORCH_MODULES = ("torch", "transformers", "sentence_transformers")
SENTENCES = [
    "Why are migrants leaving?",
    "The caravan, comprised of individuals from Central America and other parts of the world, began its "
    "journey towards the United States, seeking better living conditions and economic opportunities.",
    "Zürich's café owners said the naïve plan would cost €2.5m — or more.",
    "",
    # longer than the model's window of 256 word pieces: truncated the same way by both runtimes
    " ".join(["The harbour reopened on Friday after the storm, and ferries sailed to the islands."] * 30),
]
# The lowest cosine to torch's vectors measured on 837 chunks and 493 questions of ../shared/eval was
# 0.983 for int8 (README "Speed"); fp32 differs by rounding only.
MIN_COSINE = {"onnx-fp32": 0.9999, "onnx-int8": 0.97}


@pytest.fixture(scope="module")
def onnx_fp32() -> Any:
    return load_embedder(f"{DEFAULT_MODEL}@onnx-fp32")


def articles(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "harbour.txt").write_text(f"Harbour Reopens\n\n{SENTENCES[-1]} {SENTENCES[1]}\n")
    return folder


@pytest.mark.real_model
def test_default_model_is_onnx_int8(real_embedder: Any) -> None:
    assert isinstance(real_embedder, OnnxEmbedder)
    assert real_embedder.name == f"{DEFAULT_MODEL}@onnx-int8"
    assert real_embedder.fingerprint().startswith("onnx-int8:")
    assert load_embedder(f"{DEFAULT_MODEL}@onnx-int8").fingerprint() == real_embedder.fingerprint()


@pytest.mark.real_model
def test_vectors_are_unit_length_float32_of_dim_384(real_embedder: Any) -> None:
    vectors = real_embedder.embed_documents(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_embedder.embed_documents([]).shape == (0, 384)


@pytest.mark.real_model
def test_a_query_is_embedded_as_the_same_text_as_a_document(real_embedder: Any) -> None:
    alone = real_embedder.embed_query(SENTENCES[0])
    assert alone.shape == (384,)
    # one text per call: a vector does not depend on the texts embedded with it
    np.testing.assert_array_equal(alone, real_embedder.embed_documents(SENTENCES)[0])


@pytest.mark.real_model
@pytest.mark.parametrize("runtime", ["onnx-fp32", "onnx-int8"])
def test_vectors_match_sentence_transformers(
    runtime: str, real_embedder: Any, onnx_fp32: Any, torch_embedder: Any
) -> None:
    embedder = real_embedder if runtime == "onnx-int8" else onnx_fp32
    cosines = np.sum(embedder.embed_documents(SENTENCES) * torch_embedder.embed_documents(SENTENCES), axis=1)
    assert cosines.min() >= MIN_COSINE[runtime], cosines
    assert float(embedder.embed_query(SENTENCES[0]) @ torch_embedder.embed_query(SENTENCES[0])) >= 0.97


@pytest.mark.real_model
def test_word_pieces_are_counted_as_torch_counts_them(real_embedder: Any, torch_embedder: Any) -> None:
    texts = [*SENTENCES, "  padded  ", "x" * 3000, "日本語のテキスト", "e-mail: a.b@c.org, #hashtag 3.5%"]
    assert [real_embedder.count_tokens(t) for t in texts] == [torch_embedder.count_tokens(t) for t in texts]
    assert real_embedder.count_tokens(SENTENCES[-1]) > 256  # counted whole, not truncated
    assert real_embedder.max_tokens == torch_embedder.max_tokens == 254


@pytest.mark.real_model
def test_each_runtime_has_its_own_name_and_fingerprint(
    real_embedder: Any, onnx_fp32: Any, torch_embedder: Any
) -> None:
    embedders = [real_embedder, onnx_fp32, torch_embedder]
    assert [e.name for e in embedders] == [
        f"{DEFAULT_MODEL}@{r}" for r in ("onnx-int8", "onnx-fp32", "torch")
    ]
    prints = [e.fingerprint() for e in embedders]
    assert [p.split(":")[0] for p in prints] == ["onnx-int8", "onnx-fp32", "torch-fp32"]
    assert len(set(prints)) == 3


@pytest.mark.real_model
def test_an_index_built_with_one_runtime_refuses_another(
    tmp_path: Path, real_embedder: Any, onnx_fp32: Any, torch_embedder: Any
) -> None:
    ingest.build(tmp_path / "idx", [articles(tmp_path / "in")], real_embedder)
    assert IndexReader.open(tmp_path / "idx", real_embedder).manifest.model.name == real_embedder.name
    for other in (onnx_fp32, torch_embedder):
        with pytest.raises(ModelMismatch, match="set RAG_MODEL to match"):
            IndexReader.open(tmp_path / "idx", other)


@pytest.mark.real_model
def test_an_index_from_before_runtimes_were_recorded_is_refused_with_advice(
    tmp_path: Path, real_embedder: Any
) -> None:
    ingest.build(tmp_path / "idx", [articles(tmp_path / "in")], real_embedder)
    manifest_path = next((tmp_path / "idx" / "generations").glob("gen-*/manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    manifest["model"]["name"] = DEFAULT_MODEL  # as indexes embedded by torch before were recorded
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelMismatch, match="before the runtime was recorded: rebuild"):
        IndexReader.open(tmp_path / "idx", real_embedder, verify=False)


def test_an_unknown_runtime_lists_the_choices() -> None:
    with pytest.raises(ModelMismatch, match="@onnx-fp32"):
        load_embedder(f"{DEFAULT_MODEL}@cuda")


def test_a_missing_export_names_the_command_that_makes_it(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match=EXPORT_COMMAND):
        OnnxEmbedder(folder=tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"recipe": 0}, "another version of the exporter"), ({"source_digest": "0" * 64}, "another copy")],
)
@pytest.mark.real_model  # reads the export that `make install` made
def test_a_stale_export_is_refused_with_the_command_that_renews_it(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    export = json.loads((export_folder() / "export.json").read_text())
    (tmp_path / "export.json").write_text(json.dumps({**export, **change}))
    with pytest.raises(ModelNotFound, match=message) as raised:
        OnnxEmbedder(folder=tmp_path)
    assert f"{EXPORT_COMMAND} --force" in str(raised.value)


# -- no torch on the default path ---------------------------------------------------------------------
def _python(code: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


# what a cold `rag ask` must not pay for: torch, and the index-time / evaluation / LLM-only libraries
HEAVY = (*TORCH_MODULES, "spacy", "sklearn", "openai", "matplotlib", "datasketch", "scipy")
LOADED = f"import sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"


@pytest.mark.real_model
def test_loading_the_default_embedder_imports_no_torch() -> None:
    load = f"from index.embedding import load_embedder; load_embedder('{DEFAULT_MODEL}').embed_query('x')"
    result = _python(f"{load}; {LOADED}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Path:
    root = tmp_path_factory.mktemp("onnx")
    ingest.build(root / "idx", [articles(root / "in")], real_embedder)
    return root / "idx"


@pytest.mark.slow
@pytest.mark.real_model
@pytest.mark.parametrize(
    "command", [["ask", "Why are migrants leaving?"], ["search", "migrants caravan"], ["info"]]
)
def test_the_cli_imports_no_torch_on_the_default_path(command: list[str], seed_index: Path) -> None:
    """`rag ask`, `search` and `info` as a user runs them, in a process of their own."""
    code = (
        "import sys\nfrom rag.cli import main\n"
        f"try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n{LOADED}"
    )
    result = _python(code, *command, "--index-dir", str(seed_index), "--json", RAG_MODEL=DEFAULT_MODEL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
@pytest.mark.real_model
@pytest.mark.parametrize(("command", "code"), [(["ask", "Why?"], 1), (["serve", "--port", "8799"], 2)])
def test_the_cli_says_how_to_make_a_missing_export_without_a_traceback(
    command: list[str], code: int, seed_index: Path
) -> None:
    program = (
        "import pathlib, index.onnx_embedding as o\n"
        "o.export_folder = lambda: pathlib.Path('/nonexistent/newsrag-onnx')\n"
        "from rag.cli import main\nmain()"
    )
    result = _python(program, *command, "--index-dir", str(seed_index), RAG_MODEL=DEFAULT_MODEL)
    assert result.returncode == code, result.stderr
    assert "error (model_not_found)" in result.stderr and EXPORT_COMMAND in result.stderr
    assert "Traceback" not in result.stderr


def _module_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_package_imports_torch_at_module_level() -> None:
    """torch, transformers and sentence-transformers load only inside the functions that need them
    (the `@torch` runtime and the exporter), never because a module was imported."""
    offenders = {
        str(path.relative_to(ROOT)): found
        for package in ("index", "rag", "api")
        for path in (ROOT / package).rglob("*.py")
        if (found := _module_level_imports(path) & set(TORCH_MODULES))
    }
    assert offenders == {}
