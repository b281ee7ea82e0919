"""Training: from a corpus file to a `Model`.

The loop follows fastText's skip-gram: one pass per epoch over the corpus in file
order; each occurrence is kept with the subsampling probability
(`Vocabulary.keep_probabilities`); each kept centre word gets a window half-width
drawn uniformly from ``1..window`` and predicts every kept word that close to it
on the same line; the learning rate falls linearly from ``lr`` to 0 over all
``epoch * tokens`` corpus tokens. The minibatch arithmetic is in `sgns`.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import torch

from .corpus import EncodedCorpus, encode_corpus
from .errors import TrainingError, UsageError
from .model import Model
from .progress import Progress, format_count, format_duration
from .subwords import SubwordScheme, subword_table
from .sgns import skipgram_step
from .vocab import NEGATIVE_EXPONENT

#: Centre words per minibatch: larger batches are faster, but sum more updates
#: computed from the same stale parameters. A small corpus gets smaller batches so
#: that an epoch is still at least ~MIN_STEPS_PER_EPOCH steps.
MAX_BATCH_CENTRES = 1024
MIN_BATCH_CENTRES = 16
MIN_STEPS_PER_EPOCH = 256


def train(
    corpus_path: str,
    subwords: str = "jamo",
    dim: int = 100,
    epoch: int = 5,
    window: int = 5,
    neg: int = 5,
    min_count: int = 5,
    minn=None,
    maxn=None,
    bucket: int = 2_000_000,
    lr: float = 0.05,
    sample: float = 1e-4,
    threads: int | None = None,
    device: str = "cpu",
    seed: int = 0,
    progress: bool = True,
    column: str | int | None = None,
) -> Model:
    """Train subword skip-gram vectors on a Korean corpus.

    Parameters
    ----------
    corpus_path : str
        Text file (``.txt`` or gzip), one document per line, or a ``.tsv`` with
        ``column`` naming the text column.
    subwords : {"jamo", "syllable", "hybrid", "none"}
        How words are cut into n-grams (see `kofasttext.subwords`).
    dim, epoch, window, neg, min_count, lr, sample : as in fastText.
    minn, maxn : int, or (syllable, jamo) pairs for hybrid
        N-gram lengths; default syllable 2-4, jamo 3-6.
    bucket : int
        Hash buckets for n-grams.
    threads : int, optional
        CPU threads for tensor operations (default: all cores of this process).
    device : {"cpu", "cuda"}
    seed : int
        Seeds initialisation, subsampling, windows and negatives.
    progress : bool
        Show a progress line on stderr.

    Returns
    -------
    Model

    Examples
    --------
    >>> import kofasttext as kft
    >>> model = kft.train("corpora/demo_ko.txt", subwords="jamo", dim=50, epoch=10, progress=False)  # doctest: +SKIP
    >>> model.most_similar("몰랐겠지", topn=3)  # doctest: +SKIP
    """
    options = dict(dim=dim, epoch=epoch, window=window, neg=neg, min_count=min_count)
    for name, value in options.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise UsageError(f"{name} must be a positive integer, got {value!r}")
    if not lr > 0:
        raise UsageError(f"lr must be positive, got {lr!r}")
    if not sample >= 0:
        raise UsageError(f"sample must be 0 or positive, got {sample!r}")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise UsageError(f"threads must be a positive integer, got {threads!r}")
    torch_device = _device(device)
    scheme = SubwordScheme.create(subwords, minn, maxn, bucket)

    bar = Progress(progress)
    started = time.monotonic()
    corpus = encode_corpus(
        corpus_path,
        min_count,
        column,
        on_progress=lambda s: bar.update(f"reading {corpus_path}: {s.lines:,} lines, {format_count(s.tokens)} tokens"),
    )
    for warning in corpus.stats.warnings:
        bar.message(f"warning: {warning}")
    bar.message(
        f"read {corpus.stats.lines:,} lines, {corpus.stats.tokens:,} tokens; "
        f"{len(corpus.vocab):,} words occur >= {min_count} times ({format_duration(time.monotonic() - started)})"
    )
    offsets, rows = subword_table(corpus.vocab.words, scheme)

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads or _available_cores())
    try:
        input_matrix, output_matrix = _train_matrices(
            corpus, offsets, rows, scheme, dim, epoch, window, neg, lr, sample, seed, torch_device, bar
        )
    finally:
        torch.set_num_threads(previous_threads)
    bar.done()

    config = {
        **scheme.to_config(),
        "model": "skipgram",
        "pretokenizer": "whitespace",
        "dim": dim,
        "epoch": epoch,
        "window": window,
        "neg": neg,
        "min_count": min_count,
        "lr": lr,
        "sample": sample,
        "seed": seed,
        "negative_exponent": NEGATIVE_EXPONENT,
        "word_vector": "sum",
        "corpus": os.path.basename(corpus_path),
        "corpus_lines": corpus.stats.lines,
        "corpus_tokens": corpus.stats.tokens,
        "train_seconds": round(time.monotonic() - started, 2),
    }
    return Model(config, corpus.vocab, input_matrix, output_matrix, offsets, rows)


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _device(name: str) -> torch.device:
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise UsageError(f"unknown device {name!r}; choose cpu or cuda")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("device cuda was asked for, but this torch build sees no CUDA GPU")
    return torch.device(name)


def _train_matrices(
    corpus: EncodedCorpus,
    offsets: np.ndarray,
    rows: np.ndarray,
    scheme: SubwordScheme,
    dim: int,
    epochs: int,
    window: int,
    neg: int,
    lr: float,
    sample: float,
    seed: int,
    device: torch.device,
    bar: Progress,
) -> tuple[np.ndarray, np.ndarray]:
    generator = torch.Generator(device="cpu").manual_seed(seed)
    nwords = len(corpus.vocab)
    nrows = nwords + (scheme.bucket if scheme.name != "none" else 0)
    # fastText's initialisation: input rows uniform in +-1/dim, output rows zero.
    input_matrix = (torch.rand(nrows, dim, generator=generator) * 2 - 1) / dim
    output_matrix = torch.zeros(nwords, dim)
    input_matrix, output_matrix = input_matrix.to(device), output_matrix.to(device)

    tokens = torch.from_numpy(corpus.tokens.astype(np.int64))
    line_lengths = np.diff(corpus.line_starts)
    line_of_token = torch.from_numpy(np.repeat(np.arange(len(line_lengths), dtype=np.int32), line_lengths))
    keep_probability = torch.from_numpy(corpus.vocab.keep_probabilities(sample))
    negative_cdf = torch.from_numpy(corpus.vocab.negative_cdf())
    subword_offsets = torch.from_numpy(offsets).to(device)
    subword_rows = torch.from_numpy(rows.astype(np.int64)).to(device)
    window_offsets = torch.cat([torch.arange(-window, 0), torch.arange(1, window + 1)])

    ntokens = len(tokens)
    total = epochs * ntokens
    batch_centres = int(np.clip(ntokens // MIN_STEPS_PER_EPOCH, MIN_BATCH_CENTRES, MAX_BATCH_CENTRES))
    started = time.monotonic()
    smoothed_loss = None
    for epoch in range(epochs):
        kept = torch.nonzero(torch.rand(ntokens, generator=generator) < keep_probability[tokens]).squeeze(1)
        kept_tokens, kept_lines = tokens[kept], line_of_token[kept]
        nkept = len(kept)
        for start in range(0, nkept, batch_centres):
            end = min(start + batch_centres, nkept)
            done = epoch * ntokens + int(kept[end - 1]) + 1
            current_lr = lr * max(0.0, 1.0 - (epoch * ntokens + int(kept[start])) / total)

            positions = torch.arange(start, end)
            half_width = torch.randint(1, window + 1, (end - start,), generator=generator)
            context_positions = positions.unsqueeze(1) + window_offsets
            valid = (window_offsets.abs() <= half_width.unsqueeze(1)) & (context_positions >= 0)
            valid &= context_positions < nkept
            context_positions = context_positions.clamp(0, nkept - 1)
            valid &= kept_lines[context_positions] == kept_lines[positions].unsqueeze(1)
            pair_centre, pair_slot = torch.nonzero(valid, as_tuple=True)
            if len(pair_centre) == 0:
                continue
            pair_context = kept_tokens[context_positions[pair_centre, pair_slot]]
            negatives = torch.searchsorted(
                negative_cdf, torch.rand(len(pair_centre) * neg, generator=generator, dtype=torch.float64)
            ).clamp_(max=nwords - 1)
            loss = skipgram_step(
                input_matrix,
                output_matrix,
                subword_offsets,
                subword_rows,
                kept_tokens[start:end].to(device),
                pair_centre.to(device),
                pair_context.to(device),
                negatives.view(-1, neg).to(device),
                current_lr,
            )
            if not math.isfinite(loss):
                raise TrainingError(
                    f"training diverged in epoch {epoch + 1} (the loss became {loss}); try a lower --lr"
                )
            pair_loss = loss / len(pair_centre)
            smoothed_loss = pair_loss if smoothed_loss is None else 0.95 * smoothed_loss + 0.05 * pair_loss
            elapsed = time.monotonic() - started
            speed = done / max(elapsed, 1e-9)
            bar.update(
                f"epoch {epoch + 1}/{epochs} {100 * done / total:5.1f}% | {format_count(speed)} words/s | "
                f"lr {current_lr:.4f} | loss {smoothed_loss:.3f} | ETA {format_duration((total - done) / speed)}"
            )
    elapsed = time.monotonic() - started
    bar.update(
        f"trained {epochs} epochs of {ntokens:,} tokens in {format_duration(elapsed)} "
        f"({format_count(total / max(elapsed, 1e-9))} words/s), loss {smoothed_loss or 0:.3f}",
        force=True,
    )
    return input_matrix.cpu().numpy(), output_matrix.cpu().numpy()
