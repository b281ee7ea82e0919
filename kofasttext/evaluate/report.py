"""All measures for one or more models, as one comparable report (``kofasttext eval``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from ..environment import data_dir
from ..errors import CorpusError
from .analogy import analogies
from .oov import oov_query_sets, score_queries
from .probe import OOV_SHARE_BUCKETS, logistic_probe
from .similarity import word_similarity
from .vectors import WordVectors

MEASURES = ("oov_typos", "oov_conjugations", "nsmc_logistic", "ws353", "analogy")


def default_exclude_corpora(data=None) -> list[Path]:
    """``[DATA/nsmc/corpus.txt.gz]`` when it exists, else ``[]``: the corpus every NSMC model here is trained on,
    whose words the OOV queries must avoid."""
    try:
        corpus = data_dir(data) / "nsmc" / "corpus.txt.gz"
    except CorpusError:
        return []
    return [corpus] if corpus.is_file() else []


def evaluate_all(
    named_vectors: dict[str, WordVectors],
    data=None,
    exclude_corpora=None,
    log: Callable[[str], None] | None = None,
    *,
    count: int = 1000,
    seed: int = 0,
) -> dict[str, dict]:
    """Every measure for every model.

    The OOV query sets are built once (`oov.oov_query_sets`), from the first model's vocabulary, so that all
    models answer the same queries; they avoid every word of ``exclude_corpora`` (cut on whitespace, and also
    by each model's own pretokeniser where that is another) and of every model's vocabulary, and are cached
    (`shared_query_sets`). How a set was built is in each model's ``oov_typos["set"]`` /
    ``oov_conjugations["set"]`` (the same dict for every model), and `describe_sets` words it. Each column is
    `evaluate_model`.

    Parameters
    ----------
    named_vectors : dict of str to WordVectors
        Models by the name their column gets.
    data : path, optional
        The data folder (see `data.data_dir`).
    exclude_corpora : list of path or (path, column), optional
        The corpora the models were trained on. Default: `default_exclude_corpora` (NSMC's pretraining corpus
        when the data folder has it); ``[]`` excludes no corpus, only the vocabularies.
    log : callable, optional
        Called with each progress line (the command line prints them on stderr); default: silent.
    count, seed : int
        Queries per OOV set and the seed they are drawn with.
    """
    if exclude_corpora is None:
        exclude_corpora = default_exclude_corpora(data)
    log = log or (lambda line: None)
    started = time.monotonic()
    sets = shared_query_sets(list(named_vectors.values()), exclude_corpora, log, count=count, seed=seed)
    log(f"OOV query sets ready in {time.monotonic() - started:.1f} s")
    report = {}
    for name, vectors in named_vectors.items():
        log(f"evaluating {name} ...")
        report[name] = evaluate_model(vectors, sets, data)
    return report


def shared_query_sets(
    models: list[WordVectors], exclude_corpora, log: Callable[[str], None] | None = None, *, count: int = 1000, seed: int = 0
):
    """The OOV sets all of ``models`` answer (`oov.oov_query_sets`): drawn from the first model's vocabulary,
    avoiding ``exclude_corpora`` (cut on whitespace and by every other pretokeniser among the models) and every
    model's vocabulary; ``log`` is told when a set has to be built."""
    first, *others = models
    return oov_query_sets(
        first.words,
        exclude_corpora,
        other_vocabularies=[vectors.words for vectors in others],
        count=count,
        seed=seed,
        log=log,
        corpus_tokenizers={v.tokenizer: v.split_texts for v in models if v.tokenizer != "whitespace"},
    )


def evaluate_model(vectors: WordVectors, sets: dict, data=None) -> dict:
    """Every measure for one model, against OOV ``sets`` from `shared_query_sets`: one column of the report."""
    started = time.monotonic()
    typos = score_queries(vectors, sets["typos"])
    conjugations = score_queries(vectors, sets["conjugations"])
    probe = logistic_probe(vectors, data)
    similarity = word_similarity(vectors, data)
    analogy = analogies(vectors, data)
    return {
        "oov_typos": {**typos.as_dict(), "set": sets["typos"].description},
        "oov_conjugations": {**conjugations.as_dict(), "set": sets["conjugations"].description},
        "nsmc_logistic": {
            "accuracy": probe.accuracy,
            "test_oov_token_share": probe.oov_share,
            "oov_by_share": probe.by_oov_share,
        },
        "ws353": similarity.as_dict(),
        "analogy": {"accuracy": analogy.accuracy, "covered": analogy.covered, "total": analogy.total},
        "seconds": round(time.monotonic() - started, 1),
    }


def _ws353_parts_cell(r: dict) -> str:
    ws = r["ws353"]
    parts = [ws.get("spearman_in_vocabulary"), ws.get("spearman_with_unseen")]  # absent from older reports
    counts = f"({ws['in_vocabulary']} / {ws['pairs'] - ws['in_vocabulary']} pairs)"
    return " / ".join("-" if value is None else f"{value:.3f}" for value in parts) + " " + counts


def _by_share_cell(bucket: str):
    def cell(r: dict) -> str:
        entry = r["nsmc_logistic"].get("oov_by_share", {}).get(bucket)
        if not entry:
            return "-"
        accuracy = "-" if entry["accuracy"] is None else f"{100 * entry['accuracy']:.2f}%"
        return f"{accuracy} ({entry['reviews']})"

    return cell


def markdown_table(report: dict[str, dict]) -> str:
    """One row per measure, one column per model, then `describe_sets` under the table.

    The NSMC rows by OOV share give the review count of each bucket in brackets: the share is counted against
    each model's own vocabulary, so the counts differ between models.
    """
    names = list(report)
    rows = [
        (
            "OOV typos hit@10 / MRR",
            lambda r: f"{r['oov_typos']['hit@10']:.3f} / {r['oov_typos']['mrr']:.3f} ({r['oov_typos']['queries']})",
        ),
        (
            "OOV conjugations hit@10 / MRR",
            lambda r: (
                f"{r['oov_conjugations']['hit@10']:.3f} / {r['oov_conjugations']['mrr']:.3f} ({r['oov_conjugations']['queries']})"
            ),
        ),
        ("NSMC logistic probe accuracy", lambda r: f"{100 * r['nsmc_logistic']['accuracy']:.2f}%"),
        *((f"NSMC accuracy, review OOV share {label}", _by_share_cell(label)) for label, _ in OOV_SHARE_BUCKETS),
        ("WS353 Spearman", lambda r: f"{r['ws353']['spearman']:.3f}"),
        ("WS353 Spearman, pairs in the vocabulary / with an unseen word", _ws353_parts_cell),
        (
            "analogy sem / syn (covered)",
            lambda r: (
                f"{r['analogy']['accuracy']['sem']:.3f} / {r['analogy']['accuracy']['syn']:.3f} "
                f"({r['analogy']['covered']['all']}/{r['analogy']['total']['all']})"
            ),
        ),
    ]
    lines = ["| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(report[n]) for n in names) + " |")
    description = describe_sets(report)
    if description:
        lines += ["", description]
    return "\n".join(lines)


def describe_sets(report: dict[str, dict]) -> str:
    """One line saying how the OOV query sets of ``report`` were built ("" when the report does not say).

    Examples
    --------
    For the jamo model trained on NSMC's corpus::

        OOV sets (seed 0): 1000 typos, one per word, of the most frequent 1201 of 84868 vocabulary words; 1000
        conjugations of 163 lemmas, drawn from 2589 unseen forms of 170 verb/adjective lemmas; queries avoid all
        860373 words of nsmc/corpus.txt.gz and the model's vocabulary.
    """
    first = next(iter(report.values()), {})
    typos = first.get("oov_typos", {}).get("set")
    conjugations = first.get("oov_conjugations", {}).get("set")
    if not isinstance(typos, dict) or not isinstance(conjugations, dict):
        return ""
    try:
        return _describe(typos, conjugations)
    except (KeyError, TypeError):  # a report from before sets were described (read back from JSON)
        return ""


def _describe(typos: dict, conjugations: dict) -> str:
    corpora = [os.path.join(*Path(path).parts[-2:]) for path in typos.get("excluded_corpora", [])]
    vocabularies = typos.get("excluded_vocabularies", 1)
    avoided = " and ".join(
        part
        for part in (
            f"all {typos['excluded_corpus_words']} words of {', '.join(corpora)}" if corpora else "",
            "the model's vocabulary" if vocabularies == 1 else f"the {vocabularies} models' vocabularies",
        )
        if part
    )
    if not corpora:
        avoided += " (no training corpus excluded: some queries may have been seen in training)"
    return (
        f"OOV sets (seed {typos['seed']}): {typos['queries']} typos, one per word, of the most frequent "
        f"{typos['scanned_words']} of {typos['source_vocabulary']} vocabulary words; {conjugations['queries']} conjugations "
        f"of {conjugations['lemmas']} lemmas, drawn from {conjugations['candidate_forms']} unseen forms of "
        f"{conjugations['candidate_lemmas']} verb/adjective lemmas; queries avoid {avoided}."
    )
