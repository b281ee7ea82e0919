"""Concurrent neighbour queries of one model answered in batches: one matrix product for all that are waiting.

Ranking a query scores the whole vocabulary, and that product is bound by memory, not arithmetic: it streams
the unit matrix (34 MB for the NSMC model's 85K words of dim 100) once per query. Measured on the project's
2-core machine with one BLAS thread: 1.4 ms for one query, 4.9 ms for 16 together. So while one request's
batch is being scored, the requests that arrive wait, and the next batch takes all of them
(`VectorQueries.most_similar_many`).

No thread of its own (leader and followers): a request thread that finds no batch running scores the waiting
requests itself, its own among them, and wakes their threads; one that finds a batch running waits until its
answer is there or the scorer hands over. One batch runs per model at a time, so the other core stays free for
the HTTP work, and the answers are `most_similar`'s up to float rounding in the last digits.
"""

from __future__ import annotations

import threading

from . import limits


class _Request:
    __slots__ = ("positive", "negative", "topn", "answer", "error", "wake")

    def __init__(self, positive, negative, topn: int):
        self.positive, self.negative, self.topn = positive, negative, topn
        self.answer = None
        self.error: BaseException | None = None
        self.wake = threading.Event()


class Batcher:
    """`most_similar` for many threads at once, in batches of at most ``max_batch`` queries.

    Examples
    --------
    >>> ranker = Batcher(model)  # doctest: +SKIP
    >>> ranker.most_similar("몰랐겠지", topn=3)  # from any number of threads  # doctest: +SKIP
    [('몰랐지', 0.854), ('몰랐을까', 0.777), ('몰랐나', 0.758)]
    """

    def __init__(self, model, max_batch: int = limits.MAX_BATCH):
        self.model = model
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Request] = []
        self._scoring = False

    def most_similar(self, positive=(), negative=(), topn: int = 10) -> list[tuple[str, float]]:
        """What ``model.most_similar(positive, negative, topn)`` answers, scored with the requests waiting beside it."""
        request = _Request(positive, negative, topn)
        with self._lock:
            self._waiting.append(request)
        while True:
            with self._lock:
                if request.answer is not None or request.error is not None:
                    break
                lead = not self._scoring
                if lead:
                    self._scoring = True
                    batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
                else:
                    request.wake.clear()  # under the lock: a wake-up sent after this is not lost
            if not lead:
                request.wake.wait()
                continue
            try:
                self._score(batch)
            finally:
                with self._lock:
                    self._scoring = False
                    if self._waiting:  # hand over: the first waiting request's thread scores the next batch
                        self._waiting[0].wake.set()
        if request.error is not None:
            raise request.error
        return request.answer

    def _score(self, batch: list[_Request]) -> None:
        try:
            answers = self.model.most_similar_many([(r.positive, r.negative) for r in batch], [r.topn for r in batch])
            if len(answers) != len(batch):  # a request left unanswered would wait, and lead empty batches, forever
                raise RuntimeError(f"most_similar_many answered {len(answers)} of {len(batch)} queries")
        except BaseException as error:  # noqa: BLE001 (handed to every request of the batch, raised in its thread)
            for request in batch:
                request.error = error
                request.wake.set()
            return
        for request, answer in zip(batch, answers):
            request.answer = answer
            request.wake.set()
