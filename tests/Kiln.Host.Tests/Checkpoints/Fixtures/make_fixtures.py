"""By-hand tool: writes the golden .pth files the C# tests read (CKPT-06). The test suite never runs Python.

Made with Debian 12's python3-torch (PyTorch 1.13.1):
    apt-get install -y python3-torch
    cd tests/Kiln.Host.Tests/Checkpoints/Fixtures && /usr/bin/python3 make_fixtures.py
Every value is fixed (no RNG), so the C# tests assert them literally.
"""
import collections

import torch


def tiny_net():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 2), torch.nn.Flatten(), torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    with torch.no_grad():
        for i, (name, t) in enumerate(net.state_dict().items()):
            if t.is_floating_point():
                t.copy_(torch.arange(t.numel(), dtype=t.dtype).reshape(t.shape) * 0.5 + i)
    return net


# 1. A state_dict: an OrderedDict with _metadata, Conv/Linear/BatchNorm (int64 num_batches_tracked).
net = tiny_net()
torch.save(net.state_dict(), "state_dict.pth")

# 2. An MMEngine-shaped checkpoint (runner.py save_checkpoint): meta, state_dict, optimizer with SGD momentum
#    state under int keys, param_schedulers as a list of __dict__s (MultiStepLR keeps milestones in a
#    collections.Counter, mmengine/optim/scheduler/param_scheduler.py).
lin = torch.nn.Linear(2, 1)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[1.0, -2.0]]))
    lin.bias.fill_(0.25)
opt = torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
lin(torch.tensor([[1.0, 1.0]])).sum().backward()
opt.step()
checkpoint = {
    "meta": {"epoch": 3, "iter": 120, "seed": 2**32 + 7, "experiment_name": "toy_20240101",
             "cfg": "model = dict(type='Toy')\n", "mmengine_version": "0.10.3", "time": "20240101_000000",
             "dataset_meta": None},
    "state_dict": lin.state_dict(),
    "optimizer": opt.state_dict(),
    "param_schedulers": [{"milestones": collections.Counter({1: 1, 2: 1}), "gamma": 0.1,
                          "base_values": [0.1], "last_step": 3, "by_epoch": True, "_get_last_value_called": True,
                          "_last_value": [0.1]}],
    "negative": -5, "big_negative": -(2**40), "flags": (True, False, None), "empty": [], "nested": [[1, [2, (3,)]]],
}
torch.save(checkpoint, "mmengine_checkpoint.pth")

# 3. Every dtype torch 1.13 and TorchSharp share, plus storage sharing.
base = torch.arange(12, dtype=torch.float32)
dtypes = {
    "f32": torch.tensor([1.5, -2.25, 3.0], dtype=torch.float32),
    "f64": torch.tensor([1e-300, -0.1], dtype=torch.float64),
    "f16": torch.tensor([0.5, -65504.0, 1.0], dtype=torch.float16),
    "bf16": torch.tensor([1.0, -3.0, 0.0078125], dtype=torch.bfloat16),
    "i8": torch.tensor([-128, 127], dtype=torch.int8),
    "i16": torch.tensor([-32768, 32767], dtype=torch.int16),
    "i32": torch.tensor([-(2**31), 2**31 - 1], dtype=torch.int32),
    "i64": torch.tensor([-(2**63), 2**63 - 1], dtype=torch.int64),
    "u8": torch.tensor([0, 255], dtype=torch.uint8),
    "bool": torch.tensor([True, False, True]),
    "c64": torch.tensor([1 + 2j, -3j], dtype=torch.complex64),
    "c128": torch.tensor([0.5 - 1j], dtype=torch.complex128),
    "scalar": torch.tensor(7.0),
    "empty": torch.zeros(0, 3),
    "base": base,                       # storage of 12 elements
    "view": base[4:10].view(2, 3),      # same storage, offset 4
    "transposed": base.view(3, 4).t(),  # same storage, strides (1, 4)
    "size": torch.Size([2, 3]),
}
torch.save(dtypes, "dtypes.pth")
