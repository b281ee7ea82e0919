"""Training settings against the quality goals: one skip-gram model per setting on the NSMC corpus, one row each.

Each positional argument is ``NAME`` or ``NAME:key=value,key=value`` with `kofasttext.train` options (``dim=300``,
``epoch=15``, ``sample=1e-5``, ``subwords=hybrid``, ...); unnamed options keep `kofasttext.train`'s defaults. The
first setting is the reference: the OOV query sets are drawn from its vocabulary (avoiding every word of the
corpus), and besides each model's own analogy score the table gives its score on the items the reference covers,
so that settings with a larger vocabulary (``min_count=3``) are compared on the same items.

Models are kept in ``--models-dir`` and rows in ``--json`` after each setting, so a stopped sweep resumes.
Not a unit test: run by hand (2-15 minutes per setting on 2 cores).

    python benchmarks/bench_settings.py [--data DIR] [--models-dir DIR] [--json FILE] default "d300:dim=300,epoch=15"
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))


def parse_setting(text: str) -> tuple[str, dict]:
    """``"d300:dim=300,sample=1e-5,subwords=hybrid"`` -> ``("d300", {"dim": 300, "sample": 1e-05, "subwords": "hybrid"})``."""
    name, _, options = text.partition(":")
    settings = {}
    for option in filter(None, options.split(",")):
        key, _, value = option.partition("=")
        for kind in (int, float, str):
            try:
                settings[key] = kind(value)
                break
            except ValueError:
                continue
    return name, settings


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", nargs="+", help="NAME[:key=value,...]; the first is the reference")
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models-dir", help="keep the models here (default: a folder in the cache)")
    parser.add_argument("--json", default=os.path.join(SCRIPT_DIR, "results", "bench_settings.json"))
    args = parser.parse_args(argv)
    args.settings = [parse_setting(text) for text in args.settings]
    if len({name for name, _ in args.settings}) < len(args.settings):
        parser.error("setting names must differ")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    import kofasttext as kft
    from kofasttext.environment import cache_dir
    from kofasttext.evaluate import WordVectors, analogies
    from kofasttext.evaluate.report import evaluate_model, shared_query_sets

    corpus = os.path.join(args.data, "nsmc", "corpus.txt.gz")
    if not os.path.isfile(corpus):
        raise SystemExit(f"bench_settings: {corpus} not found (give --data DIR or set KOFASTTEXT_DATA)")
    models_dir = args.models_dir or os.path.join(cache_dir(), "bench_settings")
    os.makedirs(models_dir, exist_ok=True)
    rows = {}
    if os.path.exists(args.json):
        with open(args.json, encoding="utf-8") as handle:
            rows = json.load(handle)["rows"]
    reference = sets = None
    for name, settings in args.settings:
        path = os.path.join(models_dir, f"{name}.kft")
        if not os.path.exists(path):
            print(f"== {name}: training {settings}", file=sys.stderr, flush=True)
            kft.train(corpus, **{"threads": args.threads, "seed": 0, **settings}).save(path)
        model = kft.load(path)
        vectors = WordVectors.from_model(model)
        if reference is None:
            reference = vectors
            sets = shared_query_sets([reference], [corpus], log=lambda line: print(line, file=sys.stderr, flush=True))
        measured = {"settings": settings, "reference": {"name": args.settings[0][0], "settings": args.settings[0][1]}}
        if {key: rows.get(name, {}).get(key) for key in measured} == measured:
            continue  # measured by an earlier run of the sweep, against the same reference
        report = evaluate_model(vectors, sets, args.data)
        rows[name] = {
            **measured,
            "train_seconds": model.config["train_seconds"],
            "typos_hit@10": report["oov_typos"]["hit@10"],
            "conjugations_hit@10": report["oov_conjugations"]["hit@10"],
            "probe": report["nsmc_logistic"]["accuracy"],
            "ws353": report["ws353"]["spearman"],
            "analogy_sem": report["analogy"]["accuracy"]["sem"],
            "analogy_syn": report["analogy"]["accuracy"]["syn"],
            "analogy_syn_covered": report["analogy"]["covered"]["syn"],
            "analogy_syn_on_reference_items": analogies(vectors, args.data, only_words=set(reference.words)).accuracy["syn"],
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json + ".tmp", "w", encoding="utf-8") as handle:
            json.dump({"date": time.strftime("%Y-%m-%d"), "corpus": corpus, "rows": rows}, handle, ensure_ascii=False, indent=1)
        os.replace(args.json + ".tmp", args.json)
        print(f"== {name}: {json.dumps(rows[name], ensure_ascii=False)}", file=sys.stderr, flush=True)

    print("| setting | train s | typos hit@10 | conj. hit@10 | probe | WS353 | syn (items) | syn on reference items |")
    print("|---|---|---|---|---|---|---|---|")
    for name, _ in args.settings:
        row = rows[name]
        print(
            f"| {name} | {row['train_seconds']:.0f} | {row['typos_hit@10']:.3f} | {row['conjugations_hit@10']:.3f} "
            f"| {100 * row['probe']:.2f}% | {row['ws353']:.3f} | {row['analogy_syn']:.3f} ({row['analogy_syn_covered']}) "
            f"| {row['analogy_syn_on_reference_items']:.3f} |"
        )


if __name__ == "__main__":
    main()
