from bertdistill.evaluation.speed import compare_throughput, count_parameters, make_batches
from bertdistill.students import BiLSTMConfig, BiLSTMModel


def test_count_parameters_separates_embeddings():
    config = BiLSTMConfig(vocab_size=50, embedding_dim=4, hidden_size=3, num_layers=1, projection_dim=5)
    counts = count_parameters(BiLSTMModel(config))
    lstm = 2 * (4 * 3 * (4 + 3) + 2 * 4 * 3)  # two directions: W_ih, W_hh and two biases per gate block
    projection = 6 * 5 + 5
    assert counts == {"parameters": 50 * 4 + lstm + projection, "parameters_without_embeddings": lstm + projection}


def test_compare_throughput_reports_every_model(tiny_bert):
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    batches = make_batches(tokenizer, ["the film was good"] * 10, batch_size=4, max_length=16)
    assert [len(batch["input_ids"]) for batch in batches] == [4, 4, 2]
    student = BiLSTMModel(BiLSTMConfig(vocab_size=len(tokenizer), embedding_dim=8, hidden_size=4, projection_dim=0))
    speed = compare_throughput({"teacher": AutoModel.from_pretrained(tiny_bert), "student": student}, batches,
                               repeats=2)
    assert set(speed) == {"teacher", "student"} and all(value > 0 for value in speed.values())
