"""The ``kofasttext`` command line. Every failure a user can cause ends with one
line on stderr and a non-zero exit code, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys

from .corpus import iter_lines
from .errors import KofasttextError, TrainingInterrupted, UsageError
from .subwords import SCHEMES


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message}\n")


def _lengths(text: str):
    """``--minn 3`` -> 3; ``--minn 2,3`` -> (2, 3) for the hybrid scheme."""
    try:
        parts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or two like 2,3; got {text!r}") from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return tuple(parts)
    raise argparse.ArgumentTypeError(f"expected a number or two like 2,3; got {text!r}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kofasttext", description="Korean subword word vectors.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train vectors on a corpus")
    train.add_argument("corpus", help=".txt, .txt.gz, or .tsv (with --column)")
    train.add_argument("-o", "--output", required=True, help="model file to write")
    train.add_argument("--subwords", default="jamo", choices=SCHEMES)
    train.add_argument("--minn", type=_lengths, help="shortest n-gram (hybrid: syllable,jamo e.g. 2,3)")
    train.add_argument("--maxn", type=_lengths, help="longest n-gram (hybrid: syllable,jamo e.g. 4,6)")
    train.add_argument("--dim", type=_positive_int, default=100)
    train.add_argument("--epoch", type=_positive_int, default=5)
    train.add_argument("--window", type=_positive_int, default=5)
    train.add_argument("--neg", type=_positive_int, default=5)
    train.add_argument("--min-count", type=_positive_int, default=5)
    train.add_argument("--bucket", type=_positive_int, default=2_000_000)
    train.add_argument("--lr", type=float, default=0.05)
    train.add_argument("--sample", type=float, default=1e-4)
    train.add_argument("--threads", type=_positive_int, default=None)
    train.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--model", default="skipgram", choices=("skipgram", "cbow"))
    train.add_argument("--column", help="text column of a .tsv corpus (name or 0-based index)")
    train.add_argument(
        "--pretokenizer",
        default="whitespace",
        metavar="SPEC",
        help="what a word is: whitespace (default); kiwi[:join][,tags][,context]; sentencepiece[:bpe][,subwords][,vocab=N]",
    )
    train.add_argument(
        "--checkpoint-every", type=float, metavar="MINUTES", help="save OUTPUT.checkpoint this often (always on Ctrl-C)"
    )
    train.add_argument("--resume", action="store_true", help="continue the run saved in OUTPUT.checkpoint")
    train.add_argument("--quiet", action="store_true", help="no progress output")

    neighbors = commands.add_parser("neighbors", help="nearest in-vocabulary words of any word")
    neighbors.add_argument("model")
    neighbors.add_argument("word")
    neighbors.add_argument("-k", type=_positive_int, default=10)

    analogy = commands.add_parser("analogy", help="A : B = C : ?  (B - A + C)")
    analogy.add_argument("model")
    analogy.add_argument("a")
    analogy.add_argument("b")
    analogy.add_argument("c")
    analogy.add_argument("-k", type=_positive_int, default=1)

    vector = commands.add_parser("vector", help="print word vectors (fastText .vec lines)")
    vector.add_argument("model")
    vector.add_argument("words", nargs="+")

    evaluate = commands.add_parser("eval", help="OOV robustness, NSMC probe, WS353 and analogies of one or more models")
    evaluate.add_argument("models", nargs="+", metavar="MODEL")
    evaluate.add_argument("--data", help="data folder (default: $KOFASTTEXT_DATA or ../shared/data)")
    evaluate.add_argument("--json", help="also write the report as JSON here")
    evaluate.add_argument("--plots", metavar="DIR", help="also write PNG plots here (measures, neighbourhoods)")
    evaluate.add_argument(
        "--exclude-corpus",
        action="append",
        metavar="CORPUS",
        help="OOV queries avoid every word of this training corpus (repeatable; default: DATA/nsmc/corpus.txt.gz)",
    )

    classify = commands.add_parser("classify", help="train or run a review classifier on a model's subwords")
    classify_commands = classify.add_subparsers(dest="classify_command", required=True, parser_class=_Parser)
    fit = classify_commands.add_parser("train", help="train a classifier on a labelled .tsv file")
    fit.add_argument("--model", required=True, help="kofasttext model whose subword rows start the classifier")
    fit.add_argument("--train", required=True, help=".tsv with a header, a text column and a label column")
    fit.add_argument("-o", "--output", required=True, help="classifier file to write")
    fit.add_argument("--test", help="also report accuracy on this .tsv")
    fit.add_argument("--text-column", default="document")
    fit.add_argument("--label-column", default="label")
    fit.add_argument("--epochs", type=_positive_int, default=None, help="passes over the training file")
    fit.add_argument("--random-init", action="store_true", help="start from random rows (baseline), not the model's")
    fit.add_argument("--seed", type=int, default=0)
    fit.add_argument("--quiet", action="store_true", help="no progress output")
    predict = classify_commands.add_parser("predict", help="label texts: label, probability and text per line")
    predict.add_argument("classifier")
    predict.add_argument("texts", nargs="*", metavar="TEXT")
    predict.add_argument("--input", help="a text file with one text per line, or a .tsv (with --text-column)")
    predict.add_argument("--text-column", help="text column of a .tsv --input")

    corpus = commands.add_parser("corpus", help="download NSMC, or prepare one corpus from text files")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True, parser_class=_Parser)
    nsmc = corpus_commands.add_parser("nsmc", help="fetch the published NSMC split into DIR/nsmc/ (train, test, corpus)")
    nsmc.add_argument("--download", required=True, metavar="DIR", help="data folder; files go to DIR/nsmc/")
    nsmc.add_argument("--url", metavar="BASE", help="folder URL of ratings_train.txt and ratings_test.txt (a mirror)")
    nsmc.add_argument("--force", action="store_true", help="replace existing DIR/nsmc files")
    nsmc.add_argument("--quiet", action="store_true", help="no progress output")
    prepare = corpus_commands.add_parser("prepare", help="normalise .txt/.gz/.jsonl files into one corpus")
    prepare.add_argument("sources", nargs="+", metavar="SOURCE", help="files or folders (searched recursively)")
    prepare.add_argument("-o", "--output", required=True, help="corpus to write (.txt, or .txt.gz to compress)")
    prepare.add_argument("--jsonl-field", default="text", help="text field of .jsonl records")
    prepare.add_argument("--min-chars", type=_positive_int, default=1, help="drop shorter lines")
    prepare.add_argument("--keep-duplicates", action="store_true", help="keep exact repeats of a line")
    prepare.add_argument("--quiet", action="store_true", help="no progress output")

    demo = commands.add_parser("demo", help="train on the bundled corpus and show unseen words' neighbours")
    demo.add_argument("-o", "--output", help="also save the demo model here")
    return parser


def _check_output_path(path: str) -> None:
    """Fail before a long training run, not after it."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"output {path} is a directory; give a file name")
    if not os.path.isdir(directory):
        raise UsageError(f"output directory does not exist: {directory}")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"output directory is not writable: {directory}")


def _train(args) -> None:
    from .trainer import train

    _check_output_path(args.output)
    checkpoint = args.output + ".checkpoint"
    if args.resume and not os.path.exists(checkpoint):
        raise UsageError(f"no checkpoint to resume: {checkpoint} does not exist")
    model = train(
        args.corpus,
        subwords=args.subwords,
        dim=args.dim,
        epoch=args.epoch,
        window=args.window,
        neg=args.neg,
        min_count=args.min_count,
        minn=args.minn,
        maxn=args.maxn,
        bucket=args.bucket,
        lr=args.lr,
        sample=args.sample,
        threads=args.threads,
        device=args.device,
        seed=args.seed,
        progress=not args.quiet,
        column=args.column,
        model=args.model,
        checkpoint=checkpoint,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        pretokenizer=args.pretokenizer,
    )
    model.save(args.output)
    if os.path.exists(checkpoint):
        os.unlink(checkpoint)
    if not args.quiet:
        print(f"saved {args.output}: {len(model.words):,} words, dim {model.dim}", file=sys.stderr)


def _print_neighbours(model, word: str, pairs) -> None:
    has_subwords = model.config.get("subwords", "none") != "none"
    if word not in model and has_subwords:
        print(f"({word} is not in the vocabulary: its vector is the sum of its subwords)", file=sys.stderr)
    if not pairs:
        why = "none of its subwords is known to this model" if has_subwords else "it is not in this model's vocabulary"
        print(f"(no vector for {word}: {why})", file=sys.stderr)
    for neighbour, score in pairs:
        print(f"{neighbour}\t{score:.4f}")


def _neighbors(args) -> None:
    from .model import load

    model = load(args.model)
    _print_neighbours(model, args.word, model.most_similar(args.word, topn=args.k))


def _analogy(args) -> None:
    from .model import load

    model = load(args.model)
    for word, score in model.analogy(args.a, args.b, args.c, topn=args.k):
        print(f"{word}\t{score:.4f}")


def _vector(args) -> None:
    from .model import load

    model = load(args.model)
    for word in args.words:
        values = " ".join(f"{v:.5g}" for v in model.get_word_vector(word))
        print(f"{word} {values}")


def _eval(args) -> None:
    import json

    from .evaluate import WordVectors, data_dir
    from .evaluate.report import evaluate_all, markdown_table
    from .model import load

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
    report = evaluate_all(named, data, exclude_corpora=args.exclude_corpus)
    print(markdown_table(report))
    if args.json:
        temporary = args.json + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(report, handle, ensure_ascii=False, indent=2)
        os.replace(temporary, args.json)
    if args.plots:
        from .evaluate.plots import write_plots

        paths = write_plots(report, named, args.plots)
        print(f"plots: {', '.join(str(p) for p in paths)}", file=sys.stderr)


def _classify(args) -> None:
    from .classifier import TextClassifier, read_labelled

    if args.classify_command == "predict":
        if bool(args.texts) == bool(args.input):
            raise UsageError("give texts to classify or --input FILE (one of the two)")
        classifier = TextClassifier.load(args.classifier)
        texts = args.texts or list(iter_lines(args.input, column=args.text_column))
        for text, label, probability in zip(texts, *classifier.predict_with_probability(texts)):
            print(f"{label}\t{probability:.4f}\t{text}")
        return
    from .model import load

    _check_output_path(args.output)
    texts, labels = read_labelled(args.train, args.text_column, args.label_column)
    test = read_labelled(args.test, args.text_column, args.label_column) if args.test else None
    settings = {"pretrained": not args.random_init, "seed": args.seed}
    if args.epochs:
        settings["epochs"] = args.epochs
    classifier = TextClassifier(load(args.model), **settings).fit(texts, labels, progress=not args.quiet)
    classifier.save(args.output)
    held_out = [epoch["holdout_accuracy"] for epoch in classifier.history if "holdout_accuracy" in epoch]
    print(f"saved {args.output}" + (f" (best held-out accuracy {100 * max(held_out):.2f}%)" if held_out else ""))
    if test:
        print(f"test accuracy {100 * classifier.score(*test):.2f}% on {len(test[0]):,} texts of {args.test}")


def _corpus(args) -> None:
    from . import corpora

    if args.corpus_command == "nsmc":
        counts = corpora.download_nsmc(
            args.download, base_url=args.url or corpora.NSMC_BASE_URL, progress=not args.quiet, overwrite=args.force
        )
        for key in ("train", "test"):
            found = counts[key]
            print(f"{counts['directory']}/{key}.tsv: {found['kept']:,} reviews ({found['dropped']:,} empty dropped)")
        print(f"{counts['directory']}/corpus.txt.gz: {counts['corpus']['lines']:,} lines (train reviews only)")
        return
    stats = corpora.prepare_corpus(
        args.sources,
        args.output,
        progress=not args.quiet,
        jsonl_field=args.jsonl_field,
        min_chars=args.min_chars,
        dedupe=not args.keep_duplicates,
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


_COMMANDS = {
    "train": _train,
    "neighbors": _neighbors,
    "analogy": _analogy,
    "vector": _vector,
    "eval": _eval,
    "classify": _classify,
    "corpus": _corpus,
    "demo": _demo,
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
