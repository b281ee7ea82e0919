"""From text files to what training reads.

- `read`: the text lines of a .txt, .txt.gz or .tsv column, streamed (`iter_lines`), and the check that a file
  is text at all (`check_text`);
- `encode`: the vocabulary and the corpus as one int32 array of word ids (`encode_corpus`), in one streaming
  read, and the pretokeniser fitted to a corpus when it learns from one (`fit_pretokenizer`);
- `parallel`: that read's decoding and splitting on worker processes, for a large plain-text corpus;
- `cache`: the encoded corpus kept beside the input and reused while nothing changed;
- `prepare`: many source files (.txt, .gz, .jsonl) into one normalised corpus (`prepare_corpus`).

Examples
--------
>>> from kofasttext.corpus import encode_corpus
>>> corpus = encode_corpus("corpora/demo_ko.txt", min_count=5)
>>> corpus.vocab.words[:3], corpus.tokens.dtype
(['.', ',', '너무'], dtype('int32'))
"""

from .encode import EncodedCorpus, encode_corpus, encode_with_progress, fit_pretokenizer
from .prepare import PrepareStats, fold_line, prepare_corpus
from .read import TSV_SUFFIXES, ReadStats, check_text, decode_line, iter_lines

__all__ = [
    "TSV_SUFFIXES",
    "EncodedCorpus",
    "PrepareStats",
    "ReadStats",
    "check_text",
    "decode_line",
    "encode_corpus",
    "encode_with_progress",
    "fit_pretokenizer",
    "fold_line",
    "iter_lines",
    "prepare_corpus",
]
