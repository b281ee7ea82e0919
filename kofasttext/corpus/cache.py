"""The encoded-corpus cache: the corpus as word ids in a kofasttext container beside the input (or in the
user cache folder), reused while the input, ``min_count`` and the pretokeniser are unchanged.

The cache of one input and setting is named ``.NAME.<settings hash>.kftcache``. Its key (`cache_key`) holds the
input's absolute path, size and mtime, the column, ``min_count``, ``max_words``, the pretokeniser's key and
`CACHE_VERSION`; `load_cache` checks the key and the arrays (word ids within the vocabulary, line starts in
order) and gives None for a stale or damaged file, which is then rebuilt. The token array is memory-mapped from
the file (copy-on-write), never read into memory.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

from ..environment import cache_dir
from ..errors import ModelFileError
from ..modelfile import read_model_file, write_model_file
from ..pretokenizers import Pretokenizer
from ..vocab import Vocabulary
from .read import ReadStats

#: Bump when the encoding or the cache layout changes: old caches are then ignored.
CACHE_VERSION = 1
CACHE_SUFFIX = ".kftcache"


def cache_key(path: str, column, min_count: int, max_words: int, pretokenizer: Pretokenizer) -> dict | None:
    """What a cache file must hold to stand for ``path`` read with these settings (None: no such file)."""
    try:
        info = os.stat(path)
    except OSError:
        return None  # reading reports the missing file
    return {
        "kind": "encoded_corpus",
        "version": CACHE_VERSION,
        "path": os.path.abspath(path),
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "column": column,
        "min_count": int(min_count),
        "max_words": int(max_words),
        "pretokenizer": pretokenizer.key,
    }


def cache_paths(key: dict) -> list[str]:
    """Where the cache of ``key`` may be: beside the input, then in the user cache folder.

    The name hashes the settings but not the file's size or mtime, so a changed input
    overwrites its old cache instead of leaving it behind."""
    settings = {k: key[k] for k in ("version", "column", "min_count", "max_words", "pretokenizer")}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
    folder, name = os.path.split(key["path"])
    where = hashlib.sha256(key["path"].encode()).hexdigest()[:12]
    elsewhere = os.path.join(cache_dir(), "corpora", f"{name}.{where}.{digest}{CACHE_SUFFIX}")
    return [elsewhere] if _read_only(folder) else [os.path.join(folder, f".{name}.{digest}{CACHE_SUFFIX}"), elsewhere]


def _read_only(folder: str) -> bool:
    """True for a folder nobody may write to (mode r-x, as shared data folders are): root could
    write there anyway, but the mode says not to. Other unwritable folders fail on writing."""
    try:
        return not os.stat(folder).st_mode & 0o222 or not os.access(folder, os.W_OK)
    except OSError:
        return True


def store_cache(cache_path: str, key: dict, vocab: Vocabulary, stats: ReadStats, tokens, ntokens: int, starts, nlines: int):
    """Write the cache file: ``tokens`` and ``starts`` are binary files holding the int32 ids and the
    ``nlines + 1`` int64 line starts, copied into place without being loaded."""
    config = {"key": key, "stats": _stats_config(stats)}
    sources = {"tokens": ("<i4", (ntokens,), tokens), "line_starts": ("<i8", (nlines + 1,), starts)}
    write_model_file(cache_path, "encoded_corpus", config, vocab.words, {"counts": vocab.counts}, streamed=sources)


def _stats_config(stats: ReadStats) -> dict:
    return {
        "lines": stats.lines,
        "tokens": stats.tokens,
        "invalid_utf8_lines": stats.invalid_utf8_lines,
        "nul_lines": stats.nul_lines,
        "warnings": list(stats.warnings),
    }


def load_cache(cache_path: str, key: dict) -> tuple[np.ndarray, np.ndarray, Vocabulary, ReadStats] | None:
    """``(tokens, line_starts, vocab, stats)`` of the cached corpus, or None when there is none or it is stale
    or damaged."""
    if not os.path.isfile(cache_path):
        return None
    try:
        kind, config, words, arrays = read_model_file(cache_path)
        if kind != "encoded_corpus" or config.get("key") != key:
            return None
        tokens, line_starts, counts = arrays["tokens"], arrays["line_starts"], arrays["counts"]
        if (
            tokens.dtype != np.int32
            or line_starts.dtype != np.int64
            or counts.shape != (len(words),)
            or len(line_starts) < 2
            or int(line_starts[0]) != 0
            or int(line_starts[-1]) != len(tokens)
            or (np.diff(line_starts) < 0).any()
            # A damaged id would index past the tables in training: one pass over the tokens, once per load.
            or len(tokens) and (int(tokens.min()) < 0 or int(tokens.max()) >= len(words))
        ):
            return None
        saved = config["stats"]
        stats = ReadStats(
            lines=int(saved["lines"]),
            tokens=int(saved["tokens"]),
            invalid_utf8_lines=int(saved["invalid_utf8_lines"]),
            nul_lines=int(saved["nul_lines"]),
            warnings=[str(w) for w in saved["warnings"]],
        )
        vocab = Vocabulary(words, np.array(counts))
        tokens, line_starts = _writable_view(cache_path, tokens), _writable_view(cache_path, line_starts)
        return tokens, line_starts, vocab, stats
    except (ModelFileError, OSError, ValueError, KeyError, TypeError):
        return None


def _writable_view(path: str, array: np.ndarray) -> np.ndarray:
    """A copy-on-write map of a read-only mapped array: torch.from_numpy takes it without a warning,
    and its pages stay shared with the page cache until written (training never writes them)."""
    if not isinstance(array, np.memmap) or array.size == 0:
        return np.array(array)
    return np.memmap(path, dtype=array.dtype, mode="c", offset=array.offset, shape=array.shape)
