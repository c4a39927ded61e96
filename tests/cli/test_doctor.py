"""``sisrlearn doctor``: the report and its bfloat16 line."""

from sisrlearn.cli import main


def test_doctor_reports(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "device" in out and "torch" in out and "fast mode" in out and "cpu bf16" in out


def test_doctor_cpu_bf16_line_reads_the_cpu_flags(tmp_path):
    from sisrlearn.doctor import cpu_bf16_line

    info = tmp_path / "cpuinfo"
    info.write_text("flags\t\t: fpu sse avx512f avx512_bf16 amx_tile amx_bf16\n")
    assert cpu_bf16_line(info).startswith("yes (amx_bf16, avx512_bf16)")
    info.write_text("flags\t\t: fpu sse avx2\n")
    assert cpu_bf16_line(info).startswith("no bfloat16 units")
    assert cpu_bf16_line(tmp_path / "missing").startswith("unknown")
