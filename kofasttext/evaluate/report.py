"""All measures for one or more models, as one comparable report (``kofasttext eval``)."""

from __future__ import annotations

import sys
import time

from .analogy import analogies
from .classification import logistic_probe
from .oov import oov_conjugations, oov_typos, vocabulary_lemmas
from .similarity import word_similarity
from .vectors import WordVectors

MEASURES = ("oov_typos", "oov_conjugations", "nsmc_logistic", "ws353", "analogy")


def evaluate_all(named_vectors: dict[str, WordVectors], data=None, log=sys.stderr) -> dict[str, dict]:
    """Every measure for every model. The OOV query sets are built once, from the
    first model's vocabulary, so that all models answer the same queries."""
    first = next(iter(named_vectors.values()))
    source_words = first.words
    lemmas = vocabulary_lemmas(first.words)
    report = {}
    for name, vectors in named_vectors.items():
        started = time.monotonic()
        print(f"evaluating {name} ...", file=log)
        typos = oov_typos(vectors, source_words=source_words)
        conjugations = oov_conjugations(vectors, lemmas=lemmas)
        probe = logistic_probe(vectors, data)
        similarity = word_similarity(vectors, data)
        analogy = analogies(vectors, data)
        report[name] = {
            "oov_typos": typos.as_dict(),
            "oov_conjugations": conjugations.as_dict(),
            "nsmc_logistic": {"accuracy": probe.accuracy, "test_oov_token_share": probe.oov_share},
            "ws353": {"spearman": similarity.spearman, "pairs": similarity.pairs, "in_vocabulary": similarity.pairs_in_vocabulary},
            "analogy": {"accuracy": analogy.accuracy, "covered": analogy.covered, "total": analogy.total},
            "seconds": round(time.monotonic() - started, 1),
        }
    return report


def markdown_table(report: dict[str, dict]) -> str:
    """One row per measure, one column per model."""
    names = list(report)
    rows = [
        ("OOV typos hit@10 / MRR", lambda r: f"{r['oov_typos']['hit@10']:.3f} / {r['oov_typos']['mrr']:.3f} ({r['oov_typos']['queries']})"),
        (
            "OOV conjugations hit@10 / MRR",
            lambda r: f"{r['oov_conjugations']['hit@10']:.3f} / {r['oov_conjugations']['mrr']:.3f} ({r['oov_conjugations']['queries']})",
        ),
        ("NSMC logistic probe accuracy", lambda r: f"{100 * r['nsmc_logistic']['accuracy']:.2f}%"),
        ("WS353 Spearman", lambda r: f"{r['ws353']['spearman']:.3f}"),
        (
            "analogy sem / syn (covered)",
            lambda r: f"{r['analogy']['accuracy']['sem']:.3f} / {r['analogy']['accuracy']['syn']:.3f} "
            f"({r['analogy']['covered']['all']}/{r['analogy']['total']['all']})",
        ),
    ]
    lines = ["| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(report[n]) for n in names) + " |")
    return "\n".join(lines)
