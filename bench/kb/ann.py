"""Approximate vs exact FAISS search on synthetic collections: recall@10 against exact and latency per query.

Vectors are a Gaussian mixture on the unit sphere (clustered like sentence embeddings: noise of
norm ``--spread`` around 2,000 random centres; uniform noise has no neighbourhood structure and
no ANN index does well on it); queries are fresh draws from the same mixture.
Latency is single-query search on one thread (as the action server does), after building.

    .venv/bin/python bench/kb/ann.py --sizes 10000 100000 1000000 --dim 384
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Matrix, markdown_table, percentile_ms

from kb.store import HNSW_EF_CONSTRUCTION, HNSW_M


def mixture(count: int, dim: int, centres: Matrix, rng: np.random.Generator, spread: float) -> Matrix:
    """``count`` unit vectors around random centres; ``spread`` is the noise norm relative to a centre."""
    picks = rng.integers(0, len(centres), size=count)
    out = np.empty((count, dim), dtype=np.float32)
    for start in range(0, count, 100_000):
        stop = min(start + 100_000, count)
        noise = rng.standard_normal((stop - start, dim)).astype(np.float32) * (spread / np.sqrt(dim))
        block = centres[picks[start:stop]] + noise
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def timed_search(index: faiss.Index, queries: Matrix, k: int) -> tuple[np.ndarray, list[float]]:
    """Search one query at a time; return ids and per-query durations."""
    ids = np.empty((len(queries), k), dtype=np.int64)
    durations = []
    for row in range(len(queries)):
        started = time.perf_counter()
        _, found = index.search(queries[row : row + 1], k)
        durations.append(time.perf_counter() - started)
        ids[row] = found[0]
    return ids, durations


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-k that the approximate index returns."""
    return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / len(b) for a, b in zip(found, truth, strict=True)]))


def main() -> int:
    """Build flat, HNSW and IVF indexes per size; print recall@10 and latency."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--hnsw-max", type=int, default=200_000, help="skip HNSW above this size (build time)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--spread", type=float, default=0.6)
    parser.add_argument("--hnsw-m", type=int, default=HNSW_M)
    parser.add_argument("--ef-construction", type=int, default=HNSW_EF_CONSTRUCTION)
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((2000, args.dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    k = 10
    rows: list[list[object]] = []
    for size in args.sizes:
        base = mixture(size, args.dim, centres, rng, args.spread)
        queries = mixture(args.queries, args.dim, centres, rng, args.spread)
        flat = faiss.IndexFlatIP(args.dim)
        flat.add(base)
        truth, flat_times = timed_search(flat, queries, k)
        rows.append([size, "flat (exact)", "-", 0.0, 1.0, percentile_ms(flat_times, 50), percentile_ms(flat_times, 99)])
        print(f"{size}: flat done", file=sys.stderr, flush=True)
        if size <= args.hnsw_max:
            started = time.perf_counter()
            hnsw = faiss.IndexHNSWFlat(args.dim, args.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = args.ef_construction
            faiss.omp_set_num_threads(2)
            hnsw.add(base)
            faiss.omp_set_num_threads(1)
            build = time.perf_counter() - started
            for ef in (16, 64, 128):
                hnsw.hnsw.efSearch = ef
                found, times = timed_search(hnsw, queries, k)
                label = f"HNSW M={args.hnsw_m} efC={args.ef_construction}"
                rows.append(
                    [size, label, f"efSearch={ef}", build, recall(found, truth),
                     percentile_ms(times, 50), percentile_ms(times, 99)]
                )  # fmt: skip
            print(f"{size}: hnsw done ({build:.0f} s build)", file=sys.stderr, flush=True)
        nlist = int(np.sqrt(size))
        started = time.perf_counter()
        quantizer = faiss.IndexFlatIP(args.dim)
        ivf = faiss.IndexIVFFlat(quantizer, args.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        faiss.omp_set_num_threads(2)
        ivf.train(base[rng.choice(size, size=min(size, 30 * nlist), replace=False)])
        ivf.add(base)
        faiss.omp_set_num_threads(1)
        build = time.perf_counter() - started
        for nprobe in (8, 32):
            ivf.nprobe = nprobe
            found, times = timed_search(ivf, queries, k)
            rows.append(
                [size, f"IVF nlist={nlist}", f"nprobe={nprobe}", build, recall(found, truth),
                 percentile_ms(times, 50), percentile_ms(times, 99)]
            )  # fmt: skip
        print(f"{size}: ivf done", file=sys.stderr, flush=True)
        del base
    headers = ["vectors", "index", "search param", "build s", "recall@10 vs exact", "p50 ms", "p99 ms"]
    print(f"dim {args.dim}, {args.queries} queries, k={k}, spread {args.spread}, one search thread")
    print(markdown_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
