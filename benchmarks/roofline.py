"""How far kofasttext's CPU trainer is from the memory-bandwidth limit.

Training a skip-gram centre word moves, at the least, its matrix rows through
memory: the ``n`` input rows of the word (read for the forward pass, read and
written by the update) and, for each of its ``m`` context words and ``K``
negatives (a centre's share of its group's draw), one output row (read, then
read and written). Everything else (the batch's temporaries) mostly stays in
cache. So a lower bound on the DRAM traffic
per centre word is about ``3 * 4 * dim * (n + m + K)`` bytes, and the fastest
possible rate is ``bandwidth / that``, where the bandwidth is that of moving
random 400-byte rows (the rows of a word are scattered over the matrix; a
sequential copy runs several times faster and would overstate the limit). This
script measures ``n``, ``m`` and the share of tokens kept by subsampling on the
NSMC corpus and both bandwidths with all cores, and prints the bound in corpus
words/s, to set beside the measured words/s of ``bench_train.py``.

    python benchmarks/roofline.py [--data DIR] [--threads 2] [--results benchmarks/results/bench_train.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from kofasttext.corpus import encode_corpus
from kofasttext.subwords import SubwordScheme, subword_table
from kofasttext.training.loop import NEGATIVE_DRAWS

DIM, WINDOW, NEG, SAMPLE = 100, 5, 5, 1e-4
SCHEMES = {"syllable": (2, 4), "jamo": (3, 6)}


def copy_bandwidth(threads: int, megabytes: int = 512, repeats: int = 5) -> float:
    """Bytes per second moved by a large sequential tensor copy (read + write), all threads."""
    torch.set_num_threads(threads)
    source = torch.ones(megabytes * 2**20 // 4)
    target = torch.empty_like(source)
    target.copy_(source)
    started = time.perf_counter()
    for _ in range(repeats):
        target.copy_(source)
    return 2 * source.numel() * 4 * repeats / (time.perf_counter() - started)


def row_bandwidth(threads: int, rows: int = 2_000_000, picks: int = 1_000_000, repeats: int = 3) -> float:
    """Bytes per second moved by gathering random ``DIM``-float rows of a matrix the
    size of the training matrices (read + write): training's access pattern."""
    torch.set_num_threads(threads)
    matrix = torch.ones(rows, DIM)
    index = torch.randint(0, rows, (picks,))
    matrix.index_select(0, index[:1000])
    started = time.perf_counter()
    for _ in range(repeats):
        matrix.index_select(0, index)
    return 2 * picks * DIM * 4 * repeats / (time.perf_counter() - started)


def per_centre(corpus, scheme, sample_size: int = 200_000) -> tuple[float, float, float]:
    """Mean input rows n and context words m of a kept centre, and the kept share,
    by drawing subsampling and windows as the trainer does."""
    offsets, _ = subword_table(corpus.vocab.words, scheme)
    rows_per_word = np.diff(offsets)
    rng = np.random.default_rng(0)
    keep = rng.random(len(corpus.tokens)) < corpus.vocab.keep_probabilities(SAMPLE)[corpus.tokens]
    kept = np.flatnonzero(keep)
    line_of = np.repeat(np.arange(len(corpus.line_starts) - 1), np.diff(corpus.line_starts))[kept]
    centres = rng.choice(len(kept), size=min(sample_size, len(kept)), replace=False)
    half_width = rng.integers(1, WINDOW + 1, size=len(centres))
    contexts = np.zeros(len(centres))
    for offset in range(1, WINDOW + 1):
        for side in (-offset, offset):
            other = np.clip(centres + side, 0, len(kept) - 1)
            inside = (centres + side >= 0) & (centres + side < len(kept))
            contexts += inside & (offset <= half_width) & (line_of[other] == line_of[centres])
    n = rows_per_word[corpus.tokens[kept[centres]]].mean()
    return float(n), float(contexts.mean()), float(keep.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA", "../shared/data"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--results", default=os.path.join(os.path.dirname(__file__), "results", "bench_train.json"))
    args = parser.parse_args()
    sequential = copy_bandwidth(args.threads)
    bandwidth = row_bandwidth(args.threads)
    corpus = encode_corpus(os.path.join(args.data, "nsmc", "corpus.txt.gz"), 5)
    measured = {}
    if os.path.exists(args.results):
        for row in json.load(open(args.results)).get("results", []):
            if row.get("system") == "kofasttext":
                measured[row["scheme"]] = row.get("words_per_second")
    centres_per_draw, times_neg = NEGATIVE_DRAWS["skipgram"]
    negatives = NEG * times_neg / centres_per_draw  # a draw's rows are shared by its centres
    print(
        f"sequential copy with {args.threads} threads: {sequential / 1e9:.1f} GB/s; random {4 * DIM}-byte rows: "
        f"{bandwidth / 1e9:.1f} GB/s (the bound below uses the random-row rate)\n"
    )
    print(
        "| scheme | n input rows | m contexts | K negatives | kept share | bytes/centre "
        "| bound (corpus words/s) | measured | share of bound |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (minn, maxn) in SCHEMES.items():
        n, m, kept = per_centre(corpus, SubwordScheme.create(name, minn, maxn))
        traffic = 3 * 4 * DIM * (n + m + negatives)
        bound = bandwidth / traffic / kept * corpus.stats.tokens / len(corpus.tokens)  # per corpus token
        seen = measured.get(name)
        share = f"{seen / bound:.0%}" if seen else "-"
        print(
            f"| {name} | {n:.1f} | {m:.1f} | {negatives:g} | {kept:.2f} | {traffic / 1e3:.1f} KB | {bound / 1e3:,.0f}K | "
            f"{f'{seen / 1e3:,.0f}K' if seen else '-'} | {share} |"
        )


if __name__ == "__main__":
    main()
