"""SentencePiece pieces, from a piece model trained on the corpus itself.

`fit` trains a unigram (default) or BPE model on a seeded random sample of the
corpus lines (``sample``, default `DEFAULT_SAMPLE`), each line first cut by
`whitespace.split_words` and rejoined with single spaces, so punctuation runs
are never glued to words. The sample bounds the time, which grows with the
lines trained on (measured in ``benchmarks/RESULTS.md``, "SentencePiece:
training time"). SentencePiece's own
normalisation is off (``identity``): its default NFKC would turn the
compatibility jamo of ㅋㅋ into conjoining jamo; text is normalised with
`hangul.normalize` instead, as everywhere else. ``vocab`` is an upper bound
(``hard_vocab_limit`` off), so a small corpus gets the pieces it supports.

The trained model (a serialised protobuf, ~0.6 MB at 32K pieces) is stored in
the kofasttext model file as a ``uint8`` array (`MODEL_ARRAY`), so loading gives
back exactly the same bytes, and with them the same cutting.

Two uses, chosen with the spec:

* ``words`` (default): the pieces are the words the skip-gram model learns.
  SentencePiece marks a piece that starts a whitespace word with ``▁``; the mark
  is dropped (and a lone ``▁`` piece skipped), so the vocabulary holds readable
  strings -- ``영화`` at the start of a word and inside one are the same word --
  and ``model["영화"]`` finds it.
* ``subwords``: the words stay the whitespace words, and each word's pieces are
  added to its character n-grams as extra subwords, hashed into the same buckets
  (`subwords.SubwordScheme.extra`). A piece is written ``U+FDD1`` + piece, ``▁``
  kept: U+FDD1 is a noncharacter that `hangul.normalize` removes from all text,
  so a piece can never hash as the same string as a character n-gram, and the
  ``▁`` keeps a word-initial piece apart from the same piece inside a word. A
  word's pieces do not depend on its neighbours (SentencePiece never crosses
  whitespace), so the pieces of a query word are the ones it had in training.
"""

from __future__ import annotations

import hashlib
import io
import random
import threading
from collections.abc import Iterable, Iterator

import numpy as np

from ..environment import available_cores
from ..errors import CorpusError, UsageError
from ..validate import positive_int
from .base import Pretokenizer, check_options, missing_data
from .whitespace import split_words

MODEL_TYPES = ("unigram", "bpe")
USES = ("words", "subwords")
DEFAULT_VOCAB = 32_000
#: Lines sampled from the corpus to train the piece model: enough for 32K pieces, and it bounds the time.
DEFAULT_SAMPLE = 100_000
#: The model file array that holds the trained SentencePiece model.
MODEL_ARRAY = "pretokenizer_model"
#: SentencePiece's mark of a word-initial piece (U+2581).
WORD_START = "\u2581"
#: Written before a piece used as an extra subword; a noncharacter, never in normalised text.
PIECE_MARK = "\ufdd1"
#: Lines per call of the batched encoder in `split_many`: enough for its threads to share, a few MB of text.
ENCODE_BATCH = 8192


class SentencePiecePretokenizer(Pretokenizer):
    """Pieces of a SentencePiece model trained on the corpus, as words or as extra subwords.

    Parameters
    ----------
    model_type : {"unigram", "bpe"}
    use : {"words", "subwords"}
    vocab : int
        The most pieces the model may have.
    sample : int
        Corpus lines to train on.
    model : bytes, optional
        A trained SentencePiece model; without one the pretokeniser `needs_fit`.
    workers : int, optional
        Threads for training and batched encoding (default: the cores this process may use).

    Examples
    --------
    >>> pieces = SentencePiecePretokenizer(vocab=60).fit(["영화가 재밌었다", "영화 최고"] * 50)  # doctest: +SKIP
    >>> pieces.split("영화가 최고")  # doctest: +SKIP
    ['영화', '가', '최고']
    """

    name = "sentencepiece"

    def __init__(
        self,
        model_type: str = "unigram",
        use: str = "words",
        vocab: int = DEFAULT_VOCAB,
        sample: int = DEFAULT_SAMPLE,
        model: bytes | None = None,
        workers: int | None = None,
        missing: bool = False,
    ):
        if model_type not in MODEL_TYPES:
            raise UsageError(f"sentencepiece model type must be one of {', '.join(MODEL_TYPES)}, got {model_type!r}")
        if use not in USES:
            raise UsageError(f"sentencepiece use must be one of {', '.join(USES)}, got {use!r}")
        self.model_type, self.use = model_type, use
        self.vocab = positive_int(vocab, f"pretokenizer {self.name} option vocab", from_text=True)
        self.sample = positive_int(sample, f"pretokenizer {self.name} option sample", from_text=True)
        self.model = bytes(model) if model is not None else None
        self.workers = int(workers or available_cores())
        # A loaded model whose file lacks the piece model: fails on first use, not on load.
        self._missing = self.lacks_data = missing and model is None
        self._processor = None
        self._lock = threading.Lock()
        if use == "subwords":
            self.extra_subwords = self.pieces_of_word

    @property
    def needs_fit(self) -> bool:
        return self.model is None and not self._missing

    # -- training --------------------------------------------------------------------------
    def fit(self, lines: Iterable[str], seed: int = 0) -> SentencePiecePretokenizer:
        """Train the piece model on a seeded sample of ``lines``; returns a new, trained pretokeniser.

        Reservoir sampling keeps ``sample`` lines of the whole stream, each with the same chance, in one pass.
        """
        import sentencepiece

        rng = random.Random(seed)
        reservoir: list[str] = []
        seen = 0
        for line in lines:
            text = " ".join(split_words(line))
            if not text:
                continue
            seen += 1
            if len(reservoir) < self.sample:
                reservoir.append(text)
            else:
                slot = rng.randrange(seen)
                if slot < self.sample:
                    reservoir[slot] = text
        if not reservoir:
            raise CorpusError("the corpus has no words to train a sentencepiece model on")
        written = io.BytesIO()
        try:
            sentencepiece.SentencePieceTrainer.train(
                sentence_iterator=iter(reservoir),
                model_writer=written,
                model_type=self.model_type,
                vocab_size=self.vocab,
                hard_vocab_limit=False,  # vocab is a ceiling: a small corpus gets fewer pieces, not an error
                normalization_rule_name="identity",  # NFKC would rewrite ㅋㅋ; text is normalised already
                character_coverage=0.9995,
                input_sentence_size=0,  # the reservoir is the sample
                bos_id=-1,
                eos_id=-1,
                num_threads=self.workers,
                minloglevel=2,
            )
        except RuntimeError as error:  # SentencePiece reports bad input (e.g. too few characters) this way
            raise CorpusError(f"cannot train a sentencepiece model on this corpus: {error}") from None
        return SentencePiecePretokenizer(
            self.model_type, self.use, self.vocab, self.sample, written.getvalue(), workers=self.workers
        )

    # -- the trained model ------------------------------------------------------------------
    @property
    def processor(self):
        """The `sentencepiece.SentencePieceProcessor` of the trained model (loaded on first use)."""
        if self._processor is None:
            if self.model is None:
                if self._missing:
                    raise missing_data(self.name, "trained sentencepiece model")
                raise UsageError("this sentencepiece pretokenizer is not trained yet (fit it on a corpus first)")
            with self._lock:
                if self._processor is None:
                    import sentencepiece

                    self._processor = sentencepiece.SentencePieceProcessor(model_proto=self.model)
        return self._processor

    def pieces_of_word(self, word: str) -> list[str]:
        """The extra subwords of one (normalised) word: its pieces, each marked with `PIECE_MARK`.

        Examples
        --------
        >>> pieces.pieces_of_word("영화가")  # doctest: +SKIP
        ['\\ufdd1▁영화', '\\ufdd1가']
        """
        return [PIECE_MARK + piece for piece in self.processor.encode(word, out_type=str)]

    # -- splitting -------------------------------------------------------------------------
    def split(self, line: str) -> list[str]:
        words = split_words(line)
        if self.use == "subwords":
            return words
        return _piece_words(self.processor.encode(" ".join(words), out_type=str))

    def split_many(self, lines: Iterable[str]) -> Iterator[list[str]]:
        if self.use == "subwords":
            yield from map(split_words, lines)
            return
        processor = self.processor
        batch: list[str] = []
        for line in lines:
            batch.append(" ".join(split_words(line)))
            if len(batch) == ENCODE_BATCH:
                yield from map(_piece_words, processor.encode(batch, out_type=str, num_threads=self.workers))
                batch = []
        if batch:
            yield from map(_piece_words, processor.encode(batch, out_type=str, num_threads=self.workers))

    # -- description -----------------------------------------------------------------------
    def to_config(self) -> dict:
        config = {
            "name": self.name,
            "model_type": self.model_type,
            "use": self.use,
            "vocab": self.vocab,
            "sample": self.sample,
        }
        if self.model is not None:
            config["pieces"] = int(self.processor.get_piece_size())
            config["sha256"] = hashlib.sha256(self.model).hexdigest()
        return config

    def arrays(self) -> dict[str, np.ndarray]:
        if self.model is None:
            return {}
        return {MODEL_ARRAY: np.frombuffer(self.model, dtype=np.uint8)}

    @property
    def spec(self) -> str:
        options = [self.model_type] if self.model_type != "unigram" else []
        options += [self.use] if self.use != "words" else []
        options += [f"vocab={self.vocab}"] if self.vocab != DEFAULT_VOCAB else []
        options += [f"sample={self.sample}"] if self.sample != DEFAULT_SAMPLE else []
        return self.name + (":" + ",".join(options) if options else "")

    @property
    def key(self) -> str:
        # Two trainings with the same options can give different pieces (another corpus): the model is the key.
        return f"{self.spec}@{hashlib.sha256(self.model).hexdigest()[:16]}" if self.model is not None else self.spec

    @classmethod
    def from_options(cls, options: dict, workers: int | None = None) -> SentencePiecePretokenizer:
        check_options(cls.name, options, flags=MODEL_TYPES + USES, keys=("vocab", "sample"))
        types = [t for t in MODEL_TYPES if t in options]
        uses = [u for u in USES if u in options]
        for chosen, what in ((types, "model types"), (uses, "uses")):
            if len(chosen) > 1:
                raise UsageError(f"pretokenizer sentencepiece: choose one of the {what} {' or '.join(chosen)}")
        return cls(
            model_type=types[0] if types else "unigram",
            use=uses[0] if uses else "words",
            vocab=options.get("vocab", DEFAULT_VOCAB),
            sample=options.get("sample", DEFAULT_SAMPLE),
            workers=workers,
        )

    @classmethod
    def from_config(cls, config: dict, arrays: dict, workers: int | None = None, trained: bool = True):
        unknown = set(config) - {"name", "model_type", "use", "vocab", "sample", "pieces", "sha256"}
        if unknown:
            raise UsageError(f"unknown sentencepiece pretokenizer settings: {', '.join(sorted(unknown))}")
        stored = arrays.get(MODEL_ARRAY)
        model = np.asarray(stored, dtype=np.uint8).tobytes() if stored is not None else None
        if model is not None and "sha256" in config and hashlib.sha256(model).hexdigest() != config["sha256"]:
            raise UsageError("the stored sentencepiece model does not match its checksum")
        return cls(
            model_type=config.get("model_type", "unigram"),
            use=config.get("use", "words"),
            vocab=config.get("vocab", DEFAULT_VOCAB),
            sample=config.get("sample", DEFAULT_SAMPLE),
            model=model,
            workers=workers,
            missing=trained,
        )


def _piece_words(pieces: list[str]) -> list[str]:
    """Pieces as words: the word-start mark dropped, a piece that was only the mark skipped."""
    words = []
    for piece in pieces:
        word = piece.lstrip(WORD_START)
        if word:
            words.append(word)
    return words
