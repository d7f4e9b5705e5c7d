import subprocess

import pytest
from django.template import engines

from teis.core import geo
from teis.core.pdf import PdfError, _local_only_fetcher, render_pdf


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_render_pdf_embeds_chinese_text(tmp_path, settings):
    template = tmp_path / "t.html"
    template.write_text('{% extends "core/pdf_base.html" %}{% block body %}<h1>证据保管链报告</h1>{% endblock %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path), *settings.TEMPLATES[0]["DIRS"]]}]
    engines._engines = {}
    engines.__dict__.pop("templates", None)
    pdf = render_pdf("t.html")
    assert pdf.startswith(b"%PDF")
    assert "证据保管链报告" in _pdf_text(pdf, tmp_path)


def test_render_pdf_refuses_remote_resources(tmp_path, settings):
    template = tmp_path / "remote.html"
    template.write_text('<img src="http://example.invalid/x.png"><p>x</p>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path), *settings.TEMPLATES[0]["DIRS"]]}]
    engines._engines = {}
    engines.__dict__.pop("templates", None)
    pdf = render_pdf("remote.html")  # WeasyPrint logs the refused image and renders the rest
    assert pdf.startswith(b"%PDF")
    with pytest.raises(PdfError):
        _local_only_fetcher().fetch("http://example.invalid/x.png")
    with pytest.raises(PdfError):
        _local_only_fetcher().fetch("file:///etc/passwd")


def test_districts_are_the_sixteen_of_shanghai():
    features = geo.shanghai_districts()["features"]
    assert len(features) == 16
    assert {f["properties"]["code"][:4] for f in features} == {"3101"}
    assert geo.district_geometry("310115")["type"] == "MultiPolygon"
    assert geo.district_geometry("999999") is None


def test_haversine_one_degree_of_latitude():
    assert geo.haversine_m(121.0, 31.0, 121.0, 32.0) == pytest.approx(111_195, rel=1e-3)
    assert geo.valid_lon_lat(121.4, 31.2)
    assert not geo.valid_lon_lat(121.4, 91)
