"""What each API path answers: plain dicts (JSON as they are) computed from a model's query verbs.

No web framework here: `app` reads and checks the parameters (`parameters`), calls one of these in a worker thread
and sends the dict. The two that rank the vocabulary (`neighbors`, `arithmetic`) are plans: generators that yield
the one `Ranking` they need, get the ranked ``(word, similarity)`` pairs sent back and return the dict, so that
`batching.Batcher` can rank the plans of many requests in one matrix product. Every answer says which words are in
the vocabulary, because a word that is not is the point of this package: its vector is the sum of its n-grams'
rows, and the neighbours show what that sum found.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from ..hangul import JONG_FILLER, from_jamo
from .expression import Term
from .projection import project_2d


@dataclass(frozen=True)
class Ranking:
    """What a plan asks to be ranked: ``model.most_similar(positive, negative, topn)``'s pairs."""

    positive: list
    negative: list
    topn: int


def _rounded(score: float) -> float:
    return round(float(score), 4)


def _vocabulary_row(model, word: str) -> int:
    return model.vocab.id(word)


def _neighbour_list(pairs) -> list[dict]:
    return [{"word": word, "similarity": _rounded(score)} for word, score in pairs]


def _map(model, anchors: list[tuple[str, str, np.ndarray]], pairs) -> list[dict]:
    """Points of the 2-D map: the anchors (label, role, vector) first, then the neighbours."""
    vectors = [vector for _, _, vector in anchors]
    labels = [(label, role) for label, role, _ in anchors]
    if pairs:
        rows = np.array([_vocabulary_row(model, word) for word, _ in pairs])
        vectors.extend(model.word_vectors()[rows])
        labels.extend((word, "neighbor") for word, _ in pairs)
    points = project_2d(np.stack(vectors)) if vectors else np.zeros((0, 2))
    return [{"word": label, "role": role, "x": _rounded(x), "y": _rounded(y)} for (label, role), (x, y) in zip(labels, points)]


def neighbors(model, word: str, k: int) -> Generator[Ranking, list, dict]:
    """Plan of the ``k`` nearest vocabulary words of ``word``, whether it is in the vocabulary, and the 2-D map.

    Examples
    --------
    >>> plan = neighbors(model, "몰랐겠지", 2)  # doctest: +SKIP
    >>> ranking = next(plan)  # the word's vector, to be ranked  # doctest: +SKIP
    >>> plan.send(model.most_similar(ranking.positive, topn=ranking.topn))  # doctest: +SKIP
    StopIteration: {'word': '몰랐겠지', 'in_vocabulary': False, 'has_vector': True,
     'neighbors': [{'word': '몰랐지', 'similarity': 0.854}, ...], 'map': [...]}
    """
    vector = model.get_word_vector(word)
    has_vector = bool(np.any(vector))
    pairs = []
    if has_vector:
        # The vector is computed once (the map needs it too) and ranked as a vector, which leaves nothing out:
        # k + 1 answers without the word itself are what ranking the word would leave, cut to k.
        ranked = yield Ranking([vector], [], k + 1)
        pairs = [(other, score) for other, score in ranked if other != word][:k]
    return {
        "word": word,
        "in_vocabulary": word in model,
        "has_vector": has_vector,
        "neighbors": _neighbour_list(pairs),
        "map": _map(model, [(word, "query", vector)], pairs) if has_vector else [],
    }


def arithmetic(model, expression: str, terms: list[Term], k: int) -> Generator[Ranking, list, dict]:
    """Plan of the ``k`` vocabulary words nearest to an expression's value (`expression` module), and the 2-D
    map; driven as `neighbors`' plan is.

    Examples
    --------
    >>> plan = arithmetic(model, "한국 - 서울 + 도쿄", parse_expression("한국 - 서울 + 도쿄"), 1)  # doctest: +SKIP
    >>> ranking = next(plan)  # doctest: +SKIP
    >>> plan.send(model.most_similar(ranking.positive, ranking.negative, topn=ranking.topn))  # doctest: +SKIP
    StopIteration: {'expression': '한국 - 서울 + 도쿄', 'terms': [...], 'neighbors': [{'word': '일본', ...}], ...}
    """
    positive = [term.word for term in terms if term.sign > 0]
    negative = [term.word for term in terms if term.sign < 0]
    described, anchors = [], []
    value = np.zeros(model.dim, dtype=np.float32)
    for term in terms:
        vector = model.get_word_vector(term.word)
        norm = float(np.linalg.norm(vector))
        sign = "+" if term.sign > 0 else "-"
        described.append({"word": term.word, "sign": sign, "in_vocabulary": term.word in model, "has_vector": norm > 0})
        if norm > 0:
            value += term.sign * vector / norm  # what most_similar sums, so the map's "=" point is the query
            anchors.append((term.word, "term", vector))
    pairs = (yield Ranking(positive, negative, k)) if np.any(value) else []
    points = _map(model, [("=", "query", value), *anchors], pairs) if pairs else []
    return {"expression": expression, "terms": described, "neighbors": _neighbour_list(pairs), "map": points}


def similarity(model, first: str, second: str) -> dict:
    """Cosine similarity of two words' vectors (0 when either has none), and whether each is in the vocabulary.

    Examples
    --------
    >>> similarity(model, "재밌었다", "재미있었다")  # doctest: +SKIP
    {'a': '재밌었다', 'b': '재미있었다', 'similarity': 0.81, 'a_in_vocabulary': True, 'b_in_vocabulary': False}
    """
    return {
        "a": first,
        "b": second,
        "similarity": _rounded(model.similarity(first, second)),
        "a_in_vocabulary": first in model,
        "b_in_vocabulary": second in model,
    }


def readable(piece: str) -> str:
    """A subword as a person reads it: complete jamo triples composed back into syllables, a lone jamo as its
    compatibility letter (ᄆ -> ㅁ), the empty-final filler as ``·``.

    Examples
    --------
    >>> from kofasttext.hangul import to_jamo
    >>> readable(to_jamo("<몰라")[:3]), readable(to_jamo("몰라")[1:6]), readable(to_jamo("가다")[2:5])
    ('<ㅁㅗ', 'ㅗㄹ라', '·ㄷㅏ')
    """
    out = []
    for char in from_jamo(piece):
        if char == JONG_FILLER:
            out.append("·")
            continue
        name = unicodedata.name(char, "")
        if name.startswith(("HANGUL CHOSEONG ", "HANGUL JUNGSEONG ", "HANGUL JONGSEONG ")):
            try:
                char = unicodedata.lookup("HANGUL LETTER " + name.split(" ", 2)[2])
            except KeyError:  # an archaic jamo with no compatibility letter: kept as it is
                pass
        out.append(char)
    return "".join(out)


def _stored(model, row_ids: np.ndarray) -> np.ndarray:
    """Which of `Model.get_subwords`' row ids have a row in the model: an n-gram whose bucket no vocabulary
    word uses has none (it adds nothing to the vector)."""
    buckets = np.asarray(row_ids, dtype=np.int64) - model.scheme.first_bucket_row(len(model.vocab))
    if model.used_buckets is None:
        return np.ones(len(row_ids), dtype=bool)
    used = np.asarray(model.used_buckets)
    position = np.minimum(np.searchsorted(used, buckets), max(len(used) - 1, 0))
    return (used[position] == buckets) if len(used) else np.zeros(len(row_ids), dtype=bool)


def subwords(model, word: str) -> dict:
    """The pieces ``word``'s vector is the sum of, each with whether the model has a row for it.

    The word itself comes first when it is in the vocabulary (its own row); then its n-grams, in the
    scheme's form (``text``) and readable (``display``, `readable`). A model without subwords (a PPMI or
    word2vec-style model) lists the word alone.

    Examples
    --------
    >>> subwords(model, "몰랐겠지")["subwords"][:2]  # doctest: +SKIP
    [{'text': '<모', 'display': '<ㅁㅗ', 'row': 100301, 'known': True, 'kind': 'ngram'}, ...]
    """
    in_vocabulary = word in model
    scheme = getattr(model, "scheme", None)
    if scheme is None or not hasattr(model, "get_subwords"):
        pieces = [{"text": word, "display": word, "row": _vocabulary_row(model, word), "known": in_vocabulary, "kind": "word"}]
        return {"word": word, "in_vocabulary": in_vocabulary, "scheme": "none", "subwords": pieces}
    grams, rows = model.get_subwords(word)
    known = _stored(model, rows)
    pieces = []
    for position, (gram, row) in enumerate(zip(grams, rows)):
        own_row = position == 0 and in_vocabulary and not scheme.bloom
        pieces.append(
            {
                "text": gram,
                "display": readable(gram),
                "row": int(row),
                "known": True if own_row else bool(known[position]),
                "kind": "word" if own_row else "ngram",
            }
        )
    return {"word": word, "in_vocabulary": in_vocabulary, "scheme": scheme.name, "subwords": pieces}


def search(index, model, query: str, k: int) -> dict:
    """The ``k`` indexed documents nearest to ``query`` (`kofasttext.search.DocumentIndex.search`).

    Examples
    --------
    >>> search(index, model, "배우 연기 최고", 3)["documents"][0]  # doctest: +SKIP
    {'document': 1042, 'text': '배우들 연기 최고...', 'similarity': 0.83}
    """
    hits = index.search(model, query, k=k)
    documents = [{"document": hit.document, "text": hit.text, "similarity": _rounded(hit.score)} for hit in hits]
    return {"query": query, "documents": documents}


def describe_models(catalog) -> dict:
    """What `/api/v1/models` answers: each loaded model's name, file and settings, and the index if any."""
    models = []
    for name, model in catalog.models.items():
        config = getattr(model, "config", {})
        pretokenizer = getattr(model, "pretokenizer", None)
        models.append(
            {
                "name": name,
                "path": catalog.paths.get(name),
                "words": len(model.words),
                "dim": model.dim,
                "subwords": config.get("subwords", "none"),
                # n-gram lengths [shortest, longest] over syllables and over jamo (None: not used)
                "syllable_range": config.get("syllable_range"),
                "jamo_range": config.get("jamo_range"),
                "pretokenizer": pretokenizer.spec if pretokenizer is not None else "whitespace",
                "compressed": bool(config.get("compression")),
            }
        )
    index = None
    if catalog.index is not None:
        index = {"documents": len(catalog.index), "model": catalog.index.model_path, "dtype": catalog.index.config["dtype"]}
    return {"models": models, "index": index}
