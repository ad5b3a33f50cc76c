#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_interpolate.npz: PyTorch's F.interpolate (nearest,
bilinear, bicubic; align_corners false and true; up and down) in float64, with the gradient
of sum(y * gy) for a fixed random gy. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_interpolate_fixtures.py
Each case <name> stores <name>_x, _y, _gy and _gx; the nonfinite_* cases (one NaN or inf
pixel) store _x and _y only; the scale_* cases resize by scale factors; the nd_* cases are
(N, C, L) sequences and (N, C, D, H, W) volumes.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
x = torch.randn(2, 3, 5, 7)
for mode in ("nearest", "bilinear", "bicubic"):
    for corners in ((None,) if mode == "nearest" else (False, True)):
        for tag, size in (("up", (9, 11)), ("down", (3, 4)), ("mixed", (12, 3)), ("one", (1, 1))):
            name = f"{mode}_{tag}" + ("" if corners is None else f"_ac{int(corners)}")
            xi = x.clone().requires_grad_(True)
            y = F.interpolate(xi, size=size, mode=mode, align_corners=corners)
            gy = torch.randn_like(y)
            (gx,) = torch.autograd.grad((y * gy).sum(), [xi])
            out[f"{name}_x"], out[f"{name}_y"], out[f"{name}_gy"], out[f"{name}_gx"] = x, y.detach(), gy, gx
# NaN and inf locality: one non-finite pixel reaches only the outputs whose kernel reads it
# (4, 25 and 49 of 64 for nearest, bilinear and bicubic in the first case).
for tag, (h, w), (ph, pw), size, bad in (("a", (4, 4), (1, 1), (8, 8), float("nan")),
                                         ("b", (4, 4), (0, 3), (8, 8), float("inf")),
                                         ("c", (5, 7), (2, 4), (9, 11), float("nan")),
                                         ("d", (5, 7), (4, 0), (3, 4), float("-inf"))):
    xb = torch.randn(1, 2, h, w)
    xb[0, 1, ph, pw] = bad
    for mode in ("nearest", "bilinear", "bicubic"):
        for corners in ((None,) if mode == "nearest" else (False, True)):
            name = f"nonfinite_{tag}_{mode}" + ("" if corners is None else f"_ac{int(corners)}")
            out[f"{name}_x"] = xb
            out[f"{name}_y"] = F.interpolate(xb, size=size, mode=mode, align_corners=corners)
# Scale factors (appended: the draws above stay): PyTorch samples with 1 / scale_factor, not
# in / out, except with align_corners, for nearest on an axis kept or exactly doubled and for
# bilinear on an axis kept; recompute_scale_factor resizes by the size alone. Cases
# scale_<tag>_<mode>[_ac<0|1>] store _x, _y, _gy and _gx.
torch.manual_seed(1)
xs = torch.randn(2, 2, 5, 7)
scale_cases = (("s15", (1.5, 1.5), None), ("s17x06", (1.7, 0.6), None), ("s2", (2.0, 2.0), None),
               ("kept", (2.3, 1.1), None), ("s201", (2.01, 1.3), None), ("s3rd", (1 / 3 + 0.5, 0.45), None),
               ("rec", (1.5, 1.7), True))
for mode in ("nearest", "bilinear", "bicubic"):
    for corners in ((None,) if mode == "nearest" else (False, True)):
        for tag, sf, rec in scale_cases:
            name = f"scale_{tag}_{mode}" + ("" if corners is None else f"_ac{int(corners)}")
            xi = xs.clone().requires_grad_(True)
            y = F.interpolate(xi, scale_factor=sf, mode=mode, align_corners=corners, recompute_scale_factor=rec)
            gy = torch.randn_like(y)
            (gx,) = torch.autograd.grad((y * gy).sum(), [xi])
            out[f"{name}_x"], out[f"{name}_y"], out[f"{name}_gy"], out[f"{name}_gx"] = xs, y.detach(), gy, gx
# Sequences and volumes (appended, their own seed): linear over (N, C, L), trilinear over
# (N, C, D, H, W), nearest over both, by size and by scale factor. Cases
# nd_<tag>_<mode>[_ac<0|1>] store _x, _y, _gy and _gx, and _size or _scale.
torch.manual_seed(2)
seq, vol = torch.randn(2, 3, 7), torch.randn(2, 2, 3, 4, 5)
nd_cases = (("seq_up", seq, ("linear", "nearest"), {"size": (11,)}),
            ("seq_down", seq, ("linear", "nearest"), {"size": (3,)}),
            ("seq_s17", seq, ("linear", "nearest"), {"scale_factor": (1.7,)}),
            ("vol_up", vol, ("trilinear", "nearest"), {"size": (5, 6, 8)}),
            ("vol_down", vol, ("trilinear", "nearest"), {"size": (2, 3, 2)}),
            ("vol_s15kept", vol, ("trilinear", "nearest"), {"scale_factor": (1.5, 1.0, 0.6)}),
            ("vol_s2", vol, ("trilinear", "nearest"), {"scale_factor": (2.0, 2.0, 2.0)}))
for tag, xin, modes, how in nd_cases:
    for mode in modes:
        for corners in ((None,) if mode == "nearest" else (False, True)):
            name = f"nd_{tag}_{mode}" + ("" if corners is None else f"_ac{int(corners)}")
            xi = xin.clone().requires_grad_(True)
            y = F.interpolate(xi, mode=mode, align_corners=corners, **how)
            gy = torch.randn_like(y)
            (gx,) = torch.autograd.grad((y * gy).sum(), [xi])
            out[f"{name}_x"], out[f"{name}_y"], out[f"{name}_gy"], out[f"{name}_gx"] = xin, y.detach(), gy, gx
            key = "size" if "size" in how else "scale"
            out[f"{name}_{key}"] = torch.tensor(how["size" if key == "size" else "scale_factor"], dtype=torch.float64)
# area (adaptive average pooling) and nearest-exact (PyTorch's pixel-centre nearest) over
# sequences, images and volumes, by size and by scale factor (appended, their own seed). Cases
# ax_<tag>_<area|nearest-exact> store _x, _y, _gy, _gx and _size or _scale.
torch.manual_seed(3)
seq, img, vol = torch.randn(2, 3, 9), torch.randn(2, 2, 7, 6), torch.randn(1, 2, 5, 4, 6)
ax_cases = (("seq_down", seq, {"size": (4,)}), ("seq_up", seq, {"size": (13,)}), ("seq_s07", seq, {"scale_factor": (0.7,)}),
            ("img_down", img, {"size": (3, 4)}), ("img_up", img, {"size": (10, 9)}),
            ("img_s", img, {"scale_factor": (1.7, 0.6)}), ("vol_mixed", vol, {"size": (3, 6, 4)}),
            ("vol_s", vol, {"scale_factor": (0.5, 1.5, 0.7)}))
for tag, xin, how in ax_cases:
    for mode in ("area", "nearest-exact"):
        name = f"ax_{tag}_{mode}"
        xi = xin.clone().requires_grad_(True)
        y = F.interpolate(xi, mode=mode, **how)
        gy = torch.randn_like(y)
        (gx,) = torch.autograd.grad((y * gy).sum(), [xi])
        out[f"{name}_x"], out[f"{name}_y"], out[f"{name}_gy"], out[f"{name}_gx"] = xin, y.detach(), gy, gx
        key = "size" if "size" in how else "scale"
        out[f"{name}_{key}"] = torch.tensor(how["size" if key == "size" else "scale_factor"], dtype=torch.float64)
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_interpolate.npz"
np.savez_compressed(path, **{k: v.numpy() for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
