"""Published corpora, fetched and rebuilt in the layout of the shared data folder: `nsmc` (the Naver sentiment
movie corpus). A new data set gets a module of its own here."""
