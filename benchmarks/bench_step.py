"""CPU time of one skip-gram minibatch step, on minibatches captured from a real training run.

Trains one epoch on the first ``--lines`` lines of the NSMC corpus with one thread, keeps 60 of the minibatches
the loop draws, then times `steps.skipgram_step` on 50 of them (after 10 to warm up) with the matrices as
training left them: the best of ``--repeats`` CPU-time measurements (``time.process_time``, which another
process on the machine disturbs less than wall time). ``--draw CENTRES NEGATIVES`` sets how negatives are drawn
(skip-gram's `training.loop.NEGATIVE_DRAWS`). Run it on an older checkout (``PYTHONPATH=OLD``) to
compare; a tree from before issue 12 has ``NEGATIVES_PER_CENTRE`` instead, which ``--draw 1 N`` sets.

    python benchmarks/bench_step.py [--scheme jamo] [--lines 300000] [--draw 8 6] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
from itertools import islice

import torch

import kofasttext as kft
from kofasttext.training import loop, steps

DATA = os.environ.get("KOFASTTEXT_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheme", default="jamo")
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--draw", nargs=2, type=int, metavar=("CENTRES", "NEGATIVES"), default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.draw:
        centres, negatives = args.draw
        if hasattr(loop, "NEGATIVE_DRAWS"):
            loop.NEGATIVE_DRAWS = {**loop.NEGATIVE_DRAWS, "skipgram": (centres, negatives)}
        elif centres == 1:
            loop.NEGATIVES_PER_CENTRE = negatives
        else:
            raise SystemExit("this checkout draws negatives per centre: only --draw 1 N")
    captured, draw = [], loop._draw_batch

    def capture(plan, kept, positions, lr, generator):
        batch = draw(plan, kept, positions, lr, generator)
        if batch is not None and len(captured) < 60:
            captured.append((plan.parameters, batch))
        return batch

    loop._draw_batch = capture
    with tempfile.TemporaryDirectory() as folder:
        head = os.path.join(folder, "head.txt")
        with gzip.open(os.path.join(DATA, "nsmc", "corpus.txt.gz"), "rt", encoding="utf-8") as source, open(head, "w") as out:
            out.writelines(islice(source, args.lines))
        kft.train(head, subwords=args.scheme, epoch=1, threads=1, progress=False)
    parameters = captured[-1][0]
    batches = [batch for _, batch in captured]
    torch.set_num_threads(1)
    for batch in batches[:10]:
        steps.skipgram_step(parameters, batch)
    best = float("inf")
    for _ in range(args.repeats):
        started = time.process_time()
        for batch in batches[10:]:
            steps.skipgram_step(parameters, batch)
        best = min(best, (time.process_time() - started) / len(batches[10:]))
    print(f"{args.scheme}, draw {args.draw or 'default'}: {1e3 * best:.2f} ms CPU per step ({len(batches[20].centres)} centres)")


if __name__ == "__main__":
    main()
