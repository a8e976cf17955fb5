"""Model files are verified before a byte is deserialised, and untrusted types are refused.

Every test tampers a *copy* of a model in a temporary folder: the shipped
theme classifier (``models/themes``) and a small LDA model saved here (or the
shipped ``models/lda`` when present).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from nlp import ModelIntegrityError
from nlp.persist import MANIFEST, SELF_CHECKSUM, verify_manifest, write_manifest

ROOT = Path(__file__).resolve().parents[1]
THEMES_MODEL = ROOT / "models" / "themes"
LDA_MODEL = ROOT / "models" / "lda"

needs_theme_model = pytest.mark.skipif(not (THEMES_MODEL / MANIFEST).is_file(),
                                       reason="the shipped model models/themes is absent")


class Canary:
    """An object that leaves a file behind if anything ever builds it from a model file."""

    marker = None

    def __setstate__(self, state):
        Path(state["marker"]).write_text("built", encoding="utf-8")
        self.__dict__.update(state)


# --------------------------------------------------------------------------- helpers

def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    return dst


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def _remanifest(folder: Path) -> None:
    """Recompute every checksum, as an attacker with write access could."""
    write_manifest(folder, _manifest(folder))


def _flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def _load_theme(folder):
    from nlp.classify import ThemeClassifier

    return ThemeClassifier.load(folder)


@pytest.fixture
def no_deserialising(monkeypatch):
    """Fail the test if skops is asked to read the model file at all."""
    import skops.io as sio

    def forbidden(*args, **kwargs):
        raise AssertionError("the model file was parsed before its checksum was verified")

    monkeypatch.setattr(sio, "load", forbidden)
    monkeypatch.setattr(sio, "loads", forbidden)
    monkeypatch.setattr(sio, "get_untrusted_types", forbidden)


# --------------------------------------------------------------------------- theme model

@needs_theme_model
def test_shipped_theme_model_verifies_and_loads():
    manifest = verify_manifest(THEMES_MODEL)
    assert set(manifest["files"]) >= {"model.skops"}
    assert _load_theme(THEMES_MODEL).predict_proba(["开展宪法宣传周活动"]).shape == (1, 4)


@needs_theme_model
def test_theme_changed_byte_refused_before_parsing(tmp_path, no_deserialising):
    m = _copy(THEMES_MODEL, tmp_path)
    _flip_byte(m / "model.skops")
    with pytest.raises(ModelIntegrityError, match=r"'model.skops' was changed: its SHA-256 "
                                                  r"does not match the manifest") as info:
        _load_theme(m)
    assert str(m) in str(info.value)


@needs_theme_model
def test_theme_changed_card_refused(tmp_path, no_deserialising):
    m = _copy(THEMES_MODEL, tmp_path)
    with open(m / "card.md", "a", encoding="utf-8") as f:
        f.write("\n准确率 100%\n")
    with pytest.raises(ModelIntegrityError, match="'card.md' was changed"):
        _load_theme(m)


@needs_theme_model
@pytest.mark.parametrize("name", ["payload.pkl", "sub/model.skops", "__init__.py"])
def test_theme_unknown_extra_file_refused(tmp_path, no_deserialising, name):
    m = _copy(THEMES_MODEL, tmp_path)
    (m / name).parent.mkdir(exist_ok=True)
    (m / name).write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    with pytest.raises(ModelIntegrityError, match=f"unknown file '{name}' is not in the "
                                                  "manifest"):
        _load_theme(m)


@needs_theme_model
def test_theme_untrusted_type_refused_even_with_recomputed_manifest(tmp_path):
    import skops.io as sio

    m = _copy(THEMES_MODEL, tmp_path)
    file = m / "model.skops"
    model = sio.load(file, trusted=sio.get_untrusted_types(file=file))
    model.payload_ = os.system  # a function a malicious file would call on load
    sio.dump(model, file)
    _remanifest(m)
    verify_manifest(m)  # the checksums now pass: only the type check stands in the way
    with pytest.raises(ModelIntegrityError, match=r"holds types that are not trusted: "
                                                  r"\['posix.system'\]|\['nt.system'\]"):
        _load_theme(m)


@needs_theme_model
def test_theme_untrusted_object_is_never_built(tmp_path):
    import skops.io as sio

    m = _copy(THEMES_MODEL, tmp_path)
    file = m / "model.skops"
    model = sio.load(file, trusted=sio.get_untrusted_types(file=file))
    marker = tmp_path / "canary-built.txt"
    canary = Canary()
    canary.marker = str(marker)
    model.extra_ = canary
    sio.dump(model, file)
    _remanifest(m)
    with pytest.raises(ModelIntegrityError, match=r"not trusted: \[.*Canary'\]") as info:
        _load_theme(m)
    assert "refusing to load" in str(info.value)
    assert not marker.exists()


@needs_theme_model
def test_theme_manifest_edited_refused(tmp_path, no_deserialising):
    m = _copy(THEMES_MODEL, tmp_path)
    _remanifest(m)  # a manifest written by this version carries its own checksum
    manifest = _manifest(m)
    assert SELF_CHECKSUM in manifest
    manifest["thresholds"] = [0.01] * len(manifest.get("thresholds", [0] * 4))
    (m / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                              encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="manifest.json was edited after it was "
                                                  "written"):
        _load_theme(m)


@needs_theme_model
@pytest.mark.parametrize("edit, message", [
    (lambda mf: mf["files"].update({"model.skops": "0" * 64}), "'model.skops' was changed"),
    (lambda mf: mf["files"].pop("model.skops"), "unknown file 'model.skops'"),
    (lambda mf: mf["files"].update({"../../etc/passwd": "0" * 64}), "unsafe file name"),
    (lambda mf: mf["files"].update({"/dev/zero": "0" * 64}), "unsafe file name"),
    (lambda mf: mf.update({"files": ["model.skops"]}), "manifest.json is unreadable"),
    (lambda mf: mf.update({"format": "pickle"}), "not a theme model"),
])
def test_theme_manifest_tampering_refused(tmp_path, no_deserialising, edit, message):
    m = _copy(THEMES_MODEL, tmp_path)
    manifest = _manifest(m)
    manifest.pop(SELF_CHECKSUM, None)  # the self-checksum is an extra guard; test the rest
    edit(manifest)
    (m / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match=message):
        _load_theme(m)


@needs_theme_model
def test_theme_missing_manifest_or_symlinked_file_refused(tmp_path, no_deserialising):
    m = _copy(THEMES_MODEL, tmp_path)
    (m / MANIFEST).unlink()
    with pytest.raises(ModelIntegrityError, match="no manifest.json"):
        _load_theme(m)
    m2 = _copy(THEMES_MODEL, tmp_path / "second")
    real = tmp_path / "elsewhere.skops"
    shutil.move(m2 / "model.skops", real)
    (m2 / "model.skops").symlink_to(real)
    with pytest.raises(ModelIntegrityError, match="symbolic link"):
        _load_theme(m2)


# --------------------------------------------------------------------------- LDA model

@pytest.fixture(scope="module")
def lda_folder(tmp_path_factory):
    """The shipped LDA model when present, else a small one saved from the bundled corpus."""
    if (LDA_MODEL / MANIFEST).is_file():
        return LDA_MODEL
    import nlp
    from nlp.topics import TopicModel

    units = nlp.load_corpus(ROOT / "corpus" / "reports").units(progress=False)
    docs = nlp.Tokenizer().pipe(units["text"].tolist(), progress=False)
    model = TopicModel(n_topics=3, random_state=0, passes=2, no_below=2)
    model.fit(docs, doc_ids=units["unit_id"].tolist())
    return model.save(tmp_path_factory.mktemp("lda") / "lda")


def _load_lda(folder):
    from nlp.topics import TopicModel

    return TopicModel.load(folder)


@pytest.fixture
def no_array_reading(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("an array was read before the checksums were verified")

    monkeypatch.setattr(np, "load", forbidden)


def test_lda_round_trip(lda_folder):
    model = _load_lda(lda_folder)
    assert model.transform([["普法", "宣传", "执法"]]).shape == (1, model.n_topics)


def test_lda_changed_byte_refused(lda_folder, tmp_path, no_array_reading):
    m = _copy(lda_folder, tmp_path)
    _flip_byte(m / "sstats.npy", offset=-8)
    with pytest.raises(ModelIntegrityError, match="'sstats.npy' was changed"):
        _load_lda(m)


def test_lda_unknown_extra_file_refused(lda_folder, tmp_path, no_array_reading):
    m = _copy(lda_folder, tmp_path)
    (m / "lda.model.state").write_bytes(b"\x80\x04K\x01.")  # what gensim's pickles look like
    with pytest.raises(ModelIntegrityError, match="unknown file 'lda.model.state'"):
        _load_lda(m)


def test_lda_manifest_edited_refused(lda_folder, tmp_path, no_array_reading):
    m = _copy(lda_folder, tmp_path)
    manifest = _manifest(m)
    assert SELF_CHECKSUM in manifest
    manifest["transform_seed"] = int(manifest.get("transform_seed", 0)) + 1
    (m / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="manifest.json was edited"):
        _load_lda(m)


def test_lda_pickled_array_refused_even_with_recomputed_manifest(lda_folder, tmp_path):
    m = _copy(lda_folder, tmp_path)
    np.save(m / "alpha.npy", np.array([Canary()], dtype=object), allow_pickle=True)
    _remanifest(m)
    with pytest.raises(ModelIntegrityError, match="'alpha.npy' is not a plain array|alpha.npy "
                                                  "is not a plain array"):
        _load_lda(m)


@pytest.mark.parametrize("folder", [THEMES_MODEL, LDA_MODEL], ids=["themes", "lda"])
def test_shipped_manifests_check_themselves(folder):
    if not (folder / MANIFEST).is_file():
        pytest.skip(f"the shipped model {folder.name} is absent")
    manifest = verify_manifest(folder)
    assert SELF_CHECKSUM in manifest, "re-save the model so its manifest carries its checksum"
