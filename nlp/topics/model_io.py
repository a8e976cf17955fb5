"""Saving and loading topic models without pickle, and writing their outputs.

A model folder holds plain files only: ``params.json`` (estimator
parameters), ``vocabulary.json`` (the gensim dictionary as token list and
counts), ``sstats.npy``, ``alpha.npy``, ``eta.npy`` (the LDA state),
``doc_topic.npy``, ``doc_lengths.npy`` (training documents, for pyLDAvis and
representative units), ``doc_ids.json``, ``card.md`` and ``manifest.json``
(SHA-256 of every file).  Loading verifies the manifest before reading a byte,
reads arrays with ``allow_pickle=False`` and rebuilds the gensim model.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from pathlib import Path

import numpy as np

from ..errors import ModelIntegrityError
from ..persist import (
    atomic_dir,
    atomic_path,
    library_versions,
    verify_manifest,
    write_manifest,
    write_table,
)
from .vocabulary import vocabulary_filter

__all__ = ["save_topic_model", "load_topic_model"]

log = logging.getLogger(__name__)

FORMAT = "fazhi-nlp/lda"
FORMAT_VERSION = 1
_ARRAYS = ("sstats", "alpha", "eta", "doc_topic", "doc_lengths")


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    if value is None or isinstance(value, (int, float, str, bool, list)):
        return value
    return repr(value)


def _card(model, manifest: dict, notes: str) -> str:
    table = model.topic_table(n=8)
    lines = [
        "# LDA topic model card", "",
        "Latent Dirichlet allocation (gensim `LdaModel`, online variational Bayes, "
        "wrapped by `nlp.TopicModel`) over units of Chinese rule-of-law government reports, "
        "for exploring what reports talk about without a codebook.", "",
        "## Data", "",
        f"- Training documents: {manifest['training']['n_docs']} "
        f"({manifest['training']['n_nonempty']} with words of the vocabulary); "
        f"vocabulary: {manifest['training']['n_terms']} terms.",
        f"- Vocabulary filter: {model.filter_['summary']}.",
        "", "## Method", "",
        f"- Parameters: `{json.dumps(manifest['params'], ensure_ascii=False)}`.",
        "- Trained by tomotopy's collapsed Gibbs sampler, topics handed to gensim."
        if model.engine == "tomotopy" else
        "- Start: NMF of the TF-IDF matrix (deterministic), then online variational Bayes."
        if model.init == "nmf" else "- Start: gensim's random topics.",
        "", "## Topics (relevance λ = 0.6, share = mean proportion in training units)", "",
        "| topic | label | share | top terms |", "|---|---|---|---|",
    ]
    for k, grp in table.groupby("topic", sort=True):
        lines.append(f"| {k} | {grp['label'].iloc[0]} | {grp['share'].iloc[0]:.3f} | "
                     + " ".join(grp["term"]) + " |")
    lines += [""]
    if notes:
        lines += [notes.strip(), ""]
    lines += [
        "## Known limits", "",
        "- Topics are descriptive, not a validated codebook: read representative units "
        "(`representative_units`) before naming a topic, and check the choice of k with "
        "`nlp.select_k` on your own corpus.",
        "- A small corpus gives unstable topics; refit on your corpus for real analysis.",
        "- Documents are tokenized with the project tokenizer; a changed dictionary changes "
        "the vocabulary seen by `transform`.", "",
        "## Files", "",
        "- `params.json`, `vocabulary.json`: parameters and the gensim dictionary (JSON).",
        "- `sstats.npy`, `alpha.npy`, `eta.npy`: the LDA state (no pickle).",
        "- `doc_topic.npy`, `doc_lengths.npy`, `doc_ids.json`: training documents.",
        "- `manifest.json`: SHA-256 of every file, checked on load.", "",
    ]
    return "\n".join(lines)


def save_topic_model(model, path, *, notes: str = "") -> Path:
    """Write ``model`` to the folder ``path`` (atomically; see the module docstring)."""
    path = Path(path)
    d = model.dictionary_
    params = {k: _plain(v) for k, v in model.get_params().items()}
    manifest_extra = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "params": params, "versions": library_versions("gensim", "scikit-learn", "numpy"),
        "training": {"n_docs": int(len(model.doc_topic_)),
                     "n_nonempty": int((model.doc_lengths_ > 0).sum()),
                     "n_terms": len(model.vocabulary_)},
        "transform_seed": int(model.transform_seed_),
    }
    with atomic_dir(path) as tmp:
        _write_json(tmp / "params.json", params)
        _write_json(tmp / "vocabulary.json", {
            "tokens": model.vocabulary_,
            "dfs": [int(d.dfs.get(i, 0)) for i in range(len(d))],
            "cfs": [int(d.cfs.get(i, 0)) for i in range(len(d))],
            "num_docs": int(d.num_docs), "num_pos": int(d.num_pos),
            "num_nnz": int(d.num_nnz)})
        lda = model.model_
        arrays = {"sstats": lda.state.sstats, "alpha": np.asarray(lda.alpha),
                  "eta": np.asarray(lda.eta), "doc_topic": model.doc_topic_,
                  "doc_lengths": model.doc_lengths_}
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
        _write_json(tmp / "doc_ids.json", None if model.doc_ids_ is None
                    else [_plain(x) for x in model.doc_ids_])
        (tmp / "card.md").write_text(_card(model, manifest_extra, notes), encoding="utf-8")
        write_manifest(tmp, manifest_extra)
    log.info("topic model saved to %s", path)
    return path


def _read_json(folder: Path, name: str):
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelIntegrityError(f"{name} is unreadable: {exc}", path=folder) from exc


def load_topic_model(cls, path: Path):
    """Verify and read a folder written by :func:`save_topic_model`."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    manifest = verify_manifest(path)  # also refuses a folder that does not exist
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ModelIntegrityError(f"not a {FORMAT} v{FORMAT_VERSION} model folder "
                                  f"(format {manifest.get('format')!r})", path=path)
    for name in ("params.json", "vocabulary.json", "doc_ids.json",
                 *(f"{a}.npy" for a in _ARRAYS)):
        if name not in manifest["files"]:
            raise ModelIntegrityError(f"{name} is not in the manifest", path=path)
    params = _read_json(path, "params.json")
    vocab = _read_json(path, "vocabulary.json")
    arrays = {}
    for name in _ARRAYS:
        try:
            arrays[name] = np.load(path / f"{name}.npy", allow_pickle=False)
        except ValueError as exc:
            raise ModelIntegrityError(f"{name}.npy is not a plain array: {exc}",
                                      path=path) from exc
    try:
        model = cls(**params)
        model._validate_params()
        tokens = vocab["tokens"]
        d = Dictionary()
        d.token2id = {t: i for i, t in enumerate(tokens)}
        d.dfs = dict(enumerate(int(x) for x in vocab["dfs"]))
        d.cfs = dict(enumerate(int(x) for x in vocab["cfs"]))
        d.num_docs, d.num_pos, d.num_nnz = vocab["num_docs"], vocab["num_pos"], vocab["num_nnz"]
        k, v = model.n_topics, len(tokens)
        sstats = arrays["sstats"]
        if sstats.shape != (k, v) or arrays["doc_topic"].shape[1:] != (k,):
            raise ValueError(f"array shapes {sstats.shape} do not match {k} topics, {v} terms")
        lda = LdaModel(None, num_topics=k, id2word=d, alpha=arrays["alpha"].astype(np.float32),
                       eta=arrays["eta"].astype(np.float32), iterations=model.iterations,
                       gamma_threshold=model.gamma_threshold, dtype=np.float32,
                       random_state=int(manifest["transform_seed"]))
        lda.state.sstats[...] = sstats
        lda.sync_state()
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelIntegrityError(f"model files are inconsistent: {exc}", path=path) from exc
    model._set_fitted(lda, d, int(manifest["transform_seed"]))
    model.filter_ = {**vocabulary_filter(int(vocab["num_docs"]), model.no_below, model.no_above,
                                         model.keep_n), "n_terms": v}
    model.doc_topic_ = arrays["doc_topic"].astype(np.float64)
    model.doc_lengths_ = arrays["doc_lengths"].astype(np.int64)
    ids = _read_json(path, "doc_ids.json")
    model.doc_ids_ = ids
    model.labels_ = model._make_labels()
    log.info("loaded topic model %s (%d topics, %d terms)", path, k, v)
    return model


def write_topic_outputs(model, units, tokens, out_dir, *, html: bool = True) -> list[Path]:
    """Write ``topic_table.csv``, ``doc_topics.csv``, ``topic_model.json`` and
    ``topics.html`` into ``out_dir``.

    ``doc_topics.csv`` has the id columns of ``units`` (``report_id``,
    ``unit_id``, ``agency``, ``year`` when present) and one ``topic_<k>``
    proportion column per topic.  ``topic_model.json`` records the parameters,
    the vocabulary filter used (``filter``, also logged) and the topic labels.
    The pyLDAvis page is skipped with a warning when pyLDAvis is not installed.
    """
    import pandas as pd

    from .._version import __version__

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log.info("vocabulary filter: %s: %d terms kept", model.filter_["summary"],
             model.filter_["n_terms"])
    written = [write_table(model.topic_table(n=10), out_dir / "topic_table.csv")]
    summary = out_dir / "topic_model.json"
    with atomic_path(summary) as tmp:
        _write_json(tmp, {"fazhi_nlp": __version__,
                          "params": {k: _plain(v) for k, v in model.get_params().items()},
                          "filter": model.filter_, "labels": list(model.labels_)})
    written.append(summary)
    theta = model.transform(tokens)
    ids = [c for c in ("report_id", "unit_id", "agency", "year", "section", "role")
           if c in units.columns]
    doc_topic = pd.concat([units[ids].reset_index(drop=True),
                           pd.DataFrame(theta, columns=[f"topic_{k}" for k in
                                                        range(theta.shape[1])])], axis=1)
    written.append(write_table(doc_topic, out_dir / "doc_topics.csv"))
    if html:
        try:
            written.append(model.to_pyldavis(out_dir / "topics.html"))
        except ImportError as exc:
            log.warning("%s; topics.html not written", exc)
    return written
