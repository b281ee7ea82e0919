"""fastText's binary model format (``.bin``, file version 12, as fastText 0.9 writes it), written and read.

The layout, all numbers in the machine's byte order (fastText writes its structs as they lie in memory; every
machine kofasttext runs on is little-endian, and the reader checks the magic number):

* ``int32`` magic 793712314, ``int32`` version (12);
* the arguments: ``int32`` dim, ws, epoch, minCount, neg, wordNgrams, loss (hs 1, ns 2, softmax 3, ova 4),
  model (cbow 1, sg 2, sup 3), bucket, minn, maxn, lrUpdateRate, then ``float64`` t (the sample threshold);
* the dictionary: ``int32`` size, nwords, nlabels, ``int64`` ntokens, pruneidx_size (-1: not pruned, the only
  kind fastText loads unquantised), then per entry the word's UTF-8 bytes, a zero byte, ``int64`` count and
  ``int8`` type (0 word, 1 label), then pruneidx_size pairs of ``int32``;
* ``uint8`` quantised (0), the input matrix as ``int64`` rows, ``int64`` columns and ``float32`` rows x
  columns: the nwords word rows, then one row per bucket;
* ``uint8`` quantised output (0) and the output matrix in the same form.

fastText rebuilds every word's n-grams from its string on load (``Dictionary::initNgrams``), so what makes a
file agree with our model is the word strings and the rows: our hash and n-gram enumeration are fastText's
(`kofasttext.subwords`). Two quiet differences, chosen here:

* **Rows as stored, not rescaled.** fastText's word vector is the MEAN of its rows, ours the SUM of the same
  rows: the vectors point the same way and only their length differs (by the number of rows).
* **Unstored buckets are zero.** A model `kofasttext.train` made keeps only the buckets its vocabulary uses;
  the file gives every other bucket a zero row, so an unseen word's mean counts them but they add nothing.

A model trained with hierarchical softmax (``loss="hs"``) is written with fastText's loss code for it (1), and
laid out so that fastText's tree is the one it was trained with: fastText rebuilds the Huffman tree from the
file's dictionary, in the file's order, by the method `kofasttext.training.huffman` copies. So the dictionary is
written in the tree's leaf order (by count, most frequent first, equal counts in id order) with ``</s>``, a leaf
of the trained tree, as one of its words (its count recorded as ``end_of_line_count`` in the model's config; a
zero input row, since the model keeps no vector for it), and the output matrix is the tree's ``V - 1`` inner
nodes, node ``i`` row ``i``, then a zero row, as fastText's has a row per word and uses the first ``V - 1``.

The jamo scheme is fastText's character n-grams over a word's jamo form (`hangul.jamo_form`), so a jamo model
is written with its words in that form, and a fastText client queries ``jamo_form(word)``. The hybrid scheme
(two n-gram ranges over two strings of a word) and extra subwords (sentencepiece pieces) have no fastText
equivalent and are refused.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import NamedTuple

import numpy as np

from ..errors import ModelFileError, UsageError
from ..files import atomic_write
from ..hangul import jamo_form

MAGIC = 793712314
VERSION = 12
#: fastText's ``loss_name`` codes (src/args.h).
LOSS_CODES = {"hs": 1, "ns": 2, "softmax": 3, "ova": 4}
LOSS_NAMES = {code: name for name, code in LOSS_CODES.items()}
MODEL_CODES = {"cbow": 1, "skipgram": 2}
ENTRY_WORD = 0
#: fastText's defaults for settings a model's config may not record.
LR_UPDATE_RATE = 100
_ARGS = struct.Struct("<12id")
_DICTIONARY_HEADER = struct.Struct("<3i2q")
_ENTRY_TAIL = struct.Struct("<qb")
_MATRIX_HEADER = struct.Struct("<2q")
_FLAG = struct.Struct("<?")
_ROW_CHUNK = 1 << 16  # bucket rows written at a time: bounds the zero-filled block to 2**16 x dim floats


def fasttext_words(model) -> list[str]:
    """The word strings a fastText file of ``model`` holds: the words themselves, or their jamo form for the
    jamo scheme. Raises `UsageError` for a model fastText cannot represent."""
    scheme = model.scheme
    if scheme.extra is not None:
        raise UsageError(
            f"a model with {model.pretokenizer.spec} subwords cannot be a fastText .bin (fastText has no extra "
            "subwords); export --format vec instead"
        )
    if scheme.bloom:
        raise UsageError(
            "a Bloom-hashed model (--table-rows) cannot be a fastText .bin (fastText gives every word a row of its "
            "own); export --format floret or vec instead"
        )
    if scheme.name == "hybrid":
        raise UsageError(
            "a hybrid model cannot be a fastText .bin (fastText has one n-gram range over one string per word, "
            "hybrid has two); export --format vec instead"
        )
    words = [jamo_form(word) for word in model.vocab.words] if scheme.name == "jamo" else list(model.vocab.words)
    bad = next((word for word in words if "\0" in word or not word), None)
    if bad is not None:
        raise UsageError(f"the word {bad!r} is empty or holds a NUL character: a fastText .bin cannot hold it")
    return words


def _ngram_range(model) -> tuple[int, int]:
    scheme = model.scheme
    if scheme.name == "none":
        return 0, 0
    return scheme.syllable_range if scheme.name == "syllable" else scheme.jamo_range


def save_fasttext(model, path: str) -> None:
    """Write ``model`` as a fastText ``.bin`` that ``fasttext.load_model`` and gensim's ``load_facebook_model``
    load (see the module docstring for what is kept and how).

    Examples
    --------
    >>> save_fasttext(kft.load("nsmc_syllable.kft"), "nsmc.bin")  # doctest: +SKIP
    >>> import fasttext; fasttext.load_model("nsmc.bin").get_nearest_neighbors("재밌다")  # doctest: +SKIP
    """
    config = model.config
    if config.get("model", "skipgram") not in MODEL_CODES:
        raise UsageError(f"a {config['model']} model cannot be a fastText .bin (only skipgram and cbow)")
    loss = config.get("loss", "ns")
    if loss not in LOSS_CODES:
        raise UsageError(f"a model trained with loss {loss!r} cannot be a fastText .bin")
    words = fasttext_words(model)
    model_words, dim = len(words), model.dim
    minn, maxn = _ngram_range(model)
    bucket = model.scheme.bucket if maxn else 0
    counts = np.asarray(model.vocab.counts, dtype=np.int64)
    word_rows = np.asarray(model.input_matrix[:model_words], dtype=np.float32)
    # A model rebuilt from a classifier has no output matrix: nothing was trained there.
    output_rows = np.zeros((model_words, dim), np.float32) if model.output_matrix is None else model.output_matrix
    if loss == "hs":
        words, counts, word_rows, output_rows = _tree_layout(config, words, counts, word_rows, output_rows)
    nwords = len(words)
    with atomic_write(path) as out:
        out.write(struct.pack("<2i", MAGIC, VERSION))
        out.write(
            _ARGS.pack(
                dim,
                int(config.get("window", 5)),
                int(config.get("epoch", 5)),
                int(config.get("min_count", 5)),
                int(config.get("neg", 5)),
                1,  # wordNgrams
                LOSS_CODES[loss],
                MODEL_CODES[config.get("model", "skipgram")],
                bucket,
                minn,
                maxn,
                LR_UPDATE_RATE,
                float(config.get("sample", 1e-4)),
            )
        )
        ntokens = int(config.get("corpus_tokens") or counts.sum())
        out.write(_DICTIONARY_HEADER.pack(nwords, nwords, 0, ntokens, -1))
        out.write(
            b"".join(
                word.encode("utf-8") + b"\0" + _ENTRY_TAIL.pack(int(count), ENTRY_WORD) for word, count in zip(words, counts)
            )
        )
        out.write(b"\0")  # input matrix not quantised
        out.write(_MATRIX_HEADER.pack(nwords + bucket, dim))
        _write_rows(out, word_rows)
        _write_bucket_rows(out, model, model_words, bucket)
        out.write(b"\0")  # output matrix not quantised
        out.write(_MATRIX_HEADER.pack(nwords, dim))
        _write_rows(out, np.asarray(output_rows[:nwords], dtype=np.float32))


def _tree_layout(config: dict, words: list[str], counts, word_rows, output_rows):
    """``(words, counts, word rows, output rows)`` of an hs model as the file holds them (the module docstring):
    ``</s>`` added when the model was trained with it, the words in the tree's leaf order, the output rows the
    tree's ``V - 1`` inner nodes and a zero row. A model read from a fastText file, ``</s>`` among its words and
    its dictionary in leaf order already, is written as it was."""
    if "end_of_line_count" in config:
        words = [*words, EOS]
        counts = np.append(counts, int(config["end_of_line_count"]))
        word_rows = np.concatenate([word_rows, np.zeros((1, word_rows.shape[1]), dtype=np.float32)])
    order = np.argsort(-counts, kind="stable")  # training.huffman's leaf order
    nodes = len(words) - 1
    output = np.zeros((len(words), word_rows.shape[1]), dtype=np.float32)
    output[:nodes] = output_rows[:nodes]
    return [words[i] for i in order], counts[order], word_rows[order], output


def _write_rows(out, rows: np.ndarray) -> None:
    out.write(np.ascontiguousarray(rows, dtype="<f4").tobytes())


def _write_bucket_rows(out, model, nwords: int, bucket: int) -> None:
    """Every bucket's row in bucket order: the stored row of a used bucket, zeros for the rest."""
    used = None if model.used_buckets is None else np.asarray(model.used_buckets, dtype=np.int64)
    for start in range(0, bucket, _ROW_CHUNK):
        end = min(start + _ROW_CHUNK, bucket)
        if used is None:
            _write_rows(out, np.asarray(model.input_matrix[nwords + start : nwords + end]))
            continue
        block = np.zeros((end - start, model.dim), dtype=np.float32)
        first, last = np.searchsorted(used, [start, end])
        block[used[first:last] - start] = model.input_matrix[nwords + first : nwords + last]
        _write_rows(out, block)


# -- reading --------------------------------------------------------------------------

MODEL_NAMES = {code: name for name, code in MODEL_CODES.items()}
#: fastText's end-of-line word, in the vocabulary of most fastText models; it has no n-grams.
EOS = "</s>"
SUPERVISED = 3
_HEADER = struct.Struct("<2i")


class FastTextFile(NamedTuple):
    """What a fastText ``.bin`` holds, its matrices memory-mapped (`read_fasttext`)."""

    settings: dict  # dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t
    words: list[str]
    counts: np.ndarray  # int64 [nwords]
    ntokens: int
    input_matrix: np.ndarray  # float32 [nwords + bucket, dim], memory-mapped
    output_matrix: np.ndarray  # float32 [nwords, dim], memory-mapped


def is_fasttext_head(head: bytes) -> bool:
    """True when a file's first bytes are fastText's magic number."""
    return len(head) >= 4 and struct.unpack_from("<i", head)[0] == MAGIC


def read_fasttext(path: str) -> FastTextFile:
    """Read a fastText ``.bin`` of word vectors (skip-gram or CBOW, any minn, maxn, bucket and dim).

    The dictionary is read; both matrices are memory-mapped where they lie in the file. Words are decoded as
    UTF-8 (a byte sequence that is not becomes U+FFFD, as gensim's loader does by default).

    Raises
    ------
    ModelFileError
        Not a fastText file, a newer file version, truncated, a supervised model (a classifier: it has
        labels, not word vectors), or quantised (``.ftz``).
    """
    with open(path, "rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if os.path.getsize(path) else b""
    reader = _Reader(data, path)
    magic, version = reader.unpack(_HEADER)
    if magic != MAGIC:
        raise ModelFileError(f"{path} is not a fastText .bin (its first bytes are not fastText's magic number)")
    if version > VERSION:
        raise ModelFileError(f"{path} is a fastText file of version {version}; kofasttext reads up to {VERSION}")
    names = (
        "dim",
        "ws",
        "epoch",
        "minCount",
        "neg",
        "wordNgrams",
        "loss",
        "model",
        "bucket",
        "minn",
        "maxn",
        "lrUpdateRate",
        "t",
    )
    settings = dict(zip(names, reader.unpack(_ARGS)))
    if settings["model"] == SUPERVISED:
        raise ModelFileError(
            f"{path} is a supervised fastText model (a text classifier with labels, not word vectors); "
            "kofasttext loads skip-gram and CBOW models"
        )
    if settings["model"] not in MODEL_NAMES:
        raise ModelFileError(f"{path} is damaged: its model type is {settings['model']}")
    size, nwords, nlabels, ntokens, prune_size = reader.unpack(_DICTIONARY_HEADER)
    if not 0 <= nwords <= size or nlabels != size - nwords:
        raise ModelFileError(f"{path} is damaged: its dictionary sizes do not add up")
    words, counts = reader.entries(size)
    reader.skip(8 * max(prune_size, 0))
    input_matrix = reader.matrix()
    if input_matrix is None:
        raise ModelFileError(f"{path} is a quantised fastText model (.ftz); kofasttext reads unquantised .bin files")
    if prune_size >= 0:
        raise ModelFileError(f"{path} is damaged: an unquantised fastText model with a pruned dictionary")
    output_matrix = reader.matrix()
    dim, bucket = settings["dim"], settings["bucket"]
    if input_matrix.shape != (nwords + bucket, dim) or output_matrix is None or output_matrix.shape[1] != dim:
        raise ModelFileError(f"{path} is damaged: its matrices do not match its dictionary and dim")
    if reader.position != len(data):
        raise ModelFileError(f"{path} is damaged: {len(data) - reader.position:,} bytes follow the output matrix")
    return FastTextFile(settings, words[:nwords], counts[:nwords], ntokens, input_matrix, output_matrix)


class _Reader:
    """Reads the structures of a fastText file in order, every read checked against the file's end."""

    def __init__(self, data, path: str):
        self.data, self.path, self.position = data, path, 0

    def _need(self, nbytes: int) -> None:
        if nbytes < 0 or self.position + nbytes > len(self.data):
            raise ModelFileError(f"{self.path} is truncated or damaged: it ends inside its fastText data")

    def unpack(self, layout: struct.Struct) -> tuple:
        self._need(layout.size)
        values = layout.unpack_from(self.data, self.position)
        self.position += layout.size
        return values

    def skip(self, nbytes: int) -> None:
        self._need(nbytes)
        self.position += nbytes

    def entries(self, size: int) -> tuple[list[str], np.ndarray]:
        self._need(size * (1 + _ENTRY_TAIL.size))  # every entry takes at least its NUL and tail: bounds the arrays
        words, counts = [], np.empty(size, dtype=np.int64)
        find, data = self.data.find, self.data
        for i in range(size):
            end = find(b"\0", self.position)
            if end < 0:
                self._need(len(data) + 1)
            words.append(bytes(data[self.position : end]).decode("utf-8", errors="replace"))
            self.position = end + 1
            counts[i], _ = self.unpack(_ENTRY_TAIL)
        return words, counts

    def matrix(self) -> np.ndarray | None:
        """A dense matrix, memory-mapped; None for a quantised one (whose layout is not read)."""
        (quantised,) = self.unpack(_FLAG)
        if quantised:
            return None
        rows, cols = self.unpack(_MATRIX_HEADER)
        if rows < 0 or cols < 0:  # two negative sizes would multiply to a plausible byte count
            raise ModelFileError(f"{self.path} is damaged: a matrix of {rows} x {cols}")
        self._need(rows * cols * 4)
        matrix = np.frombuffer(self.data, dtype="<f4", count=rows * cols, offset=self.position).reshape(rows, cols)
        self.position += rows * cols * 4
        return matrix
