"""PNG plots of an evaluation (``kofasttext eval --plots DIR``).

* `plot_measures`: one group of bars per measure of the report, one bar per model.
* `plot_neighbourhood`: a 2-D PCA picture of some query words (out-of-vocabulary
  forms included: a subword model still has vectors for them) and their nearest
  in-vocabulary neighbours.
* `write_plots`: both, for every model of a report, into one folder.

Quiet choices, made here:

* matplotlib is imported inside the functions, so ``import kofasttext.evaluate``
  stays light, and only through its object API (``Figure`` and the Agg canvas,
  never pyplot): the caller's backend and pyplot's figure list are left alone, and
  a figure is freed with its last reference, so there is nothing to close.
* Hangul needs a font that has it, and matplotlib ships none. `hangul_font` looks
  for an installed one (preferred names first, then any font whose file maps
  가, 힣 and ㅋ). Without one, points are labelled with numbers, the number -> word
  key is written beside the PNG as ``<png stem>.txt`` (UTF-8), and one warning per
  process says which font to install. matplotlib's "Glyph missing" warnings are
  silenced: boxes in a title are the only trace a missing glyph leaves.
* The projection is PCA (numpy SVD) of the *unit* vectors, as cosine is what the
  neighbours are ranked by. A word whose vector is zero (a word2vec model's unseen
  word) has no direction: it is left out of the picture and named under the title
  as "no vector".
* Every file is written with `files.atomic_write`, so a crash never leaves half
  a PNG.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..files import atomic_write
from .vectors import WordVectors

#: Forms of 모르다 ("not to know"), most of them rare or unseen in a review corpus, and
#: a common typo (재밋다 for 재밌다, "it's fun"): the picture of what subwords buy.
DEFAULT_QUERY_WORDS = ("모르다", "몰라", "몰랐다", "몰랐겠지", "모르겠니", "재밌다", "재밋다")

#: What `plot_measures` draws: a label and the path of keys into one model's report.
#: Missing measures (older or newer reports) are skipped; adding one is one line.
MEASURES = (
    ("typos\nhit@10", ("oov_typos", "hit@10")),
    ("typos\nMRR", ("oov_typos", "mrr")),
    ("conjugations\nhit@10", ("oov_conjugations", "hit@10")),
    ("conjugations\nMRR", ("oov_conjugations", "mrr")),
    ("NSMC\naccuracy", ("nsmc_logistic", "accuracy")),
    ("WS353\nSpearman", ("ws353", "spearman")),
    ("analogy\nsem", ("analogy", "accuracy", "sem")),
    ("analogy\nsyn", ("analogy", "accuracy", "syn")),
)

#: Families tried first, in this order, before any other font that covers Hangul.
PREFERRED_FONTS = (
    "NanumGothic",
    "NanumBarunGothic",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Source Han Sans KR",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "AppleGothic",
    "UnDotum",
    "Baekmuk Gulim",
    "Noto Sans CJK JP",  # the first face of Noto's .ttc collections; it has all of Hangul
)

FONT_ADVICE = (
    "no installed font has Hangul, so the plots label words with numbers and list them in a .txt file beside each PNG; "
    "install a Korean font for labelled plots (Debian/Ubuntu: apt-get install fonts-nanum; or Noto Sans CJK KR)"
)

_HANGUL_PROBES = (0xAC00, 0xD7A3, 0x314B)  # 가, 힣, ㅋ
_warned_about_font = False


def plot_neighbourhood(vectors: WordVectors, words: Sequence[str], path, topn: int = 8, title: str | None = None) -> list[Path]:
    """Draw ``words`` and each one's ``topn`` nearest in-vocabulary words in 2-D.

    The points are the unit vectors of the query words and of their neighbours,
    projected on their first two principal components. Query words are stars, one
    colour each, hollow when out of vocabulary (and "(OOV)" in the legend); each
    neighbour is a dot in the colour of the first query it is near, joined by a
    line to every query it is near. A query whose vector is zero is not drawn and
    is named under the title as "no vector".

    Parameters
    ----------
    vectors : WordVectors
    words : sequence of str
        Query words, in or out of the vocabulary.
    path : str or os.PathLike
        The PNG to write; its folder must exist.
    topn : int
        Neighbours per query word.
    title : str, optional
        Defaults to ``vectors.name``.

    Returns
    -------
    list of Path
        ``[path]``, plus the number -> word key ``<stem>.txt`` when no Hangul font
        was found (see `hangul_font`).

    Examples
    --------
    >>> vectors = WordVectors.from_model(kft.load("nsmc.kft"))  # doctest: +SKIP
    >>> plot_neighbourhood(vectors, ["모르다", "몰라", "몰랐겠지"], "모르다.png")  # doctest: +SKIP
    [PosixPath('모르다.png')]
    """
    path = Path(path)
    font = hangul_font()
    if font is None:
        _warn_about_font()
    hood = _Neighbourhood(vectors, list(dict.fromkeys(words)), topn)
    # Numbers for the key: every query word (drawn or not), then the neighbours.
    numbers = {word: n for n, word in enumerate(dict.fromkeys([*hood.words, *hood.labels]), start=1)}
    text = (lambda word: word) if font else (lambda word: str(numbers[word]))
    caption = f"{title if title is not None else vectors.name}: query words and their {topn} nearest in-vocabulary words"
    if hood.no_vector:
        caption += "\nno vector: " + ", ".join(text(word) for word in hood.no_vector)
    _save(lambda figure: hood.draw(figure, text, caption), path, (9.0, 6.5), font)
    if font is not None:
        return [path]
    key = path.with_suffix(".txt")
    lines = [f"# {path.name}: the numbers on the plot and their words"]
    lines += [f"{n}\t{word}\t{hood.role(word)}" for word, n in numbers.items()]
    with atomic_write(key) as out:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    return [path, key]


class _Neighbourhood:
    """The points of `plot_neighbourhood`: the query words that have a vector, then their neighbours, each word
    once, with their PCA coordinates and the lines from each query to its neighbours."""

    def __init__(self, vectors: WordVectors, words: list[str], topn: int):
        self.vectors, self.words = vectors, words
        query_rows = vectors.vectors_of(words)
        norms = np.linalg.norm(query_rows, axis=1)
        drawn = [i for i, norm in enumerate(norms) if np.isfinite(norm) and norm > 0]
        self.no_vector = [words[i] for i in sorted(set(range(len(words))) - set(drawn))]
        self.queries = len(drawn)
        self.labels = [words[i] for i in drawn]
        units = [query_rows[i] / norms[i] for i in drawn]
        point_of = {word: k for k, word in enumerate(self.labels)}
        self.colour_of_point = list(range(len(self.labels)))  # the query colour of each point
        self.near: dict[str, list[str]] = {}  # neighbour word -> query words it is near
        self.edges = []  # (query point, neighbour point)
        for q, i in enumerate(drawn):
            for neighbour in vectors.nearest(words[i], topn):
                if neighbour not in point_of:
                    point_of[neighbour] = len(self.labels)
                    self.labels.append(neighbour)
                    self.colour_of_point.append(q)
                self.near.setdefault(neighbour, []).append(words[i])
                self.edges.append((q, point_of[neighbour]))
        neighbour_rows = vectors.vectors_of(self.labels[self.queries :])
        units += list(neighbour_rows / np.maximum(np.linalg.norm(neighbour_rows, axis=1, keepdims=True), 1e-12))
        points = np.array(units, dtype=np.float64) if units else np.zeros((0, vectors.matrix.shape[1]))
        self.coords, self.explained = _pca_2d(points)

    def role(self, word: str) -> str:
        """What ``word`` is in the picture, for the number -> word key."""
        oov = word not in self.vectors
        if word in self.no_vector:
            return "query, out of vocabulary, no vector (not drawn)" if oov else "query, no vector (not drawn)"
        if word in self.words:
            return "query, out of vocabulary" if oov else "query"
        return "neighbour of " + ", ".join(self.near[word])

    def draw(self, figure, text: Callable[[str], str], caption: str) -> None:
        from matplotlib.lines import Line2D

        axes = figure.add_subplot()
        coords, labels, palette = self.coords, self.labels, _palette(self.queries)
        for q, k in self.edges:
            axes.plot(*coords[[q, k]].T, color=palette[self.colour_of_point[q]], alpha=0.3, linewidth=0.8, zorder=1)
        for k in range(self.queries, len(labels)):
            colour = palette[self.colour_of_point[k]]
            axes.scatter(*coords[k], s=18, color=colour, zorder=2)
            axes.annotate(text(labels[k]), coords[k], xytext=(3, 3), textcoords="offset points", fontsize=8, color=colour)
        handles = []
        for q in range(self.queries):
            colour, oov = palette[q], labels[q] not in self.vectors
            face = "white" if oov else colour
            axes.scatter(*coords[q], s=180, marker="*", facecolor=face, edgecolor=colour, linewidth=1.4, zorder=3)
            axes.annotate(text(labels[q]), coords[q], xytext=(5, 5), textcoords="offset points", fontsize=12)
            legend_label = text(labels[q]) + (" (OOV)" if oov else "")
            handles.append(
                Line2D([], [], marker="*", markersize=12, linestyle="", markerfacecolor=face, color=colour, label=legend_label)
            )
        if self.queries:
            handles.append(Line2D([], [], marker="o", markersize=5, linestyle="", color="grey", label="in-vocabulary neighbour"))
            axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, title="query words")
            axes.set_xlabel(f"PC1 ({100 * self.explained[0]:.0f}% of variance)")
            axes.set_ylabel(f"PC2 ({100 * self.explained[1]:.0f}% of variance)")
            axes.margins(0.12)
        else:
            axes.text(0.5, 0.5, "no query word has a vector", ha="center", va="center", transform=axes.transAxes)
            axes.set_axis_off()
        axes.set_title(caption, fontsize=10)


def plot_measures(report: dict, path) -> Path:
    """Grouped bars: one group per measure, one bar per model, values on the bars.

    Measures are read through `MEASURES`; one that no model has is left out, and a
    model without it (or with NaN) has "n/a" instead of a bar in that group.

    Parameters
    ----------
    report : dict
        ``{model name: {measure: {...}}}`` as `kofasttext.evaluate.report.evaluate_all` returns.
    path : str or os.PathLike
        The PNG to write; its folder must exist.

    Returns
    -------
    Path

    Examples
    --------
    >>> report = {"자모": {"oov_typos": {"hit@10": 0.81, "mrr": 0.52}}, "음절": {"oov_typos": {"hit@10": 0.44, "mrr": 0.27}}}
    >>> plot_measures(report, "measures.png")  # doctest: +SKIP
    PosixPath('measures.png')
    """
    path = Path(path)
    font = hangul_font()
    if font is None and any(_has_hangul(name) for name in report):
        _warn_about_font()
    names = list(report)
    groups = []  # (label, [value or None per model])
    for label, keys in MEASURES:
        values = [_measure(report[name], keys) for name in names]
        if any(value is not None for value in values):
            groups.append((label, values))

    def draw(figure):
        axes = figure.add_subplot()
        if not groups:
            axes.text(0.5, 0.5, "no measures in the report", ha="center", va="center", transform=axes.transAxes)
            axes.set_axis_off()
            return
        palette = _palette(len(names))
        width = 0.8 / len(names)
        for m, name in enumerate(names):
            xs = [g + (m - (len(names) - 1) / 2) * width for g, (_, values) in enumerate(groups) if values[m] is not None]
            heights = [values[m] for _, values in groups if values[m] is not None]
            bars = axes.bar(xs, heights, width * 0.95, color=palette[m], label=name)
            axes.bar_label(bars, fmt="%.3f", rotation=90, padding=2, fontsize=7)
            for g, (_, values) in enumerate(groups):
                if values[m] is None:  # not measured for this model: say so, a gap could be read as zero
                    x = g + (m - (len(names) - 1) / 2) * width
                    axes.text(x, 0.01, "n/a", rotation=90, ha="center", va="bottom", fontsize=7, color="grey")
        every = [v for _, values in groups for v in values if v is not None]
        axes.set_ylim(min(0.0, min(every)) - (0.2 if min(every) < 0 else 0.0), max(1.0, max(every)) + 0.2)
        axes.axhline(0, color="black", linewidth=0.6)
        axes.set_xticks(range(len(groups)), [label for label, _ in groups], fontsize=9)
        axes.set_ylabel("score (higher is better)")
        axes.set_title("kofasttext eval: OOV typos and conjugations, NSMC, WS353, analogies", fontsize=10)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, title="model")

    width = max(7.0, 2.5 + len(groups) * (0.3 * len(names) + 0.5))
    _save(draw, path, (width, 5.0), font)
    return path


def write_plots(
    report: dict,
    named_vectors: dict[str, WordVectors],
    directory,
    query_words: Sequence[str] = DEFAULT_QUERY_WORDS,
    topn: int = 8,
) -> list[Path]:
    """Write ``measures.png`` and one ``neighbourhood_<model>.png`` per model into ``directory``.

    Parameters
    ----------
    report : dict
        What `kofasttext.evaluate.report.evaluate_all` returned for ``named_vectors``.
    named_vectors : dict of str to WordVectors
    directory : str or os.PathLike
        Made (with its parents) when missing.
    query_words : sequence of str
        The words of every neighbourhood plot; default: forms of 모르다 and a typo.
    topn : int
        Neighbours per query word.

    Returns
    -------
    list of Path
        Every file written: the PNGs, and the number -> word keys (``.txt``) when no
        Hangul font was found. ``<model>`` is the model name with anything but
        letters, digits, ``.`` and ``-`` replaced by ``_``.

    Examples
    --------
    >>> named = {"jamo": WordVectors.from_model(kft.load("jamo.kft"))}  # doctest: +SKIP
    >>> write_plots(evaluate_all(named), named, "plots", query_words=["재밌다", "재밋다", "재밌었겠지"])  # doctest: +SKIP
    [PosixPath('plots/measures.png'), PosixPath('plots/neighbourhood_jamo.png')]
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = [plot_measures(report, directory / "measures.png")]
    stems = set()
    for name, vectors in named_vectors.items():
        stem = base = "neighbourhood_" + _file_safe(name)
        n = 1
        while stem in stems:
            n += 1
            stem = f"{base}-{n}"
        stems.add(stem)
        written += plot_neighbourhood(vectors, list(query_words), directory / f"{stem}.png", topn=topn, title=name)
    return written


def _file_safe(name: str) -> str:
    """``name`` as a file name part: runs of anything but letters (Hangul too), digits,
    ``.`` and ``-`` become ``_``; no leading dot.

    Examples
    --------
    >>> _file_safe("jamo.kft'"), _file_safe("../자모 모델"), _file_safe("")
    ('jamo.kft_', '_자모_모델', 'model')
    """
    return re.sub(r"[^\w.-]+", "_", name).lstrip(".") or "model"


@lru_cache(maxsize=1)
def hangul_font() -> str | None:
    """The family name of an installed font that draws Hangul, or None.

    `PREFERRED_FONTS` first, then any font whose file maps 가, 힣 and ㅋ
    (matplotlib's "Last Resort" font maps everything to boxes, so it does not
    count). Fonts installed after matplotlib built its font cache are found too.
    Looked up once per process.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known = {entry.fname: entry.name for entry in manager.ttflist}
    try:
        paths = list(known) + [p for p in font_manager.findSystemFonts() if p not in known]
    except (OSError, RuntimeError, ValueError):  # a font folder we cannot read: what the cache has must do
        paths = list(known)
    found = {}
    for font_path in paths:
        family = _hangul_family(font_path, known)
        if family and not family.startswith("Last Resort"):
            found.setdefault(family, []).append(font_path)
    if not found:
        return None
    rank = {family: r for r, family in enumerate(PREFERRED_FONTS)}
    family = min(found, key=lambda f: (rank.get(f, len(rank)), f))
    for font_path in found[family]:  # all its weights, when the cache did not have them yet
        if font_path not in known:
            manager.addfont(font_path)
    return family


def _hangul_family(path: str, known: dict[str, str]) -> str | None:
    """The family name of the font file at ``path`` if it maps all of `_HANGUL_PROBES`."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
        if all(font.get_char_index(code) for code in _HANGUL_PROBES):
            return known.get(path) or font_manager.ttfFontProperty(font).name
    except (OSError, RuntimeError, ValueError):  # an unreadable or unusual font file
        pass
    return None


def _palette(n: int) -> list:
    """``n`` distinct colours (tab10, then tab20, then repeating)."""
    from matplotlib import colormaps

    colours = list(colormaps["tab10"].colors) if n <= 10 else list(colormaps["tab20"].colors)
    return [colours[i % len(colours)] for i in range(n)]


def _pca_2d(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[n, 2]`` coordinates on the first two principal components, and the share
    of variance each explains (zeros where there is no second component)."""
    coords = np.zeros((len(points), 2))
    explained = np.zeros(2)
    if len(points) < 2:
        return coords, explained
    centred = points - points.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    k = min(2, len(singular))
    coords[:, :k] = centred @ components[:k].T
    total = float((singular**2).sum())
    if total > 0:
        explained[:k] = singular[:k] ** 2 / total
    return coords, explained


def _measure(model_report, keys: tuple[str, ...]) -> float | None:
    value = model_report
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" or "\u3131" <= c <= "\u318e" or "\u1100" <= c <= "\u11ff" for c in text)


def _warn_about_font() -> None:
    global _warned_about_font
    if not _warned_about_font:
        _warned_about_font = True
        warnings.warn(FONT_ADVICE, stacklevel=3)


def _save(draw: Callable, path: Path, size: tuple[float, float], font: str | None) -> None:
    """Make a figure with ``font`` (if any) for all text, ``draw`` on it, write it as PNG."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    settings = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with matplotlib.rc_context(settings), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        figure = Figure(figsize=size, dpi=110, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure)
        with atomic_write(path) as out:
            figure.savefig(out, format="png")
