"""Distributed training on one machine: N ranks x T threads against one process, speed and quality (issue 15).

Each layout trains the same corpus with the same settings and seed through the command line (``kofasttext train``
for one process, ``torchrun --nproc-per-node N -m kofasttext train`` for N ranks, gloo on 127.0.0.1); all models
are then scored in one ``kofasttext eval`` (one ruler: NSMC probe, typo and conjugation hit@10, WS353).

* words/s: corpus tokens x epochs / seconds of rank 0's ``train`` call (``train_seconds`` in the model's
  config, which includes reading the corpus and, for ranks, sharing it); the command's wall time, with
  torchrun's start, is recorded too.
* layouts run one after another, never two at once, alternating within a seed, so that drift of the shared
  machine falls on all of them alike.

Not a unit test: run it by hand on an idle machine (NSMC jamo, 3 seeds, 3 layouts: about 45 minutes on 2 cores).

    python benchmarks/bench_distributed.py [--data DIR] [--corpus nsmc] [--subwords jamo] [--seeds 0 1 2]
        [--layouts 1x2 2x1 4x1] [--models-dir DIR] [--json FILE] [--quick]

``--quick`` trains the bundled demo corpus for a smoke test (seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(SCRIPT_DIR)
MEASURES = {"probe": "NSMC probe", "typos": "typo hit@10", "conjugations": "conj. hit@10", "ws353": "WS353"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--corpus", default="nsmc", help="DATA/CORPUS/corpus.txt.gz (default nsmc)")
    parser.add_argument("--subwords", default="jamo")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--layouts", nargs="+", default=["1x2", "2x1", "4x1"], help="RANKSxTHREADS (default 1x2 2x1 4x1)")
    parser.add_argument("--models-dir", default="/tmp/bench_distributed")
    parser.add_argument("--json", default=os.path.join(SCRIPT_DIR, "results", "bench_distributed.json"))
    parser.add_argument("--quick", action="store_true", help="the bundled demo corpus, tiny settings, no evaluation")
    return parser.parse_args(argv)


def train_command(layout: str, corpus: str, output: str, seed: int, args, port: int) -> list[str]:
    ranks, threads = (int(n) for n in layout.split("x"))
    options = ["--subwords", args.subwords, "--seed", str(seed), "--threads", str(threads), "--quiet"]
    if args.quick:
        options += ["--epoch", "5", "--min-count", "2", "--bucket", "100000"]
    if ranks == 1:
        return [sys.executable, "-m", "kofasttext", "train", corpus, "-o", output, *options]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(ranks)]
    torchrun += ["--master-addr", "127.0.0.1", "--master-port", str(port)]
    return [*torchrun, "-m", "kofasttext", "train", corpus, "-o", output, *options]


def train(layout: str, corpus: str, seed: int, args, port: int) -> dict:
    import kofasttext as kft

    output = os.path.join(args.models_dir, f"{args.corpus}_{args.subwords}_{layout}_seed{seed}.kft")
    command = train_command(layout, corpus, output, seed, args, port)
    print(" ".join(command), file=sys.stderr, flush=True)
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=REPOSITORY, env={**os.environ, "PYTHONPATH": REPOSITORY})
    wall = time.monotonic() - started
    config = kft.load(output).config
    words = config["corpus_tokens"] * config["epoch"]
    return {
        "layout": layout,
        "seed": seed,
        "model": output,
        "train_seconds": config["train_seconds"],
        "command_seconds": round(wall, 2),
        "words_per_second": round(words / config["train_seconds"]),
        "merges": config.get("distributed", {}).get("merges"),
    }


def evaluate(runs: list[dict], args) -> None:
    """One `kofasttext eval` over every model: the same items for all."""
    report = os.path.join(args.models_dir, "eval.json")
    command = [sys.executable, "-m", "kofasttext", "eval", *[r["model"] for r in runs], "--data", args.data, "--json", report]
    subprocess.run(command, check=True, cwd=REPOSITORY, env={**os.environ, "PYTHONPATH": REPOSITORY})
    with open(report, encoding="utf-8") as handle:
        scored = json.load(handle)
    for run, model in zip(runs, scored.values()):  # the report keeps the models' order
        run["quality"] = {
            "probe": model["nsmc_logistic"]["accuracy"],
            "typos": model["oov_typos"]["hit@10"],
            "conjugations": model["oov_conjugations"]["hit@10"],
            "ws353": model["ws353"]["spearman"],
        }


def table(runs: list[dict]) -> str:
    layouts = list(dict.fromkeys(r["layout"] for r in runs))
    base = np.mean([r["words_per_second"] for r in runs if r["layout"] == layouts[0]])
    lines = ["| ranks x threads | words/s (mean) | vs " + layouts[0] + " | " + " | ".join(MEASURES.values()) + " |"]
    lines.append("|---" * (3 + len(MEASURES)) + "|")
    for layout in layouts:
        mine = [r for r in runs if r["layout"] == layout]
        speed = np.mean([r["words_per_second"] for r in mine])
        cells = [f"{speed / 1e3:.0f}K ({len(mine)})", f"{speed / base:.2f}x"]
        for measure in MEASURES:
            values = [r["quality"][measure] for r in mine if "quality" in r]
            scale = 100 if measure == "probe" else 1
            cells.append(
                f"{scale * np.mean(values):.3f} ± {scale * np.std(values, ddof=1):.3f}" if len(values) > 1
                else (f"{scale * values[0]:.3f}" if values else "-")
            )
        lines.append(f"| {layout} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.makedirs(args.models_dir, exist_ok=True)
    corpus = os.path.join(args.data, args.corpus, "corpus.txt.gz")
    if args.quick:
        corpus = os.path.join(REPOSITORY, "corpora", "demo_ko.txt")
    runs = []
    for seed in args.seeds:
        for layout in args.layouts:
            runs.append(train(layout, corpus, seed, args, port=29600 + len(runs)))
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    if not args.quick:
        evaluate(runs, args)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as out:
        json.dump({"corpus": corpus, "subwords": args.subwords, "runs": runs}, out, indent=2)
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
