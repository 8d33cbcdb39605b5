"""The loss registry and the weighted sum every objective is: names, weights, inputs by name."""

import pytest
import torch

from bertdistill.losses.registry import LOSSES, WeightedSum, register_loss


@register_loss("test-doubled-sum")
def doubled_sum(student):
    return 2 * student.sum()


@register_loss("test-difference")
def difference(student, teacher):
    return (student - teacher).sum()


def test_each_term_gets_the_inputs_it_names_and_the_sum_is_weighted():
    objective = WeightedSum((("test-doubled-sum", 0.5), ("test-difference", 3.0)))
    parts = objective(student=torch.tensor([1.0, 2.0]), teacher=torch.tensor([0.5, 0.5]), unused=object())
    assert parts["test-doubled-sum"].item() == 6.0 and parts["test-difference"].item() == 2.0
    assert parts["loss"].item() == 0.5 * 6.0 + 3.0 * 2.0


def test_zero_weights_are_skipped_and_bad_objectives_refused():
    objective = WeightedSum((("test-doubled-sum", 1.0), ("test-difference", 0.0)))
    assert set(objective(student=torch.ones(2))) == {"loss", "test-doubled-sum"}   # no teacher needed
    with pytest.raises(ValueError, match="no loss named"):
        WeightedSum((("no-such-loss", 1.0),))
    with pytest.raises(ValueError, match="not all 0"):
        WeightedSum((("test-doubled-sum", 0.0),))
    with pytest.raises(ValueError, match="needs \\['teacher'\\]"):
        WeightedSum((("test-difference", 1.0),))(student=torch.ones(2))
    with pytest.raises(ValueError, match="registered already"):
        register_loss("test-difference")(lambda student: student)


def test_the_methods_losses_are_registered_and_every_objective_is_a_weighted_sum():
    from bertdistill.losses.intermediate_objective import IntermediateObjective
    from bertdistill.losses.objectives import KDObjective
    from bertdistill.losses.representation import sra_objective

    assert {"mse", "cosine", "contrastive", "similarity", "token-cosine"} <= set(LOSSES)          # SRA
    assert {"logit-mse", "soft-ce", "gold"} <= set(LOSSES)                                       # KD
    assert {"embedding", "attention", "hidden"} <= set(LOSSES)                                   # TinyBERT
    assert sra_objective("mse+cosine", cosine_weight=0.5).active == (("mse", 1.0), ("cosine", 0.5))
    assert KDObjective("soft-ce", alpha=0.25).terms.active == (("soft-ce", 0.75), ("gold", 0.25))
    assert IntermediateObjective(0.0, 1.0, 2.0).terms.active == (("attention", 1.0), ("hidden", 2.0))
