"""Reading CSV text: encodings, delimiters, line numbers, cell parsers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.data._parse import (normalise_related, normalise_serious, normalise_severity,
                                  normalise_sex, parse_dates, parse_numbers, parse_values)
from t1dtrial.data._raw import Collector, RawTable, strip_cells
from t1dtrial.data._text import decode_bytes, parse_csv_text, read_text_table
from t1dtrial.errors import Problem


def test_utf8_with_byte_order_mark_is_plain_utf8():
    text, enc, problems = decode_bytes("\ufeffsubject_id\nS1\n".encode("utf-8"), "s.csv")
    assert (enc, problems) == ("utf-8", [])
    assert parse_csv_text(text, "s.csv").header == ["subject_id"]


def test_latin1_is_read_with_a_warning_naming_the_first_bad_line():
    data = "a,b\n1,2\ncafé,3\n".encode("latin-1")
    text, enc, problems = decode_bytes(data, "x.csv")
    assert text == "a,b\n1,2\ncafé,3\n" and enc == "latin-1"
    assert [(p.row, p.severity) for p in problems] == [(3, "warning")]


def test_windows_1252_quotes_are_read_as_text():
    text, enc, _ = decode_bytes("a\n“x”\n".encode("cp1252"), "x.csv")
    assert text == "a\n“x”\n" and enc == "latin-1"


@pytest.mark.parametrize("data, message", [
    ("a,b\n".encode("utf-16"), "saved as UTF-16"),
    (b"a,b\n\x00\x01", "binary data"),
    (b"a,b\n\x81\x02\xfe", "not UTF-8 text"),
])
def test_undecodable_bytes_are_an_error(data, message):
    text, _, problems = decode_bytes(data, "x.csv")
    assert text is None
    assert message in problems[0].problem and problems[0].severity == "error"


def test_line_numbers_skip_blank_lines_and_count_quoted_newlines():
    text = 'a,b\n1,2\n\n"multi\nline",3\n , \n4,5\n'
    t = parse_csv_text(text, "x.csv")
    assert t.frame["source_row"].tolist() == [2, 4, 7]
    assert t.frame["a"].tolist() == ["1", "multi\nline", "4"]
    assert t.rows_in == 3


def test_cells_are_stripped_and_blank_cells_are_missing():
    t = parse_csv_text("a,b\n 1 ,\n", "x.csv")
    assert t.frame["a"].tolist() == ["1"]
    assert pd.isna(t.frame["b"].iloc[0])


def test_semicolon_delimited_files_are_read():
    t = parse_csv_text("subject_id;arm\nS1;MSC\n", "x.csv")
    assert t.header == ["subject_id", "arm"] and t.frame["arm"].tolist() == ["MSC"]


def test_every_line_with_too_many_values_is_located():
    t = parse_csv_text("a,b\n1,2\n1,2,3\n4,5\n6,7,8,9\n", "x.csv")
    assert t.frame is None
    assert [(p.row, p.problem) for p in t.problems] == [
        (3, "the line has 3 values but the header has 2 columns"),
        (5, "the line has 4 values but the header has 2 columns")]


def test_a_column_named_twice_is_an_error():
    t = parse_csv_text("a,b,a\n1,2,3\n", "x.csv")
    assert t.frame is None
    assert "appears twice (columns 1 and 3)" in t.problems[0].problem


def test_an_empty_file_is_reported():
    t = read_text_table(b"  \n\n", "x.csv")
    assert t.empty and t.problems[0].problem == "the file is empty"
    assert len(t.sha256) == 64


def test_strip_cells_keeps_distinct_values_apart():
    s = pd.Series([" a", "a ", "b", "", None, "  "], dtype=object)
    assert strip_cells(s).tolist()[:3] == ["a", "a", "b"]
    assert strip_cells(s).isna().tolist() == [False, False, False, True, True, True]


# -- cell parsers ---------------------------------------------------------------------------

def test_dates_accept_iso_with_an_optional_time():
    d, bad = parse_dates(pd.Series(["2021-04-15", "2021-04-15T09:30", "2021-04-15 09:30:05",
                                    "2021-4-15", "2021-02-29", "20210415", None]))
    assert d.iloc[:3].dt.strftime("%Y-%m-%d").tolist() == ["2021-04-15"] * 3
    assert bad.tolist() == [False, False, False, True, True, True, False]


def test_numbers_refuse_decimal_commas_and_infinities():
    x, bad = parse_numbers(pd.Series(["0.25", "1e3", "-2", "0,25", "inf", "NaN", "abc", None]))
    assert x.iloc[:3].tolist() == [0.25, 1000.0, -2.0]
    assert bad.tolist() == [False, False, False, True, True, True, True, False]


def test_below_detection_values_keep_their_limit():
    x, lod, bad = parse_values(pd.Series(["<0.003", "<=0.01", "< 5", "<", "<-1", "0.2"]))
    assert x.iloc[[0, 1, 2, 5]].tolist() == [0.003, 0.01, 5.0, 0.2]
    assert lod.tolist() == [True, True, True, False, False, False]
    assert bad.tolist() == [False, False, False, True, True, False]


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_any_iso_date_parses_to_itself(day):
    d, bad = parse_dates(pd.Series([day.isoformat()]))
    assert not bad.iloc[0] and d.iloc[0].date() == day


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_any_float_written_in_full_precision_parses_exactly(value):
    x, bad = parse_numbers(pd.Series([repr(value)]))
    assert not bad.iloc[0] and x.iloc[0] == value


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.none()), max_size=8))
def test_parsers_never_raise_on_arbitrary_text(cells):
    s = pd.Series(cells, dtype=object)
    for parse in (parse_dates, parse_numbers):
        out, bad = parse(s)
        assert len(out) == len(s) and not (bad & s.isna()).any()
    x, lod, bad = parse_values(s)
    assert not (lod & bad).any()
    for norm in (normalise_sex, normalise_serious, normalise_related, normalise_severity):
        assert len(norm(s)) == len(s)


@pytest.mark.parametrize("fn, raw, expected", [
    (normalise_sex, ["male", "F", "Female", "x"], ["M", "F", "F", "x"]),
    (normalise_serious, ["yes", "N", "no"], ["Y", "N", "N"]),
    (normalise_related, ["NOT RELATED", "Possibly related", "RELATED", "maybe"],
     ["unrelated", "possible", "related", "maybe"]),
    (normalise_severity, ["MILD", "Grade 3", "2", "2.0", "grade 7"], ["mild", "3", "2", "2", "grade 7"]),
])
def test_code_normalisation_is_lenient_but_keeps_unknown_text(fn, raw, expected):
    assert fn(pd.Series(raw, dtype=object)).tolist() == expected


def test_collector_caps_repeated_problems_with_a_count():
    frame = pd.DataFrame({"source_file": "m.csv", "source_row": np.arange(2, 302),
                          "unit": ["mg"] * 300})
    col = Collector(cap=100)
    col.rows(RawTable(name="measurements", frame=frame), frame, np.ones(300, bool), "unit",
             "unknown unit", "nmol/L")
    out = col.result()
    assert len(out) == 2 and out[0].rows == tuple(range(2, 102)) and out[0].count == 100
    assert str(out[0]) == "m.csv:2-101:unit: 'mg' — 100 rows: unknown unit; expected nmol/L"
    assert out[-1] == Problem(file="m.csv", row=None, column="unit", value=None,
                              problem="... and 200 more row(s) with the same problem",
                              expected="nmol/L", count=200)


def test_collector_records_the_kind_of_each_problem_and_of_its_summary():
    frame = pd.DataFrame({"source_file": "m.csv", "source_row": np.arange(2, 6),
                          "unit": ["mg"] * 4})
    col = Collector(cap=2)
    col.rows(RawTable(name="measurements", frame=frame), frame, np.ones(4, bool), "unit",
             "unknown unit", "nmol/L", kind="unknown unit")
    col.rows(RawTable(name="measurements", frame=frame), frame, np.ones(4, bool), "unit",
             "odd", "nmol/L")
    kinds = [(p.problem, p.kind) for p in col.result()]
    assert ("2 rows: unknown unit", "unknown unit") in kinds
    assert ("... and 2 more row(s) with the same problem", "unknown unit") in kinds
    assert ("2 rows: odd", None) in kinds  # no kind given: none recorded
