"""A bidirectional LSTM computed without packed sequences, for export.

ONNX has no packed sequences, and exporters fail on `pack_padded_sequence`. This module computes the
same thing from plain one-direction LSTMs that share the original's parameters: padding sits after each
row's end, so the forward direction reaches every real step before any padding, and the backward
direction runs over each row reversed within its length. States at real positions and the final states
equal the packed computation (tested); states at padding positions differ, and every pooling masks them.
"""

from __future__ import annotations

import torch
from torch import nn

PARAMETER_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def reverse_within_length(values: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first `length` steps, leaving its padding in place: (B, T, D) -> (B, T, D)."""
    positions = torch.arange(values.shape[1], device=values.device).unsqueeze(0)        # (1, T)
    last = lengths.unsqueeze(1) - 1                                                      # (B, 1)
    index = torch.where(positions <= last, last - positions, positions)                 # (B, T)
    return torch.gather(values, 1, index.unsqueeze(-1).expand_as(values))


class UnpackedBiLSTM(nn.Module):
    """(embedded (B, T, E), lengths (B,)) -> (states (B, T, 2H), final states (2 * layers, B, H))."""

    def __init__(self, lstm: nn.LSTM) -> None:
        super().__init__()
        if not (lstm.bidirectional and lstm.batch_first) or lstm.proj_size:
            raise ValueError("expected a batch-first bidirectional LSTM without projections")
        object.__setattr__(self, "lstm", lstm)  # not registered: its parameters stay the model's
        # Each direction of each layer as its own plain, one-layer LSTM whose parameters *are* the original's
        # (the same Parameter objects, so nothing is copied and the model's state dict is unchanged).
        object.__setattr__(self, "directions", {})
        for layer in range(lstm.num_layers):
            for suffix in ("", "_reverse"):
                size = lstm.input_size if layer == 0 else 2 * lstm.hidden_size
                plain = nn.LSTM(size, lstm.hidden_size, batch_first=True)
                for name in PARAMETER_NAMES:
                    setattr(plain, f"{name}_l0", getattr(lstm, f"{name}_l{layer}{suffix}"))
                self.directions[layer, suffix] = plain

    def direction(self, inputs: torch.Tensor, layer: int, suffix: str) -> torch.Tensor:
        """One direction of one layer, zero initial state: (B, T, D) -> (B, T, H)."""
        outputs, _ = self.directions[layer, suffix](inputs)
        return outputs

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inputs, finals = embedded, []
        last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, self.lstm.hidden_size)        # (B, 1, H)
        for layer in range(self.lstm.num_layers):
            forward = self.direction(inputs, layer, "")                                  # (B, T, H)
            backward = self.direction(reverse_within_length(inputs, lengths), layer, "_reverse")  # reversed frame
            finals += [forward.gather(1, last).squeeze(1), backward.gather(1, last).squeeze(1)]  # (B, H) each
            inputs = torch.cat([forward, reverse_within_length(backward, lengths)], dim=-1)  # (B, T, 2H)
        return inputs, torch.stack(finals)                                               # (2L, B, H)


def use_unpacked_lstm(model: nn.Module) -> int:
    """Switch every BiLSTM encoder inside `model` to the unpacked computation (for export); returns how
    many. The helper is attached without registering it, so the state dict is unchanged;
    `drop_unpacked_lstm` undoes it."""
    from bertdistill.students.bilstm import BiLSTMEncoder

    count = 0
    for module in model.modules():
        if isinstance(module, BiLSTMEncoder):
            module._unpacked_lstm = UnpackedBiLSTM(module.lstm)
            count += 1
    return count


def drop_unpacked_lstm(model: nn.Module) -> None:
    for module in model.modules():
        if isinstance(getattr(module, "_unpacked_lstm", None), UnpackedBiLSTM):
            del module._unpacked_lstm
