"""An exact reference for issue 12's ablation: kofasttext's vocabulary, subwords and initialisation, trained as
fastText trains, one (centre, context) pair at a time.

fastText's skip-gram (``FastText::skipgram`` / ``Model::update``): for each kept position, a window half-width
uniform in ``1..window``; for each context word of it on the line, the centre's vector is recomputed from the
current rows, the context word and ``neg`` negatives of its own (drawn from the negative table, redrawn while
equal to the target) take one logistic step each, and then the input rows take theirs. No minibatch, no shared
negatives, no caps. The learning rate falls linearly with the tokens read, as fastText's does.

``row_exponent`` chooses how a word's n rows are combined, as `kofasttext.training.steps.ROW_EXPONENT` does:
the vector trained is ``n^-a * sum(rows)`` and each row moves by ``n^-(1-a)`` times the vector's step; ``a = 0``
is the plain sum with steps of 1/n, ``a = 1`` is fastText's rule (the mean, each row given the full step).

It replaces `TrainingRun.train` for one `kofasttext.train` call, so everything else (reading, vocabulary,
subsampling probabilities, negative table, initialisation, the saved `Model`) is the trainer's own, without the
end-of-line token ``</s>`` (`loop.END_OF_LINE` is off within the block: this loop does not insert it). Needs
``pip install numba``; one thread, about 100-200K words/s, so NSMC's 5 epochs take several minutes.
"""

from __future__ import annotations

import contextlib
import time

import numba
import numpy as np

from kofasttext.training import loop


@numba.njit(cache=True, fastmath=False)
def _train(tokens, line_starts, keep, table, offsets, rows, inputs, outputs, window, neg, lr0, epochs, seed, row_exponent):
    np.random.seed(seed)
    dim = inputs.shape[1]
    hidden = np.zeros(dim, dtype=np.float32)
    grad = np.zeros(dim, dtype=np.float32)
    kept = np.empty(1 << 16, dtype=np.int64)
    total = epochs * len(tokens)
    read = 0
    loss = 0.0
    pairs = 0
    for _ in range(epochs):
        for line in range(len(line_starts) - 1):
            low, high = line_starts[line], line_starts[line + 1]
            n = 0
            for i in range(low, high):
                if n < len(kept) and np.random.random() < keep[tokens[i]]:
                    kept[n] = tokens[i]
                    n += 1
            lr = lr0 * max(0.0, 1.0 - read / total)
            read += high - low
            for pos in range(n):
                word = kept[pos]
                first, last = offsets[word], offsets[word + 1]
                forward_scale = (last - first) ** -row_exponent
                row_scale = (last - first) ** (row_exponent - 1.0)
                half = np.random.randint(1, window + 1)
                for c in range(max(0, pos - half), min(n, pos + half + 1)):
                    if c == pos:
                        continue
                    hidden[:] = 0.0
                    for k in range(first, last):
                        hidden += inputs[rows[k]]
                    hidden *= forward_scale
                    grad[:] = 0.0
                    target = kept[c]
                    for j in range(neg + 1):
                        if j == 0:
                            out, label = target, 1.0
                        else:
                            out = target
                            while out == target:
                                out = table[np.random.randint(0, len(table))]
                            label = 0.0
                        score = 1.0 / (1.0 + np.exp(-np.dot(outputs[out], hidden)))
                        loss -= np.log(score + 1e-12) if label == 1.0 else np.log(1.0 - score + 1e-12)
                        alpha = lr * (label - score)
                        grad += alpha * outputs[out]
                        outputs[out] += alpha * hidden
                    grad *= row_scale
                    for k in range(first, last):
                        inputs[rows[k]] += grad
                    pairs += 1
    return loss, pairs


def exact(row_exponent: float):
    """Within the block, `kofasttext.train` trains with the exact loop and the given row rule."""

    def train(self, checkpoint=None, checkpoint_every=None):
        plan = self.plan
        started = time.monotonic()
        loss, pairs = _train(
            plan.tokens.numpy().astype(np.int64),
            plan.line_starts.numpy(),
            plan.keep_probability.numpy(),
            plan.negative_table.numpy().astype(np.int64),
            plan.parameters.subword_offsets.numpy(),
            plan.parameters.subword_rows.numpy(),
            plan.parameters.input_matrix.numpy(),
            plan.parameters.output_matrix.numpy(),
            plan.window,
            plan.neg,
            plan.lr,
            self.config["epoch"],
            plan.seed,
            float(row_exponent),
        )
        seconds = time.monotonic() - started
        self.bar.update(
            f"exact (row exponent {row_exponent}): {pairs:,} pairs in {seconds:.0f} s, loss {loss / max(pairs, 1):.3f}",
            force=True,
        )

    @contextlib.contextmanager
    def block():
        original, end_of_line = loop.TrainingRun.train, loop.END_OF_LINE
        loop.TrainingRun.train, loop.END_OF_LINE = train, False
        try:
            yield
        finally:
            loop.TrainingRun.train, loop.END_OF_LINE = original, end_of_line

    return block()
