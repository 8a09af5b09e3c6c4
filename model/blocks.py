"""The compiled model's feature blocks: each reproduces one FeatureUnion block with numpy.

A TF-IDF block finds a text's n-grams among its terms (model/ngrams.py) and reproduces the
vectorizer's tf, idf and norm; the signals block reads every hand-made group in one scan; any
other block is asked for its own ``transform``. Each returns its share of the decision value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from model.features import UnknownAwareTfidf
from model.ngrams import CharGrams, WordGrams
from model.signals import TextSignals
from model.signals import values as signal_values


def runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct values of a sorted array, and how many times each occurs."""
    if not len(ordered):
        return ordered, ordered
    # Where a run starts, and where each ends (the next one's start); method calls, not
    # np.r_ or np.flatnonzero, which cost more than the work on a text's few hundred values.
    ends = (ordered[1:] != ordered[:-1]).nonzero()[0] + 1
    bounds = np.concatenate(([0], ends, [len(ordered)]))
    return ordered[bounds[:-1]], bounds[1:] - bounds[:-1]


class NotCompilable(Exception):
    """The pipeline has a shape the compiler does not reproduce exactly."""


class Row:
    """One text's per-column contributions, gathered block by block as lists or arrays."""

    def __init__(self) -> None:
        self.columns: list[Any] = []
        self.shares: list[Any] = []

    def add(self, columns: Any, shares: Any) -> None:
        """Add a block's columns (in the union) and their contributions."""
        self.columns.append(columns)
        self.shares.append(shares)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Return every column and contribution gathered, as two arrays."""
        columns = [np.asarray(c, dtype=np.int64) for c in self.columns]
        shares = [np.asarray(s, dtype=np.float64) for s in self.shares]
        return np.concatenate([np.zeros(0, np.int64), *columns]), np.concatenate(
            [np.zeros(0), *shares]
        )


@dataclass(frozen=True)
class Shares:
    """Per-column contributions of a batch: text ``rows[k]``, column ``columns[k]``."""

    rows: np.ndarray
    columns: np.ndarray
    shares: np.ndarray
    n: int

    def totals(self) -> np.ndarray:
        """Return each text's summed contribution."""
        return np.bincount(self.rows, self.shares, minlength=self.n)


class Block:
    """One FeatureUnion block: contributes to the decision value of a normalised text."""

    def contributions(self, text: str, out: Row | None) -> float:
        """Return the block's share of the decision value; append per-column shares to out."""
        raise NotImplementedError

    def batch(self, texts: Sequence[str]) -> Shares:
        """Return the per-column contributions of every text."""
        raise NotImplementedError


class TfidfBlock(Block):
    """A TfidfVectorizer reproduced: its n-grams found, tf, idf, norm and coefficients."""

    def __init__(self, vec: TfidfVectorizer, coef: np.ndarray, offset: int, weight: float):
        vocabulary: dict[str, int] = vec.vocabulary_
        self.vocabulary = {term: int(i) for term, i in vocabulary.items()}
        idf = vec.idf_ if vec.use_idf else np.ones(len(vocabulary))
        self.idf_array = np.asarray(idf, dtype=np.float64)
        self.coef_array = np.asarray(coef, dtype=np.float64) * weight
        self.offset = offset
        self.sublinear = bool(vec.sublinear_tf)
        self.binary = bool(vec.binary)
        if vec.norm not in ("l1", "l2", None):
            raise NotCompilable(f"norm {vec.norm!r}")
        self.norm = vec.norm
        # UnknownAwareTfidf: an l2 norm that counts each distinct word without a column too.
        self.unknown_square = 0.0
        if isinstance(vec, UnknownAwareTfidf):
            self.norm = "l2"
            self.unknown_square = vec.unknown_square()
        self.lowercase = bool(vec.lowercase)
        simple = (
            vec.input == "content"
            and vec.preprocessor is None
            and vec.tokenizer is None
            and vec.stop_words is None
            and vec.strip_accents is None
        )
        # An array of columns from the n-gram finders of model/ngrams.py; from any other
        # analyzer, a list.
        self._ids: Callable[[str], list[int] | np.ndarray]
        grams: CharGrams | WordGrams | None = None
        try:
            if simple and vec.analyzer == "char_wb":
                grams = CharGrams(self.vocabulary)
            elif simple and vec.analyzer == "word" and vec.token_pattern == WordGrams.TOKEN_PATTERN:
                grams = WordGrams(self.vocabulary, vec.ngram_range)
        except ValueError:  # too big for their integer tables: sklearn's analyzer instead
            grams = None
        self._grams = grams
        if self.unknown_square and not isinstance(grams, WordGrams):
            raise NotCompilable("unknown words are counted with the default word tokens only")
        if grams is not None:
            self._ids = (lambda t: grams.columns(t.lower())) if self.lowercase else grams.columns
        else:
            analyzer = vec.build_analyzer()
            get = self.vocabulary.get
            self._ids = lambda text: [i for i in map(get, analyzer(text)) if i is not None]

    def _unknown_squares(self, texts: Sequence[str]) -> np.ndarray | float:
        """Return what each text's unknown words add to its squared norm (0: none counted)."""
        if not self.unknown_square or not isinstance(self._grams, WordGrams):
            return 0.0
        if self.lowercase:
            texts = [t.lower() for t in texts]
        return self._grams.unknown(texts) * self.unknown_square

    def contributions(self, text: str, out: Row | None) -> float:
        """Return the block's share of the decision value; append per-column shares to out."""
        columns, counts = runs(np.sort(np.asarray(self._ids(text), dtype=np.int32)))
        values = self._tf_idf(columns, counts)
        if self.norm == "l2":
            norm = math.sqrt(float(values @ values) + float(np.sum(self._unknown_squares([text]))))
        elif self.norm == "l1":
            norm = float(np.abs(values).sum())
        else:
            norm = 1.0
        if norm == 0.0:
            return 0.0
        shares = values / norm * self.coef_array[columns]
        if out is not None:
            out.add(columns + self.offset, shares)
        return float(shares.sum())

    def _tf_idf(self, columns: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Return the tf-idf value of each column from its raw count."""
        values = counts.astype(np.float64)
        if self.binary:
            values[:] = 1.0
        if self.sublinear:
            np.log(values, out=values)
            values += 1.0
        values *= self.idf_array[columns]
        return values

    def _batch_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the text index and the column of each n-gram of every text."""
        if self._grams is not None:
            if self.lowercase:
                texts = [t.lower() for t in texts]
            return self._grams.batch(texts)
        id_lists = [self._ids(t) for t in texts]
        lengths = np.fromiter(map(len, id_lists), dtype=np.int64, count=len(texts))
        flat = np.fromiter(chain.from_iterable(id_lists), dtype=np.int32, count=int(lengths.sum()))
        return np.repeat(np.arange(len(texts), dtype=np.int32), lengths), flat

    def batch(self, texts: Sequence[str]) -> Shares:
        """Return every text's share of the decision value, and the per-column shares."""
        rows, flat = self._batch_ids(texts)
        # One sort of (text, column) keys counts every n-gram of every text at once; 32-bit
        # keys, where they fit, sort faster.
        width = len(self.coef_array)
        key_type = np.dtype(np.int32 if len(texts) * width < 2**31 else np.int64)
        keys = rows.astype(key_type) * np.array(width, dtype=key_type) + flat
        keys.sort()
        unique, counts = runs(keys)
        rows, columns = np.divmod(unique, width)
        values = self._tf_idf(columns, counts)
        if self.norm == "l2":
            squares = np.bincount(rows, values * values, minlength=len(texts))
            norms = np.sqrt(squares + self._unknown_squares(texts))
        elif self.norm == "l1":
            norms = np.bincount(rows, np.abs(values), minlength=len(texts))
        else:
            norms = np.ones(len(texts))
        norms[norms == 0.0] = 1.0
        shares = values / norms[rows] * self.coef_array[columns]
        return Shares(rows, columns + self.offset, shares, len(texts))


class SignalsBlock(Block):
    """Every hand-made group of the union (model/signals.py), read in one scan of the text."""

    def __init__(self) -> None:
        self.groups: list[str] = []
        self.columns = np.zeros(0, dtype=np.int64)
        self.coef = np.zeros(0, dtype=np.float64)

    def add(self, signals: TextSignals, coef: np.ndarray, offset: int, weight: float) -> None:
        """Add one group's columns."""
        self.groups.append(signals.group)
        self.columns = np.r_[self.columns, np.arange(offset, offset + len(coef))]
        self.coef = np.r_[self.coef, coef * weight]
        self.pairs = list(zip(self.columns.tolist(), self.coef.tolist(), strict=True))

    def contributions(self, text: str, out: Row | None) -> float:
        """Return the block's share of the decision value; append per-column shares to out."""
        values = signal_values(text, self.groups)
        shares = [(c, v * w) for (c, w), v in zip(self.pairs, values, strict=True) if v]
        if out is not None:
            out.add([c for c, _ in shares], [share for _, share in shares])
        return sum([share for _, share in shares])

    def batch(self, texts: Sequence[str]) -> Shares:
        """Return the per-column contributions of every text."""
        matrix = np.array([signal_values(t, self.groups) for t in texts], dtype=np.float64)
        rows, columns = np.nonzero(matrix.reshape(len(texts), len(self.columns)))
        shares = matrix[rows, columns] * self.coef[columns]
        return Shares(rows.astype(np.int64), self.columns[columns], shares, len(texts))


class TransformBlock(Block):
    """Any other block: its own transform, dotted with its slice of the coefficients."""

    def __init__(self, transformer: Any, coef: np.ndarray, offset: int, weight: float):
        self.transformer = transformer
        self.coef = coef * weight
        self.offset = offset

    def contributions(self, text: str, out: Row | None) -> float:
        """Return the block's share of the decision value; append per-column shares to out."""
        row = self.transformer.transform([text])
        # One dense row needs no sparse matrix: building one costs more than the features.
        values = (row.toarray() if sparse.issparse(row) else np.asarray(row))[0]
        columns = np.flatnonzero(values)
        shares = values[columns] * self.coef[columns]
        if out is not None:
            out.add(columns + self.offset, shares)
        return float(shares.sum())

    def batch(self, texts: Sequence[str]) -> Shares:
        """Return the per-column contributions of every text."""
        matrix = sparse.coo_array(self.transformer.transform(list(texts)))
        keep = matrix.data != 0
        rows, columns = matrix.coords[0][keep], matrix.coords[1][keep]
        shares = matrix.data[keep] * self.coef[columns]
        return Shares(rows.astype(np.int64), columns + self.offset, shares, len(texts))


def width_of(transformer: Any) -> int:
    """Return how many columns a fitted block contributes to the union."""
    if isinstance(transformer, TfidfVectorizer):
        return len(transformer.vocabulary_)
    return len(transformer.get_feature_names_out())
