"""Files written by earlier versions load and give exactly the vectors they gave then.

The files in ``tests/fixtures`` were written by the code of commit ec28b7e, before the package was laid out
as its pipeline (see ``tests/fixtures/make_fixtures.py``, which made them). Their headers have no ``"kind"``:
the loader must still tell a word-vector model, a PPMI model and a classifier apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kofasttext as kft

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def expected():
    with np.load(FIXTURES / "expected.npz", allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def test_an_old_subword_model_gives_identical_vectors(expected):
    model = kft.load(str(FIXTURES / "demo_jamo.kft"))
    assert isinstance(model, kft.Model)
    words = [str(w) for w in expected["words"]]
    assert "몰랐겠지" not in model and "영화" in model
    np.testing.assert_array_equal(np.stack([model.get_word_vector(w) for w in words]), expected["jamo_vectors"])
    np.testing.assert_array_equal(model.word_vectors(), expected["jamo_word_vectors"])


def test_an_old_ppmi_model_gives_identical_vectors(expected):
    model = kft.load(str(FIXTURES / "demo_ppmi.kft"))
    assert isinstance(model, kft.PPMIModel)
    words = [str(w) for w in expected["words"]]
    np.testing.assert_array_equal(np.stack([model.get_word_vector(w) for w in words]), expected["ppmi_vectors"])


def test_an_old_classifier_gives_identical_probabilities(expected):
    classifier = kft.TextClassifier.load(str(FIXTURES / "demo_syllable.clf"))
    texts = [str(t) for t in expected["texts"]]
    np.testing.assert_allclose(classifier.predict_proba(texts), expected["classifier_probabilities"], rtol=0, atol=1e-6)


def test_an_old_classifier_is_not_taken_for_a_model():
    with pytest.raises(kft.ModelFileError, match="classifier"):
        kft.load(str(FIXTURES / "demo_syllable.clf"))
