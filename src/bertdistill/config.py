"""Typed run configurations that round-trip to YAML and JSON.

Every run is described by one dataclass tree (the single source of truth). Each field is declared with
`setting(...)`: its default and its help text live there once, and the command line is generated from them
(`cli/config_flags.py`). `Config.from_dict` validates field names and types when it is built, so a typo fails
before any training starts; a partial nested mapping (a recipe's `training: {epochs: 1}`) is laid over that
field's own default, so a method's defaults survive; and `save()` writes the resolved configuration beside
the run's outputs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

from bertdistill.errors import ConfigError

ConfigT = TypeVar("ConfigT", bound="Config")

DEFAULT_SEED = 42   # every seed that is not set follows the run's seed, which defaults to this


def setting(default: Any = dataclasses.MISSING, *, help: str, factory: Any = dataclasses.MISSING,
            flag: str | None = None, metavar: str | None = None, minimum: float | None = None,
            above: float | None = None, rate: bool = False, skip: tuple[str, ...] = (),
            helps: dict[str, str] | None = None, commas: bool = False, nargs: str | None = None) -> Any:
    """A config field with its documentation: `help` is the flag's help text; `flag` renames the generated
    flag (default: `--field-name`); `minimum` (inclusive), `above` (exclusive) and `rate` ([0, 1)) bound a
    number, checked when a flag is parsed and whenever the config is built (every float must be finite);
    `skip` names fields of a nested config that this parent sets itself (no flag of their own), and `helps`
    re-documents a nested field where this parent reads it its own way. A list field's flag takes several
    words or repeats (`nargs="*"`: none at all is a value too); `commas` also splits `1,32,128`."""
    metadata = {"help": help, "flag": flag, "metavar": metavar, "minimum": minimum, "above": above, "rate": rate,
                "skip": skip, "helps": helps or {}, "commas": commas, "nargs": nargs}
    return dataclasses.field(default=default, default_factory=factory, metadata=metadata)


def bound_problem(value: Any, metadata: Any) -> str | None:
    """Why a number breaks its field's bounds ("must be ..."), or None; not a number: None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, got {value}"
    if metadata.get("rate") and not 0 <= value < 1:
        return f"must be in [0, 1), got {value}"
    if metadata.get("minimum") is not None and value < metadata["minimum"]:
        return f"must be at least {metadata['minimum']:g}, got {value}"
    if metadata.get("above") is not None and value <= metadata["above"]:
        return f"must be above {metadata['above']:g}, got {value}"
    return None


def seed_or_default(seed: int | None) -> int:
    """A seed left unset (None) outside a run that would fill it in."""
    return DEFAULT_SEED if seed is None else seed


def field_default(field: dataclasses.Field) -> Any:
    """The field's default value (a fresh one for a factory), or `dataclasses.MISSING` for a required field."""
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def merge_mappings(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """`overrides` laid over `base`, nested mappings merged key by key (neither input is changed)."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            value = merge_mappings(merged[key], value)
        merged[key] = value
    return merged


@dataclasses.dataclass
class Config:
    """Base class for configuration dataclasses: dict, YAML and JSON conversion with type checks; every
    field's bounds (`setting(minimum=..., above=...)`, finite floats) are checked before the class's own
    `__post_init__`, however the config is built."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__post_init__")

        def checked_post_init(self) -> None:
            self.check_bounds()
            if own is not None:
                own(self)

        cls.__post_init__ = checked_post_init

    def check_bounds(self) -> None:
        for field in dataclasses.fields(self):
            problem = bound_problem(getattr(self, field.name), field.metadata)
            if problem:
                flag = field.metadata.get("flag") or "--" + field.name.replace("_", "-")
                raise ConfigError(f"{flag} ({type(self).__name__}.{field.name}) {problem}")

    def to_dict(self) -> dict[str, Any]:
        return {field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls: type[ConfigT], data: dict[str, Any]) -> ConfigT:
        if not isinstance(data, dict):
            raise ConfigError(f"{cls.__name__}: expected a mapping, got {type(data).__name__}")
        hints = typing.get_type_hints(cls)
        known = {field.name for field in dataclasses.fields(cls) if field.init}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{cls.__name__}: unknown field(s) {unknown}; known fields: {sorted(known)}")
        data = _over_nested_defaults(cls, data)
        values = {name: _coerce(hints[name], value, f"{cls.__name__}.{name}") for name, value in data.items()}
        try:
            return cls(**values)
        except TypeError as error:  # a required field is missing
            raise ConfigError(f"{cls.__name__}: {error}") from None

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_yaml(cls: type[ConfigT], text: str) -> ConfigT:
        return cls.from_dict(yaml.safe_load(text))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls: type[ConfigT], text: str) -> ConfigT:
        return cls.from_dict(json.loads(text))

    def save(self, path: str | Path) -> None:
        """Write the configuration atomically; `.json` gives JSON, anything else YAML."""
        from bertdistill.io import atomic_write_text

        path = Path(path)
        atomic_write_text(path, self.to_json() if path.suffix == ".json" else self.to_yaml())

    @classmethod
    def load(cls: type[ConfigT], path: str | Path) -> ConfigT:
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        return cls.from_json(text) if path.suffix == ".json" else cls.from_yaml(text)


def _over_nested_defaults(cls: type[Config], data: dict[str, Any]) -> dict[str, Any]:
    """Each nested mapping laid over its field's default config, so `{training: {epochs: 1}}` keeps the
    method's other training defaults instead of the plain `TrainingConfig()`'s."""
    merged = dict(data)
    for field in dataclasses.fields(cls):
        value = data.get(field.name)
        if isinstance(value, dict) and field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
            if isinstance(default, Config):
                merged[field.name] = merge_mappings(default.to_dict(), value)
    return merged


def _plain(value: Any) -> Any:
    """Convert nested configs and tuples to plain YAML/JSON-safe values."""
    if isinstance(value, Config):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _coerce(hint: Any, value: Any, where: str) -> Any:
    """Check `value` against the type `hint`, converting where the serialised form differs."""
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        errors = []
        for option in arguments:
            if option is type(None):
                continue
            try:
                return _coerce(option, value, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(f"{where}: {value!r} does not match {hint}")
    if origin is Literal:
        if value not in arguments:
            raise ConfigError(f"{where}: {value!r} is not one of {list(arguments)}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        item_hint = arguments[0] if arguments else Any
        items = [_coerce(item_hint, item, f"{where}[{index}]") for index, item in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if isinstance(hint, type) and issubclass(hint, Config):
        return value if isinstance(value, hint) else hint.from_dict(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported type {hint}")
