"""Issue 12, a first ablation: how a word's summed step is shared between its own row and its n-gram rows.

Today (`training/steps._update_input`) each of a word's n rows moves by g / n, so the summed vector takes one
SGD step g and the word's own row learns n times slower than in fastText. This trains the NSMC corpus at
default settings (seed 0, 2 threads) with that rule and with the own row given a fixed share of g (the n-gram
rows sharing the rest), by replacing `_update_input` for the run, and scores every model with the evaluator
on one set of OOV queries (`evaluate.report.evaluate_model`). Not a unit test; about 5 minutes a variant.

    python benchmarks/bench_row_share.py jamo ["g/n (today)" "own 1/2" "own 1/4"] (KOFASTTEXT_DATA for another data folder)
"""

from __future__ import annotations

import json
import os
import sys
import time

import torch

import kofasttext as kft
from kofasttext.evaluate import WordVectors
from kofasttext.evaluate.report import evaluate_model, shared_query_sets
from kofasttext.training import steps

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("KOFASTTEXT_DATA", os.path.join(SCRIPT_DIR, "..", "..", "shared", "data"))
CORPUS = os.path.join(DATA, "nsmc", "corpus.txt.gz")
original = steps._update_input


def make_update(own_share: float):
    """An `_update_input` that gives a word's own row ``own_share`` of its step and splits the rest evenly."""

    def update(input_matrix, inverse, counts, flat_rows, bag_lengths, grad, cap=None):
        cap = cap or steps.MAX_SUMMED_UPDATES
        word_grad = torch.zeros(len(counts), grad.shape[1], dtype=grad.dtype, device=grad.device).index_add_(0, inverse, grad)
        word_grad *= (cap / counts.clamp(min=cap).to(grad.dtype)).unsqueeze(1)
        n = bag_lengths.to(grad.dtype)
        # per row: the first row of a bag (the word's own row) gets own_share, the others share the rest
        first = torch.zeros(len(flat_rows), dtype=torch.bool)
        starts = torch.cumsum(bag_lengths, 0) - bag_lengths
        first[starts] = True
        own = torch.where(n > 1, torch.full_like(n, own_share), torch.ones_like(n))
        rest = torch.where(n > 1, (1 - own_share) / (n - 1).clamp(min=1), torch.zeros_like(n))
        per_row_word = word_grad.repeat_interleave(bag_lengths, dim=0)
        scale = torch.where(first, own.repeat_interleave(bag_lengths), rest.repeat_interleave(bag_lengths))
        input_matrix.index_add_(0, flat_rows, per_row_word * scale.unsqueeze(1))

    return update


variants = {
    "g/n (today)": None,
    "own 1/2": make_update(0.5),
    "own 1/4": make_update(0.25),
}
def main() -> None:
    chosen = sys.argv[2:] or list(variants)
    scheme = sys.argv[1]
    sets = None
    rows = {}
    for name in chosen:
        steps._update_input = original if variants[name] is None else variants[name]
        started = time.perf_counter()
        model = kft.train(CORPUS, subwords=scheme, threads=2, seed=0, progress=False)
        seconds = time.perf_counter() - started
        vectors = WordVectors.from_model(model, name)
        if sets is None:
            sets = shared_query_sets([vectors], [CORPUS])
        r = evaluate_model(vectors, sets, DATA)
        row = {"train_s": round(seconds, 1), "typos": r["oov_typos"]["hit@10"], "conj": r["oov_conjugations"]["hit@10"],
               "probe": r["nsmc_logistic"]["accuracy"], "ws353": r["ws353"]["spearman"],
               "sem": r["analogy"]["accuracy"]["sem"], "syn": r["analogy"]["accuracy"]["syn"], "covered": r["analogy"]["covered"]}
        rows[name] = row
        print(name, json.dumps(row), flush=True)
    with open(os.path.join(SCRIPT_DIR, "results", f"bench_row_share_{scheme}.json"), "w") as out:
        json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
