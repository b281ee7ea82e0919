"""Baselines: word vectors made another way than subword skip-gram, behind the same query verbs
(`kofasttext.queries.VectorQueries`), saved and loaded like every model.

- `ppmi`: positive PMI of co-occurrence counts, reduced by truncated SVD (`train_ppmi`, `PPMIModel`);
- `cooccurrence`: the windowed co-occurrence counting the count-based models share.
"""
