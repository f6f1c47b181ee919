"""Text similarity over vector sequences with optimal transport.

Exact measures: :func:`wmd` (Word Mover's Distance), :func:`wrd` / :func:`wrd_similarity` (Word Rotator's
Distance), the sentence-vector baseline :func:`cosine`; cheap lower bounds in :mod:`kexue.textsim.bounds`;
text-level comparison with embedders in :func:`compare`.
"""

from kexue.textsim.bounds import rwmd, wcd, wrd_centroid, wrd_relaxed
from kexue.textsim.cosine import cosine
from kexue.textsim.wmd import wmd
from kexue.textsim.wrd import wrd, wrd_similarity
from kexue.textsim.similarity import MEASURES, SimilarityResult, compare, compare_embedded
from kexue.textsim.embedders import get_embedder
from kexue.textsim.index import Index, SearchStats
from kexue.textsim.batch import pairwise, wmd_batch, wrd_batch

from kexue.textsim.bertscore import IDF, BERTScore, bertscore
from kexue.textsim.moverscore import moverscore
from kexue.textsim.converters import (AllButTheTop, CommonComponentRemoval, ConverterPipeline, SIFWeighting,
                                      USIFWeighting, Whitening, load_converter, make_converter)
from kexue.textsim.evaluation import evaluate_sts
from kexue.textsim.knn import evaluate_knn

__all__ = ["wmd", "wrd", "wrd_similarity", "cosine", "wcd", "rwmd", "wrd_centroid", "wrd_relaxed", "compare",
           "compare_embedded", "SimilarityResult", "MEASURES", "get_embedder", "Index", "SearchStats", "wrd_batch",
           "wmd_batch", "pairwise", "bertscore", "BERTScore", "IDF", "moverscore", "SIFWeighting", "USIFWeighting",
           "CommonComponentRemoval", "AllButTheTop", "Whitening", "ConverterPipeline", "load_converter",
           "make_converter", "evaluate_sts", "evaluate_knn"]
