"""PyTorch reference for `npm run bench:eval`: the training step PruneLens runs, in PyTorch.

Started by bench/torchReference.ts as `python3 bench/torchTrain.py DIR`, where DIR holds the
built-in train and test splits as raw little-endian arrays (train.f32 / train.i32,
test.f32 / test.i32; images N x 28 x 28 x 1 in [0, 1], labels int32). It prints one JSON
line when ready, then answers one JSON line per command read from stdin, so that the
caller can alternate PyTorch runs with its own on a shared, noisy machine:

  steps IMAGES SEED LAYOUT   train a fresh network on the first IMAGES train images (batches
                             of 128, drop_last), no BatchNorm re-estimation; wall and CPU time
  epoch SEED LAYOUT          the demo's training: one epoch of the train split with the cosine
                             schedule, 20 BatchNorm re-estimation passes, then test top-1

LAYOUT is `nchw` (PyTorch's default memory layout) or `nhwc` (torch.channels_last). Building
the network is not timed. PRUNELENS_TORCH_THREADS, when set, fixes torch's intra-op threads.
The network, loss, optimizer and schedule are the ones PruneLens uses (docs/training.md):
MobileNetV1 for 28x28x1 (stem 3x3/2 with 32 filters, 13 depthwise-separable blocks, global
average pooling, a linear Dense 10), bias-free convs each followed by BatchNorm (momentum 0.9
in Keras terms, epsilon 1e-5) and ReLU; softmax cross-entropy on the logits; SGD with
momentum 0.9, peak rate 0.1, a linear warm-up over 5% of the steps then a half cosine.
"""
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
BATCH = 128
RATE = 0.1
MOMENTUM = 0.9
WARMUP_FRACTION = 0.05
RECALIBRATION_BATCHES = 20


def conv_bn(cin, cout, kernel, stride, groups=1):
    pad = kernel // 2
    conv = nn.Conv2d(cin, cout, kernel, stride, pad, groups=groups, bias=False)
    # He-normal on the true fan-in (a depthwise kernel sees only its own channel), as the zoo does.
    nn.init.kaiming_normal_(conv.weight, mode="fan_in", nonlinearity="relu")
    return [conv, nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True)]


def mobilenet_v1():
    layers = conv_bn(1, 32, 3, 2)
    cin = 32
    for cout, stride in BLOCKS:
        layers += conv_bn(cin, cin, 3, stride, groups=cin)
        layers += conv_bn(cin, cout, 1, 1)
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    net = nn.Sequential(*layers)
    nn.init.xavier_uniform_(net[-1].weight)
    nn.init.zeros_(net[-1].bias)
    return net


def scheduled_rate(step, total):
    """The same schedule as scheduledRate in src/core/train/train.ts."""
    if total <= 1:
        return RATE
    warmup = max(1, round(total * WARMUP_FRACTION))
    if step < warmup:
        return RATE * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return RATE * 0.5 * (1 + math.cos(math.pi * progress))


def load(folder, split):
    images = np.fromfile(os.path.join(folder, split + ".f32"), dtype="<f4").reshape(-1, 28, 28, 1)
    labels = np.fromfile(os.path.join(folder, split + ".i32"), dtype="<i4").astype(np.int64)
    # NHWC as PruneLens holds them; PyTorch wants N x C x H x W, with the strides of a plain
    # contiguous tensor (what a DataLoader stacks). A transpose of the NHWC array with C = 1
    # would keep NHWC strides, which PyTorch reads as channels_last and runs ~2x faster.
    nchw = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
    plain = torch.empty(nchw.shape, dtype=nchw.dtype)
    plain.copy_(nchw)
    return plain, torch.from_numpy(labels)


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def as_layout(x, layout):
    return x.contiguous(memory_format=torch.channels_last) if layout == "nhwc" else x


def build(seed, layout):
    torch.manual_seed(seed)
    net = mobilenet_v1()
    if layout == "nhwc":
        net = net.to(memory_format=torch.channels_last)
    return net


def train(net, images, labels, count, layout, schedule, recalibrate):
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=RATE, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(count)
    steps = count // BATCH
    correct = 0
    for step in range(steps):
        idx = order[step * BATCH:(step + 1) * BATCH]
        x = as_layout(images[idx], layout)
        y = labels[idx]
        if schedule:
            for group in opt.param_groups:
                group["lr"] = scheduled_rate(step, steps)
        opt.zero_grad(set_to_none=True)
        logits = net(x)
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()
        correct += int((logits.argmax(1) == y).sum())
    if recalibrate:
        with torch.no_grad():
            order = torch.randperm(count)
            for b in range(min(RECALIBRATION_BATCHES, steps)):
                net(as_layout(images[order[b * BATCH:(b + 1) * BATCH]], layout))
    return correct / max(1, steps * BATCH)


def test_top1(net, images, labels, layout):
    net.eval()
    correct = 0
    with torch.no_grad():
        for b in range(0, len(labels), 500):
            correct += int((net(as_layout(images[b:b + 500], layout)).argmax(1) == labels[b:b + 500]).sum())
    return correct / len(labels)


def timed(fn):
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = fn()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def main():
    folder = sys.argv[1]
    if os.environ.get("PRUNELENS_TORCH_THREADS"):
        torch.set_num_threads(int(os.environ["PRUNELENS_TORCH_THREADS"]))
    train_x, train_y = load(folder, "train")
    test_x, test_y = load(folder, "test")
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "steps":
            count, seed, layout = int(words[1]), int(words[2]), words[3]
            net = build(seed, layout)
            _, wall, cpu = timed(lambda: train(net, train_x, train_y, count, layout, False, False))
            print(json.dumps({"seconds": wall, "cpu": cpu, "images": count // BATCH * BATCH}), flush=True)
        elif words[0] == "epoch":
            seed, layout = int(words[1]), words[2]
            net = build(seed, layout)
            train_top1, wall, cpu = timed(lambda: train(net, train_x, train_y, len(train_y), layout, True, True))
            print(json.dumps({"seconds": wall, "cpu": cpu, "trainTop1": train_top1, "testTop1": test_top1(net, test_x, test_y, layout)}), flush=True)
        else:
            print(json.dumps({"error": "unknown command " + words[0]}), flush=True)


if __name__ == "__main__":
    main()
