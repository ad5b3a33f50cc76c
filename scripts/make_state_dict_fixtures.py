#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_state/: for every module type, a PyTorch state_dict saved
the way a user saves one for xgrad,
    numpy.savez(path, **{k: v.numpy() for k, v in model.state_dict().items()}),
and, in torch_state_io.npz, an input and PyTorch's output for it (float64), so that the test
loads each state_dict into the xgrad model of the same architecture with xg::load and
compares outputs to 1e-10. BatchNorm cases also store a training-mode step: its output and
the running statistics after it. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_state_dict_fixtures.py
"""
import pathlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)
root = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"
state_dir = root / "torch_state"
state_dir.mkdir(exist_ok=True)
io = {}


class SmallCnn(nn.Module):
    """Conv, BatchNorm, pooling, dropout and linear layers under named attributes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 8, 3)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.relu(self.bn2(self.conv2(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 2), 1)
        return self.fc2(self.drop(F.relu(self.fc1(x))))


def randomize(model):
    """Non-trivial values everywhere, also where PyTorch initialises to 0 or 1."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.5)


def save(name, model, x, extra=None):
    model.eval()
    with torch.no_grad():
        y = model(x)
    if isinstance(y, tuple):
        y = y[0]
    np.savez(state_dir / f"{name}.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
    io[f"{name}.x"] = x.numpy()
    io[f"{name}.y"] = y.numpy()
    for k, v in (extra or {}).items():
        io[f"{name}.{k}"] = v


def train_steps(model, batches):
    """A few SGD steps in training mode, so BatchNorm's running statistics and counter move."""
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    model.train()
    for x in batches:
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()


def batchnorm_case(name, model, shape):
    train_steps(model, [torch.randn(*shape) for _ in range(3)])
    x, x2 = torch.randn(*shape), torch.randn(*shape)
    model.eval()
    with torch.no_grad():
        y = model(x)
    np.savez(state_dir / f"{name}.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
    model.train()
    with torch.no_grad():
        train_y = model(x2)
    io.update({f"{name}.x": x.numpy(), f"{name}.y": y.numpy(), f"{name}.x2": x2.numpy(),
               f"{name}.train_y": train_y.numpy(), f"{name}.running_mean": model.running_mean.numpy(),
               f"{name}.running_var": model.running_var.numpy()})


save("linear", nn.Linear(5, 3), torch.randn(4, 5))
save("linear_nobias", nn.Linear(5, 3, bias=False), torch.randn(4, 5))
save("conv", nn.Conv2d(3, 4, 3, stride=2, padding=1), torch.randn(2, 3, 7, 7))
save("conv_grouped", nn.Conv2d(4, 6, (3, 2), padding=(2, 1), dilation=2, groups=2, bias=False), torch.randn(2, 4, 6, 5))
save("conv_transpose", nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
     torch.randn(2, 4, 4, 3))
batchnorm_case("bn1d", nn.BatchNorm1d(5), (6, 5))
bn2 = nn.BatchNorm2d(3)
randomize(bn2)
batchnorm_case("bn2d", bn2, (4, 3, 5, 5))
ln = nn.LayerNorm([4, 5])
randomize(ln)
save("layernorm", ln, torch.randn(3, 4, 5))
save("embedding", nn.Embedding(10, 4, padding_idx=0), torch.tensor([[0, 3, 9], [2, 2, 5]]))
save("lstm", nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True), torch.randn(2, 5, 3))
save("gru", nn.GRU(3, 4), torch.randn(5, 2, 3))
save("rnn", nn.RNN(3, 4, nonlinearity="relu", bias=False), torch.randn(5, 2, 3))
save("lstm_cell", nn.LSTMCell(3, 4), torch.randn(2, 3))
save("gru_cell", nn.GRUCell(3, 4), torch.randn(2, 3))
save("rnn_cell", nn.RNNCell(3, 4, nonlinearity="tanh"), torch.randn(2, 3))
save("sequential", nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)), torch.randn(3, 4))
cnn = SmallCnn()
train_steps(cnn, [torch.randn(8, 1, 12, 12) for _ in range(3)])
save("cnn", cnn, torch.randn(5, 1, 12, 12))

np.savez(root / "torch_state_io.npz", **io)
print(f"wrote {len(list(state_dir.glob('*.npz')))} state_dicts to {state_dir} and {len(io)} arrays to torch_state_io.npz "
      f"(torch {torch.__version__})")
