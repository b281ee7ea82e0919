"""Issue 17, point 4: the comparison the seeds make, measured: every algorithm kofasttext has, on one corpus.

For each corpus (``nsmc``; ``nsmc+general``, as in `bench_protocol`) it trains, each in a fresh worker process,
on one pre-cut copy of the corpus (`bench_protocol.precut`), with `bench_train.SETTINGS` (dim 100, window 5,
neg 5, epoch 5, min_count 5, 2 threads) where they apply:

* ``word2vec``: skip-gram, negative sampling, no subwords (``subwords="none"``);
* ``skipgram``: skip-gram, negative sampling, jamo 3-6 (kofasttext's default);
* ``cbow``: CBOW, negative sampling, jamo 3-6;
* ``hs``: skip-gram, hierarchical softmax (``loss="hs"``), jamo 3-6;
* ``ppmi``: PPMI of window-5 co-occurrences, truncated SVD (`kofasttext.baselines.ppmi`);
* ``glove``: GloVe, window 10, no subwords, ``--glove-epochs`` passes;
* ``glove-jamo``: GloVe whose word side is the sum of jamo 3-6 rows, ``--glove-epochs`` passes.

Every model of a corpus is scored by `bench_protocol.evaluate`, the same code on the same items (typo and
conjugation hit@10 of words no corpus word is, the NSMC probe, WS353, sem / syn analogies of covered items).
Training time is the wall time of the training call (reading and counting included); peak memory is the worker
process's peak resident set size after training (``VmHWM``), libraries included.

Entries are merged into ``--json`` after each training and a run skips those already there (``--redo``
retrains), so a stopped run resumes. Not a unit test: run by hand on an idle machine.

    python benchmarks/bench_algorithms.py [--data DIR] [--corpora nsmc nsmc+general] [--systems ...]
        [--glove-epochs 10] [--json FILE] [--redo] [--report] [--quick]
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

import bench_protocol  # noqa: E402  (found through the sys.path line above)
import bench_train  # noqa: E402

SYSTEMS = ("word2vec", "skipgram", "cbow", "hs", "ppmi", "glove", "glove-jamo")
RESULT_PREFIX = "BENCH_ALGORITHMS_RESULT "
JAMO = {"subwords": "jamo", "minn": 3, "maxn": 6}


def train(system: str, path: str, job: dict):
    """Train ``system`` on ``path``; the model."""
    import kofasttext as kft
    from kofasttext.baselines.ppmi import train_ppmi

    settings = {key: bench_train.SETTINGS[key] for key in ("dim", "min_count")}
    common = dict(threads=job["threads"], seed=0, progress=True, **settings)
    sgns = dict(epoch=job["epoch"], **{k: bench_train.SETTINGS[k] for k in ("window", "neg", "bucket", "lr", "sample")})
    if system == "word2vec":
        return kft.train(path, subwords="none", **sgns, **common)
    if system in ("skipgram", "cbow", "hs"):
        extra = {"cbow": {"model": "cbow"}, "hs": {"loss": "hs"}}.get(system, {})
        return kft.train(path, **JAMO, **sgns, **common, **extra)
    if system == "ppmi":
        return train_ppmi(path, window=bench_train.SETTINGS["window"], progress=True, **settings)
    subwords = JAMO if system == "glove-jamo" else {"subwords": "none"}
    return kft.train_glove(path, epoch=job["glove_epochs"], bucket=bench_train.SETTINGS["bucket"], **subwords, **common)


def peak_resident_mib() -> float:
    """This process's peak resident set size: ``VmHWM``, which (unlike ``getrusage``'s ``ru_maxrss``) starts
    again at ``exec``, so a worker does not report the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def worker_main(job: dict) -> None:
    from kofasttext.evaluate import WordVectors

    sys.stdout.flush()
    result_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever the libraries print goes to stderr with the progress
    start = time.perf_counter()
    model = train(job["system"], job["train_path"], job)
    seconds = time.perf_counter() - start
    peak_mib = peak_resident_mib()
    scores = bench_protocol.evaluate(WordVectors.from_model(model, name=job["system"]), job)
    result_stream.write(RESULT_PREFIX + json.dumps({"train_seconds": seconds, "peak_mib": peak_mib, **scores}) + "\n")
    result_stream.flush()


def run_corpus(args, corpus: str, result: dict, folder: str, save) -> list[str]:
    todo = [s for s in args.systems if args.redo or f"{corpus} {s}" not in result["entries"]]
    if not todo:
        return []
    print(f"preparing {corpus} (not timed) ...", file=sys.stderr, flush=True)
    prepared = bench_protocol.precut(args.data, corpus, folder, bench_protocol.QUICK_LINES if args.quick else None)
    items_path = os.path.join(folder, f"{corpus}.items.json")
    summary = {"lines": prepared["lines"], "tokens": prepared["tokens"]}
    summary.update(bench_protocol.evaluation_items(prepared["counts"], items_path))
    old = result["corpora"].get(corpus)
    if old and old["items_digest"] != summary["items_digest"]:
        raise SystemExit(f"bench_algorithms: {corpus}'s evaluation items differ from those of {args.json}")
    result["corpora"][corpus] = summary
    failed = []
    for system in todo:
        job = {
            "system": system, "title": f"{system} ({corpus})", "train_path": prepared["paths"]["syllable"],
            "items_path": items_path, "data": os.path.abspath(args.data), "threads": args.threads,
            "epoch": args.epoch, "glove_epochs": args.glove_epochs,
        }  # fmt: skip
        for cache in os.listdir(folder):
            if cache.endswith(".kftcache"):
                os.remove(os.path.join(folder, cache))  # every system reads and counts the text in its timed call
        scores = bench_protocol.run_worker(job, __file__, RESULT_PREFIX)
        if "error" in scores:
            failed.append(f"{job['title']}: {scores['error']}")
            continue
        epochs = args.glove_epochs if system.startswith("glove") else (None if system == "ppmi" else args.epoch)
        result["entries"][f"{corpus} {system}"] = {"corpus": corpus, "system": system, "epochs": epochs, **scores}
        save()
    return failed


MEASURES = (
    ("typo hit@10", lambda e: f"{e['typos']['hit@10']:.3f}"),
    ("conj hit@10", lambda e: f"{e['conjugations']['hit@10']:.3f}"),
    ("probe %", lambda e: f"{100 * e['probe']:.2f}"),
    ("WS353", lambda e: f"{e['ws353']['spearman']:.3f}"),
    ("sem", lambda e: f"{e['analogy']['sem']['accuracy']:.3f}"),
    ("syn", lambda e: f"{e['analogy']['syn']['accuracy']:.3f}"),
    ("train s", lambda e: f"{e['train_seconds']:.0f}"),
    ("peak MiB", lambda e: f"{e['peak_mib']:,.0f}"),
)


def report(result: dict) -> str:
    out = []
    for corpus, info in result["corpora"].items():
        entries = [result["entries"][f"{corpus} {s}"] for s in SYSTEMS if f"{corpus} {s}" in result["entries"]]
        if not entries:
            continue
        some = entries[0]
        out += [
            f"### {corpus}: {info['lines']:,} lines, {info['tokens']:,} tokens, vocabulary {info['vocabulary']:,}; "
            f"WS353 {some['ws353']['in_vocabulary']}/{some['ws353']['pairs']} pairs, analogies "
            f"{some['analogy']['sem']['covered']:,} sem / {some['analogy']['syn']['covered']:,} syn items",
            "",
            "| system | epochs | " + " | ".join(name for name, _ in MEASURES) + " |",
            "|---" * (len(MEASURES) + 2) + "|",
        ]
        for entry in entries:
            epochs = "-" if entry["epochs"] is None else str(entry["epochs"])
            out.append(f"| {entry['system']} | {epochs} | " + " | ".join(value(entry) for _, value in MEASURES) + " |")
        out.append("")
    return "\n".join(out)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--corpora", nargs="+", choices=list(bench_protocol.CORPORA), default=list(bench_protocol.CORPORA))
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    parser.add_argument("--epoch", type=int, default=5, help="epochs of the word2vec-family systems (default 5)")
    parser.add_argument("--glove-epochs", type=int, default=10, help="passes of the GloVe systems (default 10)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="default benchmarks/results/bench_algorithms.json (_quick with --quick)")
    parser.add_argument("--redo", action="store_true", help="retrain the entries already in --json")
    parser.add_argument("--report", action="store_true", help="only print the tables of --json")
    parser.add_argument("--quick", action="store_true", help="smoke test: the first 60,000 lines of each file, 1 epoch")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.epoch, args.glove_epochs = 1, 1
    name = "bench_algorithms_quick.json" if args.quick else "bench_algorithms.json"
    args.json = args.json or os.path.join(SCRIPT_DIR, "results", name)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        return worker_main(json.loads(args.worker))
    result = {"corpora": {}, "entries": {}}
    if os.path.exists(args.json):
        with open(args.json, encoding="utf-8") as handle:
            result = json.load(handle)
    if args.report:
        print(report(result))
        return

    def save() -> None:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json + ".tmp", "w", encoding="utf-8") as handle:
            json.dump(result, handle, ensure_ascii=False, indent=1)
        os.replace(args.json + ".tmp", args.json)

    failed = []
    with tempfile.TemporaryDirectory() as folder:
        for corpus in args.corpora:
            failed += run_corpus(args, corpus, result, folder, save)
    print(report(result))
    for line in failed:
        print(f"FAILED: {line}", file=sys.stderr)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
