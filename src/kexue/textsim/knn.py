"""k-nearest-neighbour text classification with WMD, WRD and bag-of-words baselines (the WMD paper's protocol).

Protocol (Kusner et al. 2015): ``k`` is chosen by 5-fold cross-validation on the training split over
``{1, 3, …, 19}``; a test text gets the majority label of its ``k`` nearest training texts, and when the
vote has no unique winner ``k`` drops by 2 until it has one (down to ``k = 1``). The error is averaged
over random train/test splits. Baselines follow the re-evaluation of Sato et al. (2022): L1-normalised
bag-of-words and TF-IDF vectors compared with the L1 distance.

All distances are computed once on a document pool (one matrix per measure), and every split reads its
train×train and test×train blocks from it; the WMD/WRD solves go through
:func:`kexue.textsim.evaluation.exact_distances`.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from kexue._validation import check_choice, check_positive_int

__all__ = ["K_GRID", "KNN_MEASURES", "fallback_vote", "knn_predict", "select_k", "distance_matrix",
           "evaluate_knn"]

K_GRID = tuple(range(1, 20, 2))
KNN_MEASURES = ("bow", "tfidf", "wmd", "wrd")


def fallback_vote(labels) -> int:
    """Majority label of neighbours sorted nearest first; on a tie drop the 2 farthest and vote again."""
    labels = np.asarray(labels)
    k = len(labels)
    while k > 1:
        values, counts = np.unique(labels[:k], return_counts=True)
        top = counts == counts.max()
        if top.sum() == 1:
            return int(values[top][0])
        k = max(k - 2, 1)
    return int(labels[0])


def knn_predict(D, y_train, k: int) -> np.ndarray:
    """Labels for each row of ``D`` (n_test, n_train distances) by fall-back k-NN voting."""
    D = np.asarray(D, dtype=np.float64)
    y_train = np.asarray(y_train)
    if D.ndim != 2 or D.shape[1] != y_train.shape[0]:
        raise ValueError(f"D must have shape (n_test, n_train={y_train.shape[0]}), got {D.shape}")
    k = min(check_positive_int(k, "k"), D.shape[1])
    # stable sort: ties in distance go to the lower training index, so results are reproducible
    order = np.argsort(D, axis=1, kind="stable")[:, :k]
    return np.array([fallback_vote(y_train[row]) for row in order], dtype=y_train.dtype)


def select_k(D_train, y_train, ks=K_GRID, n_folds: int = 5, random_state=None) -> tuple[int, dict]:
    """k with the lowest ``n_folds``-fold cross-validated error on the training split (smallest k on ties).

    Returns ``(k, {k: cv_error})``.
    """
    from sklearn.model_selection import StratifiedKFold

    D_train = np.asarray(D_train, dtype=np.float64)
    y_train = np.asarray(y_train)
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    errors = {k: 0.0 for k in ks}
    with warnings.catch_warnings():  # a class rarer than n_folds (TREC's ABBR) is expected, not a problem
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        fold_list = list(folds.split(np.zeros(len(y_train)), y_train))
    for fit, val in fold_list:
        D = D_train[np.ix_(val, fit)]
        for k in ks:
            errors[k] += float(np.sum(knn_predict(D, y_train[fit], k) != y_train[val]))
    errors = {k: e / len(y_train) for k, e in errors.items()}
    return min(ks, key=lambda k: (errors[k], k)), errors


def _bow_matrix(token_lists, tfidf: bool) -> np.ndarray:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    vec = (TfidfVectorizer(analyzer=lambda t: t, norm="l1") if tfidf else
           CountVectorizer(analyzer=lambda t: t))
    X = vec.fit_transform(token_lists).astype(np.float64)
    return np.asarray(X.multiply(1.0 / X.sum(axis=1)).todense()) if not tfidf else np.asarray(X.todense())


def distance_matrix(measure: str, docs) -> np.ndarray:
    """Symmetric (n, n) distances between documents given as :class:`EmbeddedText`.

    ``bow`` / ``tfidf``: L1 distance of L1-normalised count / TF-IDF vectors of the tokens;
    ``wmd``: exact WMD with nBOW masses; ``wrd``: exact WRD.
    """
    from scipy.spatial.distance import cdist

    from kexue.textsim.evaluation import exact_distances

    check_choice(measure, "measure", KNN_MEASURES)
    if measure in ("bow", "tfidf"):
        X = _bow_matrix([d.tokens for d in docs], measure == "tfidf")
        return cdist(X, X, "cityblock")
    i, j = np.triu_indices(len(docs), 1)
    D = np.zeros((len(docs), len(docs)))
    D[i, j] = exact_distances(measure, [docs[a].vectors for a in i], [docs[b].vectors for b in j])
    return D + D.T


def evaluate_knn(dataset: str = "tweets", measures=KNN_MEASURES, embedder="spacy-md", *, n_docs: int | None = 600,
                 n_splits: int = 5, test_size: float = 1 / 3, random_state: int = 0,
                 stop_words: bool | None = None) -> dict:
    """Test error of fall-back k-NN per measure: mean and std over ``n_splits`` random stratified splits.

    Parameters
    ----------
    dataset : {"tweets", "amazon", "trec"}
        From :func:`kexue.datasets.load_text_classification`.
    measures : iterable of {"bow", "tfidf", "wmd", "wrd"}
    embedder : str or Embedder
        Word vectors for WMD/WRD (all measures use its tokens).
    stop_words : bool, optional
        Remove English stop words (with a named embedder). Default: removed except on tweets, as in the WMD
        paper.
    n_docs : int or None
        Size of the random document pool the splits are drawn from (exact WMD/WRD need n²/2 solves);
        None uses every document.
    n_splits : int
    test_size : float
        Fraction of the pool in each test split.

    Returns
    -------
    dict
        ``{measure: {"error_mean", "error_std" (percent), "errors", "ks", "seconds"}}`` plus
        ``"_info": {"dataset", "n_pool", "n_train", "n_test", "n_classes", "n_available"}``.
    """
    from sklearn.model_selection import StratifiedShuffleSplit

    from kexue.datasets import load_text_classification
    from kexue.textsim.embedders import Embedder, get_embedder

    measures = list(measures)
    for m in measures:
        check_choice(m, "measure", KNN_MEASURES)
    n_splits = check_positive_int(n_splits, "n_splits")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    if n_docs is not None:
        check_positive_int(n_docs, "n_docs", minimum=20)
    texts, labels = load_text_classification(dataset)
    if isinstance(embedder, str):
        remove = dataset != "tweets" if stop_words is None else stop_words
        embedder = get_embedder(embedder, stop_words="english" if remove else None)
    elif not isinstance(embedder, Embedder):
        raise TypeError(f"embedder must be a name or an Embedder, got {type(embedder).__name__}")
    rng = np.random.default_rng(random_state)
    order = rng.permutation(len(texts))
    pool, n_available = [], 0
    # walk a random order, keeping texts with at least one known token, until the pool is full
    for start in range(0, len(order), 512):
        chunk = order[start:start + 512]
        for idx, e in zip(chunk, embedder.embed([texts[i] for i in chunk])):
            if e.tokens:
                pool.append((idx, e))
        if n_docs is not None and len(pool) >= n_docs:
            break
    if n_docs is not None:
        pool = pool[:n_docs]
    docs = [e for _, e in pool]
    y = labels[[i for i, _ in pool]]
    splits = list(StratifiedShuffleSplit(n_splits=n_splits, test_size=test_size,
                                         random_state=random_state).split(np.zeros(len(y)), y))
    out: dict = {"_info": {"dataset": dataset, "n_pool": len(docs), "n_train": len(splits[0][0]),
                           "n_test": len(splits[0][1]), "n_classes": int(len(np.unique(y))),
                           "n_available": len(texts), "embedder": getattr(embedder, "name", "?")}}
    for m in measures:
        t0 = time.perf_counter()
        D = distance_matrix(m, docs)
        errors, ks = [], []
        for s, (train, test) in enumerate(splits):
            k, _ = select_k(D[np.ix_(train, train)], y[train], random_state=random_state + s)
            pred = knn_predict(D[np.ix_(test, train)], y[train], k)
            errors.append(100.0 * float(np.mean(pred != y[test])))
            ks.append(k)
        out[m] = {"error_mean": float(np.mean(errors)), "error_std": float(np.std(errors)), "errors": errors,
                  "ks": ks, "seconds": time.perf_counter() - t0}
    return out
