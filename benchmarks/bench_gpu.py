"""The device loop on a GPU (issue 15): words/s, GPU memory and time per epoch at several batch sizes, and the
quality of every model beside the CPU trainer's.

For each subword scheme (jamo and syllable; dim 100, 5 epochs, the trainer's defaults) it trains the NSMC corpus
with ``loop="device"`` on ``--device`` at each ``--batch-sizes``, and once with the CPU trainer (the Hogwild
loop, all cores); then scores every model in one ``kofasttext eval`` (one ruler: NSMC probe, typo and
conjugation hit@10, WS353).

* words/s: corpus tokens x epochs / seconds of the whole ``train`` call (GUIDE §4), and of the loop alone
  (``loop_seconds``: `TrainingRun.train`, without reading the corpus); time per epoch is the loop's / epochs.
* GPU memory: ``torch.cuda.max_memory_allocated`` of each run (reset before it).
* host syncs: on CUDA one more short run (1 epoch, the first batch size) under
  ``torch.cuda.set_sync_debug_mode("warn")``, its sync warnings counted: the loop should sync a few times per
  chunk and once per ``READ_EVERY`` minibatches, never once per minibatch.

Run it on a machine with a GPU (the corpus is read once per scheme, then from its cache):

    python benchmarks/bench_gpu.py [--data DIR] [--device cuda] [--subwords jamo syllable]
        [--batch-sizes 4096 32768 262144] [--no-cpu] [--json FILE] [--models-dir DIR]

``--device cpu`` runs the same loop on the CPU (slow on 2 cores: ~2 minutes a model plus its evaluation);
``--quick`` trains the bundled demo corpus for a few seconds, without evaluation (a smoke check).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(SCRIPT_DIR)
sys.path.insert(0, SCRIPT_DIR)
from bench_distributed import MEASURES, evaluate  # noqa: E402  (found through the sys.path line above)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    parser.add_argument("--subwords", nargs="+", default=["jamo", "syllable"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[4096, 32768, 262144], help="centres per minibatch")
    parser.add_argument("--epoch", type=int, default=5)
    parser.add_argument("--no-cpu", action="store_true", help="skip the CPU trainer's model")
    parser.add_argument("--models-dir", default="/tmp/bench_gpu")
    parser.add_argument("--json", default=os.path.join(SCRIPT_DIR, "results", "bench_gpu.json"))
    parser.add_argument("--quick", action="store_true", help="the bundled demo corpus, tiny settings, no evaluation")
    return parser.parse_args(argv)


def train_one(corpus: str, subwords: str, device: str, loop: str, batch: int | None, args) -> dict:
    """Train one model in this process, timing the whole call and the loop alone."""
    import torch

    import kofasttext as kft
    from kofasttext.training import loop as loops

    timed = {}
    original = loops.TrainingRun.train

    def timed_train(run, *rest):
        started = time.perf_counter()
        try:
            return original(run, *rest)
        finally:
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            timed["loop_seconds"] = time.perf_counter() - started

    options = dict(subwords=subwords, epoch=args.epoch, device=device, loop=loop, batch_size=batch, progress=False)
    if args.quick:
        options.update(min_count=2, bucket=100_000)
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    loops.TrainingRun.train = timed_train
    try:
        model = kft.train(corpus, **options)
    finally:
        loops.TrainingRun.train = original
    name = f"{subwords}_{loop}_{device.replace(':', '')}" + (f"_b{batch}" if batch else "")
    path = os.path.join(args.models_dir, name + ".kft")
    model.save(path)
    words = model.config["corpus_tokens"] * model.config["epoch"]
    return {
        "subwords": subwords,
        "device": device,
        "loop": loop,
        "batch_centres": model.config["loop"]["batch_centres"],
        "model": path,
        "train_seconds": model.config["train_seconds"],
        "loop_seconds": round(timed["loop_seconds"], 2),
        "seconds_per_epoch": round(timed["loop_seconds"] / model.config["epoch"], 2),
        "words_per_second": round(words / model.config["train_seconds"]),
        "loop_words_per_second": round(words / timed["loop_seconds"]),
        "gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None,
    }


def count_syncs(corpus: str, subwords: str, device: str, batch: int, args) -> dict:
    """Host syncs of a one-epoch device-loop run, from torch's sync debug warnings (CUDA only)."""
    import torch

    import kofasttext as kft

    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = kft.train(corpus, subwords=subwords, epoch=1, device=device, loop="device", batch_size=batch, progress=False)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    syncs = sum("synchroniz" in str(w.message) for w in caught)
    tokens = model.config["corpus_tokens"]
    batches = -(-tokens // batch)  # an upper bound on the epoch's minibatches (subsampling keeps fewer)
    return {"subwords": subwords, "batch_centres": batch, "syncs": syncs, "minibatches_at_most": batches}


def table(runs: list[dict]) -> str:
    head = ["scheme", "loop, device", "batch", "words/s (call)", "words/s (loop)", "s / epoch", "GPU MB"]
    lines = ["| " + " | ".join(head + list(MEASURES.values())) + " |", "|---" * (len(head) + len(MEASURES)) + "|"]
    for run in runs:
        quality = run.get("quality", {})
        cells = [
            run["subwords"],
            f"{run['loop']}, {run['device']}",
            str(run["batch_centres"]),
            f"{run['words_per_second'] / 1e6:.2f}M",
            f"{run['loop_words_per_second'] / 1e6:.2f}M",
            f"{run['seconds_per_epoch']:.1f}",
            "-" if run["gpu_memory_mb"] is None else str(run["gpu_memory_mb"]),
        ]
        for measure in MEASURES:
            value = quality.get(measure)
            cells.append("-" if value is None else (f"{100 * value:.2f}" if measure == "probe" else f"{value:.3f}"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("bench_gpu: this torch build sees no CUDA GPU; use --device cpu for a CPU run", file=sys.stderr)
        return 2
    os.makedirs(args.models_dir, exist_ok=True)
    corpus = os.path.join(args.data, "nsmc", "corpus.txt.gz")
    if args.quick:
        corpus = os.path.join(REPOSITORY, "corpora", "demo_ko.txt")
    if not os.path.exists(corpus):
        print(f"bench_gpu: no corpus at {corpus} (give --data DIR)", file=sys.stderr)
        return 2
    from kofasttext import TrainingError

    runs, syncs, diverged = [], [], []
    for subwords in args.subwords:
        if not args.no_cpu:
            runs.append(train_one(corpus, subwords, "cpu", "hogwild", None, args))
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
        for batch in args.batch_sizes:
            try:
                runs.append(train_one(corpus, subwords, args.device, "device", batch, args))
            except TrainingError as error:  # a batch too large to train: recorded, the others still run
                diverged.append({"subwords": subwords, "batch_centres": batch, "error": str(error)})
                print(json.dumps(diverged[-1]), file=sys.stderr, flush=True)
                continue
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
        if args.device.startswith("cuda"):
            syncs.append(count_syncs(corpus, subwords, args.device, args.batch_sizes[0], args))
            print(json.dumps(syncs[-1]), file=sys.stderr, flush=True)
    if not args.quick:
        evaluate(runs, args)
    device_name = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else "cpu"
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as out:
        json.dump({"corpus": corpus, "device": device_name, "runs": runs, "diverged": diverged, "syncs": syncs}, out, indent=2)
    print(f"{device_name}, {os.path.basename(corpus)}, {args.epoch} epochs")
    print(table(runs))
    for failed in diverged:
        print(f"{failed['subwords']}, batch {failed['batch_centres']}: {failed['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
