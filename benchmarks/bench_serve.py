"""Issue 16's load benchmark: `kofasttext serve` answering neighbour queries of unseen words from many clients.

It starts the real server (``python -m kofasttext serve MODEL``, uvicorn, on a free port of 127.0.0.1 only),
waits until it answers, then ``--clients`` threads, each with its own keep-alive connection, send
``--requests`` GET ``/api/v1/neighbors?word=W&k=10`` between them, W drawn from ``--words`` distinct unseen
words (one-jamo typos of the model's 5,000 most frequent words that are not in its vocabulary, as
`bench_interop.unseen_words` makes them): every query composes a vector from n-grams and ranks the whole
vocabulary, with no answer cache to hit. It reports throughput, p50 / p90 / p99 / max latency (from sending the
request to reading the whole answer) and errors (any status other than 200, or a broken connection); goal:
p99 <= 50 ms with 0 errors. Clients and server share the machine, so the client threads' CPU is part of
what is measured.

With ``--docs`` (e.g. ``DATA/nsmc/test.tsv --column document``) it first measures search (issue 16 point 3):
the wall time of ``kofasttext index MODEL DOCS -o INDEX`` over all the documents, then, with the server
started with ``--index``, ``--search-queries`` sequential ``/api/v1/search?k=10`` queries (the texts of
documents of the file, so every query has words), and the same queries in-process
(`DocumentIndex.search`, no HTTP).

Bounded: at most ``--requests`` requests and ``--max-seconds`` of sending; 127.0.0.1 only. Not a unit test: run
it by hand on an idle machine.

    python benchmarks/bench_serve.py --model NSMC_JAMO.kft [--requests 10000] [--clients 16] [--words 2000]
        [--docs DATA/nsmc/test.tsv --column document] [--search-queries 200] [--json FILE]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPT_DIR)

from bench_interop import unseen_words  # noqa: E402  (found through the sys.path line above)

GOAL_P99_MS = 50.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the model to serve (the NSMC jamo model for the goal)")
    parser.add_argument("--requests", type=int, default=10_000, help="neighbour queries in all")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (threads, one connection each)")
    parser.add_argument("--words", type=int, default=2_000, help="distinct unseen words the queries are drawn from")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="the server's --workers (processes)")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop sending after this long")
    parser.add_argument("--docs", help="documents to index and search (.txt, or .tsv with --column)")
    parser.add_argument("--column", help="text column of a .tsv --docs")
    parser.add_argument("--search-queries", type=int, default=200)
    parser.add_argument("--note", help="what else the machine was doing, kept in the JSON")
    parser.add_argument("--json", default=os.path.join(SCRIPT_DIR, "results", "bench_serve.json"))
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(model: str, port: int, index: str | None, workers: int = 1) -> subprocess.Popen:
    command = [sys.executable, "-m", "kofasttext", "serve", model, "--port", str(port), "--workers", str(workers)]
    if index:
        command += ["--index", index]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {server.stderr.read().strip()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/models")
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not answer within 300 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def path_of(word: str, k: int) -> str:
    return "/api/v1/neighbors?" + urllib.parse.urlencode({"word": word, "k": k})


def load_test(port: int, paths: list[str], clients: int, max_seconds: float) -> dict:
    """Send every path of ``paths`` once, from ``clients`` threads that take the next one in turn."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    cursor = iter(range(len(paths)))
    stop_at = time.monotonic() + max_seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                position = next(cursor, None)
            if position is None:
                break
            started = time.perf_counter()
            try:
                connection.request("GET", paths[position])
                response = connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                failure = None if response.status == 200 and b'"neighbors"' in body else f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as error:
                elapsed, failure = time.perf_counter() - started, f"{type(error).__name__}: {error}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                latencies.append(elapsed)
                if failure:
                    errors.append(failure)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return summary(latencies, errors, wall)


def summary(latencies: list[float], errors: list[str], wall: float) -> dict:
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")

    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "seconds": round(wall, 3),
        "throughput_per_s": round(len(latencies) / wall, 1) if wall > 0 else None,
        "p50_ms": round(percentile(0.50), 2),
        "p90_ms": round(percentile(0.90), 2),
        "p99_ms": round(percentile(0.99), 2),
        "max_ms": round(1000 * ordered[-1], 2) if ordered else None,
    }


def measure_index(args, folder: str) -> tuple[str, dict]:
    index_path = os.path.join(folder, "docs.index")
    command = [sys.executable, "-m", "kofasttext", "index", args.model, args.docs, "-o", index_path, "--quiet"]
    if args.column:
        command += ["--column", args.column]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"kofasttext index failed: {result.stderr.strip()}")
    from kofasttext.search import DocumentIndex

    index = DocumentIndex.load(index_path)
    return index_path, {
        "documents": len(index),
        "dtype": index.config["dtype"],
        "command_seconds": round(wall, 2),
        "embed_seconds": index.config["embed_seconds"],
        "documents_per_s": round(len(index) / index.config["embed_seconds"], 1),
        "file_mb": round(os.path.getsize(index_path) / 1e6, 2),
    }


def measure_search(port: int, index_path: str, model_path: str, count: int) -> dict:
    import kofasttext as kft
    from kofasttext.search import DocumentIndex

    index = DocumentIndex.load(index_path)
    rng = random.Random(0)
    queries = [index.text(rng.randrange(len(index))) for _ in range(count)]
    queries = [q for q in queries if q.strip()] or ["배우 연기 최고"]
    from threadpoolctl import threadpool_limits

    model = kft.load(model_path)
    timings, one_thread = [], []
    for query in queries:  # as `kofasttext search` runs: numpy's BLAS with its default threads
        started = time.perf_counter()
        index.search(model, query, k=10)
        timings.append(time.perf_counter() - started)
    with threadpool_limits(limits=1, user_api="blas"):  # as the server runs
        for query in queries:
            started = time.perf_counter()
            index.search(model, query, k=10)
            one_thread.append(time.perf_counter() - started)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    over_http, failures = [], 0
    for query in queries:
        started = time.perf_counter()
        connection.request("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": query[:1000], "k": 10}))
        response = connection.getresponse()
        response.read()
        over_http.append(time.perf_counter() - started)
        failures += response.status != 200
    connection.close()
    return {
        "queries": len(queries),
        "in_process_median_ms": round(1000 * statistics.median(timings), 2),
        "in_process_p99_ms": round(1000 * sorted(timings)[min(len(timings) - 1, int(0.99 * len(timings)))], 2),
        "in_process_one_blas_thread_median_ms": round(1000 * statistics.median(one_thread), 2),
        "http_median_ms": round(1000 * statistics.median(over_http), 2),
        "http_p99_ms": round(1000 * sorted(over_http)[min(len(over_http) - 1, int(0.99 * len(over_http)))], 2),
        "http_errors": failures,
    }


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=SCRIPT_DIR)
    changed = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=SCRIPT_DIR)
    revision = commit.stdout.strip() + (" + uncommitted changes" if changed.stdout.strip() else "")
    return {"cores": os.cpu_count(), "python": sys.version.split()[0], "commit": revision or None}


def main(argv=None) -> None:
    args = parse_args(argv)
    import kofasttext as kft

    model = kft.load(args.model)
    words = unseen_words(model, args.words)
    assert not any(word in model for word in words)
    rng = random.Random(0)
    paths = [path_of(rng.choice(words), args.k) for _ in range(args.requests)]
    report = {"command": " ".join([os.path.basename(sys.executable), *sys.argv]), "model": os.path.abspath(args.model)}
    report.update(machine=machine(), model_words=len(model.words), model_dim=model.dim, clients=args.clients)
    report.update(workers=args.workers, note=args.note)
    del model
    with tempfile.TemporaryDirectory() as folder:
        index_path = None
        if args.docs:
            index_path, report["index"] = measure_index(args, folder)
        port = free_port()
        server = start_server(args.model, port, index_path, args.workers)
        try:
            load_test(port, paths[: min(200, len(paths))], args.clients, 60)  # warm-up, not counted
            report["neighbors"] = load_test(port, paths, args.clients, args.max_seconds)
            if index_path:
                report["search"] = measure_search(port, index_path, args.model, args.search_queries)
        finally:
            stop_server(server)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as out:
        json.dump(report, out, ensure_ascii=False, indent=2)
    print(markdown(report))
    print(f"\n(JSON: {args.json})")


def markdown(report: dict) -> str:
    result = report["neighbors"]
    goal = "met" if result["p99_ms"] <= GOAL_P99_MS and result["errors"] == 0 else "not met"
    lines = [
        f"Neighbour queries of unseen words, {report['clients']} clients, {report['workers']} server process(es), "
        f"model {os.path.basename(report['model'])} "
        f"({report['model_words']:,} words, dim {report['model_dim']}), {report['machine']['cores']} cores",
        "",
        "| requests | errors | seconds | throughput (req/s) | p50 ms | p90 ms | p99 ms | max ms | goal p99 <= 50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {result['requests']:,} | {result['errors']} | {result['seconds']} | {result['throughput_per_s']} | "
        f"{result['p50_ms']} | {result['p90_ms']} | {result['p99_ms']} | {result['max_ms']} | {goal} |",
    ]
    if "index" in report:
        index, search = report["index"], report["search"]
        lines += [
            "",
            "| documents | embedding (s) | documents/s | index file (MB) | query in-process median / p99 ms | "
            "in-process, 1 BLAS thread, median ms | query over HTTP median / p99 ms |",
            "|---|---|---|---|---|---|---|",
            f"| {index['documents']:,} ({index['dtype']}) | {index['embed_seconds']} (command: {index['command_seconds']}) | "
            f"{index['documents_per_s']:,} | {index['file_mb']} | {search['in_process_median_ms']} / "
            f"{search['in_process_p99_ms']} | {search['in_process_one_blas_thread_median_ms']} | "
            f"{search['http_median_ms']} / {search['http_p99_ms']} |",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
