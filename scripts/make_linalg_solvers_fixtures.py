#!/usr/bin/python3
"""Regenerates tests/fixtures/torch_linalg_solvers.npz: PyTorch 1.13's torch.linalg.lstsq
(tall, wide, batched with a broadcast B; a vector B and a rank-deficient A, values only), torch.cholesky_solve
and torch.cholesky_inverse through the factor of a symmetric positive-definite A (lower and
upper), and torch.linalg.matrix_exp (a norm for each Padé degree, one needing squaring, a
batch, float64), with the gradients of sum(y * gy) for every input. Run with Debian's
python3-torch:
    /usr/bin/python3 scripts/make_linalg_solvers_fixtures.py
Keys: <case>.in<i>, <case>.y, <case>.gy, <case>.g<i>; lstsq cases also <case>.residuals
(gelsd's), <case>.rank.
"""
import pathlib

import numpy as np
import torch

from fixture_cases import recorder

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
record = recorder(out)


def lstsq_case(name, A, B):
    record(name, lambda a, b: torch.linalg.lstsq(a, b).solution, [A, B])
    r = torch.linalg.lstsq(A, B, driver="gelsd")
    out[f"{name}.residuals"], out[f"{name}.rank"] = r.residuals, r.rank.double()


lstsq_case("lstsq_tall", torch.randn(6, 3), torch.randn(6, 2))
lstsq_case("lstsq_wide", torch.randn(3, 5), torch.randn(3, 2))
lstsq_case("lstsq_batch", torch.randn(2, 5, 3), torch.randn(1, 5, 2))  # B's batch broadcasts
# A vector B: values only (PyTorch 1.13's backward fails on it with an IndexError).
Av, bv = torch.randn(5, 3), torch.randn(5)
r = torch.linalg.lstsq(Av, bv, driver="gelsd")
out.update({"lstsq_vector.in0": Av, "lstsq_vector.in1": bv, "lstsq_vector.y": r.solution,
            "lstsq_vector.residuals": r.residuals, "lstsq_vector.rank": r.rank.double()})
deficient = torch.randn(5, 3)
deficient[:, 2] = deficient[:, 0] - deficient[:, 1]  # rank 2
out["lstsq_deficient.in0"], out["lstsq_deficient.in1"] = deficient, torch.randn(5, 2)
r = torch.linalg.lstsq(deficient, out["lstsq_deficient.in1"], driver="gelsd")
out["lstsq_deficient.y"], out["lstsq_deficient.rank"] = r.solution, r.rank.double()

M = torch.randn(2, 4, 4)
A = M @ M.transpose(-2, -1) + 4 * torch.eye(4)
L = torch.linalg.cholesky(A)
B = torch.randn(2, 4, 3)
record("cholesky_solve", lambda a, b: torch.cholesky_solve(b, torch.linalg.cholesky(a)), [A, B])
record("cholesky_solve_upper", lambda a, b: torch.cholesky_solve(b, torch.linalg.cholesky(a, upper=True), upper=True), [A, B])
record("cholesky_inverse", lambda a: torch.cholesky_inverse(torch.linalg.cholesky(a)), [A[0]])
record("cholesky_inverse_upper", lambda a: torch.cholesky_inverse(torch.linalg.cholesky(a, upper=True), upper=True), [A[0]])

# matrix_exp: 1-norms in each of Higham's degree ranges (3, 5, 7, 9, 13), one needing squaring,
# and two just past a bound.
for name, scale in (("expm_tiny", 0.002), ("expm_small", 0.05), ("expm_mid", 0.2), ("expm_large", 0.5),
                    ("expm_13", 1.2), ("expm_squared", 6.0),
                    # just past a degree's bound (9's 2.10, 13's 5.37): a lower degree would be visibly off
                    ("expm_past_9", 0.975), ("expm_past_13", 2.5)):
    X = torch.randn(4, 4)
    X = X / X.abs().sum(-2).max() * scale * 4  # 1-norm = 4 * scale
    record(name, torch.linalg.matrix_exp, [X])
record("expm_batch", torch.linalg.matrix_exp, [torch.randn(3, 3, 3)])

np.savez_compressed(pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_linalg_solvers.npz",
                    **{k: np.ascontiguousarray(v.detach().numpy()) for k, v in out.items()})
print(f"wrote torch_linalg_solvers.npz ({len(out)} arrays)")
for k in ("lstsq_tall", "lstsq_vector", "lstsq_batch"):
    print(k, "residuals", out[k + ".residuals"].shape, "rank", out[k + ".rank"])
