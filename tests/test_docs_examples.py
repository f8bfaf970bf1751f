"""The docs cannot drift: the Python of docs/extending.md runs, the YAML of docs/protocol.md validates.

- Each worked example of ``docs/extending.md`` (its Python blocks, in order,
  in one namespace, as a reader would paste them) runs end to end on the
  packaged twin; what it registers is removed afterwards.
- Each YAML block of ``docs/protocol.md`` is validated by what reads it: an
  endpoint (a mapping with ``kind``) through the endpoint-kind registry, a
  complete protocol (``id``, ``arms``, ``endpoints``) by ``protocol check``
  and loading, any other block field by field with the protocol's models.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
import warnings
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import pytest
import yaml
from pydantic import TypeAdapter

import t1dtrial.analysis.methods as methods_module
import t1dtrial.protocol.plan as plan_module
from t1dtrial.protocol import Protocol, check_protocol_file, load_protocol
from t1dtrial.protocol.eligibility import Criterion, eligibility_problems
from t1dtrial.protocol.kinds import (endpoint_kinds, kind_of, parse_endpoint,
                                     unregister_endpoint_kind)

DOCS = Path(__file__).resolve().parents[1] / "docs"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def code_blocks(text: str, language: str) -> list[str]:
    """The fenced code blocks of ``text`` in ``language``, in order."""
    return [body for lang, body in FENCE.findall(text) if lang == language]


def section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines(keepends=True)
    start = lines.index(heading + "\n") + 1
    fenced = False
    for end in range(start, len(lines)):
        fenced ^= lines[end].startswith("```")
        marks = len(lines[end]) - len(lines[end].lstrip("#"))
        if not fenced and 0 < marks <= level and lines[end][marks:marks + 1] == " ":
            return "".join(lines[start:end])
    return "".join(lines[start:])


def test_code_blocks_and_sections_are_found():
    text = "# A\n```python\nx = 1\n```\n## B\n```yaml\n# a comment\na: 1\n```\n### C\ntext\n## D\n"
    assert code_blocks(text, "python") == ["x = 1\n"]
    assert code_blocks(section(text, "## B"), "yaml") == ["# a comment\na: 1\n"]
    assert section(text, "## B").endswith("text\n")


@pytest.fixture
def registries():
    """Kinds and methods registered by an example are gone afterwards."""
    kinds, methods = set(endpoint_kinds()), set(methods_module.method_names())
    yield
    for name in set(endpoint_kinds()) - kinds:
        unregister_endpoint_kind(name)
    for name in set(methods_module.method_names()) - methods:
        methods_module.unregister_method(name)


def run_example(heading: str) -> tuple[dict[str, Any], str]:
    """Run the Python blocks of one example of docs/extending.md; its namespace and output."""
    text = section((DOCS / "extending.md").read_text(encoding="utf-8"), heading)
    blocks = code_blocks(text, "python")
    assert blocks, f"no Python in {heading!r}"
    module = types.ModuleType("docs_example")  # a module of the reader's, outside the package
    sys.modules[module.__name__] = module
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for block in blocks:
                exec(compile(block, f"docs/extending.md: {heading}", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module.__dict__, out.getvalue()


def test_the_endpoint_kind_example_runs_through_derive_analyze_and_the_summary(registries):
    ns, printed = run_example("### Example: adding an endpoint kind, `fcp_doubling`")
    assert "fcp_doubling" in endpoint_kinds()
    assert type(ns["protocol"].endpoints.secondary[-1]).__module__ == "docs_example"
    assert "fcp_doubled: FCP at least 2 x baseline at M12" in printed
    adeff = ns["derived"].adeff
    mine = adeff.loc[(adeff["PARAMCD"] == "FCPDOUB") & (adeff["ANL01FL"] == "Y")]
    adlb = ns["derived"].adlb
    fcp = adlb.loc[(adlb["PARAMCD"] == "FCP") & (adlb["AVISIT"] == "M12")
                   & (adlb["ANL01FL"] == "Y")].set_index("USUBJID")
    want = pd.Series((fcp["AVAL"] >= 2 * fcp["BASE"] - 1e-9).map({True: "Y", False: "N"}))
    assert (mine.set_index("USUBJID").loc[fcp.index, "AVALC"] == want).all()
    by_arm = ns["results"]["primary_endpoint"]
    assert set(by_arm["endpoint"]) == {"fcp_doubled"}
    responders = by_arm.loc[by_arm["subgroup"] == "all"].set_index("arm")["responders"]
    counts = mine.drop(columns="TRT01P", errors="ignore").merge(
        ns["derived"].adsl[["USUBJID", "TRT01P"]], on="USUBJID")
    assert responders.to_dict() == counts.loc[counts["AVALC"] == "Y"].groupby("TRT01P") \
        .size().reindex(responders.index, fill_value=0).to_dict()
    assert "Primary endpoint: fcp_doubled" in printed


def test_the_method_example_runs_through_analyze_and_the_summary(registries, tmp_path):
    from t1dtrial.analysis.results import Results
    from t1dtrial.stats import risk_ratio

    ns, printed = run_example("### Example: adding a method, a risk ratio")
    table = ns["results"]["remission_risk_ratio"]
    assert table["comparison"].tolist() == ["MSC vs CONTROL"]
    assert table.loc[0, "estimate"] == pytest.approx(risk_ratio(11, 27, 3, 26).estimate[0])
    assert table.loc[0, "conf_level"] == 0.95
    assert "Risk ratio of remission (FAS)" in printed
    assert "3.531 (1.110 to 11.235)" in printed
    assert "withdrawal before month 12: composite strategy" in printed
    back = Results.from_folder(ns["results"].write(tmp_path / "out"))
    again = next(r for r in back.results if r.name == "remission_risk_ratio")
    assert again.shape == "comparison" and again.n_by_arm == {"CONTROL": 26, "MSC": 27}


def test_the_examples_leave_the_registries_as_they_were():
    assert "fcp_doubling" not in endpoint_kinds()
    assert "risk-ratio" not in methods_module.method_names()
    assert "risk-ratio" not in plan_module.METHODS


# -- docs/protocol.md ----------------------------------------------------------------------------

PROTOCOL_DOC = (DOCS / "protocol.md").read_text(encoding="utf-8")
YAML_BLOCKS = [yaml.safe_load(b) for b in code_blocks(PROTOCOL_DOC, "yaml")]


def _is_full_protocol(block: Any) -> bool:
    return isinstance(block, dict) and {"id", "arms", "endpoints"} <= set(block)


def _field_adapter(name: str) -> TypeAdapter:
    info = Protocol.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, info])


def _label(i: int) -> str:
    block = YAML_BLOCKS[i]
    first = next(iter(block)) if isinstance(block, dict) else "list"
    return f"block{i}-{first}"


@pytest.mark.parametrize("i", range(len(YAML_BLOCKS)), ids=_label)
def test_each_yaml_block_of_the_protocol_guide_validates(i, tmp_path):
    block = YAML_BLOCKS[i]
    assert isinstance(block, dict), "a protocol snippet is a mapping"
    if _is_full_protocol(block):
        path = tmp_path / "example.yaml"
        path.write_text(yaml.safe_dump(block, sort_keys=False), encoding="utf-8")
        assert check_protocol_file(path) == []
        assert load_protocol(path).id == block["id"]
    elif "kind" in block:
        ep = parse_endpoint(block)
        assert kind_of(ep).name == block["kind"] and ep.name == block["name"]
    else:
        unknown = set(block) - set(Protocol.model_fields)
        assert not unknown, f"not fields of a protocol: {sorted(unknown)}"
        for name, value in block.items():
            _field_adapter(name).validate_python(value)
        if "eligibility" in block:
            criteria = [Criterion.model_validate(c) for c in block["eligibility"]]
            assert eligibility_problems(list(enumerate(criteria)), (0, 120)) == []
        for planned in _field_adapter("analysis_plan").validate_python(
                block.get("analysis_plan", [])):
            assert planned.method in (plan_module.TREND_METHODS
                                      if planned.comparisons == "dose-response"
                                      else plan_module.METHODS), planned.method


def test_the_protocol_guide_shows_every_built_in_endpoint_kind():
    shown = {b["kind"] for b in YAML_BLOCKS if isinstance(b, dict) and "kind" in b}
    assert set(endpoint_kinds()) <= shown


def test_the_complete_protocol_of_the_guide_simulates_and_analyses(tmp_path):
    from t1dtrial.analysis import analyze
    from t1dtrial.data import load_folder
    from t1dtrial.simulate import simulate_trial

    [block] = [b for b in YAML_BLOCKS if _is_full_protocol(b)]
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(block, sort_keys=False), encoding="utf-8")
    protocol = load_protocol(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = simulate_trial(protocol, seed=3, n_per_arm=10).write(tmp_path / "trial")
        results = analyze(load_folder(folder, protocol))
    infusions = pd.read_csv(folder / "infusions.csv")
    subjects = pd.read_csv(folder / "subjects.csv")
    arm = infusions["subject_id"].map(subjects.set_index("subject_id")["arm"])
    assert (infusions.loc[arm == "PLACEBO", "cells_per_kg"] == 0).all()  # sham rows, 0 cells
    assert set(infusions.loc[arm == "HIGH", "cells_per_kg"]) == {3.0e6}
    assert set(results["primary_comparison"]["comparison"]) == {"LOW vs PLACEBO",
                                                                "HIGH vs PLACEBO"}
    assert set(results["good_control_ever"]["comparison"].dropna()) == {"HIGH vs PLACEBO"}
    assert "protocol_deviations" in results.tables
    assert results["adverse_events"].loc[lambda t: t["arm"] == "PLACEBO", "n"].max() == 10


def test_the_readme_and_the_design_point_at_the_extension_guide():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    design = (DOCS / "design.md").read_text(encoding="utf-8")
    assert "](docs/extending.md)" in readme and "](extending.md)" in design
