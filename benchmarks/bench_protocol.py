"""Issue 12's fair comparison protocol: fastText C++ and kofasttext, several seeds, mean and sd of every measure.

For each corpus (``nsmc``: ``DATA/nsmc/corpus.txt.gz``; ``nsmc+general``: that followed by
``DATA/general/corpus.txt.gz``, where WS353 and the semantic analogies have enough words in the vocabulary to
mean something), each scheme (syllable 2-4, jamo 3-6) and each seed, fastText and then kofasttext train
skip-gram vectors with `bench_train.SETTINGS`, back to back, each in a fresh worker process. Both train on one
pre-cut copy of the corpus (the words `split_words` cuts, space-joined; fastText gets a jamo copy for the jamo
scheme, kofasttext decomposes by itself), so their vocabularies match; each entry says whether its vocabulary is
the corpus's (its words of at least ``min_count``).

Every model of a corpus is scored by the same code on the same items, drawn once per corpus: the one-jamo typos
and unseen conjugations of the corpus vocabulary that are no word of the corpus (hit@10), the NSMC logistic probe,
WS353 (Spearman, and how many pairs are in the vocabulary) and the sem / syn analogies whose four words are in the
corpus vocabulary. Speed is words/s (corpus tokens x epochs / wall seconds of the whole training call) and its
ratio to fastText's of the same corpus, scheme and seed.

Entries are merged into ``--json`` after each training, keyed by (corpus, scheme, seed, system), and a run skips
the entries already there (``--redo`` retrains them), so a stopped run resumes. ``--label NAME`` stores
kofasttext's entries under another name and ``--trainer-option KEY=VALUE`` passes options to `kofasttext.train`:
a variant trainer is compared with the fastText runs already measured. ``--report`` only prints the tables.
Not a unit test: run it by hand on an idle machine (~2 hours on 2 cores for everything).

    python benchmarks/bench_protocol.py [--data DIR] [--corpora nsmc nsmc+general] [--schemes syllable jamo]
        [--seeds 0 1 2] [--systems fasttext kofasttext] [--epoch 5] [--threads 2]
        [--trainer-option KEY=VALUE ...] [--label kofasttext] [--json FILE] [--redo] [--report] [--quick]

``--quick`` (a smoke test) trains on the first 60,000 lines of each corpus file for one epoch and writes
``bench_protocol_quick.json``.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import hashlib
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from itertools import islice

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPT_DIR)

import bench_train  # noqa: E402  (found through the sys.path line above)

CORPORA = {"nsmc": ("nsmc",), "nsmc+general": ("nsmc", "general")}  # the DATA/<part>/corpus.txt.gz files, in order
SCHEMES = bench_train.SCHEMES
SYSTEMS = ("fasttext", "kofasttext")
QUICK_LINES = bench_train.QUICK_LINES
SPEED_GOAL = 2.0  # issue 12, point 3: kofasttext's words/s at least twice fastText's
# std::minstd_rand(0) is the same engine as minstd_rand(1) (a zero seed becomes 1), and fastText seeds thread
# (and init block) k of seed s with s + k: its seeds 0, 1, 2 would share random streams. Seed s is given to
# fastText as 1 + 1000 s, its own streams for up to 1000 threads; seed 0 is then fastText's default run.
FASTTEXT_SEED_STRIDE = 1000
RESULT_PREFIX = "BENCH_PROTOCOL_RESULT "
NOTES = (
    "words/s = corpus tokens x epochs / wall seconds of the whole training call (reading and vocabulary included); "
    "x fastText is the mean of the per-seed ratios to fastText's run of the same corpus, scheme and seed.",
    "kofasttext's encoded-corpus cache is removed before each of its runs: like fastText, it reads and counts "
    "the text inside its timed call every time.",
    f"fastText gets seed 1 + {FASTTEXT_SEED_STRIDE} x seed (its seeds 0 and 1 are the same run, and "
    "consecutive seeds share per-thread random streams).",
    "each cell: mean ± sample sd (seeds); a goal is met when kofasttext's mean >= fastText's; for WS353 a "
    "difference smaller than the pooled sd is a tie, and counts as met.",
)


# -- parent: the corpus, cut once ------------------------------------------------------


def precut(data: str, corpus: str, folder: str, max_lines: int | None) -> dict:
    """Write ``corpus`` as space-joined words, and in jamo for fastText's jamo scheme, and count its words.

    As in `bench_train.prepare_corpus`: writing the words `split_words` cuts, rather than the raw lines, makes
    both systems see exactly the same tokens. ``max_lines`` applies to each file of the corpus.
    """
    from kofasttext.corpus import iter_lines

    paths = {"syllable": os.path.join(folder, f"{corpus}.txt"), "jamo": os.path.join(folder, f"{corpus}.jamo.txt")}
    sources = [os.path.join(data, part, "corpus.txt.gz") for part in CORPORA[corpus]]
    counts: Counter = Counter()
    lines = 0
    with open(paths["syllable"], "w", encoding="utf-8") as plain, open(paths["jamo"], "w", encoding="utf-8") as jamo:
        for source in sources:
            for line in islice(iter_lines(source), max_lines):
                lines += 1
                bench_train.write_words(line, plain, jamo, counts)
    return {"paths": paths, "sources": sources, "lines": lines, "tokens": sum(counts.values()), "counts": counts}


def evaluation_items(counts: Counter, path: str) -> dict:
    """Draw the items every model of the corpus is scored on and write them to ``path``: the corpus vocabulary
    (words of at least min_count, which both systems keep) and the typo and conjugation query sets."""
    from kofasttext.evaluate.oov import LEMMA_SOURCE_WORDS, conjugation_queries, typo_queries, vocabulary_lemmas

    # most_common keeps first-appearance order among equal counts: the same list on every run.
    vocabulary = [word for word, count in counts.most_common() if count >= bench_train.SETTINGS["min_count"]]
    known, corpus_words = set(vocabulary), set(counts)
    # oov_query_sets' own two builders, called directly: its cache is keyed by the corpus file, here a new
    # temporary one each run, so it would only fill the cache folder.
    lemmas = vocabulary_lemmas(vocabulary, LEMMA_SOURCE_WORDS)
    sets = {
        "typos": typo_queries(vocabulary, known, corpus_words).to_json(),
        "conjugations": conjugation_queries(lemmas, known, corpus_words).to_json(),
    }
    items = {"vocabulary": vocabulary, **sets}
    text = json.dumps(items, ensure_ascii=False, sort_keys=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return {
        "types": len(counts),
        "vocabulary": len(vocabulary),
        "typo_queries": len(sets["typos"]["queries"]),
        "conjugation_queries": len(sets["conjugations"]["queries"]),
        # A resumed run must score on the items the stored entries were scored on.
        "items_digest": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
    }


# -- worker: one training and its scores ---------------------------------------------------


def evaluate(vectors, job: dict) -> dict:
    from kofasttext.evaluate import QuerySet, analogies, logistic_probe, score_queries, word_similarity

    with open(job["items_path"], encoding="utf-8") as handle:
        items = json.load(handle)
    vocabulary = items["vocabulary"]
    print(f"evaluating {job['title']} ...", file=sys.stderr, flush=True)
    probe = logistic_probe(vectors, job["data"])
    similarity = word_similarity(vectors, job["data"])
    analogy = analogies(vectors, job["data"], only_words=set(vocabulary))
    return {
        "vocab_size": len(vectors.words),
        "vocab_matches_corpus": len(vectors.words) == len(vocabulary) and set(vectors.words) == set(vocabulary),
        "probe": probe.accuracy,
        "ws353": similarity.as_dict(),
        "analogy": {group: {"accuracy": analogy.accuracy[group], "covered": analogy.covered[group]} for group in ("sem", "syn")},
        **{kind: score_queries(vectors, QuerySet.from_json(items[kind])).as_dict() for kind in ("typos", "conjugations")},
    }


def worker_main(job: dict) -> None:
    # As bench_train.worker_main: the result goes to the real stdout as one marked line, and whatever the
    # libraries print there (C++ code too) goes to stderr with the progress.
    sys.stdout.flush()
    result_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    seconds, model = bench_train.TRAINERS[job["system"]](job)
    vectors = bench_train.TO_VECTORS[job["system"]](model, job["scheme"] == "jamo")
    result_stream.write(RESULT_PREFIX + json.dumps({"train_seconds": seconds, **evaluate(vectors, job)}) + "\n")
    result_stream.flush()


# -- parent: running the trainings ---------------------------------------------------------


def run_worker(job: dict, script: str = __file__, prefix: str = RESULT_PREFIX) -> dict:
    """Train and score one model in a fresh process (``script --worker JOB``, which prints its result as one
    ``prefix`` line), so that its timing and memory are its own."""
    print(f"\n== {job['title']}", file=sys.stderr, flush=True)
    command = [sys.executable, os.path.abspath(script), "--worker", json.dumps(job)]
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    results = [line[len(prefix) :] for line in completed.stdout.splitlines() if line.startswith(prefix)]
    if completed.returncode != 0 or not results:
        return {"error": f"worker exited with code {completed.returncode}"}
    return json.loads(results[-1])


def entry_key(corpus: str, scheme: str, seed: int, label: str) -> str:
    return f"{corpus} {scheme} {seed} {label}"


def run_corpus(args, corpus: str, result: dict, folder: str, run_id: str, save) -> list[str]:
    """Train and score every missing entry of ``corpus``; returns the entries that failed."""
    labels = {"fasttext": "fasttext", "kofasttext": args.label}
    wanted = [(scheme, seed, system) for scheme in args.schemes for seed in args.seeds for system in args.systems]
    entries = result["entries"]
    for scheme, seed, system in wanted:
        stored = entries.get(entry_key(corpus, scheme, seed, labels[system]))
        if system == "kofasttext" and stored and stored["trainer_options"] != args.trainer_options and not args.redo:
            raise SystemExit(
                f"bench_protocol: {args.label} was trained with {stored['trainer_options']}; give --redo or another --label"
            )
    todo = [w for w in wanted if args.redo or entry_key(corpus, w[0], w[1], labels[w[2]]) not in entries]
    if not todo:
        return []
    print(f"preparing {corpus} (not timed) ...", file=sys.stderr, flush=True)
    prepared = precut(args.data, corpus, folder, QUICK_LINES if args.quick else None)
    items_path = os.path.join(folder, f"{corpus}.items.json")
    summary = {"sources": prepared["sources"], "lines": prepared["lines"], "tokens": prepared["tokens"]}
    summary.update(evaluation_items(prepared["counts"], items_path))
    old = result["corpora"].get(corpus)
    if old and old["items_digest"] != summary["items_digest"]:
        raise SystemExit(f"bench_protocol: {corpus}'s evaluation items differ from those of {args.json}; give another --json")
    result["corpora"][corpus] = summary
    print(f"{corpus}: {json.dumps(summary)}", file=sys.stderr, flush=True)

    failed = []
    for scheme, seed, system in todo:  # per (scheme, seed): fastText, then kofasttext, back to back
        minn, maxn = SCHEMES[scheme]
        job = {
            "system": system, "label": labels[system], "title": f"{labels[system]} ({corpus}, {scheme}, seed {seed})",
            "corpus": corpus, "scheme": scheme, "minn": minn, "maxn": maxn, "epoch": args.epoch, "threads": args.threads,
            "items_path": items_path, "data": os.path.abspath(args.data),
            "seed": 1 + FASTTEXT_SEED_STRIDE * seed if system == "fasttext" else seed,
            # kofasttext decomposes the syllable text itself for the jamo scheme.
            "train_path": prepared["paths"]["syllable" if system == "kofasttext" else scheme],
        }  # fmt: skip
        if system == "kofasttext":
            job["trainer_options"] = args.trainer_options
            for cache in glob.glob(os.path.join(folder, ".*.kftcache")):
                os.remove(cache)  # a cold start, as fastText's: see NOTES
        scores = run_worker(job)
        epochs = job.get("trainer_options", {}).get("epoch", args.epoch)  # a variant may train longer
        if "error" in scores:
            failed.append(f"{job['title']}: {scores['error']}")
            continue
        entries[entry_key(corpus, scheme, seed, job["label"])] = {
            "corpus": corpus, "scheme": scheme, "seed": seed, "system": system, "label": job["label"],
            "library_seed": job["seed"], "trainer_options": job.get("trainer_options"), "run": run_id,
            "words_per_second": prepared["tokens"] * epochs / scores["train_seconds"], **scores,
        }  # fmt: skip
        save()
    return failed


# -- the report --------------------------------------------------------------------------

# (column, value of an entry, format, the count shown beside it)
MEASURES = (
    ("probe %", lambda e: 100 * e["probe"], "{:.2f}", None),
    ("WS353", lambda e: e["ws353"]["spearman"], "{:.3f}", lambda e: f"{e['ws353']['in_vocabulary']}/{e['ws353']['pairs']} pairs"),
    ("sem", lambda e: e["analogy"]["sem"]["accuracy"], "{:.3f}", lambda e: f"{e['analogy']['sem']['covered']:,} items"),
    ("syn", lambda e: e["analogy"]["syn"]["accuracy"], "{:.3f}", lambda e: f"{e['analogy']['syn']['covered']:,} items"),
    ("typo hit@10", lambda e: e["typos"]["hit@10"], "{:.3f}", lambda e: f"{e['typos']['queries']} queries"),
    ("conj hit@10", lambda e: e["conjugations"]["hit@10"], "{:.3f}", lambda e: f"{e['conjugations']['queries']} queries"),
)


def mean_sd(values: list[float]) -> tuple[float, float | None]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else None


def cell(values: list[float], fmt: str, counts: list[str] = ()) -> str:
    if not values:
        return "-"
    mean, sd = mean_sd(values)
    text = fmt.format(mean) + ("" if sd is None else " ± " + fmt.format(sd)) + f" ({len(values)})"
    counts = sorted(set(counts))
    return text + (f", {' / '.join(counts)}" if counts else "")


def speed_ratios(rows: list[dict], fasttext: dict[int, dict]) -> list[tuple[float, bool]]:
    """(words/s over fastText's of the same seed, whether both were trained in one sitting) per seed."""
    return [
        (row["words_per_second"] / fasttext[row["seed"]]["words_per_second"], row["run"] == fasttext[row["seed"]]["run"])
        for row in rows
        if row["seed"] in fasttext
    ]


def goal_lines(label: str, rows: list[dict], reference: list[dict], ratios: list[float]) -> list[str]:
    lines = []
    if ratios:
        mean = statistics.mean(ratios)
        verdict = "met" if mean >= SPEED_GOAL else "NOT met"
        lines.append(f"- goal words/s: {label} x{mean:.2f} fastText, >= {SPEED_GOAL:g}: {verdict}")
    for name, value, fmt, _ in MEASURES:
        ours, theirs = [value(r) for r in rows], [value(r) for r in reference]
        if not ours or not theirs:
            continue
        (a, sd_a), (b, sd_b) = mean_sd(ours), mean_sd(theirs)
        # Equal means are met: the same hits over the seeds, counted differently (sem 43 + 54 + 52 of 515 against
        # 51 + 47 + 51), give means a rounding apart.
        verdict = "met" if a >= b or math.isclose(a, b, rel_tol=1e-9) else "NOT met"
        if name == "WS353" and a < b and sd_a is not None and sd_b is not None:
            pooled = ((sd_a**2 + sd_b**2) / 2) ** 0.5
            if b - a < pooled:
                verdict = f"tie (difference {fmt.format(b - a)} < pooled sd {fmt.format(pooled)}), met"
        lines.append(f"- goal {name}: {label} {fmt.format(a)} vs fastText {fmt.format(b)}: {verdict}")
    return lines


def label_lines(label: str, group: list[dict], ratios: list[tuple[float, bool]], info: dict) -> tuple[str, str]:
    """The table row of one system, and the line under the table on its vocabulary and seeds."""
    name = "fastText" if label == "fasttext" else label
    cells = [
        name,
        cell([e["words_per_second"] for e in group], "{:,.0f}"),
        cell([ratio for ratio, _ in ratios], "{:.2f}"),
    ]
    for _, value, fmt, count in MEASURES:
        cells.append(cell([value(e) for e in group], fmt, [count(e) for e in group] if count else ()))
    sizes = " / ".join(f"{size:,}" for size in sorted({e["vocab_size"] for e in group}))
    matches = "the" if all(e["vocab_matches_corpus"] for e in group) else "NOT the"
    note = f"- {name}: vocabulary {sizes} words ({matches} corpus vocabulary of {info['vocabulary']:,}"
    note += ", and fastText's </s>)" if label == "fasttext" else ")"
    note += f"; seeds {', '.join(str(e['seed']) for e in group)}"
    if not all(same for _, same in ratios):
        note += "; some x fastText against fastText runs of another sitting"
    if group[0].get("trainer_options"):
        note += f"; trainer options {group[0]['trainer_options']}"
    return "| " + " | ".join(cells) + " |", note


def scheme_report(corpus: str, scheme: str, rows: list[dict], info: dict, settings: dict) -> str:
    # fastText first, then kofasttext, then the variants by name
    labels = sorted({e["label"] for e in rows}, key=lambda name: (name != "fasttext", name != "kofasttext", name))
    by_label = {label: sorted((e for e in rows if e["label"] == label), key=lambda e: e["seed"]) for label in labels}
    fasttext = {e["seed"]: e for e in by_label.get("fasttext", [])}
    minn, maxn = SCHEMES[scheme]
    quick = "QUICK SMOKE TEST: " if settings["quick"] else ""
    table = [
        f"### {quick}{corpus}, {scheme} (minn {minn}, maxn {maxn}): {info['lines']:,} lines, {info['tokens']:,} tokens, "
        f"epoch {settings['epoch']}, threads {settings['threads']}",
        "",
        "| system | words/s | x fastText | " + " | ".join(name for name, *_ in MEASURES) + " |",
        "|---|---|---|" + "---|" * len(MEASURES),
    ]
    notes, goals = [], []
    for label in labels:
        group = by_label[label]
        ratios = [] if label == "fasttext" else speed_ratios(group, fasttext)
        row, note = label_lines(label, group, ratios, info)
        table.append(row)
        notes.append(note)
        if label != "fasttext" and fasttext:
            goals += goal_lines(label, group, list(fasttext.values()), [ratio for ratio, _ in ratios])
    return "\n".join([*table, "", *notes, *goals])


def report(result: dict) -> str:
    entries = list(result["entries"].values())
    parts = []
    for corpus in (c for c in CORPORA if c in result["corpora"]):
        for scheme in SCHEMES:
            rows = [e for e in entries if e["corpus"] == corpus and e["scheme"] == scheme]
            if rows:
                parts.append(scheme_report(corpus, scheme, rows, result["corpora"][corpus], result["settings"]))
    return "\n\n".join(parts) + "\n\n" + "\n".join(f"Note: {note}" for note in NOTES)


# -- parent: main --------------------------------------------------------------------------


def git_commit() -> str | None:
    """The work tree's commit (``-dirty`` when it has changes): which kofasttext a run measured."""
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=SCRIPT_DIR, capture_output=True, text=True)
    except OSError:
        return None
    return described.stdout.strip() or None


def trainer_option(text: str) -> tuple[str, object]:
    """``"lr=0.025"`` -> ``("lr", 0.025)``: the value read as JSON (numbers, true, [2, 3]), else kept as text."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--corpora", nargs="+", choices=list(CORPORA), default=list(CORPORA))
    parser.add_argument("--schemes", nargs="+", choices=list(SCHEMES), default=list(SCHEMES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--epoch", type=int, default=None, help="default 5 (1 with --quick)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--trainer-option", type=trainer_option, action="append", default=[], metavar="KEY=VALUE",
                        help="passed to kofasttext.train (repeatable)")  # fmt: skip
    parser.add_argument("--label", default="kofasttext", help="name kofasttext's entries are stored under")
    parser.add_argument("--json", help="default benchmarks/results/bench_protocol.json (bench_protocol_quick.json with --quick)")
    parser.add_argument("--redo", action="store_true", help="retrain the entries asked for even if they are in --json")
    parser.add_argument("--report", action="store_true", help="only print the tables of --json")
    parser.add_argument("--quick", action="store_true", help=f"smoke test: the first {QUICK_LINES:,} lines of each file, 1 epoch")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one job, as JSON
    args = parser.parse_args(argv)
    if args.epoch is None:
        args.epoch = 1 if args.quick else 5
    if args.json is None:
        args.json = os.path.join(SCRIPT_DIR, "results", "bench_protocol_quick.json" if args.quick else "bench_protocol.json")
    if args.epoch < 1 or args.threads < 1:
        parser.error("--epoch and --threads must be positive")
    if args.label == "fasttext":
        parser.error("--label fasttext is fastText's own")
    # Keep the table and training order whatever order they were named in.
    args.corpora = [c for c in CORPORA if c in args.corpora]
    args.schemes = [s for s in SCHEMES if s in args.schemes]
    args.systems = [s for s in SYSTEMS if s in args.systems]
    args.seeds = list(dict.fromkeys(args.seeds))
    args.trainer_options = dict(args.trainer_option)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker_main(json.loads(args.worker))
        return
    settings = {**bench_train.SETTINGS, "epoch": args.epoch, "threads": args.threads, "quick": args.quick}
    result = {"settings": settings, "corpora": {}, "entries": {}, "runs": []}
    if os.path.exists(args.json):
        with open(args.json, encoding="utf-8") as handle:
            result = json.load(handle)
    elif args.report:
        raise SystemExit(f"bench_protocol: {args.json} not found")
    if args.report:
        print(report(result))
        return
    if result["settings"] != settings:
        raise SystemExit(f"bench_protocol: {args.json} holds runs with {result['settings']}; give another --json")
    bench_train.check_installed(args.systems)
    needed = [os.path.join(args.data, part, "corpus.txt.gz") for c in args.corpora for part in CORPORA[c]]
    needed += [os.path.join(args.data, *p) for p in (("nsmc", "train.tsv"), ("nsmc", "test.tsv"), ("eval", "ws353_ko.csv"))]
    needed.append(os.path.join(args.data, "eval", "analogy_ko.txt"))
    for path in dict.fromkeys(needed):
        if not os.path.isfile(path):
            raise SystemExit(f"bench_protocol: {path} not found (give --data DIR or set KOFASTTEXT_DATA)")

    run_id = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    result["runs"].append({
        "date": run_id, "command": shlex.join(["python", *sys.argv]), "machine": bench_train.machine(),
        "versions": bench_train.versions(["fasttext", "kofasttext"]), "commit": git_commit(), "label": args.label,
        "trainer_options": args.trainer_options,
    })  # fmt: skip

    def save() -> None:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json + ".tmp", "w", encoding="utf-8") as handle:
            json.dump(result, handle, ensure_ascii=False, indent=1)
        os.replace(args.json + ".tmp", args.json)
        print(f"wrote {args.json}", file=sys.stderr, flush=True)

    failed = []
    with tempfile.TemporaryDirectory(prefix="bench_protocol_") as folder:
        for corpus in args.corpora:
            failed += run_corpus(args, corpus, result, folder, run_id, save)  # saves after each entry
    print(report(result))
    if failed:
        raise SystemExit("bench_protocol: failed: " + "; ".join(failed))


if __name__ == "__main__":
    main()
