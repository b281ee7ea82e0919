"""How big and how slow a request may be. Every bound is checked before any work is done (`parameters`), so a
request that passes them finishes in milliseconds; `REQUEST_SECONDS` is the backstop for one that does not."""

#: Longest word, in characters. The longest eojeol of NSMC's 662K reviews that is not a run of one repeated
#: character is far shorter; a word's n-grams (and so its time) grow with its length.
MAX_WORD_CHARS = 100
#: Longest arithmetic expression, and most words in it (``한국 - 서울 + 도쿄`` has 3).
MAX_EXPRESSION_CHARS = 500
MAX_TERMS = 20
#: Longest search query, in characters (a long review is about 140).
MAX_QUERY_CHARS = 1_000
#: Most neighbours or documents one request may ask for, and how many it gets when it does not say.
MAX_K = 100
DEFAULT_K = 10
#: Longest time a request may take before it is answered 503 (its thread finishes in the background).
REQUEST_SECONDS = 10.0
#: Requests in flight at once, beyond which uvicorn answers 503 at once rather than queueing without bound.
MAX_CONCURRENT_REQUESTS = 256
#: Largest request head (request line and headers) uvicorn reads. A query parameter well over the limits above
#: still fits (a word of 10,240 Hangul syllables is 92 KB URL-encoded), so it gets this API's JSON 400 with its
#: own message; a larger head gets uvicorn's plain 400.
MAX_REQUEST_HEAD_BYTES = 128 * 1024
#: Threads of the BLAS library (OpenBLAS) per matrix product while serving: one. The worker threads already
#: keep every core busy, and BLAS threads of their own fight them: on the project's 2-core machine, scoring the
#: NSMC vocabulary (85K x 100) against one query took 8 ms with OpenBLAS's 2 threads and 1.4 ms with one.
BLAS_THREADS = 1
#: Most neighbour queries of one model scored in one matrix product (`batching`): past a few dozen the product
#: is no longer bound by memory and a bigger batch only makes its first request wait longer.
MAX_BATCH = 32
#: Worker threads answering requests (a batch of neighbour answers takes one, `batching`). More than the cores,
#: because a thread may wait on a page fault of a memory-mapped matrix.
WORKER_THREADS = 32
#: How long a Python thread may hold the GIL while another waits for it (Python's default: 5 ms). The event loop
#: thread and the worker threads hand the GIL back and forth several times per request, and a request waits behind
#: other threads' slices. Measured with benchmarks/bench_serve.py (NSMC jamo, 16 clients), alternating runs:
#: p99 54.9 / 53.0 ms at 0.5 ms against 59.5 / 54.1 ms at 5 ms; the machine's noise is as large as the gain.
GIL_SWITCH_SECONDS = 0.0005
