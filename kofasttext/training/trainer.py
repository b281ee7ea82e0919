"""Training: from a corpus file to a `Model`, in phases.

1. options: checked (`options.check_options`), or, on ``resume``, taken from the checkpoint;
2. pretokeniser: built from its spec and, for sentencepiece, trained on the corpus (`corpus.fit_pretokenizer`);
3. corpus: read and encoded as word ids, or taken from its cache (`corpus.encode_corpus`);
4. subwords: every vocabulary word's rows computed once, rows kept only for used buckets
   (`subwords.subword_table`, `subwords.compact_buckets`);
5. the loop (`loop.TrainingRun`): Hogwild threads (`loop`) or, by default on CUDA, the device loop
   (`device_loop`), with progress and checkpoints;
6. the `Model`, its config recording every option and semantic choice.

Under torchrun (`distributed`), rank 0 runs phases 1-4 and sends the result to every rank; each rank then runs
phase 5 on its share of the corpus, the ranks' matrices merged on a schedule, and every rank returns the model
(the command line saves rank 0's).
"""

from __future__ import annotations

import os
import time

import numpy as np
import torch

from .. import pretokenizers
from ..corpus import EncodedCorpus, check_text, encode_with_progress, fit_pretokenizer
from ..environment import available_cores
from ..errors import CorpusError, UsageError
from ..model import Model
from ..progress import Progress
from ..subwords import DEFAULT_BUCKET, SubwordScheme, compact_buckets, subword_table
from ..validate import positive_int
from ..vocab import NEGATIVE_EXPONENT, Vocabulary
from . import distributed
from . import loop as loops  # its constants read at run time, so that benchmarks/bench_ablation.py can patch them
from .options import LOOPS, TRAINING_OPTIONS, check_options


# Long for its signature and docstring, which document every keyword of the public contract (GUIDE §2); the
# code is the six phases of the module docstring.
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
    bucket: int = DEFAULT_BUCKET,
    lr: float = 0.05,
    sample: float = 1e-4,
    threads: int | None = None,
    device: str = "cpu",
    seed: int = 0,
    progress: bool = True,
    column: str | int | None = None,
    model: str = "skipgram",
    loss: str = "ns",
    checkpoint: str | None = None,
    checkpoint_every: float | None = None,
    resume: bool = False,
    pretokenizer="whitespace",
    table_rows: int | None = None,
    hash_count: int | None = None,
    loop: str | None = None,
    batch_size: int | None = None,
    allow_binary: bool = False,
) -> Model:
    """Train subword word vectors on a Korean corpus.

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
    table_rows : int, optional
        Bloom hashing, as floret does (`kofasttext.subwords`): words and n-grams share one table of this many
        rows and no word has a row of its own; ``bucket`` is then not used. Small models (50K-500K rows)
        that `Model.save_floret` writes for spaCy.
    hash_count : int, optional
        With ``table_rows``: rows each word and n-gram is hashed to, 1-4 (default `DEFAULT_HASH_COUNT`).
    loop : {"hogwild", "device"}, optional
        How minibatches are made (`LOOPS`): ``"hogwild"``, worker threads on the host (the default on the CPU),
        or ``"device"``, everything drawn and trained on the device with no host round trip per minibatch (the
        default on ``cuda``; on the CPU one worker whose torch operations use ``threads``).
    batch_size : int, optional
        Centre words per minibatch (default 1024 in either loop; a small corpus
        gets fewer, so that an epoch has at least 256 minibatches). Larger is faster and less exact: a
        minibatch's updates are all computed from the matrices as they were at its start.
    threads : int, optional
        Worker threads (default: the cores this process may use; under torchrun, those cores shared among the
        machine's ranks), and the worker processes that read a large plain-text corpus (`corpus.parallel`). With
        ``threads=1`` a seed gives bit-identical vectors on every run; with more,
        the interleaving of updates varies, and so do results, within noise.
    device : {"cpu", "cuda"}
        Where the matrices live.
    seed : int
        Seeds initialisation, subsampling, windows and negatives.
    progress : bool
        Show a progress line on stderr.
    column : str or int, optional
        Text column of a ``.tsv`` corpus.
    model : {"skipgram", "cbow"}
        Skip-gram (the centre word predicts its context) or CBOW (the mean of the
        context predicts the centre word).
    loss : {"ns", "hs"}
        Negative sampling (``neg`` random words per prediction), or hierarchical softmax: a Huffman tree
        over the vocabulary, one logistic regression per node of the target's path, no negatives (``neg``
        must stay at its default). Not for a distributed (torchrun) run.
    checkpoint : str, optional
        File to save a usable model to every ``checkpoint_every`` minutes and on
        Ctrl-C (atomically; it loads with `kofasttext.load`).
    checkpoint_every : float, optional
        Minutes between checkpoints (default: only on Ctrl-C).
    resume : bool
        Continue the run saved in ``checkpoint`` to the same end, with the same lr
        schedule and the options stored in it (the other options given here are
        not used, except ``threads``, ``device`` and ``progress``); the
        pretokeniser is the checkpoint's, a sentencepiece model included.
    pretokenizer : str or dict
        What counts as a word (`kofasttext.pretokenizers`): ``"whitespace"``
        (default), ``"kiwi"``, ``"kiwi:tags"``, ``"kiwi:join"``,
        ``"sentencepiece"``, ``"sentencepiece:bpe,subwords,vocab=16000"``, ...
        Stored in the model, so its queries cut text the same way. A
        sentencepiece model is trained on the corpus first and stored in the model.
    allow_binary : bool
        Train on a file whose start is not text too (`kofasttext.corpus.check_text`: more than one character in
        five of its first MiB a control character or an invalid UTF-8 byte); by default such a file is refused
        with a `CorpusError`, since what it trains is noise.

    Returns
    -------
    Model

    Examples
    --------
    >>> import kofasttext as kft
    >>> model = kft.train("corpora/demo_ko.txt", epoch=30, min_count=2, sample=1e-3, bucket=200_000,
    ...                   threads=1, progress=False)  # doctest: +SKIP
    >>> model.most_similar("몰랐겠지", topn=3)  # doctest: +SKIP
    [('몰랐던', 0.844), ('몰랐다니', 0.785), ('뜻인지', 0.765)]
    """
    if threads is not None:
        threads = positive_int(threads, "threads")
    if checkpoint_every is not None and not checkpoint_every > 0:
        raise UsageError(f"checkpoint_every must be a positive number of minutes, got {checkpoint_every!r}")
    if (resume or checkpoint_every) and not checkpoint:
        raise UsageError("resume and checkpoint_every need a checkpoint file")
    torch_device = _device(device)
    loop_name = loop or ("device" if torch_device.type == "cuda" else "hogwild")
    if loop_name not in LOOPS:
        raise UsageError(f"unknown loop {loop!r}; choose {' or '.join(LOOPS)}")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "batch_size")
    if loss == "hs" and not resume and distributed.requested():  # refused before any rank joins the group
        raise UsageError("loss hs is not for distributed training (the ranks' merges know word rows, not tree nodes)")
    group = distributed.Group.from_environment(torch_device)  # None unless torchrun started this process
    world_size = 1 if group is None else group.world_size
    if group is not None:
        torch_device = group.device
        threads = threads or max(1, available_cores() // int(os.environ.get("LOCAL_WORLD_SIZE", world_size)))
    cores = threads or available_cores()
    workers = 1 if torch_device.type == "cuda" or loop_name == "device" else cores
    bar = Progress(progress and (group is None or group.rank == 0))
    started = time.monotonic()

    def prepare() -> tuple[dict, dict, dict]:
        """Phases 1-4 and the chunk plan, on one process (rank 0 of a distributed run): ``(meta, arrays, local)``,
        what every rank needs (JSON-able, and numpy arrays) and what stays here (the checkpoint, the pretokeniser)."""
        if resume:
            previous, options, pretokenizer_, scheme = _resumed(checkpoint, threads, world_size)
        else:
            previous = None
            options = dict(
                model=model, loss=loss, dim=dim, epoch=epoch, window=window, neg=neg, min_count=min_count, lr=lr,
                sample=sample, seed=seed,
            )
            check_options(options)
            pretokenizer_ = pretokenizers.create(pretokenizer, workers=threads)
            scheme = _scheme(subwords, minn, maxn, bucket, table_rows, hash_count)
        if not allow_binary:
            check_text(corpus_path)
        pretokenizer_ = fit_pretokenizer(pretokenizer_, corpus_path, column, options["seed"], bar)
        scheme = scheme.with_extra(pretokenizer_.extra_subwords)
        corpus = encode_with_progress(corpus_path, options["min_count"], column, pretokenizer_, bar, workers=cores)
        if previous is not None and previous.words != corpus.vocab.words:
            raise CorpusError(f"{corpus_path} is not the corpus {checkpoint} was trained on (its vocabulary differs)")
        end_of_lines = loops.end_of_line_count(corpus)
        if previous is not None and options["loss"] == "hs" and (
            not np.array_equal(previous.vocab.counts, corpus.vocab.counts)
            or previous.config.get("end_of_line_count", end_of_lines) != end_of_lines
        ):  # the counts make the tree whose nodes the checkpoint's output rows are
            raise CorpusError(f"{corpus_path} is not the corpus {checkpoint} was trained on (its word counts differ)")
        offsets, rows = subword_table(corpus.vocab.words, scheme)
        rows, used_buckets = compact_buckets(rows, scheme.first_bucket_row(len(corpus.vocab)))
        config = {
            **scheme.to_config(),
            **options,
            "pretokenizer": pretokenizer_.to_config(),
            "end_of_line_token": loops.END_OF_LINE,  # lines ended with fastText's </s> in training (not a word of the model)
            "word_vector": "sum",
            "corpus": os.path.basename(corpus_path),
            "corpus_lines": corpus.stats.lines,
            "corpus_tokens": corpus.stats.tokens,
        }
        if options["loss"] == "ns":
            config["negative_exponent"] = NEGATIVE_EXPONENT
            config["negative_draw"] = list(loops.NEGATIVE_DRAWS[options["model"]])  # [centres sharing a draw, negatives / neg]
            if options["model"] == "skipgram":
                # An own row's step over an n-gram row's; a centre scored as n^-a * sum. A resumed run keeps the rules
                # its checkpoint was trained with (one written before a rule existed was trained without it).
                if previous is None:
                    config["own_row_rate"] = loops.own_row_rate(options, scheme)
                    config["row_scale_exponent"] = loops.row_scale_exponent(options, scheme)
                else:
                    config["own_row_rate"] = previous.config.get("own_row_rate", 1.0)
                    config["row_scale_exponent"] = previous.config.get("row_scale_exponent", 0.0)
        elif loops.END_OF_LINE:  # hs: </s>'s count, its leaf in the tree (interop.fasttext_bin rebuilds the tree)
            config["end_of_line_count"] = end_of_lines
        if group is not None:
            config["distributed"] = distributed.schedule_config(group, distributed.SyncSchedule())
        chunks = loops.chunk_plan(len(corpus.tokens), workers * world_size, previous, loop_name)
        meta = {"config": config, "words": corpus.vocab.words, "chunks": chunks}
        arrays = {
            "tokens": corpus.tokens, "line_starts": corpus.line_starts, "counts": corpus.vocab.counts,
            "offsets": offsets, "rows": rows, "used_buckets": used_buckets,
            **{f"pretokenizer/{name}": array for name, array in pretokenizer_.arrays().items()},
        }
        return meta, arrays, {"previous": previous, "pretokenizer": pretokenizer_}

    meta, arrays, local = prepare() if group is None else _shared(group, prepare)
    previous, pretokenizer, config = local["previous"], local["pretokenizer"], meta["config"]
    corpus = EncodedCorpus(arrays["tokens"], arrays["line_starts"], Vocabulary(meta["words"], arrays["counts"]), None)
    if pretokenizer is None:  # a rank other than 0 rebuilds rank 0's (a trained sentencepiece model too)
        trained = {name.split("/", 1)[1]: a for name, a in arrays.items() if name.startswith("pretokenizer/")}
        pretokenizer = pretokenizers.from_config(config["pretokenizer"], trained, threads)
    run = loops.TrainingRun(
        corpus, arrays["offsets"], arrays["rows"], arrays["used_buckets"], config, workers, torch_device, bar, previous,
        pretokenizer, share=(0, 1) if group is None else (group.rank, world_size), chunks=tuple(meta["chunks"]),
        loop=loop_name, batch_centres=batch_size, intra_op_threads=cores,
    )
    config["loop"] = {"name": loop_name, "batch_centres": run.plan.batch_centres}
    if group is not None:
        run.merging = distributed.Merging(group, distributed.SyncSchedule(), run)
        run.merging.share_start()
    # Parallelism comes from the workers; intra-op threads on top of them only
    # fight over the cores (an OpenMP pool spinning on a busy core is very slow).
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run.train(checkpoint, checkpoint_every)
    finally:
        torch.set_num_threads(previous_threads)
        bar.done()
        if group is not None:  # on failure too: a process left in its group aborts at exit (gloo's threads)
            group.close()
    config["train_seconds"] = round(time.monotonic() - started, 2)
    if group is not None:
        config["distributed"]["merges"] = run.merging.summary()
    return run.model(config)


def _shared(group, prepare) -> tuple[dict, dict, dict]:
    """`prepare` on rank 0, its ``meta`` and ``arrays`` sent to every rank; ``local`` stays on rank 0."""
    local = {"previous": None, "pretokenizer": None}

    def prepare_on_rank_0():
        meta, arrays, kept = prepare()
        local.update(kept)
        return meta, arrays

    return (*group.share(prepare_on_rank_0), local)


#: Rows per entry when ``table_rows`` is given alone: spaCy's Korean floret vectors use 2.
DEFAULT_HASH_COUNT = 2


def _scheme(subwords: str, minn, maxn, bucket: int, table_rows: int | None, hash_count: int | None) -> SubwordScheme:
    if table_rows is None:
        if hash_count is not None:
            raise UsageError("hash_count is for Bloom hashing: give table_rows too (e.g. 200000)")
        return SubwordScheme.create(subwords, minn, maxn, bucket)
    if bucket != DEFAULT_BUCKET:
        raise UsageError("bucket and table_rows both size the n-gram rows: give one (table_rows for Bloom hashing)")
    table_rows = positive_int(table_rows, "table_rows")
    return SubwordScheme.create(subwords, minn, maxn, table_rows, DEFAULT_HASH_COUNT if hash_count is None else hash_count)


def _resumed(checkpoint: str, threads: int | None, world_size: int):
    """``(checkpoint model, options, pretokeniser, scheme)`` of the run a checkpoint continues."""
    previous = Model.load(checkpoint)
    if "checkpoint" not in previous.config:
        raise UsageError(f"{checkpoint} is a finished model, not a checkpoint to resume")
    saved_world = previous.config.get("distributed", {}).get("world_size", 1)
    if saved_world != world_size:
        raise UsageError(f"{checkpoint} was trained by {saved_world} process(es); resume it with {saved_world}, not {world_size}")
    options = {k: previous.config.get(k, "ns") if k == "loss" else previous.config[k] for k in TRAINING_OPTIONS}
    # The checkpoint's own pretokeniser (its trained sentencepiece model too): the same words again.
    pretokenizer = pretokenizers.from_config(previous.config.get("pretokenizer"), previous.pretokenizer.arrays(), threads)
    return previous, options, pretokenizer, SubwordScheme.from_config(previous.config)


def _device(name: str) -> torch.device:
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise UsageError(f"unknown device {name!r}; choose cpu or cuda")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("device cuda was asked for, but this torch build sees no CUDA GPU")
    return torch.device(name)
