"""The Bloom tables of ``bench_compress.py`` once compressed: their file sizes and load times as float32 and
float16 (pruning and float16 keep their vectors, so their quality is the table's own row there), and the jamo
table ``--pq-model`` in product quantisation with 25 subvectors at k-means seeds 0, 1, 2, scored beside the
full model by the same evaluator (issue 14's 10 MB goal, over k-means seeds).

Run after ``bench_compress.py`` with the same ``--models-dir`` (it reads ``nsmc_*_bloom_*.kft`` and
``nsmc_jamo.kft`` there and writes the compressed files beside them):

    python benchmarks/bench_bloom_sizes.py --models-dir DIR [--data DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", required=True, help="bench_compress.py's --models-dir")
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--pq-model", default="nsmc_jamo_bloom_200000_2.kft", help="the table quantised at 3 seeds")
    parser.add_argument("--json", default=os.path.join(SCRIPT_DIR, "results", "bench_compress_bloom_sizes.json"))
    args = parser.parse_args(argv)
    import kofasttext as kft
    from kofasttext.evaluate import WordVectors
    from kofasttext.evaluate.report import evaluate_all

    out = {}
    tables = sorted(glob.glob(os.path.join(args.models_dir, "nsmc_*_bloom_*.kft")))
    for path in [p for p in tables if re.fullmatch(r"nsmc_[a-z]+_bloom_\d+_\d\.kft", os.path.basename(p))]:
        model, row = kft.load(path), {}
        for dtype in ("float32", "float16"):
            target = path.replace(".kft", f"_{dtype}.kft")
            kft.compress(model, dtype=dtype, progress=False).save(target)
            row[dtype] = os.path.getsize(target)
            started = time.perf_counter()
            kft.load(target).most_similar("영화", topn=10)  # the load and the first query, as bench_compress times
            row[f"{dtype}_load_s"] = time.perf_counter() - started
        out[os.path.basename(path)] = row
        print(os.path.basename(path), row, flush=True)
    model = kft.load(os.path.join(args.models_dir, args.pq_model))
    vectors = {"full": WordVectors.from_model(kft.load(os.path.join(args.models_dir, "nsmc_jamo.kft")), name="full")}
    for seed in (0, 1, 2):
        target = os.path.join(args.models_dir, f"{args.pq_model[:-4]}_pq25_seed{seed}.kft")
        kft.compress(model, pq_subvectors=25, seed=seed, progress=False).save(target)
        out[f"pq25 seed {seed} bytes"] = os.path.getsize(target)
        vectors[f"seed {seed}"] = WordVectors.from_model(kft.load(target), name=f"seed {seed}")
    report = evaluate_all(vectors, args.data, log=lambda line: print(line, file=sys.stderr))
    for name, m in report.items():
        out[name] = {
            "typo": m["oov_typos"]["hit@10"],
            "conj": m["oov_conjugations"]["hit@10"],
            "probe": m["nsmc_logistic"]["accuracy"],
            "ws353": m["ws353"]["spearman"],
        }
        print(name, out[name], flush=True)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(out, handle, indent=1)


if __name__ == "__main__":
    main()
