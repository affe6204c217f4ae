"""Sparse NLU features joined without ``scipy.sparse.hstack``.

Every message's sparse features (two count-vector featurizers, the lexical and the regex featurizer, per token and
per sentence) are joined side by side with ``scipy.sparse.hstack``, whose general block-matrix machinery costs about
180 µs per join on these small matrices: 7 % of the Rasa server's CPU at 20 conversations at once (py-spy). Joining two
COO matrices side by side is concatenating their entries with the right-hand columns shifted, which gives the same
matrix (same entries in the same order, same shape, dtype and index type) in about 40 µs.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features


def hstack(left: scipy.sparse.spmatrix, right: scipy.sparse.spmatrix) -> scipy.sparse.coo_matrix:
    """``scipy.sparse.hstack([left, right])`` for two matrices with the same number of rows."""
    left, right = left.tocoo(copy=False), right.tocoo(copy=False)
    return scipy.sparse.coo_matrix(
        (
            np.concatenate((left.data, right.data)),
            (np.concatenate((left.row, right.row)), np.concatenate((left.col, right.col + left.shape[1]))),
        ),
        shape=(left.shape[0], left.shape[1] + right.shape[1]),
    )


def combine_sparse_features(self: Features, additional_features: Features) -> None:
    """Drop-in for ``Features._combine_sparse_features``."""
    if self.features.shape[0] != additional_features.features.shape[0]:
        raise ValueError(
            f"Cannot combine sparse features as sequence dimensions do not "
            f"match: {self.features.shape[0]} != "
            f"{additional_features.features.shape[0]}."
        )
    self.features = hstack(self.features, additional_features.features)
    self._cached_fingerprint = None


def install() -> None:
    Features._combine_sparse_features = combine_sparse_features
