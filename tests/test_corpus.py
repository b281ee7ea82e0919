"""Reading and encoding corpora (kofasttext.corpus) and the vocabulary's
sampling distributions (kofasttext.vocab)."""

from __future__ import annotations

import gzip
import math
import os
import stat
import time
from array import array

import numpy as np
import pytest
from conftest import SMALL_LINES, corrupt_gzip

from kofasttext import CorpusError
from kofasttext.corpus import encode as corpus_module
from kofasttext.corpus import encode_corpus, iter_lines
from kofasttext.pretokenizers import create as create_pretokenizer
from kofasttext.pretokenizers import split_words
from kofasttext.vocab import NEGATIVE_EXPONENT, Vocabulary


def decoded(corpus) -> list[list[str]]:
    """The kept words of every line, read back through the vocabulary."""
    words = corpus.vocab.words
    starts = corpus.line_starts
    return [[words[t] for t in corpus.tokens[starts[i] : starts[i + 1]]] for i in range(len(starts) - 1)]


def expected_words(lines) -> list[list[str]]:
    return [split_words(line) for line in lines if split_words(line)]


# -- formats ------------------------------------------------------------------------
def test_txt(write_corpus):
    corpus = encode_corpus(str(write_corpus("c.txt", SMALL_LINES)), min_count=1)
    assert decoded(corpus) == expected_words(SMALL_LINES)
    assert corpus.tokens.dtype == np.int32
    assert corpus.stats.lines == len(SMALL_LINES)
    assert corpus.stats.tokens == sum(len(split_words(line)) for line in SMALL_LINES)
    assert corpus.stats.invalid_utf8_lines == 0 and corpus.stats.warnings == []


def test_gzip_gives_the_same_tokens_as_plain_text(write_corpus):
    plain = encode_corpus(str(write_corpus("c.txt", SMALL_LINES)), min_count=1)
    data = gzip.compress("".join(line + "\n" for line in SMALL_LINES).encode())
    for name in ("c.txt.gz", "misnamed.txt"):  # gzip is recognised by its magic
        zipped = encode_corpus(str(write_corpus(name, data)), min_count=1)
        assert zipped.vocab.words == plain.vocab.words
        assert np.array_equal(zipped.tokens, plain.tokens)
        assert np.array_equal(zipped.line_starts, plain.line_starts)


def test_truncated_gzip_is_a_corpus_error(write_corpus):
    data = gzip.compress(("영화 재밌다\n" * 2000).encode())
    path = write_corpus("broken.txt.gz", data[: len(data) // 2])
    with pytest.raises(CorpusError, match="cannot read"):
        encode_corpus(str(path), min_count=1)


def test_corrupt_gzip_is_a_corpus_error(write_corpus):
    """Damaged deflate data makes zlib raise zlib.error, which is neither an
    OSError nor EOFError; it must still become a CorpusError (a one-line CLI
    message), not escape as a traceback."""
    path = write_corpus("corrupt.txt.gz", corrupt_gzip("영화 재밌다\n" * 100))
    with pytest.raises(CorpusError, match="corrupt.txt.gz"):
        encode_corpus(str(path), min_count=1)


TSV = ["id\tdocument\tlabel"] + [f"{i}\t{line}\t{i % 2}" for i, line in enumerate(SMALL_LINES)]


@pytest.mark.parametrize("column", ["document", 1, "1"])
def test_tsv_column_by_name_and_index(write_corpus, column):
    corpus = encode_corpus(str(write_corpus("c.tsv", TSV)), min_count=1, column=column)
    assert decoded(corpus) == expected_words(SMALL_LINES)
    assert corpus.stats.lines == len(SMALL_LINES)  # the header is not a line of text


def test_tsv_gz(write_corpus):
    data = gzip.compress("".join(line + "\n" for line in TSV).encode())
    corpus = encode_corpus(str(write_corpus("c.tsv.gz", data)), min_count=1, column="document")
    assert decoded(corpus) == expected_words(SMALL_LINES)


def test_tsv_without_column_is_a_corpus_error(write_corpus):
    with pytest.raises(CorpusError, match="--column") as info:
        encode_corpus(str(write_corpus("c.tsv", TSV)), min_count=1)
    assert "document" in str(info.value)  # the header is shown to help choose


@pytest.mark.parametrize("column", ["text", 7])
def test_tsv_unknown_column_is_a_corpus_error(write_corpus, column):
    with pytest.raises(CorpusError, match="no column"):
        encode_corpus(str(write_corpus("c.tsv", TSV)), min_count=1, column=column)


def test_tsv_short_row_is_a_corpus_error(write_corpus):
    path = write_corpus("c.tsv", ["id\tdocument", "1\t영화 좋다", "2"])
    with pytest.raises(CorpusError, match="line 3"):
        encode_corpus(str(path), min_count=1, column="document")


def test_column_on_plain_text_is_a_corpus_error(write_corpus):
    with pytest.raises(CorpusError, match="--column"):
        encode_corpus(str(write_corpus("c.txt", SMALL_LINES)), min_count=1, column="document")


def test_crlf_gives_the_same_tokens_as_lf(write_corpus):
    lf = encode_corpus(str(write_corpus("lf.txt", "\n".join(SMALL_LINES) + "\n")), min_count=1)
    crlf = encode_corpus(str(write_corpus("crlf.txt", "\r\n".join(SMALL_LINES) + "\r\n")), min_count=1)
    assert crlf.vocab.words == lf.vocab.words
    assert np.array_equal(crlf.tokens, lf.tokens)
    assert np.array_equal(crlf.line_starts, lf.line_starts)
    assert not any("\r" in w for w in crlf.vocab.words)


def test_utf8_bom_is_skipped(write_corpus):
    corpus = encode_corpus(str(write_corpus("bom.txt", "\ufeff영화 좋다\n영화\n")), min_count=1)
    assert decoded(corpus) == [["영화", "좋다"], ["영화"]]


def test_utf16_is_a_corpus_error(write_corpus):
    path = write_corpus("u16.txt", "영화 좋다\n".encode("utf-16"))
    with pytest.raises(CorpusError, match="UTF-16"):
        encode_corpus(str(path), min_count=1)


def test_invalid_utf8_is_replaced_and_counted(write_corpus):
    data = (
        "영화 좋다\n".encode()
        + b"\xc3\x28 bad \xff byte\n"  # invalid continuation, lone 0xff
        + "좋다 ".encode()
        + "한".encode()[:2]
        + b"\n"  # truncated 3-byte sequence
        + "영화 최고\n".encode()
    )
    corpus = encode_corpus(str(write_corpus("bad.txt", data)), min_count=1)
    assert corpus.stats.invalid_utf8_lines == 2
    assert corpus.stats.lines == 4
    assert any("invalid UTF-8" in w for w in corpus.stats.warnings)
    lines = decoded(corpus)
    assert lines[0] == ["영화", "좋다"] and lines[-1] == ["영화", "최고"]
    assert "bad" in lines[1] and "byte" in lines[1]
    assert any("\ufffd" in w for w in corpus.vocab.words)


def test_nul_bytes_are_counted_and_read_as_spaces(write_corpus):
    data = "영화\x00좋다\n재밌다\n\x00\x00\n".encode()
    corpus = encode_corpus(str(write_corpus("nul.txt", data)), min_count=1)
    assert corpus.stats.nul_lines == 2
    assert any("NUL" in w for w in corpus.stats.warnings)
    assert decoded(corpus) == [["영화", "좋다"], ["재밌다"]]


def test_ten_megabyte_single_line(write_corpus):
    unit = "영화 정말 재밌다 ㅋㅋ 최고!! "
    repeats = 10_000_000 // len(unit.encode()) + 1
    path = write_corpus("long.txt", unit * repeats)  # no newline at all
    assert path.stat().st_size >= 10_000_000
    started = time.monotonic()
    corpus = encode_corpus(str(path), min_count=1)
    assert time.monotonic() - started < 60
    assert corpus.stats.lines == 1
    assert len(corpus.tokens) == 6 * repeats
    assert corpus.line_starts.tolist() == [0, 6 * repeats]
    assert sorted(corpus.vocab.words) == sorted(["영화", "정말", "재밌다", "ㅋㅋ", "최고", "!!"])


# -- vocabulary, pruning, line bookkeeping ----------------------------------------------
def test_vocabulary_most_frequent_first_ties_in_first_appearance_order(write_corpus):
    corpus = encode_corpus(str(write_corpus("c.txt", ["나 가 다 가 나", "라 마 마 바"])), min_count=1)
    # counts: 나 2, 가 2, 다 1, 라 1, 마 2, 바 1; 나 appears before 가, 가 before 마.
    assert corpus.vocab.words == ["나", "가", "마", "다", "라", "바"]
    assert corpus.vocab.counts.tolist() == [2, 2, 2, 1, 1, 1]


def test_min_count_drops_rare_words_and_keeps_lines_consistent(write_corpus):
    lines = [
        "영화 정말 재밌다 희귀어1",
        "희귀어2 희귀어3",  # no kept word: the line disappears
        "영화 정말 좋다",
        "",
        "정말 영화 재밌다 좋다 영화",
        "재밌다 희귀어4 좋다",
    ]
    corpus = encode_corpus(str(write_corpus("c.txt", lines)), min_count=2)
    assert not any(w.startswith("희귀어") for w in corpus.vocab.words)
    assert set(corpus.vocab.words) == {"영화", "정말", "재밌다", "좋다"}
    assert np.all(corpus.vocab.counts >= 2)
    kept = set(corpus.vocab.words)
    expected = [[w for w in split_words(line) if w in kept] for line in lines]
    expected = [line for line in expected if line]
    assert decoded(corpus) == expected
    starts = corpus.line_starts
    assert starts[0] == 0 and starts[-1] == len(corpus.tokens)
    assert np.all(np.diff(starts) > 0)
    assert corpus.stats.lines == len(lines)
    # counts agree with the encoded tokens
    assert np.bincount(corpus.tokens, minlength=len(corpus.vocab)).tolist() == corpus.vocab.counts.tolist()


# -- errors ------------------------------------------------------------------------
def test_missing_file_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="not found") as info:
        encode_corpus(str(tmp_path / "nope.txt"))
    assert "nope.txt" in str(info.value)


def test_directory_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="directory"):
        encode_corpus(str(tmp_path))


@pytest.mark.parametrize("content", [b"", b"\n\n   \n\t\n"])
def test_empty_corpus_is_a_corpus_error(write_corpus, content):
    with pytest.raises(CorpusError, match="no words"):
        encode_corpus(str(write_corpus("empty.txt", content)), min_count=1)


def test_no_word_above_min_count_is_a_corpus_error(write_corpus):
    path = write_corpus("rare.txt", ["영화 좋다", "영화 재밌다"])
    with pytest.raises(CorpusError) as info:
        encode_corpus(str(path), min_count=5)
    message = str(info.value)
    assert "min_count=5" in message and "'영화'" in message and "--min-count" in message


def test_iter_lines_streams_text(write_corpus):
    path = write_corpus("c.txt", "a\r\nb\n\nc")
    assert list(iter_lines(str(path))) == ["a", "b", "", "c"]


# -- sampling distributions ---------------------------------------------------------------
def test_keep_probabilities_formula():
    counts = [1000, 100, 10, 1]
    vocab = Vocabulary(["a", "b", "c", "d"], np.array(counts))
    total = sum(counts)
    for t in (1e-3, 1e-2, 0.05):
        expected = [min(1.0, math.sqrt(t / (c / total)) + t / (c / total)) for c in counts]
        assert np.allclose(vocab.keep_probabilities(t), expected, rtol=1e-6)
    # by hand, t = 1e-2 and the most frequent word (f = 1000/1111): t/f = 0.01111
    assert vocab.keep_probabilities(1e-2)[0] == pytest.approx(math.sqrt(0.01111) + 0.01111, rel=1e-5)
    assert vocab.keep_probabilities(1e-2)[-1] == 1.0  # capped


def test_keep_probabilities_sample_zero_keeps_everything():
    vocab = Vocabulary(["a", "b"], np.array([1_000_000, 1]))
    assert vocab.keep_probabilities(0).tolist() == [1.0, 1.0]


def test_negative_table_uses_square_root_of_counts():
    """fastText draws negatives proportional to count**0.5 (not word2vec's 0.75)."""
    assert NEGATIVE_EXPONENT == 0.5
    vocab = Vocabulary(["a", "b", "c"], np.array([9, 4, 1]))
    # sqrt counts 3, 2, 1 -> shares 3/6, 2/6, 1/6 of the slots
    table = vocab.negative_table(size=600)
    assert table.dtype == np.int32
    assert np.bincount(table).tolist() == [300, 200, 100]
    # every word keeps at least one slot, however rare (fastText rounds up)
    assert np.bincount(Vocabulary(["a", "b"], np.array([10**8, 1])).negative_table(size=100)).min() >= 1


def test_vocabulary_lookup():
    vocab = Vocabulary(["영화", "너무"], np.array([10, 4]))
    assert vocab.id("너무") == 1 and vocab.id("몰랐겠지") == -1
    assert "영화" in vocab and "몰랐겠지" not in vocab and len(vocab) == 2


# -- encoding in one read (two past max_words) and the cache ------------------------------


def one_pass_reference(path, min_count, column=None, pretokenizer=None):
    """The in-memory encoder this module had before it streamed (kept verbatim in substance):
    provisional ids, bincount, most frequent first, ties by first appearance."""
    pretokenizer = create_pretokenizer(pretokenizer)
    provisional, ids, line_lengths = {}, array("i"), array("q")
    for words in pretokenizer.split_many(iter_lines(path, column)):
        for word in words:
            wid = provisional.get(word)
            if wid is None:
                wid = provisional[word] = len(provisional)
            ids.append(wid)
        line_lengths.append(len(words))
    raw = np.frombuffer(ids, dtype=np.int32)
    counts = np.bincount(raw, minlength=len(provisional))
    order = np.lexsort((np.arange(len(counts)), -counts))
    order = order[counts[order] >= min_count]
    remap = np.full(len(counts), -1, dtype=np.int32)
    remap[order] = np.arange(len(order), dtype=np.int32)
    mapped = remap[raw]
    kept = mapped >= 0
    line_of_token = np.repeat(np.arange(len(line_lengths)), np.frombuffer(line_lengths, dtype=np.int64))
    kept_per_line = np.bincount(line_of_token[kept], minlength=len(line_lengths))
    kept_per_line = kept_per_line[kept_per_line > 0]
    line_starts = np.concatenate([[0], np.cumsum(kept_per_line)]).astype(np.int64)
    words = list(provisional)
    return [words[i] for i in order], counts[order].tolist(), mapped[kept], line_starts


def assert_same_as_reference(corpus, path, min_count, column=None):
    words, counts, tokens, line_starts = one_pass_reference(str(path), min_count, column)
    assert corpus.vocab.words == words
    assert corpus.vocab.counts.tolist() == counts
    assert corpus.tokens.dtype == np.int32 and np.array_equal(corpus.tokens, tokens)
    assert corpus.line_starts.dtype == np.int64 and np.array_equal(corpus.line_starts, line_starts)


#: Ties (a/b/c each twice), words that min_count=2 drops, and lines made only of such words.
TIE_LINES = ["c b a", "x y", "a b c d", "z", "", "d e d", "only once here", "e"]


@pytest.fixture
def always_cache(monkeypatch):
    """Cache even the tiny files tests write (normally only corpora of 1 MiB and more)."""
    monkeypatch.setattr(corpus_module, "CACHE_MIN_BYTES", 0)


@pytest.fixture
def small_chunks(monkeypatch):
    """Several encoding chunks even on a tiny corpus."""
    monkeypatch.setattr(corpus_module, "CHUNK_TOKENS", 3)


@pytest.mark.parametrize("cache_on", [False, True])
@pytest.mark.parametrize("min_count", [1, 2, 3])
def test_streamed_encoding_equals_in_memory_reference(write_corpus, small_chunks, monkeypatch, cache_on, min_count):
    monkeypatch.setattr(corpus_module, "CACHE_MIN_BYTES", 0)
    lines = TIE_LINES + list(SMALL_LINES) * 2
    path = write_corpus("c.txt", lines)
    corpus = encode_corpus(str(path), min_count=min_count, cache=cache_on)
    assert_same_as_reference(corpus, path, min_count)
    assert corpus.stats.lines == len(lines)
    assert corpus.stats.tokens == sum(len(split_words(line)) for line in lines)
    if min_count == 2:  # whole lines ("x y", "z", "only once here") are gone
        assert len(corpus.line_starts) - 1 < sum(1 for line in lines if split_words(line))


def test_streamed_encoding_equals_reference_on_tsv_and_gzip(write_corpus, small_chunks, always_cache):
    tsv = "id\tdocument\tlabel\n" + "".join(f"{i}\t{line}\t{i % 2}\n" for i, line in enumerate(TIE_LINES * 3))
    for name, data in (("c.tsv", tsv), ("c.tsv.gz", gzip.compress(tsv.encode()))):
        path = write_corpus(name, data)
        for column in ("document", 1):
            assert_same_as_reference(encode_corpus(str(path), min_count=2, column=column), path, 2, column)
    gz = write_corpus("c.txt.gz", gzip.compress("\n".join(TIE_LINES * 2).encode()))
    assert_same_as_reference(encode_corpus(str(gz), min_count=3), gz, 3)


def test_demo_corpus_equals_one_pass_reference(small_chunks):
    path = os.path.join(os.path.dirname(corpus_module.__file__), "..", "..", "corpora", "demo_ko.txt")
    if not os.path.exists(path):
        pytest.skip("demo corpus not beside the package")
    assert_same_as_reference(encode_corpus(path, min_count=5, cache=False), path, 5)


def _never_read(*args, **kwargs):
    raise AssertionError("the corpus was read again")


def test_second_call_reads_the_cache(write_corpus, always_cache, monkeypatch):
    path = write_corpus("c.txt", TIE_LINES)
    first = encode_corpus(str(path), min_count=2)
    assert not first.cache_hit and os.path.dirname(first.cache_path) == str(path.parent)
    assert os.path.basename(first.cache_path).startswith(".c.txt.")
    monkeypatch.setattr(corpus_module, "iter_lines", _never_read)
    second = encode_corpus(str(path), min_count=2)
    assert second.cache_hit and second.cache_path == first.cache_path
    assert second.vocab.words == first.vocab.words and second.vocab.counts.tolist() == first.vocab.counts.tolist()
    assert np.array_equal(second.tokens, first.tokens) and np.array_equal(second.line_starts, first.line_starts)
    assert (second.stats.lines, second.stats.tokens) == (first.stats.lines, first.stats.tokens)
    assert isinstance(second.tokens, np.memmap) and second.tokens.flags.writeable  # copy-on-write, torch-friendly


def test_cache_is_off_when_asked_and_for_small_files(write_corpus):
    path = write_corpus("c.txt", TIE_LINES)
    assert encode_corpus(str(path), min_count=1).cache_path is None  # below CACHE_MIN_BYTES
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".kftcache")] == []


def test_no_cache_flag_neither_reads_nor_writes(write_corpus, always_cache):
    path = write_corpus("c.txt", TIE_LINES)
    corpus = encode_corpus(str(path), min_count=1, cache=False)
    assert corpus.cache_path is None
    assert not any(p.name.endswith(".kftcache") for p in path.parent.iterdir())


def test_changed_or_touched_file_invalidates_the_cache(write_corpus, always_cache):
    path = write_corpus("c.txt", TIE_LINES)
    first = encode_corpus(str(path), min_count=1)
    # Same size, new mtime: read again (and the same cache file is overwritten, not added to).
    info = os.stat(path)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    touched = encode_corpus(str(path), min_count=1)
    assert not touched.cache_hit and touched.cache_path == first.cache_path
    path.write_text("새 줄 새 줄\n", encoding="utf-8")
    changed = encode_corpus(str(path), min_count=1)
    assert not changed.cache_hit and changed.vocab.words == ["새", "줄"]
    assert len([p for p in path.parent.iterdir() if p.name.endswith(".kftcache")]) == 1


def test_other_settings_get_another_cache(write_corpus, always_cache):
    path = write_corpus("c.txt", TIE_LINES)
    paths = {
        encode_corpus(str(path), min_count=1).cache_path,
        encode_corpus(str(path), min_count=2).cache_path,
        encode_corpus(str(path), min_count=1, pretokenizer="whitespace:keep-punct").cache_path
        if _has_option("whitespace:keep-punct")
        else None,
    }
    paths.discard(None)
    assert len(paths) == (3 if _has_option("whitespace:keep-punct") else 2)
    again = encode_corpus(str(path), min_count=2)
    assert again.cache_hit and again.vocab.words == one_pass_reference(str(path), 2)[0]


def _has_option(spec: str) -> bool:
    try:
        create_pretokenizer(spec)
        return True
    except Exception:
        return False


def test_pretokenizer_key_is_part_of_the_cache_key(write_corpus, always_cache, monkeypatch):
    path = write_corpus("c.txt", TIE_LINES)
    first = encode_corpus(str(path), min_count=1)
    whitespace = create_pretokenizer(None)
    monkeypatch.setattr(type(whitespace), "key", property(lambda self: "another-key"))
    other = encode_corpus(str(path), min_count=1, pretokenizer=whitespace)
    assert not other.cache_hit and other.cache_path != first.cache_path


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "wrong_key"])
def test_damaged_cache_is_rebuilt(write_corpus, always_cache, damage):
    path = write_corpus("c.txt", TIE_LINES)
    cache_path = encode_corpus(str(path), min_count=1).cache_path
    data = open(cache_path, "rb").read()
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = b"\x00" * len(data)
    elif damage == "empty":
        data = b""
    else:  # another corpus's cache under this name
        other = write_corpus("d.txt", ["다른 말"])
        corpus_module.CACHE_MIN_BYTES = 0
        data = open(encode_corpus(str(other), min_count=1).cache_path, "rb").read()
    with open(cache_path, "wb") as out:
        out.write(data)
    rebuilt = encode_corpus(str(path), min_count=1)
    assert not rebuilt.cache_hit
    assert_same_as_reference(rebuilt, path, 1)
    assert encode_corpus(str(path), min_count=1).cache_hit  # and written back whole


def test_read_only_folder_falls_back_to_the_user_cache(tmp_path, cache, always_cache, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "c.txt"
    path.write_text("\n".join(TIE_LINES) + "\n", encoding="utf-8")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        first = encode_corpus(str(path), min_count=1)
        assert os.listdir(folder) == ["c.txt"]
        assert first.cache_path.startswith(str(cache)) and not first.cache_hit
        monkeypatch.setattr(corpus_module, "iter_lines", _never_read)
        assert encode_corpus(str(path), min_count=1).cache_hit
    finally:
        folder.chmod(0o755)


def test_unwritable_everywhere_still_encodes(write_corpus, always_cache, monkeypatch):
    path = write_corpus("c.txt", TIE_LINES)

    def refuse(*args, **kwargs):
        raise PermissionError("no")

    monkeypatch.setattr(corpus_module, "_encode_into_cache", refuse)
    corpus = encode_corpus(str(path), min_count=2)
    assert corpus.cache_path is None
    assert_same_as_reference(corpus, path, 2)


def test_progress_reports_both_phases(write_corpus, monkeypatch):
    monkeypatch.setattr(corpus_module, "_PROGRESS_LINES", 2)
    path = write_corpus("c.txt", TIE_LINES)
    seen = []
    encode_corpus(str(path), min_count=1, on_progress=lambda s: seen.append((s.phase, s.lines, s.total_lines)))
    assert {phase for phase, _, _ in seen} == {"counting", "encoding"}
    assert all(total == len(TIE_LINES) for phase, _, total in seen if phase == "encoding")


def test_distinct_word_cap_reduces_like_fasttext(write_corpus, monkeypatch):
    monkeypatch.setattr(corpus_module, "_COUNT_BATCH_LINES", 1)
    # "a" and "b" are frequent; w0..w19 occur once each, interleaved.
    lines = [f"a b w{i}" for i in range(20)]
    path = write_corpus("c.txt", lines)
    corpus = encode_corpus(str(path), min_count=1, max_words=5)
    assert corpus.vocab.words[:2] == ["a", "b"]
    assert corpus.vocab.counts[:2].tolist() == [20, 20]  # frequent words keep exact counts
    assert len(corpus.vocab) <= 5
    assert any("approximate" in w for w in corpus.stats.warnings)
    # Without the cap every word is kept and counted exactly.
    full = encode_corpus(str(path), min_count=1)
    assert len(full.vocab) == 22 and not full.stats.warnings


def spelt_out_reference(lines, min_count, max_words=None):
    """The encoding spelt out on a list of lines: count the words (with fastText's reduce step after
    each line while there are more than ``max_words``), keep those seen ``min_count`` times, most
    frequent first and ties in order of first appearance, and drop the other words from the text and
    the lines left with none. Gives (words, counts, tokens, line starts, final min_reduce)."""
    counts, min_reduce = {}, 1
    for line in lines:
        for word in split_words(line):
            counts[word] = counts.get(word, 0) + 1
        while max_words is not None and len(counts) > max_words:
            min_reduce += 1
            counts = {word: count for word, count in counts.items() if count >= min_reduce}
    # sorted is stable: ties stay in order of first appearance (a dict's order).
    words = sorted((word for word, count in counts.items() if count >= min_count), key=lambda word: -counts[word])
    ids = {word: i for i, word in enumerate(words)}
    kept = [[ids[word] for word in split_words(line) if word in ids] for line in lines]
    kept = [line for line in kept if line]
    line_starts = [0]
    for line in kept:
        line_starts.append(line_starts[-1] + len(line))
    return words, [counts[word] for word in words], [t for line in kept for t in line], line_starts, min_reduce


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The path of every read of a text file by the encoder, one entry per read."""
    paths = []

    def iter_lines_noted(path, *args, **kwargs):
        paths.append(path)
        return iter_lines(path, *args, **kwargs)

    monkeypatch.setattr(corpus_module, "iter_lines", iter_lines_noted)
    return paths


def assert_same_as_spelt_out(corpus, lines, min_count, max_words=None) -> int:
    """``corpus`` is what `spelt_out_reference` gives, stats included; the reference's final min_reduce."""
    words, counts, tokens, line_starts, min_reduce = spelt_out_reference(lines, min_count, max_words)
    assert corpus.vocab.words == words and corpus.vocab.counts.tolist() == counts
    assert corpus.tokens.tolist() == tokens and corpus.line_starts.tolist() == line_starts
    assert (corpus.stats.lines, corpus.stats.tokens) == (len(lines), sum(len(split_words(line)) for line in lines))
    return min_reduce


#: Empty lines (first and last too), words min_count=2 drops with the lines made only of them, and a
#: line longer than a chunk (`small_chunks`).
ONE_READ_LINES = ["", "c b a", "x y", "a b c d", "z", "", "d e d", "a b c d e a b c d e a", "only once here", "e", ""]


@pytest.mark.parametrize("cache_on", [False, True])
def test_one_read_equals_spelt_out_reference(write_corpus, small_chunks, always_cache, reads, monkeypatch, cache_on):
    monkeypatch.setattr(corpus_module, "_COUNT_BATCH_LINES", 2)
    path = write_corpus("c.txt", ONE_READ_LINES)
    corpus = encode_corpus(str(path), min_count=2, cache=cache_on)
    assert_same_as_spelt_out(corpus, ONE_READ_LINES, 2)
    assert {"x", "y", "z", "only"}.isdisjoint(corpus.vocab.words)
    assert len(corpus.line_starts) - 1 == 5  # of 8 lines with words: "x y", "z", "only once here" are gone
    assert not corpus.stats.warnings
    assert reads == [str(path)]  # the text is pretokenised once; the encoding remaps pass 1's ids


def test_past_max_words_reads_twice_and_reduces_like_fasttext(write_corpus, small_chunks, reads, monkeypatch):
    monkeypatch.setattr(corpus_module, "_COUNT_BATCH_LINES", 1)  # a reduce step after every line, as the reference
    # "a" and "b" are frequent; w0..w5 recur, so a reduce step drops some that come back (counted from
    # zero, at their new first appearance); c0..c23 occur once each.
    lines = [f"a w{i % 6} b c{i}" for i in range(24)] + ["", "w1 w1 w1 c0"]
    path = write_corpus("c.txt", lines)
    for min_count in (1, 3):
        reads.clear()
        corpus = encode_corpus(str(path), min_count=min_count, max_words=8)
        assert assert_same_as_spelt_out(corpus, lines, min_count, max_words=8) > 1
        assert any("approximate" in warning for warning in corpus.stats.warnings)
        assert reads == [str(path)] * 2  # the provisional ids are given up: pass 2 reads the text again
