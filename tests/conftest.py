"""Shared fixtures: the network guard, paths to ../shared, fake and real embedders."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_30943e0aca167051.txt"
SEED_ID = "000_30943e0aca167051"
MIGRATION = SHARED / "corpus" / "wikinews-migration.jsonl"
WIKINEWS_2019 = SHARED / "corpus" / "wikinews-2019-2020.jsonl"


def need_shared(path: Path = SHARED) -> Path:
    """Skip (visibly) when ../shared is absent, as in a user's clone; CI has it."""
    if not path.exists():
        pytest.skip(f"{path} not found: this test needs the shared corpus beside the checkout")
    return path


# -- no test may reach the network ----------------------------------------------------------------
_real_connect = socket.socket.connect


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may not reach the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


# -- embedders --------------------------------------------------------------------------------------
# -- the stores the retrieval and write tests run against (index/search_backends.py) ----------------
_milvus_prefixes = iter(range(1, 10**6))


@pytest.fixture(scope="session")
def milvus_lite_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One Milvus Lite file for the session (Milvus Lite serves a file to one process); each test
    gets its own collection prefix in it."""
    pytest.importorskip("milvus_lite", reason="pip install '.[milvus]' to run the tests on Milvus Lite")
    pytest.importorskip("Stemmer", reason="pip install '.[milvus]' to run the tests on Milvus Lite")
    return str(tmp_path_factory.mktemp("milvus") / "tests.db")


@pytest.fixture(params=["local", "milvus"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Run the test once per store: the local FAISS + SQLite store, and Milvus Lite (made the process
    default with `use_store`, so every ingest and IndexReader call in the test uses it)."""
    from index.search_backends import LOCAL, StoreConfig, use_store

    if request.param == "local":
        yield LOCAL
        return
    uri = request.getfixturevalue("milvus_lite_file")
    config = StoreConfig("milvus", uri, None, f"t{next(_milvus_prefixes)}")
    previous = use_store(config)
    try:
        yield config
    finally:
        use_store(previous)


@pytest.fixture
def fake_embedder() -> Any:
    from index.embedding import FakeEmbedder

    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder() -> Any:
    """The default embedder: all-MiniLM-L6-v2 on ONNX Runtime, int8 (the export `make install` made)."""
    from index.embedding import DEFAULT_MODEL, load_embedder

    return load_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def torch_embedder() -> Any:
    """The same model on torch (sentence-transformers): the reference the ONNX runtimes are held to."""
    from index.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Path:
    """The seed article indexed with the real model, once per session. Read-only: tests that write
    build their own."""
    from index.ingest import build

    need_shared(SEED)
    index_dir = tmp_path_factory.mktemp("seed") / "index"
    build(index_dir, [SHARED / "seeds"], real_embedder)
    return index_dir


# -- the HTTP API over a small fake-model index (tests/test_api*.py) ----------------------------------
@pytest.fixture
def settings(tmp_path: Path) -> Any:
    from api_support import make_settings

    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Any) -> Iterator[Any]:
    from api_support import served

    yield from served(settings)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current outputs (or set NEWSRAG_UPDATE_GOLDEN=1)",
    )
