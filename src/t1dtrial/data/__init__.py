"""The input contract, readers, unit conversion, validation and the Trial container.

Typical use::

    from t1dtrial.data import load_folder
    trial = load_folder("exports/2021-06-30", "lu2021")   # raises InputError listing every problem
    trial.measurements        # canonical units, flags below_lod / out_of_window
    trial.load_log.to_dict()  # files, SHA-256, rows in/used, conversions, exclusions, warnings

Modules: :mod:`~t1dtrial.data.contract` (tables, parameters),
:mod:`~t1dtrial.data.units`, :mod:`~t1dtrial.data.readers` (CSV, Excel),
:mod:`~t1dtrial.data.sdtm`, :mod:`~t1dtrial.data.redcap`,
:mod:`~t1dtrial.data.validate`, :mod:`~t1dtrial.data.schemas`,
:mod:`~t1dtrial.data.identifiers` (direct identifiers in names and cells),
:mod:`~t1dtrial.data.trial`.
"""

from ._rules import study_day, study_day0
from .cutoff import CutoffSummary, apply_cutoff
from .contract import PARAMS, TABLES, is_known_param, param_spec
from .identifiers import IDENTIFIER_VOCABULARY, identifier_name
from .log import Exclusion, FileRecord, LoadLog
from .readers import FORMATS, detect_format, read_raw
from .schemas import table_schema
from .trial import TABLE_NAMES, Trial, load_folder, load_tables, write_folder
from .units import from_canonical, normalise_unit, to_canonical
from .validate import DERIVED_COLUMNS, MEASUREMENT_COLUMNS, validate_raw

__all__ = [
    "Trial", "LoadLog", "FileRecord", "Exclusion",
    "load_folder", "load_tables", "write_folder", "study_day0", "study_day", "apply_cutoff", "CutoffSummary",
    "detect_format", "read_raw", "validate_raw", "FORMATS", "TABLE_NAMES",
    "table_schema", "MEASUREMENT_COLUMNS", "DERIVED_COLUMNS",
    "to_canonical", "from_canonical", "normalise_unit",
    "TABLES", "PARAMS", "param_spec", "is_known_param",
    "IDENTIFIER_VOCABULARY", "identifier_name",
]
