"""The container every kofasttext file is: one self-describing file, no pickle, arrays memory-mapped on load.

Layout::

    MAGIC (8 bytes) | format version (uint32 LE) | header length (uint64 LE)
    header: UTF-8 JSON {"kind": K, "config": {...}, "words": [...],
                        "arrays": {name: {dtype, shape, offset}}, "file_size": N}
    arrays: raw little-endian data, each starting at a 64-byte aligned offset

``kind`` says what the file holds (`KINDS`): a subword model, a PPMI model, a
classifier, an encoded corpus (a cache) or a document index (`kofasttext.search`). `kofasttext.load` and each class's
own ``load`` dispatch on it. Files written before the header had a kind are
told apart by their config (`_legacy_kind`); a reader of that time ignores the
key, so the format version did not change.

Loading checks the magic (another program's file), the version (a newer
kofasttext's file), the header and that the file is exactly ``file_size`` bytes
(a truncated copy), before anything is mapped; every size the header gives is bounded by the file's real
size before anything is allocated (exact integer arithmetic: a flipped bit cannot overflow a product into a
small number). Nothing in the file is executed:
JSON and raw numbers only. Saving goes through `files.atomic_write`, so a crash
leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import math
import os
import struct
from typing import NamedTuple

import numpy as np

from .errors import ModelFileError
from .files import atomic_write

MAGIC = b"KOFTXT\x00\x01"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sIQ")
_ALIGN = 64
#: float32, int32, int64 for the matrices and tables (float16 for a compressed model's input matrix); uint8 for
#: opaque bytes (a trained SentencePiece model; a product-quantised matrix's codes): kept as a raw array rather
#: than base64 in the JSON header, so the header stays small and readable and the bytes come back exactly, under
#: the same offset and size checks as every array.
_DTYPES = {"<f4", "<f2", "<i4", "<i8", "|u1"}

#: What a file can hold, and what each kind is called in messages.
KINDS = {
    "model": "a subword model",
    "ppmi": "a PPMI model",
    "text_classifier": "a classifier",
    "linear_classifier": "a linear classifier",
    "encoded_corpus": "an encoded corpus (a cache kofasttext rebuilds when needed)",
    "document_index": "a document index (kofasttext search INDEX QUERY)",
}


class ContainerFile(NamedTuple):
    """What `read_model_file` found: the kind, the config, the vocabulary and the (memory-mapped) arrays."""

    kind: str
    config: dict
    words: list[str]
    arrays: dict[str, np.ndarray]


def _legacy_kind(config: dict) -> str:
    """The kind of a file from before headers named it: classifiers and corpus caches said so in their
    config, PPMI models had ``"model": "ppmi"``, and everything else was a subword model."""
    if config.get("kind") in KINDS:
        return config["kind"]
    return "ppmi" if config.get("model") == "ppmi" else "model"


def expect_kind(path: str, found: str, wanted: str) -> None:
    """A `ModelFileError` naming both kinds unless the file at ``path`` holds ``wanted``."""
    if found != wanted:
        raise ModelFileError(f"{path} is {KINDS.get(found, repr(found))}, not {KINDS[wanted]}")


def _aligned(offset: int) -> int:
    return -(-offset // _ALIGN) * _ALIGN


def write_model_file(
    path: str,
    kind: str,
    config: dict,
    words: list[str],
    arrays: dict[str, np.ndarray],
    streamed: dict[str, tuple[str, tuple[int, ...], object]] | None = None,
) -> None:
    """Atomically write a file of ``kind`` (one of `KINDS`) holding ``config``, ``words`` and ``arrays``.

    ``streamed`` adds arrays too big for memory: ``name -> (dtype, shape, binary file)``,
    the file holding exactly the array's little-endian bytes from its start; they are
    copied into place in chunks (in the kernel where it can), never loaded."""
    if kind not in KINDS:
        raise ValueError(f"unknown file kind {kind!r}")  # a bug, not bad input
    arrays = {name: np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")) for name, a in arrays.items()}
    layout = {name: (array.dtype.str, list(array.shape), array.nbytes) for name, array in arrays.items()}
    for name, (dtype, shape, _) in (streamed or {}).items():
        dtype = np.dtype(dtype).newbyteorder("<")
        layout[name] = (dtype.str, [int(n) for n in shape], int(np.prod(shape, dtype=np.int64)) * dtype.itemsize)
    header = {"kind": kind, "config": config, "words": words, "arrays": {}, "file_size": 0}
    # Offsets depend on the header's length and the header holds the offsets:
    # lay out twice, the second time with room for the final numbers.
    for _ in range(2):
        offset = _aligned(_PREFIX.size + len(json.dumps(header, ensure_ascii=False).encode()) + 64)
        for name, (dtype, shape, nbytes) in layout.items():
            header["arrays"][name] = {"dtype": dtype, "shape": shape, "offset": offset}
            offset = _aligned(offset + nbytes)
        header["file_size"] = offset
    header_bytes = json.dumps(header, ensure_ascii=False).encode()
    first_offset = min((spec["offset"] for spec in header["arrays"].values()), default=header["file_size"])
    if _PREFIX.size + len(header_bytes) > first_offset:
        raise RuntimeError("model header outgrew its reserved space")  # a bug, not bad input
    with atomic_write(path) as out:
        out.write(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(header_bytes)))
        out.write(header_bytes)
        for name, array in arrays.items():
            out.seek(header["arrays"][name]["offset"])
            out.write(memoryview(array).cast("B"))
        for name, (_, _, source) in (streamed or {}).items():
            out.flush()
            _copy_into(source, out, header["arrays"][name]["offset"], layout[name][2])
        out.truncate(header["file_size"])


def _copy_into(source, out, offset: int, nbytes: int, chunk: int = 1 << 24) -> None:
    """Copy the first ``nbytes`` of file ``source`` to ``out`` at ``offset``, a chunk at a time."""
    source.flush()
    copied = 0
    try:  # in the kernel: no copy through user memory
        while copied < nbytes:
            step = os.copy_file_range(source.fileno(), out.fileno(), min(chunk, nbytes - copied), copied, offset + copied)
            if step <= 0:
                break
            copied += step
    except (AttributeError, OSError):
        pass  # no copy_file_range here (or across these file systems): copy what is left by hand
    source.seek(copied)
    out.seek(offset + copied)
    while copied < nbytes:
        data = source.read(min(chunk, nbytes - copied))
        if not data:
            raise OSError(f"{getattr(source, 'name', 'a streamed array')} ended {nbytes - copied} bytes early")
        out.write(data)
        copied += len(data)
    out.flush()


def _whole(value) -> int:
    """A header's size or offset: a JSON integer (a float or a string there is damage, not a number)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not an integer")
    return value


def read_model_file(path: str) -> ContainerFile:
    """Check and open a kofasttext file of any kind; arrays come back as read-only memory maps."""
    if os.path.isdir(path):
        raise ModelFileError(f"{path} is a directory, not a model file")
    if not os.path.isfile(path):
        raise ModelFileError(f"model file not found: {path}")
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        prefix = handle.read(_PREFIX.size)
        if len(prefix) < _PREFIX.size or prefix[:8] != MAGIC:
            raise ModelFileError(f"{path} is not a kofasttext model file")
        _, version, header_length = _PREFIX.unpack(prefix)
        if header_length > size - _PREFIX.size:
            raise ModelFileError(f"{path} is truncated or damaged: its header runs past the end of the file")
        if version != FORMAT_VERSION:
            raise ModelFileError(f"{path} has model format version {version}; this kofasttext reads version {FORMAT_VERSION}")
        header_bytes = handle.read(header_length)
    try:
        if len(header_bytes) != header_length:
            raise ValueError("short header")
        header = json.loads(header_bytes)
        expected_size = int(header["file_size"])
        config, words = header["config"], header["words"]
        if not isinstance(config, dict) or not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise TypeError("config or words of the wrong type")
        # A JSON escape can name half of a surrogate pair (a damaged \uc11c reads \udc28), which no UTF-8 text
        # holds: refused here (UnicodeEncodeError is a ValueError), not when a word is first encoded or hashed.
        "".join(words).encode("utf-8")
        json.dumps(config, ensure_ascii=False).encode("utf-8")
        kind = header["kind"] if "kind" in header else _legacy_kind(config)
        layout = {
            name: (spec["dtype"], tuple(_whole(n) for n in spec["shape"]), _whole(spec["offset"]))
            for name, spec in header["arrays"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):  # RecursionError: JSON nested deep
        raise ModelFileError(f"{path} is damaged: its header cannot be read") from None
    if not isinstance(kind, str) or kind not in KINDS:
        raise ModelFileError(f"{path} holds {kind!r}, which this kofasttext does not know (a newer version's file?)")
    if size != expected_size:
        raise ModelFileError(f"{path} is truncated or damaged: {size} bytes, expected {expected_size}")
    arrays = {}
    for name, (dtype, shape, offset) in layout.items():
        if not isinstance(dtype, str) or dtype not in _DTYPES or offset < 0 or not all(0 <= n <= size for n in shape):
            raise ModelFileError(f"{path} is damaged: array {name!r} is described wrongly")
        count = math.prod(shape)  # a Python int: never wraps around as numpy's int64 product would
        if offset + count * np.dtype(dtype).itemsize > size:
            raise ModelFileError(f"{path} is damaged: array {name!r} runs past the end of the file")
        if count == 0:
            arrays[name] = np.zeros(shape, dtype=dtype)
        else:
            arrays[name] = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
    return ContainerFile(kind, config, words, arrays)
