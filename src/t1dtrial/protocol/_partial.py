"""What can be kept of a protocol whose fields do not all validate.

pydantic reports every field error it meets, but a model with one bad field
is not built at all, so cross-references (visits, arms, covariates ...) could
only be checked once every field was right: problems came in rounds.
:func:`partial_model` builds the model anyway, with each field that does not
validate set to None and every other field validated (nested models, list
items and endpoints, by the model of their registered kind, one by one), so the cross-checks run on what is right.

Examples
--------
>>> from t1dtrial.protocol.models import Visit
>>> v = partial_model(Visit, {"code": "M3", "label": "Month 3", "day": "ninety",
...                           "window": [-14, 14]})
>>> v.code, v.day, v.window
('M3', None, (-14, 14))
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from .kinds import EndpointModel, endpoint_kind, endpoint_kinds

__all__ = ["partial_model"]


def partial_model(cls: type[BaseModel], data: Any) -> BaseModel | None:
    """``cls`` built from ``data``; fields that do not validate are None.

    Returns None when ``data`` is not a mapping. A model whose own
    validator fails (e.g. a dose with both ``per_kg`` and ``total``) is built
    from its valid fields as they are.
    """
    if not isinstance(data, dict):
        return None
    try:
        return cls.model_validate(data)
    except ValidationError:
        pass
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if name in data:
            values[name] = _partial_value(field.annotation, data[name], field)
        elif field.is_required():
            values[name] = None
    return cls.model_construct(**values)


def _partial_value(annotation: Any, value: Any, field: Any = None) -> Any:
    model = _model_of(annotation, value)
    if model is not None:
        return partial_model(model, value)
    item = _list_item(annotation)
    if item is not None and isinstance(value, list):
        return [_partial_value(item, v) for v in value]
    try:
        return _adapter(annotation, field).validate_python(value)
    except ValidationError:
        return None


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _model_of(annotation: Any, value: Any) -> type[BaseModel] | None:
    """The model class ``value`` is meant for (an endpoint by its ``kind``), if any."""
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, EndpointModel):
        kind = value.get("kind") if isinstance(value, dict) else None
        return endpoint_kind(kind).model if kind in endpoint_kinds() else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and isinstance(value, dict):
        for option in typing.get_args(annotation):
            option = _strip(option)
            if not (isinstance(option, type) and issubclass(option, BaseModel)):
                continue
            kind = option.model_fields.get("kind")
            if kind is not None and value.get("kind") in typing.get_args(kind.annotation):
                return option
    return None


def _list_item(annotation: Any) -> Any:
    annotation = _strip(annotation)
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    return None


@functools.lru_cache(maxsize=None)
def _cached_adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def _adapter(annotation: Any, field: Any) -> TypeAdapter:
    if field is not None and field.metadata:
        return TypeAdapter(typing.Annotated[annotation, *field.metadata])
    try:
        return _cached_adapter(annotation)
    except TypeError:  # an unhashable annotation
        return TypeAdapter(annotation)
