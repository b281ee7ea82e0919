"""`TextClassifier`: review classification on top of a kofasttext model.

The network is a 1-D CNN over words (Kim, 2014). Each word's input is the
model's own composition -- the sum of the word's subword rows -- so the
classifier keeps the model's property that any word, seen or not, has a
representation. The rows start as the model's trained rows and are fine-tuned
with the network (sparse updates: only the rows of words in a batch move);
``pretrained=False`` starts them from random values of the same scale instead,
which is the baseline that shows what pretraining adds.

``members=N`` fits N such networks one after another, each from its own seed and with its own copy of the
tuned rows, and averages their class probabilities (an ensemble): N times the fit's time and memory, for
about 0.3 points of NSMC accuracy with 3 or 4 members at 150,000 reviews (benchmarks/RESULTS.md, "Label
efficiency again"). Given several models (``TextClassifier([syllable_model, jamo_model], members=4)``), member
``k`` reads model ``k % len(models)``: networks over different subword schemes err on different reviews, and
their average gains more than more networks over one scheme do (measured in benchmarks/RESULTS.md, "Two
subword schemes").

``linear=True`` also fits, on each model's review vectors (`linear.review_features`, on the same texts as the
networks), `LinearClassifier`'s logistic regression and ``review_networks`` small feed-forward networks
(`review_network`), and mixes them in: the classifier's probabilities are ``(1 - w) * networks + w * review``,
``networks`` the mean of the CNN members, ``review`` the mean of every model's regression and feed-forward
networks (each counted once), ``w`` the weight of `LINEAR_WEIGHTS` whose mix has the lowest cross-entropy on
the second half of the held-out texts, the first half having chosen the networks' epochs (ties: the smaller
``w``; without held-out texts ``w = 0.5``). The two families err on different reviews: on NSMC with 15,000
labelled reviews the mix with the regressions alone gained about 0.5 points over the CNNs alone
(benchmarks/RESULTS.md, "Networks and regressions mixed"), and the feed-forward networks beside them about 0.5
more ("Label efficiency a fourth time").

Only the rows that the training texts' words use are copied and tuned (the
"tuned rows"): a model with millions of rows, such as the published cc.ko.300,
costs memory in proportion to the training texts, not to the model. A word met
only at prediction time sums its tuned rows and, for the rest, the model's own
rows, which no training text moved (zero when ``pretrained=False``: untrained
random rows would only add noise).

Words are cut with the model's own pretokeniser (``model.pretokenizer``), the
same cut the model was trained on.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from ..errors import ModelFileError, UsageError
from ..logistic import LogisticRegression
from ..model import Model
from ..modelfile import expect_kind, read_model_file, write_model_file
from ..progress import Progress, format_duration
from .data import check_labels, check_texts
from .linear import fit_review_regression, has_word_output_rows, review_features, stored_review_regression
from .predictions import Predictions
from .review_network import ReviewNetwork, fit_review_network


def _model_prefix(index: int) -> str:
    """Where model ``index``'s arrays are named in the file: plainly for the first (the only one of older files),
    ``model1.``, ``model2.`` ... for the others."""
    return f"model{index}." if index else ""


def _named_under(arrays: dict, prefix: str) -> dict:
    """The arrays whose names start with ``prefix``, named without it."""
    return {name[len(prefix) :]: a for name, a in arrays.items() if name.startswith(prefix)}


def _network_prefix(member: int) -> str:
    """Where a member's tensors are named in the file: ``net.`` for the first (the only one of older files),
    ``net1.``, ``net2.`` ... for the others."""
    return f"net{member or ''}."


@dataclass
class ClassifierSettings:
    """Hyperparameters of `TextClassifier` (the defaults are the measured NSMC setting).

    Attributes
    ----------
    widths : tuple of int
        Convolution widths in words.
    filters : int
        Filters per width.
    dropout : float
        Dropout on the word vectors and on the pooled features.
    max_words : int
        Longer texts are cut to their first ``max_words`` words.
    epochs : int
        Passes over the training texts; the epoch with the best held-out accuracy is kept.
    batch_size : int
    lr : float
        Adam step size of the network.
    embedding_lr : float
        Adam step size of the subword rows (0 freezes them).
    schedule : str
        How both step sizes move over a member's fit: ``"constant"``, or ``"linear"``, falling linearly from
        their value to 0 at the end of the last epoch (updated after every batch).
    holdout : float
        Share of the training texts held out to choose the epoch (with ``linear``: half of it, the other half
        chooses the mix's weight).
    pretrained : bool
        Start the subword rows from the model (True) or from random values of the same scale.
    seed : int
        Seeds the held-out split and the first member; member ``k`` starts from ``seed + k`` and shuffles
        with its own stream.
    members : int
        Networks fitted one after another and averaged (their class probabilities): 1 is a single network.
    linear : bool
        Also fit a logistic regression on each model's review vectors and mix it with the networks (module
        docstring); it reads the pretrained vectors, so it needs ``pretrained=True``.
    review_networks : int
        With ``linear``: feed-forward networks fitted on each model's review vectors beside its regression, from
        seeds ``seed``, ``seed + 1``, ... (0: the regressions alone). Each takes seconds at 15,000 texts.
    """

    widths: tuple[int, ...] = (2, 3, 4)
    filters: int = 128
    dropout: float = 0.5
    max_words: int = 64
    epochs: int = 3
    batch_size: int = 64
    lr: float = 1e-3
    embedding_lr: float = 1e-3
    schedule: str = "constant"
    holdout: float = 0.05
    pretrained: bool = True
    seed: int = 0
    members: int = 1
    linear: bool = False
    review_networks: int = 2


#: The weights of the review-vector models in the mix that ``linear=True`` chooses from (on the second half of the
#: held-out texts).
LINEAR_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)

#: The step-size schedules of `ClassifierSettings.schedule`.
SCHEDULES = ("constant", "linear")

#: Distinct words the table may hold before a prediction starts it afresh: it caches each word's rows, and a
#: long-running service would otherwise grow it with every new word it is asked about.
MAX_TABLE_WORDS = 1_000_000


class _WordTable:
    """Distinct words seen so far, each with its tuned rows (CSR, positions in the tuned matrix) and the
    sum of its other model rows (the frozen part).

    Id 0 is padding: it has no rows, so its vector is zero. Until `bind` is called the table keeps model
    row ids; `fit` encodes the training texts first, then tunes exactly the rows they use."""

    def __init__(self, model: Model):
        self.model = model
        self.ids: dict[str, int] = {}
        self.offsets = [0]
        self.rows: list[np.ndarray] = []
        self.frozen_slot = [-1]  # per word id: its row in frozen_vectors, or -1 when all its rows are tuned
        self.frozen_vectors: list[np.ndarray] = []
        self.tuned_rows: np.ndarray | None = None
        self.frozen_matrix = None
        self._arrays = None

    def bind(self, tuned_rows: np.ndarray, frozen_matrix) -> None:
        """Index the tuned matrix from now on: ``tuned_rows`` are its model rows (sorted); other rows are
        read from ``frozen_matrix`` (None: they count as zero). Words already encoded must use tuned rows only."""
        self.tuned_rows, self.frozen_matrix = tuned_rows, frozen_matrix
        self.rows = [np.searchsorted(tuned_rows, rows) for rows in self.rows]
        self._arrays = None

    def _split(self, rows: np.ndarray) -> np.ndarray:
        """The tuned positions of model ``rows``; the sum of the others becomes the new word's frozen part."""
        if self.tuned_rows is None:
            self.frozen_slot.append(-1)
            return rows
        position = np.searchsorted(self.tuned_rows, rows)
        tuned = position < len(self.tuned_rows)
        tuned[tuned] = self.tuned_rows[position[tuned]] == rows[tuned]
        slot = -1
        if not tuned.all() and self.frozen_matrix is not None:
            self.frozen_vectors.append(np.asarray(self.frozen_matrix[np.sort(rows[~tuned])], dtype=np.float32).sum(0))
            slot = len(self.frozen_vectors) - 1
        self.frozen_slot.append(slot)
        return position[tuned]

    def encode(self, texts: list[str], max_words: int) -> list[list[int]]:
        encoded = []
        for words in self.model.pretokenizer.split_many(texts):
            ids = []
            for word in words[:max_words]:
                word_id = self.ids.get(word)
                if word_id is None:
                    rows = self._split(self.model.input_rows(word))
                    self.rows.append(rows)
                    self.offsets.append(self.offsets[-1] + len(rows))
                    word_id = self.ids[word] = len(self.offsets) - 1
                ids.append(word_id)
            encoded.append(ids)
        return encoded

    def bags(self, word_ids: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """The tuned rows of ``word_ids`` concatenated, where each word's rows start (`nn.EmbeddingBag`'s
        input and offsets), and the words' frozen parts ([len(word_ids), dim], None when all are zero)."""
        if self._arrays is None or len(self._arrays[0]) != len(self.offsets):
            rows = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
            slots = np.asarray(self.frozen_slot, dtype=np.int64)
            self._arrays = (np.asarray(self.offsets, dtype=np.int64), rows.astype(np.int64), slots)
        offsets, rows, slots = self._arrays
        starts, ends = offsets[word_ids - 1], offsets[word_ids]
        starts[word_ids == 0] = ends[word_ids == 0] = 0  # padding: an empty bag sums to zero
        lengths = ends - starts
        bag_offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        gather = np.repeat(starts - bag_offsets, lengths) + np.arange(int(lengths.sum()))
        frozen = None
        slots = slots[word_ids]
        if (slots >= 0).any():
            frozen = np.zeros((len(word_ids), self.model.dim), dtype=np.float32)
            frozen[slots >= 0] = np.stack([self.frozen_vectors[k] for k in slots[slots >= 0]])
            frozen = torch.from_numpy(frozen)
        return torch.from_numpy(rows[gather]), torch.from_numpy(bag_offsets), frozen


class _View:
    """One model as the classifier reads it: the table that cuts texts into its words, the rows fine-tuning
    copies (``tuned_rows``, sorted model rows; None before `fit_encode`) and the factor that brings its
    average in-vocabulary word vector to length 1 (``scale``)."""

    def __init__(self, model: Model, pretrained: bool, tuned_rows: np.ndarray | None = None, scale: float = 1.0):
        self.model, self.pretrained, self.tuned_rows, self.scale = model, pretrained, tuned_rows, scale
        self.table = self.fresh_table()

    def frozen_matrix(self):
        """Where the rows that no training text tuned are read from: the model's, or none (zero) for a
        classifier whose rows started random."""
        return self.model.input_matrix if self.pretrained else None

    def fresh_table(self) -> _WordTable:
        table = _WordTable(self.model)
        if self.tuned_rows is not None:
            table.bind(self.tuned_rows, self.frozen_matrix())
        return table

    def fit_encode(self, texts: list[str], max_words: int) -> list[list[int]]:
        """Encode the training texts, then tune exactly the rows their words use."""
        encoded = self.table.encode(texts, max_words)
        if not any(encoded):
            raise UsageError("the texts contain no words")
        self.tuned_rows = np.unique(np.concatenate(self.table.rows)).astype(np.int64)
        if not len(self.tuned_rows):
            raise UsageError("no word of the texts has a vector in this model")
        self.table.bind(self.tuned_rows, self.frozen_matrix())
        # A word's vector is a sum over 10-40 rows, so its length depends on the
        # scheme and the model; one fixed factor brings the average in-vocabulary
        # word to length 1, which suits the default step sizes.
        norms = np.linalg.norm(self.model.word_vectors()[:10000], axis=1)
        self.scale = 1.0 / max(float(norms.mean()), 1e-6)
        return encoded

    def encode(self, texts: list[str], max_words: int) -> list[list[int]]:
        if len(self.table.ids) > MAX_TABLE_WORDS:
            self.table = self.fresh_table()
        return self.table.encode(texts, max_words)

    def starting_rows(self) -> torch.Tensor:
        """The tuned rows' values: the model's (a copy)."""
        return torch.from_numpy(np.asarray(self.model.input_matrix[self.tuned_rows], dtype=np.float32))


class _Network(nn.Module):
    def __init__(self, rows: int, dim: int, classes: int, settings: ClassifierSettings):
        super().__init__()
        self.embedding = nn.EmbeddingBag(rows, dim, mode="sum", sparse=True)
        self.convolutions = nn.ModuleList(nn.Conv1d(dim, settings.filters, width) for width in settings.widths)
        self.dropout = nn.Dropout(settings.dropout)
        self.output = nn.Linear(settings.filters * len(settings.widths), classes)
        self.min_length = max(settings.widths)

    def forward(self, bag_rows, bag_offsets, frozen, word_index, scale: float):
        # Compose each distinct word of the batch once, then place it.
        words = self.embedding(bag_rows, bag_offsets)  # [distinct, dim]
        if frozen is not None:
            words = words + frozen
        words = words * scale
        x = self.dropout(words[word_index]).transpose(1, 2)  # [batch, dim, length]
        pooled = [conv(x).relu().amax(dim=2) for conv in self.convolutions]
        return self.output(self.dropout(torch.cat(pooled, dim=1)))


def _check_stored_network(state: dict, rows: int, dim: int, classes: int, settings: ClassifierSettings) -> None:
    """A `ValueError` unless ``state`` (read from a file) has every tensor of the network its settings describe,
    in its shape. The network is laid out on the meta device first, which allocates nothing, so a damaged
    setting (a huge ``filters``) is caught before memory is asked for."""
    with torch.device("meta"):
        expected = _Network(rows, dim, classes, settings).state_dict()
    for name, tensor in expected.items():
        if name not in state or tuple(state[name].shape) != tuple(tensor.shape):
            raise ValueError(f"its network does not match its settings ({name})")


class TextClassifier(Predictions):
    """A text classifier whose words are the model's subword compositions.

    Parameters
    ----------
    model : kofasttext.Model or list of them
        Supplies the subword scheme, the vocabulary and the initial rows; with several, the members alternate
        over them (``members`` must be at least their number) and the file keeps them all.
    **settings
        Any field of `ClassifierSettings` (``epochs=3``, ``pretrained=False`` ...).

    Examples
    --------
    >>> clf = kft.TextClassifier(kft.load("nsmc.kft"))  # doctest: +SKIP
    >>> clf.fit(["정말 재밌었다", "시간 아까웠다"], [1, 0])  # doctest: +SKIP
    >>> clf.predict(["완전 재밌었음 ㅋㅋ"])  # doctest: +SKIP
    [1]
    >>> clf.save("nsmc.clf"); clf = kft.TextClassifier.load("nsmc.clf")  # doctest: +SKIP
    """

    def __init__(self, model: Model | list[Model], **settings):
        unknown = set(settings) - set(ClassifierSettings.__dataclass_fields__)
        if unknown:
            raise UsageError(f"unknown TextClassifier setting: {', '.join(sorted(unknown))}")
        models = list(model) if isinstance(model, (list, tuple)) else [model]
        if not models or not all(isinstance(m, Model) for m in models):
            raise UsageError("TextClassifier needs a kofasttext Model with subword rows (or a list of them)")
        self.settings = ClassifierSettings(**settings)
        if min(self.settings.epochs, self.settings.batch_size, self.settings.max_words, self.settings.members) < 1:
            raise UsageError("epochs, batch_size, max_words and members must be at least 1")
        if self.settings.review_networks < 0:
            raise UsageError(f"review_networks must be 0 or more, not {self.settings.review_networks}")
        if self.settings.members < len(models):
            raise UsageError(f"{len(models)} models need at least as many members (networks), not {self.settings.members}")
        if self.settings.schedule not in SCHEDULES:
            raise UsageError(f"schedule must be one of {', '.join(SCHEDULES)}, not {self.settings.schedule!r}")
        if self.settings.linear and not self.settings.pretrained:
            raise UsageError("linear=True reads the pretrained vectors: it does not go with pretrained=False")
        self.settings.widths = tuple(int(w) for w in self.settings.widths)
        self.models = models
        self.model = models[0]
        self.classes: list | None = None
        self._views: list[_View] = []  # one per model, made by fit or load
        self._networks: list[_Network] = []
        # With linear=True, per model: its regression, then its review_networks feed-forward networks.
        self._review_models: list[list[LogisticRegression | ReviewNetwork]] = []
        self.linear_weight: float | None = None  # the review-vector models' weight in the mix, with linear=True
        self.history: list[dict] = []

    def _view_of(self, member: int) -> int:
        """Member ``k`` reads model ``k % len(models)``: with two models, members 0, 2, ... the first."""
        return member % len(self._views)

    # -- training --------------------------------------------------------------
    def fit(self, texts, labels, progress: bool = True) -> TextClassifier:
        """Train on ``texts`` and their ``labels`` (0/1 or strings).

        A ``holdout`` share of the texts is set aside; after each epoch its
        accuracy is measured and the best epoch's weights are kept (each
        member's own best epoch, on the same held-out texts).
        `history` lists each member's epochs (loss and held-out accuracy) and,
        with several members, their joint held-out accuracy last.
        """
        texts = check_texts(texts)
        self.classes, targets = check_labels(labels, len(texts))
        s = self.settings
        rng = np.random.default_rng(s.seed)
        self._views = [_View(m, s.pretrained) for m in self.models]
        encoded = [view.fit_encode(texts, s.max_words) for view in self._views]  # the texts as each model cuts them
        order = rng.permutation(len(texts))
        held = order[: int(len(texts) * s.holdout)] if len(texts) * s.holdout >= 1 else order[:0]
        train = order[len(held) :]
        # With linear=True the held-out texts are halved: the first half chooses each network's epoch, the second
        # the mix's weight. Texts that chose the epochs flatter the networks, and would weigh them too high.
        held, held_for_mix = (held[: len(held) // 2], held[len(held) // 2 :]) if s.linear else (held, held[:0])
        held_out = ([[texts_of_view[i] for i in held] for texts_of_view in encoded], targets[held])
        bar = Progress(progress)
        self._networks, self.history = [], []
        started = time.monotonic()
        for member in range(s.members):
            # Member 0 is the single network a classifier of this seed always was; the others differ in their
            # initialisation, dropout and shuffling, and share the held-out split.
            torch.manual_seed(s.seed + member)
            shuffler = rng if member == 0 else np.random.default_rng([s.seed, member])
            self._networks.append(self._fit_network(member, encoded, targets, train, held_out, shuffler, bar, started))
        if s.members > 1 and len(held):
            joint = self._accuracy(range(s.members), *held_out)
            self.history.append({"members": s.members, "holdout_accuracy": joint})
            bar.message(f"classifier: {s.members} members together: held-out accuracy {100 * joint:.2f}%")
        if s.linear:
            bar.update("classifier: fitting the regressions and networks on review vectors")
            held_encoded = [[texts_of_view[i] for i in held_for_mix] for texts_of_view in encoded]
            self._fit_review_models(texts, targets, train, held_for_mix, held_encoded)
            if len(held_for_mix):
                bar.message(
                    f"classifier: review-vector models weighted {self.linear_weight:g}: "
                    f"held-out accuracy {100 * self.history[-1]['holdout_accuracy']:.2f}%"
                )
        bar.done()
        return self

    def _fit_review_models(self, texts, targets, train, held, held_encoded) -> None:
        """Each model's regression and feed-forward networks on the ``train`` texts' review vectors, and their
        weight in the mix chosen on ``held``."""
        s, classes = self.settings, len(self.classes)
        features = [review_features(view.model, texts) for view in self._views]
        self._review_models = []
        y = targets[train]
        for f in features:
            x = f[train]
            regression = fit_review_regression(x, y, classes, None, s.seed)[0]
            networks = [fit_review_network(x, y, classes, s.seed + j) for j in range(s.review_networks)]
            self._review_models.append([regression, *networks])
        if not len(held):
            self.linear_weight = 0.5
            return
        networks = self._probabilities(range(s.members), held_encoded)
        review = self._review_probabilities([f[held] for f in features])
        mixes = {w: (1 - w) * networks + w * review for w in LINEAR_WEIGHTS}
        truth = targets[held]
        losses = {w: float(-np.log(np.maximum(mix[np.arange(len(held)), truth], 1e-12)).mean()) for w, mix in mixes.items()}
        self.linear_weight = min(LINEAR_WEIGHTS, key=lambda w: (losses[w], w))
        accuracy = float((mixes[self.linear_weight].argmax(1) == truth).mean())
        self.history.append({"linear_weight": self.linear_weight, "holdout_loss": losses, "holdout_accuracy": accuracy})

    def _fit_network(self, member, encoded, targets, train, held_out, shuffler, bar, started) -> _Network:
        """One member: trained for ``epochs`` on ``train``, returned at its best epoch on ``held_out`` (the texts as
        each model encodes them, and their targets)."""
        s = self.settings
        view = self._views[self._view_of(member)]
        encoded = encoded[self._view_of(member)]
        network = self._build_network(view)
        dense = [p for name, p in network.named_parameters() if not name.startswith("embedding")]
        optimisers = [torch.optim.Adam(dense, lr=s.lr)]
        if s.embedding_lr > 0:
            optimisers.append(torch.optim.SparseAdam(network.embedding.parameters(), lr=s.embedding_lr))
        else:
            network.embedding.weight.requires_grad_(False)
        name = f"classifier {member + 1}/{s.members}" if s.members > 1 else "classifier"
        best = (-1.0, None)
        batches_per_epoch = math.ceil(len(train) / s.batch_size)
        if s.schedule == "linear":  # the factor of batch k's step is 1 - k / (all batches of the fit)
            total = batches_per_epoch * s.epochs
            schedulers = [torch.optim.lr_scheduler.LambdaLR(o, lambda k: max(0.0, 1.0 - k / total)) for o in optimisers]
        else:
            schedulers = []
        for epoch in range(1, s.epochs + 1):
            network.train()
            shuffler.shuffle(train)
            total_loss = 0.0
            for b in range(batches_per_epoch):
                batch = train[b * s.batch_size : (b + 1) * s.batch_size]
                logits = self._forward(network, view, [encoded[i] for i in batch])
                loss = nn.functional.cross_entropy(logits, torch.from_numpy(targets[batch]))
                for optimiser in optimisers:
                    optimiser.zero_grad()
                loss.backward()
                for optimiser in optimisers:
                    optimiser.step()
                for scheduler in schedulers:
                    scheduler.step()
                total_loss += loss.item()
                done = (member + (epoch - 1 + (b + 1) / batches_per_epoch) / s.epochs) / s.members
                elapsed = time.monotonic() - started
                bar.update(
                    f"{name}: {100 * done:5.1f}%  epoch {epoch}/{s.epochs}  loss {total_loss / (b + 1):.4f}"
                    f"  ETA {format_duration(elapsed / done - elapsed)}"
                )
            record = {"member": member, "epoch": epoch, "loss": total_loss / max(batches_per_epoch, 1)}
            if len(held_out[1]):
                network.eval()
                record["holdout_accuracy"] = self._accuracy([member], *held_out, networks=[network])
            self.history.append(record)
            bar.message(
                f"{name}: epoch {epoch}/{s.epochs}  loss {record['loss']:.4f}"
                + (f"  held-out accuracy {100 * record['holdout_accuracy']:.2f}%" if len(held_out[1]) else "")
            )
            score = record.get("holdout_accuracy", epoch)
            if score > best[0]:
                best = (score, {k: v.detach().clone() for k, v in network.state_dict().items()})
        network.load_state_dict(best[1])
        network.eval()
        return network

    @property
    def holdout_accuracy(self) -> float | None:
        """Held-out accuracy of the classifier as fitted: the mix with the regressions, its members' together, or
        the single network's best epoch; None without held-out texts (or for a classifier loaded from a file
        written without them)."""
        scores = [record["holdout_accuracy"] for record in self.history if "holdout_accuracy" in record]
        if not scores:
            return None
        return scores[-1] if {"members", "linear_weight"} & set(self.history[-1]) else max(scores)

    def _build_network(self, view: _View) -> _Network:
        """A new network whose embedding holds the view's tuned rows: the model's, or random rows of their scale."""
        s = self.settings
        pretrained = view.starting_rows()
        network = _Network(pretrained.shape[0], pretrained.shape[1], len(self.classes), s)
        with torch.no_grad():
            if s.pretrained:
                network.embedding.weight.copy_(pretrained)
            else:
                network.embedding.weight.normal_(0.0, float(pretrained.std()))
        return network

    def _forward(self, network: _Network, view: _View, encoded: list[list[int]]) -> torch.Tensor:
        length = max(network.min_length, max(len(ids) for ids in encoded))
        index = np.zeros((len(encoded), length), dtype=np.int64)
        for i, ids in enumerate(encoded):
            index[i, : len(ids)] = ids
        distinct, word_index = np.unique(index, return_inverse=True)
        rows, bag_offsets, frozen = view.table.bags(distinct)
        return network(rows, bag_offsets, frozen, torch.from_numpy(word_index.reshape(index.shape)), view.scale)

    # -- prediction ------------------------------------------------------------
    def _require_fitted(self) -> None:
        if not self._networks:
            raise UsageError("this TextClassifier is not trained yet: call fit() or load()")

    @torch.no_grad()
    def _probabilities(self, members, encoded: list[list[list[int]]], networks=None, batch_size: int = 512) -> np.ndarray:
        """The mean class probabilities of ``members`` (each network in eval mode) on texts ``encoded`` by every
        model (``encoded[v]``: by model ``v``); ``networks``: theirs, when not yet in `_networks`."""
        members = list(members)
        networks = networks or [self._networks[k] for k in members]
        out = []
        for start in range(0, len(encoded[0]), batch_size):
            total = 0
            for member, network in zip(members, networks):
                v = self._view_of(member)
                logits = self._forward(network, self._views[v], encoded[v][start : start + batch_size])
                total = total + torch.softmax(logits, dim=1)
            out.append(total.numpy() / len(members))
        return np.concatenate(out)

    def _review_probabilities(self, features: list[np.ndarray]) -> np.ndarray:
        """The mean class probabilities of every model's review-vector models, ``features[v]`` model ``v``'s
        `review_features` of the texts."""
        return np.mean([m.probabilities(f) for models, f in zip(self._review_models, features) for m in models], axis=0)

    def _accuracy(self, members, encoded: list[list[list[int]]], targets: np.ndarray, networks=None) -> float:
        """Share of the ``encoded`` texts whose most probable class under ``members`` is their target."""
        return float((self._probabilities(members, encoded, networks).argmax(1) == targets).mean())

    def predict_proba(self, texts) -> np.ndarray:
        """``[len(texts), len(classes)]`` class probabilities; columns in `classes` order."""
        self._require_fitted()
        texts = check_texts(texts)
        w = self.linear_weight or 0.0
        if w < 1:  # at w = 1 (the regressions alone) the networks' probabilities would be multiplied by 0
            encoded = [view.encode(texts, self.settings.max_words) for view in self._views]
            networks = self._probabilities(range(len(self._networks)), encoded)
        if w == 0:
            return networks
        review = self._review_probabilities([review_features(view.model, texts) for view in self._views])
        return review if w == 1 else (1 - w) * networks + w * review

    # -- files -----------------------------------------------------------------
    def save(self, path: str) -> None:
        """Write the classifier to one file (atomic, no pickle): the models as they came, their tuned rows
        (``tuned_rows``: which model rows; each network's ``embedding.weight``: its values of them) and the
        networks; with ``linear=True`` each model's regression (``linear.*``), its feed-forward networks
        (``review1.*``, ``review2.*`` ...) and the output rows its review vectors read. The first model's arrays
        keep their plain names (a one-model file is what it always was); model ``v`` of several is prefixed
        ``model{v}.``, its config, words and scale listed in ``more_models``."""
        self._require_fitted()
        arrays = {}
        for v, view in enumerate(self._views):
            prefix = _model_prefix(v)
            arrays.update({prefix + name: a for name, a in view.model.query_arrays().items()})
            arrays[prefix + "tuned_rows"] = view.tuned_rows
            if self._review_models:
                regression, *networks = self._review_models[v]
                arrays.update({f"{prefix}linear.{name}": a for name, a in regression.arrays().items()})
                for j, network in enumerate(networks, 1):
                    arrays.update({f"{prefix}review{j}.{name}": a for name, a in network.arrays().items()})
                if has_word_output_rows(view.model):
                    arrays[prefix + "output_matrix"] = np.asarray(view.model.output_matrix, dtype=np.float32)
        for member, network in enumerate(self._networks):
            for name, tensor in network.state_dict().items():
                arrays[_network_prefix(member) + name] = tensor.numpy()
        first = self._views[0]
        config = {
            "model": first.model.config,
            "settings": {**asdict(self.settings), "widths": list(self.settings.widths)},
            "classes": self.classes,
            "scale": first.scale,
            "history": self.history,
            "linear_weight": self.linear_weight,
        }
        if len(self._views) > 1:
            config["more_models"] = [
                {"config": view.model.config, "words": view.model.words, "scale": view.scale} for view in self._views[1:]
            ]
        write_model_file(path, "text_classifier", config, first.model.words, arrays)

    @classmethod
    def load(cls, path: str) -> TextClassifier:
        """Open a classifier written by `save` (or ``kofasttext classify train``).

        Files written before the tuned rows were kept apart (no ``tuned_rows``) hold the whole fine-tuned
        input matrix: every row of it is a tuned row."""
        kind, config, words, arrays = read_model_file(path)
        expect_kind(path, kind, "text_classifier")
        try:
            described = [(config["model"], words, float(config["scale"]))]
            described += [(more["config"], more["words"], float(more["scale"])) for more in config.get("more_models", [])]
            models = []
            for v, (model_config, model_words, _) in enumerate(described):
                prefix = _model_prefix(v)
                model_arrays = _named_under(arrays, prefix) if v else arrays
                models.append(Model.from_arrays(model_config, model_words, model_arrays, source=path))
            # Files from before the review networks hold the regressions alone.
            settings = {"review_networks": 0, **config["settings"], "widths": tuple(config["settings"]["widths"])}
            classifier = cls(models, **settings)
            classifier.classes = config["classes"]
            classifier.history = config.get("history", [])
            if classifier.settings.members > len(arrays):
                raise ValueError(f"its settings name {classifier.settings.members} networks, more than it holds")
            states = [
                {name: torch.from_numpy(np.array(a)) for name, a in _named_under(arrays, prefix).items()}
                for prefix in map(_network_prefix, range(classifier.settings.members))
            ]
            if "tuned_rows" not in arrays:  # an old one-model file: the whole fine-tuned input matrix
                arrays = {**arrays, "tuned_rows": np.arange(len(arrays["input_matrix"]), dtype=np.int64)}
                states[0]["embedding.weight"] = torch.from_numpy(np.array(arrays["input_matrix"]))
            views = []
            for v, (model, (_, _, scale)) in enumerate(zip(models, described)):
                tuned_rows = np.array(arrays[_model_prefix(v) + "tuned_rows"], dtype=np.int64)
                if len(tuned_rows) and not (
                    (np.diff(tuned_rows) > 0).all() and 0 <= tuned_rows[0] and tuned_rows[-1] < len(model.input_matrix)
                ):
                    raise ValueError("tuned_rows are not increasing rows of the input matrix")
                views.append(_View(model, classifier.settings.pretrained, tuned_rows, scale))
            classifier._views = views
            if classifier.settings.linear:
                classifier.linear_weight = float(config["linear_weight"])
                if not 0 <= classifier.linear_weight <= 1:
                    raise ValueError(f"its linear_weight {classifier.linear_weight} is not between 0 and 1")
                classes = len(classifier.classes)
                for v, model in enumerate(models):
                    prefix = _model_prefix(v)
                    networks = [
                        ReviewNetwork.from_arrays(_named_under(arrays, f"{prefix}review{j}."), 4 * model.dim, classes)
                        for j in range(1, classifier.settings.review_networks + 1)
                    ]
                    regression = stored_review_regression(arrays, prefix + "linear.", model, classes)
                    classifier._review_models.append([regression, *networks])
            for member, state in enumerate(states):
                view = views[classifier._view_of(member)]
                rows, dim = len(view.tuned_rows), view.model.dim
                _check_stored_network(state, rows, dim, len(classifier.classes), classifier.settings)
                network = _Network(rows, dim, len(classifier.classes), classifier.settings)
                network.load_state_dict(state)
                classifier._networks.append(network.eval())
        except (KeyError, TypeError, ValueError, RuntimeError, UsageError) as error:
            raise ModelFileError(f"{path} is damaged: {error}") from None
        return classifier
