"""The static student: hand-checked forward, folding, and the same vectors through model2vec,
sentence-transformers, transformers and `bertdistill encode`; the BiLSTM's residual static path."""

import numpy as np
import pytest
import torch

from bertdistill.students import BiLSTMConfig, BiLSTMModel, StaticConfig, StaticModel
from bertdistill.students.static import save_static
from bertdistill.teachers.loading import load_tokenizer

TEXTS = ["the movie was great", "a bad film and a dull plot", "so boring"]


def small_static(tokenizer, projection_dim=3, seed=0) -> StaticModel:
    torch.manual_seed(seed)
    config = StaticConfig(vocab_size=len(tokenizer), hidden_dim=4, projection_dim=projection_dim, token_weights=True,
                          ignored_token_ids=tokenizer.all_special_ids, pad_token_id=tokenizer.pad_token_id)
    model = StaticModel(config)
    with torch.no_grad():
        model.weights.uniform_(0.5, 2.0)
    return model


def test_forward_is_the_weighted_mean_without_special_tokens():
    config = StaticConfig(vocab_size=6, hidden_dim=2, token_weights=True, ignored_token_ids=[0, 1])
    model = StaticModel(config)
    with torch.no_grad():
        model.embeddings.copy_(torch.tensor([[9.0, 9], [9, 9], [1, 0], [0, 2], [4, 4], [1, 1]]))
        model.weights.copy_(torch.tensor([1.0, 1, 2, 3, 0.5, 1]))
    ids = torch.tensor([[1, 2, 3, 0], [1, 4, 0, 0]])        # [CLS]-like 1 and padding 0 never count
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    out = model(ids, mask).sentence_embedding
    # row 1: (2*[1,0] + 3*[0,2]) / 2 = [1, 3]; row 2: 0.5*[4,4] / 1 = [2, 2]
    assert torch.allclose(out, torch.tensor([[1.0, 3.0], [2.0, 2.0]]))


def test_fold_gives_the_same_sentence_vectors(tiny_bert):
    tokenizer = load_tokenizer(str(tiny_bert))
    model = small_static(tokenizer)
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    before = model(batch["input_ids"], batch["attention_mask"]).sentence_embedding
    folded = model.fold()
    assert folded.weights is None and folded.projection is None and folded.embeddings.shape == (len(tokenizer), 3)
    assert torch.allclose(folded(batch["input_ids"], batch["attention_mask"]).sentence_embedding, before, atol=1e-6)


def test_saved_static_student_loads_in_model2vec_sentence_transformers_and_bertdistill(tiny_bert, tmp_path):
    from model2vec import StaticModel as Model2VecModel
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel

    from bertdistill.encoding import encode

    tokenizer = load_tokenizer(str(tiny_bert))
    model = small_static(tokenizer)
    save_static(model, tokenizer, tmp_path / "static")
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    expected = torch.nn.functional.normalize(model(batch["input_ids"], batch["attention_mask"]).sentence_embedding,
                                             dim=-1).detach().numpy()
    by_model2vec = Model2VecModel.from_pretrained(str(tmp_path / "static")).encode(TEXTS)
    by_sentence_transformers = SentenceTransformer(str(tmp_path / "static")).encode(TEXTS)
    by_bertdistill = encode(str(tmp_path / "static"), TEXTS, normalize=True)
    reloaded = AutoModel.from_pretrained(tmp_path / "static")
    assert isinstance(reloaded, StaticModel)
    for vectors in (by_model2vec, by_sentence_transformers, by_bertdistill):
        assert np.abs(vectors - expected).max() < 1e-5


def test_residual_bilstm_starts_at_its_static_vector(tiny_bert):
    from bertdistill.students.factory import StudentShape, initialise_embeddings

    tokenizer = load_tokenizer(str(tiny_bert))
    config = BiLSTMConfig(vocab_size=len(tokenizer), embedding_dim=6, hidden_size=4, num_layers=1, projection_dim=5,
                          residual_static=True, ignored_token_ids=tokenizer.all_special_ids, dropout=0.0)
    student = BiLSTMModel(config).eval()
    shape = StudentShape(embedding_dim=6, hidden_size=4, num_layers=1, embedding_init="random", residual_static=True)
    initialise_embeddings(student, torch.zeros(len(tokenizer), 8), shape)
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    out = student(batch["input_ids"], batch["attention_mask"]).sentence_embedding
    # by hand: mean of w_t * e_t over the non-special tokens, through the static projection
    ids, mask = batch["input_ids"], batch["attention_mask"].bool()
    expected = []
    for row in range(len(TEXTS)):
        kept = [int(i) for i, m in zip(ids[row], mask[row]) if m and int(i) not in tokenizer.all_special_ids]
        rows = torch.stack([student.token_weights[i] * student.encoder.embeddings.weight[i] for i in kept])
        expected.append(student.static_projection(rows.mean(dim=0)))
    assert torch.allclose(out, torch.stack(expected), atol=1e-6)


def test_contextual_table_maps_model2vec_rows_to_teacher_ids(tiny_bert, tmp_path):
    from model2vec import StaticModel as Model2VecModel

    from bertdistill.teachers.static_distill import contextual_token_vectors, model2vec_baseline

    tokenizer = load_tokenizer(str(tiny_bert))
    vocabulary = tokenizer.get_vocab()
    table = contextual_token_vectors(str(tiny_bert), vocabulary, len(tokenizer), 8, tmp_path)
    library = Model2VecModel.from_pretrained(str(model2vec_baseline(str(tiny_bert), tmp_path, pca_dims=8)))
    for index, token in enumerate(library.tokens):
        assert np.allclose(table[vocabulary[token]], np.asarray(library.embedding[index], dtype=np.float32))
    assert not table[tokenizer.cls_token_id].any()         # the library leaves [CLS] out: a zero row


def test_static_config_rejects_bad_shapes():
    with pytest.raises(ValueError, match="hidden_dim"):
        StaticConfig(hidden_dim=0)
    with pytest.raises(ValueError, match="residual_static needs projection_dim"):
        BiLSTMConfig(residual_static=True, projection_dim=0)
