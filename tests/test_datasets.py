"""Dataset registry and fetcher. No internet: downloads come from a local HTTP server."""

import hashlib
import http.server
import io
import json
import re
import socket
import threading
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sisrlearn import datasets
from sisrlearn.datasets import DataFetchError, Dataset, fetch, resolve_dataset
from sisrlearn.images import load_folder

ROOT = Path(__file__).resolve().parents[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files``; honours ``Range: bytes=N-``; ``server.cut`` (a count) makes
    that many next responses announce the full length but stop after half the body."""

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range"):
            start = int(re.fullmatch(r"bytes=(\d+)-", self.headers["Range"]).group(1))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if server.cut:
            server.cut -= 1
            payload = payload[: len(payload) // 2]
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.requests, httpd.cut = {}, [], 0
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _tiny_images():
    rng = np.random.default_rng(0)
    return {name: rng.integers(0, 256, (6, 8, 3), dtype=np.uint8) for name in "abc"}


def _zip_of(images, folder="tiny-1.0/HR"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("tiny-1.0/README.txt", "three tiny images\n")
        for name, arr in images.items():
            png = io.BytesIO()
            Image.fromarray(arr).save(png, format="PNG")
            zf.writestr(f"{folder}/{name}.png", png.getvalue())
    return buf.getvalue()


def _register(monkeypatch, url, sha256, **kw):
    entry = Dataset(
        name="tiny",
        kind="fetch",
        role="benchmark",
        description="three tiny images",
        images=3,
        source="made in the test",
        url=url,
        filename="tiny.zip",
        sha256=sha256,
        archive_folder="*/HR",
        pattern="*.png",
        **kw,
    )
    monkeypatch.setitem(datasets.REGISTRY, "tiny", entry)
    return entry


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())


def test_fetch_checks_the_sha256_and_gives_the_folder_of_hr_images(server, monkeypatch, tmp_path):
    images = _tiny_images()
    body = _zip_of(images)
    server.files["/tiny.zip"] = body
    _register(monkeypatch, server.base + "/tiny.zip", hashlib.sha256(body).hexdigest())
    folder = fetch("tiny", cache_dir=tmp_path, progress=False)
    loaded = load_folder(folder)
    assert sorted(loaded) == ["a", "b", "c"]
    for name, arr in images.items():
        np.testing.assert_array_equal(np.round(loaded[name].numpy() * 255).transpose(1, 2, 0), arr)
    assert resolve_dataset("tiny", cache_dir=tmp_path) == folder
    assert resolve_dataset("TINY", cache_dir=tmp_path) == folder
    n_requests = len(server.requests)
    assert fetch("tiny", cache_dir=tmp_path, progress=False) == folder  # no second download
    assert len(server.requests) == n_requests
    assert "README.txt" not in _files(tmp_path / "tiny")  # the HR images only


def test_fetch_refuses_a_sha256_mismatch_and_keeps_nothing(server, monkeypatch, tmp_path):
    server.files["/tiny.zip"] = _zip_of(_tiny_images())
    _register(monkeypatch, server.base + "/tiny.zip", "0" * 64)
    with pytest.raises(DataFetchError, match=r"(?i)sha256.*Nothing was kept"):
        fetch("tiny", cache_dir=tmp_path, progress=False)
    assert _files(tmp_path) == []
    assert not (tmp_path / "tiny").exists()


def test_an_interrupted_download_resumes_with_a_range_request(server, monkeypatch, tmp_path):
    images = _tiny_images()
    body = _zip_of(images)
    server.files["/tiny.zip"], server.cut = body, 1
    _register(monkeypatch, server.base + "/tiny.zip", hashlib.sha256(body).hexdigest())
    with pytest.raises(DataFetchError, match="interrupted after .* run the same command again"):
        fetch("tiny", cache_dir=tmp_path, progress=False)
    partial = tmp_path / "downloads" / "tiny.zip.part"
    assert partial.read_bytes() == body[: len(body) // 2]
    assert not (tmp_path / "tiny").exists()
    folder = fetch("tiny", cache_dir=tmp_path, progress=False)
    assert server.requests[-1] == ("/tiny.zip", f"bytes={len(body) // 2}-")
    assert (tmp_path / "downloads" / "tiny.zip").read_bytes() == body
    assert not partial.exists()
    assert sorted(load_folder(folder)) == ["a", "b", "c"]


def test_without_a_network_the_error_names_the_url(monkeypatch, tmp_path):
    with socket.socket() as sock:  # a port nobody listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tiny.zip"
    _register(monkeypatch, url, "0" * 64)
    with pytest.raises(DataFetchError, match="could not reach the network") as err:
        fetch("tiny", cache_dir=tmp_path, progress=False)
    assert url in str(err.value) and "\n" not in str(err.value)
    assert _files(tmp_path) == []


def test_an_http_error_is_reported(server, monkeypatch, tmp_path):
    _register(monkeypatch, server.base + "/moved.zip", "0" * 64)
    with pytest.raises(DataFetchError, match="HTTP 404"):
        fetch("tiny", cache_dir=tmp_path, progress=False)


def test_an_unknown_hash_is_stored_on_first_download_then_enforced(server, monkeypatch, tmp_path):
    body = _zip_of(_tiny_images())
    server.files["/tiny.zip"] = body
    _register(monkeypatch, server.base + "/tiny.zip", None)
    fetch("tiny", cache_dir=tmp_path, progress=False)
    stored = json.loads((tmp_path / "sha256.json").read_text())
    assert stored == {"tiny.zip": hashlib.sha256(body).hexdigest()}
    (row,) = [r for r in datasets.list_datasets(cache_dir=tmp_path) if r["name"] == "tiny"]
    assert stored["tiny.zip"][:12] in row["hash"]
    # the server now sends other bytes: a fresh fetch refuses them
    server.files["/tiny.zip"] = _zip_of(_tiny_images() | {"a": np.zeros((6, 8, 3), np.uint8)})
    for path in [tmp_path / "downloads" / "tiny.zip", *(tmp_path / "tiny").iterdir()]:
        path.unlink()
    (tmp_path / "tiny").rmdir()
    with pytest.raises(DataFetchError, match="(?i)sha256"):
        fetch("tiny", cache_dir=tmp_path, progress=False)


def test_an_archive_without_the_expected_images_is_deleted(server, monkeypatch, tmp_path):
    body = _zip_of(_tiny_images(), folder="tiny-1.0/other")
    server.files["/tiny.zip"] = body
    _register(monkeypatch, server.base + "/tiny.zip", hashlib.sha256(body).hexdigest())
    with pytest.raises(DataFetchError, match="expected one folder"):
        fetch("tiny", cache_dir=tmp_path, progress=False)
    assert _files(tmp_path) == []


def test_the_images_are_checked_against_a_manifest(server, monkeypatch, tmp_path):
    images = _tiny_images()
    body = _zip_of(images)
    server.files["/tiny.zip"] = body
    manifest = tmp_path / "pkg" / "manifests" / "tiny.txt"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("# file | sha256\na.png | " + "1" * 64 + "\n")
    monkeypatch.setattr(datasets, "PACKAGE_DATA", tmp_path / "pkg")
    _register(
        monkeypatch,
        server.base + "/tiny.zip",
        hashlib.sha256(body).hexdigest(),
        manifest="tiny.txt",
    )
    cache = tmp_path / "cache"
    with pytest.raises(DataFetchError, match="differ from the packaged manifest"):
        fetch("tiny", cache_dir=cache, progress=False)
    assert _files(cache) == []


def test_weights_are_checked_against_the_published_sha256_prefix(server, monkeypatch, tmp_path):
    blob = b"not really a VGG19 state_dict" * 100
    digest = hashlib.sha256(blob).hexdigest()
    server.files["/vgg19.pth"] = blob
    monkeypatch.delenv("SISRLEARN_VGG19", raising=False)
    vgg = datasets.REGISTRY["vgg19"]
    for prefix, ok in [
        ("ffffffff" if not digest.startswith("f") else "00000000", False),
        (digest[:8], True),
    ]:
        entry = Dataset(
            **{**vgg.__dict__, "url": server.base + "/vgg19.pth", "sha256_prefix": prefix}
        )
        monkeypatch.setitem(datasets.REGISTRY, "vgg19", entry)
        assert datasets.vgg19_weights_path(cache_dir=tmp_path) is None
        if not ok:
            with pytest.raises(DataFetchError, match="does not start with the published"):
                fetch("vgg19", cache_dir=tmp_path, progress=False)
            assert _files(tmp_path) == []
    path = fetch("vgg19", cache_dir=tmp_path, progress=False)
    assert path.read_bytes() == blob and path.name == "vgg19-dcbb9e9d.pth"
    assert datasets.vgg19_weights_path(cache_dir=tmp_path) == path
    monkeypatch.setenv("SISRLEARN_VGG19", str(tmp_path / "mine.pth"))
    assert datasets.vgg19_weights_path(cache_dir=tmp_path) == tmp_path / "mine.pth"


def test_unknown_names_are_refused_with_the_list_of_names(tmp_path):
    with pytest.raises(ValueError, match="set5.*bsd100"):
        resolve_dataset("set6", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="set5.*vgg19"):
        fetch("set6", cache_dir=tmp_path)
    with pytest.raises(TypeError, match="name must be a str"):
        fetch(5, cache_dir=tmp_path)
    with pytest.raises(TypeError, match="name_or_folder"):
        resolve_dataset(None)


def test_a_name_not_fetched_yet_says_how_to_fetch_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SISRLEARN_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="sisrlearn data fetch bsd100"):
        resolve_dataset("bsd100")
    with pytest.raises(ValueError, match="manga109.org"):
        resolve_dataset("manga109")
    with pytest.raises(DataFetchError, match="on request only.*manga109.org"):
        fetch("manga109")
    with pytest.raises(ValueError, match="weights"):
        resolve_dataset("vgg19")
    assert _files(tmp_path) == []  # nothing was downloaded


def test_a_folder_of_images_is_accepted_and_an_empty_one_refused(tmp_path):
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "x.png")
    assert resolve_dataset(tmp_path) == tmp_path
    assert resolve_dataset(str(tmp_path)) == tmp_path
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no image files"):
        resolve_dataset(tmp_path / "empty")


def _manifest_sha256(path):
    """file name -> sha256, read with a regex independent of the library's parser."""
    rows = re.findall(r"^(\S+\.png)\b.*?\b([0-9a-f]{64})\b", path.read_text(), flags=re.M)
    return dict(rows)


@pytest.mark.parametrize(
    "name, count, manifest",
    [
        ("set5", 5, "sisrlearn/data/Set5/MANIFEST.txt"),
        ("set14", 14, "sisrlearn/data/Set14/MANIFEST.txt"),
        ("t91", 91, "data/train/T91/MANIFEST.txt"),
    ],
)
def test_shipped_images_match_their_manifest(name, count, manifest):
    folder = resolve_dataset(name)
    paths = sorted(folder.glob("*.png"))
    expected = _manifest_sha256(ROOT / manifest)
    assert len(paths) == count == len(expected)
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths} == expected


def test_fetched_set_manifests_list_100_images_each():
    for name in ("bsd100", "urban100"):
        path = datasets.PACKAGE_DATA / "manifests" / datasets.REGISTRY[name].manifest
        assert len(_manifest_sha256(path)) == datasets.REGISTRY[name].images == 100


def test_bundled_set5_gives_the_published_bicubic_psnr():
    # SRCNN (TPAMI 2016) Table 2 and SelfExSR: bicubic x4 on Set5 is 28.42 dB (matlab protocol)
    from sisrlearn.bench import benchmark

    assert datasets.bundled_benchmarks()[0] == resolve_dataset("set5")
    (row,) = benchmark([resolve_dataset("set5")], ["bicubic"], [4], progress=False)
    assert round(row["psnr"], 2) == 28.42


def test_training_folder_and_bundled_benchmarks():
    assert datasets.training_folder() == ROOT / "data" / "train" / "T91"
    assert [p.name for p in datasets.bundled_benchmarks()] == ["Set5", "Set14"]
    with pytest.raises(ValueError, match="training set"):
        datasets.training_folder("set5")


def test_the_listing_has_every_registered_name(tmp_path):
    rows = {row["name"]: row for row in datasets.list_datasets(cache_dir=tmp_path)}
    assert (
        set(rows)
        == set(datasets.dataset_names())
        >= {
            "set5",
            "set14",
            "t91",
            "bsd100",
            "urban100",
            "manga109",
            "general100",
            "div2k_train_hr",
            "div2k_valid_hr",
            "vgg19",
        }
    )
    assert Path(rows["set5"]["where"]).is_dir() and rows["set5"]["images"] == 5
    assert rows["bsd100"]["where"] == "not fetched"
    assert rows["manga109"]["where"] == "on request"
    assert "stored on first download" in rows["general100"]["hash"]
    assert datasets.dataset_names("weights") == ["vgg19"]


def test_registry_entries_are_complete():
    for name, entry in datasets.REGISTRY.items():
        assert name == entry.name == name.lower()
        assert entry.kind in datasets.KINDS and entry.role in datasets.ROLES
        assert entry.description and entry.source
        if entry.kind == "fetch":
            assert entry.url.startswith(("https://", "http://")) and entry.filename
            assert entry.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
            assert entry.role == "weights" or entry.archive_folder


def test_package_data_globs_ship_the_bundled_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = project["tool"]["setuptools"]["package-data"]["sisrlearn"]
    package = ROOT / "sisrlearn"
    shipped = {p for g in globs for p in package.glob(g)}
    wanted = {p for p in (package / "data").rglob("*") if p.is_file()}
    assert wanted and wanted <= shipped
    assert "pooch" in " ".join(project["project"]["dependencies"])
