"""The recipe study: which pretokeniser x subword scheme makes the best Korean vectors, and how many buckets.

Trains kofasttext skip-gram with equal settings for every pretokeniser in ``--pretokenizers`` and every scheme in
``--schemes`` (syllable 2-4, jamo 3-6, hybrid syllable 2-3 + jamo 4-6), first on the NSMC corpus and then on
NSMC + general prose (``DATA/general/corpus.txt.gz``, merged by `kofasttext.corpus.prepare_corpus`), and evaluates
every model with `kofasttext.evaluate.report.evaluate_model`.

All models answer the SAME OOV query sets: drawn from the first model's vocabulary (whitespace first, so the
typo sources are real words) after the NSMC models are trained, avoiding every word of both corpora (cut on
whitespace and by each pretokeniser) and every NSMC model's vocabulary. The NSMC + general models are trained after
the sets are drawn, so for each of them the script counts the queries that its vocabulary holds (``queries_in_vocabulary``;
expected 0, since the corpus words are excluded).

The bucket study (``--buckets``) then counts, for the ``--bucket-recipe`` model's vocabulary, the distinct n-gram
types against each bucket count (buckets used, share of types that share a bucket with another type) and trains
and evaluates that recipe on the NSMC corpus at each bucket count.

Results go to ``--json`` after every model, so a stopped run keeps what it measured.

Not a unit test: run by hand (about 2 hours on 2 cores for the full study).

    python benchmarks/bench_recipes.py [--data DIR] [--corpora nsmc nsmc+general] [--pretokenizers ...]
        [--schemes syllable jamo hybrid] [--buckets 500000 1000000 2000000 10000000] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPT_DIR)

import bench_train  # noqa: E402  (found through the sys.path line above)

SCHEMES = {"syllable": (2, 4), "jamo": (3, 6), "hybrid": ((2, 3), (4, 6))}
PRETOKENIZERS = ("whitespace", "kiwi", "kiwi:join", "sentencepiece", "sentencepiece:subwords")
CORPORA = ("nsmc", "nsmc+general")
QUICK_LINES = 20_000


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--corpora", nargs="+", choices=CORPORA, default=list(CORPORA))
    parser.add_argument("--pretokenizers", nargs="+", default=list(PRETOKENIZERS), help="--pretokenizer specs")
    parser.add_argument("--schemes", nargs="+", choices=list(SCHEMES), default=list(SCHEMES))
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--epoch", type=int, default=None, help="default 5 (1 with --quick)")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--buckets", nargs="*", type=int, default=[500_000, 1_000_000, 2_000_000, 10_000_000])
    parser.add_argument("--bucket-recipe", default="whitespace/jamo", help="PRETOKENIZER/SCHEME of the bucket study")
    parser.add_argument("--models-dir", help="keep the models here (default: a folder in the cache)")
    parser.add_argument("--json", help="default benchmarks/results/bench_recipes.json (bench_recipes_quick.json with --quick)")
    parser.add_argument("--quick", action="store_true", help=f"smoke test: first {QUICK_LINES:,} lines of each corpus, 1 epoch")
    args = parser.parse_args(argv)
    if args.epoch is None:
        args.epoch = 1 if args.quick else 5
    if args.json is None:
        args.json = os.path.join(SCRIPT_DIR, "results", "bench_recipes_quick.json" if args.quick else "bench_recipes.json")
    from kofasttext.errors import UsageError
    from kofasttext.pretokenizers import create

    for spec in args.pretokenizers:  # before hours of training, not after
        try:
            create(spec)
        except UsageError as error:
            parser.error(f"--pretokenizers: {error}")
    pretokenizer, _, scheme = args.bucket_recipe.partition("/")
    if scheme not in SCHEMES:
        parser.error(f"--bucket-recipe: scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    args.bucket_recipe = (pretokenizer, scheme)
    return args


def corpus_files(args, folder: str) -> dict[str, str]:
    """``{corpus name: training file}``; the merged one is written once into ``folder`` and reused."""
    from kofasttext.corpus import prepare_corpus

    nsmc = os.path.join(args.data, "nsmc", "corpus.txt.gz")
    general = os.path.join(args.data, "general", "corpus.txt.gz")
    for path in (nsmc, general):
        if not os.path.isfile(path):
            raise SystemExit(f"bench_recipes: {path} not found (give --data DIR or set KOFASTTEXT_DATA)")
    if args.quick:
        nsmc, general = (
            head(nsmc, os.path.join(folder, "nsmc.quick.txt")),
            head(general, os.path.join(folder, "general.quick.txt")),
        )
    merged = os.path.join(folder, "nsmc+general.quick.txt" if args.quick else "nsmc+general.txt")
    if "nsmc+general" in args.corpora and not os.path.isfile(merged):
        print(f"merging NSMC and general prose into {merged} ...", file=sys.stderr, flush=True)
        # Not deduplicated: the NSMC part stays exactly the NSMC corpus (it repeats 27K short reviews), so the
        # general prose is the only difference between the two corpora.
        stats = prepare_corpus([nsmc, general], merged, dedupe=False)
        print(f"  {stats}", file=sys.stderr, flush=True)
    return {"nsmc": nsmc, "nsmc+general": merged}


def head(path: str, output: str) -> str:
    """The first `QUICK_LINES` lines of ``path`` written to ``output``."""
    from itertools import islice

    from kofasttext.corpus import iter_lines

    with open(output, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in islice(iter_lines(path), QUICK_LINES))
    return output


def train_one(path: str, pretokenizer: str, scheme: str, args, bucket: int = 2_000_000):
    import kofasttext as kft

    minn, maxn = SCHEMES[scheme]
    started = time.perf_counter()
    model = kft.train(
        path,
        subwords=scheme,
        minn=minn,
        maxn=maxn,
        bucket=bucket,
        dim=args.dim,
        epoch=args.epoch,
        min_count=args.min_count,
        lr=args.lr,
        threads=args.threads,
        seed=0,
        pretokenizer=pretokenizer,
    )
    return model, round(time.perf_counter() - started, 1)


def ngram_occupancy(words: list[str], scheme: str, buckets: list[int]) -> dict:
    """Distinct n-gram types of ``words`` under ``scheme``, and for each bucket count how many buckets they fill
    and what share of the types shares its bucket with another type (a collision)."""
    import numpy as np

    from kofasttext.subwords import SubwordScheme, fasttext_hash_many

    minn, maxn = SCHEMES[scheme]
    grams = {gram for word in words for gram in SubwordScheme.create(scheme, minn, maxn).ngrams(word)}
    hashes = fasttext_hash_many(sorted(grams)).astype(np.int64)
    out = {"ngram_types": len(grams), "by_bucket": {}}
    for bucket in buckets:
        _, counts = np.unique(hashes % bucket, return_counts=True)
        out["by_bucket"][str(bucket)] = {
            "buckets_used": int(len(counts)),
            "colliding_type_share": float(counts[counts > 1].sum() / max(len(grams), 1)),
        }
    return out


def queries_in_vocabulary(model, sets: dict) -> int:
    vocabulary = set(model.words)
    return sum(query in vocabulary for query_set in sets.values() for query in query_set.queries)


class Study:
    """Trains, evaluates and records one model at a time; the JSON is rewritten after each."""

    def __init__(self, args, models_dir: str):
        self.args, self.models_dir = args, models_dir
        self.result = {
            "date": time.strftime("%Y-%m-%d"),
            "command": " ".join(["python", "benchmarks/bench_recipes.py", *(sys.argv[1:])]),
            "machine": bench_train.machine(),
            "versions": bench_train.versions([]),
            "settings": {k: getattr(args, k) for k in ("dim", "epoch", "lr", "min_count", "threads", "quick")},
            "recipes": {},
            "buckets": {},
        }
        self.sets = None
        self.nsmc_words: dict[str, list[str]] = {}  # NSMC model path -> vocabulary, read once by draw_sets
        if os.path.isfile(args.json):  # a stopped study goes on where it was, if its settings were these
            with open(args.json, encoding="utf-8") as handle:
                earlier = json.load(handle)
            if earlier.get("settings") == self.result["settings"]:  # keeps what else it holds, e.g. runs kept aside
                self.result = {**earlier, **self.result, "recipes": earlier["recipes"], "buckets": earlier["buckets"]}

    def model_path(self, corpus: str, pretokenizer: str, scheme: str, bucket: int = 2_000_000) -> str:
        name = f"{corpus}__{pretokenizer}__{scheme}__{bucket}".replace(":", "-").replace(",", "-").replace("+", "-")
        return os.path.join(self.models_dir, ("quick-" if self.args.quick else "") + name + ".kft")

    def train_or_load(self, path: str, corpus_file: str, pretokenizer: str, scheme: str, bucket: int = 2_000_000):
        """A model trained earlier with these settings is loaded, so a stopped study resumes where it was."""
        import kofasttext as kft

        if os.path.isfile(path):
            with open(path + ".seconds") as handle:
                return kft.load(path), float(handle.read())
        print(f"training {os.path.basename(path)} ...", file=sys.stderr, flush=True)
        model, seconds = train_one(corpus_file, pretokenizer, scheme, self.args, bucket)
        model.save(path)
        with open(path + ".seconds", "w") as handle:
            handle.write(str(seconds))
        return model, seconds

    def evaluate(self, model, name: str) -> dict:
        from kofasttext.evaluate import WordVectors
        from kofasttext.evaluate.report import evaluate_model

        print(f"evaluating {name} ...", file=sys.stderr, flush=True)
        entry = evaluate_model(WordVectors.from_model(model, name), self.sets, self.args.data)
        entry["queries_in_vocabulary"] = queries_in_vocabulary(model, self.sets)
        entry["vocabulary"] = len(model.words)
        return entry

    def common_analogies(self, corpus: str, name: str, model) -> dict:
        """Analogy accuracy of a larger-corpus model on the items the same recipe's NSMC model covers, so the two
        corpora are compared on the same items (the larger vocabulary covers more, and harder, ones)."""
        from kofasttext.evaluate import WordVectors
        from kofasttext.evaluate.analogy import analogies

        pretokenizer, scheme = name.split(" / ")
        nsmc_words = set(self.nsmc_words[self.model_path("nsmc", pretokenizer, scheme)])
        result = analogies(WordVectors.from_model(model, name), self.args.data, only_words=nsmc_words)
        return {"accuracy": result.accuracy, "covered": result.covered, "total": result.total}

    def save(self) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(self.args.json)), exist_ok=True)
        temporary = self.args.json + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(self.result, handle, ensure_ascii=False, indent=1)
        os.replace(temporary, self.args.json)

    def draw_sets(self, paths: list[str], files: dict[str, str]) -> None:
        """The OOV sets of the whole study, from the already trained NSMC models."""
        import kofasttext as kft
        from kofasttext.evaluate.oov import oov_query_sets

        models = [kft.load(path) for path in paths]
        self.nsmc_words = {path: model.words for path, model in zip(paths, models)}
        tokenizers = {m.pretokenizer.key: m.pretokenizer.split_many for m in models if m.pretokenizer.key != "whitespace"}
        excluded = [files["nsmc"], os.path.join(self.args.data, "general", "corpus.txt.gz")]
        if self.args.quick:
            excluded = list(dict.fromkeys(files.values()))
        self.sets = oov_query_sets(
            models[0].words,
            excluded,
            other_vocabularies=[m.words for m in models[1:]],
            log=lambda line: print(line, file=sys.stderr, flush=True),
            corpus_tokenizers=tokenizers,
        )
        del models
        gc.collect()

    def run_recipes(self, corpus: str, files: dict[str, str]) -> None:
        from kofasttext.errors import TrainingError

        args = self.args
        for pretokenizer in args.pretokenizers:
            for scheme in args.schemes:
                name = f"{pretokenizer} / {scheme}"
                if name in self.result["recipes"].get(corpus, {}):
                    continue
                try:
                    model, seconds = self.train_or_load(
                        self.model_path(corpus, pretokenizer, scheme), files[corpus], pretokenizer, scheme
                    )
                except TrainingError as error:  # recorded as such, and the study goes on
                    print(f"{corpus}: {name}: {error}", file=sys.stderr, flush=True)
                    self.result["recipes"].setdefault(corpus, {})[name] = {"diverged": str(error)}
                    self.save()
                    continue
                if self.sets is not None:
                    self.record(corpus, name, model, seconds)
                del model
                gc.collect()

    def record(self, corpus: str, name: str, model, seconds) -> None:
        entry = self.evaluate(model, f"{corpus}: {name}")
        entry["train_seconds"] = seconds
        if corpus != "nsmc":
            entry["analogy_on_nsmc_items"] = self.common_analogies(corpus, name, model)
        self.result["recipes"].setdefault(corpus, {})[name] = entry
        self.save()

    def run_buckets(self, files: dict[str, str]) -> None:
        import kofasttext as kft

        pretokenizer, scheme = self.args.bucket_recipe
        path = self.model_path("nsmc", pretokenizer, scheme)
        if path not in self.nsmc_words:  # a bucket recipe outside --pretokenizers / --schemes
            self.nsmc_words[path] = self.train_or_load(path, files["nsmc"], pretokenizer, scheme)[0].words
        self.result["buckets"]["recipe"] = f"{pretokenizer} / {scheme} on nsmc"
        vocabularies = {"nsmc": self.nsmc_words[path]}
        larger = self.model_path("nsmc+general", pretokenizer, scheme)
        if os.path.isfile(larger):
            vocabularies["nsmc+general"] = kft.load(larger).words
        self.result["buckets"]["occupancy"] = {
            f"{corpus} vocabulary, {name}": ngram_occupancy(words, name, self.args.buckets)
            for corpus, words in vocabularies.items()
            for name in SCHEMES
        }
        self.save()
        del vocabularies
        for bucket in self.args.buckets:
            if str(bucket) in self.result["buckets"].get("quality", {}):
                continue
            # Trained afresh at every count, 2M included: the recipe models may come from an earlier trainer.
            path = self.model_path("nsmc-buckets", pretokenizer, scheme, bucket)
            model, seconds = self.train_or_load(path, files["nsmc"], pretokenizer, scheme, bucket)
            entry = self.evaluate(model, f"bucket {bucket:,}")
            entry["train_seconds"] = seconds
            self.result["buckets"].setdefault("quality", {})[str(bucket)] = entry
            self.save()
            del model
            gc.collect()


def main(argv=None) -> None:
    args = parse_args(argv)
    from kofasttext.environment import cache_dir

    folder = os.path.join(cache_dir(), "bench_recipes")
    models_dir = args.models_dir or os.path.join(folder, "models")
    os.makedirs(models_dir, exist_ok=True)
    started = time.monotonic()
    files = corpus_files(args, folder)
    study = Study(args, models_dir)
    # The NSMC models first (their vocabularies shape the query sets), then the sets, then their scores.
    study.run_recipes("nsmc", files)
    first = [study.model_path("nsmc", p, s) for p in args.pretokenizers for s in args.schemes]
    first = [path for path in first if os.path.isfile(path)]  # a diverged recipe has no model
    if not first:
        raise SystemExit("bench_recipes: every NSMC recipe diverged (see above); try a lower --lr")
    study.draw_sets(first, files)
    if "nsmc" in args.corpora:
        study.run_recipes("nsmc", files)
    if "nsmc+general" in args.corpora:
        study.run_recipes("nsmc+general", files)
    if args.buckets:
        study.run_buckets(files)
    study.result["wall_seconds"] = round(time.monotonic() - started, 1)
    study.save()
    print(report_markdown(study.result))
    print(f"\nwritten to {args.json}", file=sys.stderr)


def _common(entry: dict) -> str:
    common = entry.get("analogy_on_nsmc_items")
    if not common:
        return "-"
    accuracy = common["accuracy"]
    return f"{accuracy['sem']:.3f} / {accuracy['syn']:.3f} ({common['covered']['all']})"


#: The measures every recipe can be ranked on. Analogies are left out: each vocabulary covers other items.
RANKED = {
    "typos": lambda r: r["oov_typos"]["hit@10"],
    "conjugations": lambda r: r["oov_conjugations"]["hit@10"],
    "probe": lambda r: r["nsmc_logistic"]["accuracy"],
    "ws353": lambda r: r["ws353"]["spearman"],
}


def mean_ranks(report: dict) -> dict[str, float]:
    """Each recipe's rank (1 = best) on every `RANKED` measure, averaged: how "best" is decided."""
    totals = dict.fromkeys(report, 0.0)
    for value in RANKED.values():
        for rank, name in enumerate(sorted(report, key=lambda n: -value(report[n])), start=1):
            totals[name] += rank / len(RANKED)
    return totals


def compact_table(report: dict) -> str:
    """One row per recipe, the headline measures as columns (the full table has a column per recipe)."""
    ranks = mean_ranks(report)
    lines = [
        "| recipe | typos hit@10 | conjugations hit@10 | NSMC probe | probe, reviews >50% OOV | WS353 (pairs) "
        "| analogy sem / syn (covered) | same, on the NSMC model's items | train s | mean rank |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report.items():
        analogy, half = r["analogy"], r["nsmc_logistic"]["oov_by_share"].get(">50%", {})
        half = "-" if half.get("accuracy") is None else f"{100 * half['accuracy']:.2f}% ({half['reviews']})"
        lines.append(
            f"| {name} | {r['oov_typos']['hit@10']:.3f} | {r['oov_conjugations']['hit@10']:.3f} "
            f"| {100 * r['nsmc_logistic']['accuracy']:.2f}% | {half} "
            f"| {r['ws353']['spearman']:.3f} ({r['ws353']['in_vocabulary']}) "
            f"| {analogy['accuracy']['sem']:.3f} / {analogy['accuracy']['syn']:.3f} ({analogy['covered']['all']}) "
            f"| {_common(r)} | {r['train_seconds']:.0f} | {ranks[name]:.2f} |"
        )
    return "\n".join(lines)


def report_markdown(result: dict) -> str:
    """The study's tables: one eval table per corpus, then the bucket study."""
    from kofasttext.evaluate.report import markdown_table

    settings = result["settings"]
    parts = [
        f"settings: skip-gram, dim {settings['dim']}, epoch {settings['epoch']}, lr {settings['lr']}, "
        f"min_count {settings['min_count']}, window 5, neg 5, {settings['threads']} threads"
    ]
    for corpus, everything in result["recipes"].items():
        report = {name: r for name, r in everything.items() if "diverged" not in r}
        parts += [f"\n### Trained on {corpus}\n", markdown_table(report)]
        parts += ["", compact_table(report)]
        parts += [f"\nqueries in a model's vocabulary: {sum(r['queries_in_vocabulary'] for r in report.values())} in all"]
        parts += [f"\n{name}: {r['diverged']}" for name, r in everything.items() if "diverged" in r]
    buckets = result.get("buckets", {})
    if "occupancy" in buckets:
        occupancy = buckets["occupancy"]
        parts += [
            "\n### Buckets: n-gram types of a vocabulary, buckets they fill, share of types that share a bucket\n",
            "| vocabulary, scheme | n-gram types | "
            + " | ".join(f"{int(b):,} buckets" for b in next(iter(occupancy.values()))["by_bucket"])
            + " |",
            "|---|---|" + "---|" * len(next(iter(occupancy.values()))["by_bucket"]),
        ]
        for label, entry in occupancy.items():
            cells = [f"{o['buckets_used']:,} used, {100 * o['colliding_type_share']:.2f}%" for o in entry["by_bucket"].values()]
            parts.append(f"| {label} | {entry['ngram_types']:,} | " + " | ".join(cells) + " |")
    if buckets.get("quality"):
        by_count = {f"{int(b):,} buckets": r for b, r in buckets["quality"].items()}
        parts += [
            f"\nQuality of {buckets['recipe']} at each bucket count:\n",
            markdown_table(by_count),
            "",
            compact_table(by_count),
        ]
    return "\n".join(parts)


if __name__ == "__main__":
    main()
