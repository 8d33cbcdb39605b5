"""TinyBERT student shapes, layer maps and initialisation from the teacher."""

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel

from bertdistill.errors import ConfigError, ModelError
from bertdistill.students.layer_map import format_layer_map, parse_layer_map, uniform_layer_map
from bertdistill.students.tinybert import (
    TinyBertShape,
    copy_teacher_head,
    copy_teacher_layers,
    default_shape,
    resolve_shape,
    student_config,
)

BERT_BASE = BertConfig()  # 12 x 768, 12 heads, FFN 3072
MINILM = BertConfig(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536)


def test_default_shape_is_tinybert4_for_bert_base_and_keeps_width_for_minilm():
    assert default_shape(BERT_BASE) == TinyBertShape(4, 312, 12, 1200)
    assert default_shape(MINILM) == TinyBertShape(2, 384, 12, 1536)
    large = default_shape(BertConfig(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                                     intermediate_size=4096))
    assert large.layers == 8 and large.hidden % large.heads == 0 and 400 <= large.hidden <= 440


def test_resolve_shape_fills_unset_fields_and_checks_heads():
    assert resolve_shape(TinyBertShape(layers=3), MINILM) == TinyBertShape(3, 384, 12, 1536)
    with pytest.raises(ConfigError, match="multiple of its 12 attention heads"):
        resolve_shape(TinyBertShape(hidden=100), MINILM)
    with pytest.raises(ConfigError):
        TinyBertShape(layers=0)


def test_uniform_layer_map():
    assert uniform_layer_map(4, 12) == {0: 2, 1: 5, 2: 8, 3: 11}  # the paper's layers 3, 6, 9, 12
    assert uniform_layer_map(2, 6) == {0: 2, 1: 5}
    assert format_layer_map(parse_layer_map("uniform", 3, 6)) == "0:1,1:3,2:5"


def test_explicit_layer_map_and_its_errors():
    assert parse_layer_map("1:4, 0:2", 2, 6) == {0: 2, 1: 4}
    assert parse_layer_map("0:5", 2, 6) == {0: 5}  # layer 1 gets no layer loss
    for text, message in [("0:6", "teacher has layers 0..5"), ("2:1", "student has layers 0..1"),
                          ("0:1,0:2", "mapped twice"), ("0-1", "STUDENT:TEACHER")]:
        with pytest.raises(ConfigError, match=message):
            parse_layer_map(text, 2, 6)
    with pytest.raises(ConfigError, match="more than the teacher"):
        parse_layer_map("uniform", 8, 6)


def tiny_teacher(layers: int = 4) -> BertForSequenceClassification:
    torch.manual_seed(0)
    return BertForSequenceClassification(BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=layers,
                                                    num_attention_heads=4, intermediate_size=37, num_labels=3)).eval()


def test_copying_all_teacher_layers_reproduces_the_teacher():
    teacher = tiny_teacher(2)
    student = BertForSequenceClassification(student_config(TinyBertShape(2, 32, 4, 37), teacher.config,
                                                            num_labels=3)).eval()
    copy_teacher_layers(student, teacher, [0, 1])
    inputs = {"input_ids": torch.randint(5, 100, (2, 6)), "attention_mask": torch.ones(2, 6, dtype=torch.long)}
    assert torch.allclose(student(**inputs).logits, teacher(**inputs).logits, atol=1e-6)


def test_copying_chosen_layers():
    teacher = tiny_teacher(4)
    student = BertModel(student_config(TinyBertShape(2, 32, 4, 37), teacher.config))
    copy_teacher_layers(student, teacher, [1, 3])
    for student_layer, teacher_layer in [(0, 1), (1, 3)]:
        mine = student.encoder.layer[student_layer].output.dense.weight
        assert torch.equal(mine, teacher.bert.encoder.layer[teacher_layer].output.dense.weight)
    assert not copy_teacher_head(student, teacher)  # an encoder has no head to start


def test_copying_needs_the_teachers_width():
    teacher = tiny_teacher(2)
    narrow = BertModel(student_config(TinyBertShape(1, 16, 4, 37), teacher.config))
    with pytest.raises(ModelError, match="hidden_size differs"):
        copy_teacher_layers(narrow, teacher, [1])
