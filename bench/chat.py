"""`/chat` latency against the real server: p50/p95 of sequential requests from one client.

    .venv/bin/python bench/chat.py --index-dir bench/.cache/query-2019-x1-all-MiniLM-L6-v2@onnx-int8 \
        [--requests 100]

Starts `rag serve` with the index's own model on a free loopback port (its defaults: one OpenMP thread
per request), waits for /ready, warms up, then times full round trips of POST /chat (non-stream) with
questions made from article titles in the index.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine
from index.live import IndexReader


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    reader = IndexReader.open(args.index_dir)
    rng = random.Random(11)
    ids = rng.sample(reader.db.article_ids(), min(args.requests, reader.manifest.articles))
    titles = [a.title for a in reader.db.articles(ids).values()]
    questions = [f"What happened: {t}?" for t in titles]
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from rag.cli import main; main()",
            "serve",
            "--index-dir",
            str(args.index_dir),
            "--port",
            str(port),
            "--model",
            reader.manifest.model.name,  # an index of the packaged model names its runtime: "…@onnx-int8"
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(120):
                try:
                    if client.get("/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            for q in questions[:5]:
                client.post("/chat", json={"messages": [{"role": "user", "content": q}]})
            ms = []
            for q in questions:
                t = time.perf_counter()
                response = client.post("/chat", json={"messages": [{"role": "user", "content": q}]})
                ms.append((time.perf_counter() - t) * 1000)
                response.raise_for_status()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        json.dumps(
            {
                "index": str(args.index_dir),
                "chunks": reader.manifest.chunks,
                "requests": len(ms),
                "chat_ms": {
                    "p50": round(float(np.percentile(ms, 50)), 1),
                    "p95": round(float(np.percentile(ms, 95)), 1),
                },
                "machine": machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
