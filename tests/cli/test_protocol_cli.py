"""`t1dtrial protocol show|check|list`."""

from __future__ import annotations

import yaml

from t1dtrial.cli import main
from t1dtrial.protocol import protocol_source


def test_protocol_show_prints_rules_and_assumptions(capsys):
    assert main(["protocol", "show", "lu2021"]) == 0
    out = capsys.readouterr().out
    assert "remission: >= 10% rise from baseline in any of FCP, PCP at M12" in out
    assert "ASSUMPTIONS (16)" in out
    assert "M12    Month 12   day  365  window -30/+30" in out


def test_protocol_check_valid_file_exits_zero(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(protocol_source("carlsson2015")[1], encoding="utf-8")
    assert main(["protocol", "check", str(path)]) == 0
    assert "valid protocol 'carlsson2015'" in capsys.readouterr().out


def test_protocol_check_reports_every_problem_and_exits_two(tmp_path, capsys):
    data = yaml.safe_load(protocol_source("lu2021")[1])
    data["primary_visit"] = "M18"
    data["subgroups"][1]["where"] = "onset < 18"
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["protocol", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s) must be fixed" in err
    assert "p.yaml:" in err and ":primary_visit: unknown visit 'M18'" in err
    assert ":subgroups[1].where: unknown column(s) ['onset']" in err


def test_protocol_list_names_packaged_protocols(capsys):
    assert main(["protocol", "list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["cai2016", "carlsson2015", "dosefinding", "hu2013", "lu2021", "nasli2015",
                     "protrans2023"]


def test_version_flag(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("t1dtrial 0.1.0")
