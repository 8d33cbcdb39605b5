from bertdistill.evaluation.speed import count_parameters
from bertdistill.students import BiLSTMConfig, BiLSTMModel


def test_count_parameters_separates_embeddings():
    config = BiLSTMConfig(vocab_size=50, embedding_dim=4, hidden_size=3, num_layers=1, projection_dim=5,
                          residual_static=False)
    counts = count_parameters(BiLSTMModel(config))
    lstm = 2 * (4 * 3 * (4 + 3) + 2 * 4 * 3)  # two directions: W_ih, W_hh and two biases per gate block
    projection = 6 * 5 + 5
    assert counts == {"parameters": 50 * 4 + lstm + projection, "parameters_without_embeddings": lstm + projection}
