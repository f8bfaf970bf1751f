"""Study protocols: typed models, YAML loading and the packaged protocols.

Examples
--------
>>> from t1dtrial.protocol import load_protocol
>>> load_protocol("lu2021").primary_visit
'M12'
"""

from .eligibility import Criterion, eligibility_names
from .expressions import Expression, ExpressionSyntaxError
from .loading import check_protocol_file, list_protocols, load_protocol, protocol_hash, protocol_source
from .models import (
    AnalysisOptions,
    Arm,
    ContinuousEndpoint,
    Design,
    Dose,
    Endpoint,
    Endpoints,
    Infusion,
    InsulinIndependenceEndpoint,
    MealTest,
    PercentRiseEndpoint,
    PlannedDose,
    Population,
    Product,
    Protocol,
    Subgroup,
    ThresholdEndpoint,
    Visit,
)
from .kinds import (
    AnyVisitEndpoint,
    CompositeEndpoint,
    EndpointKind,
    MealAucEndpoint,
    TimeToEventEndpoint,
    endpoint_kinds,
    kind_of,
    outcome,
    register_endpoint_kind,
)
from .populations import POPULATION_FACTS, population_flag, protocol_populations
from .vocabulary import DERIVED_PARAMS, MEASURED_PARAMS, SUBJECT_COLUMNS, is_endpoint_param

__all__ = [
    "AnalysisOptions", "Arm", "ContinuousEndpoint", "Criterion", "eligibility_names",
    "POPULATION_FACTS", "population_flag", "protocol_populations", "Design", "Dose", "Endpoint", "Endpoints",
    "Expression", "ExpressionSyntaxError", "Infusion", "InsulinIndependenceEndpoint", "MealTest",
    "PercentRiseEndpoint", "PlannedDose", "Population", "Product", "Protocol", "Subgroup",
    "ThresholdEndpoint", "Visit",
    "check_protocol_file", "list_protocols", "load_protocol", "protocol_hash", "protocol_source",
    "DERIVED_PARAMS", "MEASURED_PARAMS", "SUBJECT_COLUMNS", "is_endpoint_param",
    "AnyVisitEndpoint", "CompositeEndpoint", "EndpointKind", "MealAucEndpoint",
    "TimeToEventEndpoint", "endpoint_kinds", "kind_of", "outcome", "register_endpoint_kind",
]
