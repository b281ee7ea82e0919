"""Run the app on uvicorn, on a socket this module binds first: a port in use or a host that does not exist is
then one clear `UsageError` line, where uvicorn would log it and exit on its own.

uvicorn's h11 protocol, not httptools: it is pure Python (nothing to compile), and its head-size limit is a
setting (`limits.MAX_REQUEST_HEAD_BYTES`), so an over-long query still reaches the API and gets its JSON 400.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable

from ..errors import UsageError
from . import limits
from .app import create_app
from .catalog import Catalog


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0: any free port), or a `UsageError`."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise UsageError(f"cannot listen on {host}: {error.strerror}") from None
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as error:
        listener.close()
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    listener.listen(1024)
    return listener


def url_of(listener: socket.socket) -> str:
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


#: How `serve_workers` tells its worker processes what to load: JSON ``{"models": [paths], "index": path}``.
WORKER_SETTINGS = "KOFASTTEXT_SERVE_WORKER"


def _config(app, **options):
    import uvicorn

    return uvicorn.Config(
        app,
        http="h11",
        lifespan="on",
        log_level="warning",
        access_log=False,
        limit_concurrency=limits.MAX_CONCURRENT_REQUESTS,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=limits.MAX_REQUEST_HEAD_BYTES,
        **options,
    )


def uvicorn_server(catalog: Catalog):
    """The uvicorn server of the app over ``catalog``, with this API's bounds (`limits`); run it with
    ``.run(sockets=[bind(host, port)])``."""
    import uvicorn

    return uvicorn.Server(_config(create_app(catalog)))


def _one_blas_thread():
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=limits.BLAS_THREADS, user_api="blas")  # see limits.BLAS_THREADS


def serve(catalog: Catalog, listener: socket.socket, log: Callable[[str], None] = print) -> None:
    """Answer HTTP requests on ``listener`` (`bind`) until Ctrl-C (uvicorn then finishes the requests in flight).

    The caller binds first and loads the models after, so that a port in use fails at once, not after a
    minute of loading.

    Examples
    --------
    >>> listener = bind("127.0.0.1", 8000)  # doctest: +SKIP
    >>> serve(Catalog.open(["nsmc_jamo.kft"]), listener)  # then open http://127.0.0.1:8000/  # doctest: +SKIP
    """
    server = uvicorn_server(catalog)
    _announce(catalog.names, listener, log)
    sys.setswitchinterval(limits.GIL_SWITCH_SECONDS)
    with _one_blas_thread():
        server.run(sockets=[listener])


def app_from_environment():
    """The app of one worker process of `serve_workers`: its models loaded from `WORKER_SETTINGS`."""
    settings = json.loads(os.environ[WORKER_SETTINGS])
    _one_blas_thread()  # for the whole life of the worker process
    sys.setswitchinterval(limits.GIL_SWITCH_SECONDS)
    return create_app(Catalog.open(settings["models"], settings["index"]))


def serve_workers(
    model_paths: list[str], index_path: str | None, listener: socket.socket, workers: int, log: Callable[[str], None] = print
) -> None:
    """`serve` with ``workers`` processes on one socket, each with its own copy of the models' query matrices
    (the files themselves are memory-mapped, so their pages are shared): a process runs Python one thread at a
    time, and under load the HTTP work and the answers' Python code, not the matrix products, fill a core.

    Examples
    --------
    >>> serve_workers(["nsmc_jamo.kft"], None, bind("127.0.0.1", 8000), workers=2)  # doctest: +SKIP
    """
    from uvicorn.supervisors import Multiprocess

    os.environ[WORKER_SETTINGS] = json.dumps(
        {"models": [os.path.abspath(p) for p in model_paths], "index": os.path.abspath(index_path) if index_path else None}
    )
    config = _config("kofasttext.serve.server:app_from_environment", factory=True, workers=workers)
    _announce([os.path.basename(p) for p in model_paths], listener, log, workers)
    Multiprocess(config, sockets=[listener]).run()


def _announce(names, listener: socket.socket, log: Callable[[str], None], workers: int = 1) -> None:
    processes = f" in {workers} processes" if workers > 1 else ""
    log(f"kofasttext: serving {', '.join(names)} at {url_of(listener)}{processes} (Ctrl-C stops)")
    host = listener.getsockname()[0]
    if host not in ("127.0.0.1", "::1"):
        log(f"kofasttext: listening on {host}: anyone who can reach this machine can query the models")
