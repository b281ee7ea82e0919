"""OOV robustness: do words never seen in training land next to their relatives?

* typos: one-jamo misspellings of frequent words (ㅐ/ㅔ, ㅓ/ㅗ, ㅜ/ㅡ vowel confusions, a dropped or added final
  consonant); the original word should be among the typo's nearest in-vocabulary neighbours.
* conjugations: inflected forms of the vocabulary's verbs and adjectives, generated with kiwipiepy's ``Kiwi.join``
  (past, future, honorific, connective, nominal and adnominal endings, auxiliaries); some in-vocabulary form of
  the same lemma should be among the nearest neighbours.

Building a set (`typo_queries`, `conjugation_queries`) is separate from scoring it (`score_queries`), so that
every model compared answers exactly the same queries. A query is never in the vocabulary and never in
``exclude``: `oov_query_sets` passes every word of the training corpora (`data.corpus_words`, no min_count), so
"unseen" means unseen in training, not merely rarer than min_count. The sets are drawn with a seeded
``random.Random`` and cached as JSON. A query with no vector (a word2vec-style model, ``subwords="none"``) scores
as a miss: rank 0, no hit, reciprocal rank 0.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..hangul import compose_syllable, is_syllable, syllable_parts
from ..pretokenizers.kiwi import analyser, kiwi_version
from .data import corpus_fingerprint, corpus_words, digest, read_cached, write_cached
from .vectors import WordVectors

#: Part of every cached set's key: bump it when the way sets are drawn changes, so old cached sets are rebuilt.
SETS_VERSION = 2
#: Conjugations come from the verbs and adjectives among this many most frequent vocabulary words.
LEMMA_SOURCE_WORDS = 3000

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
    (("으시", "EP"), ("ᆸ니다", "EF")),  # Kiwi's own ᆸ (U+11B8, a final consonant): compatibility ㅂ stays unjoined
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
class QuerySet:
    """OOV queries and, for each, the in-vocabulary words it should be near.

    Attributes
    ----------
    kind : str
        ``"typos"`` or ``"conjugations"``.
    queries : list of str
    wanted : list of list of str
        ``wanted[i]``: the right answers for ``queries[i]`` (the original word of a typo; the in-vocabulary forms
        of a conjugation's lemma).
    description : dict
        How the set was built, for the report: ``queries``, the source counts, ``seed``, ``excluded_words`` and
        (from `oov_query_sets`) ``excluded_corpora``.
    """

    kind: str
    queries: list[str]
    wanted: list[list[str]]
    description: dict

    def to_json(self) -> dict:
        return {"kind": self.kind, "queries": self.queries, "wanted": self.wanted, "description": self.description}

    @classmethod
    def from_json(cls, value) -> QuerySet:
        """Raises TypeError or ValueError unless ``value`` is what `to_json` writes (a cached file may be damaged)."""
        if not isinstance(value, dict) or not isinstance(value.get("description"), dict):
            raise TypeError("not a query set")
        queries, wanted = value.get("queries"), value.get("wanted")
        if not (isinstance(queries, list) and isinstance(wanted, list) and len(queries) == len(wanted)):
            raise ValueError("queries and wanted differ in length")
        if not all(isinstance(q, str) for q in queries) or not all(
            isinstance(w, list) and w and all(isinstance(x, str) for x in w) for w in wanted
        ):
            raise ValueError("queries must be strings and wanted non-empty lists of strings")
        return cls(str(value.get("kind")), queries, wanted, value["description"])


@dataclass
class NeighbourScore:
    """How often the right words are among a query's nearest neighbours."""

    hit_at_10: float
    mrr: float
    queries: int
    examples: list[tuple[str, str]]  # (query, what it should be near), a few of them

    def as_dict(self) -> dict:
        return {"hit@10": self.hit_at_10, "mrr": self.mrr, "queries": self.queries}


def score_queries(vectors: WordVectors, query_set: QuerySet) -> NeighbourScore:
    """Hit@10 and MRR of ``query_set`` for ``vectors``.

    The rank of a query is that of its best-ranked wanted word among all of ``vectors.words`` (`WordVectors.ranks`);
    wanted words outside this model's vocabulary are ignored, and a query whose vector is zero (no known row,
    as for word2vec) or with no wanted word in the vocabulary counts as a miss with reciprocal rank 0.
    """
    return _score(vectors, query_set.queries, [set(w) for w in query_set.wanted])


def _score(vectors: WordVectors, queries: list[str], wanted: list[set[str]]) -> NeighbourScore:
    ranks = vectors.ranks(queries, wanted)
    hits = (ranks >= 1) & (ranks <= 10)
    reciprocal = np.where(ranks >= 1, 1.0 / np.maximum(ranks, 1), 0.0)
    examples = [(q, min(w)) for q, w in zip(queries[:5], wanted[:5])]
    return NeighbourScore(
        float(hits.mean()) if queries else 0.0, float(reciprocal.mean()) if queries else 0.0, len(queries), examples
    )


def one_jamo_typos(word: str) -> list[str]:
    """Every one-jamo misspelling of ``word`` that `oov_typos` considers.

    Examples
    --------
    >>> "재밌다" in one_jamo_typos("제밌다"), "재미" in one_jamo_typos("잼이")
    (True, False)
    """
    out = []
    for i, char in enumerate(word):
        if not is_syllable(char):
            continue
        cho, jung, jong = syllable_parts(char)
        variants = []
        if jung in VOWEL_CONFUSIONS:
            variants.append((VOWEL_CONFUSIONS[jung], jong))
        if jong:
            variants.append((jung, 0))
        else:
            variants.extend((jung, final) for final in ADDED_FINALS)
        for new_jung, new_jong in variants:
            out.append(word[:i] + compose_syllable(cho, new_jung, new_jong) + word[i + 1 :])
    return out


def _is_hangul_word(word: str, min_syllables: int = 2) -> bool:
    return len(word) >= min_syllables and all(map(is_syllable, word))


def typo_queries(
    source_words: Sequence[str],
    vocabulary: Container[str] | None = None,
    exclude: Container[str] = frozenset(),
    count: int = 1000,
    seed: int = 0,
) -> QuerySet:
    """One typo each for the first ``count`` source words that have one outside the vocabulary and ``exclude``.

    Parameters
    ----------
    source_words : sequence of str
        Words to misspell, most frequent first; words of fewer than two syllables or with a non-Hangul
        character are skipped (a one-syllable typo is too often another word).
    vocabulary : container of str, optional
        In-vocabulary words (default: ``set(source_words)``): a source word must be in it, a typo must not.
    exclude : container of str
        Words a typo must not be either (every word of the training corpus).
    count, seed : int
        Number of typos; seed of the ``random.Random`` that picks one of each word's typos.

    Examples
    --------
    >>> typo_queries(["재밌다", "배우"], count=2).wanted
    [['재밌다'], ['배우']]
    """
    vocabulary = set(source_words) if vocabulary is None else vocabulary
    rng = random.Random(seed)
    queries, wanted, scanned = [], [], 0
    used: set[str] = set()
    for word in source_words:
        if len(queries) >= count:
            break
        scanned += 1
        if not _is_hangul_word(word) or word not in vocabulary:
            continue
        # A typo shared by two source words would have two right answers; the first word keeps it.
        candidates = [
            t for t in dict.fromkeys(one_jamo_typos(word)) if t not in exclude and t not in vocabulary and t not in used
        ]
        if candidates:
            typo = rng.choice(candidates)
            used.add(typo)
            queries.append(typo)
            wanted.append([word])
    description = {
        "queries": len(queries),
        "source_words": len(queries),  # one typo per misspelled word
        "scanned_words": scanned,  # of the most frequent source words, until ``count`` qualified
        "seed": seed,
        "excluded_words": _size(exclude),
    }
    return QuerySet("typos", queries, wanted, description)


def _size(words: Container[str]) -> int | None:
    try:
        return len(words)  # type: ignore[arg-type]
    except TypeError:
        return None


def vocabulary_lemmas(words: list[str], limit: int = 3000) -> list[tuple[str, str]]:
    """(stem, tag) of verbs and adjectives among the first ``limit`` words that kiwipiepy
    reads as one stem plus endings (몰랐다 -> (모르, VV)), in order of first appearance."""
    kiwi = analyser()  # the one Kiwi of the process, shared with the kiwi pretokeniser
    candidates = [w for w in words[:limit] if _is_hangul_word(w, 1)]
    lemmas: dict[tuple[str, str], None] = {}
    for tokens in kiwi.tokenize(candidates):
        if tokens and tokens[0].tag in ("VV", "VA") and all(t.tag.startswith("E") for t in tokens[1:]):
            lemmas.setdefault((tokens[0].form, tokens[0].tag))
    return list(lemmas)


def conjugations(stem: str, tag: str) -> list[str]:
    """Inflected forms of a lemma, e.g. ``conjugations("모르", "VV")`` has 몰랐겠지."""
    kiwi = analyser()  # the one Kiwi of the process, shared with the kiwi pretokeniser
    endings = COMMON_ENDINGS + (VERB_ENDINGS if tag == "VV" else ())
    forms = {kiwi.join([(stem, tag), *ending]) for ending in endings}
    # A form that is not all syllables (보시ㅂ니다) is an ending Kiwi could not attach, not a word anyone writes.
    return sorted(f for f in forms if _is_hangul_word(f, 1))


def conjugation_queries(
    lemmas: Iterable[tuple[str, str]],
    vocabulary: Container[str],
    exclude: Container[str] = frozenset(),
    count: int = 1000,
    seed: int = 0,
) -> QuerySet:
    """Inflected forms outside the vocabulary and ``exclude``, each wanting the in-vocabulary forms of its lemma.

    Every unseen form of every lemma with at least one in-vocabulary form is a candidate; ``count`` of them are
    drawn with ``random.Random(seed)`` and kept in candidate order. A form that two lemmas produce (가다 and
    갈다 both give 간) is one query that wants the known forms of both.

    Parameters
    ----------
    lemmas : iterable of (stem, tag)
        From `vocabulary_lemmas`, e.g. ``[("모르", "VV")]``.
    vocabulary : container of str
        In-vocabulary words: the wanted forms must be in it, the queries must not.
    exclude : container of str
        Words a query must not be either (every word of the training corpus).
    """
    lemmas = list(lemmas)
    index: dict[str, int] = {}
    candidates: list[tuple[str, set[str], set[tuple[str, str]]]] = []
    for lemma in lemmas:
        forms = conjugations(*lemma)
        known = {f for f in forms if f in vocabulary}
        if not known:
            continue
        for form in forms:
            if form in vocabulary or form in exclude:
                continue
            if form in index:
                _, wanted, sources = candidates[index[form]]
                wanted |= known
                sources.add(lemma)
            else:
                index[form] = len(candidates)
                candidates.append((form, set(known), {lemma}))
    order = list(range(len(candidates)))
    random.Random(seed).shuffle(order)
    chosen = [candidates[i] for i in sorted(order[:count])]
    description = {
        "queries": len(chosen),
        "lemmas": len(set().union(*(sources for _, _, sources in chosen))),
        "candidate_forms": len(candidates),
        "candidate_lemmas": len(set().union(*(sources for _, _, sources in candidates))),
        "source_lemmas": len(lemmas),
        "seed": seed,
        "excluded_words": _size(exclude),
    }
    return QuerySet("conjugations", [form for form, _, _ in chosen], [sorted(w) for _, w, _ in chosen], description)


# -- one model at a time (benchmarks that prepared their own word lists) ----------------------------------------


def oov_typos(vectors: WordVectors, source_words=None, exclude=frozenset(), count: int = 1000, seed: int = 0) -> NeighbourScore:
    """Hit@10 and MRR of the original word among the neighbours of its typo (`typo_queries` with this model's
    vocabulary, then `score_queries`).

    Parameters
    ----------
    source_words : list of str, optional
        Words to misspell, most frequent first (default: ``vectors.words``); give the same list to every model
        you compare, or better, build one `typo_queries` set and score it for each.
    exclude : set of str
        Words a typo must not be (every word of the training corpus).
    count : int
        Number of typos (one per source word, the first ``count`` that qualify).
    """
    words = source_words if source_words is not None else vectors.words
    return score_queries(vectors, typo_queries(words, vectors, exclude, count, seed))


def oov_conjugations(vectors: WordVectors, lemmas=None, exclude=frozenset(), count: int = 1000, seed: int = 0) -> NeighbourScore:
    """Hit@10 and MRR of the nearest in-vocabulary form of the same lemma, for inflected forms that are not in
    the vocabulary (`conjugation_queries` with this model's vocabulary, then `score_queries`).

    Parameters
    ----------
    lemmas : list of (stem, tag), optional
        Default: `vocabulary_lemmas` of ``vectors.words``; give the same list to every model you compare.
    exclude : set of str
        Words a query must not be (every word of the training corpus).
    """
    lemmas = lemmas if lemmas is not None else vocabulary_lemmas(vectors.words)
    return score_queries(vectors, conjugation_queries(lemmas, vectors, exclude, count, seed))


# -- one set for all models, cached ------------------------------------------------------------------------------


# Long for its docstring (what the cache key holds); the code is key, exclusion, build-or-read each set.
def oov_query_sets(
    source_words: Sequence[str],
    exclude_corpora: Iterable = (),
    other_vocabularies: Iterable[Sequence[str]] = (),
    count: int = 1000,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    corpus_tokenizers: dict[str, Callable] | None = None,
) -> dict[str, QuerySet]:
    """The typo and conjugation sets every compared model answers, built from one vocabulary and cached.

    Queries avoid ``source_words``, every word of ``exclude_corpora`` and every word of ``other_vocabularies``,
    so that they are out of vocabulary for every model compared and were never seen in training. Each set is
    cached as JSON under a hash of (``SETS_VERSION``, the source words, the corpora's path/size/mtime/column,
    the other vocabularies, ``count``, ``seed``, and for conjugations the kiwipiepy version and
    ``LEMMA_SOURCE_WORDS``); on a hit neither the corpora nor kiwipiepy is touched. A damaged cache file is
    rebuilt.

    Parameters
    ----------
    source_words : sequence of str
        The first model's vocabulary, most frequent first.
    exclude_corpora : iterable of path or (path, column)
        Training corpora (a TSV one with its text column) whose words no query may be.
    other_vocabularies : iterable of sequence of str
        The vocabularies of the other models compared.
    count, seed : int
        Queries per set and the seed they are drawn with.
    log : callable, optional
        Called with one line before a set is built (it can take seconds).
    corpus_tokenizers : dict of str to callable, optional
        ``{WordVectors.tokenizer: WordVectors.tokenize_many}`` of compared models that do not cut text on
        whitespace (kiwi, sentencepiece): the corpora's words as each of them cuts them are excluded too, since
        such a model may have seen a query as a word of its own (kiwi:join makes 몰랐겠지 out of 몰랐겠지ㅋㅋ).
        Their keys are part of the cache key.

    Returns
    -------
    dict
        ``{"typos": QuerySet, "conjugations": QuerySet}``; each description also names the ``excluded_corpora``.
    """
    corpora = [(item, None) if isinstance(item, (str, os.PathLike)) else tuple(item) for item in exclude_corpora]
    fingerprints = [corpus_fingerprint(path, column) for path, column in corpora]  # a missing corpus fails here
    others = [list(words) for words in other_vocabularies]
    tokenizers = dict(sorted((corpus_tokenizers or {}).items()))
    base = {
        "version": SETS_VERSION,
        "source_words": digest("\n".join(source_words)),
        "exclude_corpora": fingerprints,
        "other_vocabularies": [digest("\n".join(words)) for words in others],
        "count": count,
        "seed": seed,
    }
    if tokenizers:  # absent for whitespace-only comparisons, so their cached sets stay valid
        base["corpus_tokenizers"] = list(tokenizers)
    exclusion = _Exclusion(corpora, tokenizers, [source_words, *others])
    builders = {
        "typos": (lambda: typo_queries(source_words, set(source_words), exclusion.words(), count, seed), {}),
        "conjugations": (
            lambda: conjugation_queries(
                vocabulary_lemmas(list(source_words), LEMMA_SOURCE_WORDS), set(source_words), exclusion.words(), count, seed
            ),
            {"kiwipiepy": kiwi_version(), "lemma_source_words": LEMMA_SOURCE_WORDS},
        ),
    }
    sets = {}
    for kind, (build, extra) in builders.items():
        key = {**base, "kind": kind, **extra}
        name = f"oov-{kind}-{digest(json.dumps(key, sort_keys=True, ensure_ascii=False))[:24]}.json"
        query_set = _read_set(name, key)
        if query_set is None:
            if log is not None:
                log(f"building the OOV {kind} set ...")
            query_set = build()
            query_set.description.update(
                source_vocabulary=len(source_words),
                excluded_corpora=[f["path"] for f in fingerprints],
                excluded_corpus_words=exclusion.corpus_word_count,
                excluded_vocabularies=1 + len(others),
            )
            write_cached(name, json.dumps({"key": key, "set": query_set.to_json()}, ensure_ascii=False).encode("utf-8"))
        sets[kind] = query_set
    return sets


class _Exclusion:
    """The words no query may be: every word of the corpora (cut on whitespace and by each of ``tokenizers``)
    and of the vocabularies. Read on first use only: a cache hit never touches the corpora."""

    def __init__(self, corpora: list[tuple], tokenizers: dict[str, Callable], vocabularies: list[Sequence[str]]):
        self.corpora, self.tokenizers, self.vocabularies = corpora, tokenizers, vocabularies
        self._words: set[str] | None = None
        self.corpus_word_count = 0  # how many distinct corpus words there were, once read

    def words(self) -> set[str]:
        if self._words is None:
            words: set[str] = set()
            for path, column in self.corpora:
                words |= corpus_words(path, column)
                for tokenizer, tokenize_many in self.tokenizers.items():
                    words |= corpus_words(path, column, tokenize_many, tokenizer)
            self.corpus_word_count = len(words)
            self._words = words.union(*self.vocabularies)
        return self._words


def _read_set(name: str, key: dict) -> QuerySet | None:
    content = read_cached(name)
    if content is None:
        return None
    try:
        stored = json.loads(content.decode("utf-8"))
        if not isinstance(stored, dict) or stored.get("key") != key:
            return None
        return QuerySet.from_json(stored.get("set"))
    except (TypeError, ValueError):  # bad UTF-8, bad JSON, or not a set
        return None

