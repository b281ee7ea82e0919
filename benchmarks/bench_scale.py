"""Scale: encoding a corpus larger than memory, with bounded memory, and reusing its cache.

Generates a plain-text corpus of about ``--size-gb`` GB by repeating the lines of
the NSMC pretraining corpus (``DATA/nsmc/corpus.txt.gz``) in a temporary folder.
By default the copies are exact repetitions, so the vocabulary (and the pass-1
word-count dictionary) stays that of one copy while the token count grows with the
size; ``--suffix`` appends one extra token ``copyN`` to every line of copy N (one
more distinct word per copy). Then, each in a fresh subprocess, it runs
`kofasttext.corpus.encode_corpus` (min_count 5, whitespace pretokeniser):

* ``cold``: no cache yet -- one streaming read, the encoded corpus written to
  the cache file beside the input;
* ``cache hit``: the same call again -- the cache is checked and memory-mapped.

For each it reports wall seconds and the peak RSS of the subprocess
(``resource.getrusage(...).ru_maxrss``), prints a markdown table and writes JSON
(default ``benchmarks/results/bench_scale.json``). Not a unit test and not for CI:

    python benchmarks/bench_scale.py [--size-gb 5] [--data ../shared/data] [--keep] [--suffix]
        [--workdir DIR] [--json benchmarks/results/bench_scale.json]

Needs about 2.3x ``--size-gb`` of free disk (the corpus, plus 4 bytes per token of cache), and about
0.5x more while encoding (pass 1's provisional ids: 4 bytes per token and 8 per line).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from kofasttext.corpus import encode_corpus
started = time.monotonic()
corpus = encode_corpus(sys.argv[2], min_count=5)
seconds = time.monotonic() - started
print(json.dumps({
    "seconds": round(seconds, 2),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "cache_hit": corpus.cache_hit,
    "cache_path": corpus.cache_path,
    "lines": corpus.stats.lines,
    "tokens_read": corpus.stats.tokens,
    "tokens_kept": int(len(corpus.tokens)),
    "vocab": len(corpus.vocab),
}))
"""


def generate(source: str, target: str, size_bytes: int, suffix: bool) -> dict:
    with gzip.open(source, "rb") as handle:
        lines = [line.rstrip(b"\r\n") for line in handle]
    copies = 0
    written = 0
    started = time.monotonic()
    with open(target, "wb", buffering=1 << 22) as out:
        while written < size_bytes:
            tail = b" copy%d\n" % copies if suffix else b"\n"
            block = tail.join(lines) + tail
            out.write(block)
            written += len(block)
            copies += 1
    return {"bytes": written, "copies": copies, "source_lines": len(lines), "seconds": round(time.monotonic() - started, 2)}


def run_child(corpus: str) -> dict:
    result = subprocess.run([sys.executable, "-c", _CHILD, REPO, corpus], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"encode_corpus failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=5.0)
    parser.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    parser.add_argument("--workdir", default=None, help="where to write the corpus (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus and its cache")
    parser.add_argument("--suffix", action="store_true", help="append a per-copy token to every line")
    parser.add_argument("--json", default=os.path.join(REPO, "benchmarks", "results", "bench_scale.json"))
    args = parser.parse_args(argv)

    source = os.path.join(args.data, "nsmc", "corpus.txt.gz")
    if not os.path.exists(source):
        sys.exit(f"no {source}; pass --data DIR")
    folder = args.workdir or tempfile.mkdtemp(prefix="kft-scale-")
    os.makedirs(folder, exist_ok=True)
    corpus = os.path.join(folder, f"scale_{args.size_gb:g}gb.txt")
    try:
        generated = generate(source, corpus, int(args.size_gb * 1e9), args.suffix)
        print(f"generated {corpus}: {generated['bytes'] / 1e9:.2f} GB, {generated['copies']} copies", file=sys.stderr)
        runs = {"cold": run_child(corpus), "cache hit": run_child(corpus)}
        cache_bytes = os.path.getsize(runs["cold"]["cache_path"])
    finally:
        if not args.keep:
            if args.workdir is None:
                shutil.rmtree(folder, ignore_errors=True)
            else:  # only what this script wrote: the corpus and its cache
                for name in os.listdir(folder):
                    if name.startswith((".scale_", "scale_")):
                        os.unlink(os.path.join(folder, name))

    cold = runs["cold"]
    print(
        f"\n### encode_corpus on a {generated['bytes'] / 1e9:.2f} GB corpus "
        f"({cold['lines']:,} lines, {cold['tokens_read']:,} tokens, {cold['vocab']:,} words >= 5)\n"
    )
    print("| run | wall s | peak RSS MB | tokens/s |")
    print("|---|---:|---:|---:|")
    for name, run in runs.items():
        rate = cold["tokens_read"] / run["seconds"] if run["seconds"] else float("inf")
        print(f"| {name} | {run['seconds']:.2f} | {run['peak_rss_mb']:.0f} | {rate:,.0f} |")
    print(f"\ncache file: {cache_bytes / 1e9:.2f} GB; corpus generated in {generated['seconds']} s")
    record = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "size_gb": args.size_gb,
        "suffix": args.suffix,
        "generated": generated,
        "cache_bytes": cache_bytes,
        "runs": runs,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as out:
        json.dump(record, out, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
