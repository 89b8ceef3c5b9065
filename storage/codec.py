"""One codec for the results kept in JSON columns: a dataclass in, plain JSON out, and back again.

The domain defines each stored result as a dataclass with snake_case fields; repositories store
`encode(value)` and the domain reads `decode(Type, column)`. Nothing else turns stored results into
dicts or back, so the keys have one casing everywhere below the graph layer (which alone speaks camelCase).

Versions: every encoded object carries `"v"`, the class's `VERSION` (1 unless the class says otherwise).
Rows written before this codec (no `"v"`) still read: a field is looked up by its snake_case name and then
by its old camelCase name. A class that changes shape later adds `VERSION = 2` and a classmethod
`upgrade(data: dict, version: int) -> dict` that brings an older object up to date before it is read.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")
VERSION_KEY = "v"


def encode(value: Any) -> Any:
    """`value` as JSON-ready data: dataclasses become objects carrying their version, enums their value,
    dates ISO 8601, tuples lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        encoded: dict[str, Any] = {VERSION_KEY: getattr(type(value), "VERSION", 1)}
        for field in dataclasses.fields(value):
            encoded[field.name] = encode(getattr(value, field.name))
        return encoded
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    return value


def decode(cls: type[T], data: Any) -> T:
    """The `cls` that `data` (from `encode`, or an older row) holds."""
    return typing.cast(T, _convert(cls, data))


def camel(name: str) -> str:
    """`content_used` → `contentUsed`: how rows written before the codec named a field."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _dataclass(cls: type, data: Any) -> Any:
    if not isinstance(data, Mapping):
        raise TypeError(f"{cls.__name__} is stored as an object, not {type(data).__name__}")
    version = data.get(VERSION_KEY, 0)
    if version < getattr(cls, "VERSION", 1) and hasattr(cls, "upgrade"):
        data = cls.upgrade(dict(data), version)
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        for key in (field.name, camel(field.name)):
            if key in data:
                values[field.name] = _convert(hints[field.name], data[key])
                break
        # absent: the dataclass default applies (a required field missing raises TypeError)
    return cls(**values)


def _convert(kind: Any, data: Any) -> Any:
    origin = get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        if data is None:
            return None
        options = [arg for arg in get_args(kind) if arg is not type(None)]
        return _convert(options[0], data) if len(options) == 1 else data
    if origin is list:
        (item,) = get_args(kind) or (Any,)
        return [_convert(item, value) for value in data or []]
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], value) for value in data or [])
        return tuple(_convert(arg, value) for arg, value in zip(args, data, strict=True))
    if origin is dict:
        _, item = get_args(kind) or (str, Any)
        return {key: _convert(item, value) for key, value in (data or {}).items()}
    if origin is typing.Literal or kind is Any or data is None:
        return data
    if isinstance(kind, type):
        if dataclasses.is_dataclass(kind):
            return _dataclass(kind, data)
        if issubclass(kind, Enum):
            return kind(data)
        if kind is datetime:
            return data if isinstance(data, datetime) else datetime.fromisoformat(data)
        if kind is date:
            return data if isinstance(data, date) else date.fromisoformat(data)
        if kind is float and isinstance(data, int):
            return float(data)
    return data
