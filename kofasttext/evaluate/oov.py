"""OOV robustness: do words never seen in training land next to their relatives?

* `oov_typos`: one-jamo misspellings of frequent words (ㅐ/ㅔ, ㅓ/ㅗ, ㅜ/ㅡ vowel
  confusions, a dropped or added final consonant); the original word should be
  among the typo's nearest in-vocabulary neighbours.
* `oov_conjugations`: inflected forms of the vocabulary's verbs and adjectives,
  generated with kiwipiepy's ``Kiwi.join`` (past, future, honorific, connective,
  nominal and adnominal endings, auxiliaries); some other form of the same lemma
  should be among the nearest neighbours.

Queries are never in the vocabulary (and never in ``exclude``, e.g. every word of
the training corpus); the sets are built deterministically from ``seed``. A
query with no vector (word2vec-style models) scores as a miss.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..hangul import N_JONG, N_JUNG, SYLLABLE_FIRST, SYLLABLE_LAST
from .vectors import WordVectors

# Jungseong indices (ㅏ=0 ... ㅣ=20) that people confuse: ㅐ/ㅔ, ㅒ/ㅖ, ㅓ/ㅗ, ㅙ/ㅞ, ㅜ/ㅡ.
VOWEL_CONFUSIONS = {1: 5, 5: 1, 3: 7, 7: 3, 4: 8, 8: 4, 10: 15, 15: 10, 13: 18, 18: 13}
ADDED_FINALS = (4, 8, 21)  # ㄴ, ㄹ, ㅇ

COMMON_ENDINGS = (
    (("었", "EP"), ("다", "EF")),
    (("었", "EP"), ("겠", "EP"), ("지", "EF")),
    (("었", "EP"), ("겠", "EP"), ("네", "EF")),
    (("었", "EP"), ("겠", "EP"), ("다", "EF")),
    (("겠", "EP"), ("니", "EF")),
    (("었", "EP"), ("니", "EF")),
    (("었", "EP"), ("어요", "EF")),
    (("습니다", "EF"),),
    (("었", "EP"), ("습니다", "EF")),
    (("으시", "EP"), ("었", "EP"), ("다", "EF")),
    (("으시", "EP"), ("ㅂ니다", "EF")),
    (("으시", "EP"), ("었", "EP"), ("나요", "EF")),
    (("고", "EC"),),
    (("어서", "EC"),),
    (("으니까", "EC"),),
    (("으면", "EC"),),
    (("지만", "EC"),),
    (("었", "EP"), ("지만", "EC")),
    (("었", "EP"), ("는데", "EC")),
    (("을까", "EF"),),
    (("었", "EP"), ("을까", "EF")),
    (("나요", "EF"),),
    (("었", "EP"), ("나요", "EF")),
    (("기", "ETN"),),
    (("음", "ETN"),),
    (("은", "ETM"),),
    (("을", "ETM"),),
    (("었", "EP"), ("던", "ETM")),
    (("더라", "EF"),),
    (("었", "EP"), ("더라", "EF")),
    (("겠", "EP"), ("지만", "EC")),
)
VERB_ENDINGS = (
    (("는", "ETM"),),
    (("는데", "EC"),),
    (("어", "EC"), ("보", "VX"), ("았", "EP"), ("다", "EF")),
    (("고", "EC"), ("싶", "VX"), ("다", "EF")),
    (("고", "EC"), ("있", "VX"), ("었", "EP"), ("다", "EF")),
)


@dataclass
class NeighbourScore:
    """How often the right words are among a query's nearest neighbours."""

    hit_at_10: float
    mrr: float
    queries: int
    examples: list[tuple[str, str]]  # (query, what it should be near), a few of them

    def as_dict(self) -> dict:
        return {"hit@10": self.hit_at_10, "mrr": self.mrr, "queries": self.queries}


def _score(vectors: WordVectors, queries: list[str], wanted: list[set[str]]) -> NeighbourScore:
    ranks = vectors.ranks(queries, wanted)
    hits = (ranks >= 1) & (ranks <= 10)
    reciprocal = np.where(ranks >= 1, 1.0 / np.maximum(ranks, 1), 0.0)
    examples = [(q, sorted(w)[0]) for q, w in zip(queries[:5], wanted[:5])]
    return NeighbourScore(float(hits.mean()) if queries else 0.0, float(reciprocal.mean()) if queries else 0.0, len(queries), examples)


def one_jamo_typos(word: str) -> list[str]:
    """Every one-jamo misspelling of ``word`` that `oov_typos` considers.

    Examples
    --------
    >>> "재밌다" in one_jamo_typos("제밌다"), "재미" in one_jamo_typos("잼이")
    (True, False)
    """
    out = []
    for i, char in enumerate(word):
        code = ord(char)
        if not SYLLABLE_FIRST <= code <= SYLLABLE_LAST:
            continue
        index = code - SYLLABLE_FIRST
        cho, rest = divmod(index, N_JUNG * N_JONG)
        jung, jong = divmod(rest, N_JONG)
        variants = []
        if jung in VOWEL_CONFUSIONS:
            variants.append((VOWEL_CONFUSIONS[jung], jong))
        if jong:
            variants.append((jung, 0))
        else:
            variants.extend((jung, final) for final in ADDED_FINALS)
        for new_jung, new_jong in variants:
            syllable = chr(SYLLABLE_FIRST + (cho * N_JUNG + new_jung) * N_JONG + new_jong)
            out.append(word[:i] + syllable + word[i + 1 :])
    return out


def _is_hangul_word(word: str, min_syllables: int = 2) -> bool:
    return len(word) >= min_syllables and all(SYLLABLE_FIRST <= ord(c) <= SYLLABLE_LAST for c in word)


def oov_typos(vectors: WordVectors, source_words=None, exclude=frozenset(), count: int = 1000, seed: int = 0) -> NeighbourScore:
    """Hit@10 and MRR of the original word among the neighbours of its typo.

    Parameters
    ----------
    source_words : list of str, optional
        Words to misspell, most frequent first (default: ``vectors.words``); give
        the same list to every model you compare.
    exclude : set of str
        Words a typo must not be (e.g. every word of the training corpus).
    count : int
        Number of typos (one per source word, the first ``count`` that qualify).
    """
    rng = random.Random(seed)
    queries, wanted = [], []
    for word in source_words if source_words is not None else vectors.words:
        if len(queries) >= count:
            break
        if not _is_hangul_word(word) or word not in vectors:
            continue
        candidates = [t for t in one_jamo_typos(word) if t not in exclude and t not in vectors]
        if candidates:
            queries.append(rng.choice(candidates))
            wanted.append({word})
    return _score(vectors, queries, wanted)


@lru_cache(maxsize=1)
def _kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


def vocabulary_lemmas(words: list[str], limit: int = 3000) -> list[tuple[str, str]]:
    """(stem, tag) of verbs and adjectives among the first ``limit`` words that kiwipiepy
    reads as one stem plus endings (몰랐다 -> (모르, VV)), in order of first appearance."""
    kiwi = _kiwi()
    candidates = [w for w in words[:limit] if _is_hangul_word(w, 1)]
    lemmas: dict[tuple[str, str], None] = {}
    for word, tokens in zip(candidates, kiwi.tokenize(candidates)):
        if tokens and tokens[0].tag in ("VV", "VA") and all(t.tag.startswith("E") for t in tokens[1:]):
            lemmas.setdefault((tokens[0].form, tokens[0].tag))
    return list(lemmas)


def conjugations(stem: str, tag: str) -> list[str]:
    """Inflected forms of a lemma, e.g. ``conjugations("모르", "VV")`` has 몰랐겠지."""
    kiwi = _kiwi()
    endings = COMMON_ENDINGS + (VERB_ENDINGS if tag == "VV" else ())
    forms = {kiwi.join([(stem, tag), *ending]) for ending in endings}
    return sorted(f for f in forms if " " not in f)


def oov_conjugations(
    vectors: WordVectors, lemmas=None, exclude=frozenset(), count: int = 1000, seed: int = 0
) -> NeighbourScore:
    """Hit@10 and MRR of the nearest in-vocabulary form of the same lemma, for
    inflected forms that are not in the vocabulary.

    Parameters
    ----------
    lemmas : list of (stem, tag), optional
        Default: `vocabulary_lemmas` of ``vectors.words``; give the same list to
        every model you compare.
    exclude : set of str
        Words a query must not be (e.g. every word of the training corpus).
    """
    rng = random.Random(seed)
    queries, wanted = [], []
    for stem, tag in lemmas if lemmas is not None else vocabulary_lemmas(vectors.words):
        forms = conjugations(stem, tag)
        known = {f for f in forms if f in vectors}
        unseen = [f for f in forms if f not in vectors and f not in exclude]
        for form in unseen:
            if known:
                queries.append(form)
                wanted.append(known)
    order = list(range(len(queries)))
    rng.shuffle(order)
    order = sorted(order[:count])
    return _score(vectors, [queries[i] for i in order], [wanted[i] for i in order])
