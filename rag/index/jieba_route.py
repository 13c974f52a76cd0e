"""jieba's best path through a block, found by a compiled trie instead of its Python loops.

jieba cuts a block of Chinese in three steps: every dictionary word starting at each character
(``get_DAG``), the most probable path through them (``calc``), then its HMM for runs of
characters no word covers. The first two were two thirds of an ingest's cut, in pure Python.
``jieba_next`` (a PyPI wheel) ships them as one Rust function over a trie built from a word ->
frequency table: given jieba's own table and total, it returns jieba's own path (same
arithmetic, ties to the longer word as jieba's ``max`` does), so the words are jieba's, and its
HMM stays jieba's Python. 103,347 distinct blocks of 2,000 archive articles cut the same, 2.2×
faster (``bench/segmenters.py --route``).

Without ``jieba_next`` installed, jieba runs as it is: the same words, slower.
"""

from __future__ import annotations

from itertools import repeat


class TrieRoute:
    """``calc`` for a jieba ``Tokenizer``: the route from a trie of its dictionary, rebuilt
    (~0.1 s) after the dictionary changed (``stale``, or a change in its size or total)."""

    def __init__(self, tokenizer, prefix_dict):
        self.tokenizer, self.prefix_dict = tokenizer, prefix_dict
        self.trie = None
        self.key: tuple[int, float] = (0, 0.0)

    def stale(self) -> None:
        """The dictionary changed (a word added, a frequency changed): rebuild before the next
        cut. A changed frequency leaves the size alone, so a lesson says so itself."""
        self.trie = None

    def calc(self, sentence: str, dag, route: dict) -> None:
        """Fill ``route`` as jieba's ``calc`` does, for jieba's cut: position -> (score, end
        of the word starting there). Only the end is read; the score is left at 0."""
        dt = self.tokenizer
        key = (len(dt.FREQ), dt.total)
        if self.trie is None or key != self.key:
            self.trie, self.key = self.prefix_dict(dt.FREQ, float(dt.total)), key
        route.update(enumerate(zip(repeat(0.0), self.trie.get_dag_and_calc(sentence))))


class DeferredDAG:
    """What the tokenizer's ``get_DAG`` returns: nothing is computed unless it is read (its cut
    reads only the route; jieba's ``cut_all`` reads the words themselves)."""

    def __init__(self, tokenizer, sentence: str):
        self.tokenizer, self.sentence = tokenizer, sentence

    def items(self):
        return type(self.tokenizer).get_DAG(self.tokenizer, self.sentence).items()


def route_by_trie(tokenizer) -> TrieRoute | None:
    """Make ``tokenizer`` (jieba's, initialised) find its paths with ``jieba_next``'s trie;
    None, and jieba left as it is, when that is not installed."""
    try:
        from jieba_next.jieba_next_rust import PrefixDict
    except ImportError:
        return None
    route = TrieRoute(tokenizer, PrefixDict)
    # instance attributes: jieba's own cut (and its part-of-speech cut, which calls the same
    # two) looks these up on the instance before its class
    tokenizer.get_DAG = lambda sentence: DeferredDAG(tokenizer, sentence)
    tokenizer.calc = route.calc
    return route
