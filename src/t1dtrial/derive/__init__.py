"""Derived analysis datasets (ADaM-like): ADSL, ADLB, ADEFF, ADAE and the derivation log.

Small pure functions named by what they add (``derive_var_*`` one column,
``derive_vars_*`` several, ``derive_param_*`` new parameter rows,
``compute_*`` vector in, vector out), composed by ``derive_adlb``,
``derive_adsl``, ``derive_adeff``, ``derive_adae`` and, for a whole trial,
:func:`derive_all`. None sorts its output, mutates its input, prints or
writes files, except :func:`write_derived` and :func:`derive_folder`.

Conventions shared by the datasets:

- CDISC names; AVISIT holds the protocol's visit code (``BL``, ``M12``) and
  AVISITN the visit's nominal study day; study day 0 is the first infusion,
  else enrolment (docs/internals.md), and ADY follows CDISC (no day 0).
- Record flags (ABLFL, ANL01FL, OUTWINFL, TRTEMFL...) are "Y" or "";
  population flags (ENRLFL, FASFL, PPROTFL, SAFFL) are "Y" or "N".
- Text columns are pandas' Arrow-backed ``str`` dtype (comparisons give numpy
  booleans), numbers float64, counts and days nullable Int64, dates datetime64.
- Nothing is dropped silently: every input record is in a dataset or in
  ``Derived.exclusions`` with its reason, and ``Derived.log`` counts every rule.

Examples
--------
>>> from t1dtrial.derive import derive_all, write_derived
>>> # derived = derive_all(trial); write_derived(derived, "derived/")
"""

from ._adae import ADAE_COLUMNS, AE_DICTIONARY, code_ae_terms, derive_adae
from ._adeff import (
    ADEFF_COLUMNS,
    adeff_endpoints,
    canonical_threshold,
    canonical_value,
    derive_adeff,
    derive_param_response,
    latest_date,
    response_status,
)
from ._adtte import ADTTE_COLUMNS, EPISODE_PARAMCD, adtte_endpoints, derive_adtte
from ._adlb import ADLB_COLUMNS, derive_adlb, derive_var_ablfl, derive_var_anl01fl, derive_vars_chg
from ._adsl import (
    derive_adsl,
    derive_vars_baseline,
    derive_vars_demog,
    derive_vars_disposition,
    derive_vars_exposure,
    derive_vars_popfl,
    infusion_received,
    is_cpeptide,
)
from ._common import compute_ady, compute_rel_day, subject_day0
from ._episodes import EPISODE_COLUMNS, derive_insulin_free_episodes, visit_inference_note
from ._io import OUTPUT_FILES, derive_folder, write_derived
from ._metadata import DATASET_LABELS, VARIABLES, Variable, variable_of
from ._submission import SUBMISSION_FOLDER, define_tables, submission_datasets, submission_files
from ._log import EXCLUSION_COLUMNS, LOG_COLUMNS, derivation_exclusions, derivation_log
from ._params import (
    DERIVED_PARAM_LABELS,
    compute_auc,
    derive_param_cpauc,
    derive_param_idaa1c,
    derive_param_insdose,
)
from ._pipeline import Derived, derive_all
from ._records import derive_lab_records, lab_exclusions, lab_record_status

__all__ = [
    "ADAE_COLUMNS", "ADEFF_COLUMNS", "ADLB_COLUMNS", "AE_DICTIONARY", "DERIVED_PARAM_LABELS",
    "EPISODE_COLUMNS", "EXCLUSION_COLUMNS", "LOG_COLUMNS", "OUTPUT_FILES",
    "Derived", "ADTTE_COLUMNS", "adtte_endpoints", "derive_adtte", "adeff_endpoints", "canonical_threshold", "canonical_value", "code_ae_terms", "compute_ady",
    "compute_auc", "compute_rel_day", "derivation_exclusions", "derivation_log", "derive_adae",
    "derive_adeff", "derive_adlb", "derive_adsl", "derive_all", "derive_folder",
    "derive_insulin_free_episodes", "derive_lab_records", "derive_param_cpauc",
    "derive_param_idaa1c", "derive_param_insdose", "derive_param_response", "derive_var_ablfl",
    "derive_var_anl01fl", "derive_vars_baseline", "derive_vars_chg", "derive_vars_demog",
    "derive_vars_disposition", "derive_vars_exposure", "derive_vars_popfl", "infusion_received",
    "is_cpeptide",
    "lab_exclusions", "lab_record_status", "latest_date", "subject_day0", "visit_inference_note",
    "write_derived", "DATASET_LABELS", "VARIABLES", "Variable", "variable_of",
    "SUBMISSION_FOLDER", "define_tables", "submission_datasets", "submission_files",
    "response_status", "EPISODE_PARAMCD",
]
