"""Issue 12's ablation: what each of the trainer's shortcuts costs, one variant at a time.

Each variant changes one thing in the trainer for the run (by replacing a constant or a function of
`kofasttext.training` while it trains; nothing is changed for other code), trains the NSMC corpus at default
settings (dim 100, window 5, neg 5, epoch 5, 2 threads) and is scored by the evaluator on one set of OOV queries
(`evaluate.report.evaluate_model`): typo and conjugation hit@10, the NSMC logistic probe, WS353, analogies.
Not a unit test: about 4-6 minutes a variant on 2 cores.

    python benchmarks/bench_ablation.py SCHEME [VARIANT ...] [--seeds 0 1 2] [--model cbow]
    python benchmarks/bench_ablation.py --list

A variant named ``"A + B"`` makes both changes at once.

Results are merged into ``benchmarks/results/bench_ablation_<scheme>.json`` (one entry per variant and seed), so
variants can be run in several sittings. Variants measured before the trainer had its end-of-line token are
stored as ``"no end-of-line token + VARIANT"``, and those against the trainer as it was before issue 12 as
``"no end-of-line token + a draw of 2 x neg per centre + VARIANT"``, which the code here reproduces. The exact
loop never inserts ``</s>``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time

import torch
import torch.nn.functional as F

import kofasttext as kft
from kofasttext import vocab
from kofasttext.evaluate import WordVectors
from kofasttext.evaluate.report import evaluate_model, shared_query_sets
from kofasttext.training import loop, steps

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("KOFASTTEXT_DATA", os.path.join(SCRIPT_DIR, "..", "..", "shared", "data"))
CORPUS = os.path.join(DATA, "nsmc", "corpus.txt.gz")


@contextlib.contextmanager
def patched(module, name, value):
    """``module.name = value`` for the duration of the block."""
    original = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


# -- the variants ------------------------------------------------------------------


def own_row_share(share: float):
    """A word's own row gets ``share`` of its step; its n-gram rows split the rest evenly (today: 1/n each)."""

    def update(input_matrix, bags, word_grad, cap=None, cap_shared_rows=False):
        cap = cap or steps.MAX_SUMMED_UPDATES
        counts, flat_rows, bag_lengths = bags.counts, bags.flat_rows, bags.bag_lengths
        word_grad = word_grad * (cap / counts.clamp(min=cap).float()).unsqueeze(1)
        n = bag_lengths.float()
        starts = torch.cumsum(bag_lengths, 0) - bag_lengths
        first = torch.zeros(len(flat_rows), dtype=torch.bool)
        first[starts] = True
        own = torch.where(n > 1, torch.full_like(n, share), torch.ones_like(n))
        rest = torch.where(n > 1, (1 - share) / (n - 1).clamp(min=1), torch.zeros_like(n))
        scale = torch.where(first, own.repeat_interleave(bag_lengths), rest.repeat_interleave(bag_lengths))
        input_matrix.index_add_(0, flat_rows, word_grad.repeat_interleave(bag_lengths, dim=0) * scale.unsqueeze(1))

    return patched(steps, "_update_input", update)


def row_exponent(a: float):
    """Train with the word vector ``n^-a * sum(rows)`` and each row moved by ``n^-(1-a)`` times the vector's
    step: the vector still takes one step ``g`` of its own (``n * n^-a * n^-(1-a) = 1``), but a step of a word
    ``u`` moves a word ``w`` that shares rows with it by ``g * shared / (n_u^(1-a) * n_w^a)``. ``a = 0`` is
    today's rule (sum, g / n), ``a = 1`` is fastText's (mean, full step), ``a = 1/2`` is symmetric. The model
    still reports the sum, which points the same way as what was trained."""

    def step(parameters, batch):
        input_matrix, output_matrix, offsets, rows = parameters[:4]
        bags = steps.distinct_words(batch.centres, offsets, rows)
        scale = bags.bag_lengths.float() ** -a
        vectors = F.embedding_bag(bags.flat_rows, input_matrix, bags.bag_starts, mode="sum") * scale.unsqueeze(1)
        hidden = vectors.index_select(0, bags.inverse)
        negative_weight = torch.bincount(batch.pair_centre, minlength=len(batch.centres)) * (batch.neg / batch.negatives.shape[1])
        loss, grad = steps._update_output(
            output_matrix, hidden, batch.pair_context, batch.pair_centre, batch.negatives, negative_weight, batch.lr
        )
        # _update_input moves each row by 1/n of what it is given: give it n^a times the vector's step.
        steps._update_input(input_matrix, bags, steps.bag_gradients(bags, grad / scale[bags.inverse].unsqueeze(1)))
        return loss

    return patched(loop, "skipgram_step", step)


def initial_scale(rule: str):
    """Scale the initial input rows: ``"1/n"`` divides every row by the mean number of rows per word (so a
    word's summed vector starts as small as fastText's averaged one), ``"ngrams 0"`` starts n-gram rows at 0."""
    original = loop.TrainingRun.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if args[8] is None:  # `previous`: a fresh run, not a resumed one
            matrix = self.plan.parameters.input_matrix
            nwords = len(self.offsets) - 1
            if rule == "1/n":
                matrix /= len(self.rows) / nwords
            else:
                matrix[nwords:] = 0

    return patched(loop.TrainingRun, "__init__", init)


def per_pair_negatives():
    """``neg`` negatives drawn for every (centre, context) pair, as fastText does, instead of ``2 * neg`` shared
    by a centre's pairs: each pair becomes its own prediction input."""
    original = loop._draw_batch

    def draw(plan, kept, positions, lr, generator):
        batch = original(plan, kept, positions, lr, generator)
        if batch is None:
            return None
        pairs = len(batch.pair_centre)
        slots = torch.randint(len(plan.negative_table), (pairs * plan.neg,), generator=generator)
        negatives = plan.negative_table[slots].long().view(pairs, plan.neg)
        return batch._replace(centres=batch.centres[batch.pair_centre], pair_centre=torch.arange(pairs), negatives=negatives)

    return patched(loop, "_draw_batch", draw)


def exact(row_exponent: float):
    """The exact one-pair-at-a-time loop of `exact_reference` (needs numba), with the given row rule."""
    from exact_reference import exact as exact_loop  # a sibling file; numba only when asked for

    return exact_loop(row_exponent)


@contextlib.contextmanager
def end_of_line_token(corpus: str):
    """fastText's end-of-line token: every line of the corpus gets one more word at its end (fastText's
    ``</s>``, here ``EOS``, which the whitespace pretokeniser keeps whole), in a temporary copy."""
    from kofasttext.corpus import iter_lines

    with tempfile.TemporaryDirectory(prefix="bench_ablation_") as folder:
        path = os.path.join(folder, "corpus_eos.txt")
        with open(path, "w", encoding="utf-8") as out:
            for line in iter_lines(corpus):
                out.write(line + " EOS\n")
        yield path


def grouped_draws(centres: int, times_neg: int):
    """One draw of ``times_neg * neg`` negatives shared by ``centres`` consecutive centres of a minibatch."""
    return patched(loop, "NEGATIVE_DRAWS", dict.fromkeys(loop.NEGATIVE_DRAWS, (centres, times_neg)))


VARIANTS = {
    "default": contextlib.nullcontext,
    # the exact reference
    "exact, sum rows": lambda: exact(0.0),
    "exact, fastText rows": lambda: exact(1.0),
    # negatives: the trainer before issue 12 drew 2 x neg per centre
    "a draw of 2 x neg per centre": lambda: grouped_draws(1, 2),
    "a draw of 3 x neg per centre": lambda: grouped_draws(1, 3),
    "a draw of 6 x neg per centre": lambda: grouped_draws(1, 6),
    "draws of 6 x neg for 8 centres": lambda: grouped_draws(8, 6),  # skip-gram's default, for CBOW
    "draws of 6 x neg for 4 centres": lambda: grouped_draws(4, 6),
    "draws of 8 x neg for 16 centres": lambda: grouped_draws(16, 8),
    "per-pair negatives": per_pair_negatives,
    # how a word's rows share its step
    "fastText rows": lambda: row_exponent(1.0),
    "rows n^-1/2": lambda: row_exponent(0.5),
    "own row 1/2": lambda: own_row_share(0.5),
    "own row 1/4": lambda: own_row_share(0.25),
    # the other shortcuts and choices
    "init 1/n": lambda: initial_scale("1/n"),
    "init ngrams 0": lambda: initial_scale("ngrams 0"),
    "no caps": lambda: patched(steps, "MAX_SUMMED_UPDATES", 10**9),
    "batch 128": lambda: patched(loop, "MAX_BATCH_CENTRES", dict.fromkeys(loop.MAX_BATCH_CENTRES, 128)),
    "exponent 0.75": lambda: patched(vocab, "NEGATIVE_EXPONENT", 0.75),
    "end-of-line token written into the corpus": lambda: end_of_line_token(CORPUS),  # before the trainer had it
    "no end-of-line token": lambda: patched(loop, "END_OF_LINE", False),
}


# -- running -------------------------------------------------------------------------


def row(report: dict, seconds: float) -> dict:
    return {
        "train_s": round(seconds, 1),
        "typos": report["oov_typos"]["hit@10"],
        "conj": report["oov_conjugations"]["hit@10"],
        "probe": report["nsmc_logistic"]["accuracy"],
        "ws353": report["ws353"]["spearman"],
        "ws353_pairs": report["ws353"]["in_vocabulary"],
        "sem": report["analogy"]["accuracy"]["sem"],
        "syn": report["analogy"]["accuracy"]["syn"],
    }


# Training seconds are stored but not shown: variants ran in several sittings, some beside other work; the
# protocol's timings (bench_protocol.py) are the ones to compare.
MEASURES = ("typos", "conj", "probe", "ws353", "sem", "syn")


def report(results: dict) -> str:
    """A markdown table of the stored variants: each measure's mean over its runs (and their count)."""
    lines = ["| variant | runs | " + " | ".join(MEASURES) + " |", "|---" * (len(MEASURES) + 2) + "|"]
    for name, runs in results.items():
        cells = []
        for measure in MEASURES:
            values = [run[measure] for run in runs.values() if measure in run]
            mean = sum(values) / len(values)
            cells.append(f"{100 * mean:.2f}%" if measure == "probe" else f"{mean:.3f}")
        lines.append(f"| {name} | {len(runs)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scheme", nargs="?", choices=["jamo", "syllable", "hybrid"])
    parser.add_argument("variants", nargs="*", help="default: all")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epoch", type=int, default=5)
    parser.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--list", action="store_true", help="list the variants")
    parser.add_argument("--report", action="store_true", help="print the stored results of SCHEME as a table")
    args = parser.parse_args()
    if args.list or not args.scheme:
        print("\n".join(VARIANTS))
        return
    unknown = [part for v in args.variants for part in v.split(" + ") if part not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; --list shows them")
    suffix = args.scheme if args.model == "skipgram" else f"{args.scheme}_{args.model}"
    path = os.path.join(SCRIPT_DIR, "results", f"bench_ablation_{suffix}.json")
    results = json.load(open(path, encoding="utf-8")) if os.path.exists(path) else {}
    if args.report:
        print(report(results))
        return
    sets = None
    for seed in args.seeds:
        for name in args.variants or list(VARIANTS):
            with contextlib.ExitStack() as stack:  # "A + B": both changes at once
                corpus = CORPUS
                for part in name.split(" + "):
                    corpus = stack.enter_context(VARIANTS[part]()) or corpus  # a variant may train on a copy
                started = time.perf_counter()
                model = kft.train(
                    corpus, subwords=args.scheme, model=args.model, epoch=args.epoch, threads=2, seed=seed, progress=False
                )
                seconds = time.perf_counter() - started
            vectors = WordVectors.from_model(model, name)
            if sets is None:
                sets = shared_query_sets([vectors], [CORPUS])
            entry = row(evaluate_model(vectors, sets, DATA), seconds)
            results.setdefault(name, {})[str(seed)] = entry
            print(f"{name} seed {seed}", json.dumps(entry), flush=True)
            with open(path, "w", encoding="utf-8") as out:
                json.dump(results, out, indent=1)


if __name__ == "__main__":
    main()
