"""``t1dtrial demo`` writes the report; ``t1dtrial report`` re-renders it from the folder alone.

One demo run is shared by the session (``demo_results`` of ``conftest.py``). The report is
re-rendered without re-analysing, blinded or not, into the folder whole or
not at all, and never over a file t1dtrial did not write.
"""

from __future__ import annotations

import json
import re

import pytest
from docx import Document as WordDocument

from t1dtrial.cli import main
from t1dtrial.outputs import read_marker
from t1dtrial.protocol import Protocol
from t1dtrial.protocol.loading import protocol_hash


@pytest.fixture
def demo(demo_results):
    return demo_results


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_demo_writes_the_report_beside_the_tables(demo):
    html = (demo / "report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "SYNTHETIC" in html
    word = WordDocument(str(demo / "report.docx"))
    assert len(word.tables) >= 5
    marker = read_marker(demo)
    assert {"report.html", "report.docx", "protocol.json"} <= set(marker["files"])
    assert any(f.endswith(".svg") for f in marker["files"])


def test_the_protocol_travels_with_the_results(demo):
    protocol = Protocol.model_validate(json.loads((demo / "protocol.json").read_text()))
    provenance = json.loads((demo / "provenance.json").read_text())
    assert protocol_hash(protocol) == provenance["protocol"]["sha256"]
    assert provenance["input"]["synthetic"] is True


def test_demo_summary_fits_80_columns_and_names_the_report(demo):
    lines = (demo.parent / "demo-stdout.txt").read_text(encoding="utf-8").splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("Report: ") and line.endswith("report.html") for line in lines)
    text = "\n".join(lines)
    assert "Clinical remission" in text and "11/27 (40.7)" in text and "3/26 (11.5)" in text
    assert "fcp_change" not in text  # labels, not codes


def test_report_rerenders_blinded_without_touching_the_closed_report(demo):
    closed = (demo / "report.html").read_bytes()
    assert main(["report", str(demo), "--blind", "--pdf"]) == 0
    assert (demo / "report.html").read_bytes() == closed
    opened = (demo / "open-report.html").read_text(encoding="utf-8")
    text = _text(opened)
    assert "Treatment A" in text and "Treatment B" in text
    for label in ("UC-MSC + standard care", "Standard care (intensive insulin therapy)"):
        assert label not in text
    assert (demo / "open-report.docx").exists()
    assert (demo / "open-report.pdf").read_bytes().startswith(b"%PDF")
    assert {"open-report.html", "open-report.docx", "open-report.pdf"} <= set(
        read_marker(demo)["files"])


def test_report_refuses_a_folder_that_is_not_an_analysis(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("my notes")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "t1dtrial" in err and "Traceback" not in err
    assert (tmp_path / "mine.txt").read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


def test_report_refuses_a_results_folder_holding_a_file_of_the_user(demo, capsys):
    mine = demo / "my-notes.txt"
    mine.write_text("mine")
    try:
        assert main(["report", str(demo)]) == 2
        err = capsys.readouterr().err
        assert "did not write" in err
        assert "RESULTS_DIR:" in err and "--out" not in err.split("expected")[0]
        assert mine.read_text() == "mine"
    finally:
        mine.unlink()
