"""protocol check never fails on a wrong protocol: it returns located problems, in one pass."""

from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from t1dtrial.protocol import check_protocol_file, load_protocol, protocol_source
from t1dtrial.protocol.checks import protocol_problems

_LU2021 = yaml.safe_load(protocol_source("lu2021")[1])


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, path + (i,))
    yield path


_PATHS = [p for p in _leaves(_LU2021) if p]
_JUNK = st.sampled_from([None, "x", "M18", -1, 0, 0.5, 1.0e12, True, [], {}, [1], ["M3", 2],
                         {"a": 1}, "age_at_onset >= '1'", "AGE_ONSET"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _JUNK), min_size=1, max_size=4))
def test_any_wrong_values_give_located_problems_never_an_exception(tmp_path, changes):
    data = copy.deepcopy(_LU2021)
    for path, junk in changes:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a parent
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    problems = check_protocol_file(path)
    assert all(p.file == "fuzz.yaml" and p.problem for p in problems)
    assert all("\n" not in str(p) for p in problems)


def test_the_packaged_protocols_have_no_cross_field_problem():
    for name in ("lu2021", "carlsson2015", "nasli2015"):
        assert protocol_problems(load_protocol(name)) == []


def test_a_yaml_alias_inside_itself_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("id: loop\ntitle: &t [1, *t]\n", encoding="utf-8")
    [problem] = check_protocol_file(path)
    assert problem.problem == "a YAML alias (*name) refers to a value that contains it"


def test_adjustment_covariates_are_checked_like_the_other_covariate_lists():
    p = load_protocol("lu2021")
    opts = p.analysis.model_copy(update={"adjustment_covariates": ["BFCP", "FOO", "CUMDOSE"]})
    problems = protocol_problems(p.model_copy(update={"analysis": opts}))
    by_path = {q.column: q.problem for q in problems}
    assert by_path["analysis.adjustment_covariates[1]"].startswith("not a variable of ADSL")
    assert "stands for the arm itself" in by_path["analysis.adjustment_covariates[2]"]
    assert not any(k.startswith("analysis.adjustment_covariates[0]") for k in by_path)
