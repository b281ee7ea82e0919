"""The evaluation data (NSMC reviews, from the data folder `environment.data_dir` finds), and the words of a
training corpus, cached on disk so that the OOV query sets can avoid them cheaply.

The cache folder is `environment.cache_dir`. Everything this module keeps in it is plain UTF-8 text or JSON
(never pickle), written atomically, and checked when read: a damaged, truncated or stale file is rebuilt, never
trusted and never a crash. Deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator

from ..corpus import iter_lines
from ..environment import cache_dir, data_dir
from ..errors import CorpusError
from ..files import atomic_write
from ..pretokenizers import split_words

#: Bump when `split_words` or `normalize` change what a word is: every cached word list is then rebuilt.
WORDS_CACHE_VERSION = 1
_WORDS_MAGIC = "kofasttext-corpus-words"


def read_nsmc(split: str, data: str | os.PathLike | None = None) -> tuple[list[str], list[int]]:
    """Reviews and 0/1 labels of NSMC ``train`` or ``test`` (``nsmc/{split}.tsv``)."""
    path = str(data_dir(data) / "nsmc" / f"{split}.tsv")
    texts = list(iter_lines(path, column="document"))
    labels = [int(label) for label in iter_lines(path, column="label")]
    return texts, labels


# -- the cache folder -----------------------------------------------------------------------------------------


def read_cached(name: str) -> bytes | None:
    """The bytes of cache file ``name``, or None when it is missing or unreadable."""
    try:
        return (cache_dir() / name).read_bytes()
    except OSError:
        return None


def write_cached(name: str, content: bytes) -> None:
    """Write cache file ``name`` atomically, so a reader never sees half a file and two evaluations writing at
    once leave one whole file. A cache that cannot be written (read-only home, full disk) only costs the next
    run the time to rebuild it, so the error is swallowed."""
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
        with atomic_write(cache_dir() / name) as out:
            out.write(content)
    except OSError:
        pass


def digest(text: str) -> str:
    """SHA-256 of ``text`` in hex: the stable fingerprint that cache names and keys use (Python's ``hash`` is
    salted per process, so it cannot name a file that another run must find)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- the words of a corpus ------------------------------------------------------------------------------------


def corpus_fingerprint(path: str | os.PathLike, column: str | int | None = None) -> dict:
    """What identifies a corpus file's content without reading it: absolute path, size, modification time
    (nanoseconds) and the TSV column. Rewriting a file changes its mtime even when the size stays the same."""
    absolute = os.path.abspath(os.fspath(path))
    try:
        stat = os.stat(absolute)
    except FileNotFoundError:
        raise CorpusError(f"corpus not found: {path}") from None
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error}") from None
    return {"path": absolute, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "column": column}


def corpus_words(
    path: str | os.PathLike,
    column: str | int | None = None,
    tokenize_many: Callable[[Iterable[str]], Iterator[list[str]]] | None = None,
    tokenizer: str = "whitespace",
) -> frozenset[str]:
    """Every distinct word of a corpus, cut exactly as the trainer cuts it (`corpus.iter_lines`, then
    `pretokenizers.split_words` or the given pretokeniser), with no ``min_count``: a word seen once was still seen
    in training.

    The list is cached (see the module docstring) under a name made from the absolute path and column, and
    its header records the file's size and mtime, so a changed corpus is read again and its stale list
    replaced rather than left beside it. The file is UTF-8 text, one word per line (a word never contains
    whitespace), after a header line that also holds the count and a SHA-256 of the list: a truncated or
    corrupted file fails that check and is rebuilt.

    Parameters
    ----------
    path : str or PathLike
        ``.txt``, ``.txt.gz``, or ``.tsv`` (with ``column``), as for training.
    column : str or int, optional
        The TSV column that was trained on.
    tokenize_many : callable, optional
        ``tokenize_many(lines) -> iterator of list[str]``: a model's own pretokeniser (`WordVectors.tokenize_many`);
        default `pretokenizers.split_words` per line.
    tokenizer : str
        What identifies ``tokenize_many``'s cutting (`WordVectors.tokenizer`): part of the cache's name and key.

    Examples
    --------
    >>> "재밌었다" in corpus_words("nsmc/corpus.txt.gz")  # read once, then from the cache  # doctest: +SKIP
    True
    """
    key = {**corpus_fingerprint(path, column), "version": WORDS_CACHE_VERSION}
    named_by = [key["path"], column]
    if tokenizer != "whitespace":  # whitespace lists keep the key and name they had before pretokenisers
        key["tokenizer"] = tokenizer
        named_by.append(tokenizer)
    name = f"words-{digest(json.dumps(named_by, ensure_ascii=False))[:24]}.txt"
    cached = _parse_words(read_cached(name), key)
    if cached is not None:
        return cached
    words: set[str] = set()
    lines = iter_lines(key["path"], column)
    for line_words in tokenize_many(lines) if tokenize_many is not None else map(split_words, lines):
        words.update(line_words)
    body = "\n".join(sorted(words)).encode("utf-8")
    header = "\t".join([_WORDS_MAGIC, json.dumps(key, ensure_ascii=False), str(len(words)), hashlib.sha256(body).hexdigest()])
    write_cached(name, header.encode("utf-8") + b"\n" + body)
    return frozenset(words)


def _parse_words(content: bytes | None, key: dict) -> frozenset[str] | None:
    """The words of a cache file, or None unless it is whole and made from exactly this file version."""
    if content is None:
        return None
    try:
        header, _, body = content.partition(b"\n")
        magic, stored_key, count, checksum = header.decode("utf-8").split("\t")
        if magic != _WORDS_MAGIC or json.loads(stored_key) != key or hashlib.sha256(body).hexdigest() != checksum:
            return None
        words = body.decode("utf-8").split("\n") if body else []
        return frozenset(words) if len(words) == int(count) else None
    except ValueError:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        return None
