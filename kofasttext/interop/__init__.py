"""Other programs' formats: vectors leaving kofasttext (and, later, fastText and gensim files coming in).

- `vec`: the word2vec / fastText text format, one ``word v1 v2 ...`` line per word.
"""
