"""Concurrency: threads querying one model while its lazily built caches fill get one thread's answers, and a
training run does not disturb queries on another model in the same process (nor they it).

A `Model` builds three caches on first use, without a lock: the word vectors (`Model.word_vectors`), their unit
rows (`VectorQueries._unit`) and the searched vocabulary forms (`Model.knows`). Each is computed whole into a
local and then assigned in one step, so a thread sees either no cache (and computes the same one itself) or a
complete one; the tests start 16 threads at once on a freshly loaded model, so that they race to fill them.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import in_threads, topic_lines

import kofasttext as kft

THREADS = 16
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _answers(model) -> list:
    """Every kind of query, in a fixed order: neighbours, vectors of unseen words, analogies, sentence
    vectors, similarity, and whether words are known."""
    words = model.words[:6]
    unseen = ["몰랐겠지", "재밌었닼ㅋ", "영홯", "뷁"]
    return [
        [model.most_similar(word, topn=5) for word in words + unseen[:3]],
        [model.get_word_vector(word) for word in unseen],
        [_outcome(model.analogy, words[0], words[1], words[2], topn=3),
         _outcome(model.analogy, words[3], unseen[0], words[4], topn=3)],
        [model.get_sentence_vector("배우 연기가 최고!! " + " ".join(words))] if hasattr(model, "get_sentence_vector") else [],
        [model.similarity(a, b) for a, b in zip(words, unseen)],
        [model.knows(word) for word in words + unseen],
    ]


def _outcome(query, *args, **options):
    """The answer of a query, or the message of the `KofasttextError` it raises (an analogy with an unknown
    word), so that refusals are compared too."""
    try:
        return query(*args, **options)
    except kft.KofasttextError as error:
        return f"{type(error).__name__}: {error}"


def _same(first, second) -> bool:
    if isinstance(first, np.ndarray):
        return np.array_equal(first, second)
    if isinstance(first, (list, tuple)):
        return len(first) == len(second) and all(_same(a, b) for a, b in zip(first, second))
    return first == second


@pytest.mark.parametrize("fixture", ["demo_jamo.kft", "demo_ppmi.kft"])
def test_sixteen_threads_filling_the_caches_get_one_threads_answers(fixture):
    path = str(FIXTURES / fixture)
    expected = _answers(kft.load(path))
    for _ in range(3):  # a fresh model each round: its caches empty, the threads race to fill them
        model = kft.load(path)
        for answers in in_threads(lambda _, model=model: _answers(model), count=THREADS):
            assert _same(answers, expected)


def test_a_training_run_and_queries_on_another_model_do_not_interfere(tmp_path):
    corpus = tmp_path / "topics.txt"
    corpus.write_text("\n".join(topic_lines(2000)) + "\n", encoding="utf-8")
    settings = dict(dim=16, bucket=20_000, min_count=1, epoch=3, threads=1, seed=3, progress=False)
    alone = kft.train(str(corpus), **settings)
    path = str(FIXTURES / "demo_jamo.kft")
    expected = _answers(kft.load(path))
    model = kft.load(path)
    trained = {}
    stop = threading.Event()

    def train() -> None:
        try:
            trained["model"] = kft.train(str(corpus), **settings)
        finally:
            stop.set()

    trainer = threading.Thread(target=train)
    trainer.start()
    during = 0  # rounds of queries that started while the training ran
    while not stop.is_set():
        during += 1
        for answers in in_threads(lambda _: _answers(model), count=4):
            assert _same(answers, expected)
    trainer.join(timeout=120)
    assert during >= 1, "the training ended before any query ran beside it"
    assert np.array_equal(trained["model"].word_vectors(), alone.word_vectors()), "queries changed the training run"
    assert trained["model"].words == alone.words
