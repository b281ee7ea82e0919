"""`TextClassifier` and ``kofasttext classify`` on a separable toy task."""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import FOOD, WEATHER, build_model, run_cli

from kofasttext.classify import TextClassifier, read_labelled
from kofasttext.classify.classifier import LINEAR_WEIGHTS
from kofasttext.classify.linear import review_features
from kofasttext.errors import ModelFileError, UsageError

FAST = {"epochs": 3, "batch_size": 16, "filters": 16, "lr": 1e-2, "embedding_lr": 1e-2, "holdout": 0.1}


def topic_model():
    """Food words near one axis, weather words near another; n-gram rows random
    and small, so unseen words still get (uninformative) vectors."""
    rng = np.random.default_rng(0)
    vectors = {}
    for word in FOOD + WEATHER:
        v = rng.normal(0, 0.1, size=8)
        v[0 if word in FOOD else 1] += 1.0
        vectors[word] = v.tolist()
    model = build_model(vectors, ngram_rows="random")
    model.input_matrix[len(vectors) :] *= 0.01
    return model


def topic_texts(count: int, seed: int) -> tuple[list[str], list[str]]:
    """Lines of three words from one topic, labelled by the topic."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(count):
        topic, label = (FOOD, "음식") if i % 2 == 0 else (WEATHER, "날씨")
        texts.append(" ".join(rng.choice(topic) for _ in range(3)))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def fitted() -> TextClassifier:
    texts, labels = topic_texts(400, seed=1)
    return TextClassifier(topic_model(), **FAST).fit(texts, labels, progress=False)


def test_learns_a_separable_task_with_string_labels(fitted):
    texts, labels = topic_texts(200, seed=2)
    assert fitted.classes == ["날씨", "음식"]
    assert fitted.score(texts, labels) == 1.0
    assert fitted.predict(["김치 라면 냉면", "비 바람 태풍"]) == ["음식", "날씨"]
    assert len(fitted.history) == FAST["epochs"] and "holdout_accuracy" in fitted.history[0]


def test_probabilities_are_a_distribution_in_class_order(fitted):
    probabilities = fitted.predict_proba(["김치 라면", "우산 장마", ""])
    assert probabilities.shape == (3, 2)
    np.testing.assert_allclose(probabilities.sum(1), 1.0, rtol=1e-5)
    assert probabilities[0, 1] > 0.9 and probabilities[1, 0] > 0.9  # 음식 is column 1, 날씨 column 0
    labels, best = fitted.predict_with_probability(["김치 라면"])
    assert labels == ["음식"] and best[0] == pytest.approx(probabilities[0, 1])


def test_prediction_word_table_stays_bounded_and_starting_afresh_changes_nothing(fitted, monkeypatch):
    from kofasttext.classify import classifier as module

    texts = ["김치 라면 냉면", "비 바람 태풍", "처음보는단어 라면"]
    before = fitted.predict_proba(texts)
    monkeypatch.setattr(module, "MAX_TABLE_WORDS", 5)
    for i in range(20):
        fitted.predict([f"새단어{i} 김치"])
        assert len(fitted._views[0].table.ids) <= 5 + 2  # the bound plus one call's new words
    np.testing.assert_allclose(fitted.predict_proba(texts), before, rtol=1e-6)


def test_only_the_rows_of_training_words_are_copied_and_tuned():
    model = topic_model()
    before = model.input_matrix.copy()
    texts, labels = [f"{FOOD[0]} {FOOD[1]}", f"{WEATHER[0]} {WEATHER[1]}"] * 20, ["a", "b"] * 20
    clf = TextClassifier(model, **FAST).fit(texts, labels, progress=False)
    used = sorted({int(r) for w in (FOOD[0], FOOD[1], WEATHER[0], WEATHER[1]) for r in model.input_rows(w)})
    assert clf._views[0].tuned_rows.tolist() == used and len(used) < len(model.input_matrix)
    tuned = clf._networks[0].embedding.weight.detach().numpy()
    assert tuned.shape == (len(used), model.dim)
    assert not np.allclose(tuned, before[used])
    np.testing.assert_array_equal(model.input_matrix, before)  # the model itself is never changed


def test_a_word_met_only_in_prediction_sums_its_tuned_rows_and_the_models_other_rows():
    model = topic_model()
    texts, labels = [f"{FOOD[0]} {FOOD[1]}", f"{WEATHER[0]} {WEATHER[1]}"] * 20, ["a", "b"] * 20
    clf = TextClassifier(model, **FAST).fit(texts, labels, progress=False)
    word = FOOD[0] + WEATHER[2]  # an unseen word: some n-grams tuned (FOOD[0]'s), some not
    rows = model.input_rows(word)
    tuned_rows = clf._views[0].tuned_rows
    is_tuned = np.isin(rows, tuned_rows)
    assert is_tuned.any() and not is_tuned.all()
    tuned = clf._networks[0].embedding.weight.detach().numpy()
    expected = tuned[np.searchsorted(tuned_rows, rows[is_tuned])].sum(0) + model.input_matrix[rows[~is_tuned]].sum(0)
    table = clf._views[0].fresh_table()
    (word_id,) = table.encode([word], max_words=5)[0]
    bag_rows, bag_offsets, frozen = table.bags(np.array([word_id]))
    composed = clf._networks[0].embedding(bag_rows, bag_offsets) + frozen
    np.testing.assert_allclose(composed.detach().numpy()[0], expected, rtol=1e-5, atol=1e-6)
    random_rows = TextClassifier(model, pretrained=False, **FAST).fit(texts, labels, progress=False)
    table = random_rows._views[0].fresh_table()
    (word_id,) = table.encode([word], max_words=5)[0]
    assert table.bags(np.array([word_id]))[2] is None  # untrained random rows count as zero


def test_random_initialisation_is_the_same_network_without_the_model_rows():
    texts, labels = topic_texts(40, seed=3)
    settings = {**FAST, "epochs": 1, "embedding_lr": 0}
    pretrained = TextClassifier(topic_model(), **settings).fit(texts, labels, progress=False)
    random_rows = TextClassifier(topic_model(), pretrained=False, **settings).fit(texts, labels, progress=False)
    model_rows = topic_model().input_matrix[pretrained._views[0].tuned_rows]
    np.testing.assert_array_equal(pretrained._networks[0].embedding.weight.detach().numpy(), model_rows)
    assert not np.allclose(random_rows._networks[0].embedding.weight.detach().numpy(), model_rows)


def test_save_and_load_give_the_same_predictions(fitted, tmp_path):
    path = tmp_path / "topics.clf"
    fitted.save(str(path))
    assert path.read_bytes()[:6] == b"KOFTXT"  # our own format, never pickle
    loaded = TextClassifier.load(str(path))
    texts = ["김치 비빔밥 만두", "눈 구름 바람", "처음보는 단어"]
    np.testing.assert_allclose(loaded.predict_proba(texts), fitted.predict_proba(texts), rtol=1e-6)
    assert loaded.classes == fitted.classes and loaded.settings == fitted.settings


def test_members_average_their_probabilities_and_the_first_is_the_single_network(tmp_path):
    texts, labels = topic_texts(120, seed=4)
    settings = {**FAST, "epochs": 2, "seed": 7}
    single = TextClassifier(topic_model(), **settings).fit(texts, labels, progress=False)
    ensemble = TextClassifier(topic_model(), members=3, **settings).fit(texts, labels, progress=False)
    first, *others = ensemble._networks
    for name, tensor in single._networks[0].state_dict().items():
        np.testing.assert_array_equal(first.state_dict()[name].numpy(), tensor.numpy())  # member 0 = the seed's network
    assert not np.allclose(others[0].output.weight.detach().numpy(), first.output.weight.detach().numpy())
    queries = ["김치 비", "처음보는 단어", "눈 라면 바람"]
    encoded = [ensemble._views[0].encode(queries, ensemble.settings.max_words)]
    each = [ensemble._probabilities([member], encoded) for member in range(3)]
    np.testing.assert_allclose(ensemble.predict_proba(queries), np.mean(each, axis=0), rtol=1e-6)
    assert [record.get("member") for record in ensemble.history] == [0, 0, 1, 1, 2, 2, None]
    assert ensemble.holdout_accuracy == ensemble.history[-1]["holdout_accuracy"]
    path = tmp_path / "members.clf"
    ensemble.save(str(path))
    loaded = TextClassifier.load(str(path))
    assert len(loaded._networks) == 3
    np.testing.assert_allclose(loaded.predict_proba(queries), ensemble.predict_proba(queries), rtol=1e-6)


def test_members_alternate_over_several_models_and_the_file_keeps_them_all(tmp_path):
    texts, labels = topic_texts(120, seed=4)
    settings = {**FAST, "epochs": 2, "seed": 7}
    first, second = topic_model(), build_model(
        {w: np.random.default_rng(1).normal(size=6).tolist() for w in FOOD + WEATHER}, subwords="jamo", minn=3, maxn=4
    )
    with pytest.raises(UsageError, match="2 models need at least as many members"):
        TextClassifier([first, second], **settings)
    pair = TextClassifier([first, second], members=3, **settings).fit(texts, labels, progress=False)
    assert [pair._view_of(k) for k in range(3)] == [0, 1, 0]
    assert [n.embedding.weight.shape[1] for n in pair._networks] == [8, 6, 8]  # each member has its model's rows
    alone = TextClassifier(first, **settings).fit(texts, labels, progress=False)
    for name, tensor in alone._networks[0].state_dict().items():  # member 0 is still the first model's network
        np.testing.assert_array_equal(pair._networks[0].state_dict()[name].numpy(), tensor.numpy())
    queries = ["김치 비", "처음보는 단어", "눈 라면 바람"]
    encoded = [view.encode(queries, pair.settings.max_words) for view in pair._views]
    each = [pair._probabilities([member], encoded) for member in range(3)]
    np.testing.assert_allclose(pair.predict_proba(queries), np.mean(each, axis=0), rtol=1e-6)
    path = tmp_path / "pair.clf"
    pair.save(str(path))
    loaded = TextClassifier.load(str(path))
    assert [view.model.dim for view in loaded._views] == [8, 6] and loaded.model.words == first.words
    assert [view.scale for view in loaded._views] == [view.scale for view in pair._views]
    np.testing.assert_allclose(loaded.predict_proba(queries), pair.predict_proba(queries), rtol=1e-6)


def test_linear_mixes_a_regression_per_model_weighted_by_the_lowest_held_out_cross_entropy(tmp_path):
    texts, labels = topic_texts(160, seed=4)
    settings = {**FAST, "epochs": 2, "seed": 7, "holdout": 0.25}
    first, second = topic_model(), build_model(
        {w: np.random.default_rng(1).normal(size=6).tolist() for w in FOOD + WEATHER}, subwords="jamo", minn=3, maxn=4
    )
    mixed = TextClassifier([first, second], members=2, linear=True, **settings).fit(texts, labels, progress=False)
    held_out = [record for record in mixed.history if "linear_weight" not in record]
    assert len(held_out) == 2 * 2 + 1  # two members' epochs, then the two together
    record = mixed.history[-1]
    losses = {float(w): loss for w, loss in record["holdout_loss"].items()}
    assert set(losses) == set(LINEAR_WEIGHTS) and mixed.linear_weight == min(losses, key=lambda w: (losses[w], w))
    assert mixed.holdout_accuracy == record["holdout_accuracy"]
    # Per model its regression and the default two feed-forward networks, all counted alike in the review side.
    assert [[type(m).__name__ for m in models] for models in mixed._review_models] == [
        ["LogisticRegression", "ReviewNetwork", "ReviewNetwork"]
    ] * 2
    queries = ["김치 비", "처음보는 단어", "눈 라면 바람"]
    networks = mixed._probabilities(range(2), [view.encode(queries, mixed.settings.max_words) for view in mixed._views])
    features = [review_features(model, queries) for model in (first, second)]
    review = np.mean([m.probabilities(f) for models, f in zip(mixed._review_models, features) for m in models], axis=0)
    w = mixed.linear_weight
    np.testing.assert_allclose(mixed.predict_proba(queries), (1 - w) * networks + w * review, rtol=1e-6)
    mixed.linear_weight = 0.5  # the fit may choose 0 on so easy a task; the file must keep the regressions anyway
    path = tmp_path / "mixed.clf"
    mixed.save(str(path))
    loaded = TextClassifier.load(str(path))
    assert loaded.settings.linear and loaded.linear_weight == 0.5
    np.testing.assert_allclose(loaded.predict_proba(queries), mixed.predict_proba(queries), rtol=1e-6)
    assert not np.allclose(mixed.predict_proba(queries), networks)


@pytest.mark.parametrize("damage", ["weight", "regression", "review network"])
def test_a_mixed_file_with_a_bad_weight_or_no_regression_is_damaged(tmp_path, damage):
    from kofasttext.modelfile import read_model_file, write_model_file

    texts, labels = topic_texts(60, seed=4)
    path = str(tmp_path / "mixed.clf")
    TextClassifier(topic_model(), linear=True, **FAST).fit(texts, labels, progress=False).save(path)
    kind, config, words, arrays = read_model_file(path)
    arrays = {name: np.array(a) for name, a in arrays.items()}
    if damage == "weight":
        config["linear_weight"] = 1.5
    elif damage == "regression":
        del arrays["linear.weight"]
    else:
        arrays["review2.hidden_weight"] = arrays["review2.hidden_weight"][:, :3]
    write_model_file(path, kind, config, words, arrays)
    with pytest.raises(ModelFileError, match="damaged"):
        TextClassifier.load(path)


def test_a_mixed_file_from_before_the_review_networks_loads_with_its_regressions_alone(tmp_path):
    from kofasttext.modelfile import read_model_file, write_model_file

    texts, labels = topic_texts(60, seed=4)
    path = str(tmp_path / "old.clf")
    mixed = TextClassifier(topic_model(), linear=True, review_networks=0, **FAST).fit(texts, labels, progress=False)
    mixed.save(path)
    kind, config, words, arrays = read_model_file(path)
    del config["settings"]["review_networks"]  # what such a file holds
    write_model_file(path, kind, config, words, {name: np.array(a) for name, a in arrays.items()})
    loaded = TextClassifier.load(path)
    assert loaded.settings.review_networks == 0 and [len(models) for models in loaded._review_models] == [1]
    queries = ["김치 비", "눈 라면 바람"]
    np.testing.assert_allclose(loaded.predict_proba(queries), mixed.predict_proba(queries), rtol=1e-6)


def test_review_networks_must_not_be_negative():
    with pytest.raises(UsageError, match="review_networks"):
        TextClassifier(topic_model(), linear=True, review_networks=-1)


def test_linear_chooses_epochs_and_weight_on_the_two_halves_of_the_held_out_texts(monkeypatch):
    texts, labels = topic_texts(160, seed=4)
    seen = {}
    original_accuracy, original_fit_review_models = TextClassifier._accuracy, TextClassifier._fit_review_models
    monkeypatch.setattr(
        TextClassifier,
        "_accuracy",
        lambda self, m, enc, t, networks=None: seen.setdefault("epochs", len(t)) and original_accuracy(self, m, enc, t, networks),
    )
    monkeypatch.setattr(
        TextClassifier,
        "_fit_review_models",
        lambda self, x, t, train, held, enc: (
            seen.update(mix=set(held), train=set(train)) or original_fit_review_models(self, x, t, train, held, enc)
        ),
    )
    TextClassifier(topic_model(), linear=True, **{**FAST, "holdout": 0.25}).fit(texts, labels, progress=False)
    assert seen["epochs"] == 20 and len(seen["mix"]) == 20 and len(seen["train"]) == 120 and not seen["mix"] & seen["train"]


def test_linear_without_held_out_texts_weighs_the_two_families_alike():
    texts, labels = topic_texts(60, seed=4)
    mixed = TextClassifier(topic_model(), linear=True, **{**FAST, "holdout": 0.0}).fit(texts, labels, progress=False)
    assert mixed.linear_weight == 0.5 and mixed.holdout_accuracy is None


@pytest.mark.parametrize("members", [2, 10**9])
def test_a_file_naming_more_members_than_it_holds_is_damaged(fitted, tmp_path, members):
    from kofasttext.modelfile import read_model_file, write_model_file

    path = str(tmp_path / "one.clf")
    fitted.save(path)
    kind, config, words, arrays = read_model_file(path)
    config["settings"]["members"] = members
    write_model_file(path, kind, config, words, {name: np.array(a) for name, a in arrays.items()})
    with pytest.raises(ModelFileError, match="damaged"):
        TextClassifier.load(path)


def test_a_word_vector_model_is_not_a_classifier(tmp_path):
    path = tmp_path / "vectors.kft"
    topic_model().save(str(path))
    with pytest.raises(ModelFileError, match="not a classifier"):
        TextClassifier.load(str(path))


@pytest.mark.parametrize(
    "texts, labels, message",
    [
        ([], [], "no texts"),
        ("김치 라면", [1], "not one string"),
        (["김치", None], [0, 1], "not a string"),
        (["김치", "비"], [0, 2], "all 0/1 or all strings"),
        (["김치", "비"], [0, "1"], "all 0/1 or all strings"),
        (["김치", "비"], [True, False], "all 0/1 or all strings"),
        (["김치", "비"], [1, 1], "at least two classes"),
        (["김치", "비"], [0], "2 texts but 1 labels"),
        (["!!", "  "], [0, 1], None),
    ],
)
def test_bad_training_input_is_a_clear_error(texts, labels, message):
    clf = TextClassifier(topic_model(), **FAST)
    if message is None:  # punctuation is a word; whitespace-only texts are simply empty
        clf.fit(texts, labels, progress=False)
        return
    with pytest.raises(UsageError, match=message):
        clf.fit(texts, labels, progress=False)


def test_the_linear_schedule_takes_both_step_sizes_from_their_value_to_zero_over_the_fit(monkeypatch):
    import torch

    made = []

    class Recorded(torch.optim.lr_scheduler.LambdaLR):
        def __init__(self, optimiser, factor):
            super().__init__(optimiser, factor)
            made.append(self)

    monkeypatch.setattr(torch.optim.lr_scheduler, "LambdaLR", Recorded)
    texts, labels = topic_texts(64, seed=1)
    settings = {**FAST, "holdout": 0.0, "batch_size": 16, "epochs": 2}
    TextClassifier(topic_model(), **settings).fit(texts, labels, progress=False)
    assert made == []  # the default schedule is constant
    TextClassifier(topic_model(), **settings, schedule="linear").fit(texts, labels, progress=False)
    batches = 2 * 64 // 16
    assert len(made) == 2  # the network's and the rows' optimisers
    for scheduler in made:
        assert scheduler.last_epoch == batches  # stepped once per batch
        assert [scheduler.lr_lambdas[0](k) for k in (0, batches // 2, batches)] == [1.0, 0.5, 0.0]
        assert scheduler.get_last_lr()[0] == 0.0


def test_bad_settings_and_unfitted_use_are_clear_errors():
    with pytest.raises(UsageError, match="unknown TextClassifier setting"):
        TextClassifier(topic_model(), epoch=3)
    with pytest.raises(UsageError, match="members must be at least 1"):
        TextClassifier(topic_model(), members=0)
    with pytest.raises(UsageError, match="schedule must be one of constant, linear"):
        TextClassifier(topic_model(), schedule="cosine")
    with pytest.raises(UsageError, match="linear=True reads the pretrained vectors"):
        TextClassifier(topic_model(), linear=True, pretrained=False)
    with pytest.raises(UsageError, match="not trained yet"):
        TextClassifier(topic_model()).predict(["김치"])
    with pytest.raises(UsageError, match="the texts contain no words"):
        TextClassifier(topic_model(), **FAST).fit(["", " "], [0, 1], progress=False)


def _write_tsv(path, texts, labels, header="id\tdocument\tlabel"):
    rows = [header] + [f"{i}\t{t}\t{y}" for i, (t, y) in enumerate(zip(texts, labels))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_read_labelled_turns_0_1_into_integers_and_keeps_other_labels(tmp_path):
    texts, labels = read_labelled(str(_write_tsv(tmp_path / "a.tsv", ["좋다", "싫다"], ["1", "0"])))
    assert texts == ["좋다", "싫다"] and labels == [1, 0]
    _, labels = read_labelled(str(_write_tsv(tmp_path / "b.tsv", ["좋다", "싫다"], ["pos", "neg"])))
    assert labels == ["pos", "neg"]


def test_cli_train_then_predict_round_trip(tmp_path):
    model_path = tmp_path / "topics.kft"
    topic_model().save(str(model_path))
    train = _write_tsv(tmp_path / "train.tsv", *topic_texts(200, seed=4))
    test = _write_tsv(tmp_path / "test.tsv", *topic_texts(50, seed=5))
    clf = tmp_path / "topics.clf"
    result = run_cli(
        "classify", "train", "--vectors", model_path, "--train", train, "--test", test, "-o", clf, "--epochs", "3",
        "--members", "2", "--schedule", "linear", "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and "held-out accuracy" in result.stdout and clf.exists()
    settings = TextClassifier.load(str(clf)).settings
    assert settings.members == 2 and settings.schedule == "linear"

    result = run_cli("classify", "predict", clf, "김치 라면 만두", "비 눈 우산")
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [line[0] for line in lines] == ["음식", "날씨"]
    assert all(0.5 <= float(line[1]) <= 1.0 for line in lines) and lines[0][2] == "김치 라면 만두"

    inputs = tmp_path / "inputs.txt"
    inputs.write_text("냉면 불고기\n태풍 장마\n", encoding="utf-8")
    result = run_cli("classify", "predict", clf, "--input", inputs)
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["음식", "날씨"]


def test_cli_trains_members_over_two_models(tmp_path):
    paths = [tmp_path / "topics.kft", tmp_path / "topics_jamo.kft"]
    topic_model().save(str(paths[0]))
    rows = {w: np.random.default_rng(1).normal(size=6).tolist() for w in FOOD + WEATHER}
    build_model(rows, subwords="jamo", minn=3, maxn=4).save(str(paths[1]))
    train = _write_tsv(tmp_path / "train.tsv", *topic_texts(200, seed=4))
    clf = tmp_path / "pair.clf"
    result = run_cli(
        "classify", "train", "--vectors", *paths, "--train", train, "-o", clf, "--epochs", "2", "--with-linear", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    loaded = TextClassifier.load(str(clf))
    assert loaded.settings.members == 2 and [view.model.dim for view in loaded._views] == [8, 6]  # one member each
    assert loaded.settings.linear and len(loaded._review_models) == 2 and loaded.linear_weight in LINEAR_WEIGHTS
    assert [len(models) for models in loaded._review_models] == [3, 3]  # a regression and two networks each
    refused = run_cli("classify", "train", "--vectors", paths[0], "--train", train, "-o", clf, "--with-linear", "--random-init")
    assert refused.returncode != 0 and "does not go with --random-init" in refused.stderr
    assert "Traceback" not in refused.stderr
    refused = run_cli("classify", "train", "--vectors", paths[0], "--train", train, "-o", clf, "--review-networks", "1")
    assert refused.returncode != 0 and "goes with --with-linear" in refused.stderr and "Traceback" not in refused.stderr
    negative = ["--with-linear", "--review-networks", "-1"]
    refused = run_cli("classify", "train", "--vectors", paths[0], "--train", train, "-o", clf, *negative)
    assert refused.returncode != 0 and "expected 0 or a positive integer" in refused.stderr
    result = run_cli("classify", "predict", clf, "김치 라면 만두", "비 눈 우산")
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["음식", "날씨"]


@pytest.mark.parametrize(
    "header, message",
    [("id\ttext\tlabel", "has no column 'document'"), ("id\tdocument\tstars", "has no column 'label'")],
)
def test_cli_rejects_a_tsv_with_the_wrong_columns(tmp_path, header, message):
    model_path = tmp_path / "topics.kft"
    topic_model().save(str(model_path))
    train = _write_tsv(tmp_path / "train.tsv", ["김치", "비"], ["0", "1"], header=header)
    out = tmp_path / "out.clf"
    result = run_cli("classify", "train", "--vectors", model_path, "--train", train, "-o", out, "--quiet")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_cli_predict_needs_texts_or_an_input_file(tmp_path):
    result = run_cli("classify", "predict", tmp_path / "missing.clf")
    assert result.returncode == 1 and "give texts to classify or --input FILE" in result.stderr


def test_the_classifier_cuts_words_with_the_models_pretokenizer_and_keeps_it_in_its_file(small_corpus, tmp_path):
    import kofasttext as kft

    model = kft.train(
        str(small_corpus),
        pretokenizer="sentencepiece:subwords,vocab=200",
        dim=8,
        epoch=1,
        min_count=1,
        bucket=1000,
        threads=1,
        progress=False,
    )
    clf = TextClassifier(model, **FAST)
    texts, labels = topic_texts(100, seed=6)
    clf.fit(texts, labels, progress=False)
    path = tmp_path / "pieces.clf"
    clf.save(str(path))
    loaded = TextClassifier.load(str(path))
    assert loaded.model.pretokenizer.key == model.pretokenizer.key
    unseen = ["김치찌개랑 냉면국물", "태풍바람 장마구름"]  # words the classifier never saw: their pieces are looked up
    np.testing.assert_allclose(loaded.predict_proba(unseen), clf.predict_proba(unseen), rtol=1e-6)
