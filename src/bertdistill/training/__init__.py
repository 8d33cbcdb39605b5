"""Training engine: Hugging Face Trainer with atomic checkpoints, exact resume and NaN guards."""
