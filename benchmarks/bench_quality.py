"""Quality of every kind of model on the NSMC corpus, in one table: what subwords add.

Trains, on ``DATA/nsmc/corpus.txt.gz`` with the same settings:

* kofasttext skip-gram with the subword schemes ``none`` (plain word2vec),
  ``syllable`` (2-4), ``jamo`` (3-6) and ``hybrid`` (syllable 2-4 + jamo 3-6);
* kofasttext CBOW with the jamo scheme;
* a count-based PPMI + truncated SVD model (`kofasttext.baselines.ppmi`);
* optionally fastText C++ with syllable n-grams 2-4 (``--fasttext``), the reference
  our OOV scores are compared with;

then runs `kofasttext.evaluate.evaluate_all` on all of them (the same OOV query
sets for every model) and prints the full eval table; finally it trains
`kofasttext.TextClassifier` on NSMC train with the ``--classifier-scheme`` model's
rows and with random rows, and reports both test accuracies and the gain.

Not a unit test: run by hand on an idle machine (about 45 minutes on 2 cores).

    python benchmarks/bench_quality.py [--data DIR] [--dim 100] [--epoch 5] [--threads 2]
        [--fasttext] [--classifier-scheme jamo] [--models-dir DIR] [--json FILE] [--plots DIR] [--quick]

``--quick`` (a smoke test) trains on the first 60,000 lines for one epoch and fits the
classifier on 5,000 reviews.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPT_DIR)

import bench_train  # noqa: E402  (found through the sys.path line above)

SCHEMES = {"none": (None, None), "syllable": (2, 4), "jamo": (3, 6), "hybrid": ((2, 3), (4, 6))}
QUICK_LINES = 60_000
QUICK_REVIEWS = 5_000


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--epoch", type=int, default=None, help="default 5 (1 with --quick)")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--schemes", nargs="+", choices=list(SCHEMES), default=list(SCHEMES), help="skip-gram schemes to train")
    parser.add_argument("--no-baselines", action="store_true", help="skip CBOW and PPMI-SVD")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--fasttext", action="store_true", help="also train fastText C++ (syllable 2-4) as a reference")
    parser.add_argument("--classifier-scheme", default="jamo", choices=list(SCHEMES), help="rows the TextClassifier starts from")
    parser.add_argument("--no-classifier", action="store_true")
    parser.add_argument("--models-dir", help="keep the trained models here (default: a temporary folder)")
    parser.add_argument("--json", help="default benchmarks/results/bench_quality.json (bench_quality_quick.json with --quick)")
    parser.add_argument("--plots", help="also write the eval plots here")
    parser.add_argument("--quick", action="store_true", help=f"smoke test: first {QUICK_LINES:,} lines, 1 epoch")
    args = parser.parse_args(argv)
    if args.epoch is None:
        args.epoch = 1 if args.quick else 5
    if args.json is None:
        args.json = os.path.join(SCRIPT_DIR, "results", "bench_quality_quick.json" if args.quick else "bench_quality.json")
    return args


def train_models(args, corpus: dict, folder: str) -> tuple[dict, dict]:
    """Every model of the table as `WordVectors`, and how long each took to train."""
    import kofasttext as kft
    from kofasttext.evaluate import WordVectors

    settings = {
        "dim": args.dim,
        "epoch": args.epoch,
        "min_count": args.min_count,
        "lr": args.lr,
        "threads": args.threads,
        "seed": 0,
    }
    named, seconds, models = {}, {}, {}
    runs = [(f"skipgram {s}", {"subwords": s, "minn": SCHEMES[s][0], "maxn": SCHEMES[s][1]}) for s in args.schemes]
    if not args.no_baselines:
        runs.append(("cbow jamo", {"subwords": "jamo", "model": "cbow"}))
    for name, options in runs:
        print(f"training {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        model = kft.train(corpus["raw_path"], **settings, **options)
        seconds[name] = round(time.perf_counter() - started, 1)
        model.save(os.path.join(folder, name.replace(" ", "_") + ".kft"))
        named[name] = WordVectors.from_model(model, name)
        models[name] = model

    if not args.no_baselines:
        print("training PPMI-SVD ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        ppmi = kft.train_ppmi(corpus["raw_path"], dim=args.dim, window=5, min_count=args.min_count)
        seconds["ppmi-svd"] = round(time.perf_counter() - started, 1)
        named["ppmi-svd"] = WordVectors.from_model(ppmi, "ppmi-svd")

    if args.fasttext:
        print("training fastText C++ syllable 2-4 ...", file=sys.stderr, flush=True)
        job = {"minn": 2, "maxn": 4, "epoch": args.epoch, "threads": args.threads, "train_path": corpus["paths"]["syllable"]}
        bench_train.SETTINGS.update(dim=args.dim, min_count=args.min_count, lr=args.lr)
        train_seconds, model = bench_train.train_fasttext(job)
        seconds["fastText syllable"] = round(train_seconds, 1)
        named["fastText syllable"] = bench_train.fasttext_vectors(model, jamo=False)
    return named, seconds, models


def classifier_gain(model, args) -> dict:
    """NSMC test accuracy of `TextClassifier` from the model's rows and from random rows."""
    from kofasttext import TextClassifier
    from kofasttext.evaluate import read_nsmc

    train_texts, train_labels = read_nsmc("train", args.data)
    test_texts, test_labels = read_nsmc("test", args.data)
    if args.quick:
        train_texts, train_labels = train_texts[:QUICK_REVIEWS], train_labels[:QUICK_REVIEWS]
    out = {}
    for label, pretrained in (("pretrained", True), ("random", False)):
        print(f"classifier, {label} rows ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        classifier = TextClassifier(model, pretrained=pretrained).fit(train_texts, train_labels)
        fit_seconds = time.perf_counter() - started
        out[label] = {
            "test_accuracy": classifier.score(test_texts, test_labels),
            "fit_seconds": round(fit_seconds, 1),
            "history": classifier.history,
        }
    out["gain"] = out["pretrained"]["test_accuracy"] - out["random"]["test_accuracy"]
    out["train_reviews"], out["test_reviews"] = len(train_texts), len(test_texts)
    return out


def main(argv=None) -> None:
    args = parse_args(argv)
    import torch

    from kofasttext.evaluate.report import evaluate_all, markdown_table

    corpus_path = os.path.join(args.data, "nsmc", "corpus.txt.gz")
    if not os.path.isfile(corpus_path):
        raise SystemExit(f"bench_quality: {corpus_path} not found (give --data DIR or set KOFASTTEXT_DATA)")
    if args.fasttext:
        bench_train.check_installed(["fasttext"])
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench_quality_") as scratch:
        folder = args.models_dir or scratch
        os.makedirs(folder, exist_ok=True)
        if args.fasttext or args.quick:  # fastText reads pre-split words; --quick trains on the first lines
            print("preparing the corpus (not timed) ...", file=sys.stderr, flush=True)
            corpus = bench_train.prepare_corpus(corpus_path, scratch, QUICK_LINES if args.quick else None)
        else:  # kofasttext reads the corpus itself
            corpus = {"raw_path": corpus_path}
        named, seconds, models = train_models(args, corpus, folder)
        report = evaluate_all(
            named, args.data, exclude_corpora=[corpus["raw_path"]], log=lambda line: print(line, file=sys.stderr, flush=True)
        )
        table = markdown_table(report)
        classifier = None
        if not args.no_classifier and args.classifier_scheme in args.schemes:
            torch.set_num_threads(args.threads)
            classifier = classifier_gain(models[f"skipgram {args.classifier_scheme}"], args)
        if args.plots:
            from kofasttext.evaluate.plots import write_plots

            write_plots(report, named, args.plots)

    settings = (
        f"dim {args.dim}, epoch {args.epoch}, lr {args.lr}, min_count {args.min_count}, window 5, neg 5, {args.threads} threads"
    )
    print(f"\n## Quality on the NSMC corpus ({settings})\n")
    print(table)
    print("\n| model | " + " | ".join(seconds) + " |\n|---|" + "---|" * len(seconds))
    print("| training seconds | " + " | ".join(str(s) for s in seconds.values()) + " |")
    if classifier:
        pre, rnd = classifier["pretrained"], classifier["random"]
        print(f"\nTextClassifier (CNN, {args.classifier_scheme} rows), NSMC test ({classifier['test_reviews']:,} reviews):")
        print(f"pretrained rows {100 * pre['test_accuracy']:.2f}% ({pre['fit_seconds']:.0f} s to fit), ", end="")
        print(f"random rows {100 * rnd['test_accuracy']:.2f}% ({rnd['fit_seconds']:.0f} s), ", end="")
        print(f"gain {100 * classifier['gain']:+.2f} points")
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", "benchmarks/bench_quality.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": bench_train.machine(),
        "versions": bench_train.versions(["fasttext"] if args.fasttext else []),
        "settings": {
            "dim": args.dim,
            "epoch": args.epoch,
            "lr": args.lr,
            "min_count": args.min_count,
            "threads": args.threads,
            "quick": args.quick,
        },
        "train_seconds": seconds,
        "report": report,
        "classifier": classifier,
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False, indent=2)
    print(f"\nwrote {args.json} ({result['wall_seconds']:.0f} s in all)", file=sys.stderr)


if __name__ == "__main__":
    main()
