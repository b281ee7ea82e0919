"""GloVe's two phases, counting and fitting, timed on the NSMC corpus: kofasttext's `train_glove` (subwords
none and jamo) and, when ``--reference DIR`` names a built stanfordnlp/GloVe (its ``build/`` with
``vocab_count``, ``cooccur``, ``shuffle``, ``glove``; built by hand, never in CI, never committed here), the
reference C programs on the same pre-cut text.

Both read the corpus cut once into the words `split_words` gives, space-joined, so that they count the same
tokens. Every run is its own process: its peak RSS is that process's (``os.wait4``).

    python benchmarks/bench_glove.py --data ../shared/data --epochs 2 --threads 2 \\
        --reference /tmp/glove-ref --json benchmarks/results/bench_glove.json --save-models /tmp/glove-models

Counting tokens/s = corpus tokens (all of them, as read) / seconds of the counting call (kofasttext: its
``count_seconds``; the reference: the ``cooccur`` process, which reads the text itself). Fitting: seconds per
epoch (kofasttext: ``epoch_seconds``; the reference: one ``glove -iter 1`` process, its reading included).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import islice

CHILD = """
import json, sys
from kofasttext.training.glove import train_glove
job = json.loads(sys.argv[1])
model = train_glove(job["corpus"], progress=False, **job["options"])
if job.get("save"):
    model.save(job["save"])
keys = ("corpus_tokens", "distinct_pairs", "count_seconds", "epoch_seconds", "loss_per_epoch", "train_seconds")
print("RESULT " + json.dumps({k: model.config[k] for k in keys}))
"""


def timed(command: list[str], stdin=None, stdout=None) -> tuple[float, float, str]:
    """Run ``command``: (wall seconds, peak RSS MiB, its stdout when not redirected)."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdin=stdin, stdout=stdout or subprocess.PIPE, text=stdout is None)
    output = process.stdout.read() if stdout is None else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return time.monotonic() - started, usage.ru_maxrss / 1024, output


def precut(source: str, path: str, max_lines: int | None) -> int:
    from kofasttext.corpus import iter_lines
    from kofasttext.pretokenizers import split_words

    tokens = 0
    with open(path, "w", encoding="utf-8") as out:
        for line in islice(iter_lines(source), max_lines):
            words = split_words(line)
            tokens += len(words)
            out.write(" ".join(words) + "\n")
    return tokens


def ours(corpus: str, subwords: str, args, save: str | None) -> dict:
    options = dict(
        dim=args.dim,
        window=args.window,
        epoch=args.epochs,
        min_count=args.min_count,
        subwords=subwords,
        threads=args.threads,
    )
    job = {"corpus": corpus, "options": options, "save": save}
    wall, rss, output = timed([sys.executable, "-c", CHILD, json.dumps(job)])
    result = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    return {"system": f"kofasttext {subwords}", "wall_seconds": round(wall, 1), "peak_rss_mib": round(rss), **result}


def reference(build: str, corpus: str, folder: str, args) -> dict:
    tool = {name: os.path.join(build, "build", name) for name in ("vocab_count", "cooccur", "shuffle", "glove")}
    vocab, cooc, shuf = (os.path.join(folder, name) for name in ("vocab.txt", "cooccur.bin", "shuffled.bin"))
    with open(corpus, "rb") as text, open(vocab, "wb") as out:
        timed([tool["vocab_count"], "-min-count", str(args.min_count), "-verbose", "0"], text, out)
    with open(corpus, "rb") as text, open(cooc, "wb") as out:
        count_seconds, count_rss, _ = timed(
            [tool["cooccur"], "-memory", "4", "-vocab-file", vocab, "-verbose", "0", "-window-size", str(args.window)],
            text,
            out,
        )
    with open(cooc, "rb") as pairs, open(shuf, "wb") as out:
        timed([tool["shuffle"], "-memory", "4", "-verbose", "0"], pairs, out)
    fit = [tool["glove"], "-input-file", shuf, "-vocab-file", vocab, "-save-file", os.path.join(folder, "vectors")]
    fit += ["-threads", str(args.threads), "-vector-size", str(args.dim), "-iter", "1", "-binary", "0", "-verbose", "0"]
    fit_seconds, fit_rss, _ = timed(fit)
    return {
        "system": "stanfordnlp/GloVe (C)",
        "distinct_pairs": os.path.getsize(cooc) // 16,  # a record: int32 word, int32 context, float64 count
        "count_seconds": round(count_seconds, 2),
        "count_peak_rss_mib": round(count_rss),
        "epoch_seconds": [round(fit_seconds, 2)],
        "fit_peak_rss_mib": round(fit_rss),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--max-lines", type=int, help="only the first lines of the corpus")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=2, help="kofasttext epochs timed (the reference runs one)")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--subwords", default="none,jamo", help="comma-separated kofasttext schemes")
    parser.add_argument("--reference", metavar="DIR", help="a built stanfordnlp/GloVe checkout (DIR/build/cooccur)")
    parser.add_argument("--save-models", metavar="DIR", help="keep kofasttext's models here (for kofasttext eval)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-glove-") as folder:
        corpus = os.path.join(folder, "nsmc.txt")
        tokens = precut(os.path.join(args.data, "nsmc", "corpus.txt.gz"), corpus, args.max_lines)
        rows = []
        for subwords in args.subwords.split(","):
            save = os.path.join(args.save_models, f"glove-{subwords}.kft") if args.save_models else None
            rows.append(ours(corpus, subwords, args, save))
        if args.reference:
            rows.append(reference(args.reference, corpus, folder, args))
        else:
            print(
                "(no --reference DIR: the reference C GloVe is not run; its published anchor is ~1.2M tokens/s "
                "counting on one thread)",
                file=sys.stderr,
            )
    counted = next((row["corpus_tokens"] for row in rows if "corpus_tokens" in row), tokens)
    print(
        f"NSMC pre-cut: {tokens:,} tokens ({counted:,} counted by kofasttext); window {args.window}, "
        f"dim {args.dim}, {args.threads} threads\n"
    )
    print("| system | distinct pairs | counting s | counting tokens/s | s per epoch | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        per_epoch = sum(row["epoch_seconds"]) / len(row["epoch_seconds"])
        rss = row.get("peak_rss_mib") or f"{row['count_peak_rss_mib']} / {row['fit_peak_rss_mib']}"
        print(
            f"| {row['system']} | {row['distinct_pairs']:,} | {row['count_seconds']:.1f} | "
            f"{counted / row['count_seconds']:,.0f} | {per_epoch:.1f} | {rss} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"tokens": tokens, "counted_tokens": counted, "settings": vars(args), "rows": rows}, out, indent=1)


if __name__ == "__main__":
    main()
