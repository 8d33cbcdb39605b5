"""Golden values for the KD logit losses, computed by hand from the formulas in the docstrings."""

import math

import pytest
import torch

from bertdistill.losses.logits import gold_loss, logit_mse, soft_cross_entropy
from bertdistill.losses.objectives import KDObjective

STUDENT = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
TEACHER = torch.tensor([[2.0, 0.0], [0.0, 1.0]])


def test_logit_mse_sums_over_classes_and_averages_over_examples():
    # row 1: (1-2)^2 + (2-0)^2 = 5; row 2: 0 + (-1-1)^2 = 4; mean 4.5
    assert logit_mse(STUDENT, TEACHER).item() == pytest.approx(4.5)
    assert logit_mse(torch.tensor([[0.5]]), torch.tensor([[2.0]])).item() == pytest.approx(2.25)  # regression


def soft_ce_by_hand(student_row, teacher_row, temperature):
    teacher_exp = [math.exp(value / temperature) for value in teacher_row]
    student_exp = [math.exp(value / temperature) for value in student_row]
    p = [value / sum(teacher_exp) for value in teacher_exp]
    log_q = [math.log(value / sum(student_exp)) for value in student_exp]
    return -sum(pi * lq for pi, lq in zip(p, log_q))


@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_soft_cross_entropy_golden(temperature):
    expected = temperature**2 * (soft_ce_by_hand([1, 2], [2, 0], temperature)
                                 + soft_ce_by_hand([0, -1], [0, 1], temperature)) / 2
    assert soft_cross_entropy(STUDENT, TEACHER, temperature).item() == pytest.approx(expected, rel=1e-6)


def test_gold_loss_uses_only_gold_rows():
    labels, has_gold = torch.tensor([1, 0]), torch.tensor([1, 0])
    # row 1 only: -log softmax([1, 2])[1] = log(1 + e^-1)
    assert gold_loss(STUDENT, labels, has_gold).item() == pytest.approx(math.log(1 + math.exp(-1)))
    assert gold_loss(STUDENT, labels, torch.tensor([0, 0])).item() == 0.0
    scores = gold_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([2.0, 0.0]), torch.tensor([1, 1]))
    assert scores.item() == pytest.approx((1 + 9) / 2)


def test_objective_mixes_gold_and_distillation_with_alpha():
    labels, has_gold = torch.tensor([1, 0]), torch.tensor([1, 0])
    gold = math.log(1 + math.exp(-1))
    assert KDObjective("mse")(STUDENT, TEACHER, labels, has_gold).item() == pytest.approx(4.5)
    mixed = KDObjective("mse", alpha=0.25)(STUDENT, TEACHER, labels, has_gold).item()
    assert mixed == pytest.approx(0.25 * gold + 0.75 * 4.5)
    assert KDObjective("mse", alpha=1.0)(STUDENT, TEACHER, labels, has_gold).item() == pytest.approx(gold)


def test_soft_ce_is_refused_for_one_output_and_bad_settings():
    with pytest.raises(ValueError, match="regression"):
        KDObjective("soft-ce")(torch.zeros(2, 1), torch.zeros(2, 1), torch.zeros(2), torch.zeros(2))
    with pytest.raises(ValueError):
        KDObjective("kl")
    with pytest.raises(ValueError):
        KDObjective("mse", alpha=1.5)
