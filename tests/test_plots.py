"""Tests of nlp.plots: every function returns its Axes, Chinese renders with the bundled font."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nlp import compare, plots  # noqa: E402

THEMES = ("普法宣传", "校园安全", "行政执法", "放管服")


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 40
    return pd.DataFrame({
        "report_id": ["baoshan_2021"] * 20 + ["tieshan_2024"] * 20,
        "year": [2021] * 20 + [2024] * 20,
        "role": rng.choice(["measures", "problems", "plans"], n),
        "text": ["开展普法宣传活动"] * n,
        "labels": [";".join(t for t in THEMES if rng.random() < 0.35) for _ in range(n)],
    })


def _tables(units):
    shares = compare.theme_shares(units, by="report", n_boot=100, random_state=0)
    by_year = compare.theme_shares(units, by="year", n_boot=100, random_state=0)
    key = compare.keyness([["普法", "宣传", "宪法"]] * 8 + [["校园", "安全"]] * 3,
                          [["一网通办", "减证便民"]] * 8 + [["执法", "检查"]] * 4,
                          min_count=2, names=("2021", "2024"))
    prevalence = pd.DataFrame([(ag, t, f"话题{t} 普法 宣传", 0.1 * (t + 1), 0.05, 0.2, 10)
                               for ag in ("宝山区教育局", "开发区·铁山区教育局") for t in range(5)],
                              columns=["agency", "topic", "label", "share", "ci_low", "ci_high",
                                       "n_docs"])
    coherence = pd.DataFrame({"k": [4, 6, 8], "coherence_mean": [-1.2, -0.8, -1.0],
                              "coherence_std": [0.1, 0.2, 0.1], "stability_mean": [0.8, 0.6, 0.5]})
    confusion = pd.DataFrame({"theme": [*THEMES, "micro"], "tp": [5, 3, 2, 1, 11],
                              "fp": [1, 0, 2, 1, 4], "fn": [0, 1, 1, 2, 4],
                              "tn": [30, 32, 31, 32, 125]})
    effects = pd.DataFrame({"theme": ["普法宣传", "放管服"] * 2, "variable": "year",
                            "contrast": ["2024 vs 2021"] * 2 + ["2022 vs 2021"] * 2,
                            "ame": [0.05, -0.02, 0.01, 0.0], "ci_low": [0.01, -0.06, -0.03, -0.04],
                            "ci_high": [0.09, 0.02, 0.05, 0.04]})
    return {
        "plot_theme_shares": shares,
        "plot_shares_over": by_year,
        "plot_effects": effects,
        "plot_emphasis_change": compare.emphasis_change(by_year),
        "plot_section_profile": compare.section_profile(units, n_boot=50, random_state=0),
        "plot_keyness": key,
        "plot_topic_prevalence": prevalence,
        "plot_coherence": coherence,
        "plot_confusion": confusion,
    }


def test_every_plot_function_is_exported_and_tested(units):
    public = {n for n in plots.__all__ if n.startswith("plot_")}
    assert public == set(_tables(units))


@pytest.mark.parametrize("name", ["plot_theme_shares", "plot_shares_over", "plot_emphasis_change",
                                  "plot_section_profile", "plot_keyness", "plot_topic_prevalence",
                                  "plot_coherence", "plot_confusion", "plot_effects"])
def test_plot_returns_axes_draws_chinese_without_missing_glyphs(units, name, monkeypatch):
    df = _tables(units)[name]
    fn = getattr(plots, name)

    def forbidden(*args, **kwargs):
        raise AssertionError("plot functions must not show or save")

    # a new figure: the function makes its own Axes
    with monkeypatch.context() as m:
        m.setattr(plt, "show", forbidden)
        m.setattr(Figure, "savefig", forbidden)
        ax = fn(df)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.has_data() or ax.images
    # a given Axes is used and returned
    fig, given = plt.subplots()
    assert fn(df, ax=given) is given
    plt.close(fig)
    # rendering to PNG and SVG: no "Glyph ... missing" warning, text drawn in the CJK font
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for fmt in ("png", "svg"):
            ax.figure.savefig(io.BytesIO(), format=fmt)
    missing = [str(w.message) for w in caught if "missing" in str(w.message).lower()]
    assert missing == []
    texts = [t for t in ax.figure.findobj(matplotlib.text.Text) if t.get_text()]
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t.get_text()) for t in texts)
    used = {Path(font_manager.findfont(t.get_fontproperties())).name for t in texts}
    assert used == {plots.base.CJK_FONT_FILE}
    plt.close("all")


def test_cjk_font_comes_from_mplfonts_not_the_system():
    import mplfonts

    path = plots.cjk_font_path()
    assert Path(mplfonts.__file__).resolve().parent in path.parents
    with matplotlib.rc_context():
        name = plots.use_cjk_font()
        assert name == "Noto Sans CJK SC"
        assert matplotlib.rcParams["font.family"][0] == name
        found = font_manager.findfont(font_manager.FontProperties(), fallback_to_default=False)
        assert Path(found) == path


def test_importing_and_plotting_leave_global_settings_alone():
    import subprocess
    import sys

    code = ("import matplotlib; matplotlib.use('Agg'); before = dict(matplotlib.rcParams); "
            "import pandas as pd; from nlp import plots; "
            "df = pd.DataFrame({'year': [2021], 'theme': ['普法宣传'], 'share': [0.4]}); "
            "plots.plot_theme_shares(df); "
            "changed = sorted(k for k, v in matplotlib.rcParams.items() if before[k] != v); "
            "print(changed)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_minus_sign_renders():
    # either ASCII hyphen-minus is used, or the font has U+2212
    from matplotlib.ft2font import FT2Font

    has_minus = FT2Font(str(plots.cjk_font_path())).get_char_index(0x2212) != 0
    rc = plots.base.cjk_rc()
    assert rc["axes.unicode_minus"] is False or has_minus
    with matplotlib.rc_context(rc):
        fig, ax = plt.subplots()
        ax.plot([-3, -1], [-2, 2])
        ax.set_title("负数 −1 与 -1")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(io.BytesIO(), format="png")
        labels = [t.get_text() for t in ax.get_xticklabels()]
    plt.close(fig)
    assert [str(w.message) for w in caught if "missing" in str(w.message).lower()] == []
    assert any(lbl.startswith("-") for lbl in labels)


def test_plots_name_missing_columns():
    with pytest.raises(ValueError, match="share_a"):
        plots.plot_emphasis_change(pd.DataFrame({"theme": ["普法宣传"]}))
    with pytest.raises(ValueError, match="coherence_mean"):
        plots.plot_coherence(pd.DataFrame({"k": [3]}))
    with pytest.raises(TypeError, match="DataFrame"):
        plots.plot_theme_shares([0.1, 0.2])
    plt.close("all")


def test_confusion_accepts_square_and_tidy_tables():
    square = pd.DataFrame([[5, 1], [2, 7]], index=["普法宣传", "其他"], columns=["普法宣传", "其他"])
    tidy = square.stack().rename("count").rename_axis(["true", "predicted"]).reset_index()
    a = plots.plot_confusion(square)
    b = plots.plot_confusion(tidy)
    assert np.array_equal(a.images[0].get_array(), b.images[0].get_array())
    plt.close("all")


def _many_reports(n_reports: int, n_years: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for i in range(n_reports):
        year = 2019 + i % n_years
        for _ in range(8):
            rows.append({"report_id": f"r{i:03d}", "year": float(year),
                         "agency_type": ["公安", "司法", "教育"][i % 3],
                         "role": rng.choice(["measures", "problems", "plans", "leadership"]),
                         "labels": ";".join(t for t in THEMES if rng.random() < 0.3)})
    return pd.DataFrame(rows)


def _render(ax) -> list[str]:
    """Draw the figure to PNG; return the warnings matplotlib raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax.figure.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught]


def _overlap(a, b) -> bool:
    return not (a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0)


@pytest.mark.parametrize("n_reports", [2, 20, 500])
def test_figures_stay_readable_from_two_to_many_reports(n_reports):
    units = _many_reports(n_reports)
    per_report = compare.theme_shares(units, by="report", n_boot=20, random_state=0)
    ax = plots.plot_theme_shares(per_report)
    assert _render(ax) == []
    renderer = ax.figure.canvas.get_renderer()
    legend = ax.get_legend()
    if n_reports > 12:
        # one dot per report and a box per theme, no 500-entry legend
        assert legend is None and "across" in ax.get_title()
    else:
        # the legend sits outside the axes: it covers neither bars nor the title
        assert not _overlap(legend.get_window_extent(renderer), ax.get_window_extent(renderer))
        assert not _overlap(legend.get_window_extent(renderer),
                            ax.title.get_window_extent(renderer))
    assert ax.figure.get_size_inches()[1] < 12
    profile = compare.section_profile(units, by="report" if n_reports <= 4 else None,
                                      n_boot=20, random_state=0)
    ax = plots.plot_section_profile(profile)
    assert _render(ax) == []
    assert len(ax.get_yticklabels()) <= 4 * max(1, min(n_reports, 4))
    plt.close("all")


def test_shares_over_years_labels_years_as_integers_and_counts_reports():
    units = _many_reports(30)
    by_year = compare.theme_shares(units, by="year", n_boot=50, random_state=0)
    ax = plots.plot_shares_over(by_year)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "2019\nn=5" and not any(".0" in lbl for lbl in labels)
    assert _render(ax) == []
    renderer = ax.figure.canvas.get_renderer()
    assert not _overlap(ax.get_legend().get_window_extent(renderer),
                        ax.get_window_extent(renderer))
    plt.close("all")


def test_emphasis_change_title_says_how_many_reports():
    units = _many_reports(30, n_years=2)
    change = compare.emphasis_change(compare.theme_shares(units, by="year", n_boot=50,
                                                          random_state=0), a=2019, b=2020)
    ax = plots.plot_emphasis_change(change)
    assert "15 vs 15 reports" in ax.get_title() and "not a trend" not in ax.get_title()
    two = compare.emphasis_change(compare.theme_shares(
        _many_reports(2, n_years=2), by="year", n_boot=50, random_state=0, cluster=None),
        a=2019, b=2020)
    assert "not a trend" in plots.plot_emphasis_change(two).get_title()
    plt.close("all")


def test_many_named_groups_as_a_heatmap_with_unknown_for_missing():
    units = _many_reports(60)
    units.loc[units["report_id"] < "r010", "agency_type"] = None
    kinds = units["report_id"].str[-2:].map(lambda x: f"类型{int(x) % 15}")
    units["agency_type"] = units["agency_type"].where(units["agency_type"].isna(), kinds)
    shares = compare.theme_shares(units, by="agency_type", n_boot=20, random_state=0)
    ax = plots.plot_theme_shares(shares, group="agency_type", many="heatmap")
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert any(r.startswith("unknown (n=") for r in rows) and "None" not in " ".join(rows)
    assert _render(ax) == []
    plt.close("all")
