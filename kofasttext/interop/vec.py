"""The word2vec formats: text (``.vec``, fastText's and spaCy's) and binary (word2vec C's, gensim's).

Text: a header line ``count dim``, then one ``word v1 v2 ...`` line per word, values written with five
significant digits (``%.5g``), as fastText writes its own ``.vec`` files (its vector printer sets a precision
of 5). Binary: the same header line, then per word its UTF-8 bytes, a space and ``dim`` little-endian float32
values, with no line end after them (as gensim's ``save_word2vec_format(binary=True)`` writes; its reader and
word2vec's accept it).

The words are the vocabulary, most frequent first, then any extra words asked for that the vocabulary lacks,
composed from their subwords like every unseen word (`Model.embedding_matrix`).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

import numpy as np

from ..errors import ModelFileError, UsageError
from ..files import atomic_write

_ROWS_AT_ONCE = 4096  # vectors composed and written together: bounds the memory of a large export


def vec_line(word: str, vector: np.ndarray) -> str:
    """One line of a ``.vec`` file (without its line end).

    Examples
    --------
    >>> vec_line("영화", np.array([0.5, -1.25, 1 / 3], dtype=np.float32))
    '영화 0.5 -1.25 0.33333'
    """
    return word + " " + " ".join(f"{value:.5g}" for value in vector)


def export_words(model, extra: Iterable[str] = ()) -> list[str]:
    """The vocabulary, most frequent first, then the ``extra`` words it lacks, in their order, once each.

    A word with whitespace in it (which no format of one word per field can hold) is refused.
    """
    words = list(model.words)
    seen = set(words)
    for word in extra:
        if word not in seen:
            seen.add(word)
            words.append(word)
    bad = next((word for word in words if not word or any(c.isspace() for c in word)), None)
    if bad is not None:
        raise UsageError(f"the word {bad!r} is empty or holds whitespace: a word2vec file cannot hold it")
    return words


def save_vec(model, path: str, words: Iterable[str] = (), binary: bool = False) -> int:
    """Write ``model``'s vocabulary and the extra ``words`` as a word2vec file (text, or ``binary``),
    atomically; return how many of the extra words have no known subword (their vectors are zero)."""
    words = export_words(model, words)
    nvocab = len(model.words)
    zero = 0
    with atomic_write(path) as out:
        out.write(f"{len(words)} {model.dim}\n".encode())
        for start in range(0, len(words), _ROWS_AT_ONCE):
            chunk = words[start : start + _ROWS_AT_ONCE]
            vectors = model.embedding_matrix(chunk, warn=False)
            zero += int((~vectors[max(nvocab - start, 0) :].any(axis=1)).sum())
            if binary:
                out.write(b"".join(w.encode("utf-8") + b" " + v.astype("<f4").tobytes() for w, v in zip(chunk, vectors)))
            else:
                out.write("".join(vec_line(w, v) + "\n" for w, v in zip(chunk, vectors)).encode("utf-8"))
    return zero


def read_vec(path: str) -> tuple[list[str], np.ndarray]:
    """The words and vectors of a word2vec text file (``.vec``; gzip too), in file order.

    The first line is a ``count dim`` header (fastText's and word2vec's); a file without one (GloVe's) is read
    too, its dimension taken from the first line. Every line must hold a word and exactly ``dim`` numbers,
    and a header's count must match the lines.

    Raises
    ------
    ModelFileError
        The file is not UTF-8 text, a line is ragged or holds something that is not a number, the header's
        count or dim disagrees with the lines, or a word occurs twice.
    """
    words: list[str] = []
    rows: list[np.ndarray] = []
    declared = None
    dim = None
    try:
        opened = gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")
        with opened as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise ModelFileError(f"{path} line {number} is not UTF-8 text: not a word2vec text file") from None
                fields = line.rstrip("\r\n").rstrip(" ").split(" ")
                if number == 1 and len(fields) == 2 and all(f.isdigit() for f in fields):
                    declared, dim = int(fields[0]), int(fields[1])
                    continue
                if fields == [""]:
                    continue  # a blank line (a final newline twice)
                if dim is None:
                    dim = len(fields) - 1
                if len(fields) != dim + 1:
                    raise ModelFileError(f"{path} line {number} has {len(fields) - 1} values where the file has {dim}")
                try:
                    rows.append(np.array(fields[1:], dtype=np.float32))
                except ValueError:
                    raise ModelFileError(f"{path} line {number} holds a value that is not a number") from None
                words.append(fields[0])
    except (OSError, EOFError, zlib.error) as error:
        raise ModelFileError(f"cannot read {path}: {error}") from None
    if not words or not dim:
        raise ModelFileError(f"{path} holds no word vectors")
    if declared is not None and declared != len(words):
        raise ModelFileError(f"{path} declares {declared:,} words in its header but holds {len(words):,}")
    if len(set(words)) != len(words):
        raise ModelFileError(f"{path} holds a word twice: a word2vec file has one line per word")
    return words, np.stack(rows)


def _is_gzip(path: str) -> bool:
    with open(path, "rb") as probe:
        return probe.read(2) == b"\x1f\x8b"
