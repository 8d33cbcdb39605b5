"""Shared scoring services, below the methods: official metrics, batched predictions, scoring task splits,
zero-shot STS. Every method and command that scores a model uses these, so a metric is computed one way."""
