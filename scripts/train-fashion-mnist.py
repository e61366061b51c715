#!/usr/bin/python3
"""Trains a small ResNet-style CNN on Fashion-MNIST (Debian's
dataset-fashion-mnist, /usr/share/datasets/fashion-mnist/*.gz) with Debian's
python3-torch and exports it to ONNX: the trained model on which the basis
decomposition is judged (issue 5), buildable on a fresh machine without any
download.

Network (ResNet-style, 13 3x3 convs + 2 1x1 projection shortcuts, ~175k
parameters): 3x3 stem conv 1->16 at 28x28, then three stages of two basic
blocks (two 3x3 convs each; widths 16, 32, 64 at 28x28, 14x14, 7x7; the first
block of stages 2 and 3 downsamples with stride 2 and a 1x1 projection),
global average pooling, linear 64->10. Eval-mode export folds every
BatchNorm into its conv. Training: 3 epochs of SGD with Nesterov momentum and
a one-cycle schedule, batch 128; seeded, one thread (~10 CPU minutes).

Output directory (DIR):
  model.onnx           batch 1, input "input" f32[1,1,28,28], output "logits"
  test_images.npy      f32[10000,1,28,28], normalised as the model expects
  test_labels.npy      i64[10000]
  calibration.npy      f32[64,1,28,28], training images (for data-aware
                       decomposition, spade-compile --decompose=calibration=)
  info.json            test accuracy of the PyTorch model, normalisation

Usage: train-fashion-mnist.py DIR       train into DIR
       train-fashion-mnist.py --cached  train once into
         ${SPADE_CACHE:-~/.cache/spade}/fashion-mnist/<hash of this script>/
         and print that directory (older versions are deleted)"""
import gzip
import hashlib
import json
import os
import shutil
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
SEED = 0
EPOCHS = 3
BATCH = 128
MEAN, STD = 0.2860, 0.3530  # of the Fashion-MNIST training images
# An extra loss term, model -> scalar tensor (train-fashion-mnist-low-rank.py
# sets one); None trains on cross entropy alone.
regulariser = None


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
             for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    images = read_idx(f"{split}-images-idx3-ubyte.gz")
    labels = read_idx(f"{split}-labels-idx1-ubyte.gz")
    x = (images.astype(np.float32) / 255 - MEAN) / STD
    return x[:, None], labels.astype(np.int64)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False),
                nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks, cin = [], widths[0]
        for i, w in enumerate(widths):
            blocks += [Block(cin, w, 1 if i == 0 else 2), Block(w, w, 1)]
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(x.mean((2, 3)))


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            logits = model(torch.from_numpy(x[i:i + 1000]))
            correct += int((logits.argmax(1).numpy() == y[i:i + 1000]).sum())
    return correct / len(x)


def train(out):
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    model = ResNet()
    steps = EPOCHS * (len(train_x) // BATCH)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
                          nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 0.2, total_steps=steps)
    start = time.time()
    for epoch in range(EPOCHS):
        model.train()
        order = rng.permutation(len(train_x))
        for step in range(len(train_x) // BATCH):
            idx = order[step * BATCH:(step + 1) * BATCH]
            loss = F.cross_entropy(model(torch.from_numpy(train_x[idx])),
                                   torch.from_numpy(train_y[idx]))
            total = loss + regulariser(model) if regulariser else loss
            opt.zero_grad()
            total.backward()
            opt.step()
            sched.step()
        acc = evaluate(model, test_x, test_y)
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {float(loss):.3f} "
              f"(with the regulariser {float(total):.3f}), "
              f"test accuracy {acc:.4f}, {time.time() - start:.0f} s",
              file=sys.stderr)

    os.makedirs(out, exist_ok=True)
    model.eval()
    torch.onnx.export(model, (torch.from_numpy(test_x[:1]),),
                      os.path.join(out, "model.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"])
    np.save(os.path.join(out, "test_images.npy"), test_x)
    np.save(os.path.join(out, "test_labels.npy"), test_y)
    calib = rng.choice(len(train_x), 64, replace=False)
    np.save(os.path.join(out, "calibration.npy"), train_x[np.sort(calib)])
    with open(os.path.join(out, "info.json"), "w") as f:
        json.dump({"test_accuracy": acc, "epochs": EPOCHS, "seed": SEED,
                   "mean": MEAN, "std": STD,
                   "train_seconds": round(time.time() - start)}, f, indent=1)


def script_key(*paths):
    """A cache key that changes whenever one of the scripts does."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def cached(key=None, name="fashion-mnist", make=None):
    """Runs make(dir) (default: train) into <cache>/<name>/<key> unless it
    is there; the key defaults to the hash of this script."""
    if key is None:
        key = script_key(os.path.abspath(__file__))
    make = make or train
    cache = os.environ.get("SPADE_CACHE") or os.path.expanduser(
        "~/.cache/spade")
    out = os.path.join(cache, name, key)
    if not os.path.exists(os.path.join(out, "info.json")):
        # Train beside the final place and rename, so that a concurrent or
        # interrupted run never leaves a half-written directory behind.
        tmp = f"{out}.tmp{os.getpid()}"
        make(tmp)
        try:
            os.rename(tmp, out)
        except OSError:  # another run finished first
            shutil.rmtree(tmp)
        for old in os.listdir(os.path.dirname(out)):
            path = os.path.join(os.path.dirname(out), old)
            if ".tmp" not in old and path != out:
                shutil.rmtree(path, ignore_errors=True)
    return out


def main():
    if sys.argv[1:] == ["--cached"]:
        print(cached())
    elif len(sys.argv) == 2 and not sys.argv[1].startswith("-"):
        train(sys.argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
