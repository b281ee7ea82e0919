"""Subword schemes: which character n-grams a word is made of, and their rows.

The n-gram enumeration and the hash follow fastText's ``Dictionary::computeSubwords``
and ``Dictionary::hash`` exactly, so for the syllable scheme our n-grams and bucket
ids are the ones ``fasttext``'s ``get_subwords`` gives for the same minn/maxn/bucket:

* the word is wrapped as ``<word>``; n-grams of ``minn..maxn`` code points start at
  every position; the 1-grams ``<`` and ``>`` alone are never n-grams;
* n-grams are listed by start position, then by length, duplicates kept (a word
  with a repeated n-gram sums that row twice, as fastText does);
* the hash is 32-bit FNV-1a over the UTF-8 bytes, each byte sign-extended
  (``uint32(int8(b))``) before the xor -- every Hangul byte is >= 0x80, so this
  matters for every Korean n-gram;
* the row of an n-gram is ``nwords + hash % bucket`` (words own rows 0..nwords-1).

Schemes (`SubwordScheme.name`):

* ``syllable``: n-grams over code points of ``<word>`` (a Hangul syllable is one);
* ``jamo``: n-grams over ``<`` + `hangul.to_jamo` (word) + ``>``, three symbols per
  syllable, so 몰랐다 and 모르다 still share ``<모``;
* ``hybrid``: the syllable n-grams plus the jamo n-grams that are not already among
  them (a jamo n-gram with no Hangul in it equals a syllable n-gram), hashed into
  the same buckets;
* ``none``: no n-grams: a word is its own row (plain word2vec).

Bloom hashing (``hash_count`` >= 1, floret's mode; `SubwordScheme.bloom`): words and n-grams share ONE table
of ``bucket`` rows and no word has a row of its own. A word's entries are the whole ``<word>`` (for jamo,
``<`` + its jamo + ``>``; for hybrid and none, ``<word>``) followed by the scheme's n-grams, as floret's
``Dictionary::computeSubwords`` lists them (a ``<word>`` of at most maxn symbols is also one of its own
n-grams, so it counts twice, as in floret); each entry is hashed with `murmurhash.floret_keys` to
``hash_count`` rows (``key % bucket``, entry by entry). Vocabulary and unseen words are built alike, so an
unseen word is as well served as a known one, and the table is as small as one wants (floret's Korean
vectors in spaCy have 50K-200K rows). The word vector stays the SUM of its rows (floret and spaCy take
their mean: same direction, so every cosine is the same).

A scheme may also carry an extra n-gram source (`SubwordScheme.extra`, set with
`SubwordScheme.with_extra`): a function giving more n-gram strings for a word,
appended after the scheme's own and hashed into the same buckets. The
``sentencepiece:subwords`` pretokeniser adds a word's SentencePiece pieces this
way. The source belongs to the pretokeniser (it is stored with it, not in
`SubwordScheme.to_config`); a scheme without one is exactly fastText's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import UsageError
from .hangul import to_jamo
from .murmurhash import floret_keys
from .validate import positive_int

SCHEMES = ("syllable", "jamo", "hybrid", "none")
#: fastText's default number of n-gram buckets.
DEFAULT_BUCKET = 2_000_000
#: floret's hash_count range: its 128-bit hash gives four 32-bit keys.
MAX_HASH_COUNT = 4

#: Default n-gram lengths, in symbols of each kind. Two to four syllables cover a
#: Korean stem plus an ending; three to six jamo are one to two syllables.
DEFAULT_SYLLABLE_RANGE = (2, 4)
DEFAULT_JAMO_RANGE = (3, 6)

BOW, EOW = "<", ">"
FNV_OFFSET_BASIS = 2166136261
FNV_PRIME = 16777619


def fasttext_hash(text: str) -> int:
    """fastText's FNV-1a hash of ``text`` (UTF-8, bytes sign-extended).

    Examples
    --------
    >>> fasttext_hash("<한국")
    2209124397
    """
    h = FNV_OFFSET_BASIS
    for byte in text.encode("utf-8"):
        if byte >= 0x80:  # int8 -> uint32 sign extension
            byte |= 0xFFFFFF00
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return h


def fasttext_hash_many(texts: list[str]) -> np.ndarray:
    """`fasttext_hash` of many strings at once, vectorised over the strings.

    Returns a ``uint32`` array. Used to hash every n-gram of a vocabulary in one go.
    """
    if not texts:
        return np.zeros(0, dtype=np.uint32)
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    width = int(lengths.max())
    padded = np.zeros((len(encoded), width), dtype=np.uint8)
    flat = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    rows = np.repeat(np.arange(len(encoded)), lengths)
    cols = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    padded[rows, cols] = flat
    signed = padded.astype(np.int8).astype(np.int32).view(np.uint32)  # sign extension
    h = np.full(len(encoded), FNV_OFFSET_BASIS, dtype=np.uint32)
    for col in range(width):
        active = lengths > col
        h = np.where(active, (h ^ signed[:, col]) * np.uint32(FNV_PRIME), h)
    return h


def char_ngrams(text: str, minn: int, maxn: int) -> list[str]:
    """fastText's n-grams of ``<text>``: ``minn..maxn`` code points, by start then length.

    Examples
    --------
    >>> char_ngrams("한국어", 2, 3)
    ['<한', '<한국', '한국', '한국어', '국어', '국어>', '어>']
    """
    wrapped = BOW + text + EOW
    last = len(wrapped)
    grams = []
    for start in range(last):
        for n in range(max(minn, 1), maxn + 1):
            end = start + n
            if end > last:
                break
            if n == 1 and (start == 0 or end == last):
                continue
            grams.append(wrapped[start:end])
    return grams


_HASH_CHUNK = 100_000  # texts hashed at a time by `char_ngram_buckets`


def char_ngram_buckets(texts: list[str], minn: int, maxn: int, bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """`char_ngrams` of many texts, hashed to buckets, vectorised over every start position at once.

    The same n-grams in the same order as ``[char_ngrams(t, minn, maxn) for t in texts]`` and the same
    ``fasttext_hash % bucket``: the hash of the n-gram of length ``n + 1`` at a position is that of length
    ``n`` folded with one more code point's UTF-8 bytes, so one pass of ``maxn`` steps hashes every n-gram
    of every text. (2M words of minn = maxn = 5, as in cc.ko.300: ~18 s string by string, ~3 s here.)

    Returns
    -------
    counts : np.ndarray of int64, shape (len(texts),)
        How many n-grams each text has.
    buckets : np.ndarray of int64, shape (counts.sum(),)
        Their bucket ids, text by text.
    """
    if len(texts) > _HASH_CHUNK:  # bounds the per-position arrays (~100 bytes a code point)
        parts = [char_ngram_buckets(texts[i : i + _HASH_CHUNK], minn, maxn, bucket) for i in range(0, len(texts), _HASH_CHUNK)]
        return np.concatenate([c for c, _ in parts]), np.concatenate([b for _, b in parts])
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    minn = max(minn, 1)
    wrapped = [BOW + text + EOW for text in texts]
    code_points = np.frombuffer("".join(wrapped).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.fromiter((len(w) for w in wrapped), dtype=np.int64, count=len(wrapped))
    ends = np.repeat(np.cumsum(lengths), lengths)  # per position: where its text ends
    starts = ends - np.repeat(lengths, lengths)
    utf8 = _utf8_sign_extended(code_points)  # [positions, 4] bytes, -1 where a code point has fewer
    # No n-gram is longer than the longest wrapped text: a huge maxn (a damaged file's) must not size the arrays.
    maxn = min(maxn, int(lengths.max()))
    if maxn < minn:
        return np.zeros(len(texts), dtype=np.int64), np.zeros(0, dtype=np.int64)
    width = maxn - minn + 1
    ids = np.zeros((len(code_points), width), dtype=np.int64)  # [start position, length]: the output order
    keep = np.zeros((len(code_points), width), dtype=bool)
    active = np.arange(len(code_points))  # start positions whose n-gram of length n is still inside the text
    state = np.full(len(code_points), FNV_OFFSET_BASIS, dtype=np.uint32)
    for n in range(1, maxn + 1):
        inside = active + n <= ends[active]
        active, state = active[inside], state[inside]
        if not len(active):
            break
        added = utf8[active + n - 1]  # the bytes of each n-gram's last code point
        state = (state ^ added[:, 0].astype(np.uint32)) * np.uint32(FNV_PRIME)
        for byte in range(1, 4):
            has = added[:, byte] >= 0
            if has.any():
                state = np.where(has, (state ^ added[:, byte].astype(np.uint32)) * np.uint32(FNV_PRIME), state)
        if n >= minn:
            ids[active, n - minn] = state % np.uint32(bucket)
            wanted = active if n > 1 else active[(active != starts[active]) & (active + 1 != ends[active])]  # not "<", ">"
            keep[wanted, n - minn] = True
    counts = np.add.reduceat(keep.sum(1), np.concatenate([[0], np.cumsum(lengths)[:-1]]))
    return counts.astype(np.int64), ids[keep]


def _utf8_sign_extended(code_points: np.ndarray) -> np.ndarray:
    """The UTF-8 bytes of each code point as fastText's hash reads them (``uint32(int8(b))``, kept in int64
    as their uint32 value), ``-1`` past a code point's last byte."""
    out = np.full((len(code_points), 4), -1, dtype=np.int64)
    one = code_points < 0x80
    two = (code_points >= 0x80) & (code_points < 0x800)
    three = (code_points >= 0x800) & (code_points < 0x10000)
    four = code_points >= 0x10000
    cp = code_points
    out[one, 0] = cp[one]
    out[two, 0], out[two, 1] = 0xC0 | (cp[two] >> 6), 0x80 | (cp[two] & 0x3F)
    out[three, 0] = 0xE0 | (cp[three] >> 12)
    out[three, 1] = 0x80 | ((cp[three] >> 6) & 0x3F)
    out[three, 2] = 0x80 | (cp[three] & 0x3F)
    out[four, 0] = 0xF0 | (cp[four] >> 18)
    out[four, 1] = 0x80 | ((cp[four] >> 12) & 0x3F)
    out[four, 2] = 0x80 | ((cp[four] >> 6) & 0x3F)
    out[four, 3] = 0x80 | (cp[four] & 0x3F)
    high = out >= 0x80
    out[high] |= 0xFFFFFF00  # int8 -> uint32 sign extension, as in `fasttext_hash`
    return out


@dataclass(frozen=True)
class SubwordScheme:
    """How words are cut into hashed n-grams.

    Parameters
    ----------
    name : {"syllable", "jamo", "hybrid", "none"}
    syllable_range, jamo_range : (minn, maxn) or None
        N-gram lengths for each kind of n-gram the scheme uses.
    bucket : int
        Number of hash buckets shared by all n-grams (with Bloom hashing: rows of the one table).
    hash_count : int
        0: fastText's layout (words own rows, then ``bucket`` n-gram rows); 1-4: Bloom hashing, each entry
        hashed to this many rows of one table (see the module docstring).
    extra : callable, optional
        ``extra(word) -> list[str]``: more n-grams of a word (see the module docstring).
    """

    name: str
    syllable_range: tuple[int, int] | None
    jamo_range: tuple[int, int] | None
    bucket: int
    hash_count: int = 0
    extra: Callable[[str], list[str]] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def create(cls, name: str = "jamo", minn=None, maxn=None, bucket: int = DEFAULT_BUCKET, hash_count: int = 0):
        """Build a scheme from user options, with per-scheme defaults.

        ``minn``/``maxn`` are ints for syllable and jamo; for hybrid they are pairs
        ``(syllable, jamo)``, e.g. ``minn=(2, 3), maxn=(4, 6)``. ``None`` takes the
        default of `DEFAULT_SYLLABLE_RANGE` / `DEFAULT_JAMO_RANGE`. ``hash_count`` 1-4
        asks for Bloom hashing into ``bucket`` rows.

        Examples
        --------
        >>> SubwordScheme.create("hybrid", minn=(2, 3), maxn=(4, 6)).jamo_range
        (3, 6)
        >>> SubwordScheme.create("syllable", bucket=200_000, hash_count=2).bloom
        True
        """
        if name not in SCHEMES:
            raise UsageError(f"unknown subword scheme {name!r}; choose one of {', '.join(SCHEMES)}")
        if not isinstance(hash_count, int) or not 0 <= hash_count <= MAX_HASH_COUNT:
            raise UsageError(f"hash_count must be 1 to {MAX_HASH_COUNT} (floret's keys per entry); got {hash_count!r}")
        if name == "none" and not hash_count:
            return cls(name, None, None, 0)
        bucket = positive_int(bucket, f"bucket (for subwords={name!r})")
        if name == "none":
            return cls(name, None, None, bucket, hash_count)
        if name == "hybrid":
            minn_syl, minn_jamo = _pair(minn, "minn")
            maxn_syl, maxn_jamo = _pair(maxn, "maxn")
            syllable = _range(minn_syl, maxn_syl, DEFAULT_SYLLABLE_RANGE, "syllable")
            jamo = _range(minn_jamo, maxn_jamo, DEFAULT_JAMO_RANGE, "jamo")
            return cls(name, syllable, jamo, bucket, hash_count)
        if isinstance(minn, (tuple, list)) or isinstance(maxn, (tuple, list)):
            raise UsageError(f"minn/maxn pairs are for subwords='hybrid'; {name!r} takes single numbers")
        if name == "syllable":
            return cls(name, _range(minn, maxn, DEFAULT_SYLLABLE_RANGE, "syllable"), None, bucket, hash_count)
        return cls(name, None, _range(minn, maxn, DEFAULT_JAMO_RANGE, "jamo"), bucket, hash_count)

    @property
    def bloom(self) -> bool:
        """Whether words and n-grams share one Bloom-hashed table (floret's mode)."""
        return self.hash_count > 0

    @property
    def rows_per_ngram(self) -> int:
        """Rows each entry of `ngrams` hashes to."""
        return self.hash_count or 1

    def first_bucket_row(self, nwords: int) -> int:
        """The matrix row of bucket 0: after the ``nwords`` words' own rows, or 0 with Bloom hashing."""
        return 0 if self.bloom else nwords

    def with_extra(self, source: Callable[[str], list[str]] | None) -> SubwordScheme:
        """This scheme with an extra n-gram source (None: without one)."""
        if source is not None and self.name == "none":
            raise UsageError(
                "extra subwords (sentencepiece:subwords) need hash buckets; choose a subwords scheme other than none"
            )
        return replace(self, extra=source)

    def to_config(self) -> dict:
        config = {
            "subwords": self.name,
            "syllable_range": list(self.syllable_range) if self.syllable_range else None,
            "jamo_range": list(self.jamo_range) if self.jamo_range else None,
            "bucket": self.bucket,
        }
        if self.bloom:  # absent: fastText's layout, as in every file written before Bloom hashing existed
            config["hash_count"] = self.hash_count
        return config

    @classmethod
    def from_config(cls, config: dict) -> SubwordScheme:
        syllable, jamo = config["syllable_range"], config["jamo_range"]
        return cls(
            config["subwords"],
            tuple(syllable) if syllable else None,
            tuple(jamo) if jamo else None,
            int(config["bucket"]),
            int(config.get("hash_count", 0)),
        )

    def ngrams(self, word: str) -> list[str]:
        """The n-gram strings of ``word`` (already normalised), in row order; with Bloom hashing, the whole
        ``<word>`` entry first.

        Examples
        --------
        >>> SubwordScheme.create("syllable", minn=2, maxn=2).ngrams("몰랐다")
        ['<몰', '몰랐', '랐다', '다>']
        >>> len(SubwordScheme.create("jamo", minn=3, maxn=3).ngrams("몰랐다"))
        9
        >>> SubwordScheme.create("syllable", minn=2, maxn=2, bucket=1000, hash_count=2).ngrams("몰랐다")
        ['<몰랐다>', '<몰', '몰랐', '랐다', '다>']
        """
        grams = []
        if self.bloom:
            grams = [BOW + (to_jamo(word) if self.name == "jamo" else word) + EOW]
        if self.syllable_range:
            grams = grams + char_ngrams(word, *self.syllable_range)
        if self.jamo_range:
            jamo_grams = char_ngrams(to_jamo(word), *self.jamo_range)
            if self.syllable_range:
                seen = set(grams)
                jamo_grams = [g for g in jamo_grams if g not in seen]
            grams = grams + jamo_grams
        if self.extra is not None:
            grams = grams + self.extra(word)
        return grams

    def wrapped_forms(self, words: list[str]) -> str:
        """One string that holds every n-gram of ``words`` (but the extra ones) as a substring: each word's
        ``<word>`` and, for a jamo range, ``<jamo form>``, one a line. An n-gram no vocabulary word has is not
        in it, though its bucket may be a vocabulary word's (hash collisions), so `Model.knows` searches it.

        Examples
        --------
        >>> forms = SubwordScheme.create("syllable", minn=2, maxn=3).wrapped_forms(["몰랐다", "영화"])
        >>> "<몰랐" in forms, "랐다>" in forms, "<뷁" in forms
        (True, True, False)
        """
        forms = []  # a Bloom scheme's whole-word entry is one of these forms too
        if self.syllable_range:
            forms += [BOW + word + EOW for word in words]
        if self.jamo_range:
            forms += [BOW + to_jamo(word) + EOW for word in words]
        return "\n".join(forms)  # no n-gram holds a line end, so none matches across two words

    def bucket_ids(self, ngrams: list[str]) -> np.ndarray:
        """``hash % bucket`` of each n-gram (add `first_bucket_row` for its row id): fastText's hash, or
        with Bloom hashing floret's `rows_per_ngram` keys of each, n-gram by n-gram."""
        if not ngrams:
            return np.zeros(0, dtype=np.int64)
        if self.bloom:
            return (floret_keys(ngrams, self.hash_count) % np.uint64(self.bucket)).astype(np.int64).reshape(-1)
        return (fasttext_hash_many(ngrams) % np.uint32(self.bucket)).astype(np.int64)


def _pair(value, option: str):
    if value is None:
        return None, None
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value
    raise UsageError(f"subwords='hybrid' takes {option} as a pair (syllable, jamo), e.g. 2,3; got {value!r}")


def _range(minn, maxn, default: tuple[int, int], kind: str) -> tuple[int, int]:
    minn = default[0] if minn is None else minn
    maxn = default[1] if maxn is None else maxn
    minn, maxn = positive_int(minn, f"{kind} minn"), positive_int(maxn, f"{kind} maxn")
    if minn > maxn:
        raise UsageError(f"{kind} minn ({minn}) is larger than maxn ({maxn})")
    return (minn, maxn)


def subword_table(words: list[str], scheme: SubwordScheme) -> tuple[np.ndarray, np.ndarray]:
    """Rows of every vocabulary word, computed once, as a CSR table.

    Word ``i`` is the sum of rows ``rows[offsets[i]:offsets[i+1]]``: its own row
    ``i`` first, then ``len(words) + bucket_id`` for each n-gram, in `ngrams` order;
    with Bloom hashing, no own row and the `rows_per_ngram` rows of each entry.

    Returns
    -------
    offsets : np.ndarray of int64, shape (len(words) + 1,)
    rows : np.ndarray of int32
    """
    nwords = len(words)
    own_rows = not scheme.bloom
    first_bucket = scheme.first_bucket_row(nwords)
    if scheme.extra is None and scheme.name in ("syllable", "jamo") and own_rows:
        # One n-gram range over one string per word: hashed all at once (`char_ngram_buckets`).
        texts = words if scheme.name == "syllable" else [to_jamo(word) for word in words]
        counts, buckets = char_ngram_buckets(texts, *(scheme.syllable_range or scheme.jamo_range), scheme.bucket)
        return _with_own_rows(counts, buckets + first_bucket)
    per_word = [scheme.ngrams(word) for word in words]
    # Hash each distinct n-gram once; many words share theirs.
    distinct: dict[str, int] = {}
    for grams in per_word:
        for gram in grams:
            distinct.setdefault(gram, len(distinct))
    width = scheme.rows_per_ngram
    distinct_rows = np.zeros((len(distinct), width), dtype=np.int64)
    names = list(distinct)
    chunk = 200_000  # bounds the padded byte matrix of the vectorised hash
    for start in range(0, len(names), chunk):
        distinct_rows[start : start + chunk] = scheme.bucket_ids(names[start : start + chunk]).reshape(-1, width)
    gram_ids = np.fromiter((distinct[g] for grams in per_word for g in grams), dtype=np.int64)
    counts = np.fromiter((len(g) * width for g in per_word), dtype=np.int64, count=nwords)
    buckets = distinct_rows[gram_ids].reshape(-1) + first_bucket
    if own_rows:
        return _with_own_rows(counts, buckets)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), buckets.astype(np.int32)


def _with_own_rows(counts: np.ndarray, bucket_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR table whose word ``i`` is its own row ``i`` then its next ``counts[i]`` of ``bucket_rows``."""
    nwords = len(counts)
    offsets = np.concatenate([[0], np.cumsum(counts + 1)]).astype(np.int64)
    rows = np.empty(int(offsets[-1]), dtype=np.int32)
    is_own_row = np.zeros(len(rows), dtype=bool)
    is_own_row[offsets[:-1]] = True
    rows[is_own_row] = np.arange(nwords, dtype=np.int32)
    rows[~is_own_row] = bucket_rows
    return offsets, rows


def compact_buckets(rows: np.ndarray, first_bucket_row: int) -> tuple[np.ndarray, np.ndarray]:
    """Give matrix rows only to the buckets that some vocabulary word uses.

    Training never touches any other bucket, so storing them would only cost
    memory (2M buckets x 100 floats is 800 MB; NSMC's vocabulary uses well under
    half). The bucket ids themselves stay fastText's (`get_subwords` reports them);
    only where a bucket's vector is stored changes. An n-gram whose bucket no
    vocabulary word uses then adds nothing to an unseen word's vector, where
    fastText would add that bucket's never-trained random initial values.
    ``first_bucket_row`` is `SubwordScheme.first_bucket_row` (the rows below it are words' own rows).

    Returns
    -------
    rows : np.ndarray of int32
        ``rows`` with bucket row ``first_bucket_row + b`` renumbered to ``first_bucket_row + i``, where
        ``used_buckets[i] == b``.
    used_buckets : np.ndarray of int32, sorted
    """
    is_bucket = rows >= first_bucket_row
    used_buckets = np.unique(rows[is_bucket] - first_bucket_row).astype(np.int32)
    compact = rows.copy()
    compact[is_bucket] = first_bucket_row + np.searchsorted(used_buckets, rows[is_bucket] - first_bucket_row)
    return compact, used_buckets
