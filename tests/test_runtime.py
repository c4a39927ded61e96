import pytest
import torch

from sisrlearn.runtime import (
    autocast,
    bf16_layout,
    bf16_pays_off,
    budget,
    cpu_has_bf16,
    fast_mode,
    get_device,
    reuse_freed_memory,
    set_seed,
)


def test_get_device_is_usable():
    device = get_device()
    assert torch.zeros(1, device=device).device.type == device.type


def test_set_seed_makes_torch_reproducible():
    set_seed(3)
    a = torch.rand(4)
    set_seed(3)
    assert torch.equal(a, torch.rand(4))
    gen = set_seed(5)
    assert isinstance(gen, torch.Generator)


def test_set_seed_rejects_non_int():
    with pytest.raises(TypeError, match="seed"):
        set_seed(1.5)


def test_fast_mode_and_budget(monkeypatch):
    monkeypatch.setenv("SISRLEARN_FAST", "1")
    assert fast_mode()
    assert budget(gpu=1000, cpu=100, fast=3) == 3
    monkeypatch.setenv("SISRLEARN_FAST", "0")
    assert not fast_mode()
    expected = 1000 if torch.cuda.is_available() else 100
    assert budget(gpu=1000, cpu=100, fast=3) == expected


def test_budget_rejects_bad_counts():
    with pytest.raises(ValueError, match="cpu"):
        budget(gpu=10, cpu=-1, fast=1)


def test_autocast_is_a_no_op_on_cpu():
    with autocast("cpu"):
        y = torch.ones(2, 2) @ torch.ones(2, 2)
    assert y.dtype == torch.float32


def test_bf16_layout_puts_modules_in_channels_last_only_for_cpu_bf16():
    conv = torch.nn.Conv2d(4, 4, 3)
    assert bf16_layout("cpu", conv, cpu=False) is torch.preserve_format
    assert conv.weight.is_contiguous()  # left alone
    assert bf16_layout("cpu", conv, cpu=True) is torch.channels_last
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert not conv.weight.is_contiguous()


def test_cpu_has_bf16_reads_the_cpu_flags(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("flags\t\t: fpu sse avx512f amx_tile amx_bf16\n")
    assert cpu_has_bf16(info)
    info.write_text("flags\t\t: fpu sse avx512f avx512_bf16\n")
    assert cpu_has_bf16(info)
    info.write_text("flags\t\t: fpu sse avx2 avx512f amx_tile\n")  # no bf16 unit
    assert not cpu_has_bf16(info)
    assert not cpu_has_bf16(tmp_path / "missing")
    assert bf16_pays_off("cpu") == cpu_has_bf16()
    assert bf16_pays_off(torch.device("cuda", 0))  # a GPU always takes bfloat16 autocast


def test_reuse_freed_memory_leaves_results_alone():
    x = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(0))
    expected = torch.nn.functional.avg_pool2d(x, 2)
    with reuse_freed_memory():
        big = torch.ones(9 * 1024 * 1024)  # 36 MiB, above glibc's default mmap threshold
        assert float(big.sum()) == 9 * 1024 * 1024
        del big
        assert torch.equal(torch.nn.functional.avg_pool2d(x, 2), expected)
    with reuse_freed_memory(limit=0):  # an out-of-range limit is ignored
        assert torch.equal(torch.nn.functional.avg_pool2d(x, 2), expected)


def test_reuse_freed_memory_respects_a_tuned_malloc(monkeypatch):
    from sisrlearn import runtime

    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert runtime._glibc_mallopt() is None
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")
    monkeypatch.setattr(runtime.platform, "libc_ver", lambda: ("musl", "1.2"))
    assert runtime._glibc_mallopt() is None
