"""The command line generated from the config dataclasses: one source of every default, recipes with flag
overrides, and help for every command."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest
import yaml

from bertdistill.cli import main
from bertdistill.cli.config_flags import config_from_arguments
from bertdistill.cli.main import build_parser
from bertdistill.cli.reference import leaf_commands, reference_markdown
from bertdistill.config_tree import config_leaves
from bertdistill.data.corpus import CorpusConfig
from bertdistill.data.loading import DataConfig
from bertdistill.errors import ConfigError
from bertdistill.methods.finetune import FinetuneConfig
from bertdistill.methods.kd import KDConfig
from bertdistill.methods.sra import SRAConfig
from bertdistill.methods.tinybert import TinyBertConfig
from bertdistill.students.factory import StudentShape, tang_shape

CLI = Path(__file__).resolve().parents[1] / "src" / "bertdistill" / "cli"

# each training command with its required flags, and the same run built in Python with library defaults
TRAINING_COMMANDS = {
    "distill sra": (["--corpus", "a.txt", "--output-dir", "out"],
                    lambda: SRAConfig(corpus=CorpusConfig(paths=("a.txt",)), output_dir="out")),
    "distill kd": (["--teacher", "t", "--task", "sst2", "--output-dir", "out"],
                   lambda: KDConfig(teacher="t", data=DataConfig(task="sst2"), output_dir="out")),
    "distill tinybert": (["--stage", "task", "--teacher", "t", "--task", "sst2", "--output-dir", "out"],
                         lambda: TinyBertConfig(stage="task", teacher="t", data=DataConfig(task="sst2"),
                                                output_dir="out")),
    "finetune": (["--model", "m", "--task", "sst2", "--output-dir", "out"],
                 lambda: FinetuneConfig(model="m", data=DataConfig(task="sst2"), output_dir="out")),
}


def parsed(command: str, *flags: str) -> argparse.Namespace:
    return build_parser().parse_args([*command.split(), *flags])


@pytest.mark.parametrize("command", sorted(TRAINING_COMMANDS))
def test_parser_defaults_equal_the_config_defaults(command):
    flags, in_python = TRAINING_COMMANDS[command]
    assert config_from_arguments(parsed(command, *flags), command=command) == in_python()


def test_kd_shape_default_is_tangs_and_sra_the_general_students():
    assert config_from_arguments(parsed("distill kd", *TRAINING_COMMANDS["distill kd"][0])).shape == tang_shape()
    assert config_from_arguments(parsed("distill sra", *TRAINING_COMMANDS["distill sra"][0])).student == StudentShape()


def test_every_leaf_command_has_help_and_every_config_flag_is_documented(capsys):
    leaves = list(leaf_commands(build_parser()))
    assert len(leaves) >= 14
    for words, parser in leaves:
        with pytest.raises(SystemExit) as stop:
            main([*words, "--help"])
        assert stop.value.code == 0, words
        shown = capsys.readouterr().out
        flags = [option for action in parser._actions for option in action.option_strings]
        missing = [flag for flag in flags if flag not in shown]
        assert not missing, f"{' '.join(words)}: {missing}"
        for _, (config_class, config_leaf_list) in (parser.get_default("config_parts") or {}).items():
            undocumented = [leaf.flag for leaf in config_leaf_list if not leaf.metadata.get("help")]
            assert not undocumented, f"{config_class.__name__}: {undocumented}"


def test_no_numeric_literal_defaults_in_the_cli_layer():
    found = []
    for path in CLI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_argument":
                for keyword in node.keywords:
                    literal = keyword.value.elts if isinstance(keyword.value, ast.Tuple) else [keyword.value]
                    if keyword.arg == "default" and any(isinstance(item, ast.Constant) and
                                                        isinstance(item.value, (int, float)) and
                                                        not isinstance(item.value, bool) for item in literal):
                        found.append(f"{path.name}:{node.lineno}")
    assert not found, found


def test_a_recipe_with_flags_over_it(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({"command": "distill sra", "output_dir": "from-recipe",
                                      "corpus": {"paths": ["r.txt"], "max_sentences": 500},
                                      "training": {"epochs": 4, "lr": 0.002}}))
    config = config_from_arguments(parsed("distill sra", "--config", str(recipe), "--epochs", "1"),
                                   command="distill sra")
    assert config.training.epochs == 1 and config.training.lr == 0.002          # the flag wins, the rest stays
    assert config.training.batch_size == SRAConfig.__dataclass_fields__["training"].default_factory().batch_size
    assert config.corpus.max_sentences == 500 and config.output_dir == "from-recipe"


def test_print_config_round_trips(capsys):
    flags = [*TRAINING_COMMANDS["distill kd"][0], "--hidden-size", "64", "--no-augment", "--print-config"]
    assert main(["distill", "kd", *flags]) == 0
    printed = KDConfig.from_yaml(capsys.readouterr().out)
    assert printed.shape.hidden_size == 64 and printed.augment is False
    assert printed == config_from_arguments(parsed("distill kd", *flags))


def test_a_recipe_for_another_command_is_refused(tmp_path, capsys):
    recipe = tmp_path / "kd.yaml"
    recipe.write_text("command: distill kd\nteacher: t\n")
    assert main(["finetune", "--config", str(recipe), "--model", "m", "--task", "sst2", "--output-dir", "o"]) == 2
    assert "recipe for `bertdistill distill kd`" in capsys.readouterr().err


def test_a_missing_required_value_is_named_by_its_flag(capsys):
    assert main(["distill", "kd", "--task", "sst2", "--output-dir", "o"]) == 2
    assert "--teacher is required" in capsys.readouterr().err
    assert main(["distill", "sra", "--output-dir", "o"]) == 2
    assert "--corpus" in capsys.readouterr().err


def test_a_recipe_that_is_not_a_mapping_is_refused(tmp_path):
    recipe = tmp_path / "list.yaml"
    recipe.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        config_from_arguments(parsed("finetune", "--config", str(recipe)))


def test_flags_are_unique_and_named_after_their_fields():
    leaves = config_leaves(SRAConfig)
    assert len({leaf.flag for leaf in leaves}) == len(leaves)
    names = {leaf.destination: leaf.flag for leaf in leaves}
    assert names["training.batch_size"] == "--batch-size" and names["corpus.seed"] == "--corpus-seed"
    assert names["training.progress_bar"] == "--progress" and names["span_crops.per_sentence"] == "--span-crops"


def test_partial_nested_settings_keep_the_methods_defaults():
    config = SRAConfig.from_dict({"output_dir": "o", "corpus": {"paths": ["a.txt"]}, "training": {"epochs": 1}})
    defaults = SRAConfig(output_dir="o", corpus=CorpusConfig(paths=("a.txt",)))
    assert config.training.epochs == 1
    assert config.training.lr == defaults.training.lr == 1e-3 and config.training.batch_size == 128


def test_unset_seeds_follow_the_runs_seed_from_python_as_from_the_cli():
    config = SRAConfig(output_dir="o", corpus=CorpusConfig(paths=("a.txt",)))
    assert config.corpus.seed == config.training.seed == config.span_crops.seed
    fixed = SRAConfig(output_dir="o", corpus=CorpusConfig(paths=("a.txt",), seed=7))
    assert fixed.span_crops.seed == 7
    from_cli = config_from_arguments(parsed("distill sra", *TRAINING_COMMANDS["distill sra"][0], "--seed", "3"))
    assert (from_cli.corpus.seed, from_cli.span_crops.seed) == (3, 3)
    kd = KDConfig(teacher="t", data=DataConfig(task="sst2"), output_dir="o")
    assert kd.augmentation.seed == kd.training.seed


def test_tinybert_stage_defaults_live_in_the_config():
    general = TinyBertConfig(stage="general", teacher="t", output_dir="o", corpus=CorpusConfig(paths=("a",)))
    task = TinyBertConfig(stage="task", teacher="t", output_dir="o", data=DataConfig(task="sst2"), max_length=64)
    assert general.training.lr == general.intermediate.lr == 5e-5
    assert task.prediction.lr == 3e-5 and task.intermediate.lr == 5e-5
    assert task.intermediate.epochs == 10 and task.intermediate.warmup_ratio == 0.0
    assert task.intermediate.batch_size == task.prediction.batch_size
    assert task.data.max_length == 64
    assert TinyBertConfig.from_yaml(task.to_yaml()) == task


def test_the_committed_cli_reference_is_the_current_help():
    committed = (Path(__file__).resolve().parents[1] / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "regenerate: python -m bertdistill.cli.reference > docs/cli-reference.md"


def test_bounds_are_checked_however_a_config_is_built():
    corpus = CorpusConfig(paths=("a.txt",))
    with pytest.raises(ConfigError, match=r"--temperature \(SRAConfig.temperature\) must be above 0"):
        SRAConfig(output_dir="o", corpus=corpus, temperature=0.0)
    with pytest.raises(ConfigError, match="must be a finite number"):
        SRAConfig.from_dict({"output_dir": "o", "corpus": {"paths": ["a.txt"]}, "similarity_weight": float("inf")})
    with pytest.raises(ConfigError, match="--corpus-seed .* must be at least 0"):
        CorpusConfig(paths=("a.txt",), seed=-3)
    with pytest.raises(SystemExit):                                   # and at parse time, as a flag
        parsed("distill sra", *TRAINING_COMMANDS["distill sra"][0], "--cosine-weight", "nan")
