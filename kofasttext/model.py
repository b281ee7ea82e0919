"""A trained model: vectors for any word, and the queries people run on them."""

from __future__ import annotations

import warnings

import numpy as np

from . import pretokenizers
from .errors import ModelFileError, UsageError
from .hangul import JONG_FILLER, from_jamo, normalize
from .interop import fasttext_bin, floret, vec
from .modelfile import ContainerFile, expect_kind, read_model_file, write_model_file
from .quantized import QuantizedMatrix
from .queries import CACHE_LOCK, VectorQueries
from .subwords import SubwordScheme, compact_buckets, subword_table
from .vocab import Vocabulary

#: Most n-grams whose stored rows `Model.input_rows` remembers (about 200 bytes each, so ~20 MB when full; then it
#: starts again empty). Hashing a word's n-grams in numpy is most of the time of an unseen word's vector (NSMC jamo
#: model, 34 n-grams a word: 66 us of 158 us), and the n-grams of unseen words (typos, endings) are mostly those
#: of other words, so a server answering them hashes each n-gram once.
NGRAM_ROW_MEMO = 100_000

#: The arrays `Model.from_arrays` needs ("used_buckets" too when the file stores only the used buckets). The
#: output matrix is needed to resume training, not to answer queries: a classifier file has none.
QUERY_ARRAYS = ("input_matrix", "counts", "subword_offsets", "subword_rows")
#: A compressed model's input matrix is one of: ``input_matrix`` (float32 or float16), or the product
#: quantisation ``input_codes`` + ``input_codebooks`` (`kofasttext.quantized`).
QUANTISED_ARRAYS = ("input_codes", "input_codebooks")


class Model(VectorQueries):
    """Word vectors built from subword rows; the result of `kofasttext.train`.

    A word's vector is the sum of its rows in ``input_matrix``: its own row when it
    is in the vocabulary, plus one row per n-gram of its subword scheme. Any word
    therefore gets a vector -- an unseen conjugation or a typo shares n-grams with
    the words it resembles -- and a word with no known row gets a zero vector.
    Queries compare vectors by cosine similarity.

    ``input_matrix`` holds the word rows, then either every bucket's row
    (``used_buckets is None``: fastText's layout) or only the rows of
    ``used_buckets``, the buckets some vocabulary word uses (what `train` makes,
    see `subwords.compact_buckets`). ``subword_rows`` indexes ``input_matrix``. With
    Bloom hashing (``scheme.bloom``, floret's mode: `kofasttext.subwords`) no word has
    a row of its own: ``input_matrix`` is the one table, or its used rows.

    ``pretokenizer`` (`kofasttext.pretokenizers`) is how the training corpus was cut
    into words; `get_sentence_vector` cuts text the same way. It is rebuilt from
    ``config["pretokenizer"]`` (and, for sentencepiece, the piece model stored in
    the file) when not given; Kiwi starts only when text is first cut. With
    ``sentencepiece:subwords`` a word's pieces are among its subwords.

    ``output_matrix`` is None for a model rebuilt from a file that answers queries
    only (a classifier's): such a model cannot be saved as a model or resumed.

    Examples
    --------
    >>> model = kft.load("nsmc.kft")  # jamo, trained on NSMC  # doctest: +SKIP
    >>> model.most_similar("몰랐겠지", topn=3)  # an unseen word  # doctest: +SKIP
    [('몰랐지', 0.854), ('몰랐을까', 0.777), ('몰랐나', 0.758)]
    """

    def __init__(
        self,
        config: dict,
        vocab: Vocabulary,
        input_matrix: np.ndarray,
        output_matrix: np.ndarray | None,
        subword_offsets: np.ndarray,
        subword_rows: np.ndarray,
        used_buckets: np.ndarray | None = None,
        pretokenizer: pretokenizers.Pretokenizer | None = None,
    ):
        self.config = config
        self.vocab = vocab
        if pretokenizer is None:
            # Files and configs from before pretokenisers were configurable say "whitespace" or nothing.
            pretokenizer = pretokenizers.from_config(config.get("pretokenizer"))
        self.pretokenizer = pretokenizer
        self.scheme = SubwordScheme.from_config(config).with_extra(pretokenizer.extra_subwords)
        self.input_matrix = input_matrix
        self.output_matrix = output_matrix
        self.subword_offsets = subword_offsets
        self.subword_rows = subword_rows
        self.used_buckets = used_buckets
        # A fastText file's word vector is the mean of its rows (`from_fasttext`); ours is their sum.
        self.averages_rows = config.get("word_vector") == "mean"
        self._word_vectors = None
        self._unit_vectors = None
        self._wrapped_forms = None  # built by `knows` on first use
        self._ngram_rows: dict[str, tuple[int, ...]] = {}  # `input_rows`' memo

    # -- what the model is -------------------------------------------------
    @property
    def compressed(self) -> bool:
        """Whether `kofasttext.compress` made this model (it answers queries; it cannot be trained on)."""
        return bool(self.config.get("compression"))

    @property
    def dim(self) -> int:
        return int(self.input_matrix.shape[1])

    def __repr__(self) -> str:
        c = self.config
        words = f", pretokenizer={self.pretokenizer.spec!r}" if self.pretokenizer.name != "whitespace" else ""
        return f"<kofasttext.Model {len(self)} words, dim {self.dim}, subwords={c['subwords']!r}, bucket={c['bucket']}{words}>"

    # -- vectors -------------------------------------------------------------
    def get_subwords(self, word: str) -> tuple[list[str], np.ndarray]:
        """The pieces a word's vector is summed from, and their row ids.

        The word itself comes first when it is in the vocabulary, then its n-grams
        (for the jamo scheme written in conjoining jamo). Row ids follow fastText:
        words ``0..nwords-1``, n-grams ``nwords + hash % bucket``. With Bloom hashing
        every word, known or not, is its ``<word>`` entry and its n-grams, each listed
        once per row it hashes to (``hash_count`` times), and the ids are table rows
        ``0..bucket-1`` (floret's ``get_subwords`` adds ``nwords`` to them and lists
        each entry once).

        Examples
        --------
        >>> model.get_subwords("몰랐다")  # syllable scheme, minn 2, maxn 4  # doctest: +SKIP
        (['<몰', '<몰랐', '<몰랐다', '몰랐', ...], array([...]))
        """
        word = normalize(word)
        ngrams = self.scheme.ngrams(word)
        rows = self.scheme.bucket_ids(ngrams) + self.scheme.first_bucket_row(len(self.vocab))
        if self.scheme.bloom:
            return [gram for gram in ngrams for _ in range(self.scheme.hash_count)], rows
        word_id = self.vocab.id(word)
        if word_id >= 0:
            return [word] + ngrams, np.concatenate([[word_id], rows])
        return ngrams, rows

    def input_rows(self, word: str) -> np.ndarray:
        """Rows of ``input_matrix`` whose sum is ``word``'s vector (none for a word with no known row).

        Unlike `get_subwords`' fastText ids, these index the stored matrix: an n-gram
        whose bucket no vocabulary word uses has no row and is left out. An unseen
        word's rows are found n-gram by n-gram through a memo (`NGRAM_ROW_MEMO`).
        """
        word = normalize(word)
        word_id = self.vocab.id(word)
        if word_id >= 0:
            return np.asarray(self.subword_rows[self.subword_offsets[word_id] : self.subword_offsets[word_id + 1]])
        ngrams = self.scheme.ngrams(word)
        memo = self._ngram_rows
        known = [memo.get(gram) for gram in ngrams]  # .get, not [...]: another thread may clear the memo
        missing = list(dict.fromkeys(gram for gram, rows in zip(ngrams, known) if rows is None))
        if missing:
            found = dict(zip(missing, self._stored_ngram_rows(missing)))
            if len(memo) + len(found) > NGRAM_ROW_MEMO:
                memo.clear()
            memo.update(found)
            known = [found[gram] if rows is None else rows for gram, rows in zip(ngrams, known)]
        return np.array([row for rows in known for row in rows], dtype=np.int64)

    def _stored_ngram_rows(self, ngrams: list[str]) -> list[tuple[int, ...]]:
        """Each n-gram's stored rows: one per hash key (``scheme.rows_per_ngram``), those whose bucket is used."""
        buckets = self.scheme.bucket_ids(ngrams)
        first_bucket = self.scheme.first_bucket_row(len(self.vocab))
        if self.used_buckets is None:
            rows, stored = buckets + first_bucket, np.ones(len(buckets), dtype=bool)
        else:
            position = np.searchsorted(self.used_buckets, buckets)
            stored = position < len(self.used_buckets)
            stored[stored] = self.used_buckets[position[stored]] == buckets[stored]
            rows = position + first_bucket
        per_gram = self.scheme.rows_per_ngram
        return [
            tuple(int(row) for row, keep in zip(rows[i : i + per_gram], stored[i : i + per_gram]) if keep)
            for i in range(0, len(rows), per_gram)
        ]

    def knows(self, word: str) -> bool:
        """Whether the model learnt anything about ``word``: it is in the vocabulary, or one of its n-grams is
        an n-gram of a vocabulary word. A word whose n-gram rows exist only because other n-grams hash to the
        same buckets (with 2M buckets and a large vocabulary, most words' rows do) is not known: its vector is
        the noise of those collisions. The first call joins the vocabulary's forms into one searched string
        (a few MB for 100K words); each call then searches it once per n-gram.

        Examples
        --------
        >>> model.knows("몰랐겠지"), model.knows("뷁")  # doctest: +SKIP
        (True, False)
        """
        word = normalize(word)
        if self.vocab.id(word) >= 0:
            return True
        ngrams = self.scheme.ngrams(word)
        if not ngrams or self.scheme.name == "none":
            return False
        if self._wrapped_forms is None:
            self._wrapped_forms = self.scheme.wrapped_forms(self.vocab.words)
        forms = self._wrapped_forms
        return any(gram in forms for gram in ngrams)

    def get_word_vector(self, word: str) -> np.ndarray:
        """Vector of any word: the sum of its subword rows (zeros if it has none); for a model read from a
        fastText file, their mean, as fastText defines it.

        Examples
        --------
        >>> model.get_word_vector("몰랐겠지").shape  # doctest: +SKIP
        (100,)
        """
        rows = self.input_rows(word)
        if len(rows) == 0:
            return np.zeros(self.dim, dtype=np.float32)
        vector = np.asarray(self.input_matrix[rows], dtype=np.float32).sum(0)
        return vector / len(rows) if self.averages_rows else vector

    __getitem__ = get_word_vector

    def get_sentence_vector(self, text: str) -> np.ndarray:
        """Vector of a text: the mean of its words' vectors, each scaled to unit length.

        The words are cut by the model's own `pretokenizer`, as the training corpus
        was. Each word vector is divided by its L2 norm before averaging, as
        fastText's ``get_sentence_vector`` does for unsupervised models, so a few
        long vectors (frequent words) cannot dominate; a word with no vector (no
        known row) is left out of the mean. A text with no word that has a vector
        gives zeros.

        Examples
        --------
        >>> model.get_sentence_vector("배우 연기가 최고!! 정말 좋았다").shape  # doctest: +SKIP
        (100,)
        """
        total = np.zeros(self.dim, dtype=np.float32)
        counted = 0
        for word in self.pretokenizer.split(text):
            vector = self.get_word_vector(word)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                total += vector / norm
                counted += 1
        return total / counted if counted else total

    def word_vectors(self) -> np.ndarray:
        """Vectors of all in-vocabulary words, ``[len(model.words), dim]``, in `words` order (built once, under
        `queries.CACHE_LOCK`, so that concurrent first queries build it once)."""
        if self._word_vectors is None:
            with CACHE_LOCK:
                if self._word_vectors is None:
                    self._word_vectors = self._build_word_vectors()
        return self._word_vectors

    def _build_word_vectors(self) -> np.ndarray:
        vectors = np.empty((len(self.vocab), self.dim), dtype=np.float32)
        offsets = self.subword_offsets
        chunk = 4096  # bounds the gathered rows to a few tens of MB
        for start in range(0, len(self.vocab), chunk):
            end = min(start + chunk, len(self.vocab))
            rows = np.asarray(self.subword_rows[offsets[start] : offsets[end]])
            gathered = np.asarray(self.input_matrix[rows], dtype=np.float32)
            vectors[start:end] = np.add.reduceat(gathered, offsets[start:end] - offsets[start])
        if self.averages_rows:
            vectors /= np.diff(offsets).astype(np.float32)[:, None]
        return vectors

    def embedding_matrix(self, words, warn: bool = True) -> np.ndarray:
        """Vectors of any word list, ``float32 [len(words), dim]``, in its order: a pretrained embedding layer.

        In-vocabulary words get their vectors, unseen words are composed from their subwords (as
        `get_word_vector` does), and a word with no known subword gets a zero row; ``warn`` says how many did.

        Examples
        --------
        >>> index = {"<pad>": 0, "영화": 1, "재밌었닼ㅋ": 2}  # a tokenizer's word -> index  # doctest: +SKIP
        >>> weights = model.embedding_matrix(sorted(index, key=index.get))  # doctest: +SKIP
        >>> layer = torch.nn.Embedding.from_pretrained(torch.from_numpy(weights))  # doctest: +SKIP
        """
        words = list(words)
        matrix = np.empty((len(words), self.dim), dtype=np.float32)
        known = np.fromiter((self.vocab.id(normalize(word)) for word in words), dtype=np.int64, count=len(words))
        if (known >= 0).any():
            matrix[known >= 0] = self.word_vectors()[known[known >= 0]]
        for i in np.flatnonzero(known < 0):
            matrix[i] = self.get_word_vector(words[i])
        if warn:
            zero = int((~matrix.any(axis=1)).sum())
            if zero:
                warnings.warn(f"{zero:,} of {len(words):,} words have no known subword: their rows are zero", stacklevel=2)
        return matrix

    # -- files ---------------------------------------------------------------
    def save(self, path: str) -> None:
        """Write the model to one file, atomically (see `kofasttext.modelfile`). A compressed model
        (`kofasttext.compress`) is written as it is, without the output matrix it no longer has."""
        if self.output_matrix is None and not self.compressed:
            raise UsageError(
                "this model has no output matrix (it was read from a classifier or a .vec file): it cannot be saved "
                "as a kofasttext model"
            )
        arrays = self.query_arrays()
        if self.output_matrix is not None:
            arrays["output_matrix"] = np.asarray(self.output_matrix, dtype=np.float32)
        write_model_file(path, "model", self.config, self.vocab.words, arrays)

    def save_fasttext(self, path: str) -> None:
        """Write the model as a fastText ``.bin`` (`kofasttext.interop.fasttext_bin`: what is kept, and how
        a jamo model's words are written), atomically.

        Examples
        --------
        >>> model.save_fasttext("nsmc.bin")  # doctest: +SKIP
        >>> import fasttext; fasttext.load_model("nsmc.bin").get_word_vector("재밌다")  # doctest: +SKIP
        """
        fasttext_bin.save_fasttext(self, path)

    def save_floret(self, path: str) -> None:
        """Write a Bloom-hashed model's table as floret's ``.floret`` text file, which spaCy loads as floret
        vectors (`kofasttext.interop.floret`), atomically.

        Examples
        --------
        >>> model = kft.train("corpus.txt", subwords="syllable", table_rows=200_000, hash_count=2)  # doctest: +SKIP
        >>> model.save_floret("ko.floret")  # then: spacy init vectors xx ko.floret ko_vectors --mode floret  # doctest: +SKIP
        """
        floret.save_floret(self, path)

    def save_vec(self, path: str, words=(), binary: bool = False) -> int:
        """Write the vocabulary, most frequent first, and the extra ``words`` it lacks (composed from their
        subwords) as a word2vec text file (``.vec``), or word2vec's binary format with ``binary``, atomically.
        Returns how many extra words have no known subword (written as zeros).

        Examples
        --------
        >>> model.save_vec("nsmc.vec", words=["몰랐겠지"])  # doctest: +SKIP
        0
        >>> from gensim.models import KeyedVectors  # doctest: +SKIP
        >>> KeyedVectors.load_word2vec_format("nsmc.vec").most_similar("몰랐겠지")  # doctest: +SKIP
        """
        return vec.save_vec(self, path, words, binary=binary)

    def query_arrays(self) -> dict[str, np.ndarray]:
        """The arrays a file needs for `from_arrays` to rebuild this model's queries (all but the output
        matrix): `QUERY_ARRAYS`, ``used_buckets``, and the pretokeniser's trained data."""
        if isinstance(self.input_matrix, QuantizedMatrix):
            arrays = {"input_codes": self.input_matrix.codes, "input_codebooks": self.input_matrix.codebooks}
        elif self.input_matrix.dtype == np.float16:  # a compressed model's: kept as it is stored
            arrays = {"input_matrix": self.input_matrix}
        else:
            arrays = {"input_matrix": np.asarray(self.input_matrix, dtype=np.float32)}
        # A compressed file's counts are int32 (counted words of one corpus fit; it is a few hundred KB less).
        arrays["counts"] = self.vocab.counts.astype(np.int32 if self.compressed and _fits_int32(self.vocab.counts) else np.int64)
        if not _rebuilds_subword_table(self.config):  # else the words give the table and used buckets back on load
            arrays["subword_offsets"] = np.asarray(self.subword_offsets, dtype=np.int64)
            arrays["subword_rows"] = np.asarray(self.subword_rows, dtype=np.int32)
            if self.used_buckets is not None:
                arrays["used_buckets"] = np.asarray(self.used_buckets, dtype=np.int32)
        arrays.update(self.pretokenizer.arrays())
        return arrays

    @classmethod
    def load(cls, path: str) -> Model:
        """Open a model file; the big matrices are memory-mapped, not read."""
        return cls.from_container(read_model_file(path), path)

    @classmethod
    def from_container(cls, container: ContainerFile, path: str) -> Model:
        """The model in a file `read_model_file` opened: it must hold a whole model (output matrix included,
        unless the model is compressed)."""
        expect_kind(path, container.kind, "model")
        if "output_matrix" not in container.arrays and not container.config.get("compression"):
            raise ModelFileError(f"{path} is damaged: it lacks output_matrix")
        return cls.from_arrays(container.config, container.words, container.arrays, source=path)

    @classmethod
    def from_fasttext(cls, path: str) -> Model:
        """The model in a fastText ``.bin`` (`interop.fasttext_bin.read_fasttext`), its matrices memory-mapped.

        fastText's n-grams are the syllable scheme's (code points of ``<word>``, its hash) with the file's
        minn, maxn and bucket, or none when maxn is 0; a file whose words are in our jamo form (a jamo model
        `save_fasttext` wrote: only that text holds `hangul.JONG_FILLER`) is the jamo scheme again, its
        words composed back. Every bucket has a row (``used_buckets`` is None). A
        word's vector is the MEAN of its rows, as fastText computes it (``config["word_vector"] = "mean"``),
        so that vectors equal ``fasttext.load_model``'s; text is cut at whitespace, as fastText does. fastText's
        end-of-line word ``</s>``, a word of most fastText vocabularies, has no n-grams, as in fastText.

        Examples
        --------
        >>> model = Model.from_fasttext("cc.ko.300.bin")  # kft.load does this for a .bin  # doctest: +SKIP
        >>> model.most_similar("몰랐겠지", topn=3)  # doctest: +SKIP
        """
        raw = fasttext_bin.read_fasttext(path)
        settings = raw.settings
        words, nwords = raw.words, len(raw.words)
        if settings["maxn"] > 0:
            minn = max(settings["minn"], 1)  # fastText's n-grams start at length 1 whatever minn says
            # Our jamo form is the only text with JONG_FILLER in it (`normalize` replaces it elsewhere).
            in_jamo_form = any(JONG_FILLER in word for word in words)
            if in_jamo_form:
                words = [from_jamo(word) for word in words]
            name = "jamo" if in_jamo_form else "syllable"
            scheme = SubwordScheme.create(name, minn, max(settings["maxn"], minn), settings["bucket"])
            input_matrix = raw.input_matrix
        else:
            scheme = SubwordScheme.create("none")
            input_matrix = raw.input_matrix[:nwords]  # bucket rows no word uses (maxn 0: no n-grams)
        config = {
            **scheme.to_config(),
            "source": "fasttext",
            "model": fasttext_bin.MODEL_NAMES[settings["model"]],
            **({"loss": fasttext_bin.LOSS_NAMES[settings["loss"]]} if settings["loss"] in fasttext_bin.LOSS_NAMES else {}),
            "dim": settings["dim"],
            "window": settings["ws"],
            "epoch": settings["epoch"],
            "neg": settings["neg"],
            "min_count": settings["minCount"],
            "sample": settings["t"],
            "corpus_tokens": raw.ntokens,
            "pretokenizer": {"name": "whitespace"},
            "word_vector": "mean",
        }
        end_of_line = words.index(fasttext_bin.EOS) if fasttext_bin.EOS in words else -1
        offsets, rows = _without_ngrams(*subword_table(words, scheme), end_of_line)
        output_matrix = raw.output_matrix if raw.output_matrix.shape[0] == nwords else None
        return cls(config, Vocabulary(_lookup_keys(words), raw.counts), input_matrix, output_matrix, offsets, rows)

    @classmethod
    def from_vec(cls, path: str) -> Model:
        """The model in a word2vec text file (`interop.vec.read_vec`): its words and vectors, no n-grams (an
        unseen word's vector is zero), no counts (all 0; the file's order is kept as the frequency order), and
        no output matrix, so it answers queries but cannot be saved as a kofasttext model.

        Examples
        --------
        >>> Model.from_vec("cc.ko.300.vec").most_similar("영화")  # kft.load does this for a .vec  # doctest: +SKIP
        """
        words, vectors = vec.read_vec(path)
        scheme = SubwordScheme.create("none")
        config = {**scheme.to_config(), "source": "vec", "dim": vectors.shape[1], "pretokenizer": {"name": "whitespace"}}
        offsets, rows = subword_table(words, scheme)
        return cls(config, Vocabulary(_lookup_keys(words), np.zeros(len(words), dtype=np.int64)), vectors, None, offsets, rows)

    @classmethod
    def from_arrays(cls, config: dict, words: list[str], arrays: dict[str, np.ndarray], source: str = "the file") -> Model:
        """The model that ``config``, ``words`` and ``arrays`` (as `query_arrays` gives them, with
        ``output_matrix`` when there is one) describe, checked; ``source`` names them in errors.

        Raises
        ------
        ModelFileError
            An array is missing or does not fit the vocabulary, or the config cannot be read.
        """
        needed = QUERY_ARRAYS if "input_codes" not in arrays else (*QUERY_ARRAYS[1:], *QUANTISED_ARRAYS)
        rebuilds = _rebuilds_subword_table(config)
        if rebuilds:
            needed = tuple(n for n in needed if not n.startswith("subword_"))
        missing = [name for name in needed if name not in arrays]
        if missing or "subwords" not in config:
            raise ModelFileError(f"{source} is damaged: it lacks {', '.join(missing) or 'its configuration'}")
        try:
            scheme = SubwordScheme.from_config(config)
        except (KeyError, TypeError, ValueError):
            raise ModelFileError(f"{source} is damaged: its subword configuration cannot be read") from None
        pretokenizer = pretokenizers.from_model_file(config, arrays, source)
        nwords = len(words)
        if rebuilds:
            offsets, rows, used = rebuilt_subword_table(words, scheme.with_extra(pretokenizer.extra_subwords))
            # Files written before 2026-12-03 store the used buckets too: they must be the rebuilt ones.
            if "used_buckets" in arrays and not np.array_equal(used, arrays["used_buckets"]):
                raise ModelFileError(f"{source} is damaged: its words' n-grams do not give its stored buckets")
            arrays = {**arrays, "subword_offsets": offsets, "subword_rows": rows, "used_buckets": used}
        used_buckets = arrays.get("used_buckets")
        first_bucket = scheme.first_bucket_row(nwords)
        if used_buckets is not None:
            used_buckets = np.asarray(used_buckets)
            expected_rows = first_bucket + len(used_buckets)
        else:
            expected_rows = first_bucket + scheme.bucket
        output_matrix = arrays.get("output_matrix")
        if "input_codes" in arrays:
            input_matrix = QuantizedMatrix.from_arrays(arrays["input_codes"], arrays["input_codebooks"], source)
        else:
            input_matrix = arrays["input_matrix"]
        if (
            len(input_matrix.shape) != 2  # a QuantizedMatrix has a shape, not an ndim
            or input_matrix.shape[0] != expected_rows
            or arrays["counts"].shape != (nwords,)
            or arrays["subword_offsets"].shape != (nwords + 1,)
            or output_matrix is not None
            and output_matrix.shape != (nwords, input_matrix.shape[1])
        ):
            raise ModelFileError(f"{source} is damaged: its arrays do not match its vocabulary")
        _check_subword_table(arrays["subword_offsets"], arrays["subword_rows"], used_buckets, scheme, expected_rows, source)
        vocab = Vocabulary(words, np.asarray(arrays["counts"], dtype=np.int64))
        return cls(
            config,
            vocab,
            input_matrix,
            output_matrix,
            np.asarray(arrays["subword_offsets"]),
            arrays["subword_rows"],
            used_buckets,
            pretokenizer,
        )


def _check_subword_table(offsets, rows, used_buckets, scheme: SubwordScheme, nrows: int, source: str) -> None:
    """A `ModelFileError` unless the subword table indexes the input matrix: a damaged row id would
    otherwise fail (or read another row) at the first query of its word, long after loading. One pass over
    the table (a few MB for 100K words), done once per load."""
    damaged = ModelFileError(f"{source} is damaged: its subword table does not index its input matrix")
    if offsets.dtype.kind != "i" or rows.dtype.kind != "i" or rows.ndim != 1:
        raise damaged
    if int(offsets[0]) != 0 or int(offsets[-1]) != len(rows) or (np.diff(offsets) < 0).any():
        raise damaged
    if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= nrows):
        raise damaged
    if used_buckets is not None and len(used_buckets):
        if used_buckets.dtype.kind != "i" or used_buckets.ndim != 1:
            raise damaged
        if int(used_buckets[0]) < 0 or int(used_buckets[-1]) >= scheme.bucket or (np.diff(used_buckets) <= 0).any():
            raise damaged


def _fits_int32(values: np.ndarray) -> bool:
    return not len(values) or int(np.max(values)) < 2**31


def _rebuilds_subword_table(config: dict) -> bool:
    """Whether a model's file leaves its subword table out, to be rebuilt from the words (`compress`)."""
    return (config.get("compression") or {}).get("subword_table") == "rebuilt"


def rebuilt_subword_table(words: list[str], scheme: SubwordScheme) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The subword table of ``words`` with rows only for the buckets they use (`subwords.compact_buckets`):
    ``(offsets, rows, used_buckets)``, what a compressed model's file can leave out and rebuild."""
    offsets, rows = subword_table(words, scheme)
    rows, used = compact_buckets(rows, scheme.first_bucket_row(len(words)))
    return offsets, rows, used


def _lookup_keys(words: list[str]) -> list[str]:
    """The vocabulary keys of a foreign file's words. Queries are normalised (`hangul.normalize`: NFC), so a
    word the file holds in another form (NFD Hangul, say) is keyed by its normal form, or it could never be
    found; its n-gram rows stay those of the form in the file, as its trainer hashed them. A word whose normal
    form is itself a word of the file keeps its own form (and stays out of reach of normalised queries)."""
    normal = normalize("\n".join(words)).split("\n")  # NFC never joins across a newline: one call for all
    if len(normal) != len(words):  # a word with a newline in it (no fastText or word2vec file has one)
        normal = [normalize(word) for word in words]
    if normal == words:
        return words
    taken = {word for word, key in zip(words, normal) if word == key}
    keys = []
    for word, key in zip(words, normal):
        if word != key and key not in taken:
            taken.add(key)
            word = key
        keys.append(word)
    return keys


def _without_ngrams(offsets: np.ndarray, rows: np.ndarray, word: int) -> tuple[np.ndarray, np.ndarray]:
    """A subword table whose ``word`` (none if -1) keeps only its own row."""
    if word < 0:
        return offsets, rows
    start, end = int(offsets[word]), int(offsets[word + 1])
    rows = np.concatenate([rows[: start + 1], rows[end:]])
    offsets = offsets.copy()
    offsets[word + 1 :] -= end - start - 1
    return offsets, rows
