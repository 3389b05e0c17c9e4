"""Joining a GGUF model from part packages (bench/llm_models.py), with fake parts on sys.path."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import llm_models
from bench.llm_models import Joined, ModelError, join

PARTS = [b"GGUF" + b"a" * 3000, b"b" * 5000, b"c" * 17]


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Joined]:
    site = tmp_path / "site"
    for i, data in enumerate(PARTS, start=1):
        pkg = site / f"fakepart{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(llm_models, "CHUNK", 1024)  # several blocks per part
    whole = b"".join(PARTS)
    yield Joined(
        filename="m.gguf",
        parts=tuple((f"fakepart{i}", f"part{i:02d}.bin") for i in range(1, len(PARTS) + 1)),
        sha256=hashlib.sha256(whole).hexdigest(),
        size=len(whole),
        install="fakepart1 … fakepart3",
    )
    for i in range(1, len(PARTS) + 1):
        sys.modules.pop(f"fakepart{i}", None)


def test_parts_are_joined_in_order_once_and_verified(model: Joined, tmp_path: Path) -> None:
    out = join(model, tmp_path / "models", log=False)
    assert out.read_bytes() == b"".join(PARTS) and out.name == "m.gguf"
    assert json.loads(out.with_name("m.gguf.sha256.json").read_text())["sha256"] == model.sha256
    assert [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")] == []
    mtime = out.stat().st_mtime_ns
    assert join(model, tmp_path / "models", log=False) == out and out.stat().st_mtime_ns == mtime  # skipped


def test_a_damaged_file_is_rebuilt(model: Joined, tmp_path: Path) -> None:
    out = join(model, tmp_path / "models", log=False)
    out.write_bytes(b"GGUF truncated")
    assert join(model, tmp_path / "models", log=False).read_bytes() == b"".join(PARTS)


def test_a_wrong_hash_is_a_clear_error_and_leaves_nothing(
    model: Joined, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = Joined(model.filename, model.parts, "0" * 64, model.size, model.install)
    with pytest.raises(ModelError, match="expected 0000"):
        join(wrong, tmp_path / "models", log=False)
    assert list((tmp_path / "models").iterdir()) == []
    monkeypatch.setattr(llm_models, "MODELS", {"qwen": wrong})
    monkeypatch.setenv("NEWSRAG_CACHE", str(tmp_path / "cache"))
    assert llm_models.main(["path", "qwen"]) == 1
    err = capsys.readouterr().err
    assert "\nerror: joined m.gguf has sha256" in err and "Traceback" not in err


def test_a_missing_part_names_what_to_install(model: Joined, tmp_path: Path) -> None:
    gone = Joined(model.filename, (*model.parts, ("fakepart_missing", "part04.bin")), *(model.sha256, 1, "x"))
    with pytest.raises(ModelError, match="'fakepart_missing' is not installed: pip install x"):
        join(gone, tmp_path / "models", log=False)
