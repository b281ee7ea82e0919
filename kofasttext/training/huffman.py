"""The Huffman tree of hierarchical softmax (``--loss hs``), built as fastText and word2vec build it.

Hierarchical softmax replaces the output layer's row per word by the ``V - 1`` inner nodes of a binary tree
whose ``V`` leaves are the words of the training run (`loop.END_OF_LINE`'s ``</s>`` one of them, as in
fastText). Predicting a word is a chain of yes/no questions from the root down to its leaf, one logistic
regression per inner node on its path (`steps`): a word of probability ``p`` sits about ``log2(1 / p)`` nodes
deep, so the frequent words, most of the predictions, cost a few dot products each, and no negatives are drawn.

The tree is fastText's (``HierarchicalSoftmaxLoss::buildTree``; word2vec's ``CreateBinaryTree`` is the same
method): the leaves sorted by count, most frequent first, and two queues, the leaves from the rarest up and the
inner nodes in the order they are made (a new node is never rarer than the one made before it, so that queue
stays sorted); each step merges the two rarest heads into a new inner node, ``V - 1`` steps in all, O(V) after
the sort. Its quiet choices, all fastText's, so that the tree fastText builds from a file's dictionary is this
one (`interop.fasttext_bin` writes an hs model's dictionary in leaf order):

* **Leaf order.** By count, most frequent first; equal counts in id order (a stable sort). fastText takes its
  dictionary's order, which is sorted by count.
* **Ties.** A leaf is taken before an inner node only when it is strictly rarer.
* **Inner node ids**, the rows of the output matrix: in the order the nodes are made, 0 the parent of the two
  rarest leaves, ``V - 2`` the root.
* **Codes.** Of the two nodes a merge takes, the first (the rarer) is the branch coded 0, the second 1. The code
  is fastText's label: at a node coded 1 the path goes where ``sigmoid(<h, node>)`` should be 1. (word2vec's
  label is ``1 - code``; the two trees are mirror images and train alike.)
* **Paths** run from the leaf's parent up to the root, fastText's order, and are padded to the deepest path:
  node 0 and code 0 past a word's ``lengths``, slots that code reading the paths must mask (`steps` does).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class HuffmanTree(NamedTuple):
    """Every leaf's path to the root, padded, indexed by word id (the order of the counts it was built from)."""

    paths: np.ndarray  # int64 [V, depth]: inner nodes (output rows) from the leaf's parent to the root; then 0
    codes: np.ndarray  # int8 [V, depth]: the branch taken below each of them, 0 or 1 (fastText's label); then 0
    lengths: np.ndarray  # int64 [V]: how many of a word's slots are its path (its code length)

    @property
    def inner_nodes(self) -> int:
        """``V - 1``: the rows of the output matrix hierarchical softmax trains."""
        return max(len(self.lengths) - 1, 0)


def build_huffman_tree(counts) -> HuffmanTree:
    """The Huffman tree over words of these ``counts`` (any order; see the module docstring for every choice).

    Examples
    --------
    >>> tree = build_huffman_tree([5, 3, 2, 1])
    >>> tree.lengths.tolist()  # the most frequent word has the shortest code
    [1, 2, 3, 3]
    >>> tree.paths[3].tolist(), tree.codes[3].tolist()  # the rarest: parent 0, then 1, then the root 2
    ([0, 1, 2], [0, 0, 1])
    """
    counts = np.asarray(counts, dtype=np.int64)
    leaves = len(counts)
    if counts.ndim != 1 or leaves == 0:
        raise ValueError("a Huffman tree needs the counts of one or more words")
    order = np.argsort(-counts, kind="stable")  # leaf rank -> word id: most frequent first, ties in id order
    parent, code = _merge(counts[order].tolist())
    # Every leaf walks up one level per round, all leaves at once (rounds: the depth of the deepest leaf).
    current = np.arange(leaves)
    columns_paths, columns_codes = [], []
    lengths = np.zeros(leaves, dtype=np.int64)
    climbing = parent[current] >= 0
    while climbing.any():
        above = parent[current]
        columns_paths.append(np.where(climbing, above - leaves, 0))
        columns_codes.append(np.where(climbing, code[current], 0))
        lengths += climbing
        current = np.where(climbing, above, current)
        climbing = parent[current] >= 0
    depth = len(columns_paths)
    paths = np.zeros((leaves, depth), dtype=np.int64)
    codes = np.zeros((leaves, depth), dtype=np.int8)
    if depth:  # rows by leaf rank, put back in word-id order
        paths[order] = np.stack(columns_paths, axis=1)
        codes[order] = np.stack(columns_codes, axis=1)
    by_word = np.empty_like(lengths)
    by_word[order] = lengths
    return HuffmanTree(paths, codes, by_word)


def _merge(sorted_counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(parent, code)`` of the ``2V - 1`` nodes (the leaves by rank, then the inner nodes as made): fastText's
    two-queue merge over counts sorted most frequent first. The root's parent is -1."""
    leaves = len(sorted_counts)
    count = sorted_counts + [0] * (leaves - 1)
    parent = [-1] * (2 * leaves - 1)
    code = [0] * (2 * leaves - 1)
    leaf, node = leaves - 1, leaves  # the rarest leaf not yet merged; the oldest inner node not yet merged
    for made in range(leaves, 2 * leaves - 1):
        taken = []
        for _ in range(2):
            # An inner node not yet made (node == made) counts as infinitely frequent, as in fastText.
            if leaf >= 0 and (node == made or count[leaf] < count[node]):
                taken.append(leaf)
                leaf -= 1
            else:
                taken.append(node)
                node += 1
        first, second = taken
        count[made] = count[first] + count[second]
        parent[first] = parent[second] = made
        code[second] = 1
    return np.asarray(parent, dtype=np.int64), np.asarray(code, dtype=np.int8)
