"""A fitted vocabulary's n-grams found in texts with numpy, all positions at once.

Each class here gives the vocabulary columns of a text's n-grams (``columns``) or of a whole
batch's (``batch``), exactly as scikit-learn's analyzer would count them.

``CharGrams`` (``char_wb``): scikit-learn pads each whitespace-separated word with a space and
emits every window of n characters of the padded word (a padded word shorter than n counts
once, whole). Written one after the other with two spaces between them (" foo  bar "), the
padded words hold exactly those windows, plus windows across two words; those hold two
spaces in a row or a space inside, which no vocabulary term has. So the n-grams of a text are
the vocabulary terms among all windows of that one string. The terms are stored as a trie
over the characters they use: ``step[node, char]`` is the node reached by reading ``char`` at
``node`` (0: no term starts so). Reading from every position of the string at once, one
numpy ``take`` per depth, finds the terms of every length at every position; ``column[node]``
is the vocabulary column of the term a node spells (-1 for a prefix only). A batch is one
string: its texts are joined like words, so no window crosses two texts either.

``WordGrams`` (``word``, the default token pattern): the n-grams are every window of n
tokens. Tokens become numbers (0: a token no term uses), a window of n of them one integer
key, and the keys are looked up among the terms' sorted keys. A batch is one token sequence
with a 0 between texts: no term holds a 0, so no window across two texts is a term.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import chain, repeat

import numpy as np

_ROOT = 1  # node 0 is where no term leads
_NONE = np.zeros(0, dtype=np.int32)


class CharGrams:
    """The char_wb n-gram columns of texts, for one fitted vocabulary (lowercased already)."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        chars = sorted(set("".join(vocabulary)))
        # 0 is any character no term uses: reading it leads nowhere.
        self.width = len(chars) + 1
        codes = np.array([ord(c) for c in chars], dtype=np.int64)
        # One entry past the largest code point, 0, for every code point above it.
        self.char_ids = np.zeros(int(codes.max(initial=0)) + 2, dtype=np.int32)
        self.char_ids[codes] = np.arange(1, len(chars) + 1)
        char_id = {c: i for i, c in enumerate(chars, start=1)}
        self.depth = max(map(len, vocabulary), default=0)
        # Every prefix of a term is a node, numbered shortest first: the nodes that may read
        # on (shorter than the longest terms) come first, and only they get a row of ``step``.
        prefixes = sorted({t[:d] for t in vocabulary for d in range(1, len(t) + 1)}, key=len)
        node_of = {"": _ROOT}
        for prefix in prefixes:
            node_of[prefix] = len(node_of) + 1
        rows = 2 + sum(len(p) < self.depth for p in prefixes)
        if rows * self.width >= 2**31:
            raise ValueError("the trie's table does not fit 32-bit indices")
        self.step = np.zeros(rows * self.width, dtype=np.int32)
        for prefix in prefixes:
            self.step[node_of[prefix[:-1]] * self.width + char_id[prefix[-1]]] = node_of[prefix]
        self.column = np.full(len(node_of) + 1, -1, dtype=np.int32)
        for term, column in vocabulary.items():
            self.column[node_of[term]] = column

    def _walk(self, string: str) -> list[np.ndarray]:
        """Return, per depth d, the column of the term of d + 1 characters at each position.

        -1 where no term starts; each depth's array is one position shorter than the last.
        """
        codes = np.frombuffer(string.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ids = self.char_ids[np.minimum(codes, len(self.char_ids) - 1)]
        found = []
        nodes = np.full(len(ids), _ROOT, dtype=np.int32)
        for d in range(self.depth):
            # nodes[i]: the node spelled by the d characters from i; read the next one.
            nodes = self.step.take(nodes[: len(ids) - d] * self.width + ids[d:])
            found.append(self.column.take(nodes))
        return found

    def columns(self, text: str) -> np.ndarray:
        """Return the column of each of the text's n-grams in the vocabulary (with repeats)."""
        words = text.split()
        if not words:
            return _NONE
        found = np.concatenate([_NONE, *self._walk(f" {'  '.join(words)} ")])
        return found[found >= 0]

    def batch(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the text index and the column of each n-gram of every text (with repeats)."""
        padded = [f" {'  '.join(words)} " if (words := t.split()) else "" for t in texts]
        # The text each character of the joined string belongs to, and so each window.
        owner = np.repeat(np.arange(len(texts), dtype=np.int32), [len(p) for p in padded])
        rows, columns = [_NONE], [_NONE]
        for found in self._walk("".join(padded)):
            starts = (found >= 0).nonzero()[0]
            rows.append(owner[starts])
            columns.append(found[starts])
        return np.concatenate(rows), np.concatenate(columns)


class WordGrams:
    """The word n-gram columns of texts, for one vocabulary fitted with the default tokens."""

    # scikit-learn's default token pattern: its tokens hold no space, so a term's tokens are
    # its parts between spaces.
    TOKEN_PATTERN = r"(?u)\b\w\w+\b"

    def __init__(self, vocabulary: Mapping[str, int], ngram_range: tuple[int, int]) -> None:
        self.min_n, self.max_n = ngram_range
        tokens = sorted({part for term in vocabulary for part in term.split(" ")})
        self._token_id = {t: i for i, t in enumerate(tokens, start=1)}
        self._base = len(tokens) + 1
        if (self.max_n + 1) * self._base**self.max_n >= 2**63:
            raise ValueError("the n-gram keys do not fit 64 bits")
        self._tokens = re.compile(self.TOKEN_PATTERN).findall
        terms = list(vocabulary)
        keys = np.array(
            [self._key([self._token_id[t] for t in term.split(" ")]) for term in terms],
            dtype=np.int64,
        )
        order = np.argsort(keys)
        self._keys = keys[order]
        self._columns = np.array([vocabulary[terms[i]] for i in order], dtype=np.int32)
        # A token's own column, if it is a term: read directly, not searched for.
        self._unigrams = np.full(self._base, -1, dtype=np.int32)
        for term, column in vocabulary.items():
            if " " not in term:
                self._unigrams[self._token_id[term]] = column
        self._unigram_terms = frozenset(t for t in vocabulary if " " not in t)

    def _key(self, ids: list[int]) -> int:
        """Return the key of one n-gram of token ids: its length, then its ids, in base B."""
        key = len(ids)
        for i in ids:
            key = key * self._base + i
        return key

    def _find(self, ids: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return, per n, the start of each window of n ids that is a term, and its column."""
        found: list[tuple[np.ndarray, np.ndarray]] = []
        if not len(self._keys):
            return found
        keys = np.zeros(len(ids), dtype=np.int64)
        for n in range(1, self.max_n + 1):
            # keys[i]: the ids from i to i + n - 1 in base B (a term's key adds n in front)
            keys = keys[: len(ids) - n + 1] * self._base + ids[n - 1 :]
            if n == 1 and self.min_n == 1:
                columns = self._unigrams.take(ids)
                starts = (columns >= 0).nonzero()[0]
                found.append((starts, columns[starts]))
            elif n >= self.min_n:
                lead = n * self._base**n
                at = np.minimum(np.searchsorted(self._keys, keys + lead), len(self._keys) - 1)
                starts = (self._keys[at] == keys + lead).nonzero()[0]
                found.append((starts, self._columns[at[starts]]))
        return found

    def _ids(self, tokens: list[str]) -> np.ndarray:
        """Return the number of each token (0: in no term)."""
        return np.fromiter(map(self._token_id.get, tokens, repeat(0)), np.int64, len(tokens))

    def columns(self, text: str) -> np.ndarray:
        """Return the column of each of the text's n-grams in the vocabulary (with repeats)."""
        found = self._find(self._ids(self._tokens(text)))
        return np.concatenate([_NONE, *(c for _, c in found)])

    def unknown(self, texts: Sequence[str]) -> np.ndarray:
        """Return how many distinct tokens of each text are no unigram term."""
        terms = self._unigram_terms
        return np.array([len(set(self._tokens(t)) - terms) for t in texts], dtype=np.float64)

    def batch(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the text index and the column of each n-gram of every text (with repeats)."""
        # Each text's tokens and then a 0: windows across two texts hold it, and match no term.
        token_lists = [[*self._tokens(t), ""] for t in texts]
        owner = np.repeat(np.arange(len(texts), dtype=np.int32), [len(t) for t in token_lists])
        found = self._find(self._ids(list(chain.from_iterable(token_lists))))
        rows = np.concatenate([_NONE, *(owner[s] for s, _ in found)])
        return rows, np.concatenate([_NONE, *(c for _, c in found)])
