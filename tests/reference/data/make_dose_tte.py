"""Write the simulated three-arm dose-response / time-to-event trial's analysis data for
``dose_tte.R``.

Run once (the outputs are committed): ``python tests/reference/data/make_dose_tte.py``.

The protocol ``tests/analysis/protocols/dose_response_tte.yaml`` simulated with seed 3,
loaded and derived: ``dose_tte_adtte.csv`` (one row a subject of the full analysis set:
arm, AVAL days to stimulated C-peptide < 0.2 nmol/L or censoring, CNSR) and
``dose_tte_counts.csv`` (remission at M12 by subgroup and arm, with each arm's dose
score). SYNTHETIC; nothing here is patient data. ``tests/analysis/test_dose_response_tte.py``
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
    tte = adtte.loc[adtte["USUBJID"].isin(fas), ["TRT01P", "AVAL", "CNSR"]]
    counts = results["remission_dose_response_by_arm"][["subgroup", "arm", "score", "n",
                                                        "responders"]]
    return tte.reset_index(drop=True), counts.reset_index(drop=True), results


if __name__ == "__main__":
    tte, counts, _ = analysis_data()
    tte.to_csv(HERE / "dose_tte_adtte.csv", index=False)
    counts.to_csv(HERE / "dose_tte_counts.csv", index=False)
    print(f"wrote {len(tte)} ADTTE rows and {len(counts)} count rows")
