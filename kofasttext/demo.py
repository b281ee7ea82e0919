"""``kofasttext demo``: train on the bundled corpus, then show that words the
corpus never contains still land next to their relatives."""

from __future__ import annotations

import sys
import time
from importlib import resources
from pathlib import Path

from .training import train

#: Conjugated forms that the demo corpus does not contain (a test checks it).
UNSEEN_FORMS = ("몰랐겠지", "모르겠니", "먹었겠지", "맛있었겠다", "재미있었겠네", "기다렸겠지")

#: Small enough to train in seconds, large enough for clear neighbours. sample=1e-3
#: rather than 1e-4: in a 24K-token corpus 1e-4 discards most tokens. One thread,
#: so the demo prints the same neighbours on every run.
DEMO_SETTINGS = dict(subwords="jamo", dim=100, epoch=30, min_count=2, sample=1e-3, bucket=200_000, seed=0, threads=1)


def demo_corpus_path() -> str:
    """Path of the bundled demo corpus, ``corpora/demo_ko.txt`` in the repository.

    An installed wheel carries it as package data of ``kofasttext.demo_corpora``;
    code imported straight from a checkout finds it beside the package.
    """
    in_checkout = Path(__file__).resolve().parent.parent / "corpora" / "demo_ko.txt"
    if in_checkout.is_file():
        return str(in_checkout)
    return str(resources.files("kofasttext.demo_corpora") / "demo_ko.txt")


def run_demo(output: str | None = None, out=sys.stdout) -> None:
    corpus = demo_corpus_path()
    print(f"Training jamo subword vectors on the demo corpus ({corpus}) ...", file=out)
    started = time.monotonic()
    model = train(corpus, progress=True, **DEMO_SETTINGS)
    print(f"{len(model.words):,} words in {time.monotonic() - started:.1f}s.\n", file=out)
    print("Nearest neighbours of conjugated forms that never occur in the corpus:", file=out)
    for word in UNSEEN_FORMS:
        seen = "" if word not in model else " (in corpus)"
        neighbours = ", ".join(f"{w} {s:.2f}" for w, s in model.most_similar(word, topn=5))
        print(f"  {word}{seen}: {neighbours}", file=out)
    if output:
        model.save(output)
        print(f"\nsaved the demo model to {output}; try: kofasttext neighbors {output} 몰랐겠지", file=out)
