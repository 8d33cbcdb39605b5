import pytest

from bertdistill import __version__
from bertdistill.cli import main


@pytest.mark.parametrize("command", [["finetune"], ["evaluate"], ["predict"], ["distill", "sra"], ["encode"]])
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"bertdistill {__version__}"


def test_flags_use_dashes(capsys):
    with pytest.raises(SystemExit):
        main(["finetune", "--help"])
    text = capsys.readouterr().out
    assert "--max-train-samples" in text and "--max_train_samples" not in text
