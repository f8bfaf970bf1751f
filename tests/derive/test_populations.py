"""Population flags are the protocol's rules evaluated; the standard rules give the old flags."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from t1dtrial.datasets import load_lu2021
from t1dtrial.derive import derive_all
from t1dtrial.derive._adsl import derive_vars_popfl
from t1dtrial.protocol import load_protocol
from t1dtrial.protocol.populations import STANDARD_POPULATIONS, Population

LU = load_protocol("lu2021")


def _spelled_out(protocol):
    """The protocol with each standard population's rule written out."""
    pops = [Population(code=c, label=label, rule=rule, where=where)
            for c, (label, rule, where, _, _) in STANDARD_POPULATIONS.items()]
    return protocol.model_copy(update={"populations": pops})


def test_lu2021_flags_are_the_same_with_the_rules_written_out():
    trial = load_lu2021()
    words = derive_all(trial).adsl
    spelled = derive_all(trial.__class__(**{**trial.tables, "protocol": _spelled_out(LU),
                                            "load_log": trial.load_log})).adsl
    pd.testing.assert_frame_equal(words, spelled)
    assert words[["ENRLFL", "FASFL", "PPROTFL", "SAFFL"]].eq("Y").sum().tolist() == [53, 53, 53, 53]
    assert words["ELIGFL"].eq("Y").all()


subject = st.fixed_dictionaries({
    "arm": st.sampled_from(["MSC", "CONTROL", "OTHER"]),
    "ninf": st.integers(0, 2),
    "dose2": st.booleans(),
    "base_cp": st.booleans(),
    "at_m12": st.booleans(),
})


@settings(max_examples=60, deadline=None)
@given(st.lists(subject, min_size=1, max_size=8))
def test_standard_rules_give_the_standard_definitions(rows):
    ids = [f"S{i}" for i in range(len(rows))]
    adsl = pd.DataFrame({"USUBJID": ids, "TRT01P": [r["arm"] for r in rows],
                         "NINF": [r["ninf"] for r in rows],
                         "DOSE1": [1e6 if r["ninf"] else None for r in rows],
                         "DOSE2": [1e6 if r["dose2"] and r["ninf"] else None for r in rows]})
    lb = []
    for i, r in zip(ids, rows):
        if r["base_cp"]:
            lb.append((i, "FCP", "BL", 0.3, "Y", "Y"))
        if r["at_m12"]:
            lb.append((i, "HBA1C", "M12", 7.0, "", "Y"))
    adlb = pd.DataFrame(lb, columns=["USUBJID", "PARAMCD", "AVISIT", "AVAL", "ABLFL", "ANL01FL"])
    out = derive_vars_popfl(adsl, adlb, LU)
    for i, r in enumerate(rows):
        enrolled = r["arm"] != "OTHER"
        fas = enrolled and r["base_cp"]
        got_all = r["arm"] != "MSC" or (r["ninf"] > 0 and r["dose2"])
        pp = fas and r["at_m12"] and got_all
        saf = enrolled and (r["arm"] != "MSC" or r["ninf"] > 0)
        assert out.loc[i, ["ENRLFL", "FASFL", "PPROTFL", "SAFFL"]].tolist() == [
            "Y" if x else "N" for x in (enrolled, fas, pp, saf)]
        if not enrolled:
            assert out.loc[i, "FASREAS"] == out.loc[i, "SAFREAS"] == "arm not in the protocol"
        if enrolled and not fas:
            assert out.loc[i, "PPREAS"] == "not in the full analysis set"
        if fas and not pp:
            parts = ([] if r["at_m12"] else ["no analysis record at the primary visit M12"]) + (
                [] if got_all else [f"planned infusion {'1, 2' if not r['ninf'] else '2'} "
                                    "not received"])
            assert out.loc[i, "PPREAS"] == "; ".join(parts)


def test_a_custom_population_over_covariates_and_eligibility_says_why_not():
    protocol = LU.model_copy(update={"populations": [Population(
        code="ADLT", label="Adult eligible set", rule="eligible adults of the FAS",
        where="FAS and eligible and AGE >= 18")]})
    adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"], "TRT01P": ["CONTROL"] * 3, "NINF": 0,
                         "AGE": [30.0, 12.0, 30.0], "ELIGFL": ["Y", "Y", "N"],
                         "ELIGREAS": ["", "", "aged 18-40 years"]})
    adlb = pd.DataFrame({"USUBJID": ["A", "B", "C"], "PARAMCD": "FCP", "AVISIT": "BL",
                         "AVAL": 0.3, "ABLFL": "Y", "ANL01FL": "Y"})
    out = derive_vars_popfl(adsl, adlb, protocol)
    assert out["ADLTFL"].tolist() == ["Y", "N", "N"]
    assert out["ADLTREAS"].tolist() == ["", "does not meet AGE >= 18",
                                        "not eligible: aged 18-40 years"]
    assert list(out.columns[-9:]) == ["ENRLFL", "FASFL", "PPROTFL", "SAFFL", "ADLTFL",
                                      "FASREAS", "PPREAS", "SAFREAS", "ADLTREAS"]
