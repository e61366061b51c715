#!/usr/bin/python3
"""Basis-decomposition fine-tuning of the trained Fashion-MNIST network
(train-fashion-mnist.py): the training-side half of the ESCALATE flow
(issue 5), applied after training instead of during it.

Every 3x3 convolution with at least MIN_INPUT_CHANNELS input channels
becomes K shared basis kernels B [K, 3, 3] times coefficients
C [Cout, Cin, K], started from the SVD of its kernels, with the
coefficients fake-quantised to int8 with one scale per output channel (the
grid spade-quantize-coefficients keeps exactly). The whole network
(basis, coefficients, biases, the dense layers) is distilled from the
original on the 60k training images (no labels: the loss is the
KL divergence to the original's softened outputs plus the mean square
difference of the logits), so the decomposed network learns to agree with the
original rather than with the labels. After the first epoch the smallest
SPARSITY of each layer's coefficients are zeroed and stay zero (pruning the
fine-tuned coefficients loses less than pruning the SVD's).

The result is exported as an ordinary ONNX model in which each decomposed
layer is the pair a PyTorch user would write: a grouped convolution
(group = Cin) whose every group holds the same K basis kernels, then a 1x1
convolution with the (pruned, int8-valued) coefficients.
spade-raise-basis-convs recognises the pair as one spade.basis_conv, and the
CPU kernel skips the zeros.

Output directory: model.onnx (batch 1, same input and output as the
original), info.json (settings, test accuracy, top-1 agreement with the
original on the 10k test images, both measured in PyTorch), and the original's
test_images.npy / test_labels.npy / calibration.npy.

Usage: finetune-fashion-mnist-basis.py K SPARSITY [EPOCHS] DIR
         fine-tune for EPOCHS (default 5) into DIR
       finetune-fashion-mnist-basis.py K SPARSITY [EPOCHS] --cached
         once into ${SPADE_CACHE:-~/.cache/spade}/
         fashion-mnist-basis-K<K>-s<SPARSITY>[-e<EPOCHS>]/<hash of both
         scripts>/ and print that directory"""
import importlib
import json
import os
import shutil
import sys
import time
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper
import torch
import torch.nn.functional as F

DEFAULT_EPOCHS = 5
BATCH = 128
LR = 2e-3
TEMPERATURE = 4.0
MIN_INPUT_CHANNELS = 4
BITS = 8


def load_base():
    """train-fashion-mnist.py: the network's data, seed and cache."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    return importlib.import_module("train-fashion-mnist")


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def fake_quantize(c):
    """int8 values times one scale per output channel, with a straight-through
    gradient."""
    qmax = 2 ** (BITS - 1) - 1
    scale = c.detach().abs().amax(dim=(1, 2), keepdim=True).clamp_min(
        1e-12) / qmax
    q = torch.clamp(torch.round(c / scale), -qmax, qmax) * scale
    return c + (q - c).detach()


class BasisLayer(torch.nn.Module):
    """W[o][i] = sum_k C[o][i][k] B[k], C masked and fake-quantised."""

    def __init__(self, weight, k, sparsity):
        super().__init__()
        cout, cin, kh, kw = weight.shape
        _, _, vh = torch.linalg.svd(weight.reshape(-1, kh * kw),
                                    full_matrices=False)
        basis = vh[:k]
        coeffs = (weight.reshape(-1, kh * kw) @ basis.T).reshape(cout, cin, k)
        self.sparsity = sparsity
        self.register_buffer("mask", torch.ones_like(coeffs))
        self.basis = torch.nn.Parameter(basis.reshape(k, kh, kw).clone())
        self.coeffs = torch.nn.Parameter(coeffs)

    def prune(self):
        """Zeroes the smallest coefficients for good."""
        c = self.coeffs.detach()
        keep = max(1, round(c.numel() * (1 - self.sparsity)))
        threshold = c.abs().flatten().kthvalue(c.numel() - keep + 1).values
        self.mask.copy_((c.abs() >= threshold).float())
        with torch.no_grad():
            self.coeffs.mul_(self.mask)

    def coefficients(self):
        return fake_quantize(self.coeffs * self.mask)

    def weight(self):
        return torch.einsum("oik,khw->oihw", self.coefficients(), self.basis)


class OnnxNet(torch.nn.Module):
    """Runs the ONNX graph of a CNN with its initializers as parameters
    (the operators the Fashion-MNIST network exports to)."""

    def __init__(self, model, k=0, sparsity=0.0):
        super().__init__()
        self.graph = model.graph
        self.params = torch.nn.ParameterDict()
        self.basis = torch.nn.ModuleDict()
        self.names = {}
        for init in self.graph.initializer:
            key = f"p{len(self.names)}"
            self.names[init.name] = key
            self.params[key] = torch.nn.Parameter(
                torch.from_numpy(numpy_helper.to_array(init).copy()))
        for node in self.graph.node:
            if self.decomposable(node, k):
                w = self.params[self.names[node.input[1]]].detach()
                self.basis[self.names[node.input[1]]] = BasisLayer(
                    w, k, sparsity)

    def decomposable(self, node, k):
        if k == 0 or node.op_type != "Conv" or attrs(node).get("group", 1) != 1:
            return False
        w = self.params[self.names[node.input[1]]]
        return w.shape[2] * w.shape[3] > k and w.shape[1] >= MIN_INPUT_CHANNELS

    def value(self, env, name):
        return env[name] if name in env else self.params[self.names[name]]

    def forward(self, x):
        env = {self.graph.input[0].name: x}
        for node in self.graph.node:
            a = attrs(node)
            ins = [self.value(env, n) for n in node.input if n]
            if node.op_type == "Conv":
                w = ins[1]
                if node.input[1] in self.names and \
                        self.names[node.input[1]] in self.basis:
                    w = self.basis[self.names[node.input[1]]].weight()
                pads = a.get("pads", [0, 0, 0, 0])
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    raise SystemExit(f"{node.name}: asymmetric pads")
                y = F.conv2d(ins[0], w, ins[2] if len(ins) > 2 else None,
                             a.get("strides", [1, 1]), pads[:2],
                             a.get("dilations", [1, 1]), a.get("group", 1))
            elif node.op_type == "Relu":
                y = F.relu(ins[0])
            elif node.op_type == "Add":
                y = ins[0] + ins[1]
            elif node.op_type == "ReduceMean":
                y = ins[0].mean(dim=tuple(a["axes"]),
                                keepdim=bool(a.get("keepdims", 1)))
            elif node.op_type == "GlobalAveragePool":
                y = ins[0].mean(dim=(2, 3), keepdim=True)
            elif node.op_type == "Flatten":
                y = ins[0].flatten(a.get("axis", 1))
            elif node.op_type == "Gemm":
                b = ins[1].T if a.get("transB", 0) else ins[1]
                y = a.get("alpha", 1.0) * (ins[0] @ b)
                if len(ins) > 2:
                    y = y + a.get("beta", 1.0) * ins[2]
            else:
                raise SystemExit(f"{node.name}: operator {node.op_type} is "
                                 "not supported by the fine-tuning runner")
            env[node.output[0]] = y
        return env[self.graph.output[0].name]

    def export(self):
        """The graph with every decomposed convolution as a basis pair and
        the fine-tuned initializers."""
        model = onnx.ModelProto()
        model.CopyFrom(onnx.load_from_string(self.source))
        graph = model.graph
        inits = []
        for init in graph.initializer:
            value = self.params[self.names[init.name]].detach().numpy()
            inits.append(numpy_helper.from_array(value, init.name))
        nodes = []
        for node in graph.node:
            key = self.names.get(node.input[1]) if node.op_type == "Conv" \
                else None
            if key not in self.basis:
                nodes.append(node)
                continue
            layer = self.basis[key]
            coeffs = layer.coefficients().detach()
            k, kh, kw = layer.basis.shape
            cout, cin, _ = coeffs.shape
            a = attrs(node)
            basis = layer.basis.detach().reshape(1, k, 1, kh, kw).expand(
                cin, k, 1, kh, kw).reshape(cin * k, 1, kh, kw)
            bname, cname, mid = (f"{node.name}_basis", f"{node.name}_coeffs",
                                 f"{node.output[0]}_basis_responses")
            inits.append(numpy_helper.from_array(basis.numpy().copy(), bname))
            inits.append(numpy_helper.from_array(
                coeffs.reshape(cout, cin * k, 1, 1).numpy().copy(), cname))
            nodes.append(helper.make_node(
                "Conv", [node.input[0], bname], [mid],
                name=f"{node.name}_basis", group=cin,
                kernel_shape=[kh, kw], strides=a.get("strides", [1, 1]),
                pads=a.get("pads", [0, 0, 0, 0]),
                dilations=a.get("dilations", [1, 1])))
            nodes.append(helper.make_node(
                "Conv", [mid, cname] + list(node.input[2:]), list(node.output),
                name=f"{node.name}_coefficients", kernel_shape=[1, 1]))
        used = {i for n in nodes for i in n.input}
        del graph.node[:]
        graph.node.extend(nodes)
        del graph.initializer[:]
        graph.initializer.extend(i for i in inits if i.name in used)
        onnx.checker.check_model(model)
        return model


def predict(model, x):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(x[i:i + 1000]))
                          for i in range(0, len(x), 1000)]).numpy()


def finetune(k, sparsity, epochs, out):
    warnings.filterwarnings("ignore")
    base = load_base()
    torch.set_num_threads(1)
    torch.manual_seed(base.SEED)
    rng = np.random.default_rng(base.SEED)
    data = base.cached()
    source = onnx.load(os.path.join(data, "model.onnx"))
    teacher = OnnxNet(source)
    student = OnnxNet(source, k, sparsity)
    student.source = source.SerializeToString()
    if not student.basis:
        raise SystemExit("no convolution to decompose")
    for p in teacher.parameters():
        p.requires_grad_(False)
    train_x, _ = base.load("train")
    test_x = np.load(os.path.join(data, "test_images.npy"))
    test_y = np.load(os.path.join(data, "test_labels.npy"))
    reference = predict(teacher, test_x).argmax(1)

    def report(tag):
        pred = predict(student, test_x).argmax(1)
        agreement = float(np.mean(pred == reference))
        accuracy = float(np.mean(pred == test_y))
        print(f"{tag}: agreement {agreement:.4f}, accuracy {accuracy:.4f}, "
              f"{time.time() - start:.0f} s", file=sys.stderr)
        return agreement, accuracy

    start = time.time()
    before = report("SVD basis, unpruned, before fine-tuning")
    steps = epochs * (len(train_x) // BATCH)
    opt = torch.optim.Adam(student.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=steps)
    for epoch in range(epochs):
        student.train()
        order = rng.permutation(len(train_x))
        for step in range(len(train_x) // BATCH):
            x = torch.from_numpy(train_x[order[step * BATCH:(step + 1) * BATCH]])
            with torch.no_grad():
                target = teacher(x)
            logits = student(x)
            loss = F.kl_div(F.log_softmax(logits / TEMPERATURE, 1),
                            F.softmax(target / TEMPERATURE, 1),
                            reduction="batchmean") * TEMPERATURE ** 2 + \
                F.mse_loss(logits, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if epoch == 0:
            for layer in student.basis.values():
                layer.prune()
        after = report(f"epoch {epoch + 1}/{epochs} (loss {float(loss):.4f})")

    os.makedirs(out, exist_ok=True)
    onnx.save(student.export(), os.path.join(out, "model.onnx"))
    for name in ("test_images.npy", "test_labels.npy", "calibration.npy"):
        shutil.copy(os.path.join(data, name), os.path.join(out, name))
    with open(os.path.join(out, "info.json"), "w") as f:
        json.dump({"num_basis": k, "sparsity": sparsity, "bits": BITS,
                   "epochs": epochs, "original": data,
                   "agreement_before": before[0], "accuracy_before": before[1],
                   "agreement": after[0], "test_accuracy": after[1],
                   "layers": len(student.basis),
                   "train_seconds": round(time.time() - start)}, f, indent=1)


def main():
    args = sys.argv[1:]
    if len(args) not in (3, 4) or \
            args[-1].startswith("-") and args[-1] != "--cached":
        sys.exit(__doc__)
    try:
        k, sparsity = int(args[0]), float(args[1])
        epochs = int(args[2]) if len(args) == 4 else DEFAULT_EPOCHS
    except ValueError:
        sys.exit(f"K and EPOCHS must be integers and SPARSITY a number, got "
                 f"{' '.join(args[:-1])}")
    if k < 1 or epochs < 1 or not 0 <= sparsity < 1:
        sys.exit("K and EPOCHS must be positive and SPARSITY in [0, 1)")
    if args[-1] != "--cached":
        finetune(k, sparsity, epochs, args[-1])
        return
    base = load_base()
    key = base.script_key(base.__file__, os.path.abspath(__file__))
    name = f"fashion-mnist-basis-K{k}-s{sparsity:g}"
    if epochs != DEFAULT_EPOCHS:
        name += f"-e{epochs}"
    print(base.cached(key, name,
                      lambda out: finetune(k, sparsity, epochs, out)))


if __name__ == "__main__":
    main()
