"""Run folders: refusing to clobber earlier work, and recording the environment of a result."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

from bertdistill.distributed import world_size
from bertdistill.errors import ConfigError
from bertdistill.io import check_output_folder


def check_run_folder(path: str | Path, resume: bool) -> None:
    """Before any work (the first thing every training command does): the run folder can be made and written
    in, and an existing non-empty one is only reused with `--resume`. Nothing is created."""
    path = Path(path)
    check_output_folder(path, "--output-dir")
    if path.is_dir() and any(path.iterdir()) and not resume:
        raise ConfigError(
            f"--output-dir {path} is not empty; pass --resume to continue that run, or choose another folder"
        )


def prepare_output_dir(path: str | Path, resume: bool) -> Path:
    """Create the run folder, after `check_run_folder`'s checks."""
    check_run_folder(path, resume)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def environment_info() -> dict[str, Any]:
    """Versions and hardware, stored with every result."""
    import transformers

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "processes": world_size(),   # > 1: a multi-process run (torchrun, accelerate launch)
    }
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                timeout=5, cwd=Path(__file__).parent)
        if commit.returncode == 0:
            info["git_commit"] = commit.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info
