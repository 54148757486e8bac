"""Weight each document's term counts by the inverse of its length (documents are rows)."""
import numpy as np

rng = np.random.default_rng(14)
counts = rng.integers(0, 5, size=(7, 7)).astype(float) + 1
doc_len = counts.sum(axis=1)
inv_len = 1.0 / doc_len
tf = counts * inv_len  # BUG
idf = np.log(len(counts) / (counts > 1).sum(axis=0))
tfidf = tf * idf
first_term = counts[:, 0]
ratios = counts / first_term  # BUG
print(tfidf.shape, ratios.shape)
