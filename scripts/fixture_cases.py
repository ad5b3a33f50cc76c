"""The fixture scripts' shared case recorder: a case is a function of float64 inputs, its value
y, a random upstream gradient gy and the gradient of sum(y * gy) in every input (zeros where an
input is unused), stored as <name>.in<i>, <name>.y, <name>.gy, <name>.g<i> for
tests/test_util.h's expect_fixture_case. Imported by the scripts beside it (run as files, so
their directory is on the path).
"""
import torch


def recorder(out):
    """A record(name, fn, ins) that adds a case's arrays to the dict `out`."""

    def record(name, fn, ins):
        ins = [x.clone().requires_grad_(True) for x in ins]
        y = fn(*ins)
        gy = torch.randn_like(y)
        grads = torch.autograd.grad((y * gy).sum(), ins, allow_unused=True)
        out[f"{name}.y"], out[f"{name}.gy"] = y.detach(), gy
        for i, (x, g) in enumerate(zip(ins, grads)):
            out[f"{name}.in{i}"], out[f"{name}.g{i}"] = x.detach(), torch.zeros_like(x) if g is None else g

    return record
