"""`kofasttext.evaluate.plots`: PNGs that open, keys that list the words, and no
crash on reports or vectors with pieces missing.

Most tests force the no-Hangul-font fallback (CI has no Korean font; a developer's
machine may), so that they check the same thing everywhere.
"""

from __future__ import annotations

import ast
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

from kofasttext.evaluate import WordVectors, plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

REPORT = {
    "oov_typos": {"hit@10": 0.81, "mrr": 0.52, "queries": 200},
    "oov_conjugations": {"hit@10": 0.74, "mrr": 0.41, "queries": 200},
    "nsmc_logistic": {"accuracy": 0.83, "test_oov_token_share": 0.05},
    "ws353": {"spearman": 0.61, "pairs": 353, "in_vocabulary": 300},
    "analogy": {"accuracy": {"sem": 0.31, "syn": 0.47, "all": 0.39}, "covered": {"all": 9000}, "total": {"all": 10000}},
}


@pytest.fixture
def no_hangul_font(monkeypatch):
    """The fallback, whatever fonts this machine has; the font warning not yet given."""
    monkeypatch.setattr(plots, "hangul_font", lambda: None)
    monkeypatch.setattr(plots, "_warned_about_font", False)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def toy_vectors() -> WordVectors:
    """Forms of 모르다 near each other, food words elsewhere; unseen forms of 모르
    get a vector near 모르다 (as subwords would give), 재밋다 none (as word2vec)."""
    table = {
        "모르다": [1.0, 0.1, 0.0],
        "모르고": [0.9, 0.2, 0.1],
        "몰랐어": [0.95, 0.0, 0.2],
        "알다": [0.7, 0.5, 0.0],
        "김치": [0.0, 0.1, 1.0],
        "라면": [0.1, 0.0, 0.9],
    }
    words = list(table)
    matrix = np.array([table[w] for w in words], dtype=np.float32)

    def vector(word):
        if word in table:
            return np.array(table[word], dtype=np.float32)
        if word.startswith(("모르", "몰")):
            return np.array([1.0, 0.05, 0.1], dtype=np.float32)
        return np.zeros(3, dtype=np.float32)

    return WordVectors(words, matrix, vector, name="jamo")


def test_neighbourhood_without_a_hangul_font_numbers_the_words_and_writes_their_key(tmp_path, no_hangul_font):
    queries = ["모르다", "몰라", "몰랐겠지", "재밋다"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = plots.plot_neighbourhood(toy_vectors(), queries, tmp_path / "jamo.png", topn=2)
        plots.plot_neighbourhood(toy_vectors(), queries, tmp_path / "again.png", topn=2)
    # one warning, saying what to install; none of matplotlib's "Glyph ... missing"
    assert [str(w.message) for w in caught] == [plots.FONT_ADVICE]
    assert "fonts-nanum" in plots.FONT_ADVICE

    png, key = written
    assert png == tmp_path / "jamo.png" and key == tmp_path / "jamo.txt"
    width, height = png_size(png)
    assert width > 400 and height > 300
    lines = key.read_text(encoding="utf-8").splitlines()
    rows = {line.split("\t")[1]: line.split("\t") for line in lines[1:]}
    assert [row[0] for row in rows.values()] == [str(n) for n in range(1, len(rows) + 1)]
    assert rows["모르다"][2] == "query"
    assert rows["몰라"][2] == "query, out of vocabulary"
    assert "no vector" in rows["재밋다"][2]  # zero vector: listed, not drawn, no crash
    assert rows["모르고"][2].startswith("neighbour of 모르다")
    assert "김치" not in rows  # not among anyone's 2 nearest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.png", "again.txt", "jamo.png", "jamo.txt"]  # no temp files


def test_neighbourhood_with_no_drawable_query_still_writes_a_picture(tmp_path, no_hangul_font):
    with pytest.warns(UserWarning, match="fonts-nanum"):
        png, key = plots.plot_neighbourhood(toy_vectors(), ["재밋다", "없는말"], tmp_path / "empty.png")
    assert png_size(png)[0] > 0
    assert key.read_text(encoding="utf-8").count("no vector") == 2


def test_measures_for_one_and_for_three_models(tmp_path):
    import matplotlib.image

    one = plots.plot_measures({"jamo.kft": REPORT}, tmp_path / "one.png")
    three = plots.plot_measures({"jamo": REPORT, "syllable": REPORT, "none": REPORT}, tmp_path / "three.png")
    assert one == tmp_path / "one.png"
    height, width, _ = matplotlib.image.imread(three).shape
    assert (width, height) == png_size(three)
    assert png_size(three)[0] > png_size(one)[0]  # room for more bars


def test_measures_skip_what_a_report_lacks(tmp_path):
    report = {
        "jamo": {"oov_typos": {"hit@10": 0.8}, "ws353": {"spearman": float("nan")}, "analogy": "not a dict"},
        "word2vec": {"oov_typos": {"hit@10": 0.0, "mrr": 0.0}, "ws353": {"spearman": -0.1}, "seconds": 3.2},
    }
    assert plots._measure(report["jamo"], ("ws353", "spearman")) is None
    assert plots._measure(report["jamo"], ("analogy", "accuracy", "sem")) is None
    assert plots._measure(report["word2vec"], ("ws353", "spearman")) == -0.1
    assert png_size(plots.plot_measures(report, tmp_path / "partial.png"))[0] > 0
    assert png_size(plots.plot_measures({"jamo": {}}, tmp_path / "nothing.png"))[0] > 0


def test_write_plots_makes_the_folder_and_one_neighbourhood_per_model(tmp_path, no_hangul_font):
    vectors = toy_vectors()
    named = {"jamo.kft": vectors, "jamo.kft'": vectors, "a/b c": vectors}
    report = {name: REPORT for name in named}
    folder = tmp_path / "plots" / "nested"
    with pytest.warns(UserWarning, match="fonts-nanum"):
        written = plots.write_plots(report, named, folder, query_words=["모르다", "몰라"], topn=1)
    names = [p.name for p in written]
    assert names[0] == "measures.png"
    pngs = [n for n in names if n.startswith("neighbourhood_") and n.endswith(".png")]
    assert pngs == ["neighbourhood_jamo.kft.png", "neighbourhood_jamo.kft_.png", "neighbourhood_a_b_c.png"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert all(p.read_bytes()[:8] == PNG_MAGIC for p in written if p.suffix == ".png")


def test_file_names_are_safe_and_distinct():
    assert plots._file_safe("jamo.kft'") == "jamo.kft_"
    assert plots._file_safe("../자모 모델") == "_자모_모델"
    assert plots._file_safe("...") == "model"


def test_projection_of_degenerate_point_sets():
    coords, explained = plots._pca_2d(np.ones((1, 4)))
    assert coords.tolist() == [[0.0, 0.0]] and explained.tolist() == [0.0, 0.0]
    coords, explained = plots._pca_2d(np.array([[1.0], [-1.0]]))  # one dimension: no second component
    assert abs(coords[:, 0]).tolist() == [1.0, 1.0] and coords[:, 1].tolist() == [0.0, 0.0]
    assert explained.tolist() == [1.0, 0.0]


def test_hangul_font_lookup_never_picks_a_font_without_hangul():
    from matplotlib import font_manager

    dejavu = font_manager.findfont("DejaVu Sans")
    assert plots._hangul_family(dejavu, {}) is None
    assert plots._hangul_family(str(Path(dejavu).with_name("no-such-font.ttf")), {}) is None
    family = plots.hangul_font()
    assert family is None or not family.startswith("Last Resort")


def test_matplotlib_is_imported_only_inside_the_functions():
    tree = ast.parse(Path(plots.__file__).read_text(encoding="utf-8"))
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = [alias.name for node in top_level for alias in node.names] + [
        node.module or "" for node in top_level if isinstance(node, ast.ImportFrom)
    ]
    assert not [name for name in names if name.startswith("matplotlib")]
