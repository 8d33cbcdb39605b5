"""Distillation losses: each a small documented function; how they are combined lives in methods/."""
