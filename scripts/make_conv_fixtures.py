#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_conv.npz: PyTorch's convolution, transposed convolution
and pooling outputs and gradients in float64 over strides, padding, dilation and groups,
so the suite checks xgrad against PyTorch without needing it. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_conv_fixtures.py
Each case <name> stores <name>_x, _w, _b (inputs), _y (output), _gy (a fixed random output
gradient) and _gx, _gw, _gb (the gradients of sum(y * gy)).
A rerun draws the same inputs, but PyTorch's float64 convolutions round their last bits
differently under different OpenBLAS kernels (OPENBLAS_CORETYPE) and thread counts; the
committed file keeps each array from the run that added its case (cases are appended, and
the new arrays merged in), so earlier cases never move.
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def case(name, fn, x, w=None, b=None):
    ins = [t for t in (x, w, b) if t is not None]
    for t in ins:
        t.requires_grad_(True)
    y = fn(x, w, b)
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins)
    out[f"{name}_x"], out[f"{name}_y"], out[f"{name}_gy"] = x.detach(), y.detach(), gy
    out[f"{name}_gx"] = grads[0]
    if w is not None:
        out[f"{name}_w"], out[f"{name}_gw"] = w.detach(), grads[1]
    if b is not None:
        out[f"{name}_b"], out[f"{name}_gb"] = b.detach(), grads[2]


r = torch.randn
case("conv_plain", lambda x, w, b: F.conv2d(x, w, b), r(2, 3, 7, 7), r(4, 3, 3, 3), r(4))
case("conv_s2p1", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), r(2, 3, 7, 7), r(4, 3, 3, 3), r(4))
case("conv_rect", lambda x, w, b: F.conv2d(x, w, b, stride=(3, 1), padding=(2, 1)), r(1, 5, 15, 15), r(8, 5, 3, 3), r(8))
case("conv_dil", lambda x, w, b: F.conv2d(x, w, None, stride=1, padding=2, dilation=2), r(2, 2, 9, 8), r(3, 2, 3, 2))
case("conv_groups", lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2), r(2, 4, 6, 6), r(6, 2, 3, 3), r(6))
case("conv_1x1", lambda x, w, b: F.conv2d(x, w, b), r(3, 4, 5, 5), r(2, 4, 1, 1), r(2))
case("convt_plain", lambda x, w, b: F.conv_transpose2d(x, w, b), r(2, 3, 4, 4), r(3, 2, 3, 3), r(2))
case("convt_s2p1", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     r(2, 3, 4, 5), r(3, 4, 3, 3), r(4))
case("convt_groups", lambda x, w, b: F.conv_transpose2d(x, w, None, stride=2, groups=2, dilation=2),
     r(1, 4, 3, 3), r(4, 3, 2, 2))
case("maxpool_2", lambda x, w, b: F.max_pool2d(x, 2), r(2, 3, 8, 8))
case("maxpool_3s2p1", lambda x, w, b: F.max_pool2d(x, 3, stride=2, padding=1), r(2, 2, 7, 6))
case("maxpool_dil", lambda x, w, b: F.max_pool2d(x, 2, stride=1, dilation=2), r(1, 2, 6, 6))
case("avgpool_2", lambda x, w, b: F.avg_pool2d(x, 2), r(2, 3, 8, 8))
case("avgpool_3s2p1", lambda x, w, b: F.avg_pool2d(x, 3, stride=2, padding=1), r(2, 2, 7, 6))
case("avgpool_nopad", lambda x, w, b: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), r(2, 2, 7, 6))
case("adaptive_3x2", lambda x, w, b: F.adaptive_avg_pool2d(x, (3, 2)), r(2, 3, 7, 5))
case("pad_mixed", lambda x, w, b: F.pad(x, (1, 2, -1, 3), value=0.5), r(2, 3, 4, 5))

# 1-D: convolution over strides, padding, dilation and groups; pooling.
case("conv1d_plain", lambda x, w, b: F.conv1d(x, w, b), r(2, 3, 9), r(4, 3, 3), r(4))
case("conv1d_s2p1d2", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), r(2, 3, 11), r(5, 3, 3), r(5))
case("conv1d_groups", lambda x, w, b: F.conv1d(x, w, None, padding=2, groups=2), r(3, 4, 8), r(6, 2, 4))
case("maxpool1d_3s2p1", lambda x, w, b: F.max_pool1d(x, 3, stride=2, padding=1), r(2, 3, 10))
case("maxpool1d_dil", lambda x, w, b: F.max_pool1d(x, 2, stride=1, dilation=3), r(2, 2, 9))
case("avgpool1d_2", lambda x, w, b: F.avg_pool1d(x, 2), r(2, 3, 9))
case("avgpool1d_nopad", lambda x, w, b: F.avg_pool1d(x, 3, stride=2, padding=1, count_include_pad=False), r(2, 2, 8))

# Padding modes (appended, so the draws above stay the same): reflect, replicate, circular
# over 1-3 axes, with crops; the convolution modules' padding_mode.
case("pad_reflect1d", lambda x, w, b: F.pad(x, (2, 3), mode="reflect"), r(2, 3, 5))
case("pad_reflect2d", lambda x, w, b: F.pad(x, (1, 2, 3, 0), mode="reflect"), r(2, 3, 4, 5))
case("pad_reflect_crop", lambda x, w, b: F.pad(x, (-1, 2, 1, -2), mode="reflect"), r(1, 2, 5, 4))
case("pad_reflect3d", lambda x, w, b: F.pad(x, (1, 1, 2, 0, 1, 2), mode="reflect"), r(1, 2, 3, 4, 5))
case("pad_replicate1d", lambda x, w, b: F.pad(x, (4, 1), mode="replicate"), r(2, 3, 3))
case("pad_replicate2d", lambda x, w, b: F.pad(x, (2, 1, 0, 3), mode="replicate"), r(2, 2, 3, 4))
case("pad_circular2d", lambda x, w, b: F.pad(x, (1, 2, 2, 1), mode="circular"), r(2, 2, 3, 4))
case("pad_circular_crop", lambda x, w, b: F.pad(x, (-1, 3), mode="circular"), r(1, 2, 4))


def conv_with_mode(module, padding, mode, stride=1):
    def run(x, w, b):
        m = module(w.shape[1], w.shape[0], w.shape[2:], stride=stride, padding=padding, padding_mode=mode)
        return m._conv_forward(x, w, b)
    return run


case("convpad_reflect", conv_with_mode(torch.nn.Conv2d, (1, 2), "reflect"), r(2, 3, 5, 6), r(4, 3, 3, 3), r(4))
case("convpad_circular", conv_with_mode(torch.nn.Conv2d, 2, "circular", stride=2), r(1, 2, 5, 5), r(3, 2, 3, 2), r(3))
case("convpad_replicate", conv_with_mode(torch.nn.Conv2d, (2, 1), "replicate"), r(2, 2, 4, 3), r(2, 2, 3, 3), r(2))
case("conv1dpad_replicate", conv_with_mode(torch.nn.Conv1d, 2, "replicate"), r(2, 3, 6), r(4, 3, 3), r(4))
case("conv1dpad_reflect", conv_with_mode(torch.nn.Conv1d, 1, "reflect", stride=2), r(1, 2, 7), r(2, 2, 3), r(2))

# Rearranging layers (appended): unfold / fold with strides, padding, dilation; pixel
# shuffle and unshuffle, with a leading batch axis of their own.
case("unfold_s2p1d", lambda x, w, b: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2), r(2, 3, 5, 6))
case("fold_plain", lambda x, w, b: F.fold(x, (5, 6), 2), r(2, 12, 20))
case("fold_s2p1d", lambda x, w, b: F.fold(x, (7, 6), (2, 3), dilation=(2, 1), padding=1, stride=(2, 1)), r(1, 12, 24))
case("pixel_shuffle", lambda x, w, b: F.pixel_shuffle(x, 2), r(2, 8, 3, 4))
case("pixel_shuffle5d", lambda x, w, b: F.pixel_shuffle(x, 3), r(1, 2, 18, 2, 3))
case("pixel_unshuffle", lambda x, w, b: F.pixel_unshuffle(x, 2), r(2, 2, 4, 6))

# Adaptive max pooling (appended): overlapping windows (7 x 5 -> 3 x 2), windows of uneven
# sizes (5 x 7 -> 4 x 4), global; with the positions of the maxima (_i).
torch.manual_seed(7)
for name, size, shape in (("adaptivemax_3x2", (3, 2), (2, 3, 7, 5)), ("adaptivemax_4x4", (4, 4), (1, 2, 5, 7)),
                          ("adaptivemax_1", (1, 1), (2, 2, 4, 6))):
    case(name, lambda x, w, b, size=size: F.adaptive_max_pool2d(x, size), r(*shape))
    out[f"{name}_i"] = F.adaptive_max_pool2d(out[f"{name}_x"], size, return_indices=True)[1]

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_conv.npz"
np.savez(path, **{k: np.asarray(v.detach() if torch.is_tensor(v) else v, dtype=np.float64) for k, v in out.items()})
print(f"wrote {path} (torch {torch.__version__}, {len(out)} arrays)")
