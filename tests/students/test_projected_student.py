"""Attention scores read from any BERT-style model, and the student with its projections: parity with
plain `transformers`, projections saved apart, and the clear errors."""

import pytest
import torch
from transformers import BertConfig, BertModel, DistilBertConfig, DistilBertModel

from bertdistill.errors import ConfigError, ModelError
from bertdistill.methods.tinybert.training import ProjectedStudent
from bertdistill.teachers.layer_outputs import encoder_layers, layer_outputs


def tiny_bert(hidden: int = 32, layers: int = 2, seed: int = 0, **extra) -> BertModel:
    torch.manual_seed(seed)
    return BertModel(BertConfig(vocab_size=100, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=4,
                                intermediate_size=37, **extra)).eval()


def batch() -> dict[str, torch.Tensor]:
    ids = torch.randint(5, 100, (3, 7))
    mask = torch.ones_like(ids)
    mask[1, 4:] = 0
    return {"input_ids": ids, "attention_mask": mask}


def test_scores_are_the_pre_softmax_scores_of_transformers_attention():
    model = tiny_bert(attn_implementation="eager")
    inputs = batch()
    reference = model(**inputs, output_attentions=True, output_hidden_states=True)
    mine = layer_outputs(model, inputs, [0, 1], encoder_layers(model, "tiny"))
    blocked = (1 - inputs["attention_mask"][:, None, None, :].float()) * torch.finfo(torch.float32).min
    for layer in range(2):
        assert torch.allclose((mine.scores[layer] + blocked).softmax(-1), reference.attentions[layer], atol=1e-6)
        assert torch.equal(mine.hidden[layer], reference.hidden_states[layer + 1])
    assert torch.equal(mine.embeddings, reference.hidden_states[0])


def test_scores_do_not_depend_on_the_attention_implementation():
    inputs = batch()
    eager = layer_outputs(tiny_bert(attn_implementation="eager"), inputs, [1], encoder_layers(tiny_bert(), "t"))
    sdpa_model = tiny_bert(attn_implementation="sdpa")
    sdpa = layer_outputs(sdpa_model, inputs, [1], encoder_layers(sdpa_model, "t"))
    assert torch.allclose(eager.scores[0], sdpa.scores[0], atol=1e-6)
    assert torch.allclose(eager.hidden[0], sdpa.hidden[0], atol=1e-5)


def test_a_model_without_bert_attention_is_refused():
    distil = DistilBertModel(DistilBertConfig(vocab_size=100, dim=32, n_layers=1, n_heads=4, hidden_dim=37))
    with pytest.raises(ModelError, match="exposes no BERT-style attention"):
        encoder_layers(distil, "the teacher x")


@pytest.mark.parametrize("projection, count", [("separate", 3), ("shared", 1), ("none", 0)])
def test_projection_kinds(projection, count):
    student = tiny_bert()
    model = ProjectedStudent(student, 32, [0, 1], projection)
    assert len(model.projections) == count
    inputs = batch()
    outputs = model(**inputs)
    plain = student(**inputs, output_hidden_states=True)
    # square projections start as the identity: the projected states are the student's own
    assert torch.allclose(outputs.hidden[1], plain.hidden_states[2], atol=1e-6)


def test_projections_map_to_the_teacher_width_and_are_saved_apart(tmp_path):
    model = ProjectedStudent(tiny_bert(hidden=16), 32, [1], "separate")
    outputs = model(**batch())
    assert outputs.embeddings.shape == (3, 7, 32) and outputs.hidden[0].shape == (3, 7, 32)
    assert outputs.scores[0].shape == (3, 4, 7, 7)
    model.save_projections(tmp_path / "projections.safetensors")
    other = ProjectedStudent(tiny_bert(hidden=16, seed=1), 32, [1], "separate")
    assert other.load_projections(tmp_path / "projections.safetensors")
    assert torch.equal(other.projections[1].weight, model.projections[1].weight)
    shared = ProjectedStudent(tiny_bert(hidden=16), 32, [1], "shared")
    assert not shared.load_projections(tmp_path / "projections.safetensors")  # does not fit: not loaded
    assert not any(key.startswith("projections") for key in model.student.state_dict())


def test_no_projection_needs_equal_widths():
    with pytest.raises(ConfigError, match="through a learned projection"):
        ProjectedStudent(tiny_bert(hidden=16), 32, [0], "none")
