"""How well does each similarity measure agree with human judgements? Spearman and Pearson (×100) on STS data.

:func:`evaluate_sts` embeds every distinct sentence once, fits the requested vector converters on the
STS-B *train* sentences only, scores each pair with each measure and correlates the scores with the gold
similarities. Measure names are a base measure optionally followed by converters, joined with ``+``:

============== ===============================================================================================
``cosine``      cosine of the (weighted) summed vectors — summing and averaging give the same value
``wmd``         Word Mover's Distance, Euclidean cost, uniform mass per token (Su's setting), scored as −WMD
``wmd-nbow``    WMD as in Kusner et al.: English stop words removed, nBOW masses (count / length)
``wrd``         1 − Word Rotator's Distance (mass ∝ weight·‖v‖, cost 1 − cos)
``wrd-relaxed`` 1 − the relaxed WRD bound = min(P, R) of norm-weighted greedy matching
``bertscore-f`` BERTScore F (greedy cosine matching; uniform weights, or the converter's weights)
``moverscore``  MoverScore-v2 style 1/(1 + EMD) on unit vectors with idf masses (idf from the train sentences)
============== ===============================================================================================

e.g. ``"wrd+sif"``, ``"cosine+sif+ccr"`` (SIF's full recipe), ``"wrd+usif"``, ``"wmd+abtt"``, ``"wrd+whiten"``.

Every exact optimal-transport solve of the evaluation (and of :mod:`kexue.textsim.knn`) goes through
:func:`exact_distances`, which hands them to the parallel batched solver (:mod:`kexue.textsim.batch`).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping

import numpy as np

from kexue._validation import check_choice, check_positive_int
from kexue.textsim.bertscore import IDF, bertscore
from kexue.textsim.bounds import wrd_relaxed
from kexue.textsim.converters import Converter, WeightedText, as_weighted, make_converter
from kexue.textsim.cosine import cosine
from kexue.textsim.embedders import Embedder, get_embedder
from kexue.textsim.embedders.tokenize import english_stop_words
from kexue.textsim.moverscore import moverscore
from kexue.textsim.batch import wmd_batch, wrd_batch

__all__ = ["evaluate_sts", "exact_distances", "default_measures", "BASE_MEASURES", "STS_DATASETS",
           "STS_CONVERTERS", "embed_unique", "plot_sts"]

BASE_MEASURES = ("cosine", "wmd", "wmd-nbow", "wrd", "wrd-relaxed", "bertscore-f", "moverscore")
#: converter recipes of the default table: SIF weights, SIF's "WR" (weights + 1 component removed), uSIF
#: (weights + 5 scaled components), all-but-the-top, whitening
STS_CONVERTERS = ("sif", "sif+ccr", "usif", "abtt", "whiten")
STS_DATASETS = ("stsb-en", "stsb-zh", "lee")
ENGLISH_EMBEDDERS = ("spacy-md", "minilm")


def default_measures(converters=STS_CONVERTERS) -> list[str]:
    """Every base measure, alone and with each converter recipe."""
    return [m if c is None else f"{m}+{c}" for c in (None, *converters) for m in BASE_MEASURES]


def exact_distances(kind: str, xs, ys, x_weights=None, y_weights=None) -> np.ndarray:
    """Exact WRD or WMD for each pair ``(xs[k], ys[k])`` — the single loop over optimal-transport solves.

    For WRD the weights are folded into the vectors (``w_i x_i``): WRD's mass is ``w_i‖x_i‖`` and its cost
    sees only directions, so the value is unchanged and a batched ``wrd_batch(xs, ys)`` is a drop-in.
    """
    check_choice(kind, "exact measure", ("wrd", "wmd"))
    if kind == "wrd":
        n = len(xs)
        xs = [x if w is None else x * np.asarray(w)[:, None] for x, w in zip(xs, x_weights or [None] * n)]
        ys = [y if w is None else y * np.asarray(w)[:, None] for y, w in zip(ys, y_weights or [None] * n)]
        return wrd_batch(xs, ys)
    return wmd_batch(xs, ys, _uniform_if_none(xs, x_weights), _uniform_if_none(ys, y_weights))


def _uniform_if_none(seqs, weights):
    """Per-text weights for the batch solver: None when no text has any, else ones where a text has none."""
    if weights is None or all(w is None for w in weights):
        return None
    return [np.ones(len(s)) if w is None else np.asarray(w, np.float64) for s, w in zip(seqs, weights)]


def parse_measure(name: str, converters: Mapping | None = None) -> tuple[str, str | None]:
    """Split ``"wrd+sif+ccr"`` into ``("wrd", "sif+ccr")`` and check both parts."""
    if not isinstance(name, str):
        raise TypeError(f"measure names are strings, got {type(name).__name__}")
    base, _, conv = name.partition("+")
    check_choice(base, "measure", BASE_MEASURES)
    if conv and conv not in (converters or {}):
        make_converter(conv)  # raises a clear error for unknown parts
    return base, conv or None


_EMBEDDINGS: "weakref.WeakKeyDictionary[Embedder, dict]" = weakref.WeakKeyDictionary()


def embed_unique(embedder: Embedder, texts) -> dict:
    """Embed each distinct text once, remembering it for later calls with the same embedder object.

    New texts are embedded shortest first, so transformer batches carry little padding.
    """
    cache = _EMBEDDINGS.setdefault(embedder, {})
    new = sorted(set(texts) - cache.keys(), key=len)
    if new:
        cache.update(zip(new, embedder.embed(new)))
    return {t: cache[t] for t in texts}


def _load(dataset: str, split: str):
    """(texts_a, texts_b, gold, fit_texts) for a data set; converters are fitted on STS-B train only."""
    from kexue.datasets import load_lee, load_stsb

    check_choice(dataset, "dataset", STS_DATASETS)
    lang = "zh" if dataset == "stsb-zh" else "en"
    train = load_stsb("train", lang)
    fit_texts = train.sentences1 + train.sentences2
    if dataset == "lee":
        if split != "test":
            raise ValueError("the Lee corpus has one set of 1,225 scored pairs; use split='test'")
        lee = load_lee()
        docs = lee.documents
        return [docs[i] for i in lee.pairs[:, 0]], [docs[j] for j in lee.pairs[:, 1]], lee.scores, fit_texts
    check_choice(split, "split", ("test", "dev"))
    data = load_stsb(split, lang)
    return data.sentences1, data.sentences2, data.scores, fit_texts


def _check_chinese(embedder: Embedder, sample: list[str]) -> None:
    name = getattr(embedder, "name", "")
    _check_chinese_name(name)
    kept = total = 0
    for e in embedder.embed(sample):
        kept += sum(t not in ("[UNK]", "<unk>") for t in e.tokens)
        total += len(e.tokens) + len(e.dropped)
    if total == 0 or kept / total < 0.5:
        raise ValueError(f"embedder {name!r} knows only {kept} of {total} tokens of Chinese STS-B sentences; "
                         "it does not look Chinese-capable")


def _score(base: str, A: list[WeightedText], B: list[WeightedText], idf: IDF) -> np.ndarray:
    """Similarity of each pair (higher = more similar) for one base measure."""
    xs, ys = [a.vectors for a in A], [b.vectors for b in B]
    xw, yw = [a.weights for a in A], [b.weights for b in B]
    if base == "wrd":
        return 1.0 - exact_distances("wrd", xs, ys, xw, yw)
    if base == "wmd":
        return -exact_distances("wmd", xs, ys, xw, yw)
    if base == "wmd-nbow":
        A, B = [_drop_stop_words(a) for a in A], [_drop_stop_words(b) for b in B]
        return -exact_distances("wmd", [a.vectors for a in A], [b.vectors for b in B],
                                [a.weights for a in A], [b.weights for b in B])
    if base == "cosine":
        return np.array([cosine(*args) for args in zip(xs, ys, xw, yw)])
    if base == "wrd-relaxed":
        return np.array([1.0 - wrd_relaxed(*args) for args in zip(xs, ys, xw, yw)])
    if base == "bertscore-f":
        return np.array([bertscore(*args).f1 for args in zip(xs, ys, xw, yw)])
    return np.array([moverscore(x, y, a.weights * idf.weights(a.tokens), b.weights * idf.weights(b.tokens))
                     for x, y, a, b in zip(xs, ys, A, B)])


_stop_words = functools.cache(english_stop_words)


def _drop_stop_words(t: WeightedText) -> WeightedText:
    stop = _stop_words()
    keep = [i for i, tok in enumerate(t.tokens) if tok not in stop]
    if not keep or len(keep) == len(t.tokens):  # an all-stop-word text keeps its words
        return t
    return WeightedText(t.text, [t.tokens[i] for i in keep], t.vectors[keep], t.dropped, t.weights[keep])


def evaluate_sts(dataset: str = "stsb-en", split: str = "test", embedder="spacy-md", measures=None, *,
                 converters: Mapping[str, Converter] | None = None, save_converters=None,
                 limit: int | None = None) -> dict:
    """Spearman and Pearson correlations (×100) of each measure with the gold similarity scores.

    Parameters
    ----------
    dataset : {"stsb-en", "stsb-zh", "lee"}
        English STS-B, Chinese STS-B (needs a Chinese-capable embedder), or the Lee 50-document corpus
        (1,225 pairs).
    split : {"test", "dev"}
        STS-B split (Lee: ``"test"``).
    embedder : str or Embedder
        ``"spacy-md"`` (300-d word vectors), ``"minilm"`` (transformer tokens) or an :class:`Embedder`.
    measures : list of str, optional
        Names like ``"wrd"`` or ``"wrd+sif+ccr"``; default :func:`default_measures`.
    converters : mapping name → Converter, optional
        Extra converters usable as ``"<measure>+<name>"``; unfitted ones are fitted on STS-B train.
    save_converters : path, optional
        A folder to save every fitted converter in (``<name>.npz``), for :func:`load_converter`.
    limit : int, optional
        Score only the first ``limit`` pairs (quick checks; converters are still fitted on all of train).

    Returns
    -------
    dict
        ``{measure: {"spearman": ρ×100, "pearson": r×100, "n": pairs scored}}`` in the order requested.
        Pairs where a text has no known token are skipped (``n`` says how many were scored).

    Examples
    --------
    >>> res = evaluate_sts("stsb-en", "test", "spacy-md", ["cosine", "wrd", "wrd+sif+ccr"])  # doctest: +SKIP
    >>> res["wrd"]["spearman"]                                                             # doctest: +SKIP
    """
    from scipy import stats

    measures = default_measures() if measures is None else list(measures)
    if not measures:
        raise ValueError("give at least one measure")
    converters = dict(converters or {})
    parsed = {m: parse_measure(m, converters) for m in measures}
    if isinstance(embedder, str):
        if dataset == "stsb-zh":
            _check_chinese_name(embedder)
        embedder = get_embedder(embedder)
    elif not isinstance(embedder, Embedder):
        raise TypeError(f"embedder must be a name or an Embedder, got {type(embedder).__name__}")
    texts_a, texts_b, gold, fit_texts = _load(dataset, split)
    if limit is not None:
        check_positive_int(limit, "limit")
        texts_a, texts_b, gold = texts_a[:limit], texts_b[:limit], gold[:limit]
    if dataset == "stsb-zh":
        _check_chinese(embedder, sorted(set(texts_a))[:200])
    emb = embed_unique(embedder, [*texts_a, *texts_b, *fit_texts])
    keep = [k for k, (a, b) in enumerate(zip(texts_a, texts_b)) if emb[a].tokens and emb[b].tokens]
    if not keep:
        raise ValueError(f"no pair of {dataset} has known tokens on both sides with embedder {embedder.name!r}")
    gold = np.asarray(gold)[keep]
    fit_corpus = [emb[t] for t in dict.fromkeys(fit_texts)]
    idf = IDF().fit([e.tokens for e in fit_corpus])
    pair_texts = sorted({t for k in keep for t in (texts_a[k], texts_b[k])})

    results: dict = {}
    for spec in dict.fromkeys(conv for _, conv in parsed.values()):
        if spec is None:
            view = {t: as_weighted(emb[t]) for t in pair_texts}
        else:
            conv = _fitted(spec, converters, fit_corpus)
            if save_converters is not None:
                _save(conv, spec, save_converters)
            view = dict(zip(pair_texts, conv.transform([emb[t] for t in pair_texts])))
        A = [view[texts_a[k]] for k in keep]
        B = [view[texts_b[k]] for k in keep]
        for name, (base, c) in parsed.items():
            if c == spec:
                sim = _score(base, A, B, idf)
                results[name] = {"spearman": 100 * float(stats.spearmanr(sim, gold).statistic),
                                 "pearson": 100 * float(stats.pearsonr(sim, gold).statistic), "n": len(keep)}
    return {m: results[m] for m in measures}


def _check_chinese_name(name: str) -> None:
    if name in ENGLISH_EMBEDDERS:
        raise ValueError(f"stsb-zh needs a Chinese-capable embedder; {name} is English-only. Pass a Chinese "
                         "model folder (--model) or Chinese word vectors (--vectors)")


def _fitted(spec: str, converters: dict, corpus) -> Converter:
    if spec in converters:
        conv = converters[spec]
        if not isinstance(conv, Converter):
            raise TypeError(f"converter {spec!r} must be a Converter, got {type(conv).__name__}")
        try:
            conv._check_fitted()
            return conv
        except ValueError:
            return conv.fit(corpus)
    return make_converter(spec).fit(corpus)


def _save(conv: Converter, spec: str, folder) -> None:
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    conv.save(folder / f"{spec}.npz")


def plot_sts(results: Mapping, path, *, title: str = "STS: Spearman ×100 per measure"):
    """Bar chart: one group per base measure, one bar per converter recipe (Spearman ×100)."""
    from kexue._plotting import check_figure_path, pyplot, save_figure

    plt = pyplot()
    path = check_figure_path(path)
    bases = list(dict.fromkeys(m.partition("+")[0] for m in results))
    convs = list(dict.fromkeys(m.partition("+")[2] or "none" for m in results))
    width = 0.8 / len(convs)
    fig, ax = plt.subplots(figsize=(2.8 + 1.3 * len(bases), 4.2))
    for k, c in enumerate(convs):
        vals = [results.get(b if c == "none" else f"{b}+{c}", {}).get("spearman", np.nan) for b in bases]
        ax.bar(np.arange(len(bases)) + (k - (len(convs) - 1) / 2) * width, vals, width, label=c)
    ax.set_xticks(range(len(bases)), bases, rotation=20)
    ax.set_ylabel("Spearman ×100")
    finite = [v["spearman"] for v in results.values() if np.isfinite(v["spearman"])]
    ax.set_ylim(max(0.0, min(finite) - 5), min(100.0, max(finite) + 3))
    ax.set_title(title)
    ax.legend(title="converter", fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)
