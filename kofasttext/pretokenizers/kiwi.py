"""Kiwi morphemes as words (kiwipiepy).

Three ways to turn Kiwi's analysis into words, chosen with spec options:

* forms (``kiwi``, the default): each morpheme's form, ``몰랐다`` -> ``모르``,
  ``었``, ``다``. Endings become words of their own and share rows across every
  verb; the stem 모르 is one word for all its conjugations.
* tags (``kiwi:tags``): ``form/TAG``, ``먹/VV``, so the noun 감 and the verb
  stem 감 (감다) are different words. Kiwi's irregular-conjugation marks
  (``VV-I``, ``VA-R``) are dropped from the tag: whether the analyser flagged a
  conjugation irregular is not a property of the morpheme, and keeping the mark
  would split one stem over two words.
* join (``kiwi:join``, combinable with ``tags``): a predicate stem (`STEM_TAGS`:
  VV, VA, VX, VCP, VCN, XSV, XSA) is glued to the endings (E*) that follow it
  without a space, written as the original text of that span (Kiwi's
  ``Token.start``/``len``), so ``몰랐다`` stays ``몰랐다`` (not 모르+었+다, whose
  forms would not spell it), while nouns and particles are split: ``영화가 재미있는
  줄 몰랐다`` -> ``영화``, ``가``, ``재미있는``, ``줄``, ``몰랐다``. A
  derivational suffix starts its own word (``공부하지`` -> ``공부``, ``하지``).
  Kiwi splits a stray final consonant typed onto a word (``했닼ㅋㅋ``: 하+었+다,
  then ``ᆿ`` as Z_CODA); a joined word drops it (``했다``), as the analysis does.

And one choice of context, also an option (combinable with the others):

* per eojeol (default): each distinct whitespace word (eojeol) is analysed
  once, on its own, and its words cached. The cut of an eojeol is then a
  function of the eojeol alone -- the same in every line of the corpus and in a
  query -- and a corpus costs one analysis per distinct eojeol instead of one
  per line (NSMC has 5.1M eojeols, 1.1M of them distinct).
* in context (``kiwi:context``): Kiwi analyses each line as a whole, so its
  language model can use the neighbouring words to settle an ambiguous one
  (``재미있는 줄 몰랐다``: 줄 is the bound noun NNB; alone it is 줄 "rope", NNG).
  It costs about 2.6 times the work, and models trained with either cut scored
  the same within noise (``benchmarks/RESULTS.md``, "Kiwi: per eojeol or in
  context"), so the per-eojeol cut is the default.

Every text is normalised (`hangul.normalize`, NUL read as space) before Kiwi
sees it, so a query is cut like the training text. A form that holds a space
(Kiwi's multi-word dictionary has names such as ``팀 로빈스``) becomes one word
per part, so no word ever contains whitespace.

`Kiwi` itself (seconds and a few hundred MB to start) is created on first use,
not when a model is loaded, and shared (`analyser`) by every Kiwi pretokeniser
of the process with the same number of threads (the modes differ only in what
is done with its tokens) and by the evaluator, so comparing three kiwi models
starts it once. `split_many` uses Kiwi's
multi-threaded batch API (``Kiwi(num_workers=N).tokenize(texts)``): per eojeol,
the new eojeols of each `EOJEOL_BATCH_LINES` lines go to it as one list; in
context, the whole stream of lines goes to it, which analyses them on ``N``
threads while the caller consumes results in order. (Grouping several lines
into one text per call changed nothing: the cost is the analysis itself.)
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator

from ..environment import available_cores
from ..errors import UsageError
from ..hangul import normalize, without_final
from .base import Pretokenizer, check_options

#: Tags of the predicate stems that `join` glues to their endings.
STEM_TAGS = frozenset({"VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA"})
#: Ending tags: pre-final, final, connective, nominalising, adnominalising.
ENDING_TAGS = frozenset({"EP", "EF", "EC", "ETN", "ETM"})
#: Kiwi's tag for a final consonant typed onto the last syllable (z_coda).
Z_CODA = "Z_CODA"

#: Per-eojeol cutting: lines read per batch, whose new eojeols are analysed together (on all threads), and the
#: most eojeols cached before the cache starts again: about 200 bytes each, so at most ~200 MB beside Kiwi's
#: own ~500 MB (NSMC has 1.1M distinct eojeols, 78% of them seen once).
EOJEOL_BATCH_LINES = 20_000
EOJEOL_CACHE_LIMIT = 1_000_000

_analysers: dict[int, object] = {}  # started Kiwi instances by thread count, shared (see the module docstring)
_analysers_lock = threading.Lock()


def analyser(workers: int | None = None):
    """The process's `kiwipiepy.Kiwi` for ``workers`` threads (default: the cores this process may use),
    started on the first call. Analyses and `Kiwi.join` do not depend on the thread count."""
    workers = int(workers or available_cores())
    with _analysers_lock:
        if workers not in _analysers:
            from kiwipiepy import Kiwi

            _analysers[workers] = Kiwi(num_workers=workers)
        return _analysers[workers]


def kiwi_version() -> str:
    """The installed kiwipiepy's version ("unknown" without one): another version may cut text differently,
    so it is part of every cache key of words cut by Kiwi."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kiwipiepy")
    except PackageNotFoundError:
        return "unknown"


def _base_tag(tag) -> str:
    # Kiwi writes irregular conjugations as VV-I / VA-R; the morpheme's tag is the part before the mark.
    return str(tag).split("-", 1)[0]


def _prepare(line: str) -> str:
    return normalize(line).replace("\x00", " ")


class KiwiPretokenizer(Pretokenizer):
    """Kiwi morphemes: forms, ``form/TAG``, or stems joined with their endings.

    Parameters
    ----------
    join : bool
        Glue each predicate stem to the endings that follow it (see the module docstring).
    tags : bool
        Write each word as ``word/TAG`` (a joined word takes its stem's tag).
    context : bool
        Analyse each line as a whole instead of each eojeol on its own (see the module docstring).
    workers : int, optional
        Threads for `split_many` (default: the cores this process may use).

    Examples
    --------
    >>> KiwiPretokenizer().split("영화가 재미있는 줄 몰랐다")  # doctest: +SKIP
    ['영화', '가', '재미있', '는', '줄', '모르', '었', '다']
    >>> KiwiPretokenizer(tags=True).split("먹었다")  # doctest: +SKIP
    ['먹/VV', '었/EP', '다/EF']
    >>> KiwiPretokenizer(join=True).split("영화가 재미있는 줄 몰랐다")  # doctest: +SKIP
    ['영화', '가', '재미있는', '줄', '몰랐다']
    """

    name = "kiwi"

    def __init__(self, join: bool = False, tags: bool = False, context: bool = False, workers: int | None = None):
        self.join = bool(join)
        self.tags = bool(tags)
        self.context = bool(context)
        self.workers = int(workers or available_cores())
        self._kiwi = None
        self._eojeol_words: dict[str, str] = {}  # eojeol -> its words joined by spaces (one object, not a list)
        # A server cuts texts from many threads (`kofasttext.serve`): one thread clearing the cache while another
        # reads the words it just added would fail, so the cache is filled and read under this lock.
        self._cache_lock = threading.Lock()

    # -- the analyser, started on first use ------------------------------------------------
    @property
    def kiwi(self):
        """The `kiwipiepy.Kiwi` instance (created on first use)."""
        if self._kiwi is None:
            self._kiwi = analyser(self.workers)
        return self._kiwi

    @property
    def started(self) -> bool:
        """Whether this pretokeniser has used Kiwi yet (loading a model must not start it)."""
        return self._kiwi is not None

    # -- splitting -------------------------------------------------------------------------
    def split(self, line: str) -> list[str]:
        text = _prepare(line)
        if not self.context:
            return self._split_by_eojeol([text])[0]
        return self._words(text, self.kiwi.tokenize(text))

    def split_many(self, lines: Iterable[str]) -> Iterator[list[str]]:
        if not self.context:
            yield from self._split_many_by_eojeol(lines)
            return
        # Kiwi pulls texts from this generator ahead of the results it hands back (in input
        # order), so the texts wait in a FIFO until their tokens arrive: join needs them.
        texts: deque[str] = deque()

        def prepared():
            for line in lines:
                text = _prepare(line)
                texts.append(text)
                yield text

        for tokens in self.kiwi.tokenize(prepared()):
            yield self._words(texts.popleft(), tokens)

    def _split_many_by_eojeol(self, lines: Iterable[str]) -> Iterator[list[str]]:
        batch: list[str] = []
        for line in lines:
            batch.append(_prepare(line))
            if len(batch) == EOJEOL_BATCH_LINES:
                yield from self._split_by_eojeol(batch)
                batch = []
        if batch:
            yield from self._split_by_eojeol(batch)

    def _split_by_eojeol(self, texts: list[str]) -> list[list[str]]:
        """Words of each (prepared) text, each eojeol analysed alone and once (cached)."""
        eojeols = [text.split() for text in texts]
        with self._cache_lock:
            cache = self._eojeol_words
            if len(cache) > EOJEOL_CACHE_LIMIT:
                cache.clear()
            new = list(dict.fromkeys(e for line in eojeols for e in line if e not in cache))
            if new:
                for eojeol, tokens in zip(new, self.kiwi.tokenize(new)):
                    cache[eojeol] = " ".join(self._words(eojeol, tokens))  # a word never holds a space
            return [[word for e in line for word in cache[e].split()] for line in eojeols]

    def _words(self, text: str, tokens) -> list[str]:
        words: list[str] = []
        if not self.join:
            for token in tokens:
                self._add(words, token.form, _base_tag(token.tag))
            return words
        # A joined word in progress: [start, end, tag of its stem, drop a final consonant].
        group = None
        for token in tokens:
            tag = _base_tag(token.tag)
            if group is not None and token.start <= group[1]:
                if tag in ENDING_TAGS:
                    group[1] = max(group[1], token.start + token.len)
                    continue
                if tag == Z_CODA and token.start < group[1]:
                    group[3] = True
                    continue
            if group is not None:
                self._add_group(words, text, group)
                group = None
            if tag in STEM_TAGS:
                group = [token.start, token.start + token.len, tag, False]
            else:
                self._add(words, token.form, tag)
        if group is not None:
            self._add_group(words, text, group)
        return words

    def _add(self, words: list[str], form: str, tag: str) -> None:
        for part in form.split():
            words.append(f"{part}/{tag}" if self.tags else part)

    def _add_group(self, words: list[str], text: str, group: list) -> None:
        start, end, tag, drop_final = group
        surface = text[start:end]
        if drop_final and surface:
            surface = surface[:-1] + without_final(surface[-1])
        self._add(words, surface, tag)

    # -- description -----------------------------------------------------------------------
    def to_config(self) -> dict:
        config = {"name": self.name, "join": self.join, "tags": self.tags, "context": self.context}
        return {**config, "kiwipiepy": kiwi_version()}

    @property
    def spec(self) -> str:
        options = [flag for flag, on in (("join", self.join), ("tags", self.tags), ("context", self.context)) if on]
        return self.name + (":" + ",".join(options) if options else "")

    @property
    def key(self) -> str:
        # Another kiwipiepy version (another model) may cut the same text differently.
        return f"{self.spec}@kiwipiepy-{kiwi_version()}"

    @classmethod
    def from_options(cls, options: dict, workers: int | None = None) -> KiwiPretokenizer:
        check_options(cls.name, options, flags=("forms", "tags", "join", "context"))
        if "forms" in options and "join" in options:
            raise UsageError("pretokenizer kiwi: forms and join exclude each other (forms is the default)")
        return cls(join="join" in options, tags="tags" in options, context="context" in options, workers=workers)

    @classmethod
    def from_config(cls, config: dict, arrays: dict, workers: int | None = None, trained: bool = True):
        unknown = set(config) - {"name", "join", "tags", "context", "kiwipiepy"}
        if unknown:
            raise UsageError(f"unknown kiwi pretokenizer settings: {', '.join(sorted(unknown))}")
        flags = {flag: bool(config.get(flag, False)) for flag in ("join", "tags", "context")}
        return cls(**flags, workers=workers)

