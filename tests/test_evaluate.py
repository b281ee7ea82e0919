"""The evaluator on tiny fixtures whose right answers are certain, and `kofasttext eval`."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from kofasttext import evaluate as ev
from kofasttext.evaluate.oov import one_jamo_typos
from kofasttext.evaluate.similarity import rank_with_ties, spearman


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


def test_analogy_finds_the_planted_answer_and_reports_coverage(data_dir):
    # unit(나) - unit(가) + unit(다) points at 라; 마 is a distractor
    vectors = fixed_vectors(
        {"가": [1, 0, 0, 0], "나": [0, 1, 0, 0], "다": [0, 0, 1, 0], "라": [-1, 1, 1, 0], "마": [0, 0, 0, 1]}
    )
    result = ev.analogies(vectors, data_dir)
    assert result.total == {"sem1_test": 2, "syn1_test": 1, "sem": 2, "syn": 1, "all": 3}
    assert result.covered["sem1_test"] == 1  # "없음" is not in the vocabulary
    assert result.accuracy["sem1_test"] == 1.0
    assert result.accuracy["syn1_test"] == 0.0  # unit(가) - unit(나) + unit(라) is nearest 다, not 마
    assert result.accuracy["all"] == 0.5


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


def test_eval_command_prints_a_table_and_writes_json(data_dir, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("좋다 최고 좋다\n싫다 별로 싫다\n" * 50, encoding="utf-8")
    model = tmp_path / "m.kft"
    run = [sys.executable, "-m", "kofasttext"]
    trained = subprocess.run(
        [*run, "train", str(corpus), "-o", str(model), "--dim", "8", "--bucket", "1000", "--min-count", "1", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert trained.returncode == 0, trained.stderr
    out = tmp_path / "report.json"
    result = subprocess.run(
        [*run, "eval", str(model), "--data", str(data_dir), "--json", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "| measure | m.kft |"
    assert len(result.stdout.splitlines()) == 7  # header, rule, five measures
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["m.kft"]) >= {"oov_typos", "oov_conjugations", "nsmc_logistic", "ws353", "analogy"}


def test_eval_without_data_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kofasttext", "eval", str(tmp_path / "m.kft"), "--data", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "data folder not found" in result.stderr
