"""Golden values for TinyBERT's intermediate losses and their combination, computed by hand from the
formulas in the docstrings (padding excluded from sums and denominators)."""

import pytest
import torch

from bertdistill.losses.intermediate import attention_score_mse, hidden_state_mse
from bertdistill.losses.intermediate_objective import IntermediateObjective
from bertdistill.teachers.layer_outputs import LayerOutputs


def test_attention_score_mse_full_mask():
    student = torch.zeros(1, 1, 2, 2)
    teacher = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    # (1 + 4 + 9 + 16) / (1 head * 4 pairs)
    assert attention_score_mse(student, teacher, torch.ones(1, 2)).item() == pytest.approx(7.5)


def test_attention_score_mse_excludes_padded_queries_and_keys_and_averages_heads():
    student = torch.zeros(1, 2, 2, 2)
    teacher = torch.tensor([[[[1.0, 50.0], [60.0, 70.0]], [[3.0, 80.0], [90.0, 99.0]]]])
    mask = torch.tensor([[1, 0]])
    # only the pair (0, 0) is real: (1^2 + 3^2) / (2 heads * 1 pair) = 5; padded values do not matter
    assert attention_score_mse(student, teacher, mask).item() == pytest.approx(5.0)
    two = torch.cat([teacher, teacher * 0 + 1]), torch.tensor([[1, 0], [1, 1]])
    # second row: 4 real pairs per head, each (0 - 1)^2 = 1 -> 8; total (10 + 8) / (2 heads * 5 pairs)
    assert attention_score_mse(torch.zeros(2, 2, 2, 2), *two).item() == pytest.approx(18 / 10)


def test_hidden_state_mse_averages_over_real_tokens_and_width():
    student = torch.tensor([[[1.0, 1.0], [5.0, 5.0]]])
    teacher = torch.tensor([[[0.0, 3.0], [0.0, 0.0]]])
    # token 0 only: ((1-0)^2 + (1-3)^2) / (1 token * 2 dims) = 2.5
    assert hidden_state_mse(student, teacher, torch.tensor([[1, 0]])).item() == pytest.approx(2.5)
    # both tokens: (1 + 4 + 25 + 25) / 4
    assert hidden_state_mse(student, teacher, torch.tensor([[1, 1]])).item() == pytest.approx(55 / 4)


def test_shape_mismatches_are_errors():
    with pytest.raises(ValueError, match="attention scores differ"):
        attention_score_mse(torch.zeros(1, 2, 3, 3), torch.zeros(1, 4, 3, 3), torch.ones(1, 3))
    with pytest.raises(ValueError, match="after projection"):
        hidden_state_mse(torch.zeros(1, 3, 4), torch.zeros(1, 3, 8), torch.ones(1, 3))


def outputs(embedding: float, hidden: float, scores: torch.Tensor) -> LayerOutputs:
    return LayerOutputs(embeddings=torch.full((1, 2, 2), embedding), hidden=[torch.full((1, 2, 2), hidden)],
                        scores=[scores])


def test_objective_weights_the_parts():
    student = outputs(1.0, 2.0, torch.zeros(1, 2, 2, 2))
    teacher = outputs(0.0, 0.0, torch.ones(1, 2, 2, 2))
    parts = IntermediateObjective(0.5, 2.0, 3.0)(student, teacher, torch.ones(1, 2))
    assert parts["embedding"].item() == pytest.approx(1.0)
    assert parts["attention"].item() == pytest.approx(1.0)
    assert parts["hidden"].item() == pytest.approx(4.0)
    assert parts["loss"].item() == pytest.approx(0.5 * 1 + 2 * 1 + 3 * 4)


def test_mean_head_strategy_compares_head_averages():
    student = outputs(0.0, 0.0, torch.zeros(1, 2, 2, 2))                 # 2 heads
    teacher = outputs(0.0, 0.0, torch.stack([torch.full((2, 2), 1.0), torch.full((2, 2), 3.0)])[None])
    # head average of the teacher is 2 everywhere: (2^2) per pair, 1 "head"
    assert IntermediateObjective(heads="mean")(student, teacher, torch.ones(1, 2))["attention"].item() == 4.0
    # head by head: (1 + 9) / 2
    assert IntermediateObjective()(student, teacher, torch.ones(1, 2))["attention"].item() == 5.0


def test_objective_rejects_bad_weights():
    with pytest.raises(ValueError):
        IntermediateObjective(0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        IntermediateObjective(-1.0)


def test_shares_averaged_with_the_whole_batchs_counts_give_the_whole_batchs_loss():
    """Two processes each holding half a batch: with the whole batch's counts halved (what a process passes),
    the mean of their losses is the one-process loss; with their own counts it is not (unequal lengths)."""
    from bertdistill.losses.intermediate import RealCounts

    generator = torch.Generator().manual_seed(0)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 0, 0]])          # (4, T): shares of 7 and 3
    student, teacher = torch.randn(2, 4, 4, 6, generator=generator)                       # (B, T, d)
    scores, teacher_scores = torch.randn(2, 4, 3, 4, 4, generator=generator)              # (B, h, T, T)
    whole = RealCounts.of(mask)
    assert (whole.tokens.item(), whole.pairs.item()) == (10, 16 + 9 + 1 + 4)
    halved = RealCounts(whole.tokens / 2, whole.pairs / 2)
    for loss, (mine, theirs) in ((hidden_state_mse, (student, teacher)), (attention_score_mse, (scores, teacher_scores))):
        one = loss(mine, theirs, mask)
        shared = (loss(mine[:2], theirs[:2], mask[:2], halved) + loss(mine[2:], theirs[2:], mask[2:], halved)) / 2
        own = (loss(mine[:2], theirs[:2], mask[:2]) + loss(mine[2:], theirs[2:], mask[2:])) / 2
        assert shared.item() == pytest.approx(one.item(), rel=1e-6) and own.item() != pytest.approx(one.item(), rel=1e-3)
        assert loss(mine, theirs, mask, whole).item() == one.item()   # one process: its own counts, unchanged
