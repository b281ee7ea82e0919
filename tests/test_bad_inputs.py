"""The bad-input table: every command that reads a file or a word, against the inputs a user can get wrong.

Each row is ``(command line, input kind) -> (exit code, message pattern)``. A failing row must end with ONE
line on stderr that starts with ``kofasttext`` and matches the pattern, no traceback, and no output file or
temporary (``.NAME.XXXXXXXX.part``) left beside the output. A row that succeeds (exit 0: CRLF line ends, a few
NUL bytes, a 10 KB word, ``--allow-binary``) must show no traceback, match its pattern in stdout + stderr, and
write its output. README's "Command line" section lists the rows. Rows that need a limit on the process, the
issue's three cases and one row of each command run as ``python -m kofasttext`` in a child process
(`IN_A_CHILD`); the rest run `kofasttext.cli.main` in this process, which saves a second of imports a row.

Inputs are tiny and made once per module; the one tiny model is trained once. Two rows need help to be true:

* "unwritable output folder": a folder of mode 0555. Root ignores folder modes, so when the tests run as root
  the child gives up CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (``prctl(PR_CAPBSET_DROP)`` before exec), and the
  modes apply to it as to anyone.
* "full disk": ``RLIMIT_FSIZE`` of 1 KB in the child (SIGXFSZ ignored), so that writing fails with EFBIG as it
  fails with ENOSPC on a full disk.

The "100 MB single line" is a real 100 MB file of Korean words without a line end (written once, in well under
a second); readers refuse a line over `kofasttext.corpus.read.MAX_LINE_BYTES` (64 MiB) before holding it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gzip
import io
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, topic_lines

import kofasttext as kft
from kofasttext.cli import main
from kofasttext.corpus import encode_corpus
from kofasttext.corpus.cache import cache_key, load_cache
from kofasttext.corpus.encode import MAX_DISTINCT_WORDS
from kofasttext.pretokenizers import create

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TRAIN = ["--dim", "16", "--bucket", "20000", "--epoch", "1", "--min-count", "1", "--threads", "1"]
#: A word of about 10 KB (3,400 syllables, 3 UTF-8 bytes each), made of syllables the tiny model knows.
LONG_WORD = "김치" * 1700
UNKNOWN = ("뷁", "꿿", "쀍")  # syllables no word of the tiny corpus has
FULL_DISK_BYTES = 1024


def _labelled(lines: list[str], line_end: str = "\n") -> str:
    rows = ["id\tdocument\tlabel"] + [f"{i}\t{text}\t{i % 2}" for i, text in enumerate(lines)]
    return line_end.join(rows) + line_end


def _flip_header_byte(data: bytes) -> bytes:
    """The file with the first byte of its JSON header (``{``, at offset 20) flipped to ``z``."""
    return data[:20] + bytes([data[20] ^ 0x01]) + data[21:]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    """Every input the table names, by placeholder."""
    folder = tmp_path_factory.mktemp("inputs")
    folder.chmod(0o755)  # a child without CAP_DAC_READ_SEARCH must still read the inputs
    lines = topic_lines(200)
    text = "\n".join(lines) + "\n"
    paths = {}

    def put(name: str, content) -> str:
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return str(path)

    paths["corpus"] = put("corpus.txt", text)
    paths["empty"] = put("empty.txt", b"")
    noise = random.Random(0).randbytes(100_000)
    paths["random"] = put("random.bin", noise)
    paths["random_txt"] = put("random.txt", noise)
    paths["random_tsv"] = put("random.tsv", noise)
    paths["cp949"] = put("cp949.txt", text.encode("cp949"))
    paths["cp949_tsv"] = put("cp949.tsv", _labelled(lines).encode("cp949"))
    nul = list(lines)
    nul[3] = nul[3].replace(" ", "\x00", 2)
    paths["nul"] = put("nul.txt", "\n".join(nul) + "\n")
    paths["crlf"] = put("crlf.txt", "\r\n".join(lines) + "\r\n")
    paths["tsv"] = put("train.tsv", _labelled(lines))
    paths["crlf_tsv"] = put("crlf.tsv", _labelled(lines, "\r\n"))
    paths["empty_tsv"] = put("empty.tsv", b"")
    paths["truncated_gz"] = put("truncated.txt.gz", gzip.compress(text.encode())[:200])
    block = ("영화 재밌다 " * 10_000).encode()
    with open(folder / "long_line.txt", "wb") as out:  # 100 MB, no line end
        for _ in range(100_000_000 // len(block) + 1):
            out.write(block)
    paths["long_line"] = str(folder / "long_line.txt")
    shutil.copy(paths["long_line"], folder / "long_line.tsv")
    paths["long_line_tsv"] = str(folder / "long_line.tsv")
    (folder / "a_folder").mkdir()
    paths["folder"] = str(folder / "a_folder")
    (folder / "empty_folder").mkdir()
    paths["empty_folder"] = str(folder / "empty_folder")
    paths["missing"] = str(folder / "missing.txt")
    paths["missing_folder"] = str(folder / "no_such_folder")

    model = kft.train(paths["corpus"], dim=16, bucket=20_000, min_count=1, epoch=1, threads=1, progress=False)
    paths["model"] = str(folder / "model.kft")
    model.save(paths["model"])
    data = Path(paths["model"]).read_bytes()
    paths["truncated_model"] = put("truncated.kft", data[: len(data) // 2])
    paths["flipped_model"] = put("flipped.kft", _flip_header_byte(data))
    paths["foreign"] = put("foreign.kft", b"\x89PNG\r\n\x1a\n" + noise[:5000])
    paths["ppmi"] = str(shutil.copy(FIXTURES / "demo_ppmi.kft", folder / "ppmi.kft"))
    paths["classifier"] = str(shutil.copy(FIXTURES / "demo_syllable.clf", folder / "classifier.clf"))
    clf = Path(paths["classifier"]).read_bytes()
    paths["truncated_classifier"] = put("truncated.clf", clf[: len(clf) // 2])
    paths["flipped_classifier"] = put("flipped.clf", _flip_header_byte(clf))
    big = folder / "big.txt"  # a corpus over the cache's 1 MiB threshold, so that it gets a cache file
    big.write_bytes((text * (2 * (1 << 20) // len(text.encode()) + 1)).encode())
    paths["big_corpus"] = str(big)
    paths["cache"] = encode_corpus(str(big), min_count=1).cache_path
    cached = Path(paths["cache"]).read_bytes()
    paths["truncated_cache"] = put("truncated.kftcache", cached[: len(cached) // 2])
    paths["flipped_cache"] = put("flipped.kftcache", _flip_header_byte(cached))
    (folder / "read_only").mkdir()
    (folder / "read_only").chmod(0o555)
    paths["read_only"] = str(folder / "read_only")
    return paths


# -- running a row -------------------------------------------------------------------------------------------
def _without_file_override() -> None:
    """In the child, before exec: as root, drop the capabilities that let root ignore file and folder modes
    from the bounding set (exec recomputes root's capabilities from it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _small_file_limit() -> None:
    """In the child: writes past FULL_DISK_BYTES fail with EFBIG (SIGXFSZ would otherwise kill it)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FULL_DISK_BYTES, FULL_DISK_BYTES))


def _dropping_capabilities_works() -> bool:
    try:
        result = subprocess.run(["true"], preexec_fn=_without_file_override, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def run_in_process(args: list[str]) -> subprocess.CompletedProcess:
    """`kofasttext.cli.main` on ``args`` in this process, its stdout and stderr captured: what ``python -m
    kofasttext`` does, without a second of imports per row. An exception that escapes ``main`` (which the
    command line would print as a traceback) comes back as a traceback in stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(args)
        except SystemExit as exit:  # argparse's errors
            code = exit.code
        except BaseException:  # noqa: BLE001 - reported as the command line would show it
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


def run_kofasttext(args: list[str], limit: str | None = None) -> subprocess.CompletedProcess:
    """``python -m kofasttext ARGS`` in the repository root (PYTHONPATH and the test's cache folder inherited);
    ``limit``: "read_only" (root's file override dropped) or "full_disk" (a 1 KB file size limit)."""
    preexec = {None: None, "read_only": _without_file_override, "full_disk": _small_file_limit}[limit]
    if limit == "read_only" and os.geteuid() != 0:
        preexec = None  # folder modes already apply
    return subprocess.run(
        [sys.executable, "-m", "kofasttext", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        encoding="utf-8",
        errors="replace",
        preexec_fn=preexec,
    )


@dataclass(frozen=True)
class Row:
    """``args`` with ``{placeholder}``s (`inputs`, and ``{out}``: the output, in a folder of its own) ->
    ``code`` and ``pattern`` (a regex on the error line; on stdout + stderr when ``code`` is 0)."""

    name: str
    args: tuple[str, ...]
    code: int
    pattern: str
    limit: str | None = None  # "read_only" or "full_disk"
    output: str | None = "out"  # the placeholder of the file the command writes (None: writes nothing)


def row(name, args, code, pattern, **options) -> Row:
    return Row(name, tuple(args), code, pattern, **options)


def _queries(command: str, words: list[str]) -> list[Row]:
    """The rows of a command that reads a model and words."""
    reads_model = [
        ("missing model file", "missing", 1, r"model file not found: .*missing\.txt"),
        ("empty model file", "empty", 1, r"empty\.txt holds no word vectors"),
        ("a directory as model", "folder", 1, r"a_folder is a directory, not a model file"),
        ("truncated model", "truncated_model", 1, r"truncated\.kft is truncated or damaged"),
        ("foreign file as model", "foreign", 1, r"foreign\.kft is neither a kofasttext model"),
        ("bit-flipped model", "flipped_model", 1, r"flipped\.kft is damaged: its header cannot be read"),
        ("classifier as model", "classifier", 1, r"classifier\.clf is a classifier, not word vectors"),
        ("corpus cache as model", "cache", 1, r"is an encoded corpus .*not word vectors"),
        ("truncated corpus cache as model", "truncated_cache", 1, r"truncated\.kftcache is truncated or damaged"),
        ("bit-flipped corpus cache as model", "flipped_cache", 1, r"flipped\.kftcache is damaged"),
    ]
    rows = [row(f"{command}: {what}", [command, f"{{{key}}}", *words], code, pattern, output=None)
            for what, key, code, pattern in reads_model]
    return rows


ROWS = [
    # -- train ------------------------------------------------------------------------------------------------
    row("train: missing corpus", ["train", "{missing}", "-o", "{out}", *TRAIN], 1, r"corpus not found: .*missing\.txt"),
    row("train: empty corpus", ["train", "{empty}", "-o", "{out}", *TRAIN], 1, r"corpus .*empty\.txt has no words"),
    row("train: binary file", ["train", "{random}", "-o", "{out}", *TRAIN], 1,
        r"random\.bin is not text: \d+% of the characters .*--allow-binary"),
    row("train: binary file, --allow-binary", ["train", "{random}", "-o", "{out}", *TRAIN, "--allow-binary", "--quiet"],
        0, r"^$"),
    row("train: non-UTF-8 (CP949)", ["train", "{cp949}", "-o", "{out}", *TRAIN], 1, r"cp949\.txt is not text: .*iconv"),
    row("train: 100 MB single line", ["train", "{long_line}", "-o", "{out}", *TRAIN], 1,
        r"long_line\.txt line 1 is longer than 67,108,864 bytes"),
    row("train: NUL bytes", ["train", "{nul}", "-o", "{out}", *TRAIN], 0, r"warning: 1 lines had NUL bytes"),
    row("train: CRLF line ends", ["train", "{crlf}", "-o", "{out}", *TRAIN, "--quiet"], 0, r"^$"),
    row("train: truncated gzip", ["train", "{truncated_gz}", "-o", "{out}", *TRAIN], 1,
        r"cannot read .*truncated\.txt\.gz: Compressed file ended"),
    row("train: a directory as corpus", ["train", "{folder}", "-o", "{out}", *TRAIN], 1,
        r"corpus is a directory, not a file: .*a_folder"),
    row("train: unwritable output folder", ["train", "{corpus}", "-o", "{read_only}/m.kft", *TRAIN], 1,
        r"output directory is not writable: .*read_only", limit="read_only", output="read_only/m.kft"),
    row("train: missing output folder", ["train", "{corpus}", "-o", "{missing_folder}/m.kft", *TRAIN], 1,
        r"output directory does not exist: .*no_such_folder"),
    row("train: output is a directory", ["train", "{corpus}", "-o", "{folder}", *TRAIN], 1,
        r"output .*a_folder is a directory; give a file name", output=None),
    row("train: full disk", ["train", "{corpus}", "-o", "{out}", *TRAIN, "--quiet"], 1,
        r"File too large: the corpus ids' temporary file in /", limit="full_disk"),
    row("train: unknown option value", ["train", "{corpus}", "-o", "{out}", "--subwords", "foo"], 2,
        r"argument --subwords: invalid choice: 'foo'"),
    row("train: not a number", ["train", "{corpus}", "-o", "{out}", "--dim", "abc"], 2,
        r"argument --dim: expected a positive integer, got 'abc'"),
    # -- neighbors, analogy, vector ----------------------------------------------------------------------------
    *_queries("neighbors", ["김치"]),
    row("neighbors: empty word", ["neighbors", "{model}", ""], 1, r"the word is empty", output=None),
    row("neighbors: only spaces", ["neighbors", "{model}", "   "], 1, r"the word '   ' is only whitespace", output=None),
    row("neighbors: 10 KB word", ["neighbors", "{model}", LONG_WORD, "-k", "3"], 0, r"(?m)^\S+\t[-0-9.]+$", output=None),
    row("neighbors: no known subword", ["neighbors", "{model}", UNKNOWN[0]], 1,
        r"no neighbours for 뷁: none of its subwords is known to this model", output=None),
    row("neighbors: unknown option value", ["neighbors", "{model}", "김치", "-k", "0"], 2,
        r"argument -k: expected a positive integer, got '0'", output=None),
    *_queries("analogy", ["김치", "라면", "비"]),
    row("analogy: empty word", ["analogy", "{model}", "김치", "", "비"], 1, r"the word is empty", output=None),
    row("analogy: only spaces", ["analogy", "{model}", " ", "라면", "비"], 1, r"only whitespace", output=None),
    row("analogy: 10 KB word", ["analogy", "{model}", LONG_WORD, "라면", "비"], 0, r"(?m)^\S+\t[-0-9.]+$", output=None),
    row("analogy: no known subword", ["analogy", "{model}", *UNKNOWN], 1,
        r"뷁, 꿿, 쀍 are unknown to this model \(no known subword\): no answer .* means anything", output=None),
    row("analogy: one word without a known subword", ["analogy", "{model}", "김치", UNKNOWN[0], "라면"], 1,
        r"^kofasttext: error: 뷁 is unknown to this model", output=None),
    *_queries("vector", ["김치"]),
    row("vector: empty word", ["vector", "{model}", "김치", ""], 1, r"the word is empty", output=None),
    row("vector: only spaces", ["vector", "{model}", "\t "], 1, r"only whitespace", output=None),
    row("vector: 10 KB word", ["vector", "{model}", LONG_WORD], 0, r"^김치김치", output=None),
    row("vector: no known subword", ["vector", "{model}", UNKNOWN[0]], 0,
        r"\(뷁 has no known subword: its vector is zero or noise from shared hash buckets\)", output=None),
    # -- eval -----------------------------------------------------------------------------------------------------
    row("eval: missing model file", ["eval", "--data", "{folder}", "{missing}"], 1, r"model file not found", output=None),
    row("eval: truncated model", ["eval", "--data", "{folder}", "{truncated_model}"], 1, r"is truncated or damaged",
        output=None),
    row("eval: foreign file as model", ["eval", "--data", "{folder}", "{foreign}"], 1, r"is neither a kofasttext model",
        output=None),
    row("eval: missing data folder", ["eval", "--data", "{missing_folder}", "{model}"], 1,
        r"data folder not found: .*no_such_folder", output=None),
    row("eval: unwritable --json folder", ["eval", "--data", "{folder}", "{model}", "--json", "{read_only}/r.json"], 1,
        r"output directory is not writable", limit="read_only", output="read_only/r.json"),
    # -- export -----------------------------------------------------------------------------------------------------
    row("export: missing model file", ["export", "{missing}", "-o", "{out}", "--format", "vec"], 1, r"model file not found"),
    row("export: truncated model", ["export", "{truncated_model}", "-o", "{out}", "--format", "vec"], 1,
        r"is truncated or damaged"),
    row("export: bit-flipped model", ["export", "{flipped_model}", "-o", "{out}", "--format", "fasttext"], 1,
        r"flipped\.kft is damaged"),
    row("export: a PPMI model", ["export", "{ppmi}", "-o", "{out}", "--format", "vec"], 1,
        r"ppmi\.kft is not a subword model: only subword models export"),
    row("export: unknown option value", ["export", "{model}", "-o", "{out}", "--format", "word2vec"], 2,
        r"argument --format: invalid choice: 'word2vec'"),
    row("export: unwritable output folder", ["export", "{model}", "-o", "{read_only}/m.vec", "--format", "vec"], 1,
        r"output directory is not writable", limit="read_only", output="read_only/m.vec"),
    row("export: full disk", ["export", "{model}", "-o", "{out}", "--format", "vec"], 1, r"File too large: .*out\.vec",
        limit="full_disk"),
    row("export: missing --words file", ["export", "{model}", "-o", "{out}", "--format", "vec", "--words", "{missing}"],
        1, r"--words: file not found"),
    row("export: binary --words file", ["export", "{model}", "-o", "{out}", "--format", "vec", "--words", "{random}"],
        1, r"--words: .*random\.bin is not UTF-8 text"),
    row("export: 100 MB single-line --words file",
        ["export", "{model}", "-o", "{out}", "--format", "vec", "--words", "{long_line}"], 1, r"line 1 is longer than"),
    # -- compress ----------------------------------------------------------------------------------------------------
    row("compress: missing model file", ["compress", "{missing}", "-o", "{out}"], 1, r"model file not found"),
    row("compress: truncated model", ["compress", "{truncated_model}", "-o", "{out}"], 1, r"is truncated or damaged"),
    row("compress: a PPMI model", ["compress", "{ppmi}", "-o", "{out}"], 1, r"is not a subword model"),
    row("compress: unknown option value", ["compress", "{model}", "-o", "{out}", "--dtype", "int4"], 2,
        r"argument --dtype: invalid choice: 'int4'"),
    row("compress: bad size", ["compress", "{model}", "-o", "{out}", "--max-size", "ten"], 1, r"'ten'"),
    row("compress: unwritable output folder", ["compress", "{model}", "-o", "{read_only}/s.kft"], 1,
        r"output directory is not writable", limit="read_only", output="read_only/s.kft"),
    row("compress: full disk", ["compress", "{model}", "-o", "{out}", "--quiet"], 1, r"File too large: .*out\.kft",
        limit="full_disk"),
    # -- classify train ------------------------------------------------------------------------------------------------
    *[
        row(f"classify train: {what}", ["classify", "train", "--vectors", f"{{{vectors}}}", "--train", f"{{{data}}}",
                                         "-o", "{out}", "--epochs", "1", "--quiet", *extra], code, pattern, **options)
        for what, vectors, data, extra, code, pattern, options in [
            ("missing --train file", "model", "missing_tsv", [], 1, r"corpus not found: .*missing\.tsv", {}),
            ("empty --train file", "model", "empty_tsv", [], 1, r"empty\.tsv has a header but no rows|has no column", {}),
            ("binary --train file", "model", "random_tsv", [], 1, r"random\.tsv is not text", {}),
            ("non-UTF-8 --train file", "model", "cp949_tsv", [], 1, r"cp949\.tsv is not text", {}),
            ("100 MB single-line --train file", "model", "long_line_tsv", [], 1, r"line 1 is longer than", {}),
            ("CRLF --train file", "model", "crlf_tsv", [], 0, r"saved .*out\.clf", {}),
            ("a directory as --train", "model", "folder_tsv", [], 1, r"is a directory", {}),
            ("not a .tsv", "model", "corpus", [], 1, r"corpus\.txt is not a \.tsv file", {}),
            ("truncated --vectors", "truncated_model", "tsv", [], 1, r"truncated\.kft is truncated or damaged", {}),
            ("classifier as --vectors", "classifier", "tsv", [], 1, r"is a classifier, not word vectors", {}),
            ("unknown option value", "model", "tsv", ["--epochs", "x"], 2, r"argument --epochs: expected a positive", {}),
            ("full disk", "model", "tsv", [], 1, r"File too large: .*out\.clf", {"limit": "full_disk"}),
        ]
    ],
    row("classify train: unwritable output folder", ["classify", "train", "--vectors", "{model}", "--train", "{tsv}", "-o",
                                                     "{read_only}/c.clf"], 1, r"output directory is not writable",
        limit="read_only", output="read_only/c.clf"),
    # -- classify predict ------------------------------------------------------------------------------------------------
    *[
        row(f"classify predict: {what}", ["classify", "predict", f"{{{clf}}}", *extra], code, pattern, output=None)
        for what, clf, extra, code, pattern in [
            ("missing classifier", "missing", ["재밌다"], 1, r"model file not found"),
            ("truncated classifier", "truncated_classifier", ["재밌다"], 1, r"truncated\.clf is truncated or damaged"),
            ("bit-flipped classifier", "flipped_classifier", ["재밌다"], 1, r"flipped\.clf is damaged"),
            ("foreign file as classifier", "foreign", ["재밌다"], 1, r"foreign\.kft is not a kofasttext model file"),
            ("model as classifier", "model", ["재밌다"], 1, r"model\.kft is a subword model, not a classifier"),
            ("corpus cache as classifier", "cache", ["재밌다"], 1, r"is an encoded corpus .*not a classifier"),
            ("missing --input", "classifier", ["--input", "{missing}"], 1, r"corpus not found: .*missing\.txt"),
            ("binary --input", "classifier", ["--input", "{random}"], 1, r"random\.bin is not text"),
            ("non-UTF-8 --input", "classifier", ["--input", "{cp949}"], 1, r"cp949\.txt is not text"),
            ("100 MB single-line --input", "classifier", ["--input", "{long_line}"], 1, r"line 1 is longer than"),
            ("a directory as --input", "classifier", ["--input", "{folder}"], 1, r"corpus is a directory"),
            ("CRLF --input", "classifier", ["--input", "{crlf}"], 0, r"(?m)^[01]\t0\.\d{4}\t[^\r]+$"),
            ("no text and no --input", "classifier", [], 1, r"give texts to classify or --input FILE \(one of the two\)"),
        ]
    ],
    # -- corpus prepare -----------------------------------------------------------------------------------------------------
    *[
        row(f"corpus prepare: {what}", ["corpus", "prepare", f"{{{source}}}", "-o", "{out}", "--quiet", *extra], code,
            pattern, **options)
        for what, source, extra, code, pattern, options in [
            ("missing source", "missing", [], 1, r"missing\.txt", {}),
            ("empty source", "empty", [], 1, r"no text to write: all 0 lines of 1 files were empty", {}),
            ("binary source", "random_txt", [], 1, r"random\.txt is not text", {}),
            ("binary source, --allow-binary", "random_txt", ["--allow-binary"], 0, r"out\.txt: \d+ lines from 1 file", {}),
            ("non-UTF-8 source", "cp949", [], 1, r"cp949\.txt is not text", {}),
            ("100 MB single line", "long_line", [], 1, r"line 1 is longer than", {}),
            ("NUL bytes", "nul", [], 0, r"out\.txt: \d+ lines from 1 file", {}),
            ("CRLF line ends", "crlf", [], 0, r"out\.txt: \d+ lines from 1 file", {}),
            ("empty folder", "empty_folder", [], 1, r"no \.txt, \.gz or \.jsonl file found in .*empty_folder", {}),
            ("missing output folder", "corpus", ["-o", "{missing_folder}/c.txt"], 1, r"output folder does not exist",
             {"output": "missing_folder/c.txt"}),
            ("unwritable output folder", "corpus", ["-o", "{read_only}/c.txt"], 1, r"Permission denied: .*read_only/c\.txt$",
             {"limit": "read_only", "output": "read_only/c.txt"}),
            ("full disk", "corpus", [], 1, r"File too large: .*out\.txt", {"limit": "full_disk"}),
            ("unknown option value", "corpus", ["--min-chars", "0"], 2, r"argument --min-chars: expected a positive", {}),
        ]
    ],
]

#: Rows run as ``python -m kofasttext`` in a child process, besides those that need a limit in the child: the
#: issue's three cases and one of each command, so that the entry point itself is covered. The rest run
#: `kofasttext.cli.main` in this process (`run_in_process`).
IN_A_CHILD = {
    "train: binary file", "neighbors: empty word", "analogy: no known subword", "vector: truncated model",
    "eval: missing model file", "export: bit-flipped model", "compress: a PPMI model", "classify train: binary --train file",
    "classify predict: bit-flipped classifier", "corpus prepare: binary source",
}

#: The output file name of each command's ``{out}``.
OUTPUT_NAMES = {"train": "out.kft", "export": "out.vec", "compress": "out.kft", "classify": "out.clf", "corpus": "out.txt"}


def test_rows_have_distinct_names():
    names = [r.name for r in ROWS]
    assert len(names) == len(set(names))


@pytest.fixture(scope="module")
def can_drop_capabilities() -> bool:
    return os.geteuid() != 0 or _dropping_capabilities_works()


@pytest.mark.parametrize("case", ROWS, ids=[r.name for r in ROWS])
def test_bad_input(case: Row, inputs, tmp_path, can_drop_capabilities):
    if case.limit == "read_only" and not can_drop_capabilities:
        pytest.skip("running as root without CAP_SETPCAP: root writes into any folder")
    out_folder = tmp_path / "out"
    out_folder.mkdir()
    out = out_folder / OUTPUT_NAMES.get(case.args[0], "out")
    values = {**inputs, "out": str(out), "missing_tsv": str(Path(inputs["missing"]).with_suffix(".tsv")),
              "folder_tsv": _folder_named_tsv(tmp_path)}
    # A row that gives "-o" twice (its own output after the common one) gets the second: argparse takes the last.
    args = [arg.format(**values) if "{" in arg else arg for arg in case.args]
    result = run_kofasttext(args, case.limit) if case.limit or case.name in IN_A_CHILD else run_in_process(args)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == case.code, result.stderr
    written = _output_path(case, out, inputs)
    if case.code == 0:
        assert re.search(case.pattern, result.stdout + result.stderr), result.stdout + result.stderr
        if written is not None:
            assert written.exists()
        _check_success(case, written)
    else:
        lines = result.stderr.strip("\n").split("\n")
        assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
        assert lines[0].startswith("kofasttext"), lines[0]
        assert re.search(case.pattern, lines[0]), lines[0]
        if written is not None:
            assert not written.exists()
    for folder in {out_folder, Path(inputs["read_only"])}:
        assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]


def _folder_named_tsv(tmp_path: Path) -> str:
    folder = tmp_path / "folder.tsv"
    folder.mkdir()
    return str(folder)


def _output_path(case: Row, out: Path, inputs: dict) -> Path | None:
    if case.output is None:
        return None
    if case.output == "out":
        return out
    placeholder, name = case.output.split("/")
    return Path(inputs[placeholder]) / name


def _check_success(case: Row, written: Path | None) -> None:
    """What a successful row's output must hold beyond existing."""
    if case.name == "train: CRLF line ends":
        assert not any("\r" in word for word in kft.load(str(written)).words)
    if case.name == "train: NUL bytes":
        assert not any("\x00" in word for word in kft.load(str(written)).words)


def test_a_damaged_corpus_cache_is_rebuilt_by_train(inputs, tmp_path):
    """The corpus cache is kofasttext's own file: a truncated, foreign or bit-flipped one is rebuilt, not an error."""
    corpus = tmp_path / "big.txt"
    shutil.copy(inputs["big_corpus"], corpus)
    cached = encode_corpus(str(corpus), min_count=1).cache_path
    key = cache_key(str(corpus), None, 1, MAX_DISTINCT_WORDS, create("whitespace"))
    damaged = {"truncated": Path(cached).read_bytes()[:1000], "foreign": b"\x89PNG\r\n\x1a\n" * 100,
               "bit-flipped": _flip_header_byte(Path(cached).read_bytes())}
    for kind, data in damaged.items():
        Path(cached).write_bytes(data)
        assert load_cache(cached, key) is None, kind
        assert encode_corpus(str(corpus), min_count=1).cache_hit is False, kind
        assert encode_corpus(str(corpus), min_count=1).cache_hit is True, kind
    Path(cached).write_bytes(damaged["truncated"])
    result = run_kofasttext(["train", str(corpus), "-o", str(tmp_path / "m.kft"), *TRAIN, "--quiet"])
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert encode_corpus(str(corpus), min_count=1).cache_hit, "train wrote the cache again"


# -- the rule for text, directly --------------------------------------------------------------------------------
def test_the_text_rule_refuses_noise_and_other_encodings_and_keeps_text_with_stray_bytes(tmp_path, monkeypatch):
    from kofasttext.corpus import read
    from kofasttext.errors import CorpusError

    def judged(name: str, data: bytes) -> bool:
        path = tmp_path / name
        path.write_bytes(data)
        try:
            read.check_text(str(path))
        except CorpusError:
            return False
        return True

    text = "\n".join(topic_lines(2000)) + "\n"
    assert judged("plain.txt", text.encode())
    assert judged("stray.txt", text.replace("\n", "\x00\n", 50).encode() + b"\xff\xfe\x00")  # a few bad bytes
    assert judged("utf8-bom.txt", b"\xef\xbb\xbf" + text.encode())
    assert not judged("noise.gz", gzip.compress(random.Random(1).randbytes(50_000)))  # judged decompressed
    assert not judged("cp949.txt", text.encode("cp949"))
    assert not judged("zeros.txt", bytes(10_000))
    # One character in five is the line: 19% passes, 21% does not.
    assert judged("19.txt", ("가" * 81 + "\x01" * 19).encode() * 100)
    assert not judged("21.txt", ("가" * 79 + "\x01" * 21).encode() * 100)
    # A character cut in two by the end of the sample is not an invalid byte.
    monkeypatch.setattr(read, "TEXT_SAMPLE_BYTES", 1000)
    assert judged("cut.txt", ("가" * 400).encode())  # 1,000 bytes = 333 characters and a third


def test_a_line_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    from kofasttext.corpus import iter_lines, read
    from kofasttext.errors import CorpusError

    monkeypatch.setattr(read, "MAX_LINE_BYTES", 100)
    path = tmp_path / "lines.txt"
    path.write_bytes(b"a" * 99 + b"\n" + b"b" * 100 + b"\n" + b"c" * 101 + b"\n")
    lines = iter_lines(str(path))
    assert next(lines) == "a" * 99 and next(lines) == "b" * 100  # the bound is on the text, not its line end
    with pytest.raises(CorpusError, match="line 3 is longer than 100 bytes"):
        next(lines)
