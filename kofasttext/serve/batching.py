"""Concurrent neighbour answers of one model computed in batches: one matrix product for all that are waiting.

Ranking a query scores the whole vocabulary, and that product is bound by memory, not arithmetic: it streams
the unit matrix (34 MB for the NSMC model's 85K words of dim 100) once per query. Measured on the project's
2-core machine with one BLAS thread: 1.4 ms for one query, 4.9 ms for 16 together. So while one batch is being
scored, the queries that arrive wait, and the next batch takes all of them (`VectorQueries.most_similar_many`).

What is batched is a whole answer (`answers.neighbors`, `answers.arithmetic`): a generator that yields the one
`answers.Ranking` it needs and gets its neighbours back. A worker thread runs every answer of a batch up to its
ranking, ranks them all in one product, and finishes them (their maps). The requests wait on the event loop, not
in threads: a request's coroutine adds its answer and awaits it; the first one to find no batch running starts a
drain task that runs batch after batch in a worker thread until nobody waits. So a request costs no thread
hand-off of its own, only its share of its batch's one (with one worker thread per waiting request and a lock-step
hand-over between them, the hand-offs under the GIL were a large part of the server's time). One batch runs per
model at a time, so the other core stays free for the HTTP work, and the answers are `most_similar`'s up to float
rounding in the last digits.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator

import anyio.to_thread

from . import limits
from .answers import Ranking


class _Request:
    __slots__ = ("plan", "future", "loop")

    def __init__(self, plan: Generator[Ranking, list, dict]):
        self.plan = plan
        self.loop = asyncio.get_running_loop()
        self.future = self.loop.create_future()

    def settle(self, answer=None, error: BaseException | None = None) -> None:
        """Hand the answer (or the error) to the awaiting request, from any thread or loop."""
        self.loop.call_soon_threadsafe(_settle, self.future, answer, error)


def _settle(future: asyncio.Future, answer, error: BaseException | None) -> None:
    if future.done():  # the request gave up (its time limit)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(answer)


class Batcher:
    """Ranking answers of one model for many concurrent requests, in batches of at most ``max_batch``.

    Examples
    --------
    >>> ranker = Batcher(model)  # doctest: +SKIP
    >>> body = await ranker.answer(answers.neighbors(model, "몰랐겠지", 3))  # from any number of coroutines  # doctest: +SKIP
    >>> [n["word"] for n in body["neighbors"]]  # doctest: +SKIP
    ['몰랐지', '몰랐을까', '몰랐나']
    """

    def __init__(self, model, max_batch: int = limits.MAX_BATCH):
        self.model = model
        self.max_batch = max_batch
        # The lock is for requests from several event loops (a test client runs one per request); a server has one.
        self._lock = threading.Lock()
        self._waiting: list[_Request] = []
        self._draining = False
        self._drains: set[asyncio.Task] = set()  # the running drain, referenced so it is not collected

    async def answer(self, plan: Generator[Ranking, list, dict]) -> dict:
        """The dict ``plan`` returns, its `Ranking` answered by ``model.most_similar`` (up to float rounding)
        together with those of the plans waiting beside it."""
        request = _Request(plan)
        with self._lock:
            self._waiting.append(request)
            start = not self._draining
            self._draining = True
        if start:
            drain = request.loop.create_task(self._drain())
            self._drains.add(drain)
            drain.add_done_callback(self._drains.discard)
        return await request.future

    async def _drain(self) -> None:
        batch: list[_Request] = []
        try:
            while True:
                with self._lock:
                    batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
                    if not batch:
                        self._draining = False
                        return
                try:
                    # abandon_on_cancel: a server that stops does not wait for the batch's thread
                    outcomes = await anyio.to_thread.run_sync(self._run, batch, abandon_on_cancel=True)
                except Exception as error:  # noqa: BLE001 (handed to every request of the batch, raised there)
                    outcomes = [(None, error)] * len(batch)
                for request, (answer, error) in zip(batch, outcomes):
                    request.settle(answer, error)
                batch = []
        except BaseException as error:  # cancelled (the server stops): nobody is left waiting for ever
            with self._lock:
                left, self._waiting, self._draining = batch + self._waiting, [], False
            for request in left:
                request.settle(error=RuntimeError("the server stopped before this query was answered"))
            raise error

    def _run(self, batch: list[_Request]) -> list[tuple[dict | None, BaseException | None]]:
        """Each plan's ``(answer, None)`` or ``(None, error)``: one plan's error is its own; a failed ranking fails
        the plans that asked for it."""
        outcomes: list = [None] * len(batch)
        asked: list[tuple[int, Ranking]] = []
        for i, request in enumerate(batch):
            outcome = _advance(request.plan, None)
            if isinstance(outcome, Ranking):
                asked.append((i, outcome))
            else:
                outcomes[i] = outcome
        if asked:
            rankings = [ranking for _, ranking in asked]
            ranked = self.model.most_similar_many([(r.positive, r.negative) for r in rankings], [r.topn for r in rankings])
            if len(ranked) != len(asked):  # a request left unanswered would wait for ever
                raise RuntimeError(f"most_similar_many answered {len(ranked)} of {len(asked)} queries")
            for (i, _), pairs in zip(asked, ranked):
                outcome = _advance(batch[i].plan, pairs)
                if isinstance(outcome, Ranking):
                    outcome = None, RuntimeError("an answer asked for a second ranking")
                outcomes[i] = outcome
        return outcomes


def _advance(plan: Generator[Ranking, list, dict], pairs: list | None):
    """Run ``plan`` on (sending ``pairs``, its neighbours, after the first step): the `Ranking` it asks for next,
    or its outcome ``(answer, None)`` / ``(None, error)`` when it has finished."""
    try:
        return plan.send(pairs)  # the first send(None) starts it
    except StopIteration as finished:
        return finished.value, None
    except Exception as error:  # noqa: BLE001 (this request's own error, e.g. a query verb refusing its word)
        return None, error
