"""Golden values: each SRA loss against the formula computed by hand."""

import math

import pytest
import torch

from bertdistill.losses.representation import representation_cosine, representation_mse, sra_objective

STUDENT = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
TEACHER = torch.tensor([[2.0, 2.0], [1.0, 1.0]])


def test_mse_averages_over_batch_and_dimensions():
    # squared differences: (1, 0) and (1, 4) -> sum 6 over B*d = 4 elements
    assert representation_mse(STUDENT, TEACHER).item() == pytest.approx(6 / 4)


def test_cosine_distance():
    cos_first = (1 * 2 + 2 * 2) / (math.sqrt(5) * math.sqrt(8))
    cos_second = (0 * 1 + -1 * 1) / (1 * math.sqrt(2))
    expected = ((1 - cos_first) + (1 - cos_second)) / 2
    assert representation_cosine(STUDENT, TEACHER).item() == pytest.approx(expected)


def sra_loss(loss: str, **weights) -> float:
    return sra_objective(loss, **weights)(student=STUDENT, teacher=TEACHER, temperature=0.5)["loss"].item()


def test_combined_loss_weights_the_cosine_term():
    expected = representation_mse(STUDENT, TEACHER) + 0.5 * representation_cosine(STUDENT, TEACHER)
    assert sra_loss("mse+cosine", cosine_weight=0.5) == pytest.approx(expected.item())
    assert sra_loss("mse") == pytest.approx(1.5)


def test_the_relational_term_adds_at_its_weight_and_reports_each_part():
    from bertdistill.losses.representation import representation_similarity

    parts = sra_objective("cosine", similarity_weight=2.0)(student=STUDENT, teacher=TEACHER, temperature=0.5)
    expected = representation_cosine(STUDENT, TEACHER) + 2.0 * representation_similarity(STUDENT, TEACHER)
    assert parts["loss"].item() == pytest.approx(expected.item())
    assert set(parts) == {"loss", "cosine", "similarity"}      # the token term (weight 0) is not computed
    assert not sra_objective("cosine").needs("student_tokens") and sra_objective("cosine", token_weight=1).needs(
        "student_tokens")


def test_cosine_ignores_scale_but_mse_does_not():
    assert representation_cosine(3 * TEACHER, TEACHER).item() == pytest.approx(0.0, abs=1e-6)
    assert representation_mse(3 * TEACHER, TEACHER).item() > 0


def test_unknown_loss():
    with pytest.raises(ValueError, match="loss must be one of"):
        sra_objective("kl")
    with pytest.raises(ValueError, match="weights must be >= 0"):
        sra_objective("cosine", similarity_weight=-1.0)


def test_contrastive_is_in_batch_infonce_on_cosine():
    from bertdistill.losses.representation import representation_contrastive

    # cosine matrix C[i][j] = cos(student_i, teacher_j), worked out by hand
    cos = [[(1 * 2 + 2 * 2) / (math.sqrt(5) * math.sqrt(8)), (1 * 1 + 2 * 1) / (math.sqrt(5) * math.sqrt(2))],
           [(0 * 2 + -1 * 2) / (1 * math.sqrt(8)), (0 * 1 + -1 * 1) / (1 * math.sqrt(2))]]
    tau = 0.5
    expected = 0.0
    for row in range(2):
        logits = [value / tau for value in cos[row]]
        expected += -(logits[row] - math.log(sum(math.exp(value) for value in logits)))
    expected /= 2
    assert representation_contrastive(STUDENT, TEACHER, temperature=tau).item() == pytest.approx(expected, rel=1e-6)
    assert sra_loss("contrastive") == pytest.approx(expected, rel=1e-6)     # sra_loss passes tau = 0.5


def test_token_cosine_averages_over_unmasked_positions_only():
    from bertdistill.losses.representation import token_cosine

    student = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]])     # (1, 3, 2)
    teacher = torch.tensor([[[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]]])
    mask = torch.tensor([[1, 1, 0]])                                   # the third position is padding
    # distances 1 - 1 = 0 and 1 - 0 = 1 over two positions
    assert token_cosine(student, teacher, mask).item() == pytest.approx(0.5)


def test_similarity_compares_in_batch_cosine_matrices():
    from bertdistill.losses.representation import representation_similarity

    # off-diagonal cosines by hand: student cos(s_1, s_2) = -2 / sqrt(5), teacher cos(t_1, t_2) = 4 / (sqrt(8) sqrt(2))
    student_pair = (1 * 0 + 2 * -1) / (math.sqrt(5) * 1)
    teacher_pair = (2 * 1 + 2 * 1) / (math.sqrt(8) * math.sqrt(2))
    expected = 2 * (student_pair - teacher_pair) ** 2 / 4            # two off-diagonal entries, diagonals agree
    assert representation_similarity(STUDENT, TEACHER).item() == pytest.approx(expected, rel=1e-6)


def test_similarity_ignores_rotation_and_scale_of_the_student():
    from bertdistill.losses.representation import representation_similarity

    rotation = torch.tensor([[0.0, -1.0], [1.0, 0.0]])
    assert representation_similarity(3 * TEACHER @ rotation, TEACHER).item() == pytest.approx(0.0, abs=1e-6)
