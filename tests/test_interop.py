"""Models leaving and entering kofasttext, checked by the real libraries (`fasttext` 0.9.3 and gensim, the
``interop`` extra): a fastText .bin of ours gives our vectors up to length, and a fastText .bin loads with
fastText's words and vectors."""

from __future__ import annotations

import json
import subprocess
import sys

import fasttext  # the interop extra (not skipped when missing: these tests are the check on our files)
import gensim.models.fasttext as gensim_fasttext
import numpy as np
import pytest

import kofasttext as kft
from kofasttext.errors import UsageError
from kofasttext.hangul import jamo_form
from kofasttext.interop.fasttext_bin import save_fasttext

#: Words no line of the small corpus has: typos, other endings, a word of another script.
UNSEEN = ("재밋다", "영화를", "맛있었다", "김치찌게", "배우들", "ㅋㅋㅋㅋ", "movie")


def _cosines(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    return (ours * theirs).sum(1) / norms


@pytest.fixture(scope="module", params=["syllable", "jamo", "none"])
def trained(request, small_corpus):
    """A small model of each scheme fastText can hold, trained here (seconds)."""
    return kft.train(
        str(small_corpus), subwords=request.param, dim=16, epoch=2, min_count=2, bucket=5000, threads=1, progress=False
    )


def _queries(model, words) -> list[str]:
    return [jamo_form(w) for w in words] if model.scheme.name == "jamo" else list(words)


def test_fasttext_loads_our_bin_and_its_vectors_point_as_ours(trained, tmp_path):
    path = tmp_path / "model.bin"
    save_fasttext(trained, str(path))
    theirs = fasttext.load_model(str(path))
    assert theirs.get_dimension() == trained.dim
    assert theirs.get_words(on_unicode_error="strict") == _queries(trained, trained.words)
    words = list(trained.words)
    ours = np.stack([trained[w] for w in words])
    cos = _cosines(ours, np.stack([theirs.get_word_vector(q) for q in _queries(trained, words)]))
    assert cos.min() >= 0.9999
    if trained.scheme.name != "none":  # with n-grams, unseen words get vectors too
        unseen = [w for w in UNSEEN if np.linalg.norm(trained[w]) > 0]
        assert len(unseen) >= 5
        ours = np.stack([trained[w] for w in unseen])
        cos = _cosines(ours, np.stack([theirs.get_word_vector(q) for q in _queries(trained, unseen)]))
        assert cos.min() >= 0.9999


def test_fasttext_averages_the_rows_we_sum(trained, tmp_path):
    """Only the length differs: fastText's vector is ours divided by the number of the word's subwords."""
    path = tmp_path / "model.bin"
    save_fasttext(trained, str(path))
    theirs = fasttext.load_model(str(path))
    word = trained.words[0]
    ngrams, _ = trained.get_subwords(word)
    np.testing.assert_allclose(
        theirs.get_word_vector(_queries(trained, [word])[0]), trained[word] / len(ngrams), rtol=1e-4, atol=1e-6
    )


def test_gensim_loads_our_bin(trained, tmp_path):
    path = tmp_path / "model.bin"
    save_fasttext(trained, str(path))
    vectors = gensim_fasttext.load_facebook_vectors(str(path))
    full = gensim_fasttext.load_facebook_model(str(path))
    words = list(trained.words)
    queries = _queries(trained, words)
    ours = np.stack([trained[w] for w in words])
    assert _cosines(ours, np.stack([vectors[q] for q in queries])).min() >= 0.9999
    assert _cosines(ours, np.stack([full.wv[q] for q in queries])).min() >= 0.9999
    if trained.scheme.name != "none":
        unseen = [w for w in UNSEEN if np.linalg.norm(trained[w]) > 0]
        ours = np.stack([trained[w] for w in unseen])
        assert _cosines(ours, np.stack([vectors[q] for q in _queries(trained, unseen)])).min() >= 0.9999


def test_a_model_fasttext_cannot_hold_is_refused_and_nothing_is_written(small_corpus, tmp_path):
    hybrid = kft.train(str(small_corpus), subwords="hybrid", dim=8, epoch=1, min_count=2, bucket=500, threads=1, progress=False)
    path = tmp_path / "hybrid.bin"
    with pytest.raises(UsageError, match="hybrid"):
        save_fasttext(hybrid, str(path))
    assert not path.exists()


# -- word2vec text and binary -------------------------------------------------------


def test_vec_and_word2vec_binary_load_in_gensim_with_the_extra_words(jamo_model, tmp_path):
    from gensim.models import KeyedVectors

    model = jamo_model
    extra = ["몰랐겠지", "영화", "∅"]  # unseen (composed), already in the vocabulary (written once), no subword
    for binary in (False, True):
        path = tmp_path / ("m.bin" if binary else "m.vec")
        zero = model.save_vec(str(path), extra, binary=binary)
        assert zero == 1
        vectors = KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert vectors.index_to_key == [*model.words, "몰랐겠지", "∅"]
        expected = model.embedding_matrix(vectors.index_to_key, warn=False)
        np.testing.assert_allclose(vectors.vectors, expected, rtol=1e-4 if not binary else 0, atol=1e-5 if not binary else 0)


def test_embedding_matrix_composes_unseen_words_and_counts_the_zero_rows(jamo_model):
    model = jamo_model
    words = ["영화", "몰랐겠지", "∅", "영화"]
    with pytest.warns(UserWarning, match="1 of 4 words have no known subword"):
        matrix = model.embedding_matrix(words)
    assert matrix.dtype == np.float32 and matrix.shape == (4, model.dim)
    np.testing.assert_array_equal(matrix[0], matrix[3])
    for i in (0, 1):  # word_vectors sums a word's rows in another order than get_word_vector
        np.testing.assert_allclose(matrix[i], model[words[i]], rtol=1e-5, atol=1e-7)
    assert matrix[1].any() and not matrix[2].any()


def test_a_word_with_whitespace_is_refused_and_nothing_is_written(jamo_model, tmp_path):
    path = tmp_path / "m.vec"
    with pytest.raises(UsageError, match="whitespace"):
        jamo_model.save_vec(str(path), ["두 단어"])
    assert not path.exists()


@pytest.fixture(scope="module")
def jamo_model(small_corpus):
    """A trained jamo model: it stores only the buckets its vocabulary uses, so a word of unknown n-grams
    (``"∅"``) has no row at all."""
    return kft.train(str(small_corpus), dim=8, epoch=1, min_count=2, bucket=5000, threads=1, progress=False)


# -- the command line -------------------------------------------------------------


def test_export_writes_each_format_and_refuses_bad_requests(cli, small_corpus, tmp_path):
    model_path = tmp_path / "m.kft"
    assert (
        cli(
            "train",
            str(small_corpus),
            "-o",
            str(model_path),
            "--dim",
            "8",
            "--epoch",
            "1",
            "--min-count",
            "2",
            "--bucket",
            "500",
            "--quiet",
        ).returncode
        == 0
    )
    words = tmp_path / "words.txt"
    words.write_text("몰랐겠지\n\n재밋다\n", encoding="utf-8")
    ft = cli("export", str(model_path), "-o", str(tmp_path / "m.bin"), "--format", "fasttext")
    assert ft.returncode == 0 and "jamo_form" in ft.stdout
    assert fasttext.load_model(str(tmp_path / "m.bin")).get_dimension() == 8
    vec = cli("export", str(model_path), "-o", str(tmp_path / "m.vec"), "--format", "vec", "--words", str(words))
    assert vec.returncode == 0
    lines = (tmp_path / "m.vec").read_text(encoding="utf-8").splitlines()
    assert lines[0].split()[1] == "8" and int(lines[0].split()[0]) == len(lines) - 1
    assert [line.split()[0] for line in lines[-2:]] == ["몰랐겠지", "재밋다"]
    for bad, message in [
        (("--format", "fasttext", "--words", str(words)), "--words is for"),
        (("--format", "vec", "--words", str(tmp_path / "none.txt")), "file not found"),
        (("--format", "floret"), "only a model trained with Bloom hashing"),
    ]:
        result = cli("export", str(model_path), "-o", str(tmp_path / "bad.out"), *bad)
        assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "bad.out").exists()


# -- models coming in -------------------------------------------------------------------


_TRAIN_FASTTEXT = """
import json, sys
import fasttext, numpy as np
model = fasttext.train_unsupervised(**json.loads(sys.argv[1]))
values = model.get_input_matrix()
if not (np.isfinite(values).all() and np.abs(values).max() < 100):  # trained values are far below 1
    sys.exit("garbage values in the input matrix")
model.save_model(sys.argv[2])
"""


def _fasttext_trained(path, **settings) -> None:
    """``fasttext.train_unsupervised(**settings)`` saved to ``path``, trained in a fresh Python process and tried
    again (up to 5 times) when it ends in "Encountered NaN." or with garbage in its input matrix. fastText 0.9.3
    leaves parts of a tiny model's input matrix uninitialised (below), and in the long pytest process that memory
    is reused heap with whatever an earlier test left there: a CI run got a dim-10 model with values of 1e31,
    and another got "Encountered NaN." in all 10 tries in-process. A fresh process takes a large matrix from
    fresh, zeroed pages. What the tests check is how we read the file it saves, not that."""
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", _TRAIN_FASTTEXT, json.dumps(settings), str(path)], capture_output=True, text=True
        )
        if done.returncode == 0:
            return
        if "NaN" not in done.stderr and "garbage" not in done.stderr:
            break
    raise AssertionError(f"fastText did not train: {done.stderr[-1000:]}")


@pytest.fixture(scope="module")
def fasttext_bins(small_corpus, tmp_path_factory):
    """fastText models trained here by the real package: cc.ko.300's layout (CBOW, minn 5, maxn 5, 2M buckets;
    dim 10, not 300, to stay small) and a skip-gram with our default syllable n-grams; and a model without
    n-grams (maxn 0), ours exported, since fastText 0.9.3 leaves rows of a tiny maxn-0 model uninitialised
    (its vectors hold garbage values, and training sometimes ends in NaN). Every fastText model here has a dim
    that is a multiple of 10: fastText 0.9.3 initialises the input matrix in blocks that leave some values
    uninitialised unless rows x dim divides by 10 (measured: 47 garbage values in a 1007 x 8 matrix, none at
    x 10), and which values hold garbage depends on what the process allocated before."""
    folder = tmp_path_factory.mktemp("fasttext")
    common = dict(input=str(small_corpus), epoch=2, minCount=2, thread=1, verbose=0)
    paths = {}
    for name, settings in {
        "cc_ko_layout": dict(model="cbow", dim=10, minn=5, maxn=5, bucket=2_000_000),
        "skipgram": dict(model="skipgram", dim=10, minn=2, maxn=4, bucket=3000),
    }.items():
        paths[name] = folder / f"{name}.bin"
        _fasttext_trained(paths[name], **common, **settings)
    paths["no_ngrams"] = folder / "no_ngrams.bin"
    kft.train(str(small_corpus), subwords="none", dim=6, epoch=1, min_count=2, threads=1, progress=False).save_fasttext(
        str(paths["no_ngrams"])
    )
    return paths


@pytest.mark.parametrize("name", ["cc_ko_layout", "skipgram", "no_ngrams"])
def test_a_fasttext_bin_loads_with_fasttexts_words_and_vectors(fasttext_bins, name):
    theirs = fasttext.load_model(str(fasttext_bins[name]))
    ours = kft.load(str(fasttext_bins[name]))
    assert isinstance(ours.input_matrix, np.ndarray) and not ours.input_matrix.flags.owndata  # memory-mapped
    assert ours.words == theirs.get_words(on_unicode_error="strict")
    assert ours.dim == theirs.get_dimension()
    words = list(ours.words) + (list(UNSEEN) if name != "no_ngrams" else [])
    np.testing.assert_allclose(
        ours.embedding_matrix(words, warn=False), np.stack([theirs.get_word_vector(w) for w in words]), rtol=1e-5, atol=1e-6
    )
    sentence = "이 영화 정말 재밌다 ㅋㅋㅋ"
    np.testing.assert_allclose(ours.get_sentence_vector(sentence), theirs.get_sentence_vector(sentence), rtol=1e-4, atol=1e-6)


def test_a_fasttext_bin_answers_queries_and_round_trips(fasttext_bins, tmp_path):
    theirs = fasttext.load_model(str(fasttext_bins["skipgram"]))
    ours = kft.load(str(fasttext_bins["skipgram"]))
    expected = [w for _, w in theirs.get_nearest_neighbors("영화", k=5)]
    assert [w for w, _ in ours.most_similar("영화", topn=5)] == expected
    copy = tmp_path / "copy.bin"
    ours.save_fasttext(str(copy))
    assert copy.read_bytes() == fasttext_bins["skipgram"].read_bytes()  # fastText's defaults, so every byte


def test_a_vec_file_loads_as_a_model_of_its_words(tmp_path):
    path = tmp_path / "v.vec"
    path.write_text("3 2\n영화 1 0\n재밌다 0.5 0.5\n별로 -1 0\n", encoding="utf-8")
    model = kft.load(str(path))
    assert model.words == ["영화", "재밌다", "별로"] and model.dim == 2
    np.testing.assert_array_equal(model["재밌다"], [0.5, 0.5])
    assert not model["없는말"].any()
    assert model.most_similar("영화", topn=1)[0][0] == "재밌다"
    headerless = tmp_path / "glove.txt"
    headerless.write_text("영화 1 0 0\n별로 0 1 0\n", encoding="utf-8")
    assert kft.load(str(headerless)).dim == 3


def test_bad_and_foreign_files_are_refused_in_one_line(fasttext_bins, small_corpus, tmp_path, cli):
    good = fasttext_bins["skipgram"].read_bytes()
    cases = {
        "truncated.bin": (good[: len(good) // 2], "truncated"),
        "trailing.bin": (good + b"\0" * 8, "damaged"),
        "ragged.vec": ("2 3\n영화 1 2 3\n재밌다 1 2\n".encode(), "line 3 has 2 values where the file has 3"),
        "words.vec": ("2 2\n영화 1 2\n재밌다 하나 2\n".encode(), "line 3 holds a value that is not a number"),
        "count.vec": ("3 2\n영화 1 2\n재밌다 1 2\n".encode(), "declares 3 words in its header but holds 2"),
        "dim.vec": ("2 4\n영화 1 2\n재밌다 1 2\n".encode(), "line 2 has 2 values where the file has 4"),
        "latin1.vec": ("2 1\ncaf\xe9 1\n".encode("latin-1"), "not UTF-8"),
        "neither.dat": (b"\x00\x01 just some bytes", "neither a kofasttext model, a fastText .bin nor"),
    }
    # A supervised model: the same file with args.model (the 8th int32 after magic and version) = sup (3). Not
    # trained by fastText here: on a corpus this small its supervised training often ends in NaN.
    supervised = bytearray(good)
    supervised[36:40] = (3).to_bytes(4, "little")
    cases["supervised.bin"] = (bytes(supervised), "supervised fastText model")
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(kft.ModelFileError, match=message):
            kft.load(str(path))
        result = cli("neighbors", str(path), "영화")
        assert result.returncode == 1 and result.stderr.count("\n") == 1 and message.split()[0] in result.stderr, name


def test_a_fasttext_model_starts_a_text_classifier(fasttext_bins, tmp_path):
    model = kft.load(str(fasttext_bins["skipgram"]))
    texts = ["정말 재밌다 최고", "너무 지루하다 별로", "배우 연기 최고 재밌다", "시간 아깝다 별로"] * 10
    labels = [1, 0, 1, 0] * 10
    # Enough steps to learn the task whatever the random start (3 epochs of one batch were luck), and no
    # held-out set: two held-out texts would keep whichever early epoch first got both right. These dim-10
    # vectors of a 2-epoch fastText run are short, so the rate is high: at 1e-2, 13 of 20 (fastText model,
    # classifier seed) trials learnt the task, at 3e-2 17, at 1e-1 all 20.
    classifier = kft.TextClassifier(model, epochs=20, batch_size=8, lr=1e-1, embedding_lr=1e-1, holdout=0, seed=0)
    classifier.fit(texts, labels, progress=False)
    assert classifier.predict(["재밌다 최고", "지루하다 별로"]) == [1, 0]
    classifier.save(str(tmp_path / "c.clf"))
    again = kft.TextClassifier.load(str(tmp_path / "c.clf"))
    assert again.model.averages_rows  # the fastText vector definition travels with the classifier's model
    assert again.predict(["재밌다 최고"]) == [1]


def test_our_bin_loads_back_as_the_model_it_was(trained, tmp_path):
    """A jamo model's .bin too: its words are in jamo form there, and come back composed."""
    path = tmp_path / "model.bin"
    trained.save_fasttext(str(path))
    again = kft.load(str(path))
    assert again.scheme.name == trained.scheme.name and again.words == trained.words
    assert _cosines(again.word_vectors(), trained.word_vectors()).min() >= 0.9999
    unseen = [w for w in UNSEEN if np.linalg.norm(trained[w]) > 0]
    if unseen:
        assert _cosines(again.embedding_matrix(unseen), trained.embedding_matrix(unseen)).min() >= 0.9999


def test_a_word_the_file_holds_in_nfd_is_found_by_its_nfc_query(tmp_path):
    """Queries are NFC-normalised; a foreign vocabulary may hold NFD Hangul (text from macOS). Its key is
    its NFC form, its vector fastText's for the word as the file holds it."""
    import unicodedata

    nfd = unicodedata.normalize("NFD", "재밌다")
    corpus = tmp_path / "nfd.txt"
    corpus.write_text(f"영화 {nfd} 최고 배우\n" * 50 + "영화 지루하다 별로 배우\n" * 50, encoding="utf-8")
    path = tmp_path / "nfd.bin"
    _fasttext_trained(  # see fasttext_bins
        path, input=str(corpus), dim=10, minn=2, maxn=3, bucket=1000, minCount=1, epoch=1, thread=1, verbose=0
    )
    theirs = fasttext.load_model(str(path))
    ours = kft.load(str(path))
    assert nfd in theirs.words and "재밌다" in ours and "재밌다" in ours.words
    assert _cosines(ours["재밌다"][None], theirs.get_word_vector(nfd)[None]).min() >= 0.9999
    np.testing.assert_allclose(ours["영화"], theirs.get_word_vector("영화"), rtol=1e-5, atol=1e-6)
