"""Every recipe under recipes/ builds and checks (nothing run), the published runs are their recipes' configs,
and `bertdistill run` runs a pipeline: steps skipped when done, resumed when interrupted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bertdistill.api import method_config
from bertdistill.cli import main
from bertdistill.cli.run_commands import pipeline_steps, recipe_variables
from bertdistill.methods.sra import SRAConfig

ROOT = Path(__file__).resolve().parents[1]
RECIPES = sorted((ROOT / "recipes").glob("*.yaml"))


def steps_of(name: str, *sets: str) -> dict:
    recipe = yaml.safe_load((ROOT / "recipes" / name).read_text())
    return {step.name: step for step in pipeline_steps(recipe, recipe_variables(recipe, list(sets), None), name)}


@pytest.mark.parametrize("recipe", RECIPES, ids=[path.name for path in RECIPES])
def test_every_recipe_checks(recipe, capsys):
    assert main(["run", str(recipe), "--dry-run", "--output-dir", "runs/checked"]) == 0
    assert "== " in capsys.readouterr().out


def test_the_200k_recipe_is_the_committed_headline_run():
    committed = SRAConfig.load(ROOT / "results" / "sra_runs" / "crops" / "bilstm-200k-dim384-raw-crops1_config.yaml")
    step = steps_of("sra-200k.yaml")["bilstm"]
    built = method_config(step.command, **step.settings, output_dir=committed.output_dir, progress=False)
    assert built.to_dict() == committed.to_dict()


def test_the_main_job_recipe_runs_the_main_jobs_commands():
    """The recipe's general BiLSTM is the config the main job's command line gave (results/main_job.md)."""
    steps = steps_of("main-job.yaml", "corpus=wiki.txt")
    recipe = method_config("distill sra", **steps["general-bilstm"].settings, output_dir="runs/main-job/general-bilstm",
                           progress=False)
    flags = ["distill", "sra", "--teacher", "minilm", "--corpus", "wiki.txt", "--max-sentences", "30000",
             "--max-length", "64", "--embedding-dim", "256", "--embedding-init", "contextual", "--target-pca", "256",
             "--loss", "cosine", "--span-crops", "0", "--hidden-size", "256", "--num-layers", "1",
             "--residual-static", "--init-student", "runs/main-job/general-static", "--epochs", "1",
             "--output-dir", "runs/main-job/general-bilstm", "--no-progress"]
    from bertdistill.cli.config_flags import config_from_arguments
    from bertdistill.cli.main import build_parser

    assert recipe == config_from_arguments(build_parser().parse_args(flags))


def test_a_pipeline_runs_skips_what_is_done_and_checks_its_variables(tiny_bert, sentiment_files, tmp_path, capsys):
    train, dev = sentiment_files
    recipe = tmp_path / "tiny.yaml"
    recipe.write_text(yaml.safe_dump({
        "output_dir": str(tmp_path / "out"), "variables": {"model": str(tiny_bert), "epochs": 1},
        "steps": [{"name": "tuned", "command": "finetune",
                   "settings": {"model": "{model}", "train_file": str(train), "dev_file": str(dev),
                                "epochs": "{epochs}", "batch_size": 16}},
                  {"name": "scored", "command": "evaluate", "creates": "{output}/scored",
                   "args": ["--model", "{output}/tuned", "--dev-file", str(dev), "--output-dir", "{output}/scored"]}]}))
    assert main(["run", str(recipe)]) == 0
    assert json.loads((tmp_path / "out" / "tuned" / "metrics.json").read_text())["epochs"] == 1
    assert (tmp_path / "out" / "scored" / "metrics.json").is_file()
    capsys.readouterr()
    assert main(["run", str(recipe)]) == 0                       # again: both steps are done
    assert capsys.readouterr().out.count("done already") == 2
    assert main(["run", str(recipe), "--set", "no_such=1"]) == 2
    assert "expected NAME=VALUE for a variable" in capsys.readouterr().err


def test_a_bad_recipe_is_refused_before_any_step_runs(tmp_path, capsys):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text(yaml.safe_dump({"output_dir": str(tmp_path / "out"), "steps": [
        {"name": "a", "command": "finetune", "settings": {"model": "{missing}"}}]}))
    assert main(["run", str(recipe)]) == 2
    assert "{missing} is not a variable" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("recipe, step, flags", [
    ("teachers.yaml", "sst2", ["finetune", "--model", "minilm", "--task", "sst2", "--max-length", "64", "--epochs", "2",
                               "--batch-size", "32", "--lr", "5e-5", "--seed", "42", "--max-train-samples", "20000"]),
    ("kd-glue.yaml", "sst2/scratch", ["distill", "kd", "--teacher", "runs/teachers/sst2", "--task", "sst2",
                                      "--max-length", "64", "--max-train-samples", "20000", "--no-augment",
                                      "--alpha", "1", "--epochs", "5"]),
    ("kd-glue.yaml", "mrpc/kd-aug", ["distill", "kd", "--teacher", "runs/teachers/mrpc", "--task", "mrpc",
                                     "--max-length", "128", "--n-iter", "4", "--epochs", "2"]),
    ("tinybert-glue.yaml", "cola/full", ["distill", "tinybert", "--stage", "task", "--teacher", "runs/teachers/cola",
                                         "--task", "cola", "--intermediate-epochs", "1", "--n-samples", "2",
                                         "--max-length", "64", "--student", "runs/tinybert-results/general"]),
    ("tinybert-glue.yaml", "general", ["distill", "tinybert", "--stage", "general", "--teacher", "minilm", "--corpus",
                                       "../shared/data/corpus/wikipedia_en_slice.txt", "--max-sentences", "30000",
                                       "--max-length", "64", "--epochs", "1"]),
])
def test_the_result_recipes_run_the_commands_of_the_published_runs(recipe, step, flags):
    """The steps are the command lines the shell pipelines ran for the committed results (results/kd.md,
    results/teachers.md), built as configs."""
    from bertdistill.cli.config_flags import config_from_arguments
    from bertdistill.cli.main import build_parser

    built = steps_of(recipe)[step]
    output = f"runs/x/{step}"
    from_recipe = method_config(built.command, **built.settings, output_dir=output, progress=False)
    from_flags = config_from_arguments(build_parser().parse_args([*flags, "--output-dir", output, "--no-progress"]))
    assert from_recipe == from_flags
