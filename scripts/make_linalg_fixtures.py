#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_linalg.npz: PyTorch 1.13's torch.linalg in float64 (inv,
det, slogdet, logdet, solve, solve_triangular, cholesky, eigh, eigvalsh, svd, svdvals, qr,
pinv, matrix_norm, matrix_power, multi_dot, cross, vector_norm), values and the
gradients of sum(y * gy) for every input. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make_linalg_fixtures.py
Case <name> (mirrored in tests/autograd/test_linalg.cpp, in this order) stores <name>.in<i>,
<name>.y, <name>.gy and <name>.g<i>. Outputs with a sign freedom are stored through a form
free of it: eigh's eigenvectors V as V * V, the SVD's U and Vh as U * U and Vh * Vh,
slogdet as cat(sign, log|det|).
"""
import pathlib

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}


def record(name, fn, ins):
    ins = [x.detach().clone().requires_grad_() for x in ins]
    y = fn(*ins)
    gy = torch.randn_like(y)
    grads = torch.autograd.grad((y * gy).sum(), ins)
    for i, (x, g) in enumerate(zip(ins, grads)):
        out[f"{name}.in{i}"], out[f"{name}.g{i}"] = x.detach(), g
    out[f"{name}.y"], out[f"{name}.gy"] = y.detach(), gy


def well_conditioned(*shape):
    return torch.randn(*shape) + 3 * torch.eye(shape[-1])


def spd(*shape):
    m = torch.randn(*shape)
    return m @ m.transpose(-2, -1) + shape[-1] * torch.eye(shape[-1])


def symmetric(*shape):
    m = torch.randn(*shape)
    return m + m.transpose(-2, -1)


def eigh_parts(uplo):
    def fn(a):
        values, vectors = torch.linalg.eigh(a, UPLO=uplo)
        return torch.cat([values.flatten(), (vectors * vectors).flatten()])
    return fn


record("inv", torch.linalg.inv, [well_conditioned(4, 4)])
record("inv_batch", torch.linalg.inv, [well_conditioned(2, 3, 3)])
record("det", torch.linalg.det, [torch.randn(3, 3)])
record("det_batch", torch.linalg.det, [torch.randn(2, 4, 4)])
record("slogdet", lambda a: torch.cat([t.flatten() for t in torch.linalg.slogdet(a)]), [torch.randn(3, 4, 4)])
record("logdet", torch.logdet, [spd(2, 3, 3)])
record("solve", torch.linalg.solve, [well_conditioned(3, 3), torch.randn(3, 2)])
record("solve_vector", torch.linalg.solve, [well_conditioned(3, 3), torch.randn(3)])
record("solve_batch_vectors", torch.linalg.solve, [well_conditioned(2, 3, 3), torch.randn(2, 3)])
record("solve_broadcast", torch.linalg.solve, [well_conditioned(2, 1, 3, 3), torch.randn(4, 3, 2)])
record("solve_right", lambda a, b: torch.linalg.solve(a, b, left=False), [well_conditioned(3, 3), torch.randn(2, 3)])
record("solve_triangular_upper", lambda a, b: torch.linalg.solve_triangular(a, b, upper=True),
       [well_conditioned(4, 4), torch.randn(4, 2)])
record("solve_triangular_lower_right_unit",
       lambda a, b: torch.linalg.solve_triangular(a, b, upper=False, left=False, unitriangular=True),
       [torch.randn(3, 3), torch.randn(2, 3)])
record("solve_triangular_batch", lambda a, b: torch.linalg.solve_triangular(a, b, upper=False),
       [well_conditioned(2, 3, 3), torch.randn(3, 1)])
record("cholesky", torch.linalg.cholesky, [spd(4, 4)])
record("cholesky_upper_batch", lambda a: torch.linalg.cholesky(a, upper=True), [spd(2, 3, 3)])
record("eigh", eigh_parts("L"), [symmetric(4, 4)])
record("eigh_upper_batch", eigh_parts("U"), [torch.randn(2, 3, 3)])  # only the upper triangle is read
record("eigvalsh", torch.linalg.eigvalsh, [symmetric(3, 3)])


def svd_parts(full, k=None):
    def fn(a):
        u, s, vh = torch.linalg.svd(a, full_matrices=full)
        if k is not None:
            u, vh = u[..., :, :k], vh[..., :k, :]
        return torch.cat([s.flatten(), (u * u).flatten(), (vh * vh).flatten()])
    return fn


def rank_two(m, n):
    return torch.randn(m, 2) @ torch.randn(2, n)


record("svd_tall", svd_parts(False), [torch.randn(4, 3)])
record("svd_wide_batch", svd_parts(False), [torch.randn(2, 3, 5)])
record("svd_full_tall", svd_parts(True, 3), [torch.randn(5, 3)])  # the vectors past min(m, n) get no gradient
record("svdvals", torch.linalg.svdvals, [torch.randn(3, 4)])
record("qr_tall", lambda a: torch.cat([t.flatten() for t in torch.linalg.qr(a)]), [torch.randn(5, 3)])
record("qr_wide_batch", lambda a: torch.cat([t.flatten() for t in torch.linalg.qr(a)]), [torch.randn(2, 3, 5)])
record("qr_complete_square", lambda a: torch.cat([t.flatten() for t in torch.linalg.qr(a, mode="complete")]),
       [torch.randn(3, 3)])
record("pinv", torch.linalg.pinv, [torch.randn(4, 3)])
record("pinv_rank_two", torch.linalg.pinv, [rank_two(4, 3)])
record("matrix_norm_fro", torch.linalg.matrix_norm, [torch.randn(2, 3, 4)])
record("matrix_norm_nuc", lambda a: torch.linalg.matrix_norm(a, "nuc"), [torch.randn(2, 3, 4)])
record("matrix_norm_2", lambda a: torch.linalg.matrix_norm(a, 2), [torch.randn(3, 4)])
record("matrix_norm_minus2_dims", lambda a: torch.linalg.matrix_norm(a, -2, dim=(0, 2), keepdim=True),
       [torch.randn(3, 2, 4)])
record("matrix_norm_1", lambda a: torch.linalg.matrix_norm(a, 1), [torch.randn(3, 4)])
record("matrix_norm_minus_inf", lambda a: torch.linalg.matrix_norm(a, -float("inf")), [torch.randn(2, 3, 4)])
# det at singular matrices: its gradient is the cofactor matrix (PyTorch takes an SVD there).
record("det_singular", torch.linalg.det, [rank_two(3, 3)])
record("det_singular_batch", torch.linalg.det, [torch.stack([rank_two(3, 3), torch.randn(3, 3)])])
record("matrix_power_3", lambda a: torch.linalg.matrix_power(a, 3), [torch.randn(3, 3)])
record("matrix_power_minus2_batch", lambda a: torch.linalg.matrix_power(a, -2), [well_conditioned(2, 3, 3)])
record("multi_dot_vectors", lambda *m: torch.linalg.multi_dot(m),
       [torch.randn(5), torch.randn(5, 3), torch.randn(3, 7), torch.randn(7, 2), torch.randn(2)])
record("multi_dot_matrices", lambda *m: torch.linalg.multi_dot(m), [torch.randn(4, 6), torch.randn(6, 2), torch.randn(2, 5)])
record("cross", torch.linalg.cross, [torch.randn(4, 3), torch.randn(1, 3)])
record("cross_dim0", lambda a, b: torch.linalg.cross(a, b, dim=0), [torch.randn(3, 2), torch.randn(3, 2)])
record("vector_norm_3", lambda x: torch.linalg.vector_norm(x, 3, dim=(0, 2), keepdim=True), [torch.randn(2, 3, 4)])

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_linalg.npz"
np.savez_compressed(path, **{k: np.array(v.numpy(), order="C") for k, v in out.items()})
print(f"wrote {path} ({len(out)} arrays)")
