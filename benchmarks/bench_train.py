"""Training speed and quality: fastText C++, gensim FastText and kofasttext on one corpus.

In one run, each system trains skip-gram (or, with ``--model cbow``, CBOW) vectors on the NSMC pretraining corpus with
the same settings (dim 100, window 5, neg 5, min_count 5, bucket 2M, lr 0.05, sample
1e-4, the same thread count), for the syllable scheme (n-grams of 2-4 syllables) and
the jamo scheme (3-6 jamo; fastText and gensim get jamo-decomposed text). For each
model it reports:

* words/s = corpus tokens x epochs / wall seconds of the whole training call
  (reading the corpus and building the vocabulary included; importing the library
  not, for any system), and its ratio to fastText and to gensim;
* peak RSS of the process that trained it (each model trains in its own process);
* quality: NSMC accuracy of logistic regression on mean review vectors, hit@10 and
  MRR of unseen one-jamo typos and unseen conjugations, nearest neighbours of a few
  unseen words.

It prints one markdown table per scheme and writes everything to JSON. Needs
``pip install fasttext gensim``. Not a unit test: run it by hand on an idle machine.

    python benchmarks/bench_train.py [--data DIR] [--schemes syllable jamo]
        [--systems kofasttext fasttext gensim] [--epoch 5] [--threads 2]
        [--model skipgram|cbow] [--loss ns|hs] [--json benchmarks/results/bench_train.json] [--quick]
        [--save-models DIR]

``--loss hs`` trains every system with hierarchical softmax instead of negative sampling: fastText's
``loss="hs"``, gensim's ``hs=1, negative=0``, kofasttext's ``loss="hs"``.

``--quick`` (a smoke test) trains on the first 60,000 lines for one epoch.
``--save-models DIR`` keeps the fastText (.bin) and kofasttext (.kft) models, named
``SYSTEM_SCHEME``, for ``kofasttext eval`` to judge side by side; gensim's own save
is a pickle, so gensim models are not kept.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from unittest import mock

import numpy as np

SYSTEMS = ("fasttext", "gensim", "kofasttext")  # table order: the references first
LABELS = {"fasttext": "fastText", "gensim": "gensim", "kofasttext": "kofasttext"}
INSTALL = {"fasttext": "pip install fasttext", "gensim": "pip install gensim", "kofasttext": "pip install -e ."}
SCHEMES = {"syllable": (2, 4), "jamo": (3, 6)}  # (minn, maxn)
SETTINGS = dict(dim=100, window=5, neg=5, min_count=5, bucket=2_000_000, lr=0.05, sample=1e-4)
QUICK_LINES = 60_000
SOURCE_WORDS = 20_000  # frequent words the typo check may misspell
NEIGHBOUR_QUERIES = ("슬펐겠다", "재미없었겠네", "지루헀다", "쓰레기엿다")  # conjugations, then typos
RESULT_PREFIX = "BENCH_TRAIN_RESULT "
SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))


# -- parent: preparation -------------------------------------------------------


def write_words(line: str, plain, jamo, counts: Counter) -> None:
    """Cut one line into the words `split_words` gives, count them, and write them space-joined to ``plain``
    and, decomposed, to ``jamo`` (spaces pass through `to_jamo` unchanged)."""
    from kofasttext.hangul import to_jamo
    from kofasttext.pretokenizers import split_words

    words = split_words(line)
    counts.update(words)
    text = " ".join(words)
    plain.write(text + "\n")
    jamo.write(to_jamo(text) + "\n")


def prepare_corpus(corpus_path: str, folder: str, max_lines: int | None) -> dict:
    """Write the corpus as space-joined words (as is, and in jamo) for fastText and
    gensim, and count its words. Not timed.

    Writing the words that `split_words` cuts, rather than the raw lines, makes the
    three systems see exactly the same tokens.
    """
    from kofasttext.corpus import iter_lines

    paths = {"syllable": os.path.join(folder, "words.txt"), "jamo": os.path.join(folder, "words_jamo.txt")}
    # kofasttext reads the corpus itself; in --quick mode it gets the same first lines.
    raw_path = corpus_path if max_lines is None else os.path.join(folder, "corpus_head.txt")
    counts: Counter = Counter()
    lines = 0
    with open(paths["syllable"], "w", encoding="utf-8") as plain, open(paths["jamo"], "w", encoding="utf-8") as jamo:
        head = open(raw_path, "w", encoding="utf-8") if max_lines is not None else None
        try:
            for line in iter_lines(corpus_path):
                if max_lines is not None and lines >= max_lines:
                    break
                lines += 1
                write_words(line, plain, jamo, counts)
                if head is not None:
                    head.write(line + "\n")
        finally:
            if head is not None:
                head.close()
    return {"paths": paths, "raw_path": raw_path, "lines": lines, "tokens": sum(counts.values()), "counts": counts}


def write_evaluation_inputs(counts: Counter, path: str) -> dict:
    """The word lists every model is judged on, computed once so that all get the same."""
    from kofasttext.evaluate.oov import vocabulary_lemmas

    # most_common keeps first-appearance order among equal counts.
    source_words = [word for word, count in counts.most_common() if count >= SETTINGS["min_count"]]
    lemmas = vocabulary_lemmas(source_words)
    inputs = {"source_words": source_words[:SOURCE_WORDS], "exclude": list(counts), "lemmas": lemmas}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(inputs, handle, ensure_ascii=False)
    return {"source_words": len(source_words), "lemmas": len(lemmas), "types": len(counts)}


# -- parent: running the workers -------------------------------------------------


def run_worker(job: dict) -> dict:
    """Train and evaluate one (system, scheme) in a fresh process, so that its peak
    RSS is its own. The worker's stderr (progress) goes straight to ours."""
    label = f"{LABELS[job['system']]} ({job['scheme']})"
    print(f"\n== {label}", file=sys.stderr, flush=True)
    command = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(job)]
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    results = [line[len(RESULT_PREFIX) :] for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if completed.returncode != 0 or not results:
        return {"system": job["system"], "scheme": job["scheme"], "error": f"worker exited with code {completed.returncode}"}
    return json.loads(results[-1])


# -- worker: training ------------------------------------------------------------
# Each trainer imports its library only when called and returns (seconds, model).
# Nothing from kofasttext is imported before fastText or gensim trains: the
# package imports torch, which would add ~190 MB to their peak RSS.


def train_fasttext(job: dict):
    import fasttext
    from fasttext import FastText

    # train_unsupervised (0.9.3) has no seed keyword, but copies every default into
    # its Args: the seed goes in through the defaults (fastText's own default is 0).
    FastText.unsupervised_default = {**FastText.unsupervised_default, "seed": job.get("seed", 0)}
    started = time.perf_counter()
    model = fasttext.train_unsupervised(
        job["train_path"],
        model=job.get("model", "skipgram"),
        loss=job.get("loss", "ns"),
        dim=SETTINGS["dim"],
        ws=SETTINGS["window"],
        neg=SETTINGS["neg"],
        epoch=job["epoch"],
        minCount=SETTINGS["min_count"],
        minn=job["minn"],
        maxn=job["maxn"],
        bucket=SETTINGS["bucket"],
        lr=SETTINGS["lr"],
        t=SETTINGS["sample"],
        thread=job["threads"],
        verbose=2,
    )
    return time.perf_counter() - started, model


def train_gensim(job: dict):
    import logging

    from gensim.models import FastText

    # gensim reports progress through logging; show it like the others' progress.
    logging.basicConfig(format="gensim: %(message)s", level=logging.INFO, stream=sys.stderr)
    hierarchical = job.get("loss", "ns") == "hs"
    started = time.perf_counter()
    # corpus_file is gensim's fast path (no Python iterator); the constructor
    # scans the vocabulary and then trains, so timing it times both.
    model = FastText(
        corpus_file=job["train_path"],
        sg=int(job.get("model", "skipgram") == "skipgram"),
        hs=int(hierarchical),
        vector_size=SETTINGS["dim"],
        window=SETTINGS["window"],
        negative=0 if hierarchical else SETTINGS["neg"],  # gensim does both when given both
        epochs=job["epoch"],
        min_count=SETTINGS["min_count"],
        min_n=job["minn"],
        max_n=job["maxn"],
        bucket=SETTINGS["bucket"],
        alpha=SETTINGS["lr"],
        sample=SETTINGS["sample"],
        workers=job["threads"],
    )
    logging.getLogger().setLevel(logging.WARNING)  # evaluation queries would log too
    return time.perf_counter() - started, model


def train_kofasttext(job: dict):
    import kofasttext as kft

    # Imports torch and the trainer (~1.1 s) before the clock starts, as fastText's and gensim's modules are
    # imported before theirs.
    train = kft.train

    options = dict(
        subwords=job["scheme"],
        minn=job["minn"],
        maxn=job["maxn"],
        dim=SETTINGS["dim"],
        epoch=job["epoch"],
        window=SETTINGS["window"],
        neg=SETTINGS["neg"],
        min_count=SETTINGS["min_count"],
        bucket=SETTINGS["bucket"],
        lr=SETTINGS["lr"],
        sample=SETTINGS["sample"],
        threads=job["threads"],
        seed=job.get("seed", 0),
        model=job.get("model", "skipgram"),
        loss=job.get("loss", "ns"),
        progress=True,
    )
    options.update(job.get("trainer_options", {}))  # bench_protocol's --trainer-option: a variant trainer
    # A cold start, as fastText's: an empty cache folder, so that the jamo run does not reuse the encoded corpus
    # the syllable run cached (the word ids do not depend on the scheme). (bench_protocol's corpus folder is
    # writable and holds its cache beside the corpus: it removes that itself.)
    with tempfile.TemporaryDirectory() as cache, mock.patch.dict(os.environ, KOFASTTEXT_CACHE=cache):
        started = time.perf_counter()
        model = train(job["train_path"], **options)
        return time.perf_counter() - started, model


TRAINERS = {"fasttext": train_fasttext, "gensim": train_gensim, "kofasttext": train_kofasttext}
MODEL_SUFFIX = {"fasttext": ".bin", "kofasttext": ".kft"}  # the systems --save-models keeps


def save_model(model, job: dict) -> str:
    path = os.path.join(job["save_dir"], f"{job['system']}_{job['scheme']}{MODEL_SUFFIX[job['system']]}")
    if job["system"] == "fasttext":
        model.save_model(path)
    else:
        model.save(path)
    return path


# -- worker: the models as WordVectors ---------------------------------------------
# fastText and gensim were trained on jamo text for the jamo scheme: their words
# are composed back into syllables, and queries decomposed, so every model is
# asked about the same (syllable) words.


def fasttext_vectors(model, jamo: bool):
    from kofasttext.evaluate import WordVectors
    from kofasttext.hangul import from_jamo, to_jamo

    words = [word for word in model.words if word != "</s>"]  # fastText's end-of-line token
    matrix = np.stack([model.get_word_vector(word) for word in words])
    if not jamo:
        return WordVectors(words, matrix, model.get_word_vector, "fastText")
    return WordVectors([from_jamo(w) for w in words], matrix, lambda w: model.get_word_vector(to_jamo(w)), "fastText")


def gensim_vectors(model, jamo: bool):
    from kofasttext.evaluate import WordVectors
    from kofasttext.hangul import from_jamo, to_jamo

    wv = model.wv
    encode = to_jamo if jamo else str

    def vector(word: str) -> np.ndarray:
        try:
            return wv.get_vector(encode(word))
        except KeyError:  # no n-gram of the word could be formed
            return np.zeros(wv.vector_size, dtype=np.float32)

    # wv.vectors already holds each word's own row plus its n-gram rows, averaged.
    words = [from_jamo(w) for w in wv.index_to_key] if jamo else list(wv.index_to_key)
    return WordVectors(words, np.asarray(wv.vectors), vector, "gensim")


def kofasttext_vectors(model, jamo: bool):
    from kofasttext.evaluate import WordVectors

    return WordVectors.from_model(model, name="kofasttext")


TO_VECTORS = {"fasttext": fasttext_vectors, "gensim": gensim_vectors, "kofasttext": kofasttext_vectors}


# -- worker: quality ---------------------------------------------------------------


def evaluate(vectors, job: dict) -> dict:
    from kofasttext.evaluate import logistic_probe, oov_conjugations, oov_typos

    with open(job["eval_path"], encoding="utf-8") as handle:
        inputs = json.load(handle)
    exclude = set(inputs["exclude"])
    lemmas = [tuple(lemma) for lemma in inputs["lemmas"]]
    print(f"evaluating {LABELS[job['system']]} ({job['scheme']}) ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    probe = logistic_probe(vectors, job["data"])
    typos = oov_typos(vectors, source_words=inputs["source_words"], exclude=exclude)
    conjugations = oov_conjugations(vectors, lemmas=lemmas, exclude=exclude)
    return {
        "nsmc_lr_accuracy": probe.accuracy,
        "nsmc_oov_share": probe.oov_share,
        "typos": typos.as_dict(),
        "conjugations": conjugations.as_dict(),
        "neighbours": {word: vectors.nearest(word) for word in NEIGHBOUR_QUERIES},
        "evaluation_seconds": time.perf_counter() - started,
    }


def worker_main(job: dict) -> None:
    # The result goes to the real stdout as one marked line; anything the
    # libraries print there (C++ code too) is sent to stderr with the progress.
    sys.stdout.flush()
    result_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)

    seconds, model = TRAINERS[job["system"]](job)
    # ru_maxrss is in KiB on Linux; read it before evaluation allocates anything.
    peak_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    saved = save_model(model, job) if job.get("save_dir") and job["system"] in MODEL_SUFFIX else None
    vectors = TO_VECTORS[job["system"]](model, job["scheme"] == "jamo")
    result = {
        "saved_model": saved,
        "system": job["system"],
        "scheme": job["scheme"],
        "train_seconds": seconds,
        "peak_rss_mib": peak_rss_kib / 1024,
        "vocab_size": len(vectors.words),
        **evaluate(vectors, job),
    }
    result_stream.write(RESULT_PREFIX + json.dumps(result) + "\n")
    result_stream.flush()


# -- parent: the report ------------------------------------------------------------

COLUMNS = (
    "system", "train s", "words/s", "x fastText", "x gensim", "peak RSS (MiB)", "NSMC LR acc (%)",
    "typo hit@10", "typo MRR", "conj hit@10", "conj MRR", "vocab",
)  # fmt: skip


def add_speed(results: list[dict], tokens: int, epochs: int) -> None:
    """words/s of every row, and its ratio to fastText's and gensim's of the same scheme."""
    for row in results:
        if "error" not in row:
            row["words_per_second"] = tokens * epochs / row["train_seconds"]
    for row in results:
        for reference in ("fasttext", "gensim"):
            other = next((r for r in results if r["system"] == reference and r["scheme"] == row["scheme"]), None)
            if "error" not in row and other is not None and "error" not in other:
                row[f"x_{reference}"] = row["words_per_second"] / other["words_per_second"]


def table_row(row: dict) -> list[str]:
    if "error" in row:
        return [LABELS[row["system"]], f"failed: {row['error']}"] + [""] * (len(COLUMNS) - 2)

    def ratio(key):
        return f"{row[key]:.2f}" if key in row else "-"

    return [
        LABELS[row["system"]],
        f"{row['train_seconds']:.1f}",
        f"{row['words_per_second']:,.0f}",
        ratio("x_fasttext"),
        ratio("x_gensim"),
        f"{row['peak_rss_mib']:,.0f}",
        f"{100 * row['nsmc_lr_accuracy']:.2f}",
        f"{row['typos']['hit@10']:.3f}",
        f"{row['typos']['mrr']:.3f}",
        f"{row['conjugations']['hit@10']:.3f}",
        f"{row['conjugations']['mrr']:.3f}",
        f"{row['vocab_size']:,}",
    ]


def scheme_report(scheme: str, rows: list[dict], title: str, seen: set[str]) -> str:
    minn, maxn = SCHEMES[scheme]
    lines = [
        f"### {scheme} scheme (minn {minn}, maxn {maxn}) -- {title}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(table_row(row)) + " |" for row in rows]
    lines.append("")
    for row in rows:
        if "error" in row:
            continue
        lines.append(
            f"- {LABELS[row['system']]}: {row['typos']['queries']} typo and {row['conjugations']['queries']} "
            f"conjugation queries; evaluation took {row['evaluation_seconds']:.0f} s"
        )
    for word in NEIGHBOUR_QUERIES:
        mark = " (in the corpus)" if word in seen else ""
        found = "; ".join(f"{LABELS[r['system']]}: {', '.join(r['neighbours'][word]) or '-'}" for r in rows if "error" not in r)
        lines.append(f"- neighbours of {word}{mark}: {found}")
    return "\n".join(lines)


def machine() -> dict:
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), model)
    except OSError:
        pass
    uname = os.uname()
    return {
        "os": f"{uname.sysname} {uname.release} {uname.machine}",
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
    }


def versions(systems: list[str]) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in [*systems, "torch", "numpy"]:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


# -- parent: main ------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--schemes", nargs="+", choices=list(SCHEMES), default=list(SCHEMES))
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--epoch", type=int, default=None, help="default 5 (1 with --quick)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", choices=("skipgram", "cbow"), default="skipgram", help="what every system trains")
    parser.add_argument(
        "--loss", choices=("ns", "hs"), default="ns", help="negative sampling or hierarchical softmax, for every system"
    )
    parser.add_argument(
        "--json", default=None, help="default benchmarks/results/bench_train.json (bench_train_quick.json with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help=f"smoke test: the first {QUICK_LINES:,} lines, 1 epoch")
    parser.add_argument("--save-models", metavar="DIR", help="keep the fastText and kofasttext models in DIR (default: not kept)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one job, as JSON
    args = parser.parse_args(argv)
    if args.epoch is None:
        args.epoch = 1 if args.quick else 5
    if args.json is None:
        name = "bench_train_quick.json" if args.quick else "bench_train.json"
        args.json = os.path.join(SCRIPT_DIR, "results", name)
    if args.epoch < 1 or args.threads < 1:
        parser.error("--epoch and --threads must be positive")
    return args


def check_installed(systems: list[str]) -> None:
    for system in systems:
        if importlib.util.find_spec(system) is None:
            raise SystemExit(f"bench_train: {LABELS[system]} is not installed ({INSTALL[system]})")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker_main(json.loads(args.worker))
        return
    # Keep the table order whatever order the systems were named in.
    systems = [s for s in SYSTEMS if s in args.systems]
    schemes = [s for s in SCHEMES if s in args.schemes]
    check_installed(systems)
    corpus_path = os.path.join(args.data, "nsmc", "corpus.txt.gz")
    for needed in (corpus_path, os.path.join(args.data, "nsmc", "train.tsv"), os.path.join(args.data, "nsmc", "test.tsv")):
        if not os.path.isfile(needed):
            raise SystemExit(f"bench_train: {needed} not found (give --data DIR or set KOFASTTEXT_DATA)")

    if args.save_models:
        os.makedirs(args.save_models, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench_train_") as folder:
        print("preparing the corpus (not timed) ...", file=sys.stderr, flush=True)
        corpus = prepare_corpus(corpus_path, folder, QUICK_LINES if args.quick else None)
        eval_path = os.path.join(folder, "evaluation.json")
        word_lists = write_evaluation_inputs(corpus["counts"], eval_path)
        print(
            f"{corpus['lines']:,} lines, {corpus['tokens']:,} tokens, {word_lists['types']:,} word types, "
            f"{word_lists['lemmas']} lemmas for the conjugation check",
            file=sys.stderr,
            flush=True,
        )
        results = []
        for scheme in schemes:
            minn, maxn = SCHEMES[scheme]
            for system in systems:
                job = {
                    "system": system,
                    "scheme": scheme,
                    "minn": minn,
                    "maxn": maxn,
                    "epoch": args.epoch,
                    "threads": args.threads,
                    "model": args.model,
                    "loss": args.loss,
                    # kofasttext reads the corpus itself; the others read the prepared words.
                    "train_path": corpus["raw_path"] if system == "kofasttext" else corpus["paths"][scheme],
                    "eval_path": eval_path,
                    "data": os.path.abspath(args.data),
                    "save_dir": os.path.abspath(args.save_models) if args.save_models else None,
                }
                results.append(run_worker(job))
    add_speed(results, corpus["tokens"], args.epoch)

    what = f"first {corpus['lines']:,} lines" if args.quick else "corpus"
    title = (
        f"{'QUICK SMOKE TEST: ' if args.quick else ''}NSMC {what} ({corpus['tokens']:,} tokens), "
        f"{args.model}, loss {args.loss}, epoch {args.epoch}, threads {args.threads}"
    )
    notes = [
        "words/s = corpus tokens x epochs / wall seconds of the whole training call (reading and vocabulary included).",
        "kofasttext reads and tokenises the corpus file itself inside its timed call (with `threads` worker "
        "processes); fastText and gensim read a plain-text copy already cut into the same words (jamo-decomposed "
        "for the jamo scheme). Each system's modules (torch for kofasttext) are imported before its clock starts.",
        "fastText also trains on an end-of-line token </s> per line, not counted in the tokens.",
        "fastText and gensim average a word's rows, kofasttext sums them: cosine neighbours are the same either way, "
        "review means weight words differently.",
        "peak RSS is that of the process that trained the model, read right after training; it includes the "
        "interpreter and the system's own imports (torch for kofasttext).",
        "fastText initialises only min(thread, 10) tenths of its input matrix at random and leaves the rest zero "
        "(facebookresearch/fastText issue #1061): with few threads most n-gram rows start at zero and many of "
        "their pages are never touched, which lowers its peak RSS.",
    ]
    if args.loss == "hs":
        notes.append("hierarchical softmax: no negatives are drawn (the neg setting is not used).")
    skipped = [LABELS[s] for s in SYSTEMS if s not in systems]
    if skipped:
        notes.append(f"not run (not requested): {', '.join(skipped)}.")
    host = machine()
    date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    command = shlex.join(["python", *sys.argv])
    seen = set(corpus["counts"]).intersection(NEIGHBOUR_QUERIES)

    report = [scheme_report(s, [r for r in results if r["scheme"] == s], title, seen) for s in schemes]
    print("\n" + "\n\n".join(report) + "\n")
    print("\n".join(f"Note: {note}" for note in notes))
    print(
        f"\nMachine: {host['os']}, {host['cpus']} CPUs ({host['cpu_model']}), Python {host['python']}; "
        f"{date}; whole run {time.monotonic() - started:.0f} s; command: `{command}`"
    )

    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "title": title,
                "quick": args.quick,
                "settings": {
                    **SETTINGS,
                    "epoch": args.epoch,
                    "threads": args.threads,
                    "model": args.model,
                    "loss": args.loss,
                    "schemes": {s: SCHEMES[s] for s in schemes},
                },
                "corpus": {"path": corpus_path, "lines": corpus["lines"], "tokens": corpus["tokens"], **word_lists},
                "results": results,
                "notes": notes,
                "machine": host,
                "versions": versions(systems),
                "date": date,
                "command": command,
            },
            handle,
            ensure_ascii=False,
            indent=1,
        )
    print(f"wrote {args.json}", file=sys.stderr)
    failed = [f"{LABELS[r['system']]} ({r['scheme']})" for r in results if "error" in r]
    if failed:
        raise SystemExit(f"bench_train: failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
