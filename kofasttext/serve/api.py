"""The API's paths, one `Endpoint` each: its parameters and how it answers. The app routes from this table
and `openapi` describes it, so the routes, the checks and the description cannot drift apart.

Every path is a GET under ``/api/v1/`` that answers JSON; a bad request gets a 4xx status and
``{"error": "one sentence"}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .. import __version__
from . import answers, limits
from .catalog import Catalog
from .expression import parse_expression
from .parameters import KINDS, Param, RequestError

PREFIX = "/api/v1"

_MODEL = Param("model", "model", required=False, description=KINDS["model"][2])
_K = Param("k", "k", required=False, description=f"how many to return, 1 to {limits.MAX_K} (default {limits.DEFAULT_K})")


@dataclass(frozen=True)
class Endpoint:
    """One API path: ``answer(catalog, values)`` gets the checked parameter values and returns the JSON dict;
    a coroutine function for the paths that rank (their work is batched, `batching`), run in a worker thread
    for the others."""

    path: str
    summary: str
    params: tuple[Param, ...]
    answer: Callable[[Catalog, dict], dict | Awaitable[dict]]
    example: str


async def _neighbors(catalog: Catalog, values: dict) -> dict:
    name, model = catalog.model(values["model"])
    body = await catalog.rankers[name].answer(answers.neighbors(model, values["word"], values["k"]))
    return {"model": name, **body}


async def _arithmetic(catalog: Catalog, values: dict) -> dict:
    name, model = catalog.model(values["model"])
    terms = parse_expression(values["expr"])
    body = await catalog.rankers[name].answer(answers.arithmetic(model, values["expr"], terms, values["k"]))
    return {"model": name, **body}


def _similarity(catalog: Catalog, values: dict) -> dict:
    name, model = catalog.model(values["model"])
    return {"model": name, **answers.similarity(model, values["a"], values["b"])}


def _subwords(catalog: Catalog, values: dict) -> dict:
    name, model = catalog.model(values["model"])
    return {"model": name, **answers.subwords(model, values["word"])}


def _search(catalog: Catalog, values: dict) -> dict:
    if catalog.index is None:
        raise RequestError(404, "no document index is loaded: start the server with --index INDEX (kofasttext index)")
    return answers.search(catalog.index, catalog.index_model, values["q"], values["k"])


def _models(catalog: Catalog, values: dict) -> dict:
    return answers.describe_models(catalog)


ENDPOINTS = (
    Endpoint(
        "/neighbors",
        "Nearest vocabulary words of any word (seen in training or not), with a 2-D map of the neighbourhood",
        (Param("word", "word", description=KINDS["word"][2]), _K, _MODEL),
        _neighbors,
        "/api/v1/neighbors?word=몰랐겠지&k=10",
    ),
    Endpoint(
        "/arithmetic",
        "Nearest vocabulary words of an expression of words joined by + and -, e.g. 한국 - 서울 + 도쿄",
        (Param("expr", "expression", description=KINDS["expression"][2]), _K, _MODEL),
        _arithmetic,
        "/api/v1/arithmetic?expr=한국 - 서울 %2B 도쿄&k=5",
    ),
    Endpoint(
        "/similarity",
        "Cosine similarity of two words' vectors",
        (Param("a", "word", description="the first word"), Param("b", "word", description="the second word"), _MODEL),
        _similarity,
        "/api/v1/similarity?a=재밌었다&b=재미있었다",
    ),
    Endpoint(
        "/subwords",
        "The pieces a word's vector is summed from (its own row, its n-grams), each with whether the model knows it",
        (Param("word", "word", description=KINDS["word"][2]), _MODEL),
        _subwords,
        "/api/v1/subwords?word=몰랐겠지",
    ),
    Endpoint(
        "/search",
        "Documents of the server's --index nearest to a text (cosine of sentence vectors)",
        (Param("q", "query", description=KINDS["query"][2]), _K),
        _search,
        "/api/v1/search?q=배우 연기 최고&k=10",
    ),
    Endpoint("/models", "The loaded models (names for model=) and the document index", (), _models, "/api/v1/models"),
)


def _schema(param: Param) -> dict:
    kind, longest, _ = KINDS[param.kind]
    if kind == "integer":
        return {"type": "integer", "minimum": 1, "maximum": limits.MAX_K, "default": limits.DEFAULT_K}
    schema = {"type": "string", "minLength": 1}
    if longest is not None:
        schema["maxLength"] = longest
    return schema


def openapi() -> dict:
    """The OpenAPI 3.1 description of `ENDPOINTS` (served at ``/api/v1/openapi.json``).

    Examples
    --------
    >>> sorted(openapi()["paths"])[:2]
    ['/api/v1/arithmetic', '/api/v1/models']
    """
    error = {
        "description": "A bad request: a parameter missing, empty, too long or out of range, an expression that does "
        "not parse (400); an unknown model, or no index loaded (404). One sentence says which.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    paths = {}
    for endpoint in ENDPOINTS:
        parameters = [
            {"name": p.name, "in": "query", "required": p.required, "description": p.description, "schema": _schema(p)}
            for p in endpoint.params
        ]
        paths[PREFIX + endpoint.path] = {
            "get": {
                "summary": endpoint.summary,
                "description": f"Example: `{endpoint.example}`",
                "parameters": parameters,
                "responses": {
                    "200": {"description": "The answer", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "4XX": error,
                    "503": {"description": f"Busy, or over {limits.REQUEST_SECONDS:g} s", "content": error["content"]},
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kofasttext",
            "version": __version__,
            "description": "Korean subword word vectors: neighbours of any word, word arithmetic, similarity, subwords "
            "and document search, over the models `kofasttext serve` loaded.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
            }
        },
    }
