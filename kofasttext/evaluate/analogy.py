"""Analogies: 3CosAdd top-1 accuracy over the vocabulary on Park et al.'s Korean
analogy set (``eval/analogy_ko.txt``: ``a b c d`` lines under ``: section`` headers).

An item counts (is *covered*) when all four words are in the vocabulary; the
answer is the in-vocabulary word nearest to ``unit(b) - unit(a) + unit(c)`` by
cosine, ``a``, ``b`` and ``c`` excluded. Accuracy is over covered items; coverage
says how many those are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data import data_dir
from .vectors import WordVectors


@dataclass
class AnalogyResult:
    accuracy: dict[str, float]  # per section, plus "sem", "syn" and "all"
    covered: dict[str, int]
    total: dict[str, int]
    examples: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # a, b, c, expected, predicted


def read_analogies(data=None) -> list[tuple[str, tuple[str, str, str, str]]]:
    items, section = [], "unknown"
    with open(data_dir(data) / "eval" / "analogy_ko.txt", encoding="utf-8-sig") as handle:
        for line in handle:
            line = line.strip()
            if line.startswith(":"):
                section = line[1:].strip()
            elif line:
                words = line.split()
                if len(words) == 4:
                    items.append((section, tuple(words)))
    return items


def analogies(vectors: WordVectors, data=None, chunk: int = 512, only_words=None) -> AnalogyResult:
    """3CosAdd top-1 accuracy, per section and for the sem / syn halves.

    ``only_words`` (a set of words, optional) further restricts the items to those whose four words it holds:
    two models with different vocabularies (one corpus and a larger one) are then scored on the same items.
    The answer is still searched over the whole vocabulary of ``vectors``.

    Examples
    --------
    >>> analogies(WordVectors.from_model(model)).accuracy["syn"]  # jamo, NSMC  # doctest: +SKIP
    0.465
    """
    items = read_analogies(data)
    index = {word: i for i, word in enumerate(vectors.words)}
    unit = vectors.unit
    covered = [(s, words) for s, words in items if all(w in index and (only_words is None or w in only_words) for w in words)]
    correct: dict[str, int] = {}
    examples = []
    for start in range(0, len(covered), chunk):
        block = covered[start : start + chunk]
        ids = np.array([[index[w] for w in words] for _, words in block])
        queries = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]
        scores = queries @ unit.T
        rows = np.arange(len(block))
        for column in range(3):
            scores[rows, ids[:, column]] = -np.inf
        predicted = scores.argmax(1)
        for (section, words), guess in zip(block, predicted):
            hit = vectors.words[guess] == words[3]
            correct[section] = correct.get(section, 0) + hit
            if len(examples) < 5 and not hit:
                examples.append((*words, vectors.words[guess]))
    total: dict[str, int] = {}
    covered_count: dict[str, int] = {}
    for section, _ in items:
        total[section] = total.get(section, 0) + 1
    for section, _ in covered:
        covered_count[section] = covered_count.get(section, 0) + 1
    sections = list(total)
    for group in ("sem", "syn", "all"):
        members = [s for s in sections if group == "all" or s.startswith(group)]
        total[group] = sum(total[s] for s in members)
        covered_count[group] = sum(covered_count.get(s, 0) for s in members)
        correct[group] = sum(correct.get(s, 0) for s in members)
    accuracy = {s: correct.get(s, 0) / covered_count[s] if covered_count.get(s) else 0.0 for s in total}
    return AnalogyResult(accuracy, {s: covered_count.get(s, 0) for s in total}, total, examples)
