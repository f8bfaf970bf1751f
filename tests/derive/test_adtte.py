"""ADTTE: time to stimulated C-peptide < 0.2 nmol/L, with censoring at the last assessment."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from t1dtrial.data import load_folder
from t1dtrial.datasets import lu2021_path
from t1dtrial.derive import ADTTE_COLUMNS, derive_adtte, derive_all
from t1dtrial.protocol import Protocol, load_protocol
from t1dtrial.protocol.kinds import outcome
from t1dtrial.simulate import simulate_trial

LOSS = {"kind": "time_to_event", "name": "cpeptide_loss",
        "label": "Time to stimulated C-peptide < 0.2 nmol/L", "param": "PCP", "comparison": "<",
        "value": 200, "unit": "pmol/L", "visit": "M12"}


def _protocol(primary: dict | None = None, **changes) -> Protocol:
    data = load_protocol("lu2021").model_dump()
    if primary is None:
        data["endpoints"]["secondary"].append({**LOSS, **changes})
    else:
        data["endpoints"]["secondary"].append(data["endpoints"]["primary"])
        data["endpoints"]["primary"] = primary
    return Protocol.model_validate(data)


@pytest.fixture(scope="module")
def derived():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return derive_all(load_folder(lu2021_path(), _protocol()))


def _by_hand(adlb: pd.DataFrame, adsl: pd.DataFrame, protocol: Protocol) -> dict:
    """First post-baseline visit with PCP < 0.2, else the last with a PCP (censored)."""
    order = {v: i for i, v in enumerate(protocol.visit_codes)}
    pcp = adlb.loc[(adlb.PARAMCD == "PCP") & (adlb.ANL01FL == "Y") & (adlb.AVISIT != "BL")
                   & adlb.AVAL.notna()].copy()
    pcp["order"] = pcp.AVISIT.map(order)
    start = adsl.set_index("USUBJID")["RFSTDT"]
    out = {}
    for subject in adsl.USUBJID:
        rows = pcp.loc[pcp.USUBJID == subject].sort_values("order")
        event = rows.loc[rows.AVAL < 0.2]
        if len(event):
            r, cnsr = event.iloc[0], 0
        elif len(rows):
            r, cnsr = rows.iloc[-1], 1
        else:
            out[subject] = (0.0, 1, "")
            continue
        out[subject] = ((r.ADT - start[subject]).days, cnsr, r.AVISIT)
    return out


def test_time_to_event_rows_are_the_first_event_or_the_last_assessment(derived):
    tte = derived.adtte
    assert [c for c in tte.columns if c in ADTTE_COLUMNS] == ADTTE_COLUMNS
    episodes = tte.PARAMCD == "INSFREE"
    tte = tte.loc[~episodes]
    assert len(tte) == len(derived.adsl)
    want = _by_hand(derived.adlb, derived.adsl, _protocol())
    got = {r.USUBJID: (r.AVAL, int(r.CNSR), r.AVISIT) for r in tte.itertuples()}
    assert got == want
    assert {0, 1} <= set(tte.CNSR.astype(int))
    events = tte.loc[tte.CNSR == 0]
    assert (events.EVNTDESC == "PCP < 200 pmol/L").all() and (events.CNSDTDSC == "").all()
    assert "adtte" in derived.datasets


def test_a_protocol_without_a_time_to_event_endpoint_has_only_the_episodes_in_adtte():
    d = derive_all(load_folder(lu2021_path(), load_protocol("lu2021")))
    assert "adtte" in d.datasets and len(d.adtte)
    assert set(d.adtte.PARAMCD) == {"INSFREE"}


def test_follow_up_stops_at_the_endpoint_visit(derived):
    protocol = _protocol(visit="M6")
    short = derive_adtte(derived.adlb, derived.adsl, protocol)
    later = {"M9", "M12"}
    assert not set(short.AVISIT) & later
    assert outcome(protocol.endpoints.secondary[-1]) == "time_to_event"


def test_the_simulator_truth_of_a_time_to_event_primary_has_the_same_events(tmp_path):
    protocol = _protocol(primary=LOSS)
    trial = simulate_trial(protocol, seed=3, n_per_arm=15)
    folder = trial.write(tmp_path / "trial")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = derive_all(load_folder(folder, protocol))
    truth = trial.truth.set_index("subject_id")
    days = pd.to_numeric(truth["remission_noisy"], errors="coerce")
    events = d.adtte.set_index("USUBJID")["CNSR"].reindex(truth.index) == 0
    assert events.sum() > 3
    np.testing.assert_array_equal(events.to_numpy(), days.notna().to_numpy())
