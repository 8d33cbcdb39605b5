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


def residual_bilstm(tokenizer, embedding_dim=6, projection_dim=3, residual=True) -> BiLSTMModel:
    config = BiLSTMConfig(vocab_size=len(tokenizer), embedding_dim=embedding_dim, hidden_size=4, num_layers=1,
                          projection_dim=projection_dim, residual_static=residual,
                          ignored_token_ids=tokenizer.all_special_ids, dropout=0.0)
    return BiLSTMModel(config).eval()


def test_bilstm_started_from_a_static_student_encodes_like_it(tiny_bert):
    """The folded table (rank 4 <= 6) is split exactly into token vectors and the static projection; the
    BiLSTM's own projection is zero, so the new student's vectors are the static student's."""
    from bertdistill.students.factory import initialise_from_static

    tokenizer = load_tokenizer(str(tiny_bert))
    static = small_static(tokenizer).eval()
    student = residual_bilstm(tokenizer)
    kept = initialise_from_static(student, static.folded_table())
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    expected = static(batch["input_ids"], batch["attention_mask"]).sentence_embedding
    out = student(batch["input_ids"], batch["attention_mask"]).sentence_embedding
    assert kept == pytest.approx(1.0)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-4)
    assert torch.equal(student.token_weights, torch.ones(len(tokenizer)))
    used = student.encoder.embeddings.weight[student.encoder.embeddings.weight.abs().sum(dim=1) > 0]
    assert used.std().item() == pytest.approx(student.config.initializer_range, rel=0.2)  # LSTM-scale inputs


def test_bilstm_narrower_than_the_static_table_keeps_its_leading_directions(tiny_bert):
    """Width 2 < rank 4: the static path is the table's best rank-2 approximation; the energy kept is the
    share of the two largest squared singular values."""
    from bertdistill.students.factory import initialise_from_static

    tokenizer = load_tokenizer(str(tiny_bert))
    table = small_static(tokenizer).folded_table()                               # (V, 3), rank 3
    student = residual_bilstm(tokenizer, embedding_dim=2)
    kept = initialise_from_static(student, table)
    singular = torch.linalg.svdvals(table.double())
    assert kept == pytest.approx(float(singular[:2].square().sum() / singular.square().sum()), rel=1e-6)
    approximation = student.encoder.embeddings.weight.detach() @ student.static_projection.weight.detach().T
    residual = torch.linalg.matrix_norm((approximation - table).double())
    assert residual.item() == pytest.approx(singular[2].item(), rel=1e-4)        # Eckart-Young: the third value


def test_static_start_needs_the_residual_path_and_the_right_width(tiny_bert):
    from bertdistill.errors import ConfigError, ModelError
    from bertdistill.students.factory import initialise_from_static

    tokenizer = load_tokenizer(str(tiny_bert))
    table = small_static(tokenizer).folded_table()
    with pytest.raises(ConfigError, match="residual static path"):
        initialise_from_static(residual_bilstm(tokenizer, residual=False), table)
    with pytest.raises(ModelError, match="projects to 5"):
        initialise_from_static(residual_bilstm(tokenizer, projection_dim=5), table)


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
