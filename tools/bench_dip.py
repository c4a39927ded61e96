"""Seconds per iteration of Deep Image Prior super-resolution x4 (the paper's skip network),
three implementations timed in one process, interleaved:

    reference  the official code's loop (github.com/DmitryUlyanov/deep-image-prior,
               super-resolution.ipynb), re-implemented below: skip net built from nn.Sequential,
               Lanczos-2 downsampler as a strided convolution, Adam (learning rate 0.01),
               input noise 0.03, the closure's PSNR of the LR and HR outputs at every step
    previous   sisrlearn's fit_prior before its speed-up (the loop and the network forward
               kept below for comparison, the data term through ``imresize``); also run
               inside ``reuse_freed_memory`` alone, to show what the allocator change buys
    fit_prior  sisrlearn.dip.dip_super_resolve now, float32 (``--bf16``: also with bfloat16
               autocast)

    python tools/bench_dip.py --size 256 --threads 1 --iterations 10
    python tools/bench_dip.py --size 256 --threads 1 --iterations 5 --profile

Each round runs every implementation for ``--iterations`` steps on a fresh network; the first
``--warmup`` steps of each run are dropped and the median over the rounds is reported, as wall
seconds and as CPU seconds of the process (less sensitive to other jobs on the machine).
``--profile`` adds where an iteration's time goes (torch.profiler, self time of each operator
summed by kind, ms per iteration) for the previous and the current implementation.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import platform
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from skimage.metrics import peak_signal_noise_ratio
from torch import nn

from sisrlearn.dip import dip_super_resolve, noise_input, sr_data_term
from sisrlearn.images import sample
from sisrlearn.models.dip import SkipNet, count_parameters
from sisrlearn.resize import imresize
from sisrlearn.runtime import autocast, cpu_has_bf16, reuse_freed_memory

SCALE = 4


# ---------------------------------------------------------------- (a) the official code's loop
class _Concat(nn.Module):
    """Run the branches on one input, centre-crop to the smallest, concatenate channels."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [branch(x) for branch in self.branches]
        h, w = min(o.shape[2] for o in outs), min(o.shape[3] for o in outs)
        if any(o.shape[2:] != (h, w) for o in outs):
            outs = [_centre(o, h, w) for o in outs]
        return torch.cat(outs, dim=1)


def _centre(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    dh, dw = (x.shape[2] - h) // 2, (x.shape[3] - w) // 2
    return x[:, :, dh : dh + h, dw : dw + w]


def _official_conv(c_in: int, c_out: int, kernel_size: int, stride: int = 1) -> list[nn.Module]:
    """Reflection padding (also the no-op ReflectionPad2d(0) of a 1x1 convolution), conv."""
    pad = (kernel_size - 1) // 2
    return [nn.ReflectionPad2d(pad), nn.Conv2d(c_in, c_out, kernel_size, stride)]


def _official_cba(c_in: int, c_out: int, kernel_size: int, stride: int = 1) -> list[nn.Module]:
    return _official_conv(c_in, c_out, kernel_size, stride) + [
        nn.BatchNorm2d(c_out),
        nn.LeakyReLU(0.2, inplace=True),
    ]


def official_skip(c_in: int = 32, c_out: int = 3, width: int = 128, skip: int = 4, depth: int = 5):
    """The official ``skip()`` network as its code nests it: Sequential(Concat(skip, deeper),
    BN, conv-BN-LReLU, 1x1 conv-BN-LReLU), the deeper branch ending in nn.Upsample."""
    levels = []
    for i in range(depth):
        levels.append((c_in if i == 0 else width, i == depth - 1))
    inner = None
    for level_in, deepest in reversed(levels):
        deeper = _official_cba(level_in, width, 3, 2) + _official_cba(width, width, 3)
        if not deepest:
            deeper.append(inner)
        deeper.append(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))
        skip_branch = nn.Sequential(*_official_cba(level_in, skip, 1))
        inner = nn.Sequential(
            _Concat(skip_branch, nn.Sequential(*deeper)),
            nn.BatchNorm2d(skip + width),
            *_official_cba(skip + width, width, 3),
            *_official_cba(width, width, 1),
        )
    return nn.Sequential(inner, *_official_conv(width, c_out, 1), nn.Sigmoid())


def lanczos2_kernel(factor: int) -> torch.Tensor:
    """The official Downsampler's 2-lobe Lanczos kernel, phase 1/2: (4 factor, 4 factor)."""
    size = 4 * factor
    centre = (size + 2) / 2  # kernel_width 4 factor + 1, positions i + 1/2
    d = (torch.arange(1, size + 1, dtype=torch.float64) + 0.5 - centre).abs() / factor
    safe = torch.where(d == 0, torch.ones_like(d), d)
    taps = 2 * torch.sin(math.pi * safe) * torch.sin(math.pi * safe / 2) / (math.pi**2 * safe**2)
    taps = torch.where(d == 0, torch.ones_like(d), taps)
    kernel = torch.outer(taps, taps)
    return kernel / kernel.sum()


class OfficialDownsampler(nn.Module):
    """Replication padding, then a (3, 3, 16, 16) stride-4 convolution holding the kernel on
    its diagonal (zeros elsewhere), as the official code builds it (its weights take part in
    the backward pass, though nothing optimises them)."""

    def __init__(self, channels: int = 3, factor: int = SCALE) -> None:
        super().__init__()
        kernel = lanczos2_kernel(factor).float()
        self.pad = nn.ReplicationPad2d((kernel.shape[0] - factor) // 2)
        self.conv = nn.Conv2d(channels, channels, kernel.shape, stride=factor)
        with torch.no_grad():
            self.conv.weight.zero_()
            self.conv.bias.zero_()
            for c in range(channels):
                self.conv.weight[c, c] = kernel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pad(x))


def reference_loop(hr: torch.Tensor, lr: torch.Tensor, iterations: int, seed: int) -> list:
    """The official SR loop; returns (wall, cpu) seconds of each iteration."""
    torch.manual_seed(seed)
    net = official_skip(32, hr.shape[0])
    downsampler = OfficialDownsampler(hr.shape[0])
    net_input_saved = noise_input(tuple(hr.shape[-2:]), 32)
    noise = net_input_saved.clone()
    lr_var, hr_np, lr_np = lr[None], hr.numpy(), lr.numpy()
    mse = nn.MSELoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    times, history = [], []
    for _ in range(iterations):
        wall, cpu = time.perf_counter(), time.process_time()
        optimizer.zero_grad()
        net_input = net_input_saved + noise.normal_() * 0.03
        out_hr = net(net_input)
        out_lr = downsampler(out_hr)
        loss = mse(out_lr, lr_var)
        loss.backward()
        psnr_lr = peak_signal_noise_ratio(lr_np, out_lr.detach().cpu().numpy()[0], data_range=1)
        psnr_hr = peak_signal_noise_ratio(hr_np, out_hr.detach().cpu().numpy()[0], data_range=1)
        history.append((psnr_lr, psnr_hr))
        optimizer.step()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


# ------------------------------------- (b) the previous implementation, kept for comparison
def _previous_block(block: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """conv -> BN -> LeakyReLU as SkipNet computed it before (nn.Conv2d for 1x1, out of place)."""
    conv, bn = block[0], block[1]
    for layer in conv:
        if isinstance(layer, nn.ReflectionPad2d):
            x = layer(x)
        else:
            x = F.conv2d(x, layer.weight, layer.bias, layer.stride)
    return F.leaky_relu(bn(x), 0.2)


def _previous_level(level: nn.Module, x: torch.Tensor) -> torch.Tensor:
    y = _previous_block(level.down[1], _previous_block(level.down[0], x))
    if level.inner is not None:
        y = _previous_level(level.inner, y)
    y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
    dh, dw = (y.shape[-2] - x.shape[-2]) // 2, (y.shape[-1] - x.shape[-1]) // 2
    y = y[..., dh : dh + x.shape[-2], dw : dw + x.shape[-1]]
    if level.skip is not None:
        y = torch.cat([_previous_block(level.skip, x), y], dim=1)
    return _previous_block(level.up[1], _previous_block(level.up[0], level.bn(y)))


def previous_forward(net: SkipNet, z: torch.Tensor) -> torch.Tensor:
    """SkipNet's forward before the speed-up, on the same modules and weights."""
    out = _previous_level(net.body, z)
    return torch.sigmoid(F.conv2d(out, net.conv_last.weight, net.conv_last.bias))


def previous_fit_prior(
    loss_fn, size, channels, *, steps, net, input_noise_std, ema=0.99, generator=None, on_step=None
):
    """The previous implementation's loop (fit_prior without backtracking or PSNR curves):
    the network in contiguous layout on the CPU, a new EMA tensor per step."""
    device = next(net.parameters()).device
    fmt = torch.channels_last if device.type == "cuda" else torch.contiguous_format
    net.to(memory_format=fmt).train()
    z = noise_input(size, 32, generator=generator).to(device, memory_format=fmt)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    average = None
    for step in range(1, steps + 1):
        with torch.profiler.record_function("dip.input_noise"):
            noise = torch.randn(z.shape, generator=generator).to(device, memory_format=fmt)
            z_in = z + input_noise_std * noise
        with torch.profiler.record_function("dip.forward"), autocast(device):
            output = previous_forward(net, z_in)
        with torch.profiler.record_function("dip.data_term"):
            output = output.float().contiguous()
            loss = loss_fn(output)
            value = float(loss.detach())
        if not math.isfinite(value):
            raise FloatingPointError(f"loss became {value} at step {step}")
        with torch.profiler.record_function("dip.backward"):
            opt.zero_grad(set_to_none=True)
            loss.backward()
        with torch.profiler.record_function("dip.optimizer"):
            opt.step()
        with torch.profiler.record_function("dip.ema"):
            last = output.detach()
            average = last.clone() if average is None else ema * average + (1 - ema) * last
        if on_step is not None:
            on_step(step)
    return average.clamp(0, 1)


# ------------------------------------------------------------------------------ the harness
class _Clock:
    """(wall, cpu) seconds between consecutive calls."""

    def __init__(self) -> None:
        self.times: list[tuple[float, float]] = []
        self.last = (time.perf_counter(), time.process_time())

    def __call__(self, *args) -> None:
        now = (time.perf_counter(), time.process_time())
        self.times.append((now[0] - self.last[0], now[1] - self.last[1]))
        self.last = now


def run_previous(hr, lr, iterations: int, seed: int, reuse: bool = False) -> list:
    """The previous loop; ``reuse``: inside ``reuse_freed_memory`` (that change alone)."""
    torch.manual_seed(seed)
    net = SkipNet(32, hr.shape[0])
    lr_b = lr[None]
    clock = _Clock()
    with reuse_freed_memory() if reuse else contextlib.nullcontext():
        _run_previous(net, lr_b, hr, iterations, seed, clock)
    return clock.times


def _run_previous(net, lr_b, hr, iterations, seed, clock) -> None:
    previous_fit_prior(
        lambda out: sr_data_term(out, lr_b, SCALE, "lanczos2"),
        tuple(hr.shape[-2:]),
        hr.shape[0],
        steps=iterations,
        net=net,
        input_noise_std=0.03,
        generator=torch.Generator().manual_seed(seed),
        on_step=clock,
    )


def run_current(hr, lr, iterations: int, seed: int, bf16: bool) -> list:
    torch.manual_seed(seed)
    net = SkipNet(32, hr.shape[0])
    clock = _Clock()
    dip_super_resolve(
        lr,
        SCALE,
        steps=iterations,
        net=net,
        downsampler="lanczos2",
        input_noise_std=0.03,
        eval_every=1,
        callback=clock,
        bf16=bf16,
        generator=torch.Generator().manual_seed(seed),
        progress=False,
    )
    return clock.times


def cpu_model() -> str:
    """The CPU's model name (as lscpu prints it on Linux)."""
    info = Path("/proc/cpuinfo")
    for line in info.read_text().splitlines() if info.exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def test_images(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A size x size crop of a bundled photo and its Lanczos-2 1/4 (the content does not
    change the time of an iteration)."""
    img = sample("astronaut")
    side = min(img.shape[-2:])
    hr = imresize(img[:, :side, :side], size=(size, size)).clamp(0, 1).float()
    return hr, imresize(hr, 1 / SCALE, kernel="lanczos2").clamp(0, 1)


def timing_table(methods: dict[str, Callable], rounds: int, warmup: int) -> list[dict]:
    samples: dict[str, list] = defaultdict(list)
    for _ in range(rounds):
        for name, fn in methods.items():  # interleaved: each round runs every method once
            samples[name].extend(fn()[warmup:])
    rows = []
    for name, times in samples.items():
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        rows.append({"method": name, "wall": wall, "cpu": cpu, "n": len(times)})
    return rows


# ------------------------------------------------------------------------------- profiling
# operator kinds, the first match wins (upsample_bilinear2d before the 1x1 convs' "linear")
_KINDS = {
    "bilinear upsampling": ("upsample",),
    "BatchNorm": ("batch_norm",),
    "LeakyReLU": ("leaky_relu",),
    "reflection padding": ("reflection_pad",),
    "concatenation": ("aten::cat",),
    "convolutions": ("conv", "aten::mm", "aten::addmm", "aten::bmm", "linear", "matmul"),
    "copies and zero fills": ("copy_", "fill_", "zero_", "clone", "contiguous"),
}


def _kind(name: str) -> str:
    for kind, keys in _KINDS.items():
        if any(key in name for key in keys):
            return kind
    return "other"


def profile_breakdown(fn: Callable[[], object], iterations: int) -> dict[str, float]:
    """ms per iteration by phase (``dip.*`` labels) and, in forward/backward, by operator."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        fn()
    totals: dict[str, float] = defaultdict(float)
    for event in prof.events():
        if event.name.startswith("dip."):
            totals[event.name[4:]] += event.cpu_time_total / 1e3
            continue
        phase = event.cpu_parent
        while phase is not None and not phase.name.startswith("dip."):
            phase = phase.cpu_parent
        if phase is not None and phase.name in ("dip.forward", "dip.backward"):
            totals[f"{phase.name[4:]}: {_kind(event.name)}"] += event.self_cpu_time_total / 1e3
    return {key: value / iterations for key, value in totals.items()}


_PHASES = ("input_noise", "forward", "data_term", "backward", "optimizer", "ema")


def print_profile(breakdowns: dict[str, dict[str, float]]) -> None:
    """One markdown table: each phase, then (forward, backward) its operators by kind."""
    names = list(breakdowns)

    def row(label: str, key: str) -> None:
        cells = " | ".join(f"{breakdowns[n].get(key, 0.0):.0f}" for n in names)
        print(f"| {label} | {cells} |")

    print("\n| part (ms per iteration) | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for phase in _PHASES:
        row(f"**{phase}**", phase)
        prefix = f"{phase}: "
        kinds = {k for b in breakdowns.values() for k in b if k.startswith(prefix)}
        for key in sorted(kinds, key=lambda k: -max(b.get(k, 0.0) for b in breakdowns.values())):
            row(f"&nbsp;&nbsp;{key[len(prefix) :]}", key)
    totals = {n: sum(b.get(p, 0.0) for p in _PHASES) for n, b in breakdowns.items()}
    print("| **total** | " + " | ".join(f"{totals[n]:.0f}" for n in names) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=256, help="HR side (a multiple of 32)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=10, help="steps per run")
    parser.add_argument("--warmup", type=int, default=2, help="first steps of a run dropped")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved runs per method")
    parser.add_argument("--bf16", action="store_true", help="also time bfloat16 autocast")
    parser.add_argument("--profile", action="store_true", help="add the per-part breakdown")
    args = parser.parse_args(argv)
    if args.size % 32 or args.size < 64:
        raise SystemExit(f"--size must be a multiple of 32, >= 64, got {args.size}")
    if args.iterations <= args.warmup:
        raise SystemExit("--iterations must be larger than --warmup")
    torch.set_num_threads(args.threads)
    hr, lr = test_images(args.size)
    n, seed = args.iterations, 0
    methods = {
        "reference (official loop)": lambda: reference_loop(hr, lr, n, seed),
        "previous fit_prior": lambda: run_previous(hr, lr, n, seed),
        "previous, freed memory reused": lambda: run_previous(hr, lr, n, seed, reuse=True),
        "fit_prior float32": lambda: run_current(hr, lr, n, seed, bf16=False),
    }
    if args.bf16:
        methods["fit_prior bfloat16"] = lambda: run_current(hr, lr, n, seed, bf16=True)
    params = count_parameters(SkipNet(32, 3))
    print(
        f"CPU: {cpu_model()}; bf16 units (AMX/AVX512-BF16): "
        f"{'yes' if cpu_has_bf16() else 'no'}; torch {torch.__version__}; "
        f"threads {args.threads}; HR {args.size}x{args.size}, x{SCALE}; skip net "
        f"{params:,} parameters"
    )
    rows = timing_table(methods, args.rounds, args.warmup)
    base = {r["method"]: r for r in rows}
    prev, ref = base["previous fit_prior"], base["reference (official loop)"]
    print(
        "\n| implementation | s/iteration (wall) | CPU s/iteration | vs previous | vs reference |"
    )
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        ratios = f"{r['cpu'] / prev['cpu']:.2f}x | {r['cpu'] / ref['cpu']:.2f}x"
        print(f"| {r['method']} | {r['wall']:.3f} | {r['cpu']:.3f} | {ratios} |")
    print(f"\n(median of {rows[0]['n']} iterations each; ratios of CPU time)")
    if args.profile:
        k = n - args.warmup
        runs = {
            "previous": lambda: run_previous(hr, lr, k, seed),
            "fit_prior float32": lambda: run_current(hr, lr, k, seed, bf16=False),
        }
        if args.bf16:
            runs["fit_prior bfloat16"] = lambda: run_current(hr, lr, k, seed, bf16=True)
        for fn in runs.values():
            fn()  # warm-up outside the profiler
        print_profile({name: profile_breakdown(fn, k) for name, fn in runs.items()})


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
