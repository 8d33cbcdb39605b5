"""A config dataclass tree seen as its leaves, and configs built from leaf values over a recipe.

A leaf is one plain field anywhere in the tree (`training.batch_size`); its name is that of its flag
(`--batch-size`, `batch_size=` from Python; `setting(flag=...)` renames one where two would collide). The
command line (`cli/config_flags.py`) and the Python API (`bertdistill.distill_sra(...)`) both build a run's
config here: a recipe (a YAML mapping, a run's config.yaml), the values given laid over it, then
`Config.from_dict`, so the dataclasses stay the one source of every default.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from pathlib import Path
from typing import Any, Union

import yaml

from bertdistill.config import Config, field_default, merge_mappings
from bertdistill.errors import ConfigError

RECIPE_COMMAND_KEY = "command"   # a recipe may say which command it is for: `command: distill sra`


@dataclasses.dataclass(frozen=True, eq=False)   # hashed by identity: one leaf of one tree
class Leaf:
    """One flag: where its value goes in the config tree, its type and its default (MISSING: required)."""

    path: tuple[str, ...]
    hint: Any
    default: Any
    metadata: types.MappingProxyType
    group: str

    @property
    def flag(self) -> str:
        return self.metadata.get("flag") or "--" + self.path[-1].replace("_", "-")

    @property
    def name(self) -> str:
        """The Python keyword: the flag's words joined by underscores."""
        return self.flag[2:].replace("-", "_")

    @property
    def destination(self) -> str:
        return ".".join(self.path)


def optional_removed(hint: Any) -> Any:
    """`int | None` -> int; other hints unchanged."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        options = [option for option in typing.get_args(hint) if option is not type(None)]
        if len(options) == 1:
            return options[0]
    return hint


def nested_config(hint: Any) -> type[Config] | None:
    hint = optional_removed(hint)
    return hint if isinstance(hint, type) and issubclass(hint, Config) else None


def config_leaves(cls: type[Config], defaults: Config | None = None, path: tuple[str, ...] = (),
                  skip: tuple[str, ...] = (), group: str = "run", helps: dict[str, str] | None = None) -> list[Leaf]:
    """Every leaf field of `cls` (recursively), with the default the command starts from: that of the
    `defaults` instance where the parent's default provides one, else the field's own."""
    hints = typing.get_type_hints(cls)
    leaves: list[Leaf] = []
    for field in dataclasses.fields(cls):
        if not field.init or field.name in skip:
            continue
        default = getattr(defaults, field.name) if defaults is not None else field_default(field)
        nested = nested_config(hints[field.name])
        if nested is None:
            metadata = {**field.metadata, "help": (helps or {}).get(field.name, field.metadata.get("help", ""))}
            leaves.append(Leaf((*path, field.name), hints[field.name], default, types.MappingProxyType(metadata),
                               group))
            continue
        leaves += config_leaves(nested, default if isinstance(default, Config) else None, (*path, field.name),
                                field.metadata.get("skip", ()), group if path else field.name,
                                field.metadata.get("helps"))
    return leaves


def read_recipe(path: str, command: str | None) -> dict[str, Any]:
    """A recipe file's mapping, checked to be for `command` when it names one."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"recipe {path}: no such file") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"recipe {path}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"recipe {path}: expected a mapping of config fields")
    named = data.pop(RECIPE_COMMAND_KEY, None)
    if named is not None and command is not None and named != command:
        raise ConfigError(f"recipe {path} is a recipe for `bertdistill {named}`, not `bertdistill {command}`")
    return data


def with_value(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    for key in reversed(path[1:]):
        value = {key: value}
    return merge_mappings(data, {path[0]: value})


def with_required(cls: type[Config], data: dict[str, Any], leaves: list[Leaf]) -> dict[str, Any]:
    """A required value missing is named by its flag; a required nested config left out entirely is
    built empty, so that its own check says what it needs (e.g. "give at least one corpus")."""
    for leaf in leaves:
        if leaf.default is dataclasses.MISSING and len(leaf.path) == 1 and leaf.path[0] not in data:
            raise ConfigError(f"{leaf.flag} is required (`{leaf.path[0]}:` in a recipe, {leaf.name}= from Python)")
    for field in dataclasses.fields(cls):
        if field_default(field) is dataclasses.MISSING and nested_config(typing.get_type_hints(cls)[field.name]):
            data = {field.name: {}, **data}
    return data


def build_config(cls: type[Config], leaves: list[Leaf], base: dict[str, Any], values: dict[Leaf, Any]) -> Config:
    """`values` (by leaf) laid over the `base` mapping, built and validated as a `cls`."""
    data = dict(base)
    for leaf, value in values.items():
        listed = typing.get_origin(optional_removed(leaf.hint)) in (tuple, list)
        if listed and isinstance(value, str):   # one path where a list of them may go
            value = [value]
        data = with_value(data, leaf.path, list(value) if isinstance(value, tuple) else value)
    return cls.from_dict(with_required(cls, data, leaves))


def config_from_settings(cls: type[Config], settings: dict[str, Any], config: Config | str | Path | None = None,
                         command: str | None = None) -> Config:
    """A `cls` from keyword settings named as the flags are (`max_sentences=`, `epochs=`, `corpus_seed=`),
    laid over `config`: a config object, a recipe file, or None (the defaults)."""
    leaves = config_leaves(cls)
    by_name = {leaf.name: leaf for leaf in leaves}
    unknown = [name for name in settings if name not in by_name]
    if unknown:
        hints = {name: difflib.get_close_matches(name, by_name, n=1) for name in unknown}
        shown = ", ".join(f"{name} (did you mean {hint[0]}?)" if hint else name for name, hint in hints.items())
        raise ConfigError(f"{cls.__name__}: unknown setting(s) {shown}")
    if isinstance(config, Config):
        base = config.to_dict()
    else:
        base = read_recipe(str(config), command) if config is not None else {}
    return build_config(cls, leaves, base, {by_name[name]: value for name, value in settings.items()})
