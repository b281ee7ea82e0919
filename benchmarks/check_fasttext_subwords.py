"""Check that our subwords equal fastText's, word for word, on a real corpus.

For the syllable scheme, ``SubwordScheme.ngrams`` and ``bucket_ids`` must give
exactly the n-grams and bucket ids of ``fasttext``'s ``get_subwords`` for the same
minn/maxn/bucket; for the jamo scheme, the same holds against fastText run on the
jamo-decomposed word (`hangul.to_jamo`). Needs ``pip install fasttext``; not part
of the unit tests, which use golden values instead.

    python benchmarks/check_fasttext_subwords.py [--data DIR] [--words 20000]
"""

from __future__ import annotations

import argparse
import os
import tempfile

import fasttext

from kofasttext.corpus import iter_lines
from kofasttext.hangul import to_jamo
from kofasttext.pretokenizers import split_words
from kofasttext.subwords import SubwordScheme

CASES = [("syllable", 2, 4), ("syllable", 1, 6), ("jamo", 3, 6), ("jamo", 1, 3)]


def distinct_words(path: str, limit: int) -> list[str]:
    words: dict[str, None] = {}
    for line in iter_lines(path):
        for word in split_words(line):
            words.setdefault(word)
        if len(words) >= limit:
            break
    return list(words)[:limit]


def fasttext_model(minn: int, maxn: int, bucket: int):
    # A model that knows one word only; every word we query is then out of its
    # vocabulary and get_subwords returns n-grams alone.
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\x01 " * 10 + "\n")  # a "word" no corpus tokenises to
    try:
        return fasttext.train_unsupervised(
            handle.name, model="skipgram", minn=minn, maxn=maxn, bucket=bucket, dim=2, epoch=1, minCount=1, verbose=0
        )
    finally:
        os.unlink(handle.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("KOFASTTEXT_DATA", "../shared/data"))
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--bucket", type=int, default=2_000_000)
    args = parser.parse_args()
    words = distinct_words(os.path.join(args.data, "nsmc", "corpus.txt.gz"), args.words)
    print("| scheme | minn | maxn | words | n-grams | mismatching words |\n|---|---|---|---|---|---|")
    failures = 0
    for name, minn, maxn in CASES:
        ours = SubwordScheme.create(name, minn=minn, maxn=maxn, bucket=args.bucket)
        reference = fasttext_model(minn, maxn, args.bucket)
        nwords = len(reference.words)
        mismatches, total = 0, 0
        for word in words:
            ngrams = ours.ngrams(word)
            their_ngrams, their_ids = reference.get_subwords(to_jamo(word) if name == "jamo" else word)
            total += len(ngrams)
            if ngrams != list(their_ngrams) or list(ours.bucket_ids(ngrams)) != [i - nwords for i in their_ids]:
                mismatches += 1
                if mismatches <= 3:
                    print(f"  mismatch {name} {word!r}: {ngrams[:4]} vs {list(their_ngrams)[:4]}")
        failures += mismatches
        print(f"| {name} | {minn} | {maxn} | {len(words):,} | {total:,} | {mismatches} |")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
