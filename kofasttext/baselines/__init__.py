"""Baselines: word vectors made another way than subword skip-gram, behind the same query verbs
(`kofasttext.queries.VectorQueries`), saved and loaded like every model.

- `ppmi`: positive PMI of co-occurrence counts, reduced by truncated SVD (`train_ppmi`, `PPMIModel`);
(The windowed co-occurrence counting PPMI shares with GloVe is `kofasttext.corpus.cooccurrence`; GloVe, a
trained model, is `kofasttext.training.glove`.)
"""
