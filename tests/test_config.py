import dataclasses

import pytest

from bertdistill.config import Config
from bertdistill.data.loading import DataConfig
from bertdistill.errors import ConfigError
from bertdistill.methods.finetune import FinetuneConfig
from bertdistill.training.arguments import TrainingConfig


def example_config() -> FinetuneConfig:
    return FinetuneConfig(
        model="minilm",
        output_dir="runs/x",
        data=DataConfig(task="mrpc", data_dir="glue", max_train_samples=100, max_length=64),
        training=TrainingConfig(epochs=2.5, lr=3e-5, eval_steps=10, precision="fp32"),
        resume=True,
    )


def test_yaml_round_trip():
    config = example_config()
    assert FinetuneConfig.from_yaml(config.to_yaml()) == config


def test_json_round_trip():
    config = example_config()
    assert FinetuneConfig.from_json(config.to_json()) == config


def test_save_and_load_by_suffix(tmp_path):
    config = example_config()
    config.save(tmp_path / "c.yaml")
    config.save(tmp_path / "c.json")
    assert FinetuneConfig.load(tmp_path / "c.yaml") == config
    assert FinetuneConfig.load(tmp_path / "c.json") == config
    assert (tmp_path / "c.json").read_text().lstrip().startswith("{")


def test_unknown_field_is_named():
    data = example_config().to_dict()
    data["training"]["learning_rate"] = 1.0
    with pytest.raises(ConfigError, match="learning_rate"):
        FinetuneConfig.from_dict(data)


@pytest.mark.parametrize(
    "field, value",
    [("epochs", "three"), ("batch_size", 3.5), ("precision", "fp8"), ("seed", True)],
)
def test_wrong_types_are_rejected(field, value):
    data = TrainingConfig().to_dict()
    data[field] = value
    with pytest.raises(ConfigError, match=field):
        TrainingConfig.from_dict(data)


def test_validation_runs_at_construction():
    with pytest.raises(ConfigError, match="epochs"):
        TrainingConfig(epochs=0)
    with pytest.raises(ConfigError, match="--task"):
        DataConfig()
    with pytest.raises(ConfigError, match="not both"):
        DataConfig(task="sst2", train_file="x.csv")


def test_int_accepted_where_float_expected():
    assert TrainingConfig.from_dict({"epochs": 3}).epochs == 3.0


def test_tuple_fields_round_trip():
    @dataclasses.dataclass
    class WithTuple(Config):
        sizes: tuple[int, ...] = (1, 2)

    assert WithTuple.from_yaml(WithTuple(sizes=(3, 4)).to_yaml()) == WithTuple(sizes=(3, 4))


def test_data_dir_resolved_from_environment(monkeypatch):
    monkeypatch.setenv("BERTDISTILL_DATA_DIR", "/somewhere/glue")
    assert DataConfig(task="rte").resolved().data_dir == "/somewhere/glue"
    assert DataConfig(task="rte", data_dir="/other").resolved().data_dir == "/other"


def test_target_pca_recovers_the_principal_directions():
    import numpy as np

    from bertdistill.data.target_pca import fit_target_pca

    rng = np.random.default_rng(0)
    # variance 9 along e0, 1 along e1, ~0 along e2, around a mean of 5
    vectors = np.stack([rng.normal(0, 3, 4000), rng.normal(0, 1, 4000), rng.normal(0, 0.01, 4000)], axis=1) + 5.0
    pca = fit_target_pca(vectors, np.arange(4000), 2)
    assert np.allclose(np.abs(pca.components), [[1, 0, 0], [0, 1, 0]], atol=0.02)
    assert np.allclose(pca.mean, 5.0, atol=0.1)
    projected = pca.transform(vectors[:3])
    assert np.allclose(projected, (vectors[:3] - pca.mean) @ pca.components.T)
