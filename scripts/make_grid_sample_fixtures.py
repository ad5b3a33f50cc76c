#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_grid_sample.npz: PyTorch's F.grid_sample (bilinear,
nearest, bicubic; zeros, border, reflection padding; align_corners false and true) and
F.affine_grid in float64, with the gradients of sum(y * gy) for a fixed random gy. Run with
Debian's python3-torch:
    /usr/bin/python3 scripts/make_grid_sample_fixtures.py
The input and grid are x and grid; case <mode>_<padding>_ac<0|1> stores _y, _gy, _gx and
_ggrid. The grid reaches
past [-1, 1] (every padding rule is exercised) and holds points exactly on -1, 0 and 1
(PyTorch's gradient at the clip's ends). Case affine_ac<0|1> stores _theta, _y (the grid of
size (2, 3, 4, 5)), _gy and _gtheta. PyTorch 1.13 has no second derivative of grid_sample
(grid_sampler_2d_backward's is not implemented): xgrad's is gradgradchecked instead.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
x = torch.randn(2, 3, 4, 5)
grid = torch.rand(2, 6, 7, 2) * 3.0 - 1.5
grid[0, 0, :3, 0] = torch.tensor([-1.0, 0.0, 1.0])  # exactly on the ends and the centre
grid[0, 1, :3, 1] = torch.tensor([1.0, -1.0, 0.0])
grid[1, 2, 2] = torch.tensor([1.0, 1.0])
out = {"x": x, "grid": grid}
for mode in ("bilinear", "nearest", "bicubic"):
    for padding in ("zeros", "border", "reflection"):
        for corners in (False, True):
            name = f"{mode}_{padding}_ac{int(corners)}"
            xi, gi = x.clone().requires_grad_(True), grid.clone().requires_grad_(True)
            y = F.grid_sample(xi, gi, mode=mode, padding_mode=padding, align_corners=corners)
            gy = torch.randn_like(y)
            gx, gg = torch.autograd.grad((y * gy).sum(), [xi, gi])
            out.update({f"{name}_y": y.detach(), f"{name}_gy": gy, f"{name}_gx": gx, f"{name}_ggrid": gg})
for corners in (False, True):
    name = f"affine_ac{int(corners)}"
    theta = torch.randn(2, 2, 3).requires_grad_(True)
    y = F.affine_grid(theta, [2, 3, 4, 5], align_corners=corners)
    gy = torch.randn_like(y)
    (gt,) = torch.autograd.grad((y * gy).sum(), [theta])
    out.update({f"{name}_theta": theta.detach(), f"{name}_y": y.detach(), f"{name}_gy": gy, f"{name}_gtheta": gt})
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_grid_sample.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
