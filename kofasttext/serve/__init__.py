"""``kofasttext serve``: a local web page and a JSON API over one or more loaded models, and document search.

The rooms, each one concept:

- `limits`: how big and how slow a request may be, and why;
- `parameters`: a request's query parameters, checked, and the 4xx `RequestError` a bad one gets;
- `expression`: ``한국 - 서울 + 도쿄`` -> the words to add and subtract;
- `projection`: the 2-D map of a neighbourhood (PCA, computed here, drawn by the page);
- `catalog`: the loaded models (and the document index) by name, their caches built before the first request;
- `answers`: what each API path answers, as plain dicts, with no web framework in sight;
- `api`: the table of API paths and their parameters, from which both the routes and the OpenAPI description
  come;
- `app`: the Starlette application (routes, JSON errors, the time limit, the static page in ``static/``);
- `server`: uvicorn on a socket bound first (a port in use is one line, not a traceback).

Why Starlette on uvicorn, not FastAPI: six GET paths with a few scalar query parameters need no request
models, and FastAPI's validation (pydantic) answers a bad parameter with a list of error objects where this API
promises one message; its OpenAPI description would be generated from pydantic types we do not otherwise need.
Starlette is the small, well-kept ASGI toolkit FastAPI itself is built on (routing, a test client, static
files) and uvicorn is its reference server; `api` writes the OpenAPI description from the same table that
checks the parameters, so the two cannot drift.
"""
