"""`t1dtrial protocol check`: every problem knowable without data, in one pass, file:line:field.

Each test changes the packaged lu2021 protocol the way a user might get it
wrong, runs the command line, and asserts exit code 2 and the located message.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
import yaml

from t1dtrial.cli import main
from t1dtrial.datasets import lu2021_path
from t1dtrial.protocol import list_protocols, protocol_source


def _lu2021() -> dict:
    return yaml.safe_load(protocol_source("lu2021")[1])


def _check(tmp_path: Path, capsys, change: Callable[[dict], None]) -> tuple[int, str, str]:
    """Run `protocol check` on lu2021 changed by ``change``; return (code, stderr, YAML text)."""
    data = _lu2021()
    change(data)
    text = yaml.safe_dump(data, sort_keys=False)
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["protocol", "check", str(path)])
    return code, capsys.readouterr().err, text


def _line(text: str, *fragments: str) -> int:
    """Line number of the last fragment, each searched from the line of the one before."""
    lines = text.splitlines()
    at = 0
    for fragment in fragments:
        at = next(i for i in range(at, len(lines)) if fragment in lines[i])
    return at + 1


def _analysis(**options) -> Callable[[dict], None]:
    return lambda d: d["analysis"].update(options)


# -- covariates -------------------------------------------------------------------------

def test_an_unknown_ancova_covariate_gets_the_adsl_name_it_resembles(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _analysis(ancova_covariates=["AGE_ONSET", "SEX"]))
    assert code == 2
    n = _line(text, "ancova_covariates:", "AGE_ONSET")
    assert (f"p.yaml:{n}:analysis.ancova_covariates[0]: 'AGE_ONSET' — not a variable of ADSL, "
            "the subject-level dataset the models use; did you mean AGEONSET (age at diabetes "
            "onset, years); expected one of AGE, AGEDEC, AGEONSET, SEX") in err


def test_a_vague_predictor_covariate_lists_the_dose_variables(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _analysis(predictor_covariates=["BFCP", "DOSE"]))
    assert code == 2
    n = _line(text, "predictor_covariates:", "DOSE")
    assert (f"p.yaml:{n}:analysis.predictor_covariates[1]: 'DOSE' — not a variable of ADSL"
            in err)
    assert ("did you mean CUMDOSE (cumulative cell dose, cells/kg) or DOSE1 (cell dose of "
            "infusion 1, cells/kg) or DOSE2 (cell dose of infusion 2, cells/kg)") in err


def test_an_unknown_propensity_covariate_and_a_dose_beyond_the_schedule(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _analysis(propensity_covariates=["BFCP", "FOO"],
                                                         predictor_covariates=["DOSE3"]))
    assert code == 2
    assert (f"p.yaml:{_line(text, 'propensity_covariates:', 'FOO')}:"
            "analysis.propensity_covariates[1]: 'FOO' — not a variable of ADSL") in err
    assert (f"p.yaml:{_line(text, 'predictor_covariates:', 'DOSE3')}:"
            "analysis.predictor_covariates[0]: 'DOSE3' — not a variable of ADSL") in err
    assert "DOSE2, or B<parameter> for a baseline value" in err


def test_a_dose_covariate_in_a_model_of_arms_without_infusions(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _analysis(predictor_arms=["CONTROL"]))
    assert code == 2
    n = _line(text, "predictor_covariates:", "CUMDOSE")
    assert (f"p.yaml:{n}:analysis.predictor_covariates[1]: 'CUMDOSE' — CUMDOSE is 0 for "
            "everyone in the model: its arms (CONTROL) receive no infusions; expected "
            "analysis.predictor_arms that receive infusions (MSC)") in err


@pytest.mark.parametrize("field, why", [
    ("ancova_covariates", "adjusting for it removes the treatment effect"),
    ("propensity_covariates", "it predicts the arm perfectly"),
])
def test_a_dose_covariate_in_a_comparison_with_an_uninfused_arm(tmp_path, capsys, field, why):
    code, err, text = _check(tmp_path, capsys, _analysis(**{field: ["SEX", "NINF"]}))
    assert code == 2
    n = _line(text, f"{field}:", "NINF")
    assert (f"p.yaml:{n}:analysis.{field}[1]: 'NINF' — NINF is 0 in every participant of "
            f"CONTROL (no infusions), so it stands for the arm itself: {why}") in err


def test_an_endpoints_own_baseline_as_ancova_covariate_is_collinear(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _analysis(ancova_covariates=["BFCP"]))
    assert code == 2
    n = _line(text, "ancova_covariates:", "BFCP")
    assert (f"p.yaml:{n}:analysis.ancova_covariates[0]: 'BFCP' — BFCP is the baseline of "
            "fcp_change, which every ANCOVA of it adjusts for already") in err


def test_cumulative_dose_with_every_single_dose_is_collinear(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys,
                             _analysis(predictor_covariates=["CUMDOSE", "DOSE1", "DOSE2"]))
    assert code == 2
    assert (f"p.yaml:{_line(text, 'predictor_covariates:')}:analysis.predictor_covariates: "
            "CUMDOSE is the sum of DOSE1, DOSE2: a model with all of them cannot be "
            "estimated") in err


def test_a_repeated_covariate_is_reported(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _analysis(ancova_covariates=["SEX", "SEX"]))
    assert code == 2
    assert (f"p.yaml:{_line(text, 'ancova_covariates:')}:analysis.ancova_covariates: SEX listed "
            "more than once; expected each once") in err


def test_a_predictor_model_needs_a_responder_primary_endpoint(tmp_path, capsys):
    def continuous_primary(d):
        d["endpoints"]["primary"] = {"kind": "continuous", "name": "fcp_m12", "label": "FCP",
                                     "param": "FCP", "visit": "M12"}
    code, err, text = _check(tmp_path, capsys, continuous_primary)
    assert code == 2
    assert (f"p.yaml:{_line(text, 'predictor_covariates:')}:analysis.predictor_covariates: the "
            "predictor model is a logistic regression of the primary responder endpoint, but "
            "'fcp_m12' is continuous") in err


# -- thresholds and levels ------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    (-10, "-10 — a negative threshold counts a participant whose value fell by up to 10 % as "
          "a responder; expected a rise in percent from 1 to 1000, e.g. 10 for a 10 % rise"),
    (0, "0 — a threshold of 0 counts a participant whose value did not rise at all"),
    (0.1, "0.1 — 0.1 looks like a proportion (0.1 = 10 %)"),
    (5000, "5000 — a rise of more than 1000 % (tenfold) comes only from baselines near the "
           "assay's detection limit"),
])
def test_a_percent_rise_threshold_out_of_range_says_what_it_would_mean(tmp_path, capsys,
                                                                        value, words):
    code, err, text = _check(tmp_path, capsys,
                             lambda d: d["endpoints"]["primary"].update(threshold_pct=value))
    assert code == 2
    n = _line(text, "threshold_pct:")
    assert f"p.yaml:{n}:endpoints.primary.threshold_pct: {words}" in err


@pytest.mark.parametrize("change, field, words", [
    ({"value": -0.2}, "value", "-0.2 — every participant meets PCP >= -0.2 nmol/L: a C-peptide "
     "concentration cannot be negative; expected a threshold above 0 nmol/L, e.g. PCP >= "
     "0.2 nmol/L"),
    ({"value": 200, "unit": "pmol/l"}, None, None),
    ({"unit": "furlongs"}, "unit", "'furlongs' — not a unit of PCP; expected one of nmol/L, "
     "pmol/L, ng/mL"),
    ({"param": "HBA1C", "unit": "%", "value": 120}, "value", "120 — no participant can meet "
     "HBA1C >= 120 %: HbA1c is the share of haemoglobin that is glycated; expected a threshold "
     "from 0 to 100 %"),
    ({"param": "INSDOSE", "unit": "U/day", "comparison": "<=", "value": 10}, "unit",
     "'U/day' — a threshold in U/day would need each participant's weight; expected U/kg/day"),
])
def test_a_threshold_endpoint_is_checked_against_its_unit_and_range(tmp_path, capsys, change,
                                                                    field, words):
    code, err, text = _check(tmp_path, capsys,
                             lambda d: d["endpoints"]["secondary"][6].update(change))
    if words is None:
        assert code == 0, err
        return
    assert code == 2
    n = _line(text, "name: dcct_responder", f"{field}:")
    assert f"p.yaml:{n}:endpoints.secondary[6].{field}: {words}" in err


@pytest.mark.parametrize("option, value, words", [
    ("conf_level", 95, "95 — 95 looks like a percentage; expected a proportion, e.g. 0.95"),
    ("conf_level", 0.3, "0.3 — a confidence level must be at least 0.5"),
    ("alpha", 5, "5 — 5 looks like a percentage; expected a proportion, e.g. 0.05"),
    ("alpha", 0.7, "0.7 — a significance level must be above 0 and at most 0.5"),
])
def test_confidence_level_and_alpha_must_be_sane_proportions(tmp_path, capsys, option, value,
                                                             words):
    code, err, text = _check(tmp_path, capsys, _analysis(**{option: value}))
    assert code == 2
    assert f"p.yaml:{_line(text, 'analysis:', f'{option}:')}:analysis.{option}: {words}" in err


# -- visits, parameters, names, design ----------------------------------------------

def test_endpoints_are_assessed_after_the_baseline_visit(tmp_path, capsys):
    def at_baseline(d):
        d["endpoints"]["secondary"][0]["visit"] = "BL"
        d["endpoints"]["secondary"][1]["visits"] = ["BL", "M6"]
        d["primary_visit"] = "BL"
    code, err, text = _check(tmp_path, capsys, at_baseline)
    assert code == 2
    n = _line(text, "name: fcp_change", "visit:")
    assert (f"p.yaml:{n}:endpoints.secondary[0].visit: 'BL' — fcp_change is assessed at BL, not "
            "after the baseline visit BL: there is no change from baseline to assess; expected "
            "a visit after BL: M1, M3, M6, M9, M12") in err
    n = _line(text, "name: pcp_change", "visits:", "BL")
    assert f"p.yaml:{n}:endpoints.secondary[1].visits[0]: 'BL' — pcp_change is assessed at BL" in err
    n = _line(text, "primary_visit:")
    assert (f"p.yaml:{n}:primary_visit: the primary visit BL is not after the baseline visit "
            "BL") in err


def test_a_meal_test_sample_the_meal_test_does_not_take(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys,
                             lambda d: d["endpoints"]["secondary"][6].update(param="CP30"))
    assert code == 2
    n = _line(text, "name: dcct_responder", "param:")
    assert (f"p.yaml:{n}:endpoints.secondary[6].param: 'CP30' — CP30 is the C-peptide at minute "
            "30 of the meal test, which samples at minutes [0, 120]") in err


def test_a_percent_rise_of_a_parameter_whose_rise_is_a_worsening(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys,
                             lambda d: d["endpoints"]["primary"].update(params=["FCP", "HBA1C"]))
    assert code == 2
    n = _line(text, "params:", "HBA1C")
    assert (f"p.yaml:{n}:endpoints.primary.params[1]: 'HBA1C' — a rise in HBA1C is a worsening, "
            "so this endpoint would count worsening participants as responders") in err


def test_names_the_analysis_uses_itself_are_reserved(tmp_path, capsys):
    def reserved(d):
        d["subgroups"][0]["name"] = "all"
        d["endpoints"]["secondary"][0]["name"] = "insfree"
    code, err, text = _check(tmp_path, capsys, reserved)
    assert code == 2
    assert (f"p.yaml:{_line(text, 'name: all')}:subgroups[0].name: 'all' — 'all' is the whole "
            "population in every table") in err
    assert (f"p.yaml:{_line(text, 'name: insfree')}:endpoints.secondary[0].name: 'insfree' — "
            "'insfree' is the name of the insulin-free episodes in ADEFF") in err


@pytest.mark.parametrize("change, words", [
    (lambda d: d["design"].update(allocation="single-arm"),
     ":design.allocation: 'single-arm' — a single-arm design with 2 arms (MSC, CONTROL)"),
    (lambda d: d["arms"][1].update(kind="active"),
     ":arms: no arm is a control (kind standard-care or placebo), so the analysis has nothing "
     "to compare the treated arms with"),
])
def test_the_design_has_the_arms_it_says(tmp_path, capsys, change, words):
    code, err, _ = _check(tmp_path, capsys, change)
    assert code == 2
    assert re.search(r"p\.yaml:\d+" + re.escape(words), err)


# -- doses ------------------------------------------------------------------------------

@pytest.mark.parametrize("dose, field, words", [
    ({"per_kg": 3.0e6, "range_per_kg": [0.5e6, 2.0e6]}, "range_per_kg",
     "the planned per_kg 3e+06 is outside [5e+05, 2e+06]; expected a range that contains the "
     "planned dose"),
    ({"per_kg": 1.0, "range_per_kg": None}, "per_kg",
     "1.0 — 1 looks like a dose in 10^6 cells/kg (1 x 10^6 = 1e+06 cells/kg); expected "
     "cells/kg, from 1e+03 to 1e+09"),
    ({"per_kg": 1.0e6, "range_per_kg": [0.5, 2.0]}, "range_per_kg",
     "0.5 looks like a dose in 10^6 cells/kg"),
    ({"per_kg": None, "total": 1.0e6, "range_per_kg": [0.5e6, 2.0e6]}, "range_per_kg",
     "a total of 1e+06 cells is 4e+03 to 1e+05 cells/kg for body weights of 10-250 kg, never "
     "within range_per_kg [5e+05, 2e+06]"),
])
def test_dose_rules_are_plausible_and_consistent(tmp_path, capsys, dose, field, words):
    def set_dose(d):
        d["infusions"][0]["dose"].update(dose)
        d["infusions"][0]["dose"] = {k: v for k, v in d["infusions"][0]["dose"].items()
                                     if v is not None}
    code, err, text = _check(tmp_path, capsys, set_dose)
    assert code == 2
    n = _line(text, "infusions:", f"{field}:")
    assert f"p.yaml:{n}:infusions[0].dose.{field}: " in err and words in err


def test_infusions_go_to_arms_that_receive_them(tmp_path, capsys):
    def arms(d):
        d["infusions"][0]["arms"] = ["CONTROL"]
        d["infusions"][1]["arms"] = []
    code, err, text = _check(tmp_path, capsys, arms)
    assert code == 2
    n = _line(text, "infusions:", "arms:")
    assert (f"p.yaml:{n}:infusions[0].arms: arm 'CONTROL' is standard care and cannot receive "
            "infusions") in err
    n = _line(text, "number: 2", "arms:")
    assert f"p.yaml:{n}:infusions[1].arms: the infusion is given to no arm" in err


# -- subgroups --------------------------------------------------------------------------

def _subgroups(*specs: tuple[str, str, str | None]) -> Callable[[dict], None]:
    def change(d):
        d["subgroups"] = [{"name": n, "label": n, "where": w, **({"partition": p} if p else {})}
                          for n, w, p in specs]
    return change


def test_overlapping_subgroups_of_a_partition_are_shown_a_witness(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _subgroups(
        ("adult_onset", "age_at_onset >= 18", "onset_age"),
        ("juvenile_onset", "age_at_onset <= 18", "onset_age")))
    assert code == 2
    n = _line(text, "name: juvenile_onset", "where:")
    assert (f"p.yaml:{n}:subgroups[1].where: 'age_at_onset <= 18' — age_at_onset = 18 is in "
            "both adult_onset and juvenile_onset (partition onset_age); expected subgroups of "
            "one partition that do not overlap") in err


def test_a_partition_that_leaves_participants_out_is_shown_a_witness(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _subgroups(
        ("adult_onset", "age_at_onset > 18", "onset_age"),
        ("juvenile_onset", "age_at_onset < 18", "onset_age")))
    assert code == 2
    n = _line(text, "name: adult_onset", "partition:")
    assert (f"p.yaml:{n}:subgroups[0].partition: 'onset_age' — age_at_onset = 18 is in none of "
            "adult_onset, juvenile_onset (partition onset_age)") in err


def test_subgroups_without_a_partition_may_overlap_but_not_repeat(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _subgroups(
        ("adult_onset", "age_at_onset >= 18", None), ("women", "sex == 'F'", None),
        ("grown_up", "18 <= age_at_onset", None), ("nobody", "age_at_onset > 50 and "
                                                   "age_at_onset < 20", None)))
    assert code == 2
    assert (f"p.yaml:{_line(text, 'name: grown_up', 'where:')}:subgroups[2].where: "
            "'18 <= age_at_onset' — grown_up has the same definition as adult_onset") in err
    assert (f"p.yaml:{_line(text, 'name: nobody', 'where:')}:subgroups[3].where: "
            "'age_at_onset > 50 and age_at_onset < 20' — no participant can be in nobody") in err
    assert "women" not in err
    assert "error: 2 problem(s)" in err


def test_a_subgroup_constant_of_the_wrong_type_is_reported(tmp_path, capsys):
    code, err, text = _check(tmp_path, capsys, _subgroups(
        ("adult_onset", "age_at_onset >= '18'", None), ("site_one", "site == 1", None)))
    assert code == 2
    assert (f"p.yaml:{_line(text, 'name: adult_onset', 'where:')}:subgroups[0].where: "
            "\"age_at_onset >= '18'\" — compares the number column age_at_onset with '18'; "
            "expected a number without quotes") in err
    assert "compares the text column site with 1, which no text equals" in err


def test_a_partition_over_two_columns_is_proved_exactly(tmp_path, capsys):
    code, err, _ = _check(tmp_path, capsys, _subgroups(
        ("young_women", "sex == 'F' and age_at_onset < 18", "sex_age"),
        ("others", "sex != 'F' or age_at_onset >= 18", "sex_age"),
        ("early", "enrolment_date < '2020-01-01'", "period"),
        ("late", "enrolment_date >= '2020-01-01'", "period")))
    assert code == 0, err


# -- one pass ---------------------------------------------------------------------------

def test_every_kind_of_problem_is_reported_in_one_pass_and_counted_right(tmp_path, capsys):
    def many(d):
        d["visits"][2]["day"] = "ninety"                       # a field type error
        d["analysis"]["alpha"] = "five percent"                # another, in the analysis section
        d["endpoints"]["secondary"][0]["visit"] = "M18"        # an unknown visit
        d["analysis"]["ancova_covariates"] = ["AGE_ONSET"]     # a bad covariate (same section)
        d["endpoints"]["primary"]["threshold_pct"] = -10       # a negative threshold
        d["subgroups"][1]["where"] = "age_at_onset <= 18"      # an overlapping partition
        d["infusions"][1]["dose"]["per_kg"] = "lots"           # a type error in a nested rule
        d["infusions"][1]["visit"] = "M4"                      # ... whose visit is unknown
    code, err, _ = _check(tmp_path, capsys, many)
    assert code == 2
    lines = err.splitlines()
    count = int(re.match(r"error: (\d+) problem\(s\) must be fixed:", lines[0]).group(1))
    problems = lines[1:]
    assert count == len(problems) == 8
    for fragment in (":visits[2].day: 'ninety'", ":analysis.alpha: 'five percent'",
                     ":endpoints.secondary[0].visit: unknown visit 'M18'",
                     ":analysis.ancova_covariates[0]: 'AGE_ONSET' — not a variable of ADSL",
                     ":endpoints.primary.threshold_pct: -10 — a negative threshold",
                     ":subgroups[1].where: 'age_at_onset <= 18' — age_at_onset = 18 is in both",
                     ":infusions[1].dose.per_kg: 'lots'", ":infusions[1].visit: unknown visit 'M4'"):
        assert sum(fragment in line for line in problems) == 1, fragment
    rows = [int(re.match(r"\s+p\.yaml:(\d+):", line).group(1)) for line in problems]
    assert rows == sorted(rows)


def test_analyze_refuses_what_check_reports_before_reading_data(tmp_path, capsys):
    _, check_err, _ = _check(tmp_path, capsys, _analysis(ancova_covariates=["AGE_ONSET"]))
    code = main(["analyze", str(lu2021_path()), "--protocol", str(tmp_path / "p.yaml"),
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert capsys.readouterr().err == check_err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", list_protocols())
def test_the_packaged_protocols_pass(tmp_path, capsys, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(protocol_source(name)[1], encoding="utf-8")
    assert main(["protocol", "check", str(path)]) == 0
    assert f"valid protocol '{name}'" in capsys.readouterr().out
