"""Pretokenisers (kofasttext.pretokenizers): what a word is, stored in the model and used by its queries.

Kiwi is started once per module (about a second); sentencepiece models are trained on a few hundred lines
written here, so every test runs in well under a second or two.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
from conftest import SMALL_LINES, run_cli, topic_lines

import kofasttext as kft
from kofasttext import ModelFileError, UsageError, pretokenizers
from kofasttext.evaluate import WordVectors, corpus_words
from kofasttext.evaluate.probe import review_vectors
from kofasttext.model import Model
from kofasttext.pretokenizers import split_words
from kofasttext.pretokenizers.sentencepiece import MODEL_ARRAY, PIECE_MARK
from kofasttext.subwords import SubwordScheme, subword_table

SENTENCE = "영화가 재미있는 줄 몰랐다"
TINY = {"dim": 16, "epoch": 2, "min_count": 2, "bucket": 5000, "threads": 1, "progress": False}
#: Small enough for the few hundred lines of the fixtures (the vocabulary is a ceiling, not a demand).
PIECES = "vocab=200"


@pytest.fixture(scope="module")
def kiwi_forms():
    return pretokenizers.create("kiwi", workers=2)


@pytest.fixture(scope="module")
def kiwi_join():
    return pretokenizers.create("kiwi:join", workers=2)


@pytest.fixture(scope="module")
def piece_lines() -> list[str]:
    return topic_lines(200) + list(SMALL_LINES) * 10


# -- whitespace and specs ----------------------------------------------------------------------------------
def test_whitespace_is_split_words():
    pretokenizer = pretokenizers.create("whitespace")
    lines = ["진짜 재밌었다!! ㅋㅋㅋ 10점", "", "최고!!ㅋㅋ ㅠㅠ", "a\x00b"]
    assert [pretokenizer.split(line) for line in lines] == [split_words(line) for line in lines]
    assert list(pretokenizer.split_many(iter(lines))) == [split_words(line) for line in lines]
    assert pretokenizer.to_config() == {"name": "whitespace"} and pretokenizer.spec == "whitespace"
    # None, and the plain string older model files hold, mean whitespace
    for config in (None, "whitespace", {"name": "whitespace"}):
        assert pretokenizers.from_config(config).spec == "whitespace"
    assert pretokenizers.create(None).spec == "whitespace"


def test_parse_spec():
    assert pretokenizers.parse_spec("kiwi:join,tags") == ("kiwi", {"join": None, "tags": None})
    assert pretokenizers.parse_spec(" sentencepiece : bpe , vocab = 800 ") == ("sentencepiece", {"bpe": None, "vocab": "800"})


@pytest.mark.parametrize(
    "spec, canonical",
    [
        ("kiwi", "kiwi"),
        ("kiwi:forms", "kiwi"),
        ("kiwi:tags", "kiwi:tags"),
        ("kiwi:tags,join", "kiwi:join,tags"),
        ("kiwi:context,join", "kiwi:join,context"),
        ("sentencepiece", "sentencepiece"),
        ("sentencepiece:unigram,words,vocab=32000", "sentencepiece"),
        ("sentencepiece:subwords,bpe,vocab=800,sample=50", "sentencepiece:bpe,subwords,vocab=800,sample=50"),
    ],
)
def test_spec_strings_and_configs_round_trip(spec, canonical):
    pretokenizer = pretokenizers.create(spec)
    assert pretokenizer.spec == canonical
    config = pretokenizer.to_config()
    assert json.loads(json.dumps(config)) == config
    again = pretokenizers.create(config)  # a dict spec is a config
    assert again.spec == canonical and again.to_config() == config
    assert pretokenizers.create(canonical).to_config() == config


@pytest.mark.parametrize(
    "spec, message",
    [
        ("bert", "unknown pretokenizer 'bert'; choose one of whitespace, kiwi, sentencepiece"),
        ("kiwi:stems", "unknown option 'stems' for pretokenizer kiwi; options: forms, tags, join, context"),
        ("kiwi:join=1", "unknown option 'join=1' for pretokenizer kiwi"),
        ("kiwi:forms,join", "forms and join exclude each other"),
        ("whitespace:join", "unknown option 'join' for pretokenizer whitespace; options: none"),
        ("sentencepiece:wordpiece", "options: unigram, bpe, words, subwords, vocab=N, sample=N"),
        ("sentencepiece:vocab=0", "vocab must be a positive integer, got '0'"),
        ("sentencepiece:vocab=lots", "vocab must be a positive integer, got 'lots'"),
        ("sentencepiece:vocab", "option vocab needs a value (vocab=N)"),
        ("sentencepiece:bpe,unigram", "choose one of the model types unigram or bpe"),
        ("sentencepiece:words,subwords", "choose one of the uses words or subwords"),
        (3, "pretokenizer must be a spec string"),
        ({"join": True}, "a pretokenizer config is a dict with a 'name'"),
        ({"name": "kiwi", "stems": True}, "unknown kiwi pretokenizer settings: stems"),
    ],
)
def test_a_bad_spec_is_a_usage_error_that_says_what_would_do(spec, message):
    with pytest.raises(UsageError) as error:
        pretokenizers.create(spec)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


# -- kiwi ----------------------------------------------------------------------------------------------------
def test_kiwi_forms(kiwi_forms):
    assert kiwi_forms.split(SENTENCE) == ["영화", "가", "재미있", "는", "줄", "모르", "었", "다"]


def test_kiwi_tags_drop_the_irregular_mark():
    tagged = pretokenizers.create("kiwi:tags", workers=1)
    assert tagged.split("먹었다") == ["먹/VV", "었/EP", "다/EF"]
    assert all("-" not in word.rsplit("/", 1)[1] for word in tagged.split("날씨가 추워서 더웠다 몰라"))


def test_kiwi_join_keeps_predicates_whole_and_splits_nouns_from_particles(kiwi_join):
    assert kiwi_join.split(SENTENCE) == ["영화", "가", "재미있는", "줄", "몰랐다"]
    # a stem with a pre-final ending, the copula, an auxiliary: the surface text of each span
    assert kiwi_join.split("학생이었다 먹어봤는데") == ["학생", "이었다", "먹어", "봤는데"]
    # a final consonant typed onto the last syllable (했닼) is Kiwi's Z_CODA: the joined word drops it
    assert kiwi_join.split("했닼ㅋㅋ")[0] == "했다"
    joined_tags = pretokenizers.create("kiwi:join,tags", workers=1)
    # alone, 줄 is the noun "rope" (NNG); before 몰랐다 it is the bound noun of "~ㄴ 줄 몰랐다" (see the next test)
    assert joined_tags.split(SENTENCE) == ["영화/NNG", "가/JKS", "재미있는/VA", "줄/NNG", "몰랐다/VV"]


def test_kiwi_cuts_each_eojeol_alone_by_default(kiwi_join, kiwi_forms):
    lines = [SENTENCE, "", "진짜 재밌었다!! ㅋㅋㅋ", "배우 연기가 최고!! 정말 좋았다", "감기 걸렸다"] * 30
    for pretokenizer in (kiwi_join, kiwi_forms):
        expected = [[w for eojeol in line.split() for w in pretokenizer.split(eojeol)] for line in lines]
        assert [pretokenizer.split(line) for line in lines] == expected
        assert list(pretokenizer.split_many(iter(lines))) == expected
    assert kiwi_forms.split("영화가 몰랐다") == ["영화", "가", "모르", "었", "다"]


def test_kiwi_in_context_analyses_whole_lines_in_order():
    in_context = pretokenizers.create("kiwi:join,context", workers=2)
    assert in_context.split(SENTENCE) == ["영화", "가", "재미있는", "줄", "몰랐다"]
    tagged = pretokenizers.create("kiwi:join,tags,context", workers=2)
    assert tagged.split(SENTENCE) == ["영화/NNG", "가/JKS", "재미있는/VA", "줄/NNB", "몰랐다/VV"]  # context decides 줄
    lines = [SENTENCE, "", "진짜 재밌었다!! ㅋㅋㅋ", "배우 연기가 최고!! 정말 좋았다"] * 30
    assert list(in_context.split_many(iter(lines))) == [in_context.split(line) for line in lines]


def test_kiwi_normalises_text_and_never_gives_a_word_with_a_space(kiwi_join, kiwi_forms):
    assert kiwi_join.split(unicodedata.normalize("NFD", SENTENCE)) == kiwi_join.split(SENTENCE)
    assert kiwi_join.split("몰랐다\x00영화") == kiwi_join.split("몰랐다 영화")
    # Kiwi's multi-word dictionary has names with a space in them (팀 로빈스)
    for words in (kiwi_forms.split("팀 로빈스 주연 영화"), kiwi_join.split("팀 로빈스 주연 영화")):
        assert words and not any(any(c.isspace() for c in w) for w in words)


def test_kiwi_starts_only_when_text_is_cut():
    pretokenizer = pretokenizers.create("kiwi:join")
    assert not pretokenizer.started
    pretokenizer.to_config(), pretokenizer.spec  # describing it needs no analyser
    assert not pretokenizer.started


@pytest.mark.parametrize("spec", ["kiwi", "kiwi:context"])
def test_an_error_in_the_lines_reaches_the_caller(spec):
    def lines():
        yield "영화가 좋다"
        raise RuntimeError("the corpus broke")

    with pytest.raises(RuntimeError, match="the corpus broke"):
        list(pretokenizers.create(spec, workers=2).split_many(lines()))


# -- sentencepiece ---------------------------------------------------------------------------------------------
def test_sentencepiece_is_trained_with_a_seed_and_cuts_words(piece_lines):
    untrained = pretokenizers.create(f"sentencepiece:{PIECES}", workers=1)
    assert untrained.needs_fit
    with pytest.raises(UsageError, match="not trained yet"):
        untrained.split("영화")
    trained = untrained.fit(iter(piece_lines), seed=0)
    assert not trained.needs_fit and trained.model == untrained.fit(iter(piece_lines), seed=0).model
    words = trained.split("배우 연기가 최고!! 정말 좋았다")
    assert words and "".join(words) == "배우연기가최고!!정말좋았다"  # pieces spell the text, ▁ marks dropped
    assert not any("\u2581" in w or " " in w for w in words)
    lines = ["배우 연기가 최고!!", "", "라면 국물이 진하고 맛있다"] * 5000  # more than one encoder batch
    assert list(trained.split_many(iter(lines))) == [trained.split(line) for line in lines]
    config = trained.to_config()
    assert config["pieces"] <= 200 and len(config["sha256"]) == 64


def test_sentencepiece_subwords_keeps_words_and_marks_pieces(piece_lines):
    trained = pretokenizers.create(f"sentencepiece:subwords,{PIECES}", workers=1).fit(piece_lines)
    assert trained.split("배우 연기가 최고!!") == ["배우", "연기가", "최고", "!!"]
    pieces = trained.extra_subwords("연기가")
    assert pieces and all(p.startswith(PIECE_MARK) for p in pieces)
    assert "".join(p[1:] for p in pieces).lstrip("\u2581") == "연기가"
    scheme = SubwordScheme.create("syllable", 2, 3, 1000)
    with_pieces = scheme.with_extra(trained.extra_subwords)
    assert with_pieces.ngrams("연기가") == scheme.ngrams("연기가") + pieces  # the char n-grams are untouched
    with pytest.raises(UsageError, match="need hash buckets"):
        SubwordScheme.create("none").with_extra(trained.extra_subwords)


def test_a_corpus_with_no_words_cannot_train_pieces():
    with pytest.raises(kft.CorpusError, match="no words"):
        pretokenizers.create("sentencepiece").fit(["", "   "])


# -- models ----------------------------------------------------------------------------------------------------
SPECS = [
    "whitespace",
    "kiwi",
    "kiwi:tags",
    "kiwi:join",
    "kiwi:join,context",
    f"sentencepiece:{PIECES}",
    f"sentencepiece:bpe,subwords,{PIECES}",
]


@pytest.fixture(scope="module")
def trained_models(small_corpus, tmp_path_factory):
    """One small model per pretokeniser, saved and loaded back: ``{spec: (trained, loaded, path)}``."""
    folder = tmp_path_factory.mktemp("pretokenized_models")
    models = {}
    for i, spec in enumerate(SPECS):
        model = kft.train(str(small_corpus), pretokenizer=spec, **TINY)
        path = folder / f"m{i}.kft"
        model.save(str(path))
        models[spec] = (model, kft.load(str(path)), path)
    return models


@pytest.mark.parametrize("spec", SPECS)
def test_a_model_keeps_its_pretokenizer_through_save_and_load(trained_models, spec, small_corpus):
    model, loaded, _ = trained_models[spec]
    assert loaded.config["pretokenizer"] == model.config["pretokenizer"] == model.pretokenizer.to_config()
    assert loaded.pretokenizer.spec == pretokenizers.create(spec).spec
    assert loaded.pretokenizer.key == model.pretokenizer.key
    # the vocabulary is made of the pretokeniser's words
    corpus_words = {w for line in small_corpus.read_text(encoding="utf-8").splitlines() for w in model.pretokenizer.split(line)}
    assert set(loaded.words) <= corpus_words
    text = "이 영화 너무 재밌다 ㅋㅋㅋ 김치 라면"
    words = loaded.pretokenizer.split(text)
    assert words == model.pretokenizer.split(text)
    units = [v / np.linalg.norm(v) for v in map(loaded.get_word_vector, words) if np.linalg.norm(v) > 0]
    sentence = loaded.get_sentence_vector(text)
    assert np.allclose(sentence, np.mean(units, axis=0), atol=1e-6)
    assert np.allclose(sentence, model.get_sentence_vector(text), atol=1e-6)
    assert np.array_equal(loaded.word_vectors(), model.word_vectors())
    neighbours = loaded.most_similar(loaded.words[0], topn=3)
    assert len(neighbours) == 3 and all(word in loaded.words for word, _ in neighbours)


def test_a_kiwi_model_is_cut_into_morphemes_and_loads_without_starting_kiwi(trained_models):
    _, forms, _ = trained_models["kiwi"]
    _, joined, path = trained_models["kiwi:join"]
    assert "영화" in forms and "영화가" not in forms and "재미있" in forms
    assert "좋았다" in joined and "영화" in joined and "가" in joined
    fresh = kft.load(str(path))
    assert not fresh.pretokenizer.started  # loading, vocabulary lookups and vectors need no analyser
    fresh.get_word_vector("몰랐다"), fresh.most_similar("영화", topn=2)
    assert not fresh.pretokenizer.started
    fresh.get_sentence_vector("영화가 좋았다")
    assert fresh.pretokenizer.started
    assert "pretokenizer='kiwi:join'" in repr(fresh)


def test_a_sentencepiece_model_stores_its_piece_model_bit_for_bit(trained_models):
    for spec in SPECS[-2:]:
        model, loaded, path = trained_models[spec]
        assert loaded.pretokenizer.model == model.pretokenizer.model  # the same bytes back
        header = _header(path)
        assert header["arrays"][MODEL_ARRAY]["dtype"] == "|u1"
        assert header["arrays"][MODEL_ARRAY]["shape"] == [len(model.pretokenizer.model)]
        line = "배우 연기가 최고!! 정말 좋았다"
        assert loaded.pretokenizer.split(line) == model.pretokenizer.split(line)


def test_sentencepiece_subwords_are_part_of_a_words_vector(trained_models):
    _, loaded, _ = trained_models[SPECS[-1]]
    grams, _ = loaded.get_subwords("연기가")
    assert [g for g in grams if g.startswith(PIECE_MARK)] == loaded.pretokenizer.extra_subwords("연기가")
    # every vocabulary word was trained on its own row, its character n-grams and its pieces
    plain = SubwordScheme.from_config(loaded.config)
    offsets, _ = subword_table(loaded.words, loaded.scheme)
    assert np.array_equal(offsets, loaded.subword_offsets)
    for i, word in enumerate(loaded.words):
        pieces = loaded.pretokenizer.extra_subwords(word)
        assert pieces and offsets[i + 1] - offsets[i] == 1 + len(plain.ngrams(word)) + len(pieces)


def _rebuilt(model: Model, config=None, pretokenizer=None) -> Model:
    """``model``'s arrays with another config or pretokeniser."""
    return Model(
        config or model.config,
        model.vocab,
        model.input_matrix,
        model.output_matrix,
        model.subword_offsets,
        model.subword_rows,
        model.used_buckets,
        pretokenizer or model.pretokenizer,
    )


def test_a_model_file_missing_its_piece_model_is_damaged(trained_models, tmp_path):
    model, _, _ = trained_models[SPECS[-2]]
    stripped = _rebuilt(model, pretokenizer=pretokenizers.create("whitespace"))
    stripped.save(str(tmp_path / "stripped.kft"))  # the config says sentencepiece, the file has no piece model
    with pytest.raises(ModelFileError, match="lacks the trained model of its sentencepiece pretokenizer"):
        kft.load(str(tmp_path / "stripped.kft"))


def test_a_model_file_with_an_unknown_pretokenizer_is_a_clear_error(make_model, tmp_path):
    model = make_model({"영화": [1.0, 0.0], "좋다": [0.0, 1.0]})
    model.config["pretokenizer"] = {"name": "mecab"}
    Model.save(model, str(tmp_path / "m.kft"))
    with pytest.raises(ModelFileError, match="pretokenizer this kofasttext cannot rebuild: unknown pretokenizer 'mecab'"):
        kft.load(str(tmp_path / "m.kft"))


def test_get_sentence_vector_averages_unit_vectors_and_skips_words_without_one(make_model):
    model = make_model({"영화": [3.0, 0.0], "좋다": [0.0, 0.5]}, subwords="none")
    assert np.allclose(model.get_sentence_vector("영화 좋다 처음보는말!!"), [0.5, 0.5])
    assert np.array_equal(model.get_sentence_vector("처음보는말"), np.zeros(2, dtype=np.float32))
    assert np.array_equal(model.get_sentence_vector(""), np.zeros(2, dtype=np.float32))


def test_resume_keeps_the_checkpoints_pretokenizer(trained_models, small_corpus, tmp_path):
    model, _, _ = trained_models[SPECS[-2]]
    state = {"nchunks": 1, "completed_chunks": list(range(TINY["epoch"])), "progress": 1.0}
    checkpoint = tmp_path / "m.kft.checkpoint"
    _rebuilt(model, config={**model.config, "checkpoint": state}).save(str(checkpoint))
    resumed = kft.train(
        str(small_corpus), checkpoint=str(checkpoint), resume=True, threads=1, progress=False, pretokenizer="kiwi"
    )  # ignored: the checkpoint's options win
    assert resumed.config["pretokenizer"] == model.config["pretokenizer"]
    assert resumed.pretokenizer.model == model.pretokenizer.model and resumed.words == model.words


def test_sentencepiece_subwords_need_buckets(small_corpus):
    with pytest.raises(UsageError, match="need hash buckets"):
        kft.train(str(small_corpus), subwords="none", pretokenizer="sentencepiece:subwords", **TINY)


# -- the evaluator -----------------------------------------------------------------------------------------
def test_word_vectors_of_a_model_cut_text_with_its_pretokenizer(trained_models):
    _, loaded, _ = trained_models["kiwi:join"]
    vectors = WordVectors.from_model(loaded)
    assert vectors.tokenize("영화가 좋았다") == ["영화", "가", "좋았다"]
    assert vectors.tokenizer == loaded.pretokenizer.key
    features, _, tokens = review_vectors(vectors, ["영화가 좋았다", "영화 좋았다"])
    assert tokens.tolist() == [3, 2]
    expected = np.mean([vectors.vector(w) for w in ["영화", "가", "좋았다"]], axis=0)
    assert np.allclose(features[0], expected, atol=1e-6)
    plain = WordVectors(vectors.words, vectors.matrix, vectors.vector)  # another library's vectors: whitespace
    assert plain.tokenize("영화가 좋았다") == ["영화가", "좋았다"] and plain.tokenizer == "whitespace"


def test_corpus_words_by_a_pretokenizer_are_cached_apart(tmp_path, cache, kiwi_join):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("영화가 재미있는 줄 몰랐다\n", encoding="utf-8")
    plain = corpus_words(corpus)
    morphemes = corpus_words(corpus, None, kiwi_join.split_many, kiwi_join.key)
    assert plain == {"영화가", "재미있는", "줄", "몰랐다"}
    assert morphemes == {"영화", "가", "재미있는", "줄", "몰랐다"}
    assert len(list(cache.iterdir())) == 2
    assert corpus_words(corpus, None, kiwi_join.split_many, kiwi_join.key) == morphemes


# -- the command line ------------------------------------------------------------------------------------------
def test_cli_train_with_kiwi_round_trip(small_corpus, tmp_path):
    output = tmp_path / "kiwi.kft"
    options = ["--dim", "16", "--bucket", "5000", "--epoch", "1", "--min-count", "2", "--threads", "1", "--quiet"]
    result = run_cli("train", small_corpus, "-o", output, "--pretokenizer", "kiwi:join", *options)
    assert result.returncode == 0, result.stderr
    model = kft.load(str(output))
    assert model.config["pretokenizer"]["name"] == "kiwi" and model.config["pretokenizer"]["join"] is True
    assert "영화" in model and "영화가" not in model
    neighbours = run_cli("neighbors", output, "영화", "-k", "2")
    assert neighbours.returncode == 0 and len(neighbours.stdout.splitlines()) == 2


def test_cli_bad_pretokenizer_is_one_line_and_writes_nothing(small_corpus, tmp_path):
    output = tmp_path / "m.kft"
    result = run_cli("train", small_corpus, "-o", output, "--pretokenizer", "kiwi:stems", "--quiet")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "kofasttext: error: unknown option 'stems' for pretokenizer kiwi; options: forms, tags, join, context"
    )
    assert not output.exists()


def _header(path) -> dict:
    with open(path, "rb") as handle:
        _, _, length = struct.unpack("<8sIQ", handle.read(20))
        return json.loads(handle.read(length))


def test_loading_a_kiwi_model_does_not_import_kiwi(trained_models):
    _, _, path = trained_models["kiwi:join"]
    code = (
        "import sys, kofasttext as kft; m = kft.load(sys.argv[1]); m.most_similar('영화', topn=2); m['몰랐다'];"
        "print('kiwipiepy' in sys.modules); m.get_sentence_vector('영화가 좋았다'); print('kiwipiepy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
