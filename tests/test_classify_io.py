"""Saving, loading and retraining theme models; the train/classify/evaluate/sample commands."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import CORPUS

import nlp
from nlp.classify import ThemeClassifier
from nlp.cli import main
from nlp.errors import ModelIntegrityError
from nlp.labels import THEMES, read_labels
from nlp.persist import write_manifest

SEED = CORPUS / "labels" / "seed_units.csv"
SHIPPED = CORPUS.parent / "models" / "themes"


@pytest.fixture(scope="module")
def seed():
    return read_labels(SEED)


@pytest.fixture(scope="module")
def saved(tmp_path_factory, seed):
    model = ThemeClassifier(random_state=0, threshold_cv=3).fit(
        seed["text"].tolist(), seed["labels"].tolist(), groups=seed["report_id"].tolist())
    folder = tmp_path_factory.mktemp("models") / "themes"
    metrics = model.evaluate(seed["text"], seed["labels"]).assign(folds=1)
    model.save(folder, metrics=metrics, training={"labels_file": SEED.name})
    return model, folder


def test_save_load_roundtrip(saved, seed):
    model, folder = saved
    assert sorted(p.name for p in folder.iterdir()) == ["card.md", "manifest.json",
                                                        "model.skops"]
    loaded = ThemeClassifier.load(folder)
    pd.testing.assert_frame_equal(model.predict_proba(seed["text"]),
                                  loaded.predict_proba(seed["text"]))
    assert loaded.get_params()["C"] == model.C


def test_manifest_contents(saved):
    model, folder = saved
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"card.md", "model.skops"}
    assert manifest["training"]["hash"] == model.training_hash_
    assert manifest["training"]["n_real_units"] == 45
    assert manifest["params"]["random_state"] == 0
    assert {"scikit-learn", "skops", "numpy", "python"} <= set(manifest["versions"])
    assert [m["theme"] for m in manifest["metrics"]] == [*THEMES, "micro", "macro"]
    assert len(manifest["thresholds"]) == 4
    card = (folder / "card.md").read_text(encoding="utf-8")
    assert "## Known limits" in card and "普法宣传" in card


def _copy(folder, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def test_changed_file_is_refused(saved, tmp_path):
    folder = _copy(saved[1], tmp_path)
    with open(folder / "model.skops", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelIntegrityError, match="model.skops.*changed"):
        ThemeClassifier.load(folder)


def test_unknown_and_missing_files_are_refused(saved, tmp_path):
    folder = _copy(saved[1], tmp_path)
    (folder / "extra.pkl").write_bytes(b"x")
    with pytest.raises(ModelIntegrityError, match="unknown file 'extra.pkl'"):
        ThemeClassifier.load(folder)
    (folder / "extra.pkl").unlink()
    (folder / "manifest.json").unlink()
    with pytest.raises(ModelIntegrityError, match="no manifest.json"):
        ThemeClassifier.load(folder)
    with pytest.raises(ModelIntegrityError, match="does not exist|no model folder"):
        ThemeClassifier.load(tmp_path / "nowhere")


class Sneaky:
    """A type no model may contain."""

    def __init__(self):
        self.payload = "x"


def test_untrusted_type_is_refused_before_loading(saved, tmp_path):
    import skops.io as sio

    folder = _copy(saved[1], tmp_path)
    sio.dump({"model": Sneaky()}, folder / "model.skops")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("files")
    write_manifest(folder, manifest)  # checksums fine: only the type check can stop it
    with pytest.raises(ModelIntegrityError, match="not trusted.*Sneaky"):
        ThemeClassifier.load(folder)


def test_failed_save_keeps_the_old_model(saved, tmp_path, monkeypatch):
    import skops.io as sio

    folder = _copy(saved[1], tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sio, "dump", boom)
    with pytest.raises(OSError, match="disk full"):
        saved[0].save(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["copy"]  # no temporary left


def test_unfitted_model_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ThemeClassifier().save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


@pytest.mark.skipif(not (SHIPPED / "manifest.json").is_file(), reason="no shipped model")
def test_shipped_model_loads_by_default():
    model = ThemeClassifier.load()
    manifest = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["training"]["n_real_units"] == 45
    assert manifest["metrics"], "the shipped model records its cross-validation metrics"
    pred = model.predict(["组织开展宪法宣传周活动,邀请法治副校长进校园开展法治讲座",
                          "深化放管服改革,推进一网通办和证照分离"])
    assert "普法宣传" in pred[0] and "放管服" in pred[1]


def test_retrain_from_xlsx_and_csv_gives_the_same_model(seed, tmp_path):
    table = seed[["report_id", "unit_id", "text"]].copy()
    table["labels"] = [";".join(x) for x in seed["labels"]]
    table.to_csv(tmp_path / "labels.csv", index=False, encoding="utf-8-sig")
    table.to_excel(tmp_path / "labels.xlsx", index=False)
    probas, hashes = [], []
    for name in ("labels.csv", "labels.xlsx"):
        df = read_labels(tmp_path / name)
        model = ThemeClassifier(random_state=0, threshold_cv=3).fit(
            df["text"].tolist(), df["labels"].tolist(), groups=df["report_id"].tolist())
        probas.append(model.predict_proba(seed["text"]).to_numpy())
        hashes.append(model.training_hash_)
    assert hashes[0] == hashes[1]
    np.testing.assert_array_equal(probas[0], probas[1])


# -- command line ----------------------------------------------------------------

def test_cli_train_classify_evaluate_sample(tmp_path, capsys):
    model_dir = tmp_path / "model"
    assert main(["train", str(SEED), "-o", str(model_dir), "--cv", "2", "-q"]) == 0
    out = capsys.readouterr().out
    assert "lexicon F1" in out and "classifier F1" in out and "macro" in out
    assert (model_dir / "manifest.json").is_file()

    units = tmp_path / "units.csv"
    assert main(["classify", str(CORPUS / "reports"), "-o", str(units), "--model",
                 str(model_dir), "-q"]) == 0
    df = pd.read_csv(units, encoding="utf-8-sig", keep_default_na=False)
    assert [f"p_{t}" for t in THEMES] + ["labels"] == list(df.columns[-5:])
    assert len(df) == 45

    again = tmp_path / "again.csv"
    assert main(["classify", str(units), "-o", str(again), "--model", str(model_dir),
                 "-q"]) == 0
    assert pd.read_csv(again, encoding="utf-8-sig")["labels"].fillna("").tolist() == \
        df["labels"].tolist()

    assert main(["evaluate", str(SEED), "--model", str(model_dir), "-q"]) == 0
    assert "macro" in capsys.readouterr().out

    to_label = tmp_path / "to_label.csv"
    assert main(["sample", str(units), "-n", "7", "--strategy", "uncertain", "-o",
                 str(to_label), "--model", str(model_dir), "--random-state", "0", "-q"]) == 0
    assert to_label.read_bytes().startswith(b"\xef\xbb\xbf")
    picked = pd.read_csv(to_label, encoding="utf-8-sig", keep_default_na=False)
    assert len(picked) == 7 and (picked["labels"] == "").all()
    assert main(["sample", str(units), "-n", "3", "--strategy", "random", "-o",
                 str(tmp_path / "r.csv"), "-q"]) == 0


@pytest.mark.parametrize("content,message", [
    ("text,labels\n开展宪法宣传周,普法\n", "did you mean '普法宣传'"),
    ("words,labels\n开展宪法宣传周,普法宣传\n", "no 'text' column"),
])
def test_cli_train_refuses_bad_labels(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "model"
    assert main(["train", str(bad), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and message in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.csv"]


def test_cli_classify_refuses_a_tampered_model(tmp_path, capsys):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "model.skops").write_bytes(b"not a model")
    assert main(["classify", str(CORPUS / "reports"), "-o", str(tmp_path / "o.csv"),
                 "--model", str(folder), "-q"]) == 2
    assert "manifest" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_lazy_exports():
    assert nlp.classify_units is nlp.classify.classify_units
    assert nlp.LexiconClassifier is nlp.classify.LexiconClassifier


def test_cli_train_without_report_ids_warns_and_bad_cv_is_refused(tmp_path, capsys, caplog):
    rows = ["text,labels"] + [f"开展宪法宣传周活动第{i}场,普法宣传" for i in range(4)] + \
        [f"推进一网通办改革第{i}项,放管服" for i in range(4)]
    labels = tmp_path / "l.csv"
    labels.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert main(["train", str(labels), "-o", str(tmp_path / "m"), "--cv", "2", "--replace",
                     "--allow-rare"]) == 0
    assert "folds are not grouped" in caplog.text
    assert "fewer than 5 positive units for 普法宣传 (4), 校园安全 (0), 行政执法 (0), 放管服 (4)" \
        in caplog.text
    assert main(["train", str(labels), "-o", str(tmp_path / "m2"), "--cv", "1", "-q"]) == 2
    assert "--cv must be 0" in capsys.readouterr().err
    assert not (tmp_path / "m2").exists()


def _labels_file(path, rows):
    path.write_text("text,labels\n" + "\n".join(f"{t},{lab}" for t, lab in rows) + "\n",
                    encoding="utf-8")
    return path


MINE = [(f"全面推行证照分离改革，压缩审批时限第{i}项", "放管服") for i in range(6)] + \
    [(f"开展双随机一公开抽查第{i}次，依法查处违法行为", "行政执法") for i in range(6)] + \
    [("召开年度工作部署会议", "其他"), ("推进政务公开标准化", "")]


def test_train_adds_bundled_labels_by_default_and_refuses_rare_themes(tmp_path, capsys):
    """A researcher's 14 rows with no 普法宣传 or 校园安全: by default the bundled labels
    and exemplars are added, so the model still knows all four themes; alone they are
    refused, naming the themes; --allow-rare trains with a warning."""
    mine = _labels_file(tmp_path / "mine.csv", MINE)
    assert main(["train", str(mine), "-o", str(tmp_path / "m"), "--cv", "0", "-q"]) == 0
    out = capsys.readouterr().out
    assert "1 row(s) with an empty labels cell are not labelled yet: skipped" in out
    model = ThemeClassifier.load(tmp_path / "m")
    assert model.n_real_units_ == 45 + 13 and model.n_exemplars_ > 400
    assert model.predict(["组织开展宪法宣传周活动,邀请法治副校长进校园授课"]) == [("普法宣传",)]
    assert main(["train", str(mine), "-o", str(tmp_path / "r"), "--replace", "--cv", "0",
                 "-q"]) == 2
    err = capsys.readouterr().err
    assert "普法宣传 (0), 校园安全 (0)" in err and "--allow-rare" in err
    assert not (tmp_path / "r").exists()


def test_train_accepts_several_files(tmp_path):
    a = _labels_file(tmp_path / "a.csv", MINE[:6])
    b = _labels_file(tmp_path / "b.csv", MINE[6:])
    assert main(["train", str(a), str(b), "-o", str(tmp_path / "m"), "--cv", "0", "-q"]) == 0
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["training"]["labels_files"] == ["a.csv", "b.csv"]
    assert manifest["training"]["bundled_labels_added"] is True


def test_evaluate_warns_when_units_were_in_training(capsys, caplog):
    seed = CORPUS / "labels" / "seed_units.csv"
    with caplog.at_level(logging.WARNING):
        assert main(["evaluate", str(seed)]) == 0
    out = capsys.readouterr().out
    assert "45 of 45 units were in the training data" in out
    assert "optimistic" in caplog.text
    assert "macro = unweighted mean over the themes with support" in out
