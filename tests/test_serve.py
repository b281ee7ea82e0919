"""The JSON API of `kofasttext serve`, through Starlette's test client (no socket): answers, the OpenAPI
description, the page's files, and the 4xx JSON every bad request gets (never a 500, never a traceback)."""

from __future__ import annotations

import asyncio
import re
import threading
import time

import numpy as np
import pytest
from conftest import PLANTED, build_model, in_threads

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

import kofasttext as kft  # noqa: E402
from kofasttext.serve import answers, limits  # noqa: E402
from kofasttext.serve.answers import Ranking  # noqa: E402
from kofasttext.serve.api import ENDPOINTS, PREFIX  # noqa: E402
from kofasttext.serve.app import STATIC, create_app  # noqa: E402
from kofasttext.serve.batching import Batcher  # noqa: E402
from kofasttext.serve.catalog import Catalog  # noqa: E402
from kofasttext.serve.projection import project_2d  # noqa: E402


@pytest.fixture
def planted():
    return build_model(PLANTED)


@pytest.fixture
def client(planted):
    return TestClient(create_app(Catalog({"planted": planted})))


@pytest.fixture
def two_models(planted):
    # The same words, with 사과 moved next to the vehicles: its neighbours differ between the two models.
    other = build_model({**PLANTED, "사과": [*PLANTED["자동차"][:7], 0.3]})
    return TestClient(create_app(Catalog({"planted": planted, "reversed": other})))


# -- answers ----------------------------------------------------------------------------
def test_neighbors_are_the_models_most_similar_with_a_map(client, planted):
    answer = client.get(f"{PREFIX}/neighbors", params={"word": "사과", "k": 3}).json()
    assert answer["model"] == "planted" and answer["in_vocabulary"] is True and answer["has_vector"] is True
    expected = planted.most_similar("사과", topn=3)
    assert [n["word"] for n in answer["neighbors"]] == [w for w, _ in expected]
    assert [n["similarity"] for n in answer["neighbors"]] == pytest.approx([s for _, s in expected], abs=1e-4)
    assert [n["word"] for n in answer["neighbors"]][:2] == ["바나나", "포도"]  # the fruit, planted closest first
    points = answer["map"]
    assert [p["word"] for p in points] == ["사과", *(w for w, _ in expected)]
    assert points[0]["role"] == "query" and {p["role"] for p in points[1:]} == {"neighbor"}
    assert all(-1 <= p["x"] <= 1 and -1 <= p["y"] <= 1 for p in points)
    assert max(max(abs(p["x"]), abs(p["y"])) for p in points) == pytest.approx(1.0)


def test_a_word_with_no_vector_is_answered_not_refused(client):
    answer = client.get(f"{PREFIX}/neighbors", params={"word": "없는말이다"}).json()  # planted n-gram rows are zero
    assert answer == {
        "model": "planted",
        "word": "없는말이다",
        "in_vocabulary": False,
        "has_vector": False,
        "neighbors": [],
        "map": [],
    }


@pytest.mark.parametrize("expression", ["한국 - 서울 + 도쿄", "한국-서울+도쿄", "  도쿄 + 한국 - 서울  "])
def test_arithmetic_finds_the_planted_answer(client, expression):
    answer = client.get(f"{PREFIX}/arithmetic", params={"expr": expression, "k": 2}).json()
    assert answer["neighbors"][0]["word"] == "일본"
    assert answer["neighbors"][0]["similarity"] == pytest.approx(1.0, abs=1e-4)
    assert sorted((t["word"], t["sign"]) for t in answer["terms"]) == [("도쿄", "+"), ("서울", "-"), ("한국", "+")]
    assert [p["role"] for p in answer["map"]][:4] == ["query", "term", "term", "term"]


def test_arithmetic_of_any_number_of_terms_equals_most_similar(client, planted):
    answer = client.get(f"{PREFIX}/arithmetic", params={"expr": "- 자동차 + 사과 + 기차 - 서울", "k": 3}).json()
    expected = planted.most_similar(positive=["사과", "기차"], negative=["자동차", "서울"], topn=3)
    assert [(n["word"], n["similarity"]) for n in answer["neighbors"]] == [(w, round(s, 4)) for w, s in expected]


def test_similarity(client, planted):
    answer = client.get(f"{PREFIX}/similarity", params={"a": "사과", "b": "바나나"}).json()
    assert answer["similarity"] == pytest.approx(planted.similarity("사과", "바나나"), abs=1e-4)
    assert answer["a_in_vocabulary"] and answer["b_in_vocabulary"]


def test_models_lists_the_loaded_models(two_models):
    answer = two_models.get(f"{PREFIX}/models").json()
    assert [m["name"] for m in answer["models"]] == ["planted", "reversed"]
    assert answer["models"][0]["words"] == len(PLANTED) and answer["models"][0]["dim"] == 8
    assert answer["models"][0]["subwords"] == "syllable" and answer["models"][0]["syllable_range"] == [2, 3]
    assert answer["index"] is None


def test_model_parameter_picks_the_model(two_models):
    first = two_models.get(f"{PREFIX}/neighbors", params={"word": "사과", "model": "planted"}).json()
    second = two_models.get(f"{PREFIX}/neighbors", params={"word": "사과", "model": "reversed"}).json()
    assert first["model"] == "planted" and second["model"] == "reversed"
    assert [n["word"] for n in first["neighbors"][:2]] == ["바나나", "포도"]
    assert [n["word"] for n in second["neighbors"][:2]] == ["기차", "자동차"]


def test_subwords_say_which_pieces_the_model_knows(demo_model_path):
    model = kft.load(str(demo_model_path))
    client = TestClient(create_app(Catalog({"demo": model})))
    for word in ("영화", "몰랐겠지", "몰ㄹ라q"):
        answer = client.get(f"{PREFIX}/subwords", params={"word": word}).json()
        grams, _ = model.get_subwords(word)
        assert [p["text"] for p in answer["subwords"]] == grams
        assert answer["in_vocabulary"] == (word in model) and answer["scheme"] == "jamo"
        # The known pieces are exactly the rows the vector is summed from.
        assert sum(p["known"] for p in answer["subwords"]) == len(model.input_rows(word))
        assert (answer["subwords"][0]["kind"] == "word") == (word in model)
    pieces = client.get(f"{PREFIX}/subwords", params={"word": "몰랐겠지"}).json()["subwords"]
    assert "<몰" in [p["display"] for p in pieces]  # jamo n-grams shown as syllables where whole
    assert any(not p["known"] for p in client.get(f"{PREFIX}/subwords", params={"word": "qqqxz"}).json()["subwords"])


# -- bad requests: one JSON message, 4xx -------------------------------------------------
BAD_REQUESTS = [
    ("neighbors", {"word": ""}, 400, "word is empty"),
    ("neighbors", {"word": "   "}, 400, "word is empty"),
    ("neighbors", {}, 400, "word is missing"),
    ("neighbors", {"word": "가" * 3_414}, 400, "3,414 characters"),  # a 10 KB word (UTF-8); 30 KB URL-encoded
    ("neighbors", {"word": "a" * 10_240}, 400, "10,240 characters"),
    ("neighbors", {"word": "x" * (limits.MAX_WORD_CHARS + 1)}, 400, "at most 100"),
    ("neighbors", {"word": "몰랐 겠지"}, 400, "holds a space"),
    ("neighbors", {"word": "사과", "k": "0"}, 400, "from 1 to 100"),
    ("neighbors", {"word": "사과", "k": "-1"}, 400, "from 1 to 100"),
    ("neighbors", {"word": "사과", "k": str(10**9)}, 400, "from 1 to 100"),
    ("neighbors", {"word": "사과", "k": "1e3"}, 400, "from 1 to 100"),
    ("neighbors", {"word": "사과", "k": "9" * 5000}, 400, "from 1 to 100"),
    ("neighbors", {"word": "사과", "k": "ten"}, 400, "from 1 to 100"),
    ("neighbors", {"word": "사과", "model": "nope"}, 404, "no model named 'nope'"),
    ("neighbors", {"wrod": "사과"}, 400, "unknown parameter 'wrod'"),
    ("arithmetic", {"expr": "한국 + + 서울"}, 400, "no word between two signs"),
    ("arithmetic", {"expr": "한국 -"}, 400, "ends with -"),
    ("arithmetic", {"expr": "한국 서울"}, 400, "no + or - between them"),
    ("arithmetic", {"expr": "+ - +"}, 400, "no word between"),
    ("arithmetic", {"expr": ""}, 400, "expr is empty"),
    ("arithmetic", {"expr": " + ".join(["사과"] * (limits.MAX_TERMS + 1))}, 400, "more than 20 words"),
    ("arithmetic", {"expr": "사과 + " + "가" * 200}, 400, "a word of 200 characters"),
    ("arithmetic", {"expr": "가" * 3_414}, 400, "characters long"),
    ("similarity", {"a": "사과"}, 400, "b is missing"),
    ("subwords", {"word": ""}, 400, "word is empty"),
    ("search", {"q": "배우 연기"}, 404, "--index"),
    ("search", {"q": "x" * 2000}, 400, "at most 1,000"),
]


def assert_json_error(response, status: int, contains: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and contains in body["error"], body
    assert "\n" not in body["error"] and "Traceback" not in body["error"]


@pytest.mark.parametrize("path, params, status, contains", BAD_REQUESTS, ids=lambda v: str(v)[:30])
def test_bad_requests_get_one_json_message(client, path, params, status, contains):
    assert_json_error(client.get(f"{PREFIX}/{path}", params=params), status, contains)


def test_a_repeated_parameter_is_refused(client):
    assert_json_error(client.get(f"{PREFIX}/neighbors?word=사과&word=배"), 400, "given 2 times")


def test_several_models_need_a_model_parameter(two_models):
    assert_json_error(two_models.get(f"{PREFIX}/neighbors", params={"word": "사과"}), 400, "choose one with model=")


def test_unknown_paths_and_methods_are_json_too(client):
    assert_json_error(client.get(f"{PREFIX}/nothing"), 404, "no such page")
    assert_json_error(client.post(f"{PREFIX}/neighbors", params={"word": "사과"}), 405, "GET")


def test_a_slow_answer_is_a_503(client, monkeypatch):
    monkeypatch.setattr(limits, "REQUEST_SECONDS", 0.05)
    release = threading.Event()

    def slow(self, queries, topn=10):
        release.wait(5)
        return [[] for _ in queries]

    monkeypatch.setattr(kft.Model, "most_similar_many", slow)
    try:
        assert_json_error(client.get(f"{PREFIX}/neighbors", params={"word": "사과"}), 503, "longer than 0.05 s")
    finally:
        release.set()


# -- the description and the page ---------------------------------------------------------
def test_openapi_describes_exactly_the_routes(client):
    description = client.get(f"{PREFIX}/openapi.json").json()
    assert description["openapi"].startswith("3.")
    routes = {route.path for route in client.app.routes if route.path.startswith(PREFIX)} - {f"{PREFIX}/openapi.json"}
    assert set(description["paths"]) == routes == {PREFIX + e.path for e in ENDPOINTS}
    neighbors = description["paths"][f"{PREFIX}/neighbors"]["get"]
    assert {p["name"]: p["required"] for p in neighbors["parameters"]} == {"word": True, "k": False, "model": False}
    assert [p for p in neighbors["parameters"] if p["name"] == "k"][0]["schema"]["maximum"] == limits.MAX_K


def test_page_and_its_files_are_served_with_a_self_only_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(name).status_code == 200, name
    assert {"/static/app.js", "/static/style.css"} <= set(re.findall(r'(?:src|href)="([^"]+)"', page.text))


def test_the_page_loads_nothing_from_the_network():
    """No URL of another origin in the page's files (the SVG namespace is a name, not something loaded)."""
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.\w+[^\s\"')]*", text)) - {"http://www.w3.org/2000/svg"}
        assert urls == set(), (path.name, urls)
        assert "@import" not in text and "url(" not in text


# -- concurrency: the lazily built caches ---------------------------------------------------
def test_concurrent_first_queries_build_the_caches_once_and_agree(demo_model_path, monkeypatch):
    model = kft.load(str(demo_model_path))  # fresh: nothing built yet
    words = ["몰랐겠지", "영화", "재밌었닼ㅋ", "배우", "모르겠니", "먹었겠지", "맛있었겠다", "기다렸겠지"]
    expected = {word: kft.load(str(demo_model_path)).most_similar(word, topn=10) for word in words}
    builds = []
    original = type(model)._build_word_vectors

    def counted(self):
        builds.append(threading.get_ident())
        return original(self)

    monkeypatch.setattr(type(model), "_build_word_vectors", counted)
    answers = {}

    def ask(worker: int):
        for word in words[worker % len(words) :] + words[: worker % len(words)]:
            answers[(worker, word)] = model.most_similar(word, topn=10)

    in_threads(ask)
    assert len(builds) == 1
    for (_, word), answer in answers.items():
        assert answer == expected[word]
    assert np.shares_memory(model._unit(), model._unit())


def assert_same_neighbours(got, expected):
    """Equal words in equal order, and scores equal up to float rounding (a batch is a matrix-matrix product)."""
    assert [w for w, _ in got] == [w for w, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-5)


def test_most_similar_many_answers_what_most_similar_does(demo_model_path, planted):
    model = kft.load(str(demo_model_path))
    queries = [("몰랐겠지", ()), (["영화", "배우"], ["재밌다"]), ("qqqxz", ()), ("영화", ())]
    many = model.most_similar_many(queries, topn=[5, 3, 4, 0])
    for (positive, negative), count, answer in zip(queries, [5, 3, 4, 0], many):
        assert_same_neighbours(answer, model.most_similar(positive, negative, topn=count))
    assert many[3] == []
    assert planted.most_similar_many([(["한국", "도쿄"], ["서울"])], topn=1)[0][0][0] == "일본"
    with pytest.raises(kft.UsageError, match="2 queries and 1 counts"):
        model.most_similar_many([("영화", ()), ("배우", ())], topn=[3])


def _ranking_plan(positive, topn: int = 1):
    """The smallest plan: one ranking of ``positive``, its pairs returned as they came."""
    pairs = yield Ranking(positive, [], topn)
    return {"pairs": pairs}


def _broken_plan():
    raise kft.UsageError("this plan fails before it ranks")
    yield  # a generator, like every plan


def test_batcher_answers_waiting_plans_together_and_each_its_own(demo_model_path, monkeypatch):
    model = kft.load(str(demo_model_path))
    words = ["몰랐겠지", "영화", "재밌었닼ㅋ", "배우", "모르겠니", "먹었겠지", "맛있었겠다", "기다렸겠지"]
    expected = {word: model.most_similar(word, topn=10) for word in words}
    sizes = []
    original = type(model).most_similar_many

    def recorded(self, queries, topn=10):
        sizes.append(len(queries))
        if len(sizes) == 1:
            time.sleep(0.2)  # the first batch is slow, so the other requests' plans pile up behind it
        return original(self, queries, topn)

    monkeypatch.setattr(type(model), "most_similar_many", recorded)
    ranker = Batcher(model, max_batch=6)

    async def ask(word):
        return word, await ranker.answer(answers.neighbors(model, word, 10))

    async def ask_all():
        first = asyncio.create_task(ask(words[0]))
        await asyncio.sleep(0.05)  # the first batch is running (alone) when the other 47 arrive
        return [await first, *await asyncio.gather(*(ask(words[i % len(words)]) for i in range(1, 48)))]

    replies = asyncio.run(ask_all())
    assert len(replies) == 48 and sum(sizes) == 48
    assert sizes[0] == 1 and max(sizes) == 6 and len(sizes) < 48  # batches formed, none above max_batch
    for word, body in replies:
        neighbours = [(n["word"], n["similarity"]) for n in body["neighbors"]]
        assert [w for w, _ in neighbours] == [w for w, _ in expected[word]], word
        assert [s for _, s in neighbours] == pytest.approx([s for _, s in expected[word]], abs=1e-4)


def test_a_failing_ranking_fails_its_batch_and_a_failing_plan_only_itself(planted):
    ranker = Batcher(planted)

    async def together(*plans):
        return await asyncio.gather(*(ranker.answer(plan) for plan in plans), return_exceptions=True)

    no_word, apple = asyncio.run(together(_ranking_plan([]), _ranking_plan(["사과"])))
    assert isinstance(no_word, kft.UsageError) and isinstance(apple, kft.UsageError)  # one product: both fail
    broken, apple = asyncio.run(together(_broken_plan(), _ranking_plan(["사과"])))
    assert isinstance(broken, kft.UsageError) and "before it ranks" in str(broken)
    assert apple["pairs"][0][0] == "바나나"  # the batch of a plan that failed alone is answered


def test_a_batch_answered_short_fails_its_requests_rather_than_waiting_forever(planted, monkeypatch):
    """A request left out of its batch's answers would never be answered (a test's stand-in that answered
    ``[]`` once left a request waiting for ever and starved the rest of the suite)."""
    monkeypatch.setattr(type(planted), "most_similar_many", lambda self, queries, topn=10: [])
    ranker = Batcher(planted)
    with pytest.raises(RuntimeError, match="answered 0 of 1"):
        asyncio.run(asyncio.wait_for(ranker.answer(_ranking_plan(["사과"])), 5))


@pytest.mark.parametrize("points", [3, 11, 40])
def test_the_map_is_the_principal_coordinates_of_the_unit_vectors(points):
    """`project_2d` takes its axes from the small Gram matrix; they are the SVD's principal coordinates of the
    centred unit vectors, each axis oriented so that the first point is not on its positive side."""
    vectors = np.random.default_rng(points).normal(size=(points, 100))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    centred = unit - unit.mean(axis=0)
    left, singular, _ = np.linalg.svd(centred, full_matrices=False)
    expected = left[:, :2] * singular[:2]
    expected *= np.where(expected[0] > 0, -1.0, 1.0)
    expected /= np.abs(expected).max()
    np.testing.assert_allclose(project_2d(vectors), expected, atol=1e-7)
