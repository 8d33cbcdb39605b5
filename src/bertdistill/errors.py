"""Exceptions that carry a message meant for the user, printed by the CLI without a traceback."""


class BertdistillError(Exception):
    """Base class: the message says what went wrong and what to do about it."""


class ConfigError(BertdistillError, ValueError):
    """An invalid or inconsistent configuration value."""


class DataError(BertdistillError, ValueError):
    """Bad input data: the message names the file (or source) and the line."""


class ModelError(BertdistillError, ValueError):
    """A model that cannot be used as asked (missing weights, wrong head, vocabulary mismatch)."""


class TrainingError(BertdistillError, RuntimeError):
    """Training cannot go on (a non-finite loss, an unusable checkpoint)."""
