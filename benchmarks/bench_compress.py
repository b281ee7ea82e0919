"""Issue 14's size-versus-quality table: NSMC models compressed by `kft.compress`, judged by one evaluator.

For the NSMC jamo model and the NSMC syllable model (`kft.train` defaults on ``DATA/nsmc/corpus.txt.gz``, kept
in ``--models-dir``; ``--model-jamo`` / ``--model-syllable`` give others), each variant is written with
`Model.save` and reported with:

* file size (MB = 10**6 bytes) and its share of the full model's;
* load time: `kft.load` plus the first `most_similar` (which builds the normalised vocabulary matrix), the
  median of ``--runs`` loads, file in the page cache;
* query latency: median microseconds of `get_word_vector` over 1,000 unseen words (one-jamo typos of frequent
  words), and milliseconds of `most_similar` over 20 vocabulary words;
* quality, every variant scored by `evaluate.report.evaluate_all` on the same query sets: OOV typo and
  conjugation hit@10, the NSMC logistic probe, WS353; and its relative change from the full model.

Variants: the full model, float16, product quantisation with 2, 4, 5 and 10 columns per subvector, and the
settings ``--max-size`` 10MB and 25MB choose (``--skip-compress`` leaves these out); then Bloom tables
(``kft.train(..., table_rows=N, hash_count=K)``, trained with the full model's other settings, kept in
``--models-dir``) at ``--bloom-rows`` x ``--bloom-hashes`` (syllable: ``--bloom-hashes-syllable``), and
the Bloom table ``--bloom-compressed N,K`` in float16 and in PQ with 4 columns per subvector.
Issue 14's goals (jamo): at most 10 MB within 2% (relative) of the full model's typo and conjugation hit@10
and within 0.5 points of its probe; at most 25 MB within 1%.

Not a unit test: run it by hand on an idle machine (~20 minutes on 2 cores).

    python benchmarks/bench_compress.py [--data DIR] [--models-dir DIR] [--model-jamo FILE]
        [--model-syllable FILE] [--schemes jamo syllable] [--runs 3] [--json FILE] [--skip-compress]
        [--pq-widths 2 4 5 10] [--pq-seeds 0]
        [--bloom-rows 50000 100000 200000 500000] [--bloom-hashes 1 2 3 4] [--bloom-hashes-syllable 2]
        [--bloom-compressed 200000,2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPT_DIR)

from bench_interop import trained_model, unseen_words  # noqa: E402  (found through the sys.path line above)

PQ_WIDTHS = (2, 4, 5, 10)  # columns per subvector
SIZE_LIMITS = {"10MB": 10**7, "25MB": 25 * 10**6}
GOALS = {"10MB": 0.02, "25MB": 0.01}  # relative hit@10 loss allowed; the probe: 0.5 points for both


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--models-dir", help="where the models are kept (default: the kofasttext cache folder)")
    parser.add_argument("--model-jamo", help="a jamo .kft (default: train one)")
    parser.add_argument("--model-syllable", help="a syllable .kft (default: train one)")
    parser.add_argument("--schemes", nargs="+", choices=["jamo", "syllable"], default=["jamo", "syllable"])
    parser.add_argument("--runs", type=int, default=3, help="loads timed per variant")
    parser.add_argument("--json", default=os.path.join(SCRIPT_DIR, "results", "bench_compress.json"))
    parser.add_argument("--skip-compress", action="store_true", help="only the full model and the Bloom tables")
    parser.add_argument("--pq-widths", type=int, nargs="*", default=list(PQ_WIDTHS), help="columns per subvector")
    parser.add_argument("--pq-seeds", type=int, nargs="*", default=[0], help="k-means seeds of each PQ variant")
    parser.add_argument("--bloom-rows", type=int, nargs="*", default=[50_000, 100_000, 200_000, 500_000])
    parser.add_argument("--bloom-hashes", type=int, nargs="*", default=[1, 2, 3, 4], help="hash counts (jamo)")
    parser.add_argument("--bloom-hashes-syllable", type=int, nargs="*", default=[2], help="hash counts (syllable)")
    parser.add_argument("--bloom-compressed", default="200000,2", help='N,K: the Bloom table also compressed ("": none)')
    return parser.parse_args(argv)


def variants(kft, model, scheme: str, args) -> dict:
    """Name -> settings: for `kft.compress` (None: the model itself), or ``bloom`` (and ``compress``) for a
    Bloom table trained with `bloom_model`."""
    out = {"full": None}
    if not args.skip_compress:
        out["float16"] = {"dtype": "float16"}
        for width in args.pq_widths:
            for seed in args.pq_seeds if model.dim % width == 0 else ():
                name = f"PQ {width} cols/subvector" + (f", seed {seed}" if len(args.pq_seeds) > 1 else "")
                out[name] = {"pq_subvectors": model.dim // width, "seed": seed}
        for name, size in SIZE_LIMITS.items():
            out[f"--max-size {name}"] = {"max_size": size}
    hashes = args.bloom_hashes if scheme == "jamo" else args.bloom_hashes_syllable
    for rows in args.bloom_rows:
        for count in hashes:
            out[f"Bloom {rows:,} rows x {count}"] = {"bloom": (rows, count)}
    if args.bloom_compressed:
        rows, count = (int(v) for v in args.bloom_compressed.split(","))
        out[f"Bloom {rows:,} rows x {count}, float16"] = {"bloom": (rows, count), "compress": {"dtype": "float16"}}
        out[f"Bloom {rows:,} rows x {count}, PQ 4 cols/subvector"] = {
            "bloom": (rows, count),
            "compress": {"pq_subvectors": model.dim // 4},
        }
    return out


def bloom_model(kft, scheme: str, rows: int, count: int, folder: str, data: str) -> tuple[str, float | None]:
    """The NSMC model of ``scheme`` with a Bloom table of ``rows`` x ``count``: its path, and its training
    seconds when trained in this run."""
    path = os.path.join(folder, f"nsmc_{scheme}_bloom_{rows}_{count}.kft")
    if os.path.exists(path):
        return path, None
    print(f"training the {scheme} model with a Bloom table of {rows:,} rows x {count} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    corpus = os.path.join(data, "nsmc", "corpus.txt.gz")
    kft.train(corpus, subwords=scheme, seed=0, table_rows=rows, hash_count=count, progress=False).save(path)
    return path, time.perf_counter() - started


def timings(kft, path: str, unseen: list[str], frequent: list[str], runs: int) -> dict:
    loads = []
    for _ in range(runs):
        started = time.perf_counter()
        model = kft.load(path)
        model.most_similar(frequent[0], topn=10)
        loads.append(time.perf_counter() - started)
    started = time.perf_counter()
    for word in unseen:
        model.get_word_vector(word)
    vector_us = (time.perf_counter() - started) / len(unseen) * 1e6
    started = time.perf_counter()
    for word in frequent[:20]:
        model.most_similar(word, topn=10)
    neighbours_ms = (time.perf_counter() - started) / 20 * 1e3
    return {"load_s": statistics.median(loads), "vector_us": vector_us, "most_similar_ms": neighbours_ms}


def run_scheme(kft, scheme: str, model_path: str, folder: str, args) -> dict:
    from kofasttext.evaluate import WordVectors
    from kofasttext.evaluate.report import evaluate_all

    model = kft.load(model_path)
    unseen = unseen_words(model, 1000)
    frequent = random.Random(0).sample(list(model.words[:5000]), 20)
    rows, vectors = {}, {}
    for name, settings in variants(kft, model, scheme, args).items():
        print(f"{scheme}: {name} ...", file=sys.stderr, flush=True)
        source, train_s = model, None
        if settings and "bloom" in settings:
            source_path, train_s = bloom_model(kft, scheme, *settings["bloom"], folder, args.data)
            source = kft.load(source_path)
            settings = settings.get("compress")
        if settings is None:
            path, seconds = (model_path if source is model else source_path), 0.0
            chosen = "as trained" if source is model else f"table {source.scheme.bucket:,} x {source.scheme.hash_count}"
        else:
            started = time.perf_counter()
            small = kft.compress(source, **settings)
            seconds = time.perf_counter() - started
            path = os.path.join(folder, f"{scheme}_{name.replace(' ', '_').replace('/', '-').replace(',', '')}.kft")
            small.save(path)
            info = small.config["compression"]
            chosen = (f"PQ {info['pq_subvectors']} subvectors" if info["pq_subvectors"] else info["dtype"]) + (
                f", {info['kept_words']:,} words" if info["kept_words"] < info["source_words"] else ""
            )
        rows[name] = {"file": path, "bytes": os.path.getsize(path), "compress_s": seconds, "settings": chosen}
        rows[name]["train_s"] = train_s
        rows[name] |= timings(kft, path, unseen, frequent, args.runs)
        vectors[name] = WordVectors.from_model(kft.load(path), name=name)
    report = evaluate_all(vectors, args.data, log=lambda line: print(line, file=sys.stderr, flush=True))
    full = report["full"]
    for name, row in rows.items():
        measures = report[name]
        row |= {
            "typo_hit10": measures["oov_typos"]["hit@10"],
            "conj_hit10": measures["oov_conjugations"]["hit@10"],
            "probe": measures["nsmc_logistic"]["accuracy"],
            "ws353": measures["ws353"]["spearman"],
        }
        for key in ("typo_hit10", "conj_hit10"):
            row[f"{key}_relative"] = row[key] / full["oov_typos" if key == "typo_hit10" else "oov_conjugations"]["hit@10"] - 1
        row["probe_points"] = 100 * (row["probe"] - full["nsmc_logistic"]["accuracy"])
    return rows


def table(scheme: str, rows: dict) -> str:
    full = rows["full"]["bytes"]
    lines = [
        f"### {scheme}",
        "",
        "| variant | settings | MB | share | load s | vector µs | most_similar ms | typo hit@10 (Δ) | conj hit@10 (Δ) "
        "| probe (Δ points) | WS353 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['settings']} | {r['bytes'] / 1e6:.1f} | {r['bytes'] / full:.1%} | {r['load_s']:.2f} "
            f"| {r['vector_us']:.0f} | {r['most_similar_ms']:.1f} | {r['typo_hit10']:.3f} ({r['typo_hit10_relative']:+.1%}) "
            f"| {r['conj_hit10']:.3f} ({r['conj_hit10_relative']:+.1%}) | {100 * r['probe']:.2f}% ({r['probe_points']:+.2f}) "
            f"| {r['ws353']:.3f} |"
        )
    return "\n".join(lines)


def goals(rows: dict) -> list[str]:
    out = []
    for name, allowed in GOALS.items():
        if f"--max-size {name}" not in rows:
            continue
        r = rows[f"--max-size {name}"]
        met = (
            r["bytes"] <= SIZE_LIMITS[name]
            and min(r["typo_hit10_relative"], r["conj_hit10_relative"]) >= -allowed
            and r["probe_points"] >= -0.5
        )
        out.append(
            f"goal {name} (hit@10 within {allowed:.0%}, probe within 0.5 points): {'MET' if met else 'NOT MET'} "
            f"(typo {r['typo_hit10_relative']:+.1%}, conj {r['conj_hit10_relative']:+.1%}, probe {r['probe_points']:+.2f})"
        )
    return out


def main(argv=None) -> None:
    args = parse_args(argv)
    import kofasttext as kft
    from kofasttext.environment import cache_dir

    folder = args.models_dir or os.path.join(cache_dir(), "bench_compress")
    os.makedirs(folder, exist_ok=True)
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "command": " ".join(sys.argv), "schemes": {}}
    given = {"jamo": args.model_jamo, "syllable": args.model_syllable}
    for scheme in args.schemes:
        path = trained_model(kft, scheme, given[scheme], folder, args.data)
        rows = run_scheme(kft, scheme, path, folder, args)
        results["schemes"][scheme] = rows
        print(table(scheme, rows), flush=True)
        if scheme == "jamo":
            results["goals"] = goals(rows)
            print("\n".join(results["goals"]))
        with open(args.json, "w", encoding="utf-8") as out:  # after each scheme: a long run keeps what it did
            json.dump(results, out, ensure_ascii=False, indent=1)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
