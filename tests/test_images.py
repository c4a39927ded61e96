import numpy as np
import odd_images as odd
import pytest
import torch
from PIL import Image

from sisrlearn import images
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


# --- odd files: each checked against numpy, not against load_image itself -----------------


def test_exif_orientation_is_applied(tmp_path):
    arr = np.zeros((16, 32, 3), dtype=np.uint8)  # landscape, left half white
    arr[:, :16] = 255
    img = load_image(odd.exif_rotated_jpeg(tmp_path / "r.jpg", arr, orientation=6))
    assert img.shape == (3, 32, 16)  # displayed as portrait
    expected = np.rot90(arr, k=-1).transpose(2, 0, 1) / 255.0  # 6: 90 degrees clockwise
    assert np.abs(img.numpy() - expected).mean() < 0.02
    exif = Image.Exif()
    exif[0x0112] = 3  # lossless check on a PNG: 3 = rotate 180 degrees
    rgb = odd.random_u8((5, 7, 3))
    Image.fromarray(rgb).save(tmp_path / "r.png", exif=exif)
    np.testing.assert_allclose(
        load_image(tmp_path / "r.png").numpy(),
        rgb[::-1, ::-1].transpose(2, 0, 1) / 255.0,
        atol=1e-7,
    )


@pytest.mark.parametrize(
    ("name", "big_endian", "pil_mode"),
    [("g.png", False, "I;16"), ("g.tif", False, "I;16"), ("gb.tif", True, "I;16B")],
)
def test_16_bit_grey_keeps_its_precision(tmp_path, name, big_endian, pil_mode):
    arr = odd.ramp16()
    path = odd.gray16(tmp_path / name, arr, big_endian=big_endian)
    assert Image.open(path).mode == pil_mode  # the case under test really is this mode
    expected = (arr / 65535.0).astype(np.float32)
    np.testing.assert_allclose(load_image(path)[0].numpy(), expected, rtol=0, atol=1e-7)
    as_rgb = load_image(path, mode="RGB")
    assert as_rgb.shape == (3, *arr.shape)
    np.testing.assert_allclose(as_rgb.numpy(), np.stack([expected] * 3), rtol=0, atol=1e-7)
    assert torch.equal(load_image(path, mode="L"), load_image(path))


@pytest.mark.parametrize(
    ("dtype", "signed", "peak"),
    [(np.uint32, False, 2**32 - 1), (np.int32, True, 2**31 - 1), (np.int16, True, 2**15 - 1)],
)
def test_integer_tiff_is_scaled_by_its_nominal_peak(tmp_path, dtype, signed, peak):
    info = np.iinfo(dtype)
    arr = np.array([[0, 1, info.max // 3], [info.max // 2, info.max - 1, info.max]], dtype=dtype)
    path = odd.tiff_gray(tmp_path / "i.tif", arr, signed=signed)
    assert Image.open(path).mode == "I"
    np.testing.assert_allclose(load_image(path)[0].numpy(), arr / peak, rtol=1e-6, atol=0)


def test_float_tiff_is_taken_as_it_is(tmp_path):
    arr = np.array([[0.0, 0.25, 1 / 3], [0.5, 0.999, 1.0]], dtype=np.float32)
    Image.fromarray(arr).save(tmp_path / "f.tif")
    assert Image.open(tmp_path / "f.tif").mode == "F"
    np.testing.assert_array_equal(load_image(tmp_path / "f.tif")[0].numpy(), arr)


def test_palette_png_becomes_rgb(tmp_path):
    palette = odd.random_u8((256, 3), seed=1)
    index = odd.random_u8((6, 5), seed=2)
    im = Image.fromarray(index, mode="P")
    im.putpalette(palette.tobytes())
    im.info["transparency"] = 0  # a transparent entry: alpha is dropped, colour kept
    im.save(tmp_path / "p.png")
    assert Image.open(tmp_path / "p.png").mode == "P"
    expected = palette[index].transpose(2, 0, 1) / 255.0
    np.testing.assert_allclose(load_image(tmp_path / "p.png").numpy(), expected, atol=1e-7)


def test_alpha_is_dropped(tmp_path):
    la, rgba = odd.random_u8((5, 6, 2)), odd.random_u8((5, 6, 4), seed=3)
    Image.fromarray(la, mode="LA").save(tmp_path / "la.png")
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "rgba.png")
    np.testing.assert_allclose(load_image(tmp_path / "la.png")[0].numpy(), la[..., 0] / 255.0)
    np.testing.assert_allclose(
        load_image(tmp_path / "rgba.png").numpy(), rgba[..., :3].transpose(2, 0, 1) / 255.0
    )


def test_cmyk_jpeg_and_ycbcr_tiff_become_rgb(tmp_path):
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(tmp_path / "c.jpg")  # pure red ink
    assert Image.open(tmp_path / "c.jpg").mode == "CMYK"
    red = load_image(tmp_path / "c.jpg")
    assert red.shape == (3, 16, 16)
    torch.testing.assert_close(red.mean((1, 2)), torch.tensor([1.0, 0.0, 0.0]), atol=0.02, rtol=0)
    Image.new("RGB", (4, 4), (200, 30, 60)).convert("YCbCr").save(tmp_path / "y.tif")
    ycc = np.asarray(Image.open(tmp_path / "y.tif"), dtype=np.float64)
    assert Image.open(tmp_path / "y.tif").mode == "YCbCr"
    y, cb, cr = ycc[..., 0], ycc[..., 1] - 128, ycc[..., 2] - 128  # JFIF / ITU-R 601
    rgb = np.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb])
    np.testing.assert_allclose(load_image(tmp_path / "y.tif").numpy(), rgb / 255, atol=1.01 / 255)


def test_bilevel_png(tmp_path):
    bits = odd.random_u8((4, 9)) > 127
    Image.fromarray(bits).save(tmp_path / "b.png")
    assert Image.open(tmp_path / "b.png").mode == "1"
    np.testing.assert_array_equal(load_image(tmp_path / "b.png")[0].numpy(), bits)


def test_pixel_limit_from_constant_and_environment(tmp_path, monkeypatch):
    path = save_image(torch.rand(1, 10, 10), tmp_path / "a.png")
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 99)
    with pytest.raises(ValueError, match=r"a\.png.*10x10.*limit of 99"):
        load_image(path)
    monkeypatch.setenv("SISRLEARN_MAX_PIXELS", "100")  # the environment wins
    assert load_image(path).shape == (1, 10, 10)


def test_save_image_uint8_and_bool_tensors_are_8_bit_values(tmp_path):
    values = torch.from_numpy(odd.random_u8((3, 4, 5)))
    path = save_image(values, tmp_path / "u8.png")
    np.testing.assert_array_equal(np.asarray(Image.open(path)), values.permute(1, 2, 0).numpy())
    mask = torch.tensor([[[True, False], [False, True]]])
    path = save_image(mask, tmp_path / "mask.png")
    np.testing.assert_array_equal(np.asarray(Image.open(path)), [[255, 0], [0, 255]])


def test_load_folder_keys_for_a_shared_stem(tmp_path):
    for name in ("a.png", "a.jpg", "b.png"):
        save_image(torch.rand(3, 4, 4), tmp_path / name)
    (tmp_path / "._c.png").write_bytes(b"AppleDouble")  # hidden: skipped, not read
    (tmp_path / "d.png").mkdir()  # a folder named like an image: ignored
    images, skipped = list_images(tmp_path)
    assert [p.name for p in images] == ["a.jpg", "a.png", "b.png"]
    assert [p.name for p in skipped] == ["._c.png"]
    assert list(load_folder(tmp_path)) == ["a.jpg", "a.png", "b"]
