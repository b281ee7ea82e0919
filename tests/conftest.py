"""Shared fixtures: tiny corpora written to tmp_path, a hand-made model builder,
and a helper that runs the command line in a subprocess.

Nothing here reads /work/shared/data or imports ``fasttext``: CI has neither
guarantee, and every test must be reproducible from what it writes itself.
"""

from __future__ import annotations

import gzip
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from kofasttext.model import Model
from kofasttext.subwords import SubwordScheme, subword_table
from kofasttext.vocab import Vocabulary

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Two topics whose words co-occur only with each other (see `topic_corpus`).
FOOD = ("김치", "라면", "비빔밥", "불고기", "떡볶이", "냉면", "삼겹살", "만두")
WEATHER = ("날씨", "비", "눈", "바람", "구름", "우산", "태풍", "장마")

#: A few ordinary Korean review-style lines for corpus and CLI tests.
SMALL_LINES = (
    "어제 본 영화 정말 재미있었다",
    "이 영화 너무 재밌다 ㅋㅋㅋ",
    "배우 연기가 최고!! 정말 좋았다",
    "영화 음악도 좋았다",
    "이 집 김치찌개 정말 맛있다",
    "라면 국물이 진하고 맛있다",
)


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tiny tensor operations are far slower with several OpenMP threads on a
    small, busy CI machine (thousands of times for index_add_), so the tests run
    torch on one thread; the trainer is also always given threads=1."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test (and the CLI it runs) gets its own empty cache folder, never the user's."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("KOFASTTEXT_CACHE", str(folder))
    return folder


# -- corpora ------------------------------------------------------------------
def _write(path: Path, content) -> Path:
    """Write ``content`` (bytes, str, or an iterable of lines) to ``path``."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes("".join(line + "\n" for line in content).encode("utf-8"))
    return path


@pytest.fixture
def write_corpus(tmp_path):
    """``write_corpus(name, content) -> Path``: a corpus file in this test's tmp dir.

    ``content`` is bytes (written as is), a str (UTF-8), or a list of lines
    (joined with LF, each line terminated).
    """

    def write(name: str, content) -> Path:
        return _write(tmp_path / name, content)

    return write


def corrupt_gzip(text: str) -> bytes:
    """A gzip file whose deflate stream starts with the invalid block type 11
    (byte 10 is the first byte after the 10-byte gzip header): reading it makes
    zlib raise ``zlib.error``."""
    data = gzip.compress(text.encode())
    return data[:10] + b"\x07" + data[11:]


def topic_lines(n_lines: int = 400, words_per_line: int = 6, seed: int = 0) -> list[str]:
    """Lines alternating between the FOOD and the WEATHER topic.

    Every line draws all its words from one topic, so food words only ever have
    food words as context: a working skip-gram must put them together.
    """
    rng = random.Random(seed)
    lines = []
    for i in range(n_lines):
        topic = FOOD if i % 2 == 0 else WEATHER
        lines.append(" ".join(rng.choice(topic) for _ in range(words_per_line)))
    return lines


@pytest.fixture(scope="session")
def topic_corpus(tmp_path_factory) -> Path:
    """A 400-line synthetic corpus with two clearly separated topics."""
    return _write(tmp_path_factory.mktemp("topics") / "topics.txt", topic_lines())


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """A few hundred short Korean lines (topics plus review sentences) for CLI runs."""
    lines = topic_lines(200) + list(SMALL_LINES) * 10
    return _write(tmp_path_factory.mktemp("small") / "small.txt", lines)


# -- hand-made models -----------------------------------------------------------
def build_model(
    vectors: dict[str, list[float]],
    subwords: str = "syllable",
    minn=2,
    maxn=3,
    bucket: int = 1000,
    ngram_rows: str = "zero",
    seed: int = 0,
) -> Model:
    """A `Model` whose word rows are exactly ``vectors`` (in dict order, most frequent first).

    ``ngram_rows="zero"`` makes every n-gram row zero, so an in-vocabulary word's
    vector is exactly its planted row and neighbours are certain; ``"random"``
    fills them with N(0, 1) values so that sums over n-gram rows can be checked.
    """
    words = list(vectors)
    matrix = np.asarray([vectors[w] for w in words], dtype=np.float32)
    nwords, dim = matrix.shape
    scheme = SubwordScheme.create(subwords, minn, maxn, bucket) if subwords != "none" else SubwordScheme.create("none")
    nrows = nwords + (scheme.bucket if subwords != "none" else 0)
    rng = np.random.default_rng(seed)
    if ngram_rows == "zero":
        input_matrix = np.zeros((nrows, dim), dtype=np.float32)
    else:
        input_matrix = rng.normal(size=(nrows, dim)).astype(np.float32)
    input_matrix[:nwords] = matrix
    output_matrix = rng.normal(size=(nwords, dim)).astype(np.float32)
    offsets, rows = subword_table(words, scheme)
    counts = np.arange(nwords, 0, -1, dtype=np.int64) * 10
    config = {**scheme.to_config(), "dim": dim, "model": "skipgram"}
    return Model(config, Vocabulary(words, counts), input_matrix, output_matrix, offsets, rows)


@pytest.fixture
def make_model():
    """The `build_model` function, as a fixture."""
    return build_model


def _unit(index: int, dim: int = 8) -> list[float]:
    v = [0.0] * dim
    v[index] = 1.0
    return v


def _add(*vectors, scale=None) -> list[float]:
    scale = scale or [1.0] * len(vectors)
    return [sum(s * v[i] for s, v in zip(scale, vectors)) for i in range(len(vectors[0]))]


#: Planted vectors (dim 8) whose answers are certain:
#: capital/country analogy 한국 - 서울 + 도쿄 = 일본 exactly; fruit words close
#: to each other (바나나 closest to 사과, then 포도); vehicles orthogonal to fruit.
PLANTED = {
    "서울": _add(_unit(0), _unit(2)),
    "한국": _add(_unit(1), _unit(2)),
    "도쿄": _add(_unit(0), _unit(3)),
    "일본": _add(_unit(1), _unit(3)),
    "사과": _unit(4),
    "바나나": _add(_unit(4), _unit(5), scale=[1.0, 0.1]),
    "포도": _add(_unit(4), _unit(5), scale=[1.0, 0.5]),
    "자동차": _unit(6),
    "기차": _add(_unit(6), _unit(7), scale=[1.0, 0.2]),
}


@pytest.fixture
def planted_model() -> Model:
    """`PLANTED` as a syllable model with all n-gram rows zero."""
    return build_model(PLANTED)


# -- command line -----------------------------------------------------------------
def run_cli(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m kofasttext ARGS`` from the repository root; text output."""
    return subprocess.run(
        [sys.executable, "-m", "kofasttext", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        encoding="utf-8",
        errors="replace",
    )


@pytest.fixture
def cli():
    """The `run_cli` function, as a fixture."""
    return run_cli


# -- the demo model -------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_model_path(tmp_path_factory) -> Path:
    """The model ``kofasttext demo -o FILE`` saves (`kofasttext.demo.DEMO_SETTINGS`: jamo, one thread, about 10 s
    on the CI machine), trained once per test session: the page and server tests (tests/test_serve*.py) query
    it, and in it 몰랐겠지, which the demo corpus lacks, lands next to forms of 모르다."""
    import kofasttext as kft
    from kofasttext.demo import DEMO_SETTINGS, demo_corpus_path

    path = tmp_path_factory.mktemp("demo_model") / "demo.kft"
    kft.train(demo_corpus_path(), progress=False, **DEMO_SETTINGS).save(str(path))
    return path


# -- threads ----------------------------------------------------------------------
def in_threads(work, count: int = 16) -> list:
    """``work(i)`` for ``i`` in ``range(count)``, each in its own thread, all released together; their results
    in order (an exception in any thread fails the test)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results
