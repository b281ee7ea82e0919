"""The evaluator on tiny fixtures whose right answers are certain, and `kofasttext eval`."""

from __future__ import annotations

import doctest
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kofasttext import evaluate as ev
from kofasttext.evaluate import data, oov, probe
from kofasttext.evaluate.oov import one_jamo_typos
from kofasttext.evaluate.report import describe_sets, evaluate_all, markdown_table
from kofasttext.evaluate.similarity import rank_with_ties, spearman

#: one_jamo_typos("영화"): ㅇ dropped from 영, or ㄴ / ㄹ / ㅇ added under 화.
TYPOS_OF_영화 = ["여화", "영환", "영활", "영황"]


@pytest.fixture
def data_dir(tmp_path):
    """A data folder shaped like ../shared/data, with a few lines of each file."""
    (tmp_path / "nsmc").mkdir()
    (tmp_path / "eval").mkdir()
    reviews = [("좋다 좋다 최고", 1), ("싫다 별로", 0), ("최고 좋다", 1), ("별로 싫다 싫다", 0)] * 5
    for split in ("train", "test"):
        lines = ["id\tdocument\tlabel"] + [f"{i}\t{text}\t{label}" for i, (text, label) in enumerate(reviews)]
        (tmp_path / "nsmc" / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ws = "word 1,word 2,kor_score\n좋다,최고,9.0\n좋다,싫다,1.0\n최고,별로,2.0\n"
    (tmp_path / "eval" / "ws353_ko.csv").write_text(ws, encoding="utf-8-sig")
    analogy = ": sem1_test\n가 나 다 라\n가 나 다 없음\n: syn1_test\n나 가 라 마\n"
    (tmp_path / "eval" / "analogy_ko.txt").write_text(analogy, encoding="utf-8")
    return tmp_path


def fixed_vectors(table: dict[str, list[float]], fallback=None) -> ev.WordVectors:
    words = list(table)
    matrix = np.array([table[w] for w in words], dtype=np.float32)
    dim = matrix.shape[1]

    def vector(word):
        if word in table:
            return np.array(table[word], dtype=np.float32)
        return np.array(fallback(word), dtype=np.float32) if fallback else np.zeros(dim, dtype=np.float32)

    return ev.WordVectors(words, matrix, vector)


def test_spearman_with_ties():
    assert rank_with_ties(np.array([3.0, 1.0, 2.0, 2.0])).tolist() == [4.0, 1.0, 2.5, 2.5]
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_word_similarity_reads_the_bom_file_and_scores_every_pair(data_dir):
    vectors = fixed_vectors({"좋다": [1, 0], "최고": [0.9, 0.1], "싫다": [-1, 0], "별로": [-0.9, 0.2]})
    result = ev.word_similarity(vectors, data_dir)
    assert result.pairs == 3 and result.pairs_in_vocabulary == 3
    assert result.spearman == pytest.approx(1.0)  # cosines order the pairs as the scores do


def test_word_similarity_splits_pairs_in_the_vocabulary_from_pairs_with_an_unseen_word(data_dir):
    # Known pairs: cosines in the order of the scores. Pairs with the unseen 최악 (its vector from the fallback):
    # in the reverse order. So each part has its own sign, and the whole lies between.
    ws = "word 1,word 2,kor_score\n좋다,최고,9.0\n좋다,별로,5.0\n좋다,싫다,1.0\n"
    ws += "최악,싫다,9.0\n최악,별로,5.0\n최악,좋다,1.0\n"
    (data_dir / "eval" / "ws353_ko.csv").write_text(ws, encoding="utf-8-sig")
    table = {"좋다": [1, 0], "최고": [0.9, 0.1], "별로": [0.3, 1], "싫다": [-1, 0.1]}
    result = ev.word_similarity(fixed_vectors(table, fallback=lambda word: [1, 0]), data_dir)
    assert (result.pairs, result.pairs_in_vocabulary) == (6, 3)
    assert result.spearman_in_vocabulary == pytest.approx(1.0)
    assert result.spearman_with_unseen == pytest.approx(-1.0)
    assert -1.0 < result.spearman < 1.0
    assert result.as_dict()["spearman_with_unseen"] == result.spearman_with_unseen


def test_word_similarity_leaves_a_part_of_fewer_than_three_pairs_unscored(data_dir):
    vectors = fixed_vectors({"좋다": [1, 0], "최고": [0.9, 0.1], "싫다": [-1, 0], "별로": [-0.9, 0.2]})
    result = ev.word_similarity(vectors, data_dir)
    assert result.spearman_in_vocabulary == pytest.approx(1.0) and result.spearman_with_unseen is None


def test_analogy_finds_the_planted_answer_and_reports_coverage(data_dir):
    # unit(나) - unit(가) + unit(다) points at 라; 마 is a distractor
    vectors = fixed_vectors({"가": [1, 0, 0, 0], "나": [0, 1, 0, 0], "다": [0, 0, 1, 0], "라": [-1, 1, 1, 0], "마": [0, 0, 0, 1]})
    result = ev.analogies(vectors, data_dir)
    assert result.total == {"sem1_test": 2, "syn1_test": 1, "sem": 2, "syn": 1, "all": 3}
    assert result.covered["sem1_test"] == 1  # "없음" is not in the vocabulary
    assert result.accuracy["sem1_test"] == 1.0
    assert result.accuracy["syn1_test"] == 0.0  # unit(가) - unit(나) + unit(라) is nearest 다, not 마
    assert result.accuracy["all"] == 0.5
    # Restricted to items whose words another vocabulary also holds, but still answered from the whole vocabulary.
    restricted = ev.analogies(vectors, data_dir, only_words={"가", "나", "다", "라"})
    assert restricted.covered["all"] == 1 and restricted.accuracy["sem1_test"] == 1.0


def test_logistic_probe_separates_a_separable_toy_task(data_dir):
    vectors = fixed_vectors({"좋다": [1, 0], "최고": [1, 0.2], "싫다": [-1, 0], "별로": [-1, 0.3]})
    result = ev.logistic_probe(vectors, data_dir)
    assert result.accuracy == 1.0 and result.test_reviews == 20 and result.oov_share == 0.0


def test_typo_neighbours_rank_the_original_first():
    table = {"영화": [1, 0], "배우": [0, 1]}
    vectors = fixed_vectors(table, fallback=lambda w: [1, 0] if w in one_jamo_typos("영화") else [0, 1])
    score = ev.oov_typos(vectors)
    assert score.queries == 2
    assert score.hit_at_10 == 1.0 and score.mrr == 1.0
    # without vectors for unseen words (word2vec), every typo is a miss
    assert ev.oov_typos(fixed_vectors(table)).hit_at_10 == 0.0


def test_conjugations_are_generated_by_kiwi():
    forms = ev.oov.conjugations("모르", "VV")
    assert "몰랐겠지" in forms and "모르고" in forms
    # the honorific -(으)십니다 is joined (with compatibility ㅂ Kiwi left 보시ㅂ니다), and no form has a bare jamo
    assert "보십니다" in ev.oov.conjugations("보", "VV") and "먹으십니다" in ev.oov.conjugations("먹", "VV")
    assert all(oov._is_hangul_word(form, 1) for form in forms + ev.oov.conjugations("보", "VV"))


def test_eval_command_prints_a_table_and_writes_json_and_plots(data_dir, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("좋다 최고 좋다\n싫다 별로 싫다\n" * 50, encoding="utf-8")
    model = tmp_path / "m.kft"
    run = [sys.executable, "-m", "kofasttext"]
    trained = subprocess.run(
        [*run, "train", str(corpus), "-o", str(model), "--dim", "8", "--bucket", "1000", "--min-count", "1", "--quiet"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert trained.returncode == 0, trained.stderr
    out, plots = tmp_path / "report.json", tmp_path / "plots"
    result = subprocess.run(
        [*run, "eval", str(model), str(model), "--data", str(data_dir), "--json", str(out), "--plots", str(plots)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "| measure | m.kft | m.kft' |"  # the same file twice: two columns
    lines = result.stdout.splitlines()
    # header, rule, five measures, WS353's two parts, five NSMC rows by OOV share, blank, how the OOV sets were built
    assert len(lines) == 15
    assert any(line.startswith("| WS353 Spearman, pairs in the vocabulary / with an unseen word |") for line in lines)
    assert lines[-1].startswith("OOV sets (seed 0): ") and "no training corpus excluded" in lines[-1]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["m.kft"]) >= {"oov_typos", "oov_conjugations", "nsmc_logistic", "ws353", "analogy"}
    pngs = sorted(p.name for p in plots.glob("*.png"))
    assert pngs == ["measures.png", "neighbourhood_m.kft.png", "neighbourhood_m.kft_.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in plots.glob("*.png"))

    excluded = subprocess.run(
        [*run, "eval", str(model), "--data", str(data_dir), "--exclude-corpus", str(corpus)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert excluded.returncode == 0, excluded.stderr
    assert "corpus.txt" in excluded.stdout.splitlines()[-1]


def test_eval_rejects_a_missing_exclude_corpus_before_loading_models(data_dir, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kofasttext",
            "eval",
            str(tmp_path / "m.kft"),
            "--data",
            str(data_dir),
            "--exclude-corpus",
            "nope.txt",
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and result.stderr.strip() == "kofasttext: error: --exclude-corpus: corpus not found: nope.txt"


def test_eval_without_data_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kofasttext", "eval", str(tmp_path / "m.kft"), "--data", str(tmp_path / "nowhere")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "data folder not found" in result.stderr


# -- corpus words and their cache ---------------------------------------------------------------------------------
def _never_read(*args, **kwargs):
    raise AssertionError("the corpus was read again instead of the cache")


def _touch_later(path):
    """Move the mtime one second on: a rewrite within the clock's resolution must still count as a change."""
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_corpus_words_are_the_trainers_words_and_the_cache_is_reused(tmp_path, cache, monkeypatch):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("진짜 재밌었다!! ㅋㅋㅋ\n재밌었다 10점\n", encoding="utf-8")
    words = ev.corpus_words(corpus)
    assert words == {"진짜", "재밌었다", "!!", "ㅋㅋㅋ", "10점"}
    [cached] = cache.iterdir()
    assert cached.read_text(encoding="utf-8").splitlines()[1:] == sorted(words)  # plain text, one word a line
    monkeypatch.setattr(data, "iter_lines", _never_read)
    assert ev.corpus_words(str(corpus)) == words


def test_corpus_words_are_read_again_when_the_file_changes(tmp_path, cache, monkeypatch):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("영화 좋다\n", encoding="utf-8")
    assert ev.corpus_words(corpus) == {"영화", "좋다"}
    corpus.write_text("영화 싫다\n", encoding="utf-8")  # same size
    _touch_later(corpus)
    assert ev.corpus_words(corpus) == {"영화", "싫다"}
    assert len(list(cache.iterdir())) == 1  # the stale list was replaced, not left beside the new one
    monkeypatch.setattr(data, "iter_lines", _never_read)
    assert ev.corpus_words(corpus) == {"영화", "싫다"}


def test_corpus_words_of_a_tsv_column_are_cached_per_column(tmp_path):
    corpus = tmp_path / "reviews.tsv"
    corpus.write_text("id\tdocument\n1\t영화 좋다\n", encoding="utf-8")
    assert ev.corpus_words(corpus, "document") == {"영화", "좋다"}
    assert ev.corpus_words(corpus, "id") == {"1"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) - 3],  # truncated
        lambda b: b.replace("영화".encode(), "영환".encode()),  # a changed word: the checksum no longer matches
        lambda b: b"\xff\xfe" + b,  # not UTF-8
        lambda b: b"",  # empty
        lambda b: b.split(b"\n", 1)[1],  # header lost
    ],
)
def test_a_damaged_corpus_words_cache_is_rebuilt(tmp_path, cache, damage):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("영화 좋다 최고\n", encoding="utf-8")
    words = ev.corpus_words(corpus)
    [cached] = cache.iterdir()
    cached.write_bytes(damage(cached.read_bytes()))
    assert ev.corpus_words(corpus) == words
    assert ev.corpus_words(corpus) == words  # and the rebuilt file is whole again


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("KOFASTTEXT_CACHE", str(blocker / "cache"))
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("영화 좋다\n", encoding="utf-8")
    assert ev.corpus_words(corpus) == {"영화", "좋다"}


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("KOFASTTEXT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_dir() == tmp_path / "xdg" / "kofasttext"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "kofasttext"


def test_corpus_words_of_a_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(ev.data.CorpusError, match="corpus not found"):
        ev.corpus_words(tmp_path / "missing.txt")


# -- OOV query sets -------------------------------------------------------------------------------------------------
def test_typos_seen_in_the_training_corpus_are_never_queries(tmp_path):
    assert one_jamo_typos("영화") == TYPOS_OF_영화
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("여화 영환 영활 보다\n", encoding="utf-8")  # every typo of 영화 but 영황 was seen
    sets = ev.oov_query_sets(["영화", "보다"], [corpus], count=10)
    typos = sets["typos"]
    assert typos.queries[0] == "영황" and typos.wanted[0] == ["영화"]
    assert not set(typos.queries) & ev.corpus_words(corpus)
    assert typos.description["excluded_corpora"] == [str(corpus)]
    assert typos.description["excluded_corpus_words"] == 4
    # without the corpus, any of the four could have been drawn
    assert ev.typo_queries(["영화"]).queries[0] in TYPOS_OF_영화


def test_conjugations_seen_in_the_training_corpus_are_never_queries(tmp_path):
    forms = oov.conjugations("먹", "VV")
    vocabulary = ["먹었다", "먹고"]
    unseen = "먹었겠지"
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(f for f in forms if f != unseen) + "\n", encoding="utf-8")
    conjugations = ev.oov_query_sets(vocabulary, [corpus], count=100)["conjugations"]
    assert conjugations.queries == [unseen]
    assert conjugations.wanted == [["먹고", "먹었다"]]
    assert conjugations.description["lemmas"] == 1 and conjugations.description["candidate_forms"] == 1
    # without the corpus every form outside the vocabulary is a query
    assert len(ev.oov_query_sets(vocabulary, [], count=100)["conjugations"].queries) == len(forms) - 2


def test_query_sets_are_seeded_and_capped():
    lemmas, vocabulary = [("먹", "VV"), ("좋", "VA")], {"먹었다", "좋았다"}
    first = ev.conjugation_queries(lemmas, vocabulary, count=10, seed=1)
    assert first == ev.conjugation_queries(lemmas, vocabulary, count=10, seed=1)
    assert first.queries != ev.conjugation_queries(lemmas, vocabulary, count=10, seed=2).queries
    assert first.description["queries"] == 10 and first.description["lemmas"] <= 2
    words = ["영화", "배우", "감독"]
    assert len(ev.typo_queries(words, count=2).queries) == 2


def test_query_sets_are_cached_and_rebuilt_when_an_input_changes(tmp_path, cache, monkeypatch):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("여화 먹고\n", encoding="utf-8")
    words = ["영화", "먹었다", "먹고"]
    built = ev.oov_query_sets(words, [corpus], count=5)
    assert len(list(cache.glob("oov-*.json"))) == 2
    with monkeypatch.context() as patched:
        patched.setattr(oov, "corpus_words", _never_read)
        patched.setattr(oov, "vocabulary_lemmas", _never_read)
        assert ev.oov_query_sets(words, [corpus], count=5) == built
    # another seed, count, vocabulary or corpus version is another set
    for kwargs in ({"seed": 1}, {"count": 4}, {"other_vocabularies": [["영황"]]}):
        ev.oov_query_sets(words, [corpus], **{"count": 5, **kwargs})
    ev.oov_query_sets(words + ["배우"], [corpus], count=5)
    assert len(list(cache.glob("oov-*.json"))) == 10
    corpus.write_text("여화 영환 영활 먹고\n", encoding="utf-8")
    _touch_later(corpus)
    rebuilt = ev.oov_query_sets(words, [corpus], count=5)["typos"]
    assert rebuilt.queries[0] == "영황" and not set(rebuilt.queries) & ev.corpus_words(corpus)


def test_other_models_vocabularies_are_excluded_too():
    sets = ev.oov_query_sets(["영화"], [], other_vocabularies=[["여화", "영환", "영활"]], count=5)
    assert sets["typos"].queries == ["영황"]
    assert sets["typos"].description["excluded_vocabularies"] == 2


@pytest.mark.parametrize("damage", [b"", b"{", b'{"key": 1}', b"\xff", b"[]"])
def test_a_damaged_query_set_cache_is_rebuilt(cache, damage):
    built = ev.oov_query_sets(["영화"], [], count=5)
    for path in cache.glob("oov-*.json"):
        path.write_bytes(damage)
    assert ev.oov_query_sets(["영화"], [], count=5) == built


def test_a_query_set_cache_with_a_wrong_shape_is_rebuilt(cache):
    built = ev.oov_query_sets(["영화"], [], count=5)
    for path in cache.glob("oov-*.json"):
        stored = json.loads(path.read_text(encoding="utf-8"))
        stored["set"]["wanted"] = stored["set"]["wanted"][:-1] + [[]]
        path.write_text(json.dumps(stored), encoding="utf-8")
    assert ev.oov_query_sets(["영화"], [], count=5) == built


def test_a_word2vec_model_has_no_vector_for_a_query_and_scores_zero(make_model):
    planted = {"영화": [1.0, 0.0], "배우": [0.0, 1.0]}
    word2vec = ev.WordVectors.from_model(make_model(planted, subwords="none"))
    typos = ev.typo_queries(word2vec.words)
    assert typos.queries and not np.any(word2vec.vectors_of(typos.queries))
    score = ev.score_queries(word2vec, typos)
    assert score.queries == len(typos.queries) and score.hit_at_10 == 0.0 and score.mrr == 0.0
    # the same queries, answered by vectors that do have them, are hits
    subword = fixed_vectors(planted, fallback=lambda w: [1, 0] if w in TYPOS_OF_영화 else [0, 1])
    assert ev.score_queries(subword, typos).hit_at_10 == 1.0


# -- NSMC accuracy by OOV share -------------------------------------------------------------------------------------
def test_oov_share_buckets_are_exact_fractions():
    oov_tokens = np.array([0, 1, 1, 1, 2, 1, 3, 1, 0])
    tokens = np.array([5, 10, 9, 4, 7, 2, 5, 1, 0])
    # 0, 1/10, 1/9, 1/4, 2/7, 1/2, 3/5, 1/1, no words
    assert probe.oov_share_buckets(oov_tokens, tokens).tolist() == [0, 1, 2, 2, 3, 3, 4, 4, 0]
    assert doctest.testmod(probe).failed == 0


def test_probe_accuracy_is_split_by_each_reviews_oov_share(data_dir):
    # 미지 and 모름 are unknown; the mean of the known words decides, so every review is predicted from
    # 좋다/최고 (positive) or 싫다/별로 (negative), and the labels below make each bucket's accuracy certain.
    test = [
        ("좋다 최고", 1),  # 0%, right
        ("좋다 최고 좋다", 0),  # 0%, wrong label on purpose
        ("좋다 최고 좋다 최고 좋다 최고 좋다 최고 좋다 미지", 1),  # 1/10, right
        ("싫다 별로 싫다 미지", 0),  # 1/4, right
        ("싫다 별로 미지", 0),  # 1/3, right
        ("미지 모름 좋다", 0),  # 2/3, predicted positive: wrong
        ("미지 모름 별로", 0),  # 2/3, right
    ]
    lines = ["id\tdocument\tlabel"] + [f"{i}\t{text}\t{label}" for i, (text, label) in enumerate(test)]
    (data_dir / "nsmc" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    vectors = fixed_vectors({"좋다": [1, 0], "최고": [1, 0.2], "싫다": [-1, 0], "별로": [-1, 0.3]})
    result = ev.logistic_probe(vectors, data_dir)
    assert result.by_oov_share == {
        "0%": {"reviews": 2, "accuracy": 0.5},
        "(0,10%]": {"reviews": 1, "accuracy": 1.0},
        "(10,25%]": {"reviews": 1, "accuracy": 1.0},
        "(25,50%]": {"reviews": 1, "accuracy": 1.0},
        ">50%": {"reviews": 2, "accuracy": 0.5},
    }
    assert result.accuracy == pytest.approx(5 / 7)
    assert result.oov_share == pytest.approx(7 / 28)


# -- the whole report -----------------------------------------------------------------------------------------------
def test_evaluate_all_on_the_fixture_data_excludes_the_nsmc_corpus(data_dir, monkeypatch):
    # the corpus has every typo of the vocabulary's words but 영황 (of 영화)
    seen = [t for word in ("좋다", "최고", "싫다", "별로") for t in one_jamo_typos(word)]
    with gzip.open(data_dir / "nsmc" / "corpus.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write("좋다 최고 여화 영환\n싫다 별로 영활\n" + " ".join(seen) + "\n")
    corpus_size = len({"좋다", "최고", "싫다", "별로", "여화", "영환", "영활", *seen})
    table = {"영화": [1, 0, 0], "좋다": [0, 1, 0], "최고": [0, 1, 0.2], "싫다": [0, -1, 0], "별로": [0, -1, 0.3]}
    subword = fixed_vectors(table, fallback=lambda w: [1, 0, 0] if w in TYPOS_OF_영화 else [0, 0, 1])
    word2vec = fixed_vectors(table)
    log = [].append  # the progress lines are not what this test checks
    report = evaluate_all({"subword": subword, "word2vec": word2vec}, data_dir, log=log)
    for name in ("subword", "word2vec"):
        typos = report[name]["oov_typos"]
        assert typos["set"]["queries"] == 1 and typos["set"]["excluded_corpora"] == [str(data_dir / "nsmc" / "corpus.txt.gz")]
        assert report[name]["nsmc_logistic"]["accuracy"] == 1.0
        assert report[name]["nsmc_logistic"]["oov_by_share"]["0%"] == {"reviews": 20, "accuracy": 1.0}
    assert report["subword"]["oov_typos"]["hit@10"] == 1.0  # 영황, the one typo of 영화 not in the corpus
    assert report["word2vec"]["oov_typos"]["hit@10"] == 0.0
    text = markdown_table(report)
    assert text.splitlines()[-1] == describe_sets(report)
    assert f"all {corpus_size} words of nsmc/corpus.txt.gz" in describe_sets(report)
    assert "| NSMC accuracy, review OOV share >50% | - (0) | - (0) |" in text.splitlines()
    json.dumps(report)  # the CLI writes it as JSON

    # the second evaluation of the same models reads neither the corpus nor kiwipiepy; [] excludes no corpus
    monkeypatch.setattr(oov, "corpus_words", _never_read)
    monkeypatch.setattr(oov, "vocabulary_lemmas", _never_read)
    again = evaluate_all({"subword": subword, "word2vec": word2vec}, data_dir, log=log)
    assert again["subword"]["oov_typos"] == report["subword"]["oov_typos"]
    monkeypatch.undo()
    unexcluded = evaluate_all({"subword": subword}, data_dir, exclude_corpora=[], log=log)
    assert unexcluded["subword"]["oov_typos"]["set"]["excluded_corpora"] == []
    assert "no training corpus excluded" in describe_sets(unexcluded)
    del unexcluded["subword"]["oov_typos"]["set"]  # a report written before sets were described
    assert describe_sets(unexcluded) == "" and markdown_table(unexcluded).splitlines()[-1].startswith("| analogy")


def test_evaluate_all_with_a_missing_exclusion_corpus_is_a_clear_error(data_dir, tmp_path):
    vectors = fixed_vectors({"좋다": [1, 0]})
    with pytest.raises(ev.data.CorpusError, match="corpus not found"):
        evaluate_all({"m": vectors}, data_dir, exclude_corpora=[tmp_path / "nowhere.txt.gz"], log=None)
