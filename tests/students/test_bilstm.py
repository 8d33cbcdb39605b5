"""Tiny-config tests of the BiLSTM student and its heads."""

import pytest
import torch
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from bertdistill.students import BiLSTMConfig, BiLSTMForSequenceClassification, BiLSTMModel
from bertdistill.students.embeddings import project_teacher_embeddings
from bertdistill.students.heads import split_segments

IDS = torch.tensor([[2, 5, 6, 7, 3, 0, 0], [2, 8, 3, 0, 0, 0, 0]])  # (B=2, T=7), 0 = padding


def tiny_config(**overrides) -> BiLSTMConfig:
    values = dict(vocab_size=99, embedding_dim=16, hidden_size=8, num_layers=2, projection_dim=24,
                  classifier_hidden_size=12, dropout=0.0)
    values.update(overrides)
    return BiLSTMConfig(**values)


@pytest.mark.parametrize("pooling", ["max", "mean", "last", "attention"])
def test_shapes_and_padding_invariance(pooling):
    torch.manual_seed(0)
    model = BiLSTMModel(tiny_config(pooling=pooling)).eval()
    outputs = model(IDS, IDS.ne(0).long())
    assert outputs.last_hidden_state.shape == (2, 7, 16)
    assert outputs.pooler_output.shape == (2, 16)
    assert outputs.sentence_embedding.shape == (2, 24)
    # the same sentence with no padding gives the same vector: padding never leaks into the pooling
    alone = model(IDS[1:, :3], torch.ones(1, 3, dtype=torch.long))
    torch.testing.assert_close(alone.sentence_embedding[0], outputs.sentence_embedding[1], atol=1e-5, rtol=1e-5)


def test_max_pooling_is_the_max_over_real_tokens():
    model = BiLSTMModel(tiny_config(pooling="max")).eval()
    outputs = model(IDS, IDS.ne(0).long())
    expected = outputs.last_hidden_state[0, :5].max(dim=0).values
    torch.testing.assert_close(outputs.pooler_output[0], expected)


def test_config_validation():
    with pytest.raises(ValueError, match="pooling"):
        BiLSTMConfig(pooling="sum")
    with pytest.raises(ValueError, match="num_layers"):
        BiLSTMConfig(num_layers=0)


def test_save_and_load_with_auto_classes(tmp_path):
    model = BiLSTMModel(tiny_config()).eval()
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    assert AutoConfig.from_pretrained(tmp_path).model_type == "bertdistill-bilstm"
    loaded = AutoModel.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, BiLSTMModel)
    torch.testing.assert_close(loaded(IDS).sentence_embedding, model(IDS).sentence_embedding)


def test_general_student_weights_load_into_the_classifier(tmp_path):
    general = BiLSTMModel(tiny_config())
    general.save_pretrained(tmp_path)
    config = AutoConfig.from_pretrained(tmp_path, num_labels=3)
    classifier = AutoModelForSequenceClassification.from_pretrained(tmp_path, config=config)
    assert isinstance(classifier, BiLSTMForSequenceClassification)
    torch.testing.assert_close(classifier.bilstm.encoder.lstm.weight_hh_l1, general.encoder.lstm.weight_hh_l1)


def test_split_segments():
    input_ids = torch.tensor([[2, 5, 6, 3, 7, 8, 3, 0], [2, 9, 3, 4, 3, 0, 0, 0]])
    token_types = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 0, 0, 0]])
    first, first_mask, second, second_mask = split_segments(input_ids, input_ids.ne(0).long(), token_types)
    assert first.tolist() == [[2, 5, 6, 3, 0, 0, 0, 0], [2, 9, 3, 0, 0, 0, 0, 0]]
    assert second.tolist() == [[7, 8, 3, 0, 0, 0, 0, 0], [4, 3, 0, 0, 0, 0, 0, 0]]
    assert second_mask.sum(1).tolist() == [3, 2] and first_mask.sum(1).tolist() == [4, 3]


def test_siamese_head_uses_both_sentences_symmetrically():
    config = tiny_config(num_labels=2)
    config.bertdistill_task = {"is_pair": True}
    model = BiLSTMForSequenceClassification(config).eval()
    assert model.classifier[0].in_features == 4 * 16
    a, b = [5, 6], [7, 8, 9]
    def joint(x, y):
        ids = torch.tensor([[2, *x, 3, *y, 3]])
        types = torch.tensor([[0] * (len(x) + 2) + [1] * (len(y) + 1)])
        return ids, types
    ids_ab, types_ab = joint(a, b)
    features = model.sentence_features(ids_ab, ids_ab.ne(0).long(), types_ab)
    u = model.bilstm(torch.tensor([[2, *a, 3]])).pooler_output
    v = model.bilstm(torch.tensor([[*b, 3]])).pooler_output
    torch.testing.assert_close(features, torch.cat([u, v, (u - v).abs(), u * v], dim=-1))


def test_heads_compute_the_right_loss():
    torch.manual_seed(0)
    classifier = BiLSTMForSequenceClassification(tiny_config(num_labels=3))
    output = classifier(IDS, labels=torch.tensor([0, 2]))
    torch.testing.assert_close(output.loss, torch.nn.functional.cross_entropy(output.logits, torch.tensor([0, 2])))
    regressor = BiLSTMForSequenceClassification(tiny_config(num_labels=1))
    output = regressor(IDS, labels=torch.tensor([1.5, 4.0]))
    torch.testing.assert_close(output.loss, ((output.logits.squeeze(-1) - torch.tensor([1.5, 4.0])) ** 2).mean())


def test_pair_model_without_token_types_is_an_error():
    config = tiny_config()
    config.bertdistill_task = {"is_pair": True}
    with pytest.raises(ValueError, match="token_type_ids"):
        BiLSTMForSequenceClassification(config)(IDS)


def test_pca_embedding_init_keeps_geometry_at_the_target_scale():
    generator = torch.Generator().manual_seed(0)
    teacher = torch.randn(50, 4, generator=generator) @ torch.randn(4, 12, generator=generator)  # rank 4, d_T = 12
    student = project_teacher_embeddings(teacher, 6, target_std=0.1, generator=generator)
    assert student.shape == (50, 6)
    assert student.std().item() == pytest.approx(0.1, rel=1e-4)
    # rank 4: the top 4 directions keep every pairwise distance up to one global scale
    centred = teacher - teacher.mean(0)
    ratio = torch.cdist(student[:, :4], student[:, :4])[0, 1:] / torch.cdist(centred, centred)[0, 1:]
    torch.testing.assert_close(ratio, ratio.mean().expand_as(ratio), atol=1e-4, rtol=1e-3)


def test_pca_pads_when_the_student_is_wider():
    assert project_teacher_embeddings(torch.randn(20, 4), 7, target_std=0.1).shape == (20, 7)


def test_the_default_config_is_the_measured_recipe_and_tang_a_preset():
    from bertdistill.students.factory import StudentShape, tang_shape

    recipe, shape = BiLSTMConfig(), StudentShape()
    assert (recipe.embedding_dim, recipe.hidden_size, recipe.num_layers, recipe.pooling) == (384, 256, 1, "max")
    assert recipe.residual_static and recipe.projection_dim == 384
    for name in ("embedding_dim", "hidden_size", "num_layers", "pooling", "dropout", "classifier_hidden_size",
                 "residual_static"):
        assert getattr(shape, name) == getattr(recipe, name), name
        assert getattr(tang_shape(), name) == getattr(BiLSTMConfig.tang(), name), name
    tang = BiLSTMConfig.tang(hidden_size=64)
    assert (tang.embedding_dim, tang.hidden_size, tang.pooling, tang.residual_static) == (300, 64, "last", False)
