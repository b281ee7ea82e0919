"""The command line, run as ``python -m kofasttext`` in a subprocess.

The contract (kofasttext.cli): every failure a user can cause ends with ONE line
on stderr and a non-zero exit code, never a traceback; a failed ``train`` leaves
no output file behind.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import FOOD, PLANTED, build_model, corrupt_gzip, run_cli, topic_lines

import kofasttext as kft

#: Keeps every CLI training run to a second or so.
TINY = ["--dim", "16", "--bucket", "5000", "--epoch", "1", "--min-count", "1", "--threads", "1"]


def assert_one_line_error(result, *, exit_code: int | None = None, contains: str | None = None) -> str:
    assert result.returncode != 0, result.stderr
    if exit_code is not None:
        assert result.returncode == exit_code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip("\n").split("\n")
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("kofasttext"), lines[0]
    if contains is not None:
        assert contains in lines[0], lines[0]
    return lines[0]


def assert_nothing_written(directory, output):
    assert not output.exists()
    assert not [p.name for p in directory.iterdir() if p.name.startswith(".kofasttext-")]


# -- train: failures --------------------------------------------------------------
def test_train_missing_corpus(cli, tmp_path):
    out = tmp_path / "m.kft"
    result = cli("train", tmp_path / "nope.txt", "-o", out, *TINY)
    assert_one_line_error(result, exit_code=1, contains="not found")
    assert_nothing_written(tmp_path, out)


def test_train_empty_corpus(cli, write_corpus, tmp_path):
    out = tmp_path / "m.kft"
    result = cli("train", write_corpus("empty.txt", b""), "-o", out, *TINY)
    assert_one_line_error(result, exit_code=1, contains="no words")
    assert_nothing_written(tmp_path, out)


def test_train_no_word_above_min_count(cli, write_corpus, tmp_path):
    out = tmp_path / "m.kft"
    corpus = write_corpus("rare.txt", ["영화 좋다", "영화 재밌다"])
    result = cli("train", corpus, "-o", out, "--dim", "16", "--bucket", "5000", "--min-count", "5")
    assert_one_line_error(result, exit_code=1, contains="min")
    assert_nothing_written(tmp_path, out)


def test_train_corrupt_gzip_corpus(cli, write_corpus, tmp_path):
    out = tmp_path / "m.kft"
    corpus = write_corpus("corrupt.txt.gz", corrupt_gzip("영화 재밌다\n" * 100))
    assert_one_line_error(cli("train", corpus, "-o", out, *TINY), exit_code=1, contains="corrupt.txt.gz")
    assert_nothing_written(tmp_path, out)


def test_train_tsv_without_column(cli, write_corpus, tmp_path):
    out = tmp_path / "m.kft"
    corpus = write_corpus("c.tsv", ["id\tdocument", "1\t영화 좋다"])
    assert_one_line_error(cli("train", corpus, "-o", out, *TINY), exit_code=1, contains="--column")
    assert_nothing_written(tmp_path, out)


@pytest.mark.parametrize(
    "options",
    [["--subwords", "foo"], ["--dim", "0"], ["--dim", "abc"], ["--epoch", "-1"], ["--minn", "2,3,4"]],
)
def test_train_bad_option_is_a_usage_line(cli, small_corpus, tmp_path, options):
    out = tmp_path / "m.kft"
    result = cli("train", small_corpus, "-o", out, *TINY, *options)
    assert_one_line_error(result, exit_code=2, contains=options[0])
    assert_nothing_written(tmp_path, out)


@pytest.mark.parametrize("options", [["--lr", "-1"], ["--subwords", "syllable", "--minn", "5", "--maxn", "3"]])
def test_train_bad_value_found_by_train(cli, small_corpus, tmp_path, options):
    out = tmp_path / "m.kft"
    assert_one_line_error(cli("train", small_corpus, "-o", out, *TINY, *options), exit_code=1)
    assert_nothing_written(tmp_path, out)


def test_train_output_directory_missing_fails_before_training(cli, small_corpus, tmp_path):
    """Without --quiet a run that started training would print progress lines;
    exactly one line means it stopped before reading the corpus."""
    out = tmp_path / "no" / "such" / "dir" / "m.kft"
    result = cli("train", small_corpus, "-o", out, *TINY)
    assert_one_line_error(result, exit_code=1, contains="does not exist")
    assert not out.parent.exists()


def test_train_output_is_a_directory(cli, small_corpus, tmp_path):
    assert_one_line_error(cli("train", small_corpus, "-o", tmp_path, *TINY), exit_code=1, contains="directory")


# -- train: awkward corpora that must work -----------------------------------------------
def test_train_invalid_utf8_corpus_succeeds_with_a_warning(cli, write_corpus, tmp_path):
    lines = [line.encode() for line in topic_lines(100)]
    lines[3] += b" \xff\xfe\xc3"
    lines[50] = b"\x80\x81 " + lines[50]
    corpus = write_corpus("bad.txt", b"\n".join(lines) + b"\n")
    out = tmp_path / "m.kft"
    result = cli("train", corpus, "-o", out, *TINY)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line and "UTF-8" in line]
    assert len(warnings) == 1 and "2 lines" in warnings[0]
    assert set(FOOD) <= set(kft.load(str(out)).words)


def test_train_nul_bytes_corpus_succeeds(cli, write_corpus, tmp_path):
    lines = topic_lines(100)
    lines[7] = lines[7].replace(" ", "\x00", 2)
    corpus = write_corpus("nul.txt", lines)
    out = tmp_path / "m.kft"
    result = cli("train", corpus, "-o", out, *TINY)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "NUL" in result.stderr
    assert not any("\x00" in w for w in kft.load(str(out)).words)


def test_train_crlf_corpus_succeeds(cli, write_corpus, tmp_path):
    corpus = write_corpus("crlf.txt", "\r\n".join(topic_lines(100)) + "\r\n")
    out = tmp_path / "m.kft"
    result = cli("train", corpus, "-o", out, *TINY, "--quiet")
    assert result.returncode == 0, result.stderr
    words = kft.load(str(out)).words
    assert sorted(words) == sorted(set(" ".join(topic_lines(100)).split()))
    assert not any("\r" in w for w in words)


def test_train_ten_megabyte_single_line(cli, write_corpus, tmp_path):
    rng = random.Random(0)
    vocabulary = list(FOOD) + ["정말", "맛있다", "ㅋㅋ", "!!"]
    text = " ".join(rng.choice(vocabulary) for _ in range(1_400_000))
    corpus = write_corpus("long.txt", text)  # one line, no newline
    assert corpus.stat().st_size >= 10_000_000
    out = tmp_path / "m.kft"
    result = cli("train", corpus, "-o", out, *TINY, "--quiet", timeout=150)
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        model = kft.load(str(out))
        assert set(vocabulary) == set(model.words)
        # "succeeds" means usable vectors, not a file full of NaN
        assert np.all(np.isfinite(model.word_vectors())), "training diverged: the saved vectors are not finite"
    else:  # a clean refusal is acceptable, a crash is not
        assert_one_line_error(result)
        assert_nothing_written(tmp_path, out)


# -- queries on bad model files --------------------------------------------------------
QUERIES = {
    "neighbors": ["김치"],
    "vector": ["김치", "라면"],
    "analogy": ["김치", "라면", "비"],
}


@pytest.fixture(scope="module")
def bad_models(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bad")
    good = directory / "good.kft"
    build_model(PLANTED).save(str(good))
    data = good.read_bytes()
    truncated = directory / "truncated.kft"
    truncated.write_bytes(data[: len(data) // 2])
    header_length = directory / "header_length.kft"  # header length field says 2**64 - 1
    header_length.write_bytes(data[:12] + b"\xff" * 8 + data[20:])
    garbage = directory / "random.kft"
    garbage.write_bytes(random.Random(1).randbytes(5000))
    return {
        "truncated": truncated,
        "random": garbage,
        "missing": directory / "missing.kft",
        "header_length": header_length,
    }


@pytest.mark.parametrize("kind", ["truncated", "random", "missing"])
@pytest.mark.parametrize("command", sorted(QUERIES))
def test_query_on_bad_model_file(cli, bad_models, command, kind):
    result = cli(command, bad_models[kind], *QUERIES[command])
    line = assert_one_line_error(result, exit_code=1)
    assert str(bad_models[kind]) in line
    assert result.stdout == ""


def test_neighbors_on_model_with_damaged_header_length(cli, bad_models):
    """A corrupted header-length field (here all ones) is a damaged model file too."""
    result = cli("neighbors", bad_models["header_length"], "김치")
    assert_one_line_error(result, exit_code=1, contains=str(bad_models["header_length"]))


# -- a successful round trip ---------------------------------------------------------------
@pytest.fixture(scope="module")
def cli_model(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli_model")
    corpus = directory / "corpus.txt"
    corpus.write_text("".join(line + "\n" for line in topic_lines(200)), encoding="utf-8")
    out = directory / "m.kft"
    result = run_cli("train", corpus, "-o", out, *TINY, "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # --quiet means quiet
    return out


def test_cli_model_loads_in_python(cli_model):
    model = kft.load(str(cli_model))
    assert model.dim == 16 and model.config["bucket"] == 5000 and model.config["subwords"] == "jamo"
    assert set(FOOD) <= set(model.words)
    assert np.all(np.isfinite(model.word_vectors()))


def test_neighbors_prints_k_lines(cli, cli_model):
    result = cli("neighbors", cli_model, "김치", "-k", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    words = kft.load(str(cli_model)).words
    scores = []
    for line in lines:
        word, score = line.split("\t")
        assert word in words and word != "김치"
        scores.append(float(score))
    assert scores == sorted(scores, reverse=True)


def test_neighbors_of_an_unseen_word(cli, cli_model):
    result = cli("neighbors", cli_model, "김치찌개", "-k", "2")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert "not in the vocabulary" in result.stderr


def test_vector_prints_one_line_per_word(cli, cli_model):
    result = cli("vector", cli_model, "김치", "몰랐겠지")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line, word in zip(lines, ["김치", "몰랐겠지"]):
        fields = line.split(" ")
        assert len(fields) == 16 + 1 and fields[0] == word
        [float(v) for v in fields[1:]]


def test_analogy_prints_a_line(cli, cli_model):
    result = cli("analogy", cli_model, "김치", "라면", "비")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    word, score = lines[0].split("\t")
    assert word not in {"김치", "라면", "비"}
    float(score)
