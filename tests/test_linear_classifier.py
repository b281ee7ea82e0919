"""`kofasttext.logistic`, `LinearClassifier` and ``kofasttext classify train --linear``."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FOOD, WEATHER, run_cli
from test_classifier import _write_tsv, topic_model, topic_texts

import kofasttext as kft
from kofasttext.classify import LinearClassifier, TextClassifier, load_classifier
from kofasttext.classify.linear import L2_GRID, SIF_WEIGHT, review_features
from kofasttext.errors import ModelFileError, UsageError
from kofasttext.logistic import cross_validated_l2, fit_logistic
from kofasttext.modelfile import read_model_file, write_model_file


def noisy_classes(count: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Features whose first column, plus noise, decides the class."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, 4))
    score = x[:, 0] + 0.3 * rng.normal(size=count)
    edges = np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1])
    return x, np.digitize(score, edges)


# -- logistic regression ----------------------------------------------------------------------------------------


def test_two_classes_are_one_logit_and_probabilities_are_its_sigmoid():
    x, y = noisy_classes(400, 2)
    regression = fit_logistic(x, y)
    assert regression.weight.shape == (4, 1)
    probabilities = regression.probabilities(x)
    np.testing.assert_allclose(probabilities.sum(1), 1.0)
    np.testing.assert_allclose(probabilities[:, 1], 1 / (1 + np.exp(-regression.scores(x)[:, 0])))
    assert (regression.predict(x) == probabilities.argmax(1)).all()
    assert (regression.predict(x) == y).mean() > 0.85


def test_more_classes_are_a_softmax():
    x, y = noisy_classes(600, 3)
    regression = fit_logistic(x, y, classes=3)
    assert regression.weight.shape == (4, 3)
    assert (regression.predict(x) == y).mean() > 0.8
    np.testing.assert_allclose(regression.probabilities(x).sum(1), 1.0)


def test_features_are_standardised_so_their_scale_does_not_matter():
    x, y = noisy_classes(300, 2)
    scaled = x * np.array([1000.0, 1e-3, 1.0, 50.0])
    a, b = fit_logistic(x, y, l2=0.01), fit_logistic(scaled, y, l2=0.01)
    np.testing.assert_allclose(a.probabilities(x), b.probabilities(scaled), atol=1e-6)


def test_the_penalty_shrinks_the_weights_but_not_the_bias():
    x, y = noisy_classes(300, 2)
    y = np.where(np.arange(300) < 240, 1, y)  # mostly the second class: the bias carries it
    weak, strong = fit_logistic(x, y, l2=1e-4), fit_logistic(x, y, l2=100.0)
    assert np.abs(strong.weight).max() < 0.01 < np.abs(weak.weight).max()
    assert (strong.predict(x) == 1).all()  # the unpenalised bias still finds the majority


def test_cross_validation_chooses_the_lowest_held_out_loss():
    x, y = noisy_classes(200, 2)
    best, scores = cross_validated_l2(x, y, 2, [1e3, 1e-3, 1e-2], folds=4, seed=0)
    assert sorted(scores) == [1e-3, 1e-2, 1e3]
    assert scores[1e3]["accuracy"] < scores[1e-3]["accuracy"]  # a huge penalty predicts one class
    assert scores[1e3]["loss"] == pytest.approx(np.log(2), abs=0.01)  # ... with probability 1/2
    assert best == min(scores, key=lambda l2: scores[l2]["loss"]) != 1e3
    # the folds: row i in fold permutation[i] % k; one hand-made fold gives the same held-out loss
    part = np.random.default_rng(0).permutation(200) % 4
    fold_losses = []
    for fold in range(4):
        model = fit_logistic(x[part != fold], y[part != fold], 2, best)
        p = model.probabilities(x[part == fold])[np.arange((part == fold).sum()), y[part == fold]]
        fold_losses.append(-np.log(p).sum())
    assert scores[best]["loss"] == pytest.approx(sum(fold_losses) / 200)
    assert cross_validated_l2(x, y, 2, [1e-3, 1e-2], folds=4, seed=0) == cross_validated_l2(x, y, 2, [1e-2, 1e-3], 4, 0)
    assert cross_validated_l2(x, y, 2, [0.5]) == (0.5, {})


# -- review features --------------------------------------------------------------------------------------------


def test_review_features_are_the_plain_and_sif_means_of_input_and_output_rows():
    model = topic_model()
    dim = model.dim
    text = f"{FOOD[0]} {FOOD[1]} {FOOD[0]} 처음보는말"  # a word twice, and one the model never counted
    features = review_features(model, [text, ""])
    assert features.shape == (2, 4 * dim) and not features[1].any()
    words = text.split()
    vectors = np.stack([model.get_word_vector(w) for w in words])
    total = model.vocab.counts.sum()
    share = np.array([model.vocab.counts[model.vocab.id(w)] / total if model.vocab.id(w) >= 0 else 0.0 for w in words])
    sif = SIF_WEIGHT / (SIF_WEIGHT + share)
    assert sif[3] == 1.0 and sif[0] < 1.0
    np.testing.assert_allclose(features[0, :dim], vectors.mean(0), rtol=1e-5)
    np.testing.assert_allclose(features[0, dim : 2 * dim], (vectors * sif[:, None]).mean(0), rtol=1e-5)
    known = [model.vocab.id(w) for w in words[:3]]  # the unseen word has no output row
    rows = model.output_matrix[known]
    np.testing.assert_allclose(features[0, 2 * dim : 3 * dim], rows.mean(0), rtol=1e-5)
    np.testing.assert_allclose(features[0, 3 * dim :], (rows * sif[:3, None]).mean(0), rtol=1e-5)


def test_a_model_without_a_row_per_word_in_its_output_matrix_gives_zero_output_features():
    model = topic_model()
    model.config = {**model.config, "loss": "hs"}  # the output rows are tree nodes then, not words
    features = review_features(model, [f"{FOOD[0]} {WEATHER[0]}"])
    assert features[0, : 2 * model.dim].any() and not features[0, 2 * model.dim :].any()


def test_a_word_without_any_vector_is_left_out_of_the_input_means():
    model = topic_model()
    model.input_matrix[len(model.words) :] = 0  # unseen words now have no vector at all
    with_unknown = review_features(model, [f"{FOOD[0]} 없는낱말"])
    alone = review_features(model, [FOOD[0]])
    np.testing.assert_allclose(with_unknown[:, : model.dim], alone[:, : model.dim])


# -- the classifier ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted() -> LinearClassifier:
    return LinearClassifier(topic_model()).fit(*topic_texts(200, seed=1))


def test_learns_a_separable_task_and_chooses_its_penalty_by_cross_validation(fitted):
    assert fitted.classes == ["날씨", "음식"]
    assert fitted.score(*topic_texts(100, seed=2)) == 1.0
    assert fitted.predict(["김치 라면 냉면", "비 바람 태풍"]) == ["음식", "날씨"]
    assert sorted(fitted.cross_validation) == sorted(L2_GRID) and fitted.chosen_l2 in L2_GRID
    assert fitted.holdout_accuracy == fitted.cross_validation[fitted.chosen_l2]["accuracy"] == 1.0
    probabilities = fitted.predict_proba(["김치 라면", "우산 장마"])
    assert probabilities[0, 1] > 0.5 and probabilities[1, 0] > 0.5


def test_a_given_penalty_is_used_without_cross_validation():
    classifier = LinearClassifier(topic_model(), l2=0.5).fit(*topic_texts(60, seed=3))
    assert classifier.chosen_l2 == 0.5 and classifier.cross_validation == {} and classifier.holdout_accuracy is None


def test_save_and_load_give_the_same_predictions(fitted, tmp_path):
    path = str(tmp_path / "topics.linear")
    fitted.save(path)
    loaded = LinearClassifier.load(path)
    texts = ["김치 라면 냉면", "비 바람 태풍", "처음보는단어 라면"]
    np.testing.assert_allclose(loaded.predict_proba(texts), fitted.predict_proba(texts), rtol=1e-6)
    assert loaded.chosen_l2 == fitted.chosen_l2 and loaded.cross_validation == fitted.cross_validation
    assert isinstance(load_classifier(path), LinearClassifier)
    with pytest.raises(ModelFileError, match="a linear classifier, not word vectors: load it with kft.LinearClassifier"):
        kft.load(path)
    with pytest.raises(ModelFileError, match="is a linear classifier, not a classifier"):
        TextClassifier.load(path)


def test_a_regression_of_the_wrong_shape_is_damaged(fitted, tmp_path):
    path = str(tmp_path / "topics.linear")
    fitted.save(path)
    kind, config, words, arrays = read_model_file(path)
    arrays = {name: np.array(a) for name, a in arrays.items()}
    arrays["regression.weight"] = np.zeros((3, 1), dtype=np.float32)
    write_model_file(path, kind, config, words, arrays)
    with pytest.raises(ModelFileError, match="damaged: its weight"):
        LinearClassifier.load(path)


def test_bad_settings_and_unfitted_use_are_clear_errors():
    with pytest.raises(UsageError, match="l2 must be a finite number"):
        LinearClassifier(topic_model(), l2=-1.0)
    with pytest.raises(UsageError, match="not trained yet"):
        LinearClassifier(topic_model()).predict(["김치"])
    with pytest.raises(UsageError, match="at least two classes"):
        LinearClassifier(topic_model()).fit(["김치", "라면"], [1, 1])


def test_cli_train_linear_then_predict(tmp_path):
    model_path = tmp_path / "topics.kft"
    topic_model().save(str(model_path))
    train = _write_tsv(tmp_path / "train.tsv", *topic_texts(100, seed=4))
    test = _write_tsv(tmp_path / "test.tsv", *topic_texts(40, seed=5))
    out = tmp_path / "topics.linear"
    result = run_cli("classify", "train", "--vectors", model_path, "--train", train, "--test", test, "-o", out, "--linear")
    assert result.returncode == 0, result.stderr
    assert "cross-validated accuracy 100.00%" in result.stdout and "test accuracy 100.00%" in result.stdout
    result = run_cli("classify", "predict", out, "김치 라면 만두", "비 눈 우산")
    assert result.returncode == 0, result.stderr
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["음식", "날씨"]

    refused = run_cli(
        "classify", "train", "--vectors", model_path, "--train", train, "-o", tmp_path / "x", "--linear", "--members", "2"
    )
    assert refused.returncode == 1 and "--linear fits no network" in refused.stderr and "Traceback" not in refused.stderr
