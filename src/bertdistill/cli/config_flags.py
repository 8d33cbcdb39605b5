"""Command-line flags generated from a config dataclass, and the config read back from them.

Every leaf field of a config tree becomes one flag (`training.batch_size` -> `--batch-size`; `setting(flag=...)`
renames one where two would collide), with the field's type, choices and help text and its default shown in
the help; nested configs become help groups. A run's config is a recipe (`--config FILE.yaml`, the YAML a run
saves as config.yaml) with the flags that were given laid over it, then `Config.from_dict`: the dataclasses
stay the one source of every default, and a flag that is not given never overrides anything.

Written here rather than taken from `transformers.HfArgumentParser` (flat dataclasses only, no nested
configs) or `jsonargparse` (dotted flags such as `--training.batch_size`, which would rename every flag users
and the docs already have); this file is the whole mechanism.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from typing import Any, Literal

from bertdistill.config import Config, bound_problem, merge_mappings
from bertdistill.config_tree import Leaf, build_config, config_leaves, optional_removed, read_recipe
from bertdistill.errors import ConfigError


def at_least(minimum: int, kind: type) -> Any:
    """argparse type: a number of `kind` that is at least `minimum`."""
    return bounded(kind, {"minimum": minimum})


def bounded(kind: type, metadata: Any) -> Any:
    """argparse type: a number of `kind`, finite and within the field's bounds (`config.bound_problem`)."""
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {'whole number' if kind is int else 'number'}, "
                                             f"got {text!r}") from None
        problem = bound_problem(value, metadata)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value
    return parse


def shown_default(leaf: Leaf) -> str:
    if leaf.default is dataclasses.MISSING:
        return " (required)"
    if leaf.default is None or leaf.default == ():
        return ""
    if isinstance(leaf.default, bool):
        return f" (default: {'on' if leaf.default else 'off'})"
    shown = " ".join(map(str, leaf.default)) if isinstance(leaf.default, tuple) else f"{leaf.default:g}" \
        if isinstance(leaf.default, float) else str(leaf.default)
    return f" (default: {shown})"


def value_parser(leaf: Leaf, hint: Any) -> Any:
    """The argparse type of one value: a number checked against the field's bounds, or the plain type."""
    if hint in (int, float):
        return bounded(hint, leaf.metadata)
    return str if typing.get_origin(hint) is Literal else hint


def list_parser(parse: Any, commas: bool) -> Any:
    """Each word of a list flag as a list of values (`1,32,128` too where `commas`); argparse's extend
    gathers the words, and `config_from_arguments` flattens them."""
    def parse_list(text: str) -> list[Any]:
        return [parse(part) for part in (text.split(",") if commas else [text]) if part.strip()]
    return parse_list


def flag_options(leaf: Leaf, part: str) -> dict[str, Any]:
    """`add_argument` keywords for the leaf's type: choices, a list, an on/off switch, a checked number."""
    hint = optional_removed(leaf.hint)
    help_text = (leaf.metadata.get("help", "") + shown_default(leaf)).replace("%", "%%")
    options: dict[str, Any] = {"dest": f"{part}:{leaf.destination}", "default": argparse.SUPPRESS,
                               "help": help_text, "metavar": leaf.metadata.get("metavar") or leaf.path[-1].upper()}
    if typing.get_origin(hint) in (tuple, list):   # several words, or the flag repeated: one list
        parse = list_parser(value_parser(leaf, typing.get_args(hint)[0]), leaf.metadata.get("commas", False))
        return {**options, "action": "extend", "nargs": leaf.metadata.get("nargs") or "+", "type": parse}
    if hint is bool:
        return {**options, "action": argparse.BooleanOptionalAction, "metavar": None}
    if typing.get_origin(hint) is Literal:
        return {**options, "choices": list(typing.get_args(hint)), "metavar": None}
    return {**options, "type": value_parser(leaf, hint)}


def add_config_arguments(parser: argparse.ArgumentParser, cls: type[Config], defaults: Config | None = None,
                         titles: dict[str, str] | None = None, part: str = "config",
                         recipes: bool = True, skip: tuple[str, ...] = ()) -> list[Leaf]:
    """One flag per leaf of `cls`, grouped by nested config (`titles` names the groups); `recipes` adds
    `--config` and `--print-config`; `skip` leaves top-level fields out. A command may hold several configs,
    each its own `part`; the handler reads one back with `config_from_arguments(args, part)`."""
    leaves, titles = config_leaves(cls, defaults, skip=skip), titles or {}
    parts = dict(parser.get_default("config_parts") or {})
    taken = {leaf.flag: leaf for _, other in parts.values() for leaf in other}
    groups: dict[str, argparse._ArgumentGroup] = {}
    for leaf in leaves:
        if leaf.flag in taken:
            raise ConfigError(f"{cls.__name__}: {taken[leaf.flag].destination} and {leaf.destination} would both be "
                              f"{leaf.flag}; rename one with setting(flag=...)")
        taken[leaf.flag] = leaf
        if leaf.group not in groups:
            groups[leaf.group] = parser.add_argument_group(titles.get(leaf.group, leaf.group.replace("_", " ")))
        groups[leaf.group].add_argument(leaf.flag, **flag_options(leaf, part))
    if recipes:
        group = parser.add_argument_group("recipes")
        group.add_argument("--config", metavar="FILE.yaml", help="start from this recipe (a YAML config: a run's "
                           "config.yaml, one under recipes/, or --print-config's output); given flags override it")
        group.add_argument("--print-config", action="store_true", help="print the resolved config as YAML and stop")
    parts[part] = (cls, leaves)
    parser.set_defaults(config_parts=parts)
    return leaves


def part_given(args: argparse.Namespace, part: str) -> bool:
    """Whether any flag of the config `part` was given (an optional config is built only then)."""
    return any(name.startswith(f"{part}:") for name in vars(args))


def config_from_arguments(args: argparse.Namespace, part: str = "config", command: str | None = None,
                          given: dict[str, Any] | None = None) -> Config:
    """The recipe (if any) with the given flags over it, built and validated as the command's config;
    `given` holds fields the command reads its own way (a positional argument)."""
    cls, leaves = args.config_parts[part]
    recipe = getattr(args, "config", None) if part == "config" else None
    base = merge_mappings(read_recipe(recipe, command) if recipe else {}, given or {})
    values = {}
    for leaf in leaves:
        destination = f"{part}:{leaf.destination}"
        if hasattr(args, destination):
            value = getattr(args, destination)
            if isinstance(value, list):   # a list flag: each word parsed to a list of values
                value = [item for word in value for item in word]
            values[leaf] = value
    return build_config(cls, leaves, base, values)
