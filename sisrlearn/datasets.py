"""Datasets: the registry of benchmark and training sets, where each one lives, and ``fetch``.

Set5 and Set14 ship inside the package (``sisrlearn/data``); T91 ships with the repository
(``data/train/T91``, found from a clone or an editable install). The others are downloaded
only when asked (``fetch``, i.e. ``sisrlearn data fetch NAME``) through pooch: checked against
a sha256, unpacked, reduced to the HR images and kept in a cache folder (``data_home()``).
Nothing downloads at import time.

A download whose publisher gives no sha256 is trusted on first download: its sha256 is then
computed and stored in ``sha256.json`` in the cache folder, and every later download of it is
checked against that. An interrupted download keeps its partial file (``NAME.part``) and the
next ``fetch`` resumes it with an HTTP Range request.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pooch
from tqdm.auto import tqdm

from sisrlearn.images import list_images

__all__ = [
    "DataFetchError",
    "Dataset",
    "REGISTRY",
    "data_home",
    "dataset_names",
    "list_datasets",
    "resolve_dataset",
    "fetch",
    "vgg19_weights_path",
    "bundled_benchmarks",
    "training_folder",
]

PACKAGE_DATA = Path(__file__).resolve().parent / "data"
REPOSITORY_DATA = Path(__file__).resolve().parent.parent / "data"
KINDS = ("bundled", "repository", "fetch", "manual")
ROLES = ("benchmark", "training", "weights")


class DataFetchError(Exception):
    """A download failed or was refused (network, HTTP error, sha256 mismatch, bad archive)."""


@dataclass(frozen=True)
class Dataset:
    """One registered dataset (or weights file).

    Attributes:
        name: lower-case registry name.
        kind: ``"bundled"`` (in the package), ``"repository"`` (in the source tree),
            ``"fetch"`` (downloaded by ``fetch``) or ``"manual"`` (obtained by the user on
            request from ``url``, then placed in the cache folder or passed as a folder).
        role: ``"benchmark"``, ``"training"`` or ``"weights"``.
        description: one line for listings.
        images: number of HR images (``None`` for weights).
        source: paper, origin and terms of use.
        folder: bundled / repository: the folder below ``sisrlearn/data`` or ``data/``.
        url: fetch: the download; manual: the page to request it from.
        filename: the name the download is stored under.
        sha256: of the download, from ``hash_source``; ``None``: trusted on first download.
        sha256_prefix: a published prefix of the sha256, checked even when ``sha256`` is None.
        hash_source: who published ``sha256`` or ``sha256_prefix``.
        archive_folder: glob, inside the unpacked archive, of the one folder of HR images.
        pattern: file-name glob of the HR images in that folder.
        manifest: packaged list of the HR images' sha256 (``sisrlearn/data/manifests``),
            checked after unpacking.
        download_mb: size of the download in MB (1e6 bytes), for listings; an estimate
            where the publisher gives none.
    """

    name: str
    kind: str
    role: str
    description: str
    images: int | None
    source: str
    folder: str = ""
    url: str = ""
    filename: str = ""
    sha256: str | None = None
    sha256_prefix: str = ""
    hash_source: str = ""
    archive_folder: str = ""
    pattern: str = "*"
    manifest: str = ""
    download_mb: float | None = None


_SELFEXSR_COMMIT = "8f6dd8c1d20cb7e8792a7177b4f6fd677633f598"
_SELFEXSR = dict(
    kind="fetch",
    role="benchmark",
    url=f"https://github.com/jbhuang0604/SelfExSR/archive/{_SELFEXSR_COMMIT}.zip",
    filename=f"SelfExSR-{_SELFEXSR_COMMIT[:7]}.zip",
    hash_source="none published (GitHub builds the archive); each image is checked "
    "against the packaged manifest, computed from the files at that commit",
    pattern="*_HR.png",
    download_mb=390.0,  # estimate: the files at that commit total 393 MB
)
_DIV2K = "https://data.vision.ee.ethz.ch/cvl/DIV2K"
_DIV2K_SOURCE = (
    "Agustsson & Timofte, NTIRE 2017 (CVPRW). data.vision.ee.ethz.ch/cvl/DIV2K; "
    "academic research use only"
)
_DIV2K_HASH = (
    "TensorFlow Datasets' div2k checksums.tsv (the DIV2K site publishes no hash; "
    "it is the sha256 of the file TFDS downloaded from the same URL)"
)

REGISTRY: dict[str, Dataset] = {
    "set5": Dataset(
        name="set5",
        kind="bundled",
        role="benchmark",
        description="Set5: 5 HR test images (baby, bird, butterfly, head, woman)",
        images=5,
        source="Bevilacqua et al., BMVC 2012; colour versions as in the SR literature "
        "(provenance and sha256 in sisrlearn/data/Set5/MANIFEST.txt)",
        folder="Set5",
    ),
    "set14": Dataset(
        name="set14",
        kind="bundled",
        role="benchmark",
        description="Set14: 14 HR test images (bridge and man are grey)",
        images=14,
        source="Zeyde et al., Curves and Surfaces 2010 "
        "(provenance and sha256 in sisrlearn/data/Set14/MANIFEST.txt)",
        folder="Set14",
    ),
    "t91": Dataset(
        name="t91",
        kind="repository",
        role="training",
        description="T91: the 91 training images of ScSR and SRCNN",
        images=91,
        source="Yang et al., TIP 2010 (provenance and sha256 in data/train/T91/MANIFEST.txt)",
        folder="train/T91",
    ),
    "bsd100": Dataset(
        name="bsd100",
        description="BSD100: 100 natural test images, HR cropped to multiples of 4 (SelfExSR x4)",
        images=100,
        source="Martin et al., ICCV 2001 (BSDS300 test split), as released with SelfExSR "
        "(Huang et al., CVPR 2015); Berkeley's terms: non-commercial research and education",
        archive_folder="*/data/BSD100/image_SRF_4",
        manifest="bsd100.txt",
        **_SELFEXSR,
    ),
    "urban100": Dataset(
        name="urban100",
        description="Urban100: 100 urban scenes (~1024 px), HR cropped to multiples of 4",
        images=100,
        source="Huang et al., CVPR 2015 (SelfExSR); research use",
        archive_folder="*/data/Urban100/image_SRF_4",
        manifest="urban100.txt",
        **_SELFEXSR,
    ),
    "manga109": Dataset(
        name="manga109",
        kind="manual",
        role="benchmark",
        description="Manga109: 109 manga volume covers/pages, distributed on request only",
        images=109,
        source="Matsui et al., Multimedia Tools and Applications 2017; Aizawa et al., "
        "IEEE MultiMedia 2020. Academic research only, after applying at manga109.org",
        url="http://www.manga109.org/en/download.html",
    ),
    "general100": Dataset(
        name="general100",
        kind="fetch",
        role="training",
        description="General-100: 100 training images (FSRCNN), from LapSRN's training archive",
        images=100,
        source="Dong et al., ECCV 2016 (FSRCNN, mmlab.ie.cuhk.edu.hk/projects/FSRCNN.html); "
        "archive of Lai et al., CVPR 2017 (LapSRN), which also holds T91 and BSDS200",
        url="http://vllab.ucmerced.edu/wlai24/LapSRN/results/SR_training_datasets.zip",
        filename="SR_training_datasets.zip",
        hash_source="none published",
        archive_folder="**/General100",
    ),
    "div2k_train_hr": Dataset(
        name="div2k_train_hr",
        kind="fetch",
        role="training",
        description="DIV2K train HR: 800 2K-resolution PNGs (EDSR, ESRGAN, ... train on these)",
        images=800,
        source=_DIV2K_SOURCE,
        url=f"{_DIV2K}/DIV2K_train_HR.zip",
        filename="DIV2K_train_HR.zip",
        sha256="9d0b9c463f6e35b6c62cc6a930ee2224f670b34c1df841a57670f9acf0f6c335",
        hash_source=_DIV2K_HASH,
        archive_folder="DIV2K_train_HR",
        download_mb=3530.6,
    ),
    "div2k_valid_hr": Dataset(
        name="div2k_valid_hr",
        kind="fetch",
        role="benchmark",
        description="DIV2K validation HR: 100 2K-resolution PNGs (0801-0900)",
        images=100,
        source=_DIV2K_SOURCE,
        url=f"{_DIV2K}/DIV2K_valid_HR.zip",
        filename="DIV2K_valid_HR.zip",
        sha256="20dd31fd84d777bc1cf5d6b7654a3f569c0aec74458ae094122ad1d0489900fc",
        hash_source=_DIV2K_HASH,
        archive_folder="DIV2K_valid_HR",
        download_mb=449.0,
    ),
    "vgg19": Dataset(
        name="vgg19",
        kind="fetch",
        role="weights",
        description="VGG19 ImageNet weights (torchvision state_dict) for the perceptual loss",
        images=None,
        source="Simonyan & Zisserman, ICLR 2015; torchvision's vgg19 IMAGENET1K_V1 "
        "(BSD-3 code; the weights were trained on ImageNet, whose terms apply)",
        url="https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
        filename="vgg19-dcbb9e9d.pth",
        sha256_prefix="dcbb9e9d",
        hash_source="torchvision publishes the first 8 hex digits in the file name",
        download_mb=548.1,
    ),
}


def data_home(cache_dir: str | Path | None = None) -> Path:
    """The cache folder of fetched data: ``cache_dir``, else env ``SISRLEARN_DATA``, else
    pooch's per-user cache (``~/.cache/sisrlearn`` on Linux)."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("SISRLEARN_DATA")
    return Path(env) if env else Path(pooch.os_cache("sisrlearn"))


def dataset_names(role: str | None = None) -> list[str]:
    """Registered names, all or those of one role (``"benchmark"``, ``"training"``,
    ``"weights"``)."""
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be None or one of {ROLES}, got {role!r}")
    return [name for name, entry in REGISTRY.items() if role in (None, entry.role)]


def _entry(name: object) -> Dataset:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    entry = REGISTRY.get(name.lower())
    if entry is None:
        raise ValueError(f"name must be one of {', '.join(REGISTRY)}; got {name!r}")
    return entry


def _local_path(entry: Dataset, home: Path) -> Path:
    """Where a registered item lives (it may not be there yet)."""
    if entry.kind == "bundled":
        return PACKAGE_DATA / entry.folder
    if entry.kind == "repository":
        return REPOSITORY_DATA / entry.folder
    if entry.role == "weights":
        return home / entry.name / entry.filename
    return home / entry.name


def _manual_message(entry: Dataset, target: Path) -> str:
    return (
        f"{entry.name} is distributed on request only ({entry.source}). Request it at "
        f"{entry.url}, then put its HR images in {target} or pass their folder instead "
        "of the name"
    )


def _missing_message(entry: Dataset, target: Path) -> str:
    if entry.kind == "manual":
        return _manual_message(entry, target)
    if entry.kind == "repository":
        return (
            f"{entry.name} ships with the source repository (data/{entry.folder}), not with "
            "the installed package: run from a clone (pip install -e .) or pass a folder"
        )
    size = f"about {entry.download_mb:.0f} MB" if entry.download_mb else "size unknown"
    host = urllib.parse.urlsplit(entry.url).netloc
    return (
        f"{entry.name} is not on this machine yet: run `sisrlearn data fetch {entry.name}` "
        f"({size} from {host}, into {target}) or pass a folder of images"
    )


def resolve_dataset(name_or_folder: str | Path, *, cache_dir: str | Path | None = None) -> Path:
    """The folder of HR images a name or path stands for.

    Args:
        name_or_folder: a registered name (case-insensitive: ``"set5"``, ``"Set14"``,
            ``"t91"``, a fetched ``"bsd100"``, ...) or an existing folder of images. A
            registered name always means the registered set: write ``./set5`` for a folder
            of that name.
        cache_dir: where fetched data lives (default ``data_home()``).

    Raises:
        ValueError: unknown name (the message lists the names), a name not fetched yet
            (the message gives the command), a folder that does not exist or holds no images.
    """
    if not isinstance(name_or_folder, str | os.PathLike):
        raise TypeError(f"name_or_folder must be a str or a path, got {type(name_or_folder)}")
    if isinstance(name_or_folder, str) and name_or_folder.lower() in REGISTRY:
        entry = REGISTRY[name_or_folder.lower()]
        if entry.role == "weights":
            raise ValueError(f"{entry.name} is network weights, not images: see vgg19_weights_path")
        folder = _local_path(entry, data_home(cache_dir))
        if not folder.is_dir():
            raise ValueError(_missing_message(entry, folder))
        return folder
    folder = Path(name_or_folder)
    if not folder.is_dir():
        names = ", ".join(n for n in REGISTRY if REGISTRY[n].role != "weights")
        raise ValueError(
            f"dataset must be a registered name ({names}) or a folder of images, "
            f"got {str(name_or_folder)!r} (no such folder)"
        )
    if not list_images(folder)[0]:
        raise ValueError(f"dataset folder {str(folder)!r} holds no image files")
    return folder


def bundled_benchmarks() -> list[Path]:
    """The Set5 and Set14 folders that ship with the package (``sisrlearn bench``'s default)."""
    return [PACKAGE_DATA / REGISTRY[name].folder for name in ("set5", "set14")]


def training_folder(name: str = "t91", *, cache_dir: str | Path | None = None) -> Path:
    """The folder of a registered training set (``"t91"``, or fetched ``"general100"``,
    ``"div2k_train_hr"``)."""
    entry = _entry(name)
    if entry.role != "training":
        names = ", ".join(dataset_names("training"))
        raise ValueError(f"name must be a training set ({names}), got {name!r}")
    return resolve_dataset(entry.name, cache_dir=cache_dir)


def vgg19_weights_path(*, cache_dir: str | Path | None = None) -> Path | None:
    """The VGG19 ``state_dict`` file for the perceptual loss: env ``SISRLEARN_VGG19`` if set,
    else the fetched ``vgg19-dcbb9e9d.pth`` if present, else ``None``."""
    env = os.environ.get("SISRLEARN_VGG19")
    if env:
        return Path(env)
    path = _local_path(REGISTRY["vgg19"], data_home(cache_dir))
    return path if path.is_file() else None


def _disk_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def _download_size(entry: Dataset) -> str:
    if entry.kind != "fetch":
        return "-"
    size = f"{entry.download_mb:.0f} MB download" if entry.download_mb else "download size unknown"
    shared = [e.name for e in REGISTRY.values() if e.filename == entry.filename and e != entry]
    return f"{size}, shared with {', '.join(shared)}" if shared else size


def _hash_note(entry: Dataset, stored: dict[str, str]) -> str:
    """Where the sha256 that checks this item comes from."""
    if entry.kind in ("bundled", "repository"):
        return "sha256 per image in MANIFEST.txt"
    if entry.sha256:
        return f"sha256 from {entry.hash_source}"
    if entry.kind == "manual":
        return ""
    if entry.filename in stored:
        return f"sha256 {stored[entry.filename][:12]}... stored on first download"
    return f"sha256 stored on first download ({entry.hash_source})"


def list_datasets(*, cache_dir: str | Path | None = None) -> list[dict]:
    """One row per registered item, for ``sisrlearn data list``.

    Keys: ``name``, ``kind``, ``role``, ``images``, ``where`` (the path, or ``"not fetched"``,
    ``"not in this install"``, ``"on request"``), ``size`` (on disk, or the download),
    ``hash`` (where its sha256 comes from), ``description``, ``source``, ``url``.
    """
    home = data_home(cache_dir)
    stored = _stored_hashes(home)
    rows = []
    for entry in REGISTRY.values():
        path = _local_path(entry, home)
        if path.exists():
            where, size = str(path), f"{_disk_mb(path):.1f} MB on disk"
        else:
            where = {"repository": "not in this install", "manual": "on request"}.get(
                entry.kind, "not fetched"
            )
            size = _download_size(entry)
        rows.append(
            dict(
                name=entry.name,
                kind=entry.kind,
                role=entry.role,
                images=entry.images,
                where=where,
                size=size,
                hash=_hash_note(entry, stored),
                description=entry.description,
                source=entry.source,
                url=entry.url,
            )
        )
    return rows


def fetch(name: str, *, cache_dir: str | Path | None = None, progress: bool = True) -> Path:
    """Download, check and unpack a registered dataset (or the VGG19 weights); return its path.

    Already there: returns at once, without the network. Bundled and repository sets are
    returned as they are. The download goes through pooch with the registered sha256 (or the
    one stored on the first download, see the module docstring), to
    ``data_home()/downloads``; the HR images are then moved to ``data_home()/NAME``.

    Args:
        name: a registered name (``dataset_names()``).
        cache_dir: where to keep it (default ``data_home()``: env ``SISRLEARN_DATA`` or the
            per-user cache).
        progress: show a tqdm bar while downloading.

    Returns:
        The folder of HR images, or for ``vgg19`` the weights file.

    Raises:
        ValueError: unknown name.
        DataFetchError: the network could not be reached, the server refused, the download
            was interrupted (run again to resume), its sha256 did not match (nothing is
            kept), the archive did not hold the expected images, or the dataset is
            distributed on request only (the message says where).
    """
    entry = _entry(name)
    home = data_home(cache_dir)
    target = _local_path(entry, home)
    if target.exists():
        return target
    if entry.kind == "repository":
        raise DataFetchError(_missing_message(entry, target))
    if entry.kind == "manual":
        raise DataFetchError(_manual_message(entry, target))
    downloads = target.parent if entry.role == "weights" else home / "downloads"
    known = entry.sha256 or _stored_hashes(home).get(entry.filename)
    downloader = _ResumableDownload(
        downloads / f"{entry.filename}.part",
        sha256_prefix=entry.sha256_prefix,
        progress=progress,
        label=entry.name,
    )
    processor = None if entry.role == "weights" else _UnpackHR(entry, target)
    home.mkdir(parents=True, exist_ok=True)
    try:
        with _quiet_pooch():
            pooch.retrieve(
                entry.url,
                known_hash=f"sha256:{known}" if known else None,
                fname=entry.filename,
                path=downloads,
                downloader=downloader,
                processor=processor,
            )
    except ValueError as err:  # pooch: sha256 mismatch; its temporary file is already gone
        raise DataFetchError(
            f"{entry.name}: refused the download from {entry.url}: {err} Nothing was kept."
        ) from err
    except DataFetchError:
        if processor is not None:  # a bad archive: drop it, so the next fetch starts afresh
            (downloads / entry.filename).unlink(missing_ok=True)
        raise
    if not known:
        _store_hash(home, entry.filename, _sha256(downloads / entry.filename))
    return target


@contextmanager
def _quiet_pooch():
    """pooch logs each download to stderr; the library shows only the progress bar."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _stored_hashes(home: Path) -> dict[str, str]:
    path = home / "sha256.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _store_hash(home: Path, filename: str, digest: str) -> None:
    """Record the sha256 of a first download (no published hash) so later ones are checked."""
    hashes = {**_stored_hashes(home), filename: digest}
    fd, tmp = tempfile.mkstemp(prefix=".sha256.", suffix=".json", dir=home)
    with os.fdopen(fd, "w") as f:
        json.dump(hashes, f, indent=1, sort_keys=True)
    os.replace(tmp, home / "sha256.json")


class _ResumableDownload:
    """A pooch downloader that survives interruptions.

    pooch downloads into a fresh temporary file and deletes it on any failure, so it cannot
    resume. This one writes to a fixed partial file beside the download (``NAME.part``),
    keeps it when the transfer breaks, and continues it with an HTTP Range request next
    time; when complete (and its sha256 prefix, if any, matches) it is renamed to the file
    pooch then checks and moves into place.
    """

    def __init__(
        self,
        partial: Path,
        *,
        sha256_prefix: str = "",
        progress: bool = True,
        label: str = "",
        timeout: float = 60.0,
        chunk_size: int = 1 << 20,
    ):
        self.partial = partial
        self.sha256_prefix = sha256_prefix
        self.progress = progress
        self.label = label
        self.timeout = timeout
        self.chunk_size = chunk_size

    def __call__(self, url: str, output_file: str, pooch_obj: object, check_only: bool = False):
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        offset = self.partial.stat().st_size if self.partial.exists() else 0
        with self._open(url, offset) as response:
            offset, total = self._resume_point(response, offset)
            self._copy(response, offset, total, url)
        size = self.partial.stat().st_size
        if total is not None and size != total:
            raise DataFetchError(
                f"the download of {url} was interrupted after {size} of {total} bytes; "
                "run the same command again to resume it"
            )
        if self.sha256_prefix and not _sha256(self.partial).startswith(self.sha256_prefix):
            self.partial.unlink()
            raise DataFetchError(
                f"refused {url}: its sha256 does not start with the published "
                f"{self.sha256_prefix}. Nothing was kept."
            )
        os.replace(self.partial, output_file)

    def _open(self, url: str, offset: int):
        headers = {"User-Agent": f"sisrlearn (pooch {pooch.__version__})"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        request = urllib.request.Request(url, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as err:
            if err.code == 416 and offset:  # the partial file is stale or whole: start afresh
                self.partial.unlink()
                return self._open(url, 0)
            raise DataFetchError(
                f"{url} answered HTTP {err.code} {err.reason}: the file may have moved"
            ) from err
        except (urllib.error.URLError, OSError) as err:  # DNS, refused connection, timeout
            reason = getattr(err, "reason", err)
            raise DataFetchError(
                f"could not reach the network to download {url} ({reason}); check the "
                "connection (or proxy), then run the same command again"
            ) from err

    def _resume_point(self, response, offset: int) -> tuple[int, int | None]:
        """(where the body starts in the file, the file's total size or None)."""
        length = response.headers.get("Content-Length")
        if response.status != 206:  # a whole file (the server may ignore Range)
            return 0, int(length) if length else None
        unit_range, _, total = response.headers.get("Content-Range", "").partition("/")
        start = unit_range.removeprefix("bytes ").split("-")[0]
        if not start.isdigit() or int(start) != offset:
            self.partial.unlink()
            raise DataFetchError(f"{response.url} resumed at an unexpected place; run again")
        if total.isdigit():
            return offset, int(total)
        return offset, offset + int(length) if length else None

    def _copy(self, response, offset: int, total: int | None, url: str) -> None:
        bar = tqdm(
            total=total,
            initial=offset,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=self.label or "download",
            disable=not self.progress,
        )
        try:
            with open(self.partial, "ab" if offset else "wb") as out, bar:
                while chunk := response.read(self.chunk_size):
                    out.write(chunk)
                    bar.update(len(chunk))
        except (http.client.HTTPException, OSError) as err:  # reset, timeout mid-transfer
            size = self.partial.stat().st_size if self.partial.exists() else 0
            raise DataFetchError(
                f"the download of {url} was interrupted after {size} bytes ({err}); "
                "run the same command again to resume it"
            ) from err


class _UnpackHR:
    """A pooch processor: unpack the archive (pooch's Unzip / Untar) into a temporary folder
    beside the target, keep the HR images only, check them, and rename the folder into
    place, so an interrupted or refused unpacking leaves no partial dataset."""

    def __init__(self, entry: Dataset, target: Path):
        self.entry = entry
        self.target = target

    def __call__(self, fname: str, action: str, pooch_obj: object) -> str:
        if self.target.is_dir():
            return str(self.target)
        work = Path(tempfile.mkdtemp(prefix=f".{self.entry.name}-", dir=self.target.parent))
        try:
            unpack = pooch.Untar if ".tar" in Path(fname).name else pooch.Unzip
            try:
                unpack(extract_dir=str(work / "unpacked"))(fname, "download", pooch_obj)
            except Exception as err:  # zipfile.BadZipFile, tarfile.ReadError, ...
                raise DataFetchError(
                    f"{self.entry.name}: {self.entry.url} did not give a readable archive "
                    f"({err}); it was deleted, run the same command again"
                ) from err
            keep = work / "hr"
            keep.mkdir()
            for path in self._hr_images(work / "unpacked"):
                os.replace(path, keep / path.name)
            self._check_manifest(keep)
            os.replace(keep, self.target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return str(self.target)

    def _hr_images(self, root: Path) -> list[Path]:
        entry = self.entry
        folders = [p for p in root.glob(entry.archive_folder) if p.is_dir()]
        if len(folders) != 1:
            raise DataFetchError(
                f"{entry.name}: expected one folder {entry.archive_folder!r} in the archive, "
                f"found {len(folders)}; the download was deleted"
            )
        images = [p for p in list_images(folders[0])[0] if fnmatch(p.name, entry.pattern)]
        if entry.images is not None and len(images) != entry.images:
            raise DataFetchError(
                f"{entry.name}: expected {entry.images} images {entry.pattern!r} in "
                f"{entry.archive_folder!r}, found {len(images)}; the download was deleted"
            )
        return images

    def _check_manifest(self, folder: Path) -> None:
        if not self.entry.manifest:
            return
        expected = _read_manifest(PACKAGE_DATA / "manifests" / self.entry.manifest)
        found = {p.name: _sha256(p) for p in folder.iterdir()}
        bad = sorted(n for n in expected.keys() | found.keys() if expected.get(n) != found.get(n))
        if bad:
            raise DataFetchError(
                f"{self.entry.name}: {len(bad)} images differ from the packaged manifest "
                f"({', '.join(bad[:3])}...); the download was deleted"
            )


def _read_manifest(path: Path) -> dict[str, str]:
    """``{file name: sha256}`` from a manifest: one image a line, the name first, then fields
    separated by ``|`` or spaces, one of them the 64-hex-digit sha256; ``#`` starts a comment."""
    hashes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            fields = line.replace("|", " ").replace("sha256:", " ").split()
            digest = [f for f in fields if len(f) == 64 and set(f) <= set("0123456789abcdef")]
            hashes[fields[0]] = digest[0]
    return hashes
