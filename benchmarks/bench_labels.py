"""Label efficiency: NSMC test accuracy against the number of labelled training reviews (issue 12, point 4).

Three systems are fitted on seeded random samples of NSMC train (1,500 / 15,000 / 150,000 reviews by default) and
tested on the whole NSMC test set, each from pretrained rows and from random rows:

* ``classifier``: `kofasttext.TextClassifier` (its default settings unless ``--classifier-option`` says; over
  every ``--model``, its members alternating over them); random rows are
  ``TextClassifier(model, pretrained=False)``, the same network, vocabulary and subword composition with rows
  drawn from a Gaussian of the pretrained rows' scale (as in ``bench_quality.py``).
* ``linear``: `kofasttext.LinearClassifier` (logistic regression on four means of the words' input and output rows,
  its L2 penalty cross-validated); random rows are the untrained model below, whose output rows are zero as a
  new model's are.
* ``probe``: `kofasttext.evaluate.probe`'s logistic regression on mean review vectors; random rows are an
  untrained model of the same shape: the same vocabulary, subword rows and pretokeniser, its input matrix
  drawn like the classifier's random rows. The probe standardises its features, so the scale of the random
  rows does not matter; only what training put into them does.

Quiet choices, made here:

* The sample of a size at a seed is the first ``size`` reviews of one permutation of NSMC train drawn with that
  seed, so at one seed the samples are nested (the 1,500 lie inside the 15,000) and both systems and both kinds
  of rows see the same reviews. The seed also seeds the classifier and the random rows.
* A size that is the whole training set is fitted at the first seed only (the sample is then the same for every
  seed, only the classifier's initialisation would differ), unless ``--all-seeds``.
* The probe's fit seconds are the logistic regression's alone: the review vectors are computed once per set of
  rows and shared by every size.

Each fit is merged into ``--json`` as it ends, keyed by system, rows, size and seed, so a run can be split
(``--sizes 150000``) or stopped and resumed; fits already there are not redone. The JSON also records the
model, test set and classifier options it was measured with, and refuses to mix results from another
(``--classifier-option KEY=VALUE`` sets a `ClassifierSettings` field for every classifier fit: a variant gets
its own ``--json``). ``--report`` prints the table and draws the PNG from the JSON alone.

Not a unit test: run it by hand on an idle machine.

    python benchmarks/bench_labels.py [--model FILE [FILE ...] | --models-dir DIR] [--data DIR] [--sizes 1500 15000 150000]
        [--seeds 0 1 2] [--all-seeds] [--systems classifier linear probe] [--rows pretrained random] [--threads 2]
        [--json FILE] [--png FILE] [--classifier-option KEY=VALUE ...] [--quick] [--report]

Without ``--model``, the default jamo model is trained on ``DATA/nsmc/corpus.txt.gz`` (``kft.train`` defaults,
seed 0) and kept as ``MODELS_DIR/nsmc_jamo.kft`` for the next run. ``--quick`` (a smoke test) fits sizes
200 / 600 / 2,000 out of the first 2,000 train reviews, tests on the first 5,000 test reviews and, without
``--model``, trains a one-epoch model on the first 30,000 corpus lines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from dataclasses import asdict

import numpy as np

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPT_DIR)

import bench_train  # noqa: E402  (found through the sys.path line above)

SYSTEMS = ("classifier", "linear", "probe")
#: The systems a user fits (the probe measures the embedding with a fixed penalty): the goals are for the better.
PRODUCTS = ("classifier", "linear")
ROWS = ("pretrained", "random")
#: Issue 12's goals for the better pretrained product, by training reviews, and the time its full-size fit may take.
GOALS = {1_500: 0.840, 15_000: 0.865, 150_000: 0.880}
FIT_LIMIT_SECONDS = 20 * 60
#: `fit_logistic`'s settings, passed explicitly so that the JSON records them.
PROBE_SETTINGS = {"l2": 1e-4, "steps": 200}
QUICK = {"sizes": [200, 600, 2_000], "seeds": [0, 1], "train": 2_000, "test": 5_000, "lines": 30_000}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        nargs="+",
        help="a .kft model pretrained on NSMC (default: train one in --models-dir); several: the classifier's members "
        "alternate over them (`TextClassifier([...])`), the linear classifier and the probe use the first",
    )
    parser.add_argument("--models-dir", help="where the default model is kept (default: the kofasttext cache folder)")
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--sizes", nargs="+", type=int, help="training reviews per fit (default 1500 15000 150000)")
    parser.add_argument("--seeds", nargs="+", type=int, help="default 0 1 2")
    parser.add_argument("--all-seeds", action="store_true", help="fit the whole training set at every seed too")
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    parser.add_argument(
        "--rows",
        nargs="+",
        choices=ROWS,
        default=list(ROWS),
        help="which rows to fit from (a classifier with linear=true has no random-rows fit: its regressions read the "
        "pretrained vectors)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--classifier-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a TextClassifier setting for every classifier fit (VALUE as JSON: epochs=30, embedding_lr=0); "
        "a JSON holds the fits of one set of options, so give each set its own --json",
    )
    parser.add_argument("--json", help="default benchmarks/results/bench_labels.json (bench_labels_quick.json with --quick)")
    parser.add_argument("--png", help="default benchmarks/results/bench_labels.png (bench_labels_quick.png with --quick)")
    parser.add_argument("--quick", action="store_true", help="smoke test: tiny sizes, a tiny model, part of the test set")
    parser.add_argument("--report", action="store_true", help="print the table and draw the PNG from --json; fit nothing")
    args = parser.parse_args(argv)
    args.classifier_options = dict(map(classifier_option, args.classifier_option))
    args.sizes = args.sizes or (QUICK["sizes"] if args.quick else [1_500, 15_000, 150_000])
    args.seeds = args.seeds or (QUICK["seeds"] if args.quick else [0, 1, 2])
    stem = "bench_labels_quick" if args.quick else "bench_labels"
    args.json = args.json or os.path.join(SCRIPT_DIR, "results", stem + ".json")
    args.png = args.png or os.path.join(SCRIPT_DIR, "results", stem + ".png")
    return args


def classifier_option(text: str) -> tuple[str, object]:
    """``"epochs=30"`` -> ``("epochs", 30)``: the value read as JSON, else kept as a string."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise SystemExit(f"bench_labels: --classifier-option wants KEY=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


# -- inputs ---------------------------------------------------------------------------------------------------


def default_model(args) -> str:
    """The path of the default jamo model, trained on the NSMC corpus (its first lines with --quick) if absent."""
    import kofasttext as kft
    from kofasttext.corpus import iter_lines
    from kofasttext.environment import cache_dir

    folder = args.models_dir or os.path.join(cache_dir(), "bench_labels")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "nsmc_jamo_quick.kft" if args.quick else "nsmc_jamo.kft")
    if os.path.exists(path):
        return path
    corpus = os.path.join(args.data, "nsmc", "corpus.txt.gz")
    options = {"threads": args.threads, "seed": 0}
    if args.quick:
        head = os.path.join(folder, f"nsmc_corpus_first{QUICK['lines']}.txt.gz")
        with gzip.open(head, "wt", encoding="utf-8") as out:
            for n, line in enumerate(iter_lines(corpus)):
                if n == QUICK["lines"]:
                    break
                out.write(line + "\n")
        corpus, options["epoch"] = head, 1
    print(f"training the jamo model on {corpus} ...", file=sys.stderr, flush=True)
    kft.train(corpus, **options).save(path)
    return path


def read_reviews(args) -> tuple[tuple[list, np.ndarray], tuple[list, np.ndarray]]:
    """NSMC train and test as (texts, labels), cut to the quick subsets with --quick."""
    from kofasttext.evaluate import read_nsmc

    (train_texts, train_labels), (test_texts, test_labels) = read_nsmc("train", args.data), read_nsmc("test", args.data)
    if args.quick:
        train_texts, train_labels = train_texts[: QUICK["train"]], train_labels[: QUICK["train"]]
        test_texts, test_labels = test_texts[: QUICK["test"]], test_labels[: QUICK["test"]]
    return (train_texts, np.asarray(train_labels)), (test_texts, np.asarray(test_labels))


def sample(pool: int, size: int, seed: int) -> np.ndarray:
    """The training reviews of ``size`` at ``seed``: the first ``size`` of a seeded permutation (nested by size)."""
    return np.random.default_rng(seed).permutation(pool)[:size]


def plan(args, pool: int) -> list[tuple[str, str, int, int]]:
    """Every (system, rows, size, seed) to fit, ordered so that the probe's review vectors are computed once per rows."""
    for size in args.sizes:
        if not 1 <= size <= pool:
            raise SystemExit(f"bench_labels: size {size:,} is not between 1 and the {pool:,} training reviews")
    seeds = {size: args.seeds if size < pool or args.all_seeds else args.seeds[:1] for size in args.sizes}
    return [
        (system, rows, size, seed)
        for system in args.systems
        for rows in args.rows
        for seed in args.seeds
        for size in args.sizes
        if seed in seeds[size]
    ]


def key(system: str, rows: str, size: int, seed: int) -> str:
    return f"{system}/{rows}/{size}/{seed}"


def random_rows(model, seed: int):
    """An untrained model of ``model``'s shape: the same words, subword rows and pretokeniser, Gaussian rows of its
    scale (what ``TextClassifier(pretrained=False)`` starts from)."""
    from kofasttext import Model

    matrix = np.asarray(model.input_matrix)
    rows = np.random.default_rng(seed).standard_normal(matrix.shape, dtype=np.float32) * np.float32(matrix.std())
    tables = (model.subword_offsets, model.subword_rows, model.used_buckets)
    return Model(model.config, model.vocab, rows, None, *tables, pretokenizer=model.pretokenizer)


# -- fits -----------------------------------------------------------------------------------------------------


def fit_classifier(models: list, rows: str, seed: int, train, test, options: dict) -> dict:
    """Test accuracy, fit seconds, settings and epoch history of one `TextClassifier` fit (its members alternate
    over ``models``)."""
    from kofasttext import TextClassifier

    started = time.perf_counter()
    classifier = TextClassifier(models, pretrained=rows == "pretrained", seed=seed, **options).fit(train[0], train[1])
    fit_seconds = time.perf_counter() - started
    settings = {**asdict(classifier.settings), "widths": list(classifier.settings.widths)}
    return {
        "accuracy": classifier.score(test[0], test[1].tolist()),
        "fit_seconds": round(fit_seconds, 2),
        "settings": settings,
        "history": classifier.history,
    }


def fit_linear(model, test_features: np.ndarray, seed: int, train, test_labels: np.ndarray) -> dict:
    """Test accuracy, fit seconds and the cross-validated penalty of one `LinearClassifier` fit, scored on the test
    reviews' `review_features` (computed once per model by the caller)."""
    from kofasttext import LinearClassifier

    started = time.perf_counter()
    classifier = LinearClassifier(model, seed=seed).fit(train[0], train[1].tolist())
    fit_seconds = time.perf_counter() - started
    predicted = np.asarray(classifier.classes)[classifier.regression.predict(test_features)]
    return {
        "accuracy": float((predicted == test_labels).mean()),
        "fit_seconds": round(fit_seconds, 2),
        "settings": {"l2": classifier.chosen_l2, "cross_validation": {str(k): v for k, v in classifier.cross_validation.items()}},
    }


class ProbeFeatures:
    """Mean review vectors of train and test for one set of rows at a time (the fits come ordered by rows)."""

    def __init__(self, model, train_texts: list[str], test_texts: list[str]):
        self.model, self.train_texts, self.test_texts = model, train_texts, test_texts
        self.rows_key, self.features = None, None

    def get(self, rows: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        from kofasttext.evaluate import WordVectors
        from kofasttext.evaluate.probe import review_vectors

        rows_key = rows if rows == "pretrained" else (rows, seed)  # pretrained rows do not depend on the seed
        if rows_key != self.rows_key:
            model = self.model if rows == "pretrained" else random_rows(self.model, seed)
            vectors = WordVectors.from_model(model)
            self.rows_key = rows_key
            self.features = (review_vectors(vectors, self.train_texts)[0], review_vectors(vectors, self.test_texts)[0])
        return self.features


def fit_probe(features: ProbeFeatures, rows: str, seed: int, chosen: np.ndarray, train_labels, test_labels) -> dict:
    """Test accuracy and fit seconds of the logistic probe on the ``chosen`` training reviews."""
    from kofasttext.logistic import fit_logistic

    train_x, test_x = features.get(rows, seed)
    started = time.perf_counter()
    regression = fit_logistic(train_x[chosen], train_labels[chosen], **PROBE_SETTINGS)
    fit_seconds = time.perf_counter() - started
    return {
        "accuracy": float((regression.predict(test_x) == test_labels).mean()),
        "fit_seconds": round(fit_seconds, 2),
        "settings": {"features": "mean word vector", **PROBE_SETTINGS},
    }


# -- the JSON -------------------------------------------------------------------------------------------------


def setup_of(models: list, paths: list[str], pool: int, tests: int, classifier_options: dict) -> dict:
    """What every fit of one JSON must share: the models (each one's file name, size and training config), the
    data and the classifier's options."""
    described = [
        {"file": os.path.basename(path), "bytes": os.path.getsize(path), "config": model.config}
        for model, path in zip(models, paths)
    ]
    setup = {"model": described[0], "train_reviews": pool, "test_reviews": tests, "classifier_options": classifier_options}
    if len(described) > 1:
        setup["more_models"] = described[1:]
    return setup


def load_results(path: str) -> dict:
    if not os.path.exists(path):
        return {"setup": None, "runs": [], "fits": {}}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def save_results(results: dict, path: str) -> None:
    """Write the JSON atomically, so a run stopped mid-write keeps the fits of the last one."""
    from kofasttext.files import atomic_write

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_write(path) as out:
        out.write(json.dumps(results, ensure_ascii=False, indent=2).encode("utf-8"))


# -- the report -----------------------------------------------------------------------------------------------


def summary(values: list[float], signed: bool = False) -> str:
    """``"mean ± sd (n)"`` in percent (sd over seeds, ddof 1; no sd from one value); ``signed`` for differences."""
    if not values:
        return "-"
    mean = f"{100 * np.mean(values):{'+' if signed else ''}.2f}"
    if len(values) == 1:
        return f"{mean} (1)"
    return f"{mean} ± {100 * np.std(values, ddof=1):.2f} ({len(values)})"


def matching(fits: dict, system: str, rows: str, size: int) -> list[dict]:
    """The fits of one system, rows and size (one per seed)."""
    return [f for f in fits.values() if (f["system"], f["rows"], f["size"]) == (system, rows, size)]


def accuracies(fits: dict, system: str, rows: str, size: int) -> dict[int, float]:
    """``{seed: accuracy}`` of the fits of one system, rows and size."""
    return {f["seed"]: f["accuracy"] for f in matching(fits, system, rows, size)}


def markdown(results: dict) -> str:
    """The table (size x system/rows, mean ± sd (n) over seeds) and the goal lines."""
    fits = results["fits"]
    sizes = sorted({f["size"] for f in fits.values()})
    lines = [
        "| training reviews | classifier pretrained | classifier random | gain | linear pretrained | linear random "
        "| probe pretrained | probe random |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        pretrained, random = (accuracies(fits, "classifier", rows, size) for rows in ROWS)
        gains = [pretrained[s] - random[s] for s in pretrained if s in random]  # paired by seed
        cells = [summary(list(pretrained.values())), summary(list(random.values())), summary(gains, signed=True)]
        cells += [summary(list(accuracies(fits, system, rows, size).values())) for system in ("linear", "probe") for rows in ROWS]
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    setup = results["setup"]
    described = [setup["model"], *setup.get("more_models", [])]
    sources = " and ".join(
        f"{m['file']} ({m['config']['subwords']}, dim {m['config']['dim']}, epoch {m['config']['epoch']}, trained on "
        f"{m['config'].get('corpus', '?')})"
        for m in described
    )
    lines += [
        "",
        f"Accuracy in % on {setup['test_reviews']:,} NSMC test reviews, mean ± sd (seeds); gain = pretrained - random "
        f"classifier, paired by seed. Rows from {sources}"
        + (" (the classifier's members alternate over them; linear and probe use the first)" if len(described) > 1 else "")
        + f"; classifier options: {setup.get('classifier_options') or 'the defaults'}.",
        "",
        *goal_lines(fits, sizes),
    ]
    return "\n".join(lines)


def goal_lines(fits: dict, sizes: list[int]) -> list[str]:
    """One line per size with a goal: the better pretrained product (mean over seeds) against it, and the full
    size's fit time."""
    lines = []
    for size in (s for s in sizes if s in GOALS):
        means = {system: np.mean(list(accuracies(fits, system, "pretrained", size).values()) or [np.nan]) for system in PRODUCTS}
        means = {system: float(mean) for system, mean in means.items() if not np.isnan(mean)}
        if not means:
            continue
        best = max(means, key=means.get)
        mean, goal = means[best], GOALS[size]
        verdict = "met" if mean >= goal else f"missed by {100 * (goal - mean):.2f} points"
        line = f"- {size:,} reviews: pretrained {best} {100 * mean:.2f}% against the goal {100 * goal:.1f}%, {verdict}"
        if size == max(GOALS):
            seconds = max(f["fit_seconds"] for f in matching(fits, best, "pretrained", size))
            within = "within" if seconds <= FIT_LIMIT_SECONDS else "over"
            line += f"; fit {seconds:,.0f} s, {within} the {FIT_LIMIT_SECONDS // 60}-minute limit"
        lines.append(line)
    return lines or ["- no size of this run has a goal (goals: " + ", ".join(f"{s:,}" for s in GOALS) + " reviews)"]


def plot(results: dict, path: str) -> None:
    """Accuracy against training reviews (log x), one line per system x rows, error bars = sd over seeds."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from kofasttext.files import atomic_write

    fits = results["fits"]
    sizes = sorted({f["size"] for f in fits.values()})
    figure = Figure(figsize=(7.5, 5.0), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for system, colour in zip(SYSTEMS, ("tab:blue", "tab:green", "tab:orange")):
        for rows, style in zip(ROWS, ("-", "--")):
            points = [(s, list(accuracies(fits, system, rows, s).values())) for s in sizes]
            points = [(s, 100 * np.mean(v), 100 * np.std(v, ddof=1) if len(v) > 1 else 0.0) for s, v in points if v]
            if points:
                x, y, sd = zip(*points)
                axes.errorbar(x, y, yerr=sd, color=colour, linestyle=style, marker="o", capsize=3, label=f"{system}, {rows} rows")
    goals = [(s, 100 * g) for s, g in GOALS.items() if sizes and sizes[0] <= s <= sizes[-1]]
    if goals:
        axes.plot(*zip(*goals), "k*", markersize=10, label="goal")
    axes.set_xscale("log")
    axes.set_xticks(sizes, [f"{s:,}" for s in sizes])  # the sizes themselves, not powers of ten
    axes.minorticks_off()
    axes.set_xlabel("labelled training reviews")
    axes.set_ylabel(f"NSMC test accuracy (%, {results['setup']['test_reviews']:,} reviews)")
    axes.set_title("Label efficiency: pretrained vs random rows")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_write(path) as out:
        figure.savefig(out, format="png")


# -- main -----------------------------------------------------------------------------------------------------


def run_info(argv) -> dict:
    """When, how and where this run was made (each fit names its run)."""
    command = " ".join(["python", "benchmarks/bench_labels.py", *(argv if argv is not None else sys.argv[1:])])
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": command,
        "machine": bench_train.machine(),
        "versions": bench_train.versions([]),
    }


def run_fits(args, results: dict, argv=None) -> None:
    """Fit what the JSON lacks, saving after every fit."""
    import torch

    import kofasttext as kft
    from kofasttext.classify.linear import review_features

    model_paths = args.model or [default_model(args)]
    models = [kft.load(path) for path in model_paths]
    model = models[0]
    train, test = read_reviews(args)
    setup = setup_of(models, model_paths, len(train[0]), len(test[0]), args.classifier_options)
    if results["setup"] not in (None, setup):
        differ = ", ".join(name for name in setup if results["setup"].get(name) != setup[name])
        raise SystemExit(f"bench_labels: {args.json} holds fits made with another {differ}; give another --json")
    results["setup"] = setup
    torch.set_num_threads(args.threads)
    features = ProbeFeatures(model, train[0], test[0])
    linear = {}  # {rows key: (model, its test features)}, one at a time: the fits come ordered by rows
    todo = [fit for fit in plan(args, len(train[0])) if key(*fit) not in results["fits"]]
    if todo:
        results["runs"].append(run_info(argv))
    run = len(results["runs"]) - 1
    for n, (system, rows, size, seed) in enumerate(todo, 1):
        print(f"[{n}/{len(todo)}] {system}, {rows} rows, {size:,} reviews, seed {seed} ...", file=sys.stderr, flush=True)
        chosen = sample(len(train[0]), size, seed)
        subset = ([train[0][i] for i in chosen], train[1][chosen])
        if system == "classifier":
            record = fit_classifier(models, rows, seed, subset, test, args.classifier_options)
        elif system == "linear":
            rows_key = rows if rows == "pretrained" else (rows, seed)  # pretrained rows do not depend on the seed
            if rows_key not in linear:
                rows_model = model if rows == "pretrained" else random_rows(model, seed)
                linear = {rows_key: (rows_model, review_features(rows_model, test[0]))}
            record = fit_linear(*linear[rows_key], seed, subset, test[1])
        else:
            record = fit_probe(features, rows, seed, chosen, train[1], test[1])
        fit = {"system": system, "rows": rows, "size": size, "seed": seed, **record, "run": run}
        results["fits"][key(system, rows, size, seed)] = fit
        save_results(results, args.json)
        print(f"    {100 * record['accuracy']:.2f}% in {record['fit_seconds']:.1f} s", file=sys.stderr, flush=True)


def main(argv=None) -> None:
    args = parse_args(argv)
    results = load_results(args.json)
    if not args.report:
        run_fits(args, results, argv)
    if not results["fits"]:
        raise SystemExit(f"bench_labels: {args.json} has no fits yet")
    print(markdown(results))
    plot(results, args.png)
    print(f"\nwrote {args.json} and {args.png}", file=sys.stderr)


if __name__ == "__main__":
    main()
