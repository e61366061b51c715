#!/usr/bin/python3
"""Trains the Fashion-MNIST network of train-fashion-mnist.py with a
low-rank penalty on its 3x3 kernels: decomposition-aware training, the
training-side half of the basis-kernel flow (issue 5).

Same network, data, schedule, seed and output files as train-fashion-mnist.py;
the only difference is the loss: cross entropy plus, for every 3x3
convolution with more than one input channel,

    LAMBDA * sum_{j >= RANK} s_j^2 / sum_j s_j^2

where s_j are the singular values of its kernels reshaped to
(Cout * Cin) x 9: the share of the kernels' energy outside their best rank-RANK
basis. The network learns kernels that RANK (3 of 9) shared basis kernels
span almost exactly, so spade-decompose-basis can keep K = 3 with little
error and spend the accuracy budget on pruning and quantising the
coefficients (test accuracy 91.7%, against 92.4% without the penalty). The
exported model is an ordinary dense ONNX model: nothing in it tells the
compiler the rank.

Usage: train-fashion-mnist-low-rank.py DIR       train into DIR
       train-fashion-mnist-low-rank.py --cached  train once into
         ${SPADE_CACHE:-~/.cache/spade}/fashion-mnist-low-rank/<hash of both
         scripts>/ and print that directory (older versions are deleted)"""
import importlib
import os
import sys

import torch

RANK = 3
LAMBDA = 1.0


def load_base():
    """train-fashion-mnist.py, which this script configures."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    return importlib.import_module("train-fashion-mnist")


def tail_energy(model):
    """Mean over the penalised convolutions of their energy beyond RANK."""
    shares = []
    for conv in model.modules():
        if isinstance(conv, torch.nn.Conv2d) and conv.kernel_size == (3, 3) \
                and conv.in_channels > 1:
            s = torch.linalg.svdvals(conv.weight.reshape(-1, 9))
            shares.append((s[RANK:] ** 2).sum() / (s ** 2).sum())
    return torch.stack(shares).mean() * len(shares)


def main():
    base = load_base()
    base.regulariser = lambda model: LAMBDA * tail_energy(model)
    if sys.argv[1:] == ["--cached"]:
        key = base.script_key(base.__file__, os.path.abspath(__file__))
        print(base.cached(key, "fashion-mnist-low-rank"))
    elif len(sys.argv) == 2 and not sys.argv[1].startswith("-"):
        base.train(sys.argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
