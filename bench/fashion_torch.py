#!/usr/bin/python3
"""The two_layer_net recipe in PyTorch, for bench/fashion.sh: 784-50-10 sigmoid, W = 0.01 randn,
b = 0, SGD lr 0.1, batch 100 sampled with replacement, 10,000 iterations, train and test
accuracy once per epoch (600 iterations), on Fashion-MNIST from Debian's package."""
import gzip
import sys
import time

import numpy as np
import torch

DIR = "/usr/share/datasets/fashion-mnist"


def load(kind, prefix):
    with gzip.open(f"{DIR}/{prefix}-{kind}-ubyte.gz") as f:
        data = f.read()
    if kind.startswith("images"):
        return torch.tensor(np.frombuffer(data, np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0)
    return torch.tensor(np.frombuffer(data, np.uint8, offset=8).astype(np.int64))


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    torch.manual_seed(0)
    x_train, t_train = load("images-idx3", "train"), load("labels-idx1", "train")
    x_test, t_test = load("images-idx3", "t10k"), load("labels-idx1", "t10k")
    W1 = (0.01 * torch.randn(784, 50)).requires_grad_()
    b1 = torch.zeros(50, requires_grad=True)
    W2 = (0.01 * torch.randn(50, 10)).requires_grad_()
    b2 = torch.zeros(10, requires_grad=True)
    params = [W1, b1, W2, b2]
    opt = torch.optim.SGD(params, lr=0.1)
    predict = lambda x: torch.sigmoid(x @ W1 + b1) @ W2 + b2
    accuracy = lambda x, t: (predict(x).argmax(1) == t).float().mean().item()
    start = time.perf_counter()
    for i in range(10000):
        idx = torch.randint(0, x_train.shape[0], (100,))
        loss = torch.nn.functional.cross_entropy(predict(x_train[idx]), t_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i % 600 == 0:
            with torch.no_grad():
                print(f"train acc, test acc | {accuracy(x_train, t_train):.4f}, {accuracy(x_test, t_test):.4f}")
    with torch.no_grad():
        print(f"final: train acc {accuracy(x_train, t_train):.4f}, test acc {accuracy(x_test, t_test):.4f} "
              f"after 10000 iterations in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
