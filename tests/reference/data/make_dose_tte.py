"""Write the simulated three-arm dose-response / time-to-event trial's analysis data for
``dose_tte.R``.

Run once (the outputs are committed): ``python tests/reference/data/make_dose_tte.py``.

The protocol ``tests/analysis/protocols/dose_response_tte.yaml`` simulated with seed 3,
loaded and derived: ``dose_tte_adtte.csv`` (one row a subject of the full analysis set:
arm, AVAL days to stimulated C-peptide < 0.2 nmol/L or censoring, CNSR) and
``dose_tte_counts.csv`` (remission at M12 by subgroup and arm, with each arm's dose
score) and ``dose_tte_hba1c.csv`` (change in HbA1c at M12 with its baseline, the arm's
dose score and the onset subgroup, one row a subject of the full analysis set).
SYNTHETIC; nothing here is patient data. ``tests/analysis/test_dose_response_tte.py``
checks that the derivation still gives these rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

HERE = Path(__file__).parent
PROTOCOL = HERE.parent.parent / "analysis" / "protocols" / "dose_response_tte.yaml"
SEED = 3


def analysis_data():
    """ADTTE rows (FAS) and the remission counts by subgroup and arm of the simulated trial."""
    from t1dtrial.analysis import analyze
    from t1dtrial.data import load_folder
    from t1dtrial.protocol import load_protocol
    from t1dtrial.simulate import simulate_trial

    protocol = load_protocol(PROTOCOL)
    with tempfile.TemporaryDirectory() as tmp:
        simulate_trial(protocol, seed=SEED).write(Path(tmp) / "data")
        results = analyze(load_folder(Path(tmp) / "data", protocol))
    adsl, adtte = results.adam["adsl"], results.adam["adtte"]
    fas = adsl.loc[adsl["FASFL"].eq("Y"), "USUBJID"]
    tte = adtte.loc[adtte["USUBJID"].isin(fas) & adtte["PARAMCD"].ne("INSFREE"),
                    ["TRT01P", "AVAL", "CNSR"]]  # the endpoint, not the insulin-free episodes
    counts = results["remission_dose_response_by_arm"][["subgroup", "arm", "score", "n",
                                                        "responders"]]
    adlb = results.adam["adlb"]
    hba1c = adlb.loc[adlb["PARAMCD"].eq("HBA1C") & adlb["ANL01FL"].eq("Y")
                     & adlb["AVISIT"].eq("M12"), ["USUBJID", "BASE", "CHG"]]
    scores = counts.drop_duplicates("arm").set_index("arm")["score"]
    subjects = adsl.loc[adsl["FASFL"].eq("Y"), ["USUBJID", "TRT01P", "SGADONFL"]]
    change = subjects.merge(hba1c, on="USUBJID", how="left").assign(
        SCORE=lambda d: d["TRT01P"].map(scores)).drop(columns="USUBJID")
    return tte.reset_index(drop=True), counts.reset_index(drop=True), change, results


if __name__ == "__main__":
    tte, counts, change, _ = analysis_data()
    tte.to_csv(HERE / "dose_tte_adtte.csv", index=False)
    counts.to_csv(HERE / "dose_tte_counts.csv", index=False)
    change.to_csv(HERE / "dose_tte_hba1c.csv", index=False, float_format="%.17g")
    print(f"wrote {len(tte)} ADTTE rows and {len(counts)} count rows")
