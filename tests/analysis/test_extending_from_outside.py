"""A new endpoint kind and a new method, registered from this test module, run end to end.

Nothing in the package is touched: the kind (``hba1c_fall``: HbA1c at the
visit at least ``percent`` % below baseline) and the method
(``test-responder-difference``: the difference in responder proportions
with a Wald interval) are registered here, named in a protocol file, and
run through derive, analyze and the terminal summary.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
import pandas as pd
import pytest
import yaml
from rich.console import Console
from scipy.stats import norm

from t1dtrial.analysis import analyze
from t1dtrial.protocol.adam_names import paramcd_of
from t1dtrial.analysis.methods import (AnalysisData, AnalysisSpec, method_names, register_method,
                                       unregister_method)
from t1dtrial.analysis.result import Result
from t1dtrial.data import load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.derive import derive_all
from t1dtrial.protocol import load_protocol, protocol_source
from t1dtrial.protocol.comparison import meets
from t1dtrial.protocol.kinds import (EndpointKind, EndpointModel, Flags, endpoint_kinds,
                                     register_endpoint_kind, unregister_endpoint_kind, yes_no)
from t1dtrial.report.terminal import summary_renderables


class HbA1cFall(EndpointModel):
    """Responder if HbA1c at the visit is at least ``percent`` % below its baseline."""

    kind: Literal["hba1c_fall"]
    percent: float = 10.0


def _derive(ep: HbA1cFall, grid) -> Flags:
    got = grid.take("HBA1C")
    value = meets(got["PCHG"], "<=", -ep.percent)
    reason = np.where(np.isnan(value), grid.per_visit("no HbA1c change at {visit}"), "")
    return Flags(value, yes_no(value), got["ADT"], reason.astype(object))


HBA1C_FALL = EndpointKind(
    name="hba1c_fall", model=HbA1cFall, outcome="responder",
    describe=lambda ep: f"HbA1c at least {ep.percent:g} % below baseline", derive=_derive,
    params=lambda ep: [("kind", "HBA1C")])


def responder_difference(spec: AnalysisSpec, data: AnalysisData) -> Result:
    """Difference in responder proportions, treated - control, with a Wald interval."""
    adsl = data.adsl.loc[data.adsl[spec.population_flag].eq("Y"), ["USUBJID", "TRT01P"]]
    eff = data.adeff.loc[(data.adeff["PARAMCD"] == paramcd_of(spec.endpoint_name, data.protocol))
                         & data.adeff["ANL01FL"].eq("Y"), ["USUBJID", "AVALC"]]
    status = adsl.merge(eff, on="USUBJID", how="left")
    yes = status.groupby("TRT01P")["AVALC"].apply(lambda v: int(v.eq("Y").sum()))
    n = status.groupby("TRT01P").size()
    z = norm.ppf(0.5 + spec.conf_level / 2)
    rows = []
    for treated, control in spec.pairs:
        p1, p2 = yes[treated] / n[treated], yes[control] / n[control]
        se = math.sqrt(p1 * (1 - p1) / n[treated] + p2 * (1 - p2) / n[control])
        rows.append({"comparison": f"{treated} vs {control}", "estimate": p1 - p2,
                     "ci_low": p1 - p2 - z * se, "ci_high": p1 - p2 + z * se,
                     "p_value": 2 * norm.sf(abs(p1 - p2) / se) if se > 0 else float("nan"),
                     "method": "difference in proportions, Wald interval",
                     "n": int(n[treated] + n[control])})
    return Result(name=spec.name, shape="comparison", table=pd.DataFrame(rows),
                  title=f"Difference in responders: {spec.endpoint_name}", role=spec.role,
                  endpoint=spec.endpoint_name, method_name=spec.method,
                  population=spec.population, n_by_arm={k: int(v) for k, v in n.items()},
                  conf_level=spec.conf_level, method=rows[0]["method"])


@pytest.fixture(scope="module", autouse=True)
def registered():
    register_endpoint_kind(HBA1C_FALL)
    register_method("test-responder-difference", responder_difference,
                    outcomes=("responder",), description="difference in responder proportions")
    yield
    unregister_method("test-responder-difference")
    unregister_endpoint_kind("hba1c_fall")


ENDPOINT = {"kind": "hba1c_fall", "name": "hba1c_fell", "label": "HbA1c fell by 10 % or more",
            "percent": 10, "visit": "M12"}
ANALYSIS = {"name": "hba1c_fell_difference", "role": "exploratory", "endpoint": "hba1c_fell",
            "method": "test-responder-difference"}


@pytest.fixture(scope="module")
def protocol(tmp_path_factory):
    data = yaml.safe_load(protocol_source("lu2021")[1])
    data["endpoints"]["secondary"].append(ENDPOINT)
    data["analysis_plan"].append(ANALYSIS)
    path = tmp_path_factory.mktemp("protocol") / "lu2021-hba1c.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_protocol(path)


@pytest.fixture(scope="module")
def results(protocol):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyze(load_folder(lu2021_path(), protocol))


def test_both_are_registered_from_outside_the_package():
    assert "hba1c_fall" in endpoint_kinds()
    assert "test-responder-difference" in method_names()


def test_derive_writes_the_new_kind_as_adeff_rows(protocol):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = derive_all(load_folder(lu2021_path(), protocol))
    rows = d.adeff.loc[(d.adeff.PARAMCD == "HBA1FELL") & d.adeff.ANL01FL.eq("Y")]
    lb = d.adlb.loc[(d.adlb.PARAMCD == "HBA1C") & (d.adlb.AVISIT == "M12")
                    & d.adlb.ANL01FL.eq("Y")].set_index("USUBJID")
    got = rows.set_index("USUBJID").loc[lb.index, "AVALC"]
    assert (got == np.where(lb["PCHG"] <= -10 + 1e-9, "Y", "N")).all()
    assert rows["CRIT1"].iloc[0] == "HbA1c at least 10 % below baseline"


def test_analyze_runs_the_new_method_on_the_new_kind(results):
    table = results["hba1c_fell_difference"]
    adeff, adsl = results.adam["adeff"], results.adam["adsl"]
    fas = adsl.loc[adsl.FASFL.eq("Y"), ["USUBJID", "TRT01P"]]
    status = fas.merge(adeff.loc[(adeff.PARAMCD == "HBA1FELL") & adeff.ANL01FL.eq("Y"),
                                 ["USUBJID", "AVALC"]], on="USUBJID", how="left")
    p = status.assign(y=status.AVALC.eq("Y")).groupby("TRT01P")["y"].mean()
    assert table["comparison"].tolist() == ["MSC vs CONTROL"]
    assert table.loc[0, "estimate"] == pytest.approx(p["MSC"] - p["CONTROL"])
    assert table.loc[0, "conf_level"] == 0.95
    assert len(results["primary_comparison"]) and len(results["mmrm"])


def test_the_terminal_summary_shows_the_new_result(results):
    console = Console(width=80, record=True)
    for item in summary_renderables(results, title="extended"):
        console.print(item)
    text = console.export_text()
    assert "Difference in responders: hba1c_fell" in text
    assert "MSC vs CONTROL" in text
