"""The product test suite (tests/conftest.py has the shared fixtures)."""

import os

# Tests never reach the network: with the hub offline a lookup fails at once instead of retrying for about
# 25 seconds first. Set here, before conftest.py imports transformers and datasets (which read it then);
# child processes inherit it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
