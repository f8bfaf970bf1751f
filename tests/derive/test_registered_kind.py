"""A kind registered from outside the package parses, checks, describes, derives and simulates."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
import pytest
import yaml

from t1dtrial.data import load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.derive import derive_all
from t1dtrial.errors import Problem, ProtocolError
from t1dtrial.protocol import load_protocol, protocol_hash, protocol_source
from t1dtrial.protocol.describe import describe_protocol
from t1dtrial.protocol.comparison import meets
from t1dtrial.protocol.kinds import (EndpointKind, EndpointModel, Flags, endpoint_kinds, outcome,
                                     register_endpoint_kind, unregister_endpoint_kind, yes_no)
from t1dtrial.simulate import simulate_trial


class FcpDoubling(EndpointModel):
    """Responder if fasting C-peptide at the visit is at least ``factor`` x baseline."""

    kind: Literal["fcp_doubling"]
    factor: float = 2.0


def _derive(ep: FcpDoubling, grid) -> Flags:
    got = grid.take("FCP")
    value = meets(got["PCHG"], ">=", 100.0 * (ep.factor - 1.0))
    reason = np.where(np.isnan(value), grid.per_visit("no FCP change at {visit}"), "")
    return Flags(value, yes_no(value), got["ADT"], reason.astype(object))


def _truth(ep: FcpDoubling, cohort, visit: str, noisy: bool) -> np.ndarray:
    x = cohort.values("FCP", noisy=noisy)
    b, v = cohort.visit_index(cohort.protocol.baseline_visit), cohort.visit_index(visit)
    out = meets(x[:, v] / x[:, b], ">=", ep.factor)
    return np.where(cohort.observed_at(visit), out, np.nan)


def _problems(ep: FcpDoubling, where: str, ctx) -> list[Problem]:
    if ep.factor > 1:
        return []
    return [Problem(file="", row=None, column=f"{where}.factor", value=ep.factor,
                    problem="a factor of at most 1 counts a fall as a response",
                    expected="a factor above 1, e.g. 2")]


FCP_DOUBLING = EndpointKind(
    name="fcp_doubling", model=FcpDoubling, outcome="responder",
    describe=lambda ep: f"FCP at least {ep.factor:g} x baseline", derive=_derive, truth=_truth,
    problems=_problems, params=lambda ep: [("kind", "FCP")])


@pytest.fixture(scope="module", autouse=True)
def registered():
    register_endpoint_kind(FCP_DOUBLING)
    yield
    unregister_endpoint_kind("fcp_doubling")


DOUBLING = {"kind": "fcp_doubling", "name": "fcp_doubled", "label": "FCP doubled", "visit": "M12"}


def _yaml(tmp_path, primary: bool = False, **changes) -> str:
    data = yaml.safe_load(protocol_source("lu2021")[1])
    ep = {**DOUBLING, **changes}
    if primary:
        data["endpoints"]["secondary"].append(data["endpoints"]["primary"])
        data["endpoints"]["primary"] = ep
    else:
        data["endpoints"]["secondary"].append(ep)
    path = tmp_path / "doubling.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def test_a_protocol_file_names_the_new_kind_and_derive_all_derives_it(tmp_path):
    protocol = load_protocol(_yaml(tmp_path, factor=1.5))
    ep = protocol.endpoints.secondary[-1]
    assert isinstance(ep, FcpDoubling) and ep.factor == 1.5 and outcome(ep) == "responder"
    assert "fcp_doubled: FCP at least 1.5 x baseline at M12" in describe_protocol(protocol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = derive_all(load_folder(lu2021_path(), protocol))
    e, lb = d.adeff, d.adlb
    rows = e.loc[(e.PARAMCD == "FCPDOUB") & (e.ANL01FL == "Y")].set_index("USUBJID")
    fcp = lb.loc[(lb.PARAMCD == "FCP") & (lb.AVISIT == "M12") & (lb.ANL01FL == "Y")] \
        .set_index("USUBJID")
    want = np.where(fcp["AVAL"] >= 1.5 * fcp["BASE"] - 1e-9, "Y", "N")
    assert (rows.loc[fcp.index, "AVALC"].to_numpy() == want).all()
    assert set(rows["AVALC"]) <= {"Y", "N", "missing"} and (rows["AVALC"] == "Y").any()
    assert rows["CRIT1"].iloc[0] == "FCP at least 1.5 x baseline"


def test_the_new_kind_keeps_its_fields_in_the_protocol_hash(tmp_path):
    a = load_protocol(_yaml(tmp_path, factor=2.0))
    b = load_protocol(_yaml(tmp_path, factor=3.0))
    assert protocol_hash(a) != protocol_hash(b)


def test_the_new_kinds_own_check_and_schema_give_located_problems(tmp_path):
    with pytest.raises(ProtocolError) as err:
        load_protocol(_yaml(tmp_path, factor=0.5))
    assert any(p.column == "endpoints.secondary[9].factor" and "counts a fall" in p.problem
               for p in err.value.problems)
    with pytest.raises(ProtocolError) as err:
        load_protocol(_yaml(tmp_path, factor="twice"))
    assert [p.column for p in err.value.problems] == ["endpoints.secondary[9].factor"]


def test_the_simulator_truth_of_the_new_kind_as_primary_is_what_derive_finds(tmp_path):
    protocol = load_protocol(_yaml(tmp_path, primary=True))
    trial = simulate_trial(protocol, seed=4, n_per_arm=15)
    folder = trial.write(tmp_path / "trial")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = derive_all(load_folder(folder, protocol))
    truth = trial.truth.set_index("subject_id")
    rows = d.adeff.loc[(d.adeff.PARAMCD == "FCPDOUB") & (d.adeff.ANL01FL == "Y")]
    mine = rows.set_index("USUBJID")["AVALC"].map({"Y": "1", "N": "0", "missing": ""})
    pd.testing.assert_series_equal(mine.reindex(truth.index), truth["remission_noisy"].astype(str),
                                   check_names=False)


def test_an_unknown_kind_is_a_located_problem_naming_the_registered_ones(tmp_path):
    unregister_endpoint_kind("fcp_doubling")
    try:
        with pytest.raises(ProtocolError) as err:
            load_protocol(_yaml(tmp_path))
    finally:
        register_endpoint_kind(FCP_DOUBLING)
    [problem] = err.value.problems
    assert problem.column == "endpoints.secondary[9]"
    assert problem.problem == "unknown endpoint kind 'fcp_doubling'"
    assert problem.expected.startswith("one of percent_rise, threshold, continuous")
    assert "fcp_doubling" in endpoint_kinds()


def test_built_in_kinds_cannot_be_removed_nor_silently_replaced():
    with pytest.raises(ValueError, match="built-in"):
        unregister_endpoint_kind("threshold")
    with pytest.raises(ValueError, match="registered already"):
        register_endpoint_kind(EndpointKind(name="threshold", model=FcpDoubling,
                                            outcome="responder", describe=str, derive=_derive))
