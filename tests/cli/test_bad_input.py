"""Bad input to every sub-command of ``sisrlearn``.

Each case runs the command line in-process and asserts: the exit status (2 for a mistake, 1
for a failed run, 130 for Ctrl-C, or argparse's usage with status 2); that stderr is one line
``sisrlearn: error: ...`` (argparse: the usage, then one error line) naming the argument or
the file; that no traceback is printed; and that nothing was written: the user's folder is
byte for byte as it was (no output, no partial or temporary file, every existing file whole).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pathlib
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

import nbformat
import numpy as np
import odd_images as odd
import pytest
import torch
from PIL import Image

from sisrlearn import zoo
from sisrlearn.bench import MARKERS
from sisrlearn.cli import main
from sisrlearn.images import save_image
from sisrlearn.runs import recipe as trainer
from sisrlearn.speed import SPEED_MARKERS

pytestmark = pytest.mark.usefixtures("one_thread")

# A tiny SRCNN (4 and 2 features) trained for a few steps on two 48x48 images: seconds.
TRAIN = (
    "train srcnn --scale 2 --data {w}/hr --batch-size 4 --patch-size 21 --model-arg n1=4 "
    "--model-arg n2=2 --quiet --steps 4"
)
BENCH = "bench --data {w}/hr --scales 2 --quiet"
SPEED = "speed --models espcn --side 24 --repeats 1"
LONG_NAME = "x" * 300 + ".png"  # longer than any file system allows
NEAR_LIMIT = "y" * 250 + ".png"  # fits, but the temporary name beside it would not


# --- the user's folder ----------------------------------------------------------------------


def _smooth(side: int, seed: int) -> torch.Tensor:
    img = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(seed))
    return torch.nn.functional.avg_pool2d(img, 3, 1, 1)[0]


def _solution_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    cell = nbformat.v4.new_code_cell(
        "def f(x):\n    ### BEGIN SOLUTION\n    # HINT: double it\n    return 2 * x\n"
        "    ### END SOLUTION"
    )
    cell.metadata["nbgrader"] = {
        "solution": True,
        "grade": False,
        "locked": False,
        "grade_id": "f",
        "schema_version": 3,
        "task": False,
    }
    nb.cells.append(cell)
    return nb


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A user's folder: inputs, existing outputs, odd files, a read-only folder."""
    w = tmp_path / "user"
    w.mkdir()
    save_image(_smooth(24, 0)[:, :20], w / "in.png")
    for i in range(2):
        save_image(_smooth(48, i + 1), w / "hr" / f"img{i}.png")
    save_image(_smooth(16, 9), w / "old.png")
    (w / "old.json").write_text('{"mine": 1}\n')
    (w / "notes.txt").write_text("not an image\n")
    (w / "text.png").write_text("not an image either\n")
    (w / "empty.png").write_bytes(b"")
    (w / "marked.md").write_text(f"intro\n{MARKERS[0]}\nold\n{MARKERS[1]}\nend\n")
    (w / "speed.md").write_text(f"intro\n{SPEED_MARKERS[0]}\nold\n{SPEED_MARKERS[1]}\nend\n")
    (w / "plain.md").write_text("no markers here\n")
    (w / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    (w / "folder.png").mkdir()
    (w / "folder.json").mkdir()
    (w / "emptydir").mkdir()
    odd.truncated(w / "trunc.png", w / "hr" / "img0.png")
    Image.open(w / "hr" / "img0.png").convert("RGB").save(w / "full.jpg", quality=95)
    odd.truncated(w / "trunc.jpg", w / "full.jpg")
    odd.png_header_only(w / "bomb.png", 20000, 20000)
    odd.png_header_only(w / "huge.png", 10000, 10000)
    (w / "dangling.png").symlink_to(w / "missing.png")
    (w / "dangling.json").symlink_to(w / "missing.json")
    solutions = w / "solutions"
    solutions.mkdir()
    nbformat.write(_solution_notebook(), str(solutions / "01_x.ipynb"))
    (w / "students").mkdir()
    (w / "students" / "01_x.ipynb").write_text('{"a student": "works here"}\n')
    (w / "brokennb").mkdir()
    (w / "brokennb" / "01_x.ipynb").write_text("{ not json")
    ro = w / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # read-only for root too
        if mode & os.W_OK and Path(path).resolve() == ro.resolve():
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setenv("SISRLEARN_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("SISRLEARN_VGG19", raising=False)
    yield w
    ro.chmod(0o755)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``: a folder, a link (its target) or a file (its sha256)."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            state[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            state[rel] = ("folder",)
        else:
            state[rel] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return state


# --- ways a command can be hit ----------------------------------------------------------------


def disk_full(monkeypatch, only: str = ""):
    """Every file write (of a temporary file whose name holds ``only``) stops part-way with
    ENOSPC, as on a full disk: a few bytes are written first."""
    real_write_bytes = pathlib.Path.write_bytes
    real_save = Image.Image.save

    def write_bytes(self, data):
        if self.name.endswith(".tmp") and only in self.name:
            real_write_bytes(self, bytes(data)[:64])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write_bytes(self, data)

    def save(self, fp, *args, **kwargs):
        if only in Path(fp).name:
            real_write_bytes(Path(fp), b"\x89PNG partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_bytes", write_bytes)
    monkeypatch.setattr(Image.Image, "save", save)


@contextmanager
def file_size_limit(nbytes: int):
    """RLIMIT_FSIZE for this process: a write past ``nbytes`` fails with EFBIG."""
    resource = pytest.importorskip("resource")
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def _raise(exc):
    def fn(*args, **kwargs):
        raise exc

    return fn


def _exploding_loss(name, *schedule):  # a diverged run: the loss becomes inf at once
    return lambda out, target: (out - target).pow(2).mean() * float("inf")


def _broken_index(w: Path, entries: dict) -> Path:
    index = w.parent / "zoo" / "index.json"
    index.parent.mkdir(exist_ok=True)
    index.write_text(json.dumps({"entries": entries}))
    return index


SETUPS = {
    "disk_full": lambda w, mp: disk_full(mp),
    "disk_full_pt": lambda w, mp: disk_full(mp, only="old.pt"),
    "diverge": lambda w, mp: mp.setattr(trainer, "_loss", _exploding_loss),
    "ctrl_c_start": lambda w, mp: mp.setattr(
        "sisrlearn.cli.upscale.add_parser", _raise(KeyboardInterrupt)
    ),
    "ctrl_c_load": lambda w, mp: mp.setattr(
        "sisrlearn.cli.upscale.load_image", _raise(KeyboardInterrupt)
    ),
    "ctrl_c_save": lambda w, mp: mp.setattr(Image.Image, "save", _raise(KeyboardInterrupt)),
    "ctrl_c_bench": lambda w, mp: mp.setattr(
        "sisrlearn.bench.score_method", _raise(KeyboardInterrupt)
    ),
    "offline": lambda w, mp: mp.setattr(
        "urllib.request.urlopen", _raise(OSError(errno.ENETUNREACH, "Network is unreachable"))
    ),
    "ckpt": lambda w, mp: shutil.copy(CHECKPOINT, w / "w.ckpt"),
    "ckpt_corrupt": lambda w, mp: (w / "w.ckpt").write_bytes(b"\x00garbage" * 100),
    "ckpt_truncated": lambda w, mp: (w / "w.ckpt").write_bytes(
        CHECKPOINT.read_bytes()[: CHECKPOINT.stat().st_size // 2]
    ),
    "ckpt_state_dict": lambda w, mp: torch.save({"w": torch.zeros(2)}, w / "w.ckpt"),
    "old_run": lambda w, mp: (
        torch.save({"w": torch.zeros(1)}, w / "old.pt"),
        (w / "w.json").mkdir(),
    ),
    "max_pixels_bad": lambda w, mp: mp.setenv("SISRLEARN_MAX_PIXELS", "lots"),
}

CHECKPOINT: Path = Path()  # set by the checkpoint fixture


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """``w.ckpt`` of TRAIN interrupted by Ctrl-C after one step (made once for the module)."""
    global CHECKPOINT
    root = tmp_path_factory.mktemp("ckpt")
    for i in range(2):
        save_image(_smooth(48, i + 1), root / "hr" / f"img{i}.png")
    calls = []

    def interrupting_loss(name, *schedule):
        def loss(out, target):
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return (out - target).pow(2).mean()

        return loss

    argv = [*TRAIN.format(w=root).split(), "--checkpoint-every", "1", "--out", str(root / "w.pt")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(trainer, "_loss", interrupting_loss)
        assert main(argv) == 130
    CHECKPOINT = root / "w.ckpt"
    assert CHECKPOINT.is_file()
    return CHECKPOINT


# --- the cases --------------------------------------------------------------------------------


def case(cmd, code=2, *needles, id, setup=(), never=(), env=None):
    """A command (``{w}`` is the user's folder), the exit status it must give (or "usage"),
    words its error line must hold, setups to apply and functions that must not run."""
    return pytest.param(cmd, code, needles, setup, never, env or {}, id=id)


USAGE = "usage"

CASES = [
    # the program itself
    case("", USAGE, "COMMAND", id="no-command"),
    case("fly", USAGE, "fly", id="unknown-command"),
    case("--debugg doctor", USAGE, "--debugg", id="unknown-global-flag"),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2",
        130,
        "interrupted",
        id="ctrl-c-start-up",
        setup=["ctrl_c_start"],
    ),
    # upscale: arguments
    case("upscale {w}/in.png {w}/out.png", USAGE, "--scale", id="upscale-no-scale"),
    case("upscale", USAGE, "IN", id="upscale-no-input"),
    case("upscale {w}/in.png {w}/out.png --scale 0", USAGE, "--scale", id="upscale-scale-0"),
    case("upscale {w}/in.png {w}/out.png --scale -2", USAGE, "--scale", id="upscale-scale-neg"),
    case("upscale {w}/in.png {w}/out.png --scale two", USAGE, "--scale", id="upscale-scale-text"),
    case("upscale {w}/in.png {w}/out.png --scale 2.5", USAGE, "--scale", id="upscale-scale-float"),
    case("upscale {w}/in.png {w}/out.png --scale 2 --tile 0", USAGE, "--tile", id="upscale-tile-0"),
    case("upscale {w}/in.png {w}/out.png --scale 2 --tile 4", 2, "--tile", id="upscale-tile-4"),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2 --overlap -1",
        USAGE,
        "--overlap",
        id="upscale-overlap-neg",
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2 --method magic",
        2,
        "--method",
        "magic",
        id="upscale-unknown-method",
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2 --method srcnn_x3",
        2,
        "--method",
        "srcnn_x3",
        id="upscale-model-wrong-scale",
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2 --steps 5",
        2,
        "--steps",
        id="upscale-steps-without-dip",
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2 --method dip --steps 0",
        USAGE,
        "--steps",
        id="upscale-dip-steps-0",
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2 --method dip --tile 64",
        2,
        "--tile",
        id="upscale-dip-tile",
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 1000",
        2,
        "--scale",
        "megapixels",
        id="upscale-scale-1000",
        never=["sisrlearn.cli.upscale.load_image"],
    ),
    case(
        "upscale {w}/huge.png {w}/out.png --scale 2",
        2,
        "huge.png",
        "megapixels",
        id="upscale-10000x10000",
        never=["sisrlearn.cli.upscale.load_image"],
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2",
        2,
        "SISRLEARN_MAX_PIXELS",
        id="upscale-bad-pixel-limit",
        setup=["max_pixels_bad"],
    ),
    # upscale: the input
    case("upscale {w}/none.png {w}/out.png --scale 2", 2, "none.png", id="upscale-missing-input"),
    case("upscale {w}/hr {w}/out.png --scale 2", 2, "hr", id="upscale-input-folder"),
    case("upscale {w}/notes.txt {w}/out.png --scale 2", 2, "notes.txt", id="upscale-input-text"),
    case("upscale {w}/text.png {w}/out.png --scale 2", 2, "text.png", id="upscale-text-as-png"),
    case("upscale {w}/empty.png {w}/out.png --scale 2", 2, "empty.png", id="upscale-empty-file"),
    case("upscale {w}/trunc.png {w}/out.png --scale 2", 2, "trunc.png", id="upscale-truncated-png"),
    case("upscale {w}/trunc.jpg {w}/out.png --scale 2", 2, "trunc.jpg", id="upscale-truncated-jpg"),
    case("upscale {w}/bomb.png {w}/out.png --scale 2", 2, "bomb.png", id="upscale-bomb"),
    # upscale: the output
    case("upscale {w}/in.png --scale 2", 2, "OUT", id="upscale-no-output"),
    case("upscale {w}/in.png {w}/a.png --out {w}/b.png --scale 2", 2, "OUT", id="upscale-two-outs"),
    case("upscale {w}/in.png {w}/out.txt --scale 2", 2, "OUT", "out.txt", id="upscale-out-suffix"),
    case("upscale {w}/in.png {w}/out --scale 2", 2, "OUT", id="upscale-out-no-suffix"),
    case(
        "upscale {w}/in.png {w}/old.png --scale 2",
        2,
        "old.png",
        "--overwrite",
        id="upscale-out-exists",
    ),
    case(
        "upscale {w}/in.png {w}/in.png --scale 2",
        2,
        "in.png",
        "input file",
        id="upscale-out-is-input",
    ),
    case("upscale {w}/in.png {w}/nope/out.png --scale 2", 2, "nope", id="upscale-out-no-folder"),
    case(
        "upscale {w}/in.png {w}/ro/out.png --scale 2",
        2,
        "ro",
        "not writable",
        id="upscale-out-read-only",
    ),
    case("upscale {w}/in.png {w}/folder.png --scale 2", 2, "folder.png", id="upscale-out-folder"),
    case(
        "upscale {w}/in.png {w}/notes.txt/out.png --scale 2",
        2,
        "notes.txt",
        id="upscale-out-under-a-file",
    ),
    case(
        "upscale {w}/in.png {w}/" + LONG_NAME + " --scale 2",
        2,
        "too long",
        id="upscale-out-name-too-long",
    ),
    case(
        "upscale {w}/in.png {w}/" + NEAR_LIMIT + " --scale 2",
        2,
        "too long",
        id="upscale-out-name-near-limit",
    ),
    case(
        "upscale {w}/in.png {w}/dangling.png --scale 2",
        2,
        "dangling.png",
        "missing.png",
        id="upscale-out-dangling-symlink",
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2",
        2,
        "No space",
        "out.png",
        id="upscale-disk-full",
        setup=["disk_full"],
    ),
    case(
        "upscale {w}/in.png {w}/in.png --scale 2 --overwrite",
        2,
        "No space",
        "in.png",
        id="upscale-overwrite-input-disk-full",
        setup=["disk_full"],
    ),
    case(
        "upscale {w}/in.png {w}/out.png --scale 2",
        130,
        "interrupted",
        id="upscale-ctrl-c-loading",
        setup=["ctrl_c_load"],
    ),
    case(
        "upscale {w}/in.png {w}/old.png --scale 2 --overwrite",
        130,
        "interrupted",
        id="upscale-ctrl-c-writing",
        setup=["ctrl_c_save"],
    ),
    # colorize
    case("colorize", USAGE, "IN", id="colorize-no-input"),
    case(
        "colorize {w}/in.png {w}/out.png --temperature 0",
        USAGE,
        "--temperature",
        id="colorize-temperature-0",
    ),
    case(
        "colorize {w}/in.png {w}/out.png --temperature nan",
        USAGE,
        "--temperature",
        id="colorize-temperature-nan",
    ),
    case("colorize {w}/in.png", 2, "OUT", id="colorize-no-output"),
    case("colorize {w}/none.png {w}/out.png", 2, "none.png", id="colorize-missing-input"),
    case("colorize {w}/trunc.jpg {w}/out.png", 2, "trunc.jpg", id="colorize-truncated"),
    case("colorize {w}/in.png {w}/old.png", 2, "old.png", "--overwrite", id="colorize-out-exists"),
    case("colorize {w}/in.png {w}/in.png", 2, "input file", id="colorize-out-is-input"),
    case("colorize {w}/in.png {w}/ro/out.png", 2, "not writable", id="colorize-out-read-only"),
    case("colorize {w}/in.png {w}/folder.png", 2, "folder.png", id="colorize-out-folder"),
    case("colorize {w}/in.png {w}/out.png --model nonet", 2, "nonet", id="colorize-unknown-model"),
    case(
        "colorize {w}/in.png {w}/out.png --model {w}/none.pt",
        2,
        "none.pt",
        id="colorize-missing-model-file",
    ),
    case(
        "colorize {w}/in.png {w}/old.png --overwrite",
        2,
        "No space",
        "old.png",
        id="colorize-disk-full",
        setup=["disk_full"],
    ),
    # bench
    case("bench --scales 0", USAGE, "--scale", id="bench-scale-0"),
    case("bench --scales x", USAGE, "--scale", id="bench-scale-text"),
    case("bench --protocol jpeg", USAGE, "--protocol", id="bench-protocol"),
    case("bench --steps 0 --method dip", USAGE, "--steps", id="bench-steps-0"),
    case(
        BENCH.replace("--scales 2", "--scales 1"),
        2,
        "--scale",
        id="bench-scales-1",
        never=["sisrlearn.bench.score_method"],
    ),
    case(BENCH + " --method magic", 2, "--method", "magic", id="bench-unknown-method"),
    case(BENCH + " --steps 5", 2, "--steps", id="bench-steps-without-dip"),
    case(BENCH + " --method srcnn_x3", 2, "srcnn_x3", id="bench-model-wrong-scale"),
    case("bench --data {w}/nope --quiet", 2, "nope", id="bench-data-missing"),
    case("bench --data {w}/emptydir --quiet", 2, "emptydir", id="bench-data-empty"),
    case("bench --data {w}/notes.txt --quiet", 2, "notes.txt", id="bench-data-a-file"),
    case("bench --data nosuchset --quiet", 2, "nosuchset", id="bench-data-unknown-name"),
    case(
        BENCH + " --json {w}/old.json",
        2,
        "old.json",
        "--overwrite",
        id="bench-json-exists",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --json {w}/nope/r.json",
        2,
        "--json",
        "nope",
        id="bench-json-no-folder",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --json {w}/ro/r.json",
        2,
        "--json",
        "not writable",
        id="bench-json-read-only",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --json {w}/folder.json",
        2,
        "--json",
        "folder.json",
        id="bench-json-folder",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --json {w}/dangling.json",
        2,
        "--json",
        "dangling.json",
        id="bench-json-dangling-symlink",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --markdown {w}/plain.md",
        2,
        "plain.md",
        "sisrlearn bench: start",
        id="bench-markdown-no-markers",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --markdown {w}/binary.md",
        2,
        "binary.md",
        "UTF-8",
        id="bench-markdown-binary",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --markdown {w}/ro/t.md",
        2,
        "--markdown",
        "not writable",
        id="bench-markdown-read-only",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --markdown {w}/nope/t.md",
        2,
        "--markdown",
        "nope",
        id="bench-markdown-no-folder",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --markdown {w}/marked.md --json {w}/marked.md --overwrite",
        2,
        "same file",
        id="bench-json-is-markdown",
        never=["sisrlearn.bench.score_method"],
    ),
    case(
        BENCH + " --markdown {w}/marked.md",
        2,
        "No space",
        "marked.md",
        id="bench-markdown-disk-full",
        setup=["disk_full"],
    ),
    case(
        BENCH + " --json {w}/old.json --overwrite",
        2,
        "No space",
        "old.json",
        id="bench-json-disk-full",
        setup=["disk_full"],
    ),
    case(
        BENCH + " --json {w}/r.json", 130, "interrupted", id="bench-ctrl-c", setup=["ctrl_c_bench"]
    ),
    # speed
    case("speed --models bicubic", USAGE, "--model", id="speed-unknown-model"),
    case("speed --side 0", USAGE, "--side", id="speed-side-0"),
    case("speed --repeats 0", USAGE, "--repeats", id="speed-repeats-0"),
    case("speed --scale 0", USAGE, "--scale", id="speed-scale-0"),
    case(SPEED + " --data {w}/nope", 2, "nope", id="speed-data-missing"),
    case(
        SPEED + " --markdown {w}/plain.md",
        2,
        "plain.md",
        "sisrlearn speed: start",
        id="speed-markdown-no-markers",
        never=["sisrlearn.cli.speed.speed_size"],
    ),
    case(
        SPEED + " --markdown {w}/ro/t.md",
        2,
        "--markdown",
        "not writable",
        id="speed-markdown-read-only",
        never=["sisrlearn.cli.speed.speed_size"],
    ),
    case(
        SPEED + " --markdown {w}/folder.png",
        2,
        "--markdown",
        "folder.png",
        id="speed-markdown-folder",
        never=["sisrlearn.cli.speed.speed_size"],
    ),
    case(
        SPEED + " --markdown {w}/speed.md",
        2,
        "No space",
        "speed.md",
        id="speed-markdown-disk-full",
        setup=["disk_full"],
    ),
    # train
    case("train", USAGE, "MODEL", id="train-no-model"),
    case(TRAIN + " --lr 0", USAGE, "--lr", id="train-lr-0"),
    case(TRAIN + " --lr 1e30", USAGE, "--lr", id="train-lr-1e30"),
    case(TRAIN + " --lr nan", USAGE, "--lr", id="train-lr-nan"),
    case(TRAIN + " --lr -0.1", USAGE, "--lr", id="train-lr-negative"),
    case(TRAIN + " --batch-size 0", USAGE, "--batch-size", id="train-batch-0"),
    case(TRAIN + " --patch-size 0", USAGE, "--patch-size", id="train-patch-0"),
    case(TRAIN + " --optimizer rmsprop", USAGE, "--optimizer", id="train-optimizer"),
    case(TRAIN + " --eval-every 0", USAGE, "--eval-every", id="train-eval-every-0"),
    case("train colornet --lr 1e30", USAGE, "--lr", id="train-colornet-lr-1e30"),
    case("train nonet --scale 2", 2, "MODEL", "nonet", id="train-unknown-model"),
    case("train srgan_discriminator --scale 4", 2, "MODEL", id="train-a-critic"),
    case("train srcnn --data {w}/hr", 2, "--scale", id="train-no-scale"),
    case(TRAIN + " --no-rebalance", 2, "--no-rebalance", id="train-no-rebalance-on-sr"),
    case("train colornet --scale 2", 2, "--scale", id="train-colornet-scale"),
    case("train colornet --loss mse", 2, "--loss", id="train-colornet-loss"),
    case(TRAIN + " --loss recursive", 2, "--loss", id="train-recursive-loss-on-srcnn"),
    case(TRAIN + " --loss huber", USAGE, "--loss", id="train-loss-unknown"),
    case(TRAIN + " --model-arg oops", 2, "--model-arg", id="train-model-arg-syntax"),
    case(
        TRAIN + " --model-arg n9=3",
        2,
        "n9",
        id="train-model-arg-unknown",
        never=["sisrlearn.runs.recipe.fit"],
    ),
    case(TRAIN + " --data {w}/nope", 2, "nope", id="train-data-missing"),
    case(TRAIN + " --data {w}/emptydir", 2, "emptydir", id="train-data-empty"),
    case(
        TRAIN.replace("--batch-size 4", "--batch-size 64"),
        2,
        "batch_size",
        id="train-batch-larger-than-data",
    ),
    case(TRAIN + " --init nonet_x2", 2, "nonet_x2", id="train-init-unknown"),
    case(TRAIN + " --init srcnn_x3", 2, "srcnn_x3", id="train-init-other-network"),
    case(TRAIN + " --out {w}/w.pth", 2, "--out", id="train-out-suffix"),
    case(
        TRAIN + " --out {w}/ro/w.pt",
        2,
        "--out",
        "not writable",
        id="train-out-read-only",
        never=["sisrlearn.runs.recipe.fit"],
    ),
    case(
        TRAIN + " --out {w}/notes.txt/w.pt",
        2,
        "--out",
        "notes.txt",
        id="train-out-under-a-file",
        never=["sisrlearn.runs.recipe.fit"],
    ),
    case(
        TRAIN + " --out {w}/w.pt",
        2,
        "--out",
        "w.json",
        id="train-record-is-a-folder",
        setup=["old_run"],
        never=["sisrlearn.runs.recipe.fit"],
    ),
    case(
        TRAIN + " --out {w}/old.pt",
        2,
        "old.pt",
        "--overwrite",
        id="train-out-exists",
        setup=["old_run"],
        never=["sisrlearn.runs.recipe.fit"],
    ),
    case(TRAIN + " --resume", 2, "--resume", "--out", id="train-resume-without-out"),
    case(
        TRAIN + " --out {w}/w.pt --resume", 2, "--resume", "w.ckpt", id="train-resume-no-checkpoint"
    ),
    case(TRAIN + " --out {w}/w.pt", 1, "learning_rate", id="train-diverged", setup=["diverge"]),
    case(
        TRAIN.replace("--scale 2", "--scale 3") + " --out {w}/w.pt --resume",
        2,
        "scales",
        id="train-resume-other-scale",
        setup=["ckpt"],
        never=["sisrlearn.runs.recipe.fit"],
    ),
    case(
        TRAIN.replace("--batch-size 4", "--batch-size 8") + " --out {w}/w.pt --resume",
        2,
        "recipe.batch_size",
        id="train-resume-other-batch",
        setup=["ckpt"],
        never=["sisrlearn.runs.recipe.fit"],
    ),
    case(
        TRAIN + " --lr 0.5 --out {w}/w.pt --resume",
        2,
        "recipe.learning_rate",
        id="train-resume-other-lr",
        setup=["ckpt"],
        never=["sisrlearn.runs.recipe.fit"],
    ),
    case(
        TRAIN.replace("--scale 2", "--scale 3").replace("--batch-size 4", "--batch-size 8")
        + " --lr 0.5 --out {w}/w.pt --resume",
        2,
        "scales",
        "recipe.batch_size",
        "recipe.learning_rate",
        id="train-resume-three-changes",
        setup=["ckpt"],
    ),
    case(
        "train fsrcnn --scale 2 --data {w}/hr --quiet --steps 4 --out {w}/w.pt --resume",
        2,
        "model: checkpoint 'srcnn', now 'fsrcnn'",
        id="train-resume-other-model",
        setup=["ckpt"],
    ),
    case(
        TRAIN + " --out {w}/w.pt --resume",
        2,
        "w.ckpt",
        id="train-resume-corrupt",
        setup=["ckpt_corrupt"],
    ),
    case(
        TRAIN + " --out {w}/w.pt --resume",
        2,
        "w.ckpt",
        id="train-resume-truncated",
        setup=["ckpt_truncated"],
    ),
    case(
        TRAIN + " --out {w}/w.pt --resume",
        2,
        "w.ckpt",
        id="train-resume-not-a-checkpoint",
        setup=["ckpt_state_dict"],
    ),
    # srgan
    case("srgan --steps 2", USAGE, "--init", id="srgan-no-init"),
    case("srgan --init srresnet_x4", USAGE, "--steps", id="srgan-no-steps"),
    case("srgan --init srresnet_x4 --steps 2 --lr 0", USAGE, "--lr", id="srgan-lr-0"),
    case("srgan --init srresnet_x4 --steps 2 --crop 0", USAGE, "--crop", id="srgan-crop-0"),
    case("srgan --init srresnet_x4 --steps 2 --content l1", USAGE, "--content", id="srgan-content"),
    case(
        "srgan --init srresnet_x4 --steps 2 --adversarial-weight 0",
        USAGE,
        "--adversarial-weight",
        id="srgan-weight-0",
    ),
    case("srgan --init nonet --steps 2 --data {w}/hr --quiet", 2, "nonet", id="srgan-init-unknown"),
    case(
        "srgan --init srcnn_x3 --steps 2 --data {w}/hr --quiet",
        2,
        "srcnn_x3",
        id="srgan-init-not-a-generator",
    ),
    case(
        "srgan --init srresnet_x4 --steps 2 --vgg {w}/none.pth --quiet",
        2,
        "--vgg",
        id="srgan-vgg-missing",
    ),
    case(
        "srgan --init srresnet_x4 --steps 2 --content vgg54 --data {w}/hr --quiet",
        2,
        "vgg19",
        id="srgan-vgg54-without-weights",
    ),
    case(
        "srgan --init srresnet_x4 --steps 2 --resume --quiet",
        2,
        "--resume",
        id="srgan-resume-without-out",
    ),
    case(
        "srgan --init srresnet_x4 --steps 2 --out {w}/ro/g.pt --quiet",
        2,
        "--out",
        "not writable",
        id="srgan-out-read-only",
    ),
    case(
        "srgan --init srresnet_x4 --steps 4 --crop 32 --batch-size 2 --data {w}/hr "
        "--out {w}/w.pt --resume --quiet",
        2,
        "sisrlearn train",
        id="srgan-resume-train-ckpt",
        setup=["ckpt"],
    ),
    # dictionary
    case("dictionary --out {w}/d.pt", USAGE, "--scale", id="dictionary-no-scale"),
    case("dictionary --scale 3", USAGE, "--out", id="dictionary-no-out"),
    case("dictionary --scale 3 --out {w}/d.pt --atoms 0", USAGE, "--atoms", id="dictionary-atoms"),
    case("dictionary --scale 3 --out {w}/d.pt --lam -1", USAGE, "--lam", id="dictionary-lam"),
    case("dictionary --scale 3 --out {w}/d.npz", 2, "--out", id="dictionary-out-suffix"),
    case(
        "dictionary --scale 3 --out {w}/old.pt",
        2,
        "old.pt",
        "--overwrite",
        id="dictionary-out-exists",
        setup=["old_run"],
    ),
    case(
        "dictionary --scale 3 --out {w}/ro/d.pt",
        2,
        "not writable",
        id="dictionary-out-read-only",
        never=["sisrlearn.runs.dictionary.learn_coupled_dictionary"],
    ),
    case(
        "dictionary --scale 3 --out {w}/folder.pt",
        2,
        "--out",
        "folder.json",
        id="dictionary-record-is-a-folder",
        never=["sisrlearn.runs.dictionary.learn_coupled_dictionary"],
    ),
    case(
        "dictionary --scale 3 --data {w}/nope --out {w}/d.pt",
        2,
        "nope",
        id="dictionary-data-missing",
    ),
    # data
    case("data", USAGE, "ACTION", id="data-no-action"),
    case("data fetch", USAGE, "NAME", id="data-fetch-no-name"),
    case("data fetch imagenet", USAGE, "imagenet", id="data-fetch-unknown"),
    case("data fetch manga109 --quiet", 2, "manga109", id="data-fetch-on-request-only"),
    case("data fetch bsd100 --quiet", 2, "network", id="data-fetch-offline", setup=["offline"]),
    # exercises
    case(
        "exercises --solutions {w}/solutions --out {w}/solutions --overwrite",
        2,
        "--out",
        "--solutions",
        id="exercises-out-is-solutions",
    ),
    case(
        "exercises --solutions {w}/solutions --out {w}/solutions/. --overwrite",
        2,
        "--out",
        id="exercises-out-is-solutions-dot",
    ),
    case(
        "exercises --solutions {w}/nope --out {w}/st",
        2,
        "--solutions",
        "nope",
        id="exercises-solutions-missing",
    ),
    case(
        "exercises --solutions {w}/notes.txt --out {w}/st",
        2,
        "--solutions",
        id="exercises-solutions-a-file",
    ),
    case(
        "exercises --solutions {w}/emptydir --out {w}/st",
        2,
        "emptydir",
        id="exercises-no-notebooks",
    ),
    case(
        "exercises --solutions {w}/brokennb --out {w}/st",
        2,
        "01_x.ipynb",
        id="exercises-broken-notebook",
    ),
    case(
        "exercises --solutions {w}/solutions --out {w}/notes.txt",
        2,
        "--out",
        "notes.txt",
        id="exercises-out-a-file",
    ),
    case(
        "exercises --solutions {w}/solutions --out {w}/ro",
        2,
        "--out",
        "not writable",
        id="exercises-out-read-only",
    ),
    case(
        "exercises --solutions {w}/solutions --out {w}/students",
        2,
        "01_x.ipynb",
        "--overwrite",
        id="exercises-student-work-kept",
    ),
    case(
        "exercises --solutions {w}/solutions --out {w}/students --overwrite",
        2,
        "No space",
        "01_x.ipynb",
        id="exercises-disk-full",
        setup=["disk_full"],
    ),
    # doctor
    case("doctor --verbose", USAGE, "--verbose", id="doctor-unknown-flag"),
]


def _argv(cmd: str, w: Path) -> list[str]:
    return [part.replace("{w}", str(w)) for part in cmd.split()]


def _status(argv: list[str], *, usage: bool = False) -> int:
    """The exit status of ``sisrlearn ARGV`` (argparse's through SystemExit when ``usage``);
    a Ctrl-C that escapes the command line fails the test instead of stopping the session."""
    try:
        if not usage:
            return main(argv)
        with pytest.raises(SystemExit) as stop:
            main(argv)
        return stop.value.code
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped the command line")


@pytest.mark.parametrize(("cmd", "code", "needles", "setup", "never", "env"), CASES)
def test_bad_input_is_one_line_and_writes_nothing(
    cmd, code, needles, setup, never, env, ws, monkeypatch, capsys, request
):
    if "ckpt" in setup:
        request.getfixturevalue("checkpoint")
    for name in setup:
        SETUPS[name](ws, monkeypatch)
    for target in never:
        monkeypatch.setattr(target, _raise(AssertionError(f"{target} ran: refuse it before")))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    before = snapshot(ws)
    capsys.readouterr()
    status = _status(_argv(cmd, ws), usage=code == USAGE)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    if code == USAGE:
        assert status == 2, err
        assert lines[0].startswith("usage: sisrlearn"), err
        assert ": error: " in lines[-1] and lines[-1].startswith("sisrlearn"), err
    else:
        assert status == code, err
        assert len(lines) == 1, err
        assert lines[0].startswith("sisrlearn: error: "), err
    for needle in needles:
        assert needle in lines[-1], f"{needle!r} not named in: {lines[-1]}"
    assert snapshot(ws) == before, f"{cmd}: files changed"


# --- the cases that need more than one command or a look at the output -------------------------


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sisrlearn: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_upscale_over_its_input_past_a_file_size_limit_keeps_the_input(ws, capsys):
    src = save_image(
        torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(3)), ws / "big_in.png"
    )
    before = snapshot(ws)
    with file_size_limit(16_000):  # the x2 output of random pixels is ~50 kB
        status = main(["upscale", str(src), str(src), "--scale", "2", "--overwrite", "--quiet"])
    line = _one_error_line(capsys)
    assert status == 2 and "File too large" in line and "big_in.png" in line
    assert snapshot(ws) == before


def test_train_final_write_failing_keeps_the_old_weights_and_record(ws, monkeypatch, capsys):
    out = ws / "old.pt"
    torch.save({"w": torch.zeros(1)}, out)
    kept = (out.read_bytes(), (ws / "old.json").read_bytes())
    disk_full(monkeypatch, only="old.pt")
    status = main([*_argv(TRAIN, ws), "--steps", "2", "--out", str(out), "--overwrite"])
    line = _one_error_line(capsys)
    assert status == 2 and "No space" in line and "old.pt" in line
    assert (out.read_bytes(), (ws / "old.json").read_bytes()) == kept
    assert not [p for p in ws.iterdir() if p.name.endswith(".tmp")]


def test_doctor_reports_a_broken_zoo_index_and_does_not_crash(ws, monkeypatch, capsys):
    entries = {
        "lacking": {"kind": "model", "model": "srcnn", "scales": [2]},
        "escaping": {
            "kind": "model",
            "model": "srcnn",
            "scales": [2],
            "weights": "../../etc/passwd",
            "sha256": "0" * 64,
        },
    }
    monkeypatch.setattr(zoo, "INDEX", _broken_index(ws, entries))
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "lacking: entry 'lacking' lacks" in out and "weights" in out
    assert "escaping: " in out and "weights folder" in out
    zoo.INDEX.write_text("{ not json")
    assert main(["doctor"]) == 0
    assert "zoo index cannot be read" in capsys.readouterr().out


def test_an_unexpected_bug_keeps_its_traceback(ws, monkeypatch):
    monkeypatch.setattr("sisrlearn.cli.upscale.load_image", _raise(RuntimeError("a bug")))
    with pytest.raises(RuntimeError, match="a bug"):
        main(["upscale", str(ws / "in.png"), str(ws / "out.png"), "--scale", "2"])


def test_debug_shows_the_traceback_of_an_expected_error(ws):
    with pytest.raises(ValueError, match="trunc.png"):
        main(["--debug", "upscale", str(ws / "trunc.png"), str(ws / "o.png"), "--scale", "2"])
    with pytest.raises(KeyboardInterrupt):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sisrlearn.cli.upscale.add_parser", _raise(KeyboardInterrupt))
            main(["--debug", "doctor"])


def test_upscale_applies_the_exif_orientation(ws, capsys):
    stored = odd.random_u8((40, 64, 3)) // 4  # dark, 64 wide and 40 high as stored
    stored[:20, :32] = 255  # a bright block in the stored top-left corner
    src = odd.exif_rotated_jpeg(ws / "portrait.jpg", stored, orientation=6)
    out = ws / "portrait_x2.png"
    assert main(["upscale", str(src), str(out), "--scale", "2", "--quiet"]) == 0
    shown = np.asarray(Image.open(out).convert("L"), dtype=np.float64)
    assert shown.shape == (128, 80)  # displayed upright: 40 wide, 64 high, times 2
    # orientation 6 turns the stored image 90 degrees clockwise: the block goes top-right
    quarters = [shown[:64, 40:], shown[:64, :40], shown[64:, :40], shown[64:, 40:]]
    means = [q.mean() for q in quarters]
    assert means[0] > 200 and max(means[1:]) < 100


def test_bench_counts_a_png_and_a_jpg_of_one_name(ws, capsys):
    folder = ws / "pair"
    save_image(_smooth(32, 5), folder / "a.png")
    Image.open(folder / "a.png").save(folder / "a.jpg", quality=90)
    out = ws / "pair.json"
    assert (
        main(["bench", "--data", str(folder), "--scales", "2", "--quiet", "--json", str(out)]) == 0
    )
    (row,) = json.loads(out.read_text())
    assert row["num_images"] == 2


def test_ctrl_c_while_training_keeps_a_checkpoint_and_says_so(ws, monkeypatch, capsys):
    calls = []

    def interrupting_loss(name, *schedule):
        def loss(out, target):
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return (out - target).pow(2).mean()

        return loss

    monkeypatch.setattr(trainer, "_loss", interrupting_loss)
    before = set(snapshot(ws))
    out = ws / "w.pt"
    status = _status([*_argv(TRAIN, ws), "--checkpoint-every", "1", "--out", str(out)])
    line = _one_error_line(capsys)
    assert status == 130 and "interrupted" in line and "w.ckpt" in line and "--resume" in line
    assert set(snapshot(ws)) - before == {"w.ckpt"}  # the checkpoint, nothing else
    calls.clear()
    assert _status(_argv(TRAIN, ws)) == 130  # no --out: nothing to keep
    assert "nothing saved" in _one_error_line(capsys)
