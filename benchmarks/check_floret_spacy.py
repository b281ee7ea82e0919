"""Does spaCy load our ``.floret`` export and give our vectors? (issue 14, point 2; needs spaCy, not in CI)

For each Bloom-hashed model (``--models``; by default a syllable and a jamo model trained here on the demo
corpus with ``--table-rows 20000 --hash-count 2``): ``kofasttext export MODEL --format floret``, then
``spacy init vectors xx OUT.floret DIR --mode floret`` (``xx``: spaCy's Korean pipeline needs mecab-ko for
its tokenizer, which vectors do not use), then ``spacy.load(DIR)``; every checked word's cosine between
``nlp.vocab[query].vector`` and ``model.get_word_vector(word)``, where the query is the word itself
(syllable) or ``kofasttext.hangul.jamo_form(word)`` (jamo, the export's recipe). Words: ``--words``
vocabulary words (the most frequent) and as many unseen ones (one-jamo typos of them). Exits 1 unless every
cosine is at least 0.9999.

    python benchmarks/check_floret_spacy.py [--models A.kft B.kft] [--words 500] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(SCRIPT_DIR)
GOAL = 0.9999


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", help="Bloom-hashed .kft models (default: train two on the demo corpus)")
    parser.add_argument("--words", type=int, default=500, help="vocabulary words checked, and as many unseen ones")
    parser.add_argument("--json", help="also write the results here")
    return parser.parse_args(argv)


def run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr.strip()}")


def demo_models(folder: str) -> list[str]:
    paths = []
    for scheme in ("syllable", "jamo"):
        path = os.path.join(folder, f"demo_{scheme}_bloom.kft")
        corpus = os.path.join(REPOSITORY, "corpora", "demo_ko.txt")
        run(sys.executable, "-m", "kofasttext", "train", corpus, "-o", path, "--subwords", scheme, "--epoch", "10",
            "--min-count", "2", "--table-rows", "20000", "--hash-count", "2", "--quiet")  # fmt: skip
        paths.append(path)
    return paths


def check(model_path: str, folder: str, count: int) -> dict:
    import spacy

    import kofasttext as kft
    from kofasttext.evaluate.oov import one_jamo_typos
    from kofasttext.hangul import jamo_form

    model = kft.load(model_path)
    name = os.path.splitext(os.path.basename(model_path))[0]
    table, pipeline = os.path.join(folder, f"{name}.floret"), os.path.join(folder, f"{name}_spacy")
    run(sys.executable, "-m", "kofasttext", "export", model_path, "-o", table, "--format", "floret")
    run(sys.executable, "-m", "spacy", "init", "vectors", "xx", table, pipeline, "--mode", "floret")
    nlp = spacy.load(pipeline)
    known = list(model.words[:count])
    vocabulary = set(model.words)
    unseen = [typo for word in known for typo in one_jamo_typos(word)[:1] if typo not in vocabulary][:count]
    query = jamo_form if model.scheme.name == "jamo" else (lambda word: word)
    result = {
        "model": model_path,
        "scheme": model.scheme.name,
        "rows": model.scheme.bucket,
        "hash_count": model.scheme.hash_count,
    }
    for kind, words in (("vocabulary", known), ("unseen", unseen)):
        cosines = []
        for word in words:
            ours, theirs = model.get_word_vector(word), nlp.vocab[query(word)].vector
            cosines.append(float(ours @ theirs / max(np.linalg.norm(ours) * np.linalg.norm(theirs), 1e-30)))
        result[kind] = {"words": len(words), "min_cosine": min(cosines), "mean_cosine": float(np.mean(cosines))}
    return result


def main(argv=None) -> None:
    args = parse_args(argv)
    import spacy

    with tempfile.TemporaryDirectory() as folder:
        models = args.models or demo_models(folder)
        results = [check(path, folder, args.words) for path in models]
    print(f"spaCy {spacy.__version__}; goal: every cosine >= {GOAL}")
    print("| model | scheme | rows x K | vocabulary words: min (mean) cosine | unseen words: min (mean) cosine |")
    print("|---|---|---|---|---|")
    for r in results:
        v, u = r["vocabulary"], r["unseen"]
        print(
            f"| {os.path.basename(r['model'])} | {r['scheme']} | {r['rows']:,} x {r['hash_count']} "
            f"| {v['words']}: {v['min_cosine']:.6f} ({v['mean_cosine']:.6f}) "
            f"| {u['words']}: {u['min_cosine']:.6f} ({u['mean_cosine']:.6f}) |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"spacy": spacy.__version__, "results": results}, out, ensure_ascii=False, indent=1)
    ok = all(r[kind]["min_cosine"] >= GOAL for r in results for kind in ("vocabulary", "unseen"))
    print("spaCy gives our vectors" if ok else "MISMATCH: some cosine is below the goal")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
