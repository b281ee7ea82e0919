"""Other programs' file formats, as bytes and arrays: what `Model.save_fasttext`, `Model.save_vec`,
`Model.from_fasttext` and `Model.from_vec` read and write (and `kft.load` dispatches to).

- `fasttext_bin`: fastText's binary model (``.bin``), which fastText and gensim load;
- `vec`: the word2vec formats, text (``.vec``: fastText, gensim, spaCy) and binary (word2vec, gensim);
- `floret`: floret's text table of a Bloom-hashed model (``.floret``), which spaCy loads as floret vectors.

The formats know nothing of the `Model` class (they take and give its parts), so the model, one layer up,
can read and write itself through them, as it does its own format through `modelfile`.
"""
