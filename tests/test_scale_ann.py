"""bench/scale_ann.py on ~2,000 vectors, no model: the pieces of the 1M benchmark keep working."""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pytest

from bench import scale_ann, scale_ann_data, scale_ann_measure

DIM = 32


def clustered(n: int, seed: int = 0) -> np.ndarray:
    """Unit vectors around 40 centres: ANN-like structure in a few ms."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, DIM))
    x = centres[rng.integers(0, 40, n)] + 0.6 * rng.standard_normal((n, DIM))
    return scale_ann_data.normalise(x)


def test_jittered_copies_sit_at_the_asked_cosine_and_real_vectors_come_first() -> None:
    real = clustered(500)
    base = scale_ann_data.grow_pool(real, 2000, 0.9, seed=1)
    assert base.shape == (2000, DIM) and np.allclose(np.linalg.norm(base, axis=1), 1, atol=1e-5)
    assert len(scale_ann_data.distinct_rows(base[:500])) == 500
    assert {r.tobytes() for r in base[:500]} == {r.tobytes() for r in real}
    # copy j (j ≥ 500) comes from the j-th shuffled real vector, base[j mod 500]
    cosines = np.einsum("ij,ij->i", base[500:], base[np.arange(500, 2000) % 500])
    assert abs(float(np.mean(cosines)) - 0.9) < 0.03  # in 32-d the n ⟂ v approximation is rough
    assert scale_ann_data.sigma_for_cosine(0.9, 384) == pytest.approx(0.0247, abs=1e-4)
    with pytest.raises(ValueError):
        scale_ann_data.sigma_for_cosine(1.0, 384)


def test_real_vectors_are_pooled_from_index_files_once(tmp_path: Path) -> None:
    vecs = clustered(300)
    for name, rows in (("a", vecs[:200]), ("b", vecs[100:])):  # 100 vectors in both
        gen = tmp_path / name / "generations" / "gen-000001"
        gen.mkdir(parents=True)
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
        index.add_with_ids(rows, np.arange(len(rows), dtype=np.int64))
        faiss.write_index(index, str(gen / "vectors.faiss"))
    pooled, files = scale_ann_data.pool_real_vectors([tmp_path])
    assert len(files) == 2 and pooled.shape == (300, DIM)
    with pytest.raises(FileNotFoundError):
        scale_ann_data.pool_real_vectors([tmp_path / "nothing"])


def test_every_faiss_index_is_measured_against_exact_truth() -> None:
    base, queries = clustered(2000, seed=2), clustered(50, seed=3)
    truth = scale_ann_measure.exact_top_k(base, queries, 10)
    runs = [
        ("flat", scale_ann_measure.build_flat, None),
        (
            "hnsw",
            scale_ann_measure.build_hnsw(16, 40),
            ("efSearch", [16, 200], scale_ann_measure.set_ef_search),
        ),
        (
            "ivf",
            scale_ann_measure.build_ivf(8, "flat", 2000),
            ("nprobe", [1, 8], scale_ann_measure.set_nprobe),
        ),
        ("sq8", scale_ann_measure.build_ivf(8, "sq8", 2000), ("nprobe", [8], scale_ann_measure.set_nprobe)),
    ]
    out = {name: scale_ann_measure.measure_faiss(name, b, base, queries, truth, s, 1) for name, b, s in runs}
    assert out["flat"]["search"][0]["recall_at_10"] == 1.0
    assert out["ivf"]["search"][1]["recall_at_10"] == 1.0  # nprobe = nlist scans every cell: exact
    assert out["ivf"]["search"][0]["recall_at_10"] < 1.0  # one cell of eight misses neighbours
    assert out["hnsw"]["search"][1]["recall_at_10"] >= 0.95
    assert out["sq8"]["search"][0]["recall_at_10"] >= 0.9  # 8-bit codes reorder a few near-ties only
    assert out["sq8"]["file_mb"] < out["flat"]["file_mb"] / 2
    row = out["hnsw"]["search"][0]
    assert 0 < row["p50_ms"] <= row["p95_ms"]


def test_recall_counts_the_overlap_of_id_sets() -> None:
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[4, 3, 2, 1], [5, 6, -1, 9]])
    assert scale_ann_measure.recall_at_k(found, truth) == pytest.approx((4 + 2) / 8)


def test_milvus_lite_answers_the_same_queries() -> None:
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    from bench.scale_ann_milvus import measure_milvus

    base, queries = clustered(2000, seed=4), clustered(20, seed=5)
    truth = scale_ann_measure.exact_top_k(base, queries, 10)
    flat = measure_milvus("FLAT", {}, None, base, queries, truth)
    assert flat["rows"] == 2000 and flat["drained"] and flat["search"][0]["recall_at_10"] == 1.0
    hnsw = measure_milvus("HNSW", {"M": 16, "efConstruction": 40}, ("ef", [200]), base, queries, truth)
    assert hnsw["search"][0]["recall_at_10"] >= 0.95


def test_the_cli_refuses_unknown_variants_and_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        scale_ann.parse_args(["--variants", "exact,annoy"])
    assert exit_info.value.code == 2 and "annoy" in capsys.readouterr().err
    result = {"n": 2000, "index": "faiss IndexFlatIP", "build_s": 0.0, "rss_delta_mb": 3.0, "file_mb": 2.9}
    rows = [{**result, "search": [{"recall_at_10": 1.0, "p50_ms": 0.1, "p95_ms": 0.2}]}]
    assert "| 2,000 | faiss IndexFlatIP | - | 1.0 | 0.1 | 0.2 | 0.0 | 3.0 | 2.9 |" in scale_ann.table(rows)
    assert json.loads(json.dumps(rows)) == rows


def test_one_size_runs_every_requested_faiss_variant_and_reports_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = scale_ann.parse_args(["--variants", "exact,hnsw,ivf", "--ef-search", "64", "--nprobe", "4,200"])
    real, queries = clustered(1500, seed=6), clustered(30, seed=7)
    results: list[dict] = []
    scale_ann.run_size(args, real, queries, 2000, results.append)  # 1,500 real + 500 jittered copies
    assert [r["index"] for r in results] == [
        "faiss IndexFlatIP",
        "faiss HNSW M=32 efC=100",
        "faiss IVF179,Flat",
    ]
    assert all(r["n"] == 2000 for r in results)
    ivf = results[2]["search"]
    assert [s["nprobe"] for s in ivf] == [4, 200] and ivf[1]["recall_at_10"] == 1.0 > ivf[0]["recall_at_10"]
    assert len(scale_ann.table(results).splitlines()) == 2 + 4  # header, then a row per search setting
