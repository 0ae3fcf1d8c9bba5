"""pms.core.charts: geometry and labels computed by hand, accessibility, and a chart inside a PDF."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from jinja2 import ChoiceLoader, DictLoader

from pms.core import charts


def _attrs(svg: str, tag: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m)) for m in re.findall(rf"<{tag} ([^>]*)/?>", svg)]


def test_bar_geometry_by_hand():
    # 200 × 100: plot from y=14 to y=82 (68 px high). Two slots of 100 px, bars 70 px wide.
    # 50 of max 100 → 34 px high, top at 14 + 68 − 34 = 48; 100 → 68 px, top at 14.
    svg = str(charts.bar_chart(["Jan", "Feb"], [50, 100], title="T", width=200, height=100))
    bars = _attrs(svg, "rect")
    assert [(b["x"], b["y"], b["width"], b["height"]) for b in bars] == [("15", "48", "70", "34"),
                                                                          ("115", "14", "70", "68")]
    # Value labels centred over the bars, 3 px above them; x labels centred under the slots at y=96.
    texts = re.findall(r'<text x="([^"]+)" y="([^"]+)"[^>]*>([^<]*)</text>', svg)
    assert texts == [("50", "45", "50"), ("150", "11", "100"), ("50", "96", "Jan"), ("150", "96", "Feb")]


def test_bar_max_value_caps_and_none_draws_no_bar():
    # max 200: 50 → 68 × 50/200 = 17 px (top 14 + 68 − 17 = 65); 300 is capped at full height.
    svg = str(charts.bar_chart(["a", "b", "c"], [50, None, 300], title="T", width=300, height=100, max_value=200))
    bars = _attrs(svg, "rect")
    assert [(b["x"], b["y"], b["height"]) for b in bars] == [("15", "65", "17"), ("215", "14", "68")]
    assert "b: –" in svg  # the missing value is still read out


def test_line_points_by_hand():
    # 4 slots of 60 px on 240: points at x = 30, 90, 150, 210; plot 14..82 (68 px), max 80.
    # 0 → y 82; 40 → 82 − 34 = 48; 80 → 14; None breaks the line.
    points = charts.line_points([0, 40, None, 80], 240, 100, 80)
    assert points == [(30, 82), (90, 48), None, (210, 14)]
    svg = str(charts.line_chart(["1", "2", "3", "4"], [("S", [0, 40, None, 80])], title="T", width=240, height=100))
    assert re.findall(r'<polyline points="([^"]+)"', svg) == ["30,82 90,48", "210,14"]


def test_two_series_share_one_scale_and_get_a_legend():
    svg = str(charts.line_chart(["1", "2"], [("Opened", [10, 20]), ("Closed", [5, 40])], title="T",
                                width=200, height=100))
    # max 40 over both series: 20 → 82 − 34 = 48; 5 → 82 − 8.5 = 73.5; 40 → 14.
    assert re.findall(r'<polyline points="([^"]+)"', svg) == ["50,65 150,48", "50,73.5 150,14"]
    assert ">Opened</text>" in svg and ">Closed</text>" in svg
    assert "Opened: 1: 10; 2: 20. Closed: 1: 5; 2: 40" in svg


def test_accessible_title_and_values_as_text():
    svg = str(charts.bar_chart(["2026-01", "2026-02"], [92.5, 88], title="收缴率 <%>", axis_labels=["01", "02"]))
    assert svg.startswith("<svg ") and 'role="img"' in svg
    ident = re.search(r'aria-labelledby="(chart-\w+)-t chart-\w+-d"', svg).group(1)
    assert f'<title id="{ident}-t">收缴率 &lt;%&gt;</title>' in svg
    assert f'<desc id="{ident}-d">2026-01: 92.5; 2026-02: 88</desc>' in svg
    assert ">01</text>" in svg and ">2026-01</text>" not in svg  # drawn short, read in full
    assert "<script" not in svg


def test_sparkline_and_empty_input():
    svg = str(charts.sparkline([1, 3, 2], title="t", width=90, height=24))
    # 3 slots of 30 px: x 15, 45, 75; plot 2..22 (20 px), max 3: 1 → 22 − 6.67 = 15.33, 3 → 2, 2 → 8.67.
    assert re.findall(r'<polyline points="([^"]+)"', svg) == ["15,15.33 45,2 75,8.67"]
    assert charts.bar_chart([], [], title="t") == "" and charts.sparkline([], title="t") == ""
    with pytest.raises(ValueError):
        charts.bar_chart(["a"], [1, 2], title="t")


def test_all_zero_values_draw_flat_bars():
    svg = str(charts.bar_chart(["a", "b"], [0, 0], title="t", width=100, height=100))
    assert [b["height"] for b in _attrs(svg, "rect")] == ["0", "0"]


def test_period_month_filter():
    assert charts.period_month("2026-03") == "03"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is missing")
def test_a_chart_renders_into_a_pdf(app, tmp_path):
    """The same helper in a PDF template: WeasyPrint draws the inline SVG, its text is in the PDF."""
    from pms.core.pdf import render_pdf

    page = ('<html><body><h1>收缴率</h1>'
            '{{ bar_chart(["2026-01", "2026-02"], [87.5, 93], title="收缴率", axis_labels=["一月", "二月"]) }}'
            '</body></html>')
    with app.test_request_context("/"):
        app.jinja_env.loader = ChoiceLoader([DictLoader({"pdf/_chart_test.html": page}), app.jinja_env.loader])
        pdf = render_pdf("_chart_test.html", {})
    assert pdf.startswith(b"%PDF-")
    (tmp_path / "chart.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "chart.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for label in ("87.5", "93", "一月", "二月"):
        assert label in text, text


def test_line_values_written_above_their_points():
    # 2 slots of 100 px: points at x 50 and 150; 40 of max 80 → y 48, label 5 px higher at 43.
    svg = str(charts.line_chart(["a", "b"], [("", [40, 80])], title="T", width=200, height=100, show_values=True))
    assert re.findall(r'<text x="([^"]+)" y="([^"]+)"[^>]*>([^<]*)</text>', svg)[:2] == [("50", "43", "40"),
                                                                                       ("150", "9", "80")]
