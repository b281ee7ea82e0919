"""The Starlette application: the API paths of `api.ENDPOINTS`, the OpenAPI description, the page.

Each request's parameters are checked on the event loop (microseconds: `parameters.read`), and the answer is
computed in a worker thread (numpy releases the GIL in its matrix products, so two cores answer two requests at
once; neighbour and arithmetic answers in batches, `batching`), under a time limit. Whatever goes wrong is JSON: a
`RequestError` (or a `KofasttextError` a query verb raised) is its 4xx status with ``{"error": message}``, an
unknown path or method Starlette's 404 or 405 in the same shape, an answer slower than `limits.REQUEST_SECONDS` a
503, and a bug a 500 whose traceback goes to the server's log, never to the client.

The page (``static/``) is plain HTML, CSS and JavaScript served from the package: no build step, nothing from
the network, and a Content-Security-Policy of ``'self'`` so that the browser would refuse anything else.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from pathlib import Path

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import KofasttextError
from . import limits
from .api import ENDPOINTS, PREFIX, Endpoint, openapi
from .catalog import Catalog
from .parameters import RequestError, read

STATIC = Path(__file__).resolve().parent / "static"
_log = logging.getLogger("kofasttext.serve")

#: Sent with every response. The page loads only its own files (the policy makes the browser enforce it) and is
#: not framed by other sites; JSON is not sniffed as anything else.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _handler(endpoint: Endpoint, catalog: Catalog):
    async def handle(request: Request) -> JSONResponse:
        query = request.query_params
        try:
            values = read({name: query.getlist(name) for name in query.keys()}, endpoint.params)
            with anyio.fail_after(limits.REQUEST_SECONDS):
                if inspect.iscoroutinefunction(endpoint.answer):
                    body = await endpoint.answer(catalog, values)
                else:
                    # abandon_on_cancel: at the time limit the client gets its 503 now; the thread finishes alone.
                    body = await anyio.to_thread.run_sync(endpoint.answer, catalog, values, abandon_on_cancel=True)
        except RequestError as error:
            return _error(error.status, error.message)
        except KofasttextError as error:  # a query verb refusing its input
            return _error(400, str(error))
        except TimeoutError:
            return _error(503, f"the answer took longer than {limits.REQUEST_SECONDS:g} s; try a smaller k")
        return JSONResponse(body)

    return handle


async def _openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi())


async def _page(request: Request) -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    messages = {404: f"no such page: {request.url.path} (the API is under {PREFIX}/, described at {PREFIX}/openapi.json)"}
    if error.status_code == 405:
        messages[405] = f"{request.method} is not accepted here: the API answers GET"
    return _error(error.status_code, messages.get(error.status_code, str(error.detail)))


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    _log.exception("error answering %s", request.url.path)  # the traceback stays in the server's log
    return _error(500, "internal error in kofasttext (the server's log has the details)")


class _SecurityHeaders:
    """ASGI middleware that adds `SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


@contextlib.asynccontextmanager
async def _lifespan(app):
    anyio.to_thread.current_default_thread_limiter().total_tokens = limits.WORKER_THREADS
    yield


def create_app(catalog: Catalog) -> Starlette:
    """The ASGI application answering from ``catalog``'s models (`kofasttext.serve.catalog.Catalog`).

    Examples
    --------
    >>> from starlette.testclient import TestClient  # doctest: +SKIP
    >>> client = TestClient(create_app(Catalog({"demo": model})))  # doctest: +SKIP
    >>> client.get("/api/v1/neighbors", params={"word": "몰랐겠지", "k": 3}).json()["neighbors"]  # doctest: +SKIP
    """
    routes = [Route(PREFIX + endpoint.path, _handler(endpoint, catalog), methods=["GET"]) for endpoint in ENDPOINTS]
    routes += [
        Route(PREFIX + "/openapi.json", _openapi, methods=["GET"]),
        Route("/", _page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
        lifespan=_lifespan,
    )
    app.add_middleware(_SecurityHeaders)
    return app
