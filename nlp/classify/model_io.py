"""Saving and loading theme models: skops (never pickle), checksums first, atomic folders.

A model folder holds ``model.skops`` (the fitted :class:`ThemeClassifier`),
``card.md`` (a model card for readers) and ``manifest.json`` (SHA-256 of
every file, a hash of the training data, the parameters, library versions and
the cross-validation metrics).  :func:`load_model` verifies every checksum,
then refuses any type in the file that is not on :data:`TRUSTED`, before a
single object is built.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import logging
from pathlib import Path

import pandas as pd

from ..codebook import default_codebook
from ..errors import ModelIntegrityError
from ..persist import atomic_dir, library_versions, verify_manifest, write_manifest
from ..resources import shipped_model_dir

__all__ = ["save_model", "load_model", "TRUSTED", "MODEL_FILE", "FORMAT"]

log = logging.getLogger(__name__)

MODEL_FILE = "model.skops"
CARD_FILE = "card.md"
FORMAT = "fazhi-nlp/theme-classifier"
FORMAT_VERSION = 1

#: The project types a model file may contain, beyond what skops trusts by default
#: (builtins, numpy, scipy.sparse and scikit-learn estimators).
TRUSTED = [
    "nlp.classify.model.ThemeClassifier",
    "nlp.classify.features.FeatureSpace",
    "nlp.classify.lexicon.Lexicon",
    "nlp.codebook.Codebook",
    "nlp.tokenize.Tokenizer",
]


def _plain_params(model) -> dict:
    out = {}
    for key, value in model.get_params().items():
        out[key] = value if isinstance(value, (int, float, str, bool, type(None), list)) \
            else list(value) if isinstance(value, tuple) else repr(value)
    return out


def _records(table: pd.DataFrame | None) -> list[dict] | None:
    if table is None:
        return None
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}
            for rec in table.to_dict(orient="records")]


def _fmt_table(table: pd.DataFrame) -> str:
    cols = [c for c in ("model", "theme", "precision", "recall", "f1", "support")
            if c in table.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for rec in table[cols].to_dict(orient="records"):
        lines.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v)
                                       for v in rec.values()) + " |")
    return "\n".join(lines)


def render_card(model, manifest: dict, metrics: pd.DataFrame | None, notes: str) -> str:
    """A model card in Markdown: data, method, thresholds, metrics, limits."""
    themes = list(model.classes_)
    thr = ", ".join(f"{t} {v:.2f}" for t, v in zip(themes, model.thresholds_))
    fitted_thresholds = getattr(model, "thresholds_fitted_", True)
    tr = manifest["training"]
    cb = manifest["codebook"]
    default = cb["sha256"] == default_codebook().checksum
    named = ", ".join(themes[:-1]) + (f" and {themes[-1]}" if len(themes) > 1 else themes[0])
    parts = [
        "# Theme classifier model card", "",
        "Labels units (paragraphs or enumerated items) of Chinese rule-of-law government "
        f"reports with the themes {named} (multi-label; none of them = 其他), following "
        + ("the project codebook (`docs/codebook.md`, lexicon `nlp/resources/themes.toml`)."
           if default else f"the codebook {cb['name']!r} ({cb['source'] or 'given as an object'}"
           + (f"; Markdown: {cb['document']}" if cb.get("document") else "") + ")."), "",
        f"- Codebook: {cb['name']!r}, {len(themes)} themes, {cb['terms']} lexicon terms, "
        f"SHA-256 `{cb['sha256'][:16]}…` (a copy is inside the model; loading checks it).",
        ""]
    parts += [
        "## Data", "",
        f"- Real labelled units: {tr['n_real_units']}; written exemplar passages (training "
        f"only, never evaluated): {tr['n_exemplars']}.",
        f"- Training data hash (SHA-256 of sorted text/label pairs): `{tr['hash'][:16]}…`.",
        "", "## Method", "",
        "- Features: TF-IDF over words from the project tokenizer (jieba with the bundled "
        "policy dictionary) and TF-IDF over character n-grams (for words the tokenizer does "
        "not know)" + (", plus the lexicon scores of the codebook's themes "
                       "(log-scaled)." if model.lexicon_weight else
                       "; the lexicon is not a feature block, it votes separately (below)."),
        "- One L2-regularised logistic regression per theme (one-vs-rest, balanced class "
        "weights). Decision scores are Platt-calibrated on inner cross-validation predictions "
        "for real units only (whole reports held out when there are two or more). "
        + ("Each theme has its own threshold, chosen on the same predictions, the value "
           "maximising F1 averaged over bootstrap resamples."
           if fitted_thresholds else
           f"Every theme has the same threshold, {float(model.thresholds_[0]):g} ("
           + ("fixed below 100 real units, because thresholds fitted on a few dozen units "
              "swing with any setting, and kept from 100 units unless grouped inner "
              "cross-validation shows better settings: docs/classifier.md"
              if model.threshold == "auto" else "the `threshold` parameter") + ").")
        + (" Each inner fold leaves out the exemplars written for the agency types of its "
           "held-out units (" + ", ".join(model.calibration_holdout_) + "), so calibration"
           + (" and thresholds are those" if fitted_thresholds else " is that")
           + " of a kind of agency the model has not seen, as it "
           "meets most agencies; the final model learns from every exemplar."
           if getattr(model, "calibration_holdout_", None) else ""),
        "- The final probability of a theme is a weighted average of the calibrated model "
        "probability and the lexicon's own vote, `sigmoid(lexicon score - 3)` (0.5 at the "
        "lexicon baseline's threshold, terms from the codebook), weighted by "
        f"`lexicon_blend` = {float(model.lexicon_blend_):g} (C = {float(model.C_):g}, "
        f"word weight {float(model.word_weight_):g}; "
        f"{'chosen by grouped inner cross-validation, the defaults kept unless beaten by more than one standard error' if model.n_real_units_ >= 100 and 'auto' in (model.C, model.lexicon_blend, model.word_weight) else 'the values fixed below 100 real units, chosen on the dev set of real pages: docs/classifier.md'}); thresholds "
        + ("are chosen on this blended probability." if fitted_thresholds
           else "apply to this blended probability."),
        "- With `sentence_pooling`, each passage of a unit is scored too and a theme keeps "
        "the larger of the unit's and its best passage's score. With `exemplar_mixing`, "
        "joined pairs of exemplars (labels: the union) are added to training, because real "
        "units are longer and more often multi-theme than the written passages.",
        "- Why this design, and the grouped-CV comparison of feature sets behind it: "
        "`docs/classifier.md`.",
        f"- Parameters: `{manifest['params']}`.",
        f"- Thresholds: {thr}.", "",
        "## Metrics", "",
    ]
    if metrics is not None:
        folds = int(metrics["folds"].iloc[0]) if "folds" in metrics.columns else "?"
        parts += [f"Grouped cross-validation over the real units, pooled over {folds} folds "
                  "(each report entirely in one fold, so with two reports this is "
                  "leave-one-report-out; exemplars only in training folds). With so few "
                  "units one unit moves a theme's F1 by about 0.05-0.1:", "",
                  _fmt_table(metrics), ""]
    else:
        parts += ["No cross-validation was run for this model.", ""]
    if notes:
        parts += [notes.strip(), ""]
    parts += [
        "## Known limits", "",
        "- The real labelled units it learns from are few and come from education bureaus "
        "(the written exemplars cover other agencies). Its error on real pages of other "
        "agencies is measured on the dev set of `bench/devset.py` (the section above, when "
        "the card was built with it): where a theme's recall and precision differ there, "
        "shares from its hard labels are biased, down or up (correct them with a "
        "validation sample, `nlp.compare`). 校园安全 did not occur on those pages: its error there is unmeasured.",
        "- Part of each probability (`lexicon_blend`) is the lexicon's vote. Its terms were "
        "written from the codebook, whose examples come from education-bureau reports; for "
        "other agencies, add their vocabulary to `themes.toml` before retraining and check "
        "the result on your own labelled sample.",
        "- Probabilities are calibrated on few real units; treat them as rankings "
        "first, and re-check the thresholds on your own labelled sample (`fazhi evaluate`).",
        "- The model copies the lexicon at training time and uses the tokenizer's bundled "
        "dictionary at prediction time; a changed dictionary changes the word features "
        "(a warning is logged when the tokenizer fingerprint differs).", "",
        "## Files", "",
        f"- `{MODEL_FILE}`: the fitted model (skops format; loaded with an explicit list of "
        "trusted types, never with pickle).",
        "- `manifest.json`: SHA-256 of every file, parameters, versions, metrics.", "",
    ]
    return "\n".join(parts)


def save_model(model, path, *, metrics: pd.DataFrame | None = None, notes: str = "",
               training: dict | None = None) -> Path:
    """Save a fitted model into the folder ``path`` (written to a temporary folder, renamed)."""
    import skops.io as sio
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    if isinstance(model.codebook, Path):  # a path object is not a portable, trusted type
        model = copy.copy(model)
        model.codebook = str(model.codebook)
    path = Path(path)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "themes": [str(t) for t in model.classes_],
        "codebook": {"name": model.codebook_.name, "sha256": model.codebook_.checksum,
                     "themes": list(model.codebook_.themes), "terms": len(model.lexicon_),
                     "source": model.codebook_.source, "document": model.codebook_.document},
        "params": _plain_params(model),
        "thresholds": [float(x) for x in model.thresholds_],
        "chosen": {"C": float(model.C_), "lexicon_blend": float(model.lexicon_blend_),
                   "word_weight": float(model.word_weight_)},
        "calibration": [[float(a), float(b)] for a, b in model.calibration_],
        "tokenizer_fingerprint": model.tokenizer_.fingerprint,
        "lexicon_terms": len(model.lexicon_) if model.lexicon_ is not None else 0,
        "training": {"hash": model.training_hash_, "n_real_units": model.n_real_units_,
                     "n_exemplars": model.n_exemplars_, **(training or {})},
        "versions": library_versions("scikit-learn", "skops", "numpy", "scipy", "pandas", "jieba"),
        "metrics": _records(metrics),
        "trusted_types": list(TRUSTED),
    }
    with atomic_dir(path) as tmp:
        sio.dump(model, tmp / MODEL_FILE)
        untrusted = set(sio.get_untrusted_types(file=tmp / MODEL_FILE)) - set(TRUSTED)
        if untrusted:
            raise ModelIntegrityError(f"the model holds types outside the trusted list: "
                                      f"{sorted(untrusted)}", path=path)
        (tmp / CARD_FILE).write_text(render_card(model, manifest, metrics, notes),
                                     encoding="utf-8")
        write_manifest(tmp, manifest)
    log.info("saved theme model to %s", path)
    return path


def _check_codebook(model, manifest: dict, path) -> None:
    """Refuse a model whose codebook, lexicon or themes disagree with its manifest."""
    entry = manifest.get("codebook")
    codebook = getattr(model, "codebook_", None)
    if entry is None and codebook is None:
        return  # saved before models carried their codebook: the four default themes
    if entry is None or codebook is None:
        raise ModelIntegrityError("the model and its manifest disagree on whether it carries "
                                  "a codebook", path=path)
    if codebook.checksum != entry.get("sha256"):
        raise ModelIntegrityError(
            f"the model's codebook does not match its checksum (manifest "
            f"{str(entry.get('sha256'))[:16]}…, model {codebook.checksum[:16]}…)", path=path)
    from_book = type(model.lexicon_).from_codebook(codebook)
    if not from_book.same_as(model.lexicon_):
        raise ModelIntegrityError("the model's lexicon is not its codebook's", path=path)
    if list(map(str, model.classes_)) != list(codebook.themes) \
            or list(manifest.get("themes", [])) != list(codebook.themes):
        raise ModelIntegrityError(f"the model's themes {list(model.classes_)} are not its "
                                  f"codebook's {list(codebook.themes)}", path=path)


def load_model(path=None, *, cls):
    """Verify and load a model folder; ``None`` loads the shipped ``models/themes``.

    Parameters
    ----------
    path : path or None
    cls : type
        The class the file must hold (refused otherwise).
    """
    import skops.io as sio

    path = Path(path) if path is not None else shipped_model_dir("themes")
    if path is None or not path.exists():
        raise ModelIntegrityError(
            "no model folder here; give the folder written by `fazhi train` (an installed, "
            "non-editable package does not ship models/themes)", path=path)
    manifest = verify_manifest(path)
    if manifest.get("format") != FORMAT:
        raise ModelIntegrityError(f"not a theme model (format {manifest.get('format')!r})",
                                  path=path)
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise ModelIntegrityError("the model was written by a newer fazhi-nlp", path=path)
    file = path / MODEL_FILE
    if not file.is_file():
        raise ModelIntegrityError(f"{MODEL_FILE} is missing", path=path)
    data = file.read_bytes()  # check and parse this one copy: no swap after the check
    if hashlib.sha256(data).hexdigest() != manifest["files"].get(MODEL_FILE):
        raise ModelIntegrityError(f"{MODEL_FILE} does not match the manifest (changed while "
                                  "being loaded?)", path=path)
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:  # noqa: BLE001 - any parse failure means a bad file
        raise ModelIntegrityError(f"{MODEL_FILE} is not a readable skops file: {exc}",
                                  path=path) from exc
    unknown = sorted(set(untrusted) - set(TRUSTED))
    if unknown:
        raise ModelIntegrityError(f"refusing to load: {MODEL_FILE} holds types that are not "
                                  f"trusted: {unknown}", path=path)
    model = sio.loads(data, trusted=list(untrusted))
    if not isinstance(model, cls):
        raise ModelIntegrityError(f"{MODEL_FILE} holds a {type(model).__name__}, not a "
                                  f"{cls.__name__}", path=path)
    _check_codebook(model, manifest, path)
    fp = manifest.get("tokenizer_fingerprint")
    if fp and fp != model.tokenizer_.fingerprint:
        log.warning("%s: the tokenizer's dictionaries changed since training (fingerprint %s, "
                    "now %s); word features may differ", path, fp, model.tokenizer_.fingerprint)
    return model
