"""Issue 13's checks with the real libraries on NSMC-sized models: exports read by fastText, gensim and spaCy,
and the time and memory of loading a 2M-bucket dim-300 fastText .bin, against fastText's own ``load_model``.

1. **Exports.** A syllable (2-4) and a jamo (3-6) model, `kft.train` defaults on ``DATA/nsmc/corpus.txt.gz``
   (kept in ``--models-dir`` for the next run; ``--model-syllable`` / ``--model-jamo`` give others), are
   exported with ``kofasttext export`` (the command line, as a user runs it) to a fastText .bin, a .vec and a
   word2vec binary. fastText's ``load_model`` and gensim's ``load_facebook_vectors`` read the .bin, gensim's
   ``load_word2vec_format`` the .vec and the binary, and spaCy (when installed) ``spacy init vectors xx`` the .vec.
   Every reader's vectors are compared with ours by cosine on 1,000 vocabulary words (a seeded sample) and, for
   the .bin, 1,000 unseen words (one-jamo typos of frequent vocabulary words that are no vocabulary word,
   `evaluate.oov.one_jamo_typos`); a jamo model is queried as ``hangul.jamo_form(word)``, the documented recipe.
2. **Loading.** fastText trains a model of cc.ko.300's layout (CBOW, dim 300, minn 5, maxn 5, 2M buckets, one
   epoch) on the NSMC corpus; then, in fresh processes, alternating, ``fasttext.load_model`` and ``kft.load``
   each open it and look one word up. Reported: wall seconds of the load and the lookup, and the process's
   peak RSS above what it held after importing its library (the file is read once before, so both find it
   in the page cache). The published cc.ko.300.bin also has 2M WORDS (7.2 GB): the same is measured on a
   file of that size, the trained file's words, rows and buckets with random-syllable words (and random
   rows) added up to 2,000,000 words, written by `interop.fasttext_bin.save_fasttext`.

Not a unit test: run it by hand on an idle machine (~25 minutes on 2 cores, ~11 GB of free disk, ~16 GB of
memory).

    python benchmarks/bench_interop.py [--data DIR] [--models-dir DIR] [--model-syllable FILE]
        [--model-jamo FILE] [--runs 3] [--json FILE] [--skip-export] [--skip-load]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import numpy as np

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
SAMPLE = 1_000
CC_KO_LAYOUT = dict(model="cbow", dim=300, minn=5, maxn=5, bucket=2_000_000, epoch=1, thread=2, verbose=0)
LOOKUP = "영화"
FULL_VOCABULARY = 2_000_000  # cc.ko.300's word count


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA") or os.path.join("..", "shared", "data"))
    parser.add_argument("--models-dir", help="where the trained models are kept (default: the kofasttext cache folder)")
    parser.add_argument("--model-syllable", help="a syllable .kft to export (default: train one)")
    parser.add_argument("--model-jamo", help="a jamo .kft to export (default: train one)")
    parser.add_argument("--runs", type=int, default=3, help="alternating load runs per library")
    parser.add_argument("--json", default=os.path.join(SCRIPT_DIR, "results", "bench_interop.json"), help="merged into")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: load one file with one library
    return parser.parse_args(argv)


def cosines(ours: np.ndarray, theirs: np.ndarray) -> dict:
    """Cosine of each pair of rows; a pair of zero vectors (a word with no known n-gram, in both) agrees
    and is counted apart, a zero vector beside a non-zero one disagrees (cosine 0)."""
    our_norms, their_norms = np.linalg.norm(ours, axis=1), np.linalg.norm(theirs, axis=1)
    both_zero = (our_norms == 0) & (their_norms == 0)
    cos = (ours * theirs).sum(1) / np.maximum(our_norms * their_norms, 1e-30)
    cos[both_zero] = 1.0
    return {"n": len(cos), "both_zero": int(both_zero.sum()), "min": float(cos.min()), "mean": float(cos.mean())}


def trained_model(kft, scheme: str, given: str | None, folder: str, data: str) -> str:
    if given:
        return given
    path = os.path.join(folder, f"nsmc_{scheme}.kft")
    if not os.path.exists(path):
        print(f"training the {scheme} model on the NSMC corpus ...", file=sys.stderr)
        kft.train(os.path.join(data, "nsmc", "corpus.txt.gz"), subwords=scheme, seed=0).save(path)
    return path


def unseen_words(model, count: int, seed: int = 0) -> list[str]:
    from kofasttext.evaluate.oov import one_jamo_typos

    vocabulary = set(model.words)
    candidates = sorted({typo for word in model.words[:5000] for typo in one_jamo_typos(word) if typo not in vocabulary})
    return random.Random(seed).sample(candidates, count)


def run_cli(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "kofasttext", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"kofasttext {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def check_exports(kft, scheme: str, model_path: str, folder: str) -> dict:
    import fasttext
    from gensim.models import KeyedVectors
    from gensim.models.fasttext import load_facebook_vectors

    from kofasttext.hangul import jamo_form

    model = kft.load(model_path)
    rng = random.Random(0)
    vocabulary = rng.sample(list(model.words), SAMPLE)
    unseen = unseen_words(model, SAMPLE)
    query = jamo_form if scheme == "jamo" else (lambda word: word)
    result = {"model": os.path.basename(model_path), "words": len(model.words)}

    binary = os.path.join(folder, f"{scheme}.bin")
    started = time.perf_counter()
    result["export_message"] = run_cli("export", model_path, "-o", binary, "--format", "fasttext").strip()
    result["export_bin_seconds"] = round(time.perf_counter() - started, 1)
    result["bin_bytes"] = os.path.getsize(binary)
    ft = fasttext.load_model(binary)
    gensim_ft = load_facebook_vectors(binary)
    for name, words in (("vocabulary", vocabulary), ("unseen", unseen)):
        ours = model.embedding_matrix(words, warn=False)
        result[f"fasttext_{name}"] = cosines(ours, np.stack([ft.get_word_vector(query(w)) for w in words]))
        result[f"gensim_bin_{name}"] = cosines(ours, np.stack([gensim_ft[query(w)] for w in words]))
    del ft, gensim_ft

    vec = os.path.join(folder, f"{scheme}.vec")
    w2v = os.path.join(folder, f"{scheme}.w2v")
    run_cli("export", model_path, "-o", vec, "--format", "vec")
    run_cli("export", model_path, "-o", w2v, "--format", "gensim")
    ours = model.embedding_matrix(vocabulary, warn=False)
    for name, path, is_binary in (("gensim_vec", vec, False), ("gensim_w2v", w2v, True)):
        vectors = KeyedVectors.load_word2vec_format(path, binary=is_binary)
        result[name] = cosines(ours, np.stack([vectors[w] for w in vocabulary]))
    result["spacy_vec"] = spacy_check(vec, vocabulary, ours, folder, scheme)
    return result


def spacy_check(vec: str, words: list[str], ours: np.ndarray, folder: str, scheme: str) -> dict | str:
    try:
        import spacy
    except ImportError:
        return "not installed (pip install spacy)"
    target = os.path.join(folder, f"spacy_{scheme}")
    # "xx" (multi-language): spaCy's "ko" needs mecab-ko for its tokenizer, which vectors do not use.
    subprocess.run([sys.executable, "-m", "spacy", "init", "vectors", "xx", vec, target], check=True, capture_output=True)
    nlp = spacy.load(target)
    return cosines(ours, np.stack([nlp.vocab[w].vector for w in words])) | {"spacy": spacy.__version__}


# -- loading ------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM, not getrusage's ru_maxrss, which Linux carries across exec
    from the parent (here, the one that trained the model)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def worker(job: dict) -> None:
    """Import one library, then load the file and look a word up; print the measures as JSON."""
    if job["library"] == "fasttext":
        import fasttext

        imported = peak_rss_mib()
        started = time.perf_counter()
        model = fasttext.load_model(job["path"])
        vector = model.get_word_vector(LOOKUP)
    else:
        import kofasttext as kft

        imported = peak_rss_mib()
        started = time.perf_counter()
        model = kft.load(job["path"])
        vector = model.get_word_vector(LOOKUP)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rss_mib": peak_rss_mib() - imported, "norm": float(np.linalg.norm(vector))}))


def trained_cc_layout(data: str, folder: str) -> str:
    import fasttext

    path = os.path.join(folder, "cc_ko_layout.bin")
    if not os.path.exists(path):
        print("fastText trains a cc.ko.300-layout model on the NSMC corpus ...", file=sys.stderr)
        with tempfile.TemporaryDirectory() as scratch:
            corpus = os.path.join(scratch, "corpus.txt")
            subprocess.run(f"zcat {os.path.join(data, 'nsmc', 'corpus.txt.gz')} > {corpus}", shell=True, check=True)
            fasttext.train_unsupervised(input=corpus, **CC_KO_LAYOUT).save_model(path)
    return path


def full_vocabulary_layout(trained: str, folder: str) -> str:
    """``trained``'s words, rows and buckets, with random-syllable words (random rows, decreasing counts)
    added up to `FULL_VOCABULARY` words: a file of cc.ko.300.bin's size and shape."""
    from types import SimpleNamespace

    from kofasttext.interop.fasttext_bin import read_fasttext, save_fasttext
    from kofasttext.subwords import SubwordScheme

    path = os.path.join(folder, "cc_ko_2m_words.bin")
    if os.path.exists(path):
        return path
    print(f"writing a {FULL_VOCABULARY:,}-word file of cc.ko.300's layout ...", file=sys.stderr)
    raw = read_fasttext(trained)
    rng = np.random.default_rng(0)
    words, known = list(raw.words), set(raw.words)
    while len(words) < FULL_VOCABULARY:
        lengths = rng.integers(2, 6, size=FULL_VOCABULARY)
        codes = rng.integers(0xAC00, 0xD7A4, size=(FULL_VOCABULARY, 5))
        for length, row in zip(lengths, codes):
            word = "".join(map(chr, row[:length]))
            if word not in known and len(words) < FULL_VOCABULARY:
                known.add(word)
                words.append(word)
    old, new, dim, bucket = len(raw.words), len(words), CC_KO_LAYOUT["dim"], CC_KO_LAYOUT["bucket"]
    input_matrix = np.empty((new + bucket, dim), dtype=np.float32)
    input_matrix[:old] = raw.input_matrix[:old]
    input_matrix[old:new] = rng.standard_normal((new - old, dim), dtype=np.float32) * 0.05
    input_matrix[new:] = raw.input_matrix[old:]
    output_matrix = np.zeros((new, dim), dtype=np.float32)
    output_matrix[:old] = raw.output_matrix
    counts = np.concatenate([raw.counts, np.linspace(raw.counts[-1], 1, new - old).astype(np.int64)])
    model = SimpleNamespace(  # what save_fasttext reads of a model
        config={"model": CC_KO_LAYOUT["model"], "corpus_tokens": raw.ntokens},
        scheme=SubwordScheme.create("syllable", CC_KO_LAYOUT["minn"], CC_KO_LAYOUT["maxn"], bucket),
        vocab=SimpleNamespace(words=words, counts=counts),
        dim=dim,
        input_matrix=input_matrix,
        output_matrix=output_matrix,
        used_buckets=None,
    )
    save_fasttext(model, path)
    return path


def measure_loading(path: str, runs: int) -> dict:
    with open(path, "rb") as handle:  # into the page cache, for both libraries alike
        while handle.read(1 << 24):
            pass
    rows = {"fasttext": [], "kofasttext": []}
    for _ in range(runs):
        for library in rows:
            job = json.dumps({"library": library, "path": path})
            output = subprocess.run(
                [sys.executable, __file__, "--worker", job], capture_output=True, text=True, check=True
            ).stdout
            rows[library].append(json.loads(output.strip().splitlines()[-1]))
    return {"file": os.path.basename(path), "bytes": os.path.getsize(path), "settings": CC_KO_LAYOUT, "runs": rows}


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return
    import kofasttext as kft
    from kofasttext.environment import cache_dir

    folder = args.models_dir or os.path.join(cache_dir(), "bench_interop")
    os.makedirs(folder, exist_ok=True)
    results = {}
    if os.path.exists(args.json):  # a part skipped keeps its last measurement
        with open(args.json, encoding="utf-8") as previous:
            results = json.load(previous)
    results.update(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), command=" ".join(sys.argv))
    if not args.skip_export:
        results["exports"] = {}
        for scheme, given in (("syllable", args.model_syllable), ("jamo", args.model_jamo)):
            model_path = trained_model(kft, scheme, given, folder, args.data)
            results["exports"][scheme] = check_exports(kft, scheme, model_path, folder)
            print(json.dumps({scheme: results["exports"][scheme]}, ensure_ascii=False, indent=1))
    if not args.skip_load:
        trained = trained_cc_layout(args.data, folder)
        results["loading"] = measure_loading(trained, args.runs)
        print(report_loading(results["loading"]))
        results["loading_2m_words"] = measure_loading(full_vocabulary_layout(trained, folder), args.runs)
        print(report_loading(results["loading_2m_words"]))
    with open(args.json, "w", encoding="utf-8") as out:
        json.dump(results, out, ensure_ascii=False, indent=1)


def report_loading(loading: dict) -> str:
    lines = [
        f"Loading {loading['file']} ({loading['bytes'] / 2**30:.2f} GiB) and looking up one word, fresh process each:",
        "",
        "| library | seconds (runs) | peak RSS above the import, MiB (runs) |",
        "|---|---|---|",
    ]
    for library, runs in loading["runs"].items():
        seconds = " / ".join(f"{r['seconds']:.2f}" for r in runs)
        rss = " / ".join(f"{r['rss_mib']:.0f}" for r in runs)
        lines.append(f"| {library} | {seconds} | {rss} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
