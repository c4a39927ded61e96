import numpy as np
import pytest
import torch

from sisrlearn.images import (
    SAMPLES,
    list_images,
    load_folder,
    load_image,
    modcrop,
    sample,
    sample_set,
    save_image,
    to_numpy,
    to_tensor,
)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_bundled_sample_loads_offline(name):
    img = sample(name)
    assert img.dtype == torch.float32 and img.dim() == 3 and img.shape[0] in (1, 3)
    assert 0.0 <= img.min() and img.max() <= 1.0


def test_sample_rejects_unknown_name():
    with pytest.raises(ValueError, match="name must be one of"):
        sample("eagle")


def test_sample_sets_are_disjoint():
    train, test = sample_set("train"), sample_set("test")
    assert train and test and not set(train) & set(test)
    with pytest.raises(ValueError, match="split"):
        sample_set("val")


def test_tensor_numpy_round_trip():
    arr = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    t = to_tensor(arr)
    assert t.shape == (3, 5, 7)
    np.testing.assert_allclose(to_numpy(t) * 255, arr, atol=1e-4)
    assert to_numpy(to_tensor(arr[..., 0])).shape == (5, 7)
    with pytest.raises(TypeError, match="img"):
        to_tensor([1, 2])
    with pytest.raises(TypeError, match="dtype"):
        to_tensor(np.zeros((2, 2), dtype=np.int64))


def test_save_load_round_trip_and_no_overwrite(tmp_path):
    img = torch.rand(3, 8, 6)
    path = save_image(img, tmp_path / "a.png")
    back = load_image(path)
    assert torch.allclose(back, torch.round(img * 255) / 255, atol=1e-6)
    with pytest.raises(FileExistsError, match="overwrite"):
        save_image(img, path)
    save_image(img * 0, path, overwrite=True)
    assert load_image(path).max() == 0
    gray = save_image(torch.rand(1, 4, 4), tmp_path / "g.png")
    assert load_image(gray).shape == (1, 4, 4)
    assert load_image(gray, mode="RGB").shape == (3, 4, 4)


def test_load_image_errors(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_image(tmp_path / "missing.png")
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(ValueError, match="not an image"):
        load_image(bad)


def test_load_folder_skips_non_images_and_rejects_empty(tmp_path):
    with pytest.raises(ValueError, match="no image files"):
        load_folder(tmp_path)
    save_image(torch.rand(3, 4, 4), tmp_path / "b.png")
    save_image(torch.rand(3, 4, 4), tmp_path / "a.png")
    (tmp_path / "README.txt").write_text("hi")
    images, skipped = list_images(tmp_path)
    assert [p.name for p in images] == ["a.png", "b.png"]
    assert [p.name for p in skipped] == ["README.txt"]
    assert list(load_folder(tmp_path)) == ["a", "b"]
    with pytest.raises(ValueError, match="directory"):
        load_folder(tmp_path / "nope")


def test_modcrop():
    img = torch.zeros(3, 10, 11)
    assert modcrop(img, 3).shape == (3, 9, 9)
    assert modcrop(img[None], 2).shape == (1, 3, 10, 10)
    with pytest.raises(ValueError, match="scale"):
        modcrop(img, 0)
