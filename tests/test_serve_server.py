"""The real server (uvicorn on a socket of 127.0.0.1, in a thread of this process): concurrent requests get
the single-threaded answers, and bounds hold over a real HTTP connection."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.parse

import pytest
from conftest import in_threads, run_cli

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import kofasttext as kft  # noqa: E402
from kofasttext.errors import UsageError  # noqa: E402
from kofasttext.serve.catalog import Catalog  # noqa: E402
from kofasttext.serve.server import bind, uvicorn_server  # noqa: E402

WORDS = ["몰랐겠지", "영화", "재밌었닼ㅋ", "배우", "모르겠니", "먹었겠지", "맛있었겠다", "기다렸겠지"]


@pytest.fixture
def running(demo_model_path):
    """``(port, model)``: a server over a freshly loaded model whose caches are not built (no `Catalog.warm`)."""
    model = kft.load(str(demo_model_path))
    listener = bind("127.0.0.1", 0)
    server = uvicorn_server(Catalog({"demo": model}))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield listener.getsockname()[1], model
    server.should_exit = True
    thread.join(10)
    listener.close()


def get(port: int, path: str, params: dict) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", f"{path}?{urllib.parse.urlencode(params)}")
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_concurrent_requests_get_the_single_threaded_answers(running, demo_model_path):
    port, _ = running
    alone = kft.load(str(demo_model_path))
    expected = {word: alone.most_similar(word, topn=10) for word in WORDS}
    results = []

    def client(worker: int):
        for step in range(6):
            word = WORDS[(worker + step) % len(WORDS)]
            status, body = get(port, "/api/v1/neighbors", {"word": word, "k": 10})
            results.append((status, word, [(n["word"], n["similarity"]) for n in body["neighbors"]]))

    in_threads(client)
    assert len(results) == 16 * 6
    for status, word, neighbours in results:
        # Batched answers (kofasttext.serve.batching) equal the single-threaded ones up to float rounding.
        assert status == 200 and [w for w, _ in neighbours] == [w for w, _ in expected[word]], word
        assert [s for _, s in neighbours] == pytest.approx([s for _, s in expected[word]], abs=1.5e-4)


def test_a_10kb_word_over_http_is_a_json_400(running):
    port, _ = running
    status, body = get(port, "/api/v1/neighbors", {"word": "몰" * 10_240})  # 92 KB once URL-encoded
    assert status == 400 and "10,240 characters" in body["error"]
    status, body = get(port, "/api/v1/neighbors", {"word": "a" * 10_240})
    assert status == 400 and "at most 100" in body["error"]


def test_a_port_in_use_is_one_clear_error(running):
    port, _ = running
    with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{port}"):
        bind("127.0.0.1", port)


def test_serve_command_failures_are_one_line(demo_model_path, tmp_path):
    missing = run_cli("serve", tmp_path / "missing.kft", "--port", "0")
    assert missing.returncode == 1 and "model file not found" in missing.stderr and "Traceback" not in missing.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = run_cli("serve", demo_model_path, "--port", taken.getsockname()[1])
    assert busy.returncode == 1 and busy.stderr.startswith("kofasttext: error: cannot listen") and busy.stderr.count("\n") == 1
    bad_port = run_cli("serve", demo_model_path, "--port", "70000")
    assert bad_port.returncode == 2 and "port number" in bad_port.stderr


def test_serve_with_two_worker_processes_answers(demo_model_path):
    """``--workers 2``: uvicorn's supervisor, each process loading the models from the settings it is given."""
    import subprocess
    import sys

    from conftest import REPO_ROOT

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "kofasttext", "serve", str(demo_model_path), "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, answer = time.monotonic() + 60, None
        while answer is None:
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            try:
                answer = get(port, "/api/v1/neighbors", {"word": "몰랐겠지", "k": 3})
            except OSError:
                time.sleep(0.2)
        status, body = answer
        assert status == 200 and body["model"] == "demo" and len(body["neighbors"]) == 3
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert "Traceback" not in errors, errors
