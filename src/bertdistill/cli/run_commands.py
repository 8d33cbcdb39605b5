"""`bertdistill run RECIPE.yaml`: a recipe under recipes/ run as it is written down.

A recipe is either one run (a config file with `command: distill sra` and that command's fields, exactly what
`--config` reads) or a pipeline:

    output_dir: runs/main-job          # each step writes OUTPUT/NAME; `--output-dir` moves it
    variables: {corpus: wiki.txt}      # `{corpus}` in any value; `--set corpus=other.txt` overrides
    steps:
      - name: general-static
        command: distill sra            # a training command: its settings by flag name, as from Python
        settings: {corpus: "{corpus}", student: static}
      - name: encoders
        command: evaluate-encoder       # any other command: its arguments as on the command line
        args: [--model, "{output}/general-static", --json, "{output}/encoders.json"]
        creates: "{output}/encoders.json"   # done when this exists
        when: transfer_dir              # run only when this variable is set

A training step that finished (its metrics.json) is skipped and one that was interrupted continues with
resume, so a killed pipeline run again picks up where it stopped. `--dry-run` builds every step's config
(and parses every command line) without running anything.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bertdistill.cli.common import RAW
from bertdistill.config_tree import RECIPE_COMMAND_KEY, read_recipe
from bertdistill.errors import ConfigError

RUN_EXAMPLES = """examples:
  bertdistill run recipes/main-job.yaml
  bertdistill run recipes/main-job.yaml --set corpus=../shared/data/corpus/wikipedia_en_slice.txt --dry-run
  bertdistill run recipes/sra-bilstm-200k.yaml --output-dir runs/bilstm-200k
"""
CommandLine = tuple[Callable[[], argparse.ArgumentParser], Callable[[list[str]], int]]
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclasses.dataclass(frozen=True)
class Step:
    name: str
    command: str
    settings: dict[str, Any] | None = None     # a training command's settings, by flag name
    args: list[str] | None = None              # any command's arguments
    creates: str | None = None
    when: str | None = None


def substituted(value: Any, variables: dict[str, Any], where: str) -> Any:
    """`{name}` replaced by the variable: the value itself when it is the whole string, else as text."""
    if isinstance(value, dict):
        return {key: substituted(item, variables, where) for key, item in value.items()}
    if isinstance(value, list):
        return [substituted(item, variables, where) for item in value]
    if not isinstance(value, str):
        return value
    for name in PLACEHOLDER.findall(value):
        if name not in variables:
            raise ConfigError(f"{where}: {{{name}}} is not a variable of the recipe ({', '.join(sorted(variables))})")
    whole = PLACEHOLDER.fullmatch(value)
    if whole:
        return variables[whole.group(1)]
    return PLACEHOLDER.sub(lambda match: str(variables[match.group(1)]), value)


def pipeline_steps(recipe: dict[str, Any], variables: dict[str, Any], path: str) -> list[Step]:
    steps = recipe.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ConfigError(f"recipe {path}: `steps` must be a non-empty list")
    known = {field.name for field in dataclasses.fields(Step)}
    built = []
    for index, step in enumerate(steps):
        where = f"recipe {path}, step {index + 1}"
        if not isinstance(step, dict) or set(step) - known or not {"name", "command"} <= set(step):
            raise ConfigError(f"{where}: a step is a mapping with `name`, `command` and `settings` or `args` "
                              f"(known keys: {', '.join(sorted(known))})")
        if (step.get("settings") is None) == (step.get("args") is None):
            raise ConfigError(f"{where}: give `settings` (a training command) or `args` (any command), one of them")
        built.append(Step(**substituted(step, variables, where)))
    return built


def recipe_variables(recipe: dict[str, Any], sets: list[str], output_dir: str | None) -> dict[str, Any]:
    variables = dict(recipe.get("variables") or {})
    for assignment in sets:
        name, equals, value = assignment.partition("=")
        if not equals or name not in variables:
            raise ConfigError(f"--set {assignment}: expected NAME=VALUE for a variable of the recipe "
                              f"({', '.join(sorted(variables))})")
        variables[name] = yaml.safe_load(value) if value else ""
    output = output_dir or recipe.get("output_dir")
    if not output:
        raise ConfigError("a pipeline recipe needs `output_dir` (or give --output-dir)")
    return {**variables, "output": output}


def run_training_step(step: Step, output: Path, dry_run: bool) -> None:
    from bertdistill.api import method_config, run_command

    folder = output / step.name
    settings = {**step.settings, "output_dir": str(folder), "progress": False}
    if dry_run:
        method_config(step.command, **settings)
        print(f"== {step.name}: bertdistill {step.command}, config checked")
        return
    if (folder / "metrics.json").is_file():
        print(f"== {step.name}: done already")
        return
    print(f"== {step.name}", flush=True)
    run_command(step.command, **settings, resume=folder.is_dir())


def run_command_step(step: Step, dry_run: bool, cli: CommandLine) -> None:
    build_parser, main = cli
    argv = [*step.command.split(), *map(str, step.args)]
    if dry_run:
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            raise ConfigError(f"step {step.name}: `bertdistill {shlex.join(argv)}` does not parse") from None
        print(f"== {step.name}: bertdistill {shlex.join(argv)}")
        return
    if step.creates and Path(step.creates).exists():
        print(f"== {step.name}: done already")
        return
    print(f"== {step.name}", flush=True)
    if main(argv) != 0:
        raise ConfigError(f"step {step.name} failed: bertdistill {shlex.join(argv)}")


def run_pipeline(recipe: dict[str, Any], path: str, sets: list[str], output_dir: str | None, dry_run: bool,
                 cli: CommandLine) -> None:
    from bertdistill.api import METHODS
    from bertdistill.io import check_output_folder

    variables = recipe_variables(recipe, sets, output_dir)
    steps = pipeline_steps(recipe, variables, path)
    check_output_folder(variables["output"], "--output-dir" if output_dir else "output_dir")
    for step in steps:
        if step.when and not variables.get(step.when):
            print(f"== {step.name}: skipped ({step.when} is not set)")
            continue
        if step.settings is not None:
            if step.command not in METHODS:
                raise ConfigError(f"step {step.name}: `settings` are for {', '.join(METHODS)}; give `args` instead")
            run_training_step(step, Path(variables["output"]), dry_run)
        else:
            run_command_step(step, dry_run, cli)


def run_recipe(args: argparse.Namespace) -> None:
    recipe = yaml.safe_load(Path(args.recipe).read_text(encoding="utf-8")) if Path(args.recipe).is_file() else None
    if not isinstance(recipe, dict):
        read_recipe(args.recipe, None)   # says what is wrong: no such file, not YAML, not a mapping
    if "steps" in recipe:
        run_pipeline(recipe, args.recipe, args.set, args.output_dir, args.dry_run, args.command_line_parts)
        return
    if args.set:
        raise ConfigError("--set is for pipeline recipes (with `variables`); this recipe is one run")
    command = recipe.get(RECIPE_COMMAND_KEY)
    if not command:
        raise ConfigError(f"recipe {args.recipe}: a one-run recipe names its `command:` (e.g. distill sra)")
    run_command_step(Step(Path(args.recipe).stem, command, args=["--config", args.recipe, *(
        ["--output-dir", args.output_dir] if args.output_dir else []), *(["--print-config"] if args.dry_run else [])]),
        dry_run=False, cli=args.command_line_parts)


def register(commands: argparse._SubParsersAction, cli: CommandLine) -> None:
    """`cli` is the command line's (build_parser, main): the runner runs its other steps through it."""
    parser = commands.add_parser("run", help="run a recipe: one run or a pipeline of steps (recipes/)",
                                 epilog=RUN_EXAMPLES, formatter_class=RAW, description=__doc__.split("\n\n")[0])
    parser.add_argument("recipe", metavar="RECIPE.yaml")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a variable of a pipeline recipe (repeatable)")
    parser.add_argument("--output-dir", help="where the run (or each step, OUTPUT/NAME) writes")
    parser.add_argument("--dry-run", action="store_true", help="build and check every step's config; run nothing")
    parser.set_defaults(handler=run_recipe, command_line_parts=cli)
