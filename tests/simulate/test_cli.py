"""``t1dtrial simulate`` and ``t1dtrial calibrate``."""

from __future__ import annotations

import filecmp

import pytest
from hypothesis import given
from hypothesis import strategies as st

from t1dtrial.cli import main
from t1dtrial.errors import InputError
from t1dtrial.outputs import MARKER
from t1dtrial.simulate import parse_arm_sizes, simulate_trial


def test_simulate_writes_the_folder_and_says_synthetic(tmp_path, capsys):
    out = tmp_path / "t7"
    assert main(["simulate", "--protocol", "lu2021", "--seed", "7", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC trial of protocol lu2021 (seed 7)" in text
    assert "MSC        n=27" in text
    ref = tmp_path / "ref"
    simulate_trial("lu2021", seed=7).write(ref)
    names = sorted(p.name for p in ref.iterdir() if p.name != MARKER)  # the marker has a time
    assert filecmp.cmpfiles(out, ref, names, shallow=False)[0] == names


def test_simulate_options_reach_the_simulator(tmp_path, capsys):
    out = tmp_path / "t"
    assert main(["simulate", "--seed", "1", "--out", str(out), "--n-per-arm", "MSC=12,CONTROL=8",
                 "--adult-fraction", "0.5", "--dropout", "0.3", "--missed-visit", "0.1",
                 "--messy"]) == 0
    text = capsys.readouterr().out
    assert "MSC        n=12" in text and "CONTROL    n=8" in text and "faults injected" in text
    assert (out / "faults.csv").exists()


def test_simulate_into_a_non_empty_folder_exits_2_with_the_reason(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("keep")
    assert main(["simulate", "--seed", "1", "--out", str(tmp_path), "--overwrite"]) == 2
    assert "is not empty (1 item(s): x.txt) and t1dtrial did not write it" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


@pytest.mark.parametrize("args, message", [
    (["--n-per-arm", "MSC=x"], "--n-per-arm: 'MSC=x' — cannot read the numbers per arm"),
    (["--n-per-arm", "PLACEBO=3"], "'PLACEBO' — unknown arm code"),
    (["--adult-fraction", "2"], "adult_fraction: 2.0 — out of range"),
    (["--protocol", "nope"], "nope: no such protocol file or packaged protocol"),
    (["--match-published", "--n-per-arm", "10"],
     "the published counts are matched with the default options only"),
])
def test_simulate_user_mistakes_exit_2_with_a_located_message(tmp_path, capsys, args, message):
    assert main(["simulate", "--seed", "1", "--out", str(tmp_path / "o"), *args]) == 2
    assert message in capsys.readouterr().err


def test_calibrate_prints_targets_beside_expected_values_and_parameters(capsys):
    assert main(["calibrate", "--n-trials", "40", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Calibration targets: 40 simulated trials, seed 3" in out
    for name in ("msc_remission", "control_remission", "msc_insulin_free", "severe_adverse_events"):
        assert name in out
    assert "11 of 27" in out and "Model parameters" in out and "Greenbaum 2012" in out


def test_calibrate_can_leave_out_the_parameter_table(capsys):
    assert main(["calibrate", "--n-trials", "10", "--seed", "3", "--no-parameters"]) == 0
    assert "Model parameters" not in capsys.readouterr().out


@pytest.mark.parametrize("command", ["simulate", "calibrate"])
def test_help_ends_with_an_example(capsys, command):
    assert main([command, "--help"]) == 0
    description = capsys.readouterr().out.split("Options:")[0].strip()
    assert description.splitlines()[-1].strip().startswith(f"Example: t1dtrial {command}")


@given(sizes=st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True),
                             st.integers(0, 10_000), min_size=1, max_size=4))
def test_arm_sizes_text_round_trips(sizes):
    text = ",".join(f"{k}={v}" for k, v in sizes.items())
    assert parse_arm_sizes(text) == sizes


@given(text=st.text(max_size=20))
def test_arm_sizes_text_never_fails_with_anything_but_input_error(text):
    try:
        parse_arm_sizes(text)
    except InputError as exc:
        assert "cannot read the numbers per arm" in str(exc)


@pytest.mark.parametrize("command", [["simulate", "--out", "never-written"], ["calibrate", "--n-trials", "5"]])
def test_a_negative_seed_exits_2_naming_the_seed(capsys, command):
    assert main([*command, "--seed", "-3"]) == 2
    assert "--seed: -3 — not a valid seed; expected a whole number >= 0" in capsys.readouterr().err


def test_calibrate_without_a_seed_prints_the_seed_it_drew(capsys):
    import re

    assert main(["calibrate", "--n-trials", "4", "--no-parameters"]) == 0
    out = capsys.readouterr().out
    assert "seed None" not in out
    assert re.search(r"4 simulated trials, seed \d+", out)
