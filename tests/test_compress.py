"""`compress` and ``kofasttext compress``: pruning, float16, product quantisation, a size limit, bad files."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FOOD, WEATHER, build_model

import kofasttext as kft
from kofasttext.compression import Settings, compress, estimated_size, parse_size
from kofasttext.errors import ModelFileError, UsageError
from kofasttext.modelfile import read_model_file, write_model_file
from kofasttext.quantized import QuantizedMatrix

UNSEEN = ["김치찌개", "비바람", "라면집", "눈사람"]


@pytest.fixture(scope="module")
def trained(small_corpus):
    """A trained model: it stores only the buckets its words use (``used_buckets``)."""
    return kft.train(str(small_corpus), dim=16, epoch=1, min_count=2, bucket=5000, threads=1, progress=False)


def fasttext_layout_model(bucket: int = 1000):
    """Every bucket stored (``used_buckets is None``), as in a fastText file: pruning drops the unused ones."""
    rng = np.random.default_rng(0)
    return build_model({w: rng.normal(size=8).tolist() for w in FOOD + WEATHER}, bucket=bucket, ngram_rows="random")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return (a * b).sum(1) / np.maximum(norms, 1e-30)


@pytest.mark.parametrize("make", ["trained", "fasttext_layout"])
def test_pruning_alone_keeps_every_vector_exactly(make, trained, tmp_path):
    model = trained if make == "trained" else fasttext_layout_model()
    small = compress(model)
    assert small.compressed and small.output_matrix is None and len(small.input_matrix) <= len(model.input_matrix)
    np.testing.assert_array_equal(small.word_vectors(), model.word_vectors())
    small.save(str(tmp_path / "small.kft"))
    assert small.config["compression"]["subword_table"] == "rebuilt"  # the file leaves the table out
    stored = read_model_file(str(tmp_path / "small.kft")).arrays
    assert not {"subword_rows", "subword_offsets", "used_buckets"} & set(stored)  # the words give them back
    assert stored["counts"].dtype == np.int32
    again = kft.load(str(tmp_path / "small.kft"))
    np.testing.assert_array_equal(again.used_buckets, small.used_buckets)
    np.testing.assert_array_equal(again.vocab.counts, model.vocab.counts)
    np.testing.assert_array_equal(again.word_vectors(), model.word_vectors())
    np.testing.assert_array_equal(again.embedding_matrix(UNSEEN, warn=False), small.embedding_matrix(UNSEEN, warn=False))
    if make == "fasttext_layout":  # unseen words keep the rows of buckets some word uses, and only those
        assert len(small.input_matrix) < len(model.input_matrix)
    else:  # training already stored only those: unseen words lose nothing
        np.testing.assert_array_equal(small.embedding_matrix(UNSEEN, warn=False), model.embedding_matrix(UNSEEN, warn=False))


def test_a_table_the_words_do_not_give_back_is_stored(tmp_path):
    from kofasttext.model import Model, _without_ngrams

    model = fasttext_layout_model()
    offsets, rows = _without_ngrams(model.subword_offsets, model.subword_rows, 0)  # as fastText's </s>
    model = Model(model.config, model.vocab, model.input_matrix, model.output_matrix, offsets, rows)
    small = compress(model)
    assert small.config["compression"]["subword_table"] == "stored"
    small.save(str(tmp_path / "stored.kft"))
    again = kft.load(str(tmp_path / "stored.kft"))
    np.testing.assert_array_equal(again.word_vectors(), model.word_vectors())


def test_an_unseen_word_keeps_exactly_the_rows_of_buckets_kept_words_use():
    model = fasttext_layout_model()
    small = compress(model, keep_words=4)
    kept_buckets = set(small.used_buckets.tolist())
    for word in UNSEEN + list(FOOD[4:]):  # FOOD[4:] were words, now unseen
        _, ids = model.get_subwords(word)
        buckets = ids - len(model.words)
        expected = sum((model.input_matrix[len(model.words) + b] for b in buckets if b in kept_buckets), np.zeros(8))
        np.testing.assert_allclose(small[word], expected, rtol=1e-6, atol=1e-6)
    assert small.words == model.words[:4] and FOOD[5] not in small


def test_float16_halves_the_matrix_and_keeps_directions(trained, tmp_path):
    small = compress(trained, dtype="float16")
    path = tmp_path / "f16.kft"
    small.save(str(path))
    again = kft.load(str(path))
    assert again.input_matrix.dtype == np.float16 and isinstance(again.input_matrix, np.memmap)
    assert again.get_word_vector("김치").dtype == np.float32  # summed in float32
    assert _cosines(again.word_vectors(), trained.word_vectors()).min() >= 0.999
    unseen = trained.embedding_matrix(UNSEEN, warn=False)
    assert _cosines(again.embedding_matrix(UNSEEN, warn=False), unseen).min() >= 0.999
    full = tmp_path / "full.kft"
    compress(trained).save(str(full))
    assert path.stat().st_size < 0.6 * full.stat().st_size


def test_product_quantisation_decodes_its_codes_and_answers_queries(trained, tmp_path):
    small = compress(trained, pq_subvectors=8)
    path = tmp_path / "pq.kft"
    small.save(str(path))
    again = kft.load(str(path))
    matrix = again.input_matrix
    assert isinstance(matrix, QuantizedMatrix) and matrix.codes.shape == (len(small.input_matrix), 8)
    rows = again.input_rows("김치")
    by_hand = np.concatenate([matrix.codebooks[m, matrix.codes[rows, m]] for m in range(8)], axis=1).sum(0)
    np.testing.assert_allclose(again["김치"], by_hand, rtol=1e-6)
    assert _cosines(again.word_vectors(), trained.word_vectors()).mean() >= 0.9
    assert again.most_similar("김치", topn=3) and again.get_sentence_vector("김치 라면").shape == (16,)
    assert matrix.codes.dtype == np.uint8 and matrix.codebooks.nbytes == 8 * 256 * 2 * 4  # 8 bytes a row, not 64
    float32_file = tmp_path / "f32.kft"
    compress(trained).save(str(float32_file))
    saved = float32_file.stat().st_size - path.stat().st_size
    assert saved >= len(matrix) * (64 - 8) - matrix.codebooks.nbytes - 1024  # up to alignment and header
    with pytest.raises(UsageError, match="already compressed"):
        compress(again)


def test_a_size_limit_chooses_settings_whose_file_fits(trained, tmp_path):
    full_size = estimated_size(trained, Settings())
    smallest = min(estimated_size(trained, Settings(pq_subvectors=m)) for m in (4, 8, 16))  # dim 16
    assert smallest < full_size
    for limit in np.linspace(smallest, full_size, 5).astype(int):
        small = compress(trained, max_size=int(limit))
        path = tmp_path / f"fit{limit}.kft"
        small.save(str(path))
        assert path.stat().st_size <= limit, small.config["compression"]
    assert compress(trained, max_size=full_size).config["compression"]["dtype"] == "float32"
    assert compress(trained, max_size=full_size - 1).config["compression"]["dtype"] != "float32"
    with pytest.raises(UsageError, match="no settings fit"):
        compress(trained, max_size=1000)
    with pytest.raises(UsageError, match="not both"):
        compress(trained, max_size=full_size, dtype="float16")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"pq_subvectors": 5}, "divisor of the dimension 16"),
        ({"dtype": "float8"}, "dtype must be"),
        ({"dtype": "float16", "pq_subvectors": 4}, "do not combine"),
        ({"keep_words": 0}, "positive"),
    ],
)
def test_bad_settings_are_clear_errors(trained, options, message):
    with pytest.raises(UsageError, match=message):
        compress(trained, **options)


def test_parse_size():
    assert parse_size("10MB") == 10_000_000 and parse_size("25 MiB") == 25 * 2**20 and parse_size("512") == 512
    for bad in ("ten MB", "10 parsecs", "0"):
        with pytest.raises(UsageError):
            parse_size(bad)


def test_a_code_past_its_codebook_is_a_damaged_file(tmp_path):
    model = fasttext_layout_model(bucket=100)  # 116 rows: fewer centroids than a byte can name
    small = compress(model, pq_subvectors=4)
    assert small.input_matrix.codebooks.shape[1] < 256
    path = tmp_path / "pq.kft"
    small.save(str(path))
    offset = read_model_file(str(path)).arrays["input_codes"].offset
    data = bytearray(path.read_bytes())
    data[offset] = 255
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="points past its codebook"):
        kft.load(str(path))


def test_cli_compress_and_its_errors(cli, trained, tmp_path):
    model_path = tmp_path / "m.kft"
    trained.save(str(model_path))
    out = tmp_path / "small.kft"
    result = cli("compress", model_path, "-o", out, "--pq-subvectors", "4")
    assert result.returncode == 0, result.stderr
    assert "PQ 4 subvectors" in result.stdout and kft.load(str(out)).compressed
    result = cli("compress", model_path, "-o", tmp_path / "fit.kft", "--max-size", "40KB")
    assert result.returncode == 0 and (tmp_path / "fit.kft").stat().st_size <= 60_000, result.stderr
    for args, message in (
        (["--pq-subvectors", "5"], "divisor"),
        (["--max-size", "1KB"], "no settings fit"),
        (["--max-size", "big"], "a size is a number"),
    ):
        result = cli("compress", model_path, "-o", tmp_path / "bad.kft", *args)
        assert result.returncode == 1 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "bad.kft").exists()
    truncated = tmp_path / "truncated.kft"
    truncated.write_bytes(out.read_bytes()[:-100])
    result = cli("neighbors", truncated, "김치")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1


def test_an_older_compressed_file_whose_stored_buckets_differ_is_damaged(trained, tmp_path):
    """Compressed files written before 2026-12-03 also store the used buckets; they must be the rebuilt ones."""
    small = compress(trained)
    arrays = small.query_arrays()
    assert "used_buckets" not in arrays
    path = tmp_path / "old.kft"
    write_model_file(str(path), "model", small.config, small.words, {**arrays, "used_buckets": small.used_buckets})
    np.testing.assert_array_equal(kft.load(str(path)).word_vectors(), small.word_vectors())  # such a file loads
    wrong = small.used_buckets.copy()
    wrong[0] += 1
    write_model_file(str(path), "model", small.config, small.words, {**arrays, "used_buckets": wrong})
    with pytest.raises(ModelFileError, match="do not give its stored buckets"):
        kft.load(str(path))
