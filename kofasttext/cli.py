"""The ``kofasttext`` command line: one ``_add_<command>_parser`` and one ``_<command>`` function per command.

Every failure a user can cause ends with one line on stderr and a non-zero exit code, never a traceback;
``kofasttext COMMAND --help`` shows every option with its default.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import KofasttextError, TrainingInterrupted, UsageError
from .pretokenizers import NAMES as PRETOKENIZERS
from .subwords import DEFAULT_BUCKET, MAX_HASH_COUNT, SCHEMES
from .training.options import LOOPS, LOSSES, MODELS
from .validate import positive_int


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message}\n")


class _HelpWithDefaults(argparse.HelpFormatter):
    """Appends ``(default: X)`` to every option whose default is a value; an option whose default is "not
    given" (None, or off for a flag) says in its own help what happens then."""

    def _get_help_string(self, action):
        text = action.help or ""
        unset = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if "%(default)" in text or unset or not action.option_strings:
            return text
        return text + (" " if text else "") + "(default: %(default)s)"


def _lengths(text: str):
    """``--minn 3`` -> 3; ``--minn 2,3`` -> (2, 3) for the hybrid scheme."""
    try:
        parts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or two like 2,3; got {text!r}") from None
    if len(parts) in (1, 2):
        return parts[0] if len(parts) == 1 else tuple(parts)
    raise argparse.ArgumentTypeError(f"expected a number or two like 2,3; got {text!r}")


def _positive_int(text: str) -> int:
    try:
        return positive_int(text, "the value", from_text=True)
    except UsageError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None


def _count(text: str) -> int:
    """A whole number, 0 allowed."""
    try:
        return positive_int(text, "the value", from_text=True, zero_allowed=True)
    except UsageError:
        raise argparse.ArgumentTypeError(f"expected 0 or a positive integer, got {text!r}") from None


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kofasttext", description="Korean subword word vectors.", formatter_class=_HelpWithDefaults)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (
        _add_train_parser,
        _add_neighbors_parser,
        _add_analogy_parser,
        _add_vector_parser,
        _add_eval_parser,
        _add_export_parser,
        _add_compress_parser,
        _add_classify_parser,
        _add_corpus_parser,
        _add_demo_parser,
        _add_serve_parser,
        _add_index_parser,
        _add_search_parser,
    ):
        add(commands)
    return parser


def _command(commands, name: str, help: str) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=help, description=help, formatter_class=_HelpWithDefaults)


_ALLOW_BINARY_HELP = (
    "read a file whose start is not text (over 1 in 5 characters of its first MiB control characters or invalid "
    "UTF-8), which is refused otherwise"
)


def _add_train_parser(commands) -> None:
    train = _command(commands, "train", "train vectors on a corpus")
    train.add_argument("corpus", help=".txt, .txt.gz, or .tsv (with --column)")
    train.add_argument("-o", "--output", required=True, help="model file to write")
    train.add_argument("--subwords", default="jamo", choices=SCHEMES, help="what a word's n-grams are made of")
    train.add_argument("--minn", type=_lengths, help="shortest n-gram (default: syllable 2, jamo 3; hybrid: both, as 2,3)")
    train.add_argument("--maxn", type=_lengths, help="longest n-gram (default: syllable 4, jamo 6; hybrid: both, as 4,6)")
    train.add_argument("--dim", type=_positive_int, default=100, help="vector length")
    train.add_argument("--epoch", type=_positive_int, help="passes over the corpus (default: 5; glove: 25 over its counts)")
    train.add_argument("--window", type=_positive_int, help="most context words on each side (default: 5; 10 with --model glove)")
    train.add_argument("--neg", type=_positive_int, default=5, help="negatives per prediction")
    train.add_argument("--min-count", type=_positive_int, default=5, help="rarer words are dropped")
    train.add_argument("--bucket", type=_positive_int, default=DEFAULT_BUCKET, help="hash buckets for n-grams")
    train.add_argument(
        "--table-rows",
        type=_positive_int,
        metavar="N",
        help="Bloom hashing as floret does: words and n-grams share one table of N rows (default: off)",
    )
    train.add_argument(
        "--hash-count",
        type=int,
        choices=range(1, MAX_HASH_COUNT + 1),
        metavar="K",
        help=f"with --table-rows: rows per word and n-gram, 1-{MAX_HASH_COUNT} (default 2)",
    )
    train.add_argument("--lr", type=float, default=0.05, help="learning rate at the start (falls linearly to 0)")
    train.add_argument("--sample", type=float, default=1e-4, help="subsampling threshold (0: keep every token)")
    train.add_argument(
        "--threads",
        type=_positive_int,
        help="worker threads, and processes reading a large corpus (default: the cores this process may use)",
    )
    train.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="where the matrices live")
    train.add_argument(
        "--loop",
        choices=LOOPS,
        help="hogwild: threads prepare minibatches on the host (CPU default); device: one worker draws and trains "
        "everything on the device, no per-minibatch sync (CUDA default)",
    )
    train.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="CENTRES",
        help="centre words per minibatch (default: 1024, fewer on a small corpus; larger diverged at lr 0.05)",
    )
    train.add_argument("--seed", type=int, default=0, help="seeds initialisation, subsampling, windows and negatives")
    train.add_argument(
        "--model",
        default="skipgram",
        choices=MODELS,
        help="skip-gram, CBOW, or GloVe (least squares on 1/d-weighted co-occurrence counts, AdaGrad; --subwords "
        "none is plain GloVe; --neg, --loss, --sample, --loop, --device cuda, Bloom hashing and checkpoints do not apply)",
    )
    train.add_argument(
        "--loss",
        default="ns",
        choices=LOSSES,
        help="skip-gram and CBOW: ns, negative sampling (--neg random words per prediction); hs, hierarchical softmax "
        "(a Huffman tree over the vocabulary, no negatives: for a small vocabulary or a few dominant words; not with "
        "torchrun)",
    )
    train.add_argument("--x-max", type=float, help="glove: counts at or above this weigh 1 (default 100)")
    train.add_argument("--alpha", type=float, help="glove: exponent of the weight (x / x_max) ** alpha (default 0.75)")
    train.add_argument("--column", help="text column of a .tsv corpus (name or 0-based index)")
    train.add_argument(
        "--pretokenizer",
        default="whitespace",
        metavar="SPEC",
        help=f"what a word is, one of {', '.join(PRETOKENIZERS)} with options: "
        "kiwi[:join][,tags][,context]; sentencepiece[:bpe][,subwords][,vocab=N]",
    )
    train.add_argument(
        "--checkpoint-every",
        type=float,
        metavar="MINUTES",
        help="save OUTPUT.checkpoint this often (default: only on Ctrl-C)",
    )
    train.add_argument("--resume", action="store_true", help="continue the run saved in OUTPUT.checkpoint")
    train.add_argument("--allow-binary", action="store_true", help=_ALLOW_BINARY_HELP)
    train.add_argument("--quiet", action="store_true", help="no progress output")


def _add_neighbors_parser(commands) -> None:
    neighbors = _command(commands, "neighbors", "nearest in-vocabulary words of any word")
    neighbors.add_argument("model")
    neighbors.add_argument("word")
    neighbors.add_argument("-k", type=_positive_int, default=10, help="neighbours to show")


def _add_analogy_parser(commands) -> None:
    analogy = _command(commands, "analogy", "A : B = C : ?  (B - A + C)")
    analogy.add_argument("model")
    analogy.add_argument("a")
    analogy.add_argument("b")
    analogy.add_argument("c")
    analogy.add_argument("-k", type=_positive_int, default=1, help="answers to show")


def _add_vector_parser(commands) -> None:
    vector = _command(commands, "vector", "print word vectors (fastText .vec lines)")
    vector.add_argument("model")
    vector.add_argument("words", nargs="+")


def _add_eval_parser(commands) -> None:
    evaluate = _command(commands, "eval", "OOV robustness, NSMC probe, WS353 and analogies of one or more models")
    evaluate.add_argument("models", nargs="+", metavar="MODEL")
    evaluate.add_argument("--data", help="data folder (default: $KOFASTTEXT_DATA, else ../shared/data)")
    evaluate.add_argument("--json", help="also write the report as JSON here")
    evaluate.add_argument("--plots", metavar="DIR", help="also write PNG plots here (measures, neighbourhoods)")
    evaluate.add_argument(
        "--exclude-corpus",
        action="append",
        metavar="CORPUS",
        help="OOV queries avoid every word of this training corpus (repeatable; default: DATA/nsmc/corpus.txt.gz)",
    )


EXPORT_FORMATS = {
    "fasttext": "a fastText .bin: fasttext.load_model, gensim's load_facebook_vectors (unseen words too)",
    "vec": "word2vec text (.vec): gensim's load_word2vec_format, spaCy's init vectors",
    "gensim": "word2vec binary: gensim's KeyedVectors.load_word2vec_format(OUT, binary=True)",
    "floret": "floret's table of a --table-rows model: spacy init vectors xx OUT DIR --mode floret (unseen words too)",
}

_JAMO_QUERY_HINT = "kofasttext.hangul.jamo_form(word)"


def _add_export_parser(commands) -> None:
    export = _command(commands, "export", "write a model in another program's format")
    export.add_argument("model")
    export.add_argument("-o", "--output", required=True, help="file to write")
    export.add_argument(
        "--format", required=True, choices=list(EXPORT_FORMATS), help="; ".join(f"{k}: {v}" for k, v in EXPORT_FORMATS.items())
    )
    export.add_argument(
        "--words", metavar="FILE", help="vec and gensim: also write these words (one per line), composed from subwords"
    )


def _add_compress_parser(commands) -> None:
    compress = _command(commands, "compress", "write a smaller model that answers the same queries (no further training)")
    compress.add_argument("model")
    compress.add_argument("-o", "--output", required=True, help="compressed model file to write (.kft)")
    compress.add_argument(
        "--max-size",
        help="choose the settings whose file fits, e.g. 10MB (10**6 bytes) or 25MiB; not with the options below",
    )
    compress.add_argument("--dtype", choices=["float32", "float16"], default="float32", help="storage of the rows")
    compress.add_argument(
        "--pq-subvectors", type=_positive_int, metavar="M", help="product-quantise the rows into M subvectors (M divides dim)"
    )
    compress.add_argument("--keep-words", type=_positive_int, metavar="N", help="keep the N most frequent words (default: all)")
    compress.add_argument("--seed", type=int, default=0, help="seed of the product quantisation's k-means")
    compress.add_argument("--quiet", action="store_true", help="no progress output")


def _add_classify_parser(commands) -> None:
    classify = _command(commands, "classify", "train or run a review classifier on a model's subwords")
    classify_commands = classify.add_subparsers(dest="classify_command", required=True, parser_class=_Parser)
    fit = _command(classify_commands, "train", "train a classifier on a labelled .tsv file")
    fit.add_argument(
        "--vectors",
        required=True,
        nargs="+",
        metavar="MODEL",
        help="kofasttext model whose subword rows start the classifier; several: members alternate over them",
    )
    fit.add_argument("--model", dest="old_model_option", help=argparse.SUPPRESS)  # renamed: a one-line hint
    fit.add_argument("--train", required=True, help=".tsv with a header, a text column and a label column")
    fit.add_argument("-o", "--output", required=True, help="classifier file to write")
    fit.add_argument("--test", help="also report accuracy on this .tsv")
    fit.add_argument("--text-column", default="document", help="column of the texts")
    fit.add_argument("--label-column", default="label", help="column of the labels")
    fit.add_argument(
        "--linear",
        action="store_true",
        help="logistic regression on review vectors (seconds; better below ~15,000 labelled texts) instead of the CNN",
    )
    fit.add_argument(
        "--with-linear",
        action="store_true",
        help="also fit the linear classifier on each --vectors model and mix it with the networks, its weight chosen "
        "on held-out texts (about +0.5 points on NSMC at 15,000 labelled texts)",
    )
    fit.add_argument(
        "--review-networks",
        type=_count,
        metavar="N",
        help="with --with-linear: feed-forward networks fitted on each model's review vectors beside its regression, "
        "mixed in with it (0: the regression alone; default: 2)",
    )
    fit.add_argument("--epochs", type=_positive_int, help="passes over the training file (default: 3)")
    fit.add_argument(
        "--schedule",
        choices=("constant", "linear"),
        default="constant",
        help="step sizes constant, or falling linearly to 0 over the fit (default: constant)",
    )
    fit.add_argument("--random-init", action="store_true", help="start from random rows (baseline), not the model's")
    fit.add_argument(
        "--members",
        type=_positive_int,
        help="networks fitted from seeds SEED, SEED+1, ... whose probabilities are averaged; each adds a fit's time "
        "(default: one per --vectors model)",
    )
    fit.add_argument("--seed", type=int, default=0, help="seeds initialisation, dropout and the held-out split")
    fit.add_argument("--quiet", action="store_true", help="no progress output")
    predict = _command(classify_commands, "predict", "label texts: label, probability and text per line")
    predict.add_argument("classifier")
    predict.add_argument("texts", nargs="*", metavar="TEXT")
    predict.add_argument("--input", help="a text file with one text per line, or a .tsv (with --text-column)")
    predict.add_argument("--text-column", help="text column of a .tsv --input")


def _add_corpus_parser(commands) -> None:
    corpus = _command(commands, "corpus", "download NSMC, or prepare one corpus from text files")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True, parser_class=_Parser)
    nsmc = _command(corpus_commands, "nsmc", "fetch the published NSMC split into DIR/nsmc/ (train, test, corpus)")
    nsmc.add_argument("--download", required=True, metavar="DIR", help="data folder; files go to DIR/nsmc/")
    nsmc.add_argument(
        "--url", metavar="BASE", help="folder URL of ratings_train.txt and ratings_test.txt (default: e9t/nsmc on GitHub)"
    )
    nsmc.add_argument("--force", action="store_true", help="replace existing DIR/nsmc files")
    nsmc.add_argument("--quiet", action="store_true", help="no progress output")
    prepare = _command(corpus_commands, "prepare", "normalise .txt/.gz/.jsonl files into one corpus")
    prepare.add_argument("sources", nargs="+", metavar="SOURCE", help="files or folders (searched recursively)")
    prepare.add_argument("-o", "--output", required=True, help="corpus to write (.txt, or .txt.gz to compress)")
    prepare.add_argument("--jsonl-field", default="text", help="text field of .jsonl records")
    prepare.add_argument("--min-chars", type=_positive_int, default=1, help="drop shorter lines")
    prepare.add_argument("--keep-duplicates", action="store_true", help="keep exact repeats of a line")
    prepare.add_argument("--allow-binary", action="store_true", help=_ALLOW_BINARY_HELP)
    prepare.add_argument("--quiet", action="store_true", help="no progress output")


def _add_demo_parser(commands) -> None:
    demo = _command(commands, "demo", "train on the bundled corpus and show unseen words' neighbours")
    demo.add_argument("-o", "--output", help="also save the demo model here")


def _port(text: str) -> int:
    if not (text.isdigit() and 0 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535 (0: any free port), got {text!r}")
    return int(text)


def _add_serve_parser(commands) -> None:
    serve = _command(commands, "serve", "a local web page and JSON API over one or more models (and document search)")
    serve.add_argument("models", nargs="+", metavar="MODEL", help="model files; the page compares them side by side")
    serve.add_argument("--index", help="a document index (kofasttext index) for /api/v1/search and the page's search box")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (any other than 127.0.0.1 opens it to others)")
    serve.add_argument("--port", type=_port, default=8000, help="TCP port")
    serve.add_argument(
        "--workers", type=_positive_int, default=1, help="processes answering requests (each loads the models; 2 on 2 cores)"
    )


def _add_index_parser(commands) -> None:
    index = _command(commands, "index", "embed one document per line (sentence vectors) for kofasttext search")
    index.add_argument("model")
    index.add_argument("documents", metavar="DOCS", help=".txt or .txt.gz, one document per line; or a .tsv (with --column)")
    index.add_argument("-o", "--output", required=True, help="index file to write")
    index.add_argument("--column", help="text column of a .tsv DOCS (name or 0-based index)")
    index.add_argument("--dtype", choices=["float16", "float32"], default="float16", help="storage of the vectors")
    index.add_argument("--quiet", action="store_true", help="no progress output")


def _add_search_parser(commands) -> None:
    search = _command(commands, "search", "documents of an index nearest to a text: score, line number, text")
    search.add_argument("index")
    search.add_argument("query")
    search.add_argument("-k", type=_positive_int, default=10, help="documents to show")
    search.add_argument("--model", help="the model the index was built with (default: the path the index records)")


def _check_output_path(path: str) -> None:
    """Fail before a long run, not after it."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"output {path} is a directory; give a file name")
    if not os.path.isdir(directory):
        raise UsageError(f"output directory does not exist: {directory}")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"output directory is not writable: {directory}")


#: Options of `kofasttext train` that GloVe has no use for, with their defaults: a value other than the
#: default is refused rather than silently ignored.
_NOT_FOR_GLOVE = {
    "neg": 5,
    "loss": "ns",
    "sample": 1e-4,
    "loop": None,
    "device": "cpu",
    "batch_size": None,
    "table_rows": None,
    "hash_count": None,
    "checkpoint_every": None,
    "resume": False,
}


def _train(args) -> None:
    from .training import train

    if args.model == "glove":
        return _train_glove(args)
    for name in ("x_max", "alpha"):
        if getattr(args, name) is not None:
            raise UsageError(f"--{name.replace('_', '-')} is an option of --model glove")
    # Under torchrun only rank 0 reads the checkpoint and writes files (kofasttext.training.distributed).
    writer = int(os.environ.get("RANK", "0")) == 0
    checkpoint = args.output + ".checkpoint"
    if writer:
        _check_output_path(args.output)
        if args.resume and not os.path.exists(checkpoint):
            raise UsageError(f"no checkpoint to resume: {checkpoint} does not exist")
    model = train(
        args.corpus,
        subwords=args.subwords,
        dim=args.dim,
        epoch=args.epoch or 5,
        window=args.window or 5,
        neg=args.neg,
        min_count=args.min_count,
        minn=args.minn,
        maxn=args.maxn,
        bucket=args.bucket,
        lr=args.lr,
        sample=args.sample,
        threads=args.threads,
        device=args.device,
        loop=args.loop,
        batch_size=args.batch_size,
        seed=args.seed,
        progress=not args.quiet,
        column=args.column,
        model=args.model,
        loss=args.loss,
        checkpoint=checkpoint,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        pretokenizer=args.pretokenizer,
        table_rows=args.table_rows,
        hash_count=args.hash_count,
        allow_binary=args.allow_binary,
    )
    if not writer:
        return
    model.save(args.output)
    if os.path.exists(checkpoint):
        os.unlink(checkpoint)
    if not args.quiet:
        print(f"saved {args.output}: {len(model.words):,} words, dim {model.dim}", file=sys.stderr)


def _train_glove(args) -> None:
    from .training import train_glove

    for name, default in _NOT_FOR_GLOVE.items():
        if getattr(args, name) != default:
            raise UsageError(f"--{name.replace('_', '-')} does not apply to --model glove")
    _check_output_path(args.output)
    model = train_glove(
        args.corpus,
        dim=args.dim,
        window=args.window or 10,
        x_max=100.0 if args.x_max is None else args.x_max,
        alpha=0.75 if args.alpha is None else args.alpha,
        epoch=args.epoch or 25,
        lr=args.lr,
        min_count=args.min_count,
        subwords=args.subwords,
        minn=args.minn,
        maxn=args.maxn,
        bucket=args.bucket,
        threads=args.threads,
        seed=args.seed,
        progress=not args.quiet,
        column=args.column,
        pretokenizer=args.pretokenizer,
        allow_binary=args.allow_binary,
    )
    model.save(args.output)
    if not args.quiet:
        print(f"saved {args.output}: {len(model.words):,} words, dim {model.dim} (GloVe)", file=sys.stderr)


def _neighbors(args) -> None:
    from .loader import load
    from .queries import query_word

    model = load(args.model)
    word = query_word(args.word)
    has_subwords = model.config.get("subwords", "none") != "none"
    if not model.knows(word):
        why = "none of its subwords is known to this model" if has_subwords else "it is not in this model's vocabulary"
        raise UsageError(f"no neighbours for {word}: {why}")
    pairs = model.most_similar(word, topn=args.k)
    if word not in model and has_subwords:
        print(f"({word} is not in the vocabulary: its vector is the sum of its subwords)", file=sys.stderr)
    for neighbour, score in pairs:
        print(f"{neighbour}\t{score:.4f}")


def _analogy(args) -> None:
    from .loader import load

    for word, score in load(args.model).analogy(args.a, args.b, args.c, topn=args.k):
        print(f"{word}\t{score:.4f}")


def _vector(args) -> None:
    from .interop.vec import vec_line
    from .loader import load
    from .queries import query_word

    words = [query_word(word) for word in args.words]
    model = load(args.model)
    for word in words:
        if not model.knows(word):
            print(f"({word} has no known subword: its vector is zero or noise from shared hash buckets)", file=sys.stderr)
        print(vec_line(word, model.get_word_vector(word)))


def _word_list(path: str) -> list[str]:
    """The words of a file, one per line (blank lines skipped)."""
    from .corpus.read import ReadStats, iter_lines

    if not os.path.isfile(path):
        raise UsageError(f"--words: file not found: {path}")
    stats = ReadStats()
    words = [line.strip() for line in iter_lines(path, stats=stats) if line.strip()]
    if stats.invalid_utf8_lines:
        raise UsageError(f"--words: {path} is not UTF-8 text ({stats.invalid_utf8_lines:,} lines)")
    return words


def _export(args) -> None:
    from .loader import load
    from .model import Model

    _check_output_path(args.output)
    if args.words and args.format in ("fasttext", "floret"):
        raise UsageError(f"--words is for --format vec and gensim: a {args.format} file composes any word itself")
    extra = _word_list(args.words) if args.words else []
    model = load(args.model)
    if not isinstance(model, Model):
        raise UsageError(f"{args.model} is not a subword model: only subword models export")
    if args.format == "fasttext":
        model.save_fasttext(args.output)
        buckets = model.scheme.bucket if model.scheme.name != "none" else 0
        print(f"wrote {args.output}: {len(model.words):,} words, {buckets:,} buckets")
        if model.pretokenizer.name != "whitespace":
            print(f"its words were cut by {model.pretokenizer.spec}: cut query text the same way (fastText cuts at spaces)")
        if model.scheme.name == "jamo":
            print(
                "a jamo model: fastText and gensim look words up in jamo form, e.g. "
                f"ft.get_word_vector({_JAMO_QUERY_HINT}); its words print in that form "
                "(kofasttext.hangul.from_jamo turns them back)"
            )
        return
    if args.format == "floret":
        model.save_floret(args.output)
        print(f"wrote {args.output}: a table of {model.scheme.bucket:,} rows, hash_count {model.scheme.hash_count}")
        print(f"load it in spaCy with: spacy init vectors xx {args.output} DIR --mode floret")
        if model.scheme.name == "jamo":
            print(f"a jamo model: spaCy looks words up in jamo form, e.g. nlp.vocab[{_JAMO_QUERY_HINT}].vector")
        return
    zero = model.save_vec(args.output, extra, binary=args.format == "gensim")
    print(f"wrote {args.output}: {len(model.words):,} vocabulary words and {len(set(extra) - set(model.words)):,} more")
    if zero:
        print(f"{zero:,} of the --words have no known subword: their vectors are zero", file=sys.stderr)


def _compress(args) -> None:
    from .compression import compress, parse_size
    from .loader import load
    from .model import Model

    _check_output_path(args.output)
    max_size = parse_size(args.max_size) if args.max_size else None
    model = load(args.model)
    if not isinstance(model, Model):
        raise UsageError(f"{args.model} is not a subword model: only subword models compress")
    small = compress(model, args.dtype, args.pq_subvectors, args.keep_words, max_size, seed=args.seed, progress=not args.quiet)
    small.save(args.output)
    settings = small.config["compression"]
    encoding = f"PQ {settings['pq_subvectors']} subvectors" if settings["pq_subvectors"] else settings["dtype"]
    print(
        f"wrote {args.output}: {os.path.getsize(args.output):,} bytes ({encoding}, {settings['kept_words']:,} of "
        f"{settings['source_words']:,} words, {len(small.input_matrix):,} rows)"
    )


def _eval(args) -> None:
    from .environment import data_dir
    from .evaluate import WordVectors
    from .evaluate.report import evaluate_all, markdown_table
    from .files import atomic_write
    from .loader import load

    data = data_dir(args.data)  # fail before loading models
    if args.json:
        _check_output_path(args.json)
    if args.plots and os.path.exists(args.plots) and not os.path.isdir(args.plots):
        raise UsageError(f"--plots {args.plots} is a file; give a folder")
    for corpus in args.exclude_corpus or ():
        if not os.path.isfile(corpus):
            raise UsageError(f"--exclude-corpus: corpus not found: {corpus}")
    named = {}
    for path in args.models:
        name = os.path.basename(path)
        while name in named:
            name += "'"
        named[name] = WordVectors.from_model(load(path), name)
    report = evaluate_all(named, data, exclude_corpora=args.exclude_corpus, log=_to_stderr)
    print(markdown_table(report))
    if args.json:
        with atomic_write(args.json) as out:
            out.write(json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"))
    if args.plots:
        from .evaluate.plots import write_plots

        paths = write_plots(report, named, args.plots)
        print(f"plots: {', '.join(str(p) for p in paths)}", file=sys.stderr)


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _classify(args) -> None:
    from .classify import LinearClassifier, TextClassifier, load_classifier, read_labelled
    from .corpus import check_text, iter_lines

    if args.classify_command == "predict":
        if bool(args.texts) == bool(args.input):
            raise UsageError("give texts to classify or --input FILE (one of the two)")
        classifier = load_classifier(args.classifier)
        if args.input:
            check_text(args.input)
        texts = args.texts or list(iter_lines(args.input, column=args.text_column))
        for text, label, probability in zip(texts, *classifier.predict_with_probability(texts)):
            print(f"{label}\t{probability:.4f}\t{text}")
        return
    from .loader import load

    if args.old_model_option is not None:
        raise UsageError("classify train takes the word vectors as --vectors MODEL (it was --model)")
    if args.linear and (args.random_init or args.epochs or args.members or args.schedule != "constant" or args.with_linear):
        raise UsageError(
            "--linear fits no network: --random-init, --epochs, --members, --schedule and --with-linear do not apply"
        )
    if args.review_networks is not None and not args.with_linear:
        raise UsageError("--review-networks goes with --with-linear (the networks are part of its mix)")
    if args.with_linear and args.random_init:
        raise UsageError("--with-linear reads the pretrained vectors: it does not go with --random-init")
    if args.linear and len(args.vectors) > 1:
        raise UsageError("--linear takes one model (--vectors MODEL)")
    _check_output_path(args.output)
    texts, labels = read_labelled(args.train, args.text_column, args.label_column)
    test = read_labelled(args.test, args.text_column, args.label_column) if args.test else None
    if args.linear:
        classifier = LinearClassifier(load(args.vectors[0]), seed=args.seed).fit(texts, labels)
    else:
        members = args.members or len(args.vectors)
        settings = {
            "pretrained": not args.random_init,
            "seed": args.seed,
            "members": members,
            "schedule": args.schedule,
            "linear": args.with_linear,
        }
        if args.review_networks is not None:
            settings["review_networks"] = args.review_networks
        if args.epochs:
            settings["epochs"] = args.epochs
        models = [load(path) for path in args.vectors]
        classifier = TextClassifier(models, **settings).fit(texts, labels, progress=not args.quiet)
    classifier.save(args.output)
    held_out, how = classifier.holdout_accuracy, "cross-validated" if args.linear else "held-out"
    print(f"saved {args.output}" + (f" ({how} accuracy {100 * held_out:.2f}%)" if held_out is not None else ""))
    if test:
        print(f"test accuracy {100 * classifier.score(*test):.2f}% on {len(test[0]):,} texts of {args.test}")


def _corpus(args) -> None:
    if args.corpus_command == "nsmc":
        from .datasets import nsmc

        counts = nsmc.download_nsmc(
            args.download, base_url=args.url or nsmc.NSMC_BASE_URL, progress=not args.quiet, overwrite=args.force
        )
        for key in ("train", "test"):
            found = counts[key]
            print(f"{counts['directory']}/{key}.tsv: {found['kept']:,} reviews ({found['dropped']:,} empty dropped)")
        print(f"{counts['directory']}/corpus.txt.gz: {counts['corpus']['lines']:,} lines (train reviews only)")
        return
    from .corpus import prepare_corpus

    stats = prepare_corpus(
        args.sources,
        args.output,
        progress=not args.quiet,
        jsonl_field=args.jsonl_field,
        min_chars=args.min_chars,
        dedupe=not args.keep_duplicates,
        allow_binary=args.allow_binary,
    )
    print(
        f"{args.output}: {stats.lines_out:,} lines from {stats.files} file{'s' if stats.files != 1 else ''} "
        f"({stats.lines_in:,} read, {stats.duplicates:,} duplicates and {stats.short:,} empty or short dropped)"
    )


def _demo(args) -> None:
    from .demo import run_demo

    if args.output:
        _check_output_path(args.output)
    run_demo(args.output)


def _serve(args) -> None:
    import importlib.util

    missing = [name for name in ("starlette", "uvicorn", "threadpoolctl") if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"serve needs {', '.join(missing)}: pip install 'kofasttext[serve]'")
    from .serve.catalog import Catalog
    from .serve.server import bind, serve, serve_workers

    listener = bind(args.host, args.port)  # a port in use fails now, not after loading the models
    try:
        catalog = Catalog.open(args.models, args.index, warm=args.workers == 1)  # checks every file
        if args.workers == 1:
            serve(catalog, listener, log=_to_stderr)
        else:
            del catalog  # each worker process loads its own
            serve_workers(args.models, args.index, listener, args.workers, log=_to_stderr)
    finally:
        listener.close()


def _index(args) -> None:
    import time

    from .corpus import ReadStats, iter_lines
    from .loader import load
    from .progress import Progress
    from .search import build_index

    _check_output_path(args.output)
    if not os.path.isfile(args.documents):
        raise UsageError(f"documents not found: {args.documents}")
    model = load(args.model)
    stats = ReadStats()
    bar = Progress(not args.quiet)
    started = time.monotonic()

    def log(done: int) -> None:
        bar.update(f"embedded {done:,} documents ({done / max(time.monotonic() - started, 1e-9):,.0f}/s)")

    documents = iter_lines(args.documents, column=args.column, stats=stats)
    index = build_index(model, documents, dtype=args.dtype, model_path=args.model, source=args.documents, log=log)
    bar.done()
    index.save(args.output)
    seconds = index.config["embed_seconds"]
    print(
        f"wrote {args.output}: {len(index):,} documents, dim {index.dim}, {args.dtype}, embedded in {seconds:.1f} s "
        f"({len(index) / max(seconds, 1e-9):,.0f} documents/s)"
    )
    if stats.invalid_utf8_lines:
        print(f"{stats.invalid_utf8_lines:,} lines of {args.documents} had invalid UTF-8 (read as U+FFFD)", file=sys.stderr)


def _search(args) -> None:
    from .loader import load
    from .search import DocumentIndex

    index = DocumentIndex.load(args.index)
    model_path = args.model or index.model_path
    if not model_path or not os.path.isfile(model_path):
        raise UsageError(f"the index's model {model_path} is not there: give the model it was built with as --model")
    model = load(model_path)
    index.check_model(model)
    hits = index.search(model, args.query, k=args.k)
    if not hits:
        print(f"(no word of {args.query!r} has a vector in this model: nothing to compare)", file=sys.stderr)
    for hit in hits:
        print(f"{hit.score:.4f}\t{hit.document}\t{hit.text}")


_COMMANDS = {
    "train": _train,
    "neighbors": _neighbors,
    "analogy": _analogy,
    "vector": _vector,
    "eval": _eval,
    "export": _export,
    "compress": _compress,
    "classify": _classify,
    "corpus": _corpus,
    "demo": _demo,
    "serve": _serve,
    "index": _index,
    "search": _search,
}


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        _COMMANDS[args.command](args)
    except TrainingInterrupted as error:
        print(f"\nkofasttext: {error}", file=sys.stderr)
        return 130
    except KofasttextError as error:
        print(f"kofasttext: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nkofasttext: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `kofasttext vector ... | head`
        sys.stderr.close()
        return 0
    except MemoryError:
        print("kofasttext: error: out of memory (try a smaller --bucket or --dim)", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"kofasttext: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    return 0
