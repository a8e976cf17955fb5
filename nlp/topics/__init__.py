"""Topic models for report units: LDA on gensim, as a scikit-learn estimator.

==============  ==========================================================
``model``       :class:`TopicModel` (fit, transform, topic tables, coherence)
``engines``     the NMF start and the tomotopy engine
``selection``   :func:`select_k`: coherence and stability over k and seeds
``vocabulary``  :func:`vocabulary_filter`: which words a model keeps, scaled to the corpus
``model_io``    saving and loading (JSON and ``.npy``, never pickle), outputs
==============  ==========================================================

Topic prevalence per group is a comparison: :func:`nlp.compare.prevalence`.

Examples
--------
>>> check_token_lists([["依法", "行政"]])
[['依法', '行政']]
"""

from .model import TopicModel, check_token_lists
from .model_io import load_topic_model, save_topic_model, write_topic_outputs
from .selection import select_k, topic_stability
from .vocabulary import vocabulary_filter

__all__ = ["TopicModel", "check_token_lists", "select_k", "topic_stability",
           "save_topic_model", "load_topic_model", "write_topic_outputs", "vocabulary_filter"]
