"""Thin compositions of data, models, losses and the trainer: fine-tuning and the distillation methods."""
