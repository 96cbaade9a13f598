"""nst.images: every pixel mode Pillow produces, every broken file, and atomic saving.

Test images are made here with Pillow, so the expected pixels are known by construction.
Tolerances: exact for lossless formats; JPEG is compared by block means (atol stated inline).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import nst.images
import vgg_mat.atomic
from nst.images import (
    MAX_PIXELS,
    ImageError,
    fit_longer_side,
    load_image,
    resize_image,
    save_image,
)


def _check(image: np.ndarray, height: int, width: int) -> None:
    assert image.dtype == np.float32
    assert image.shape == (height, width, 3)
    assert image.min() >= 0 and image.max() <= 255


# --- modes --------------------------------------------------------------------------------------


def test_rgb_png_loads_exactly(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "rgb.png")
    image = load_image(tmp_path / "rgb.png")
    _check(image, 5, 7)
    np.testing.assert_array_equal(image, pixels.astype(np.float32))


def test_grey_and_bilevel_are_copied_to_three_channels(tmp_path):
    grey = np.array([[0, 100], [200, 255]], dtype=np.uint8)
    Image.fromarray(grey).save(tmp_path / "l.png")
    image = load_image(tmp_path / "l.png")
    _check(image, 2, 2)
    np.testing.assert_array_equal(image, np.repeat(grey[:, :, None], 3, axis=2))
    Image.fromarray(grey > 127).convert("1").save(tmp_path / "one.png")
    bilevel = load_image(tmp_path / "one.png")
    np.testing.assert_array_equal(bilevel[:, :, 0], [[0, 0], [255, 255]])


def test_palette_with_and_without_transparency(tmp_path):
    img = Image.new("P", (2, 1))
    img.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    img.putpixel((0, 0), 0)
    img.putpixel((1, 0), 1)
    img.save(tmp_path / "p.png")
    np.testing.assert_array_equal(load_image(tmp_path / "p.png")[0], [[10, 20, 30], [200, 100, 50]])
    img.info["transparency"] = 0  # palette index 0 fully transparent -> white
    img.save(tmp_path / "p_transparent.png", transparency=0)
    assert Image.open(tmp_path / "p_transparent.png").info.get("transparency") == 0
    np.testing.assert_array_equal(
        load_image(tmp_path / "p_transparent.png")[0], [[255, 255, 255], [200, 100, 50]]
    )


def test_alpha_is_composited_on_white(tmp_path):
    # rgb * a + 255 * (1 - a): a = 0 -> white, a = 255 -> rgb, a = 51 -> 0.2 rgb + 204
    rgba = np.array([[[100, 0, 50, 0], [100, 0, 50, 255], [100, 0, 50, 51]]], dtype=np.uint8)
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    image = load_image(tmp_path / "rgba.png")
    expected = [[255, 255, 255], [100, 0, 50], [0.2 * 100 + 204, 204, 0.2 * 50 + 204]]
    np.testing.assert_allclose(image[0], expected, rtol=0, atol=1e-4)
    la = np.array([[[80, 0], [80, 255]]], dtype=np.uint8)
    Image.fromarray(la, mode="LA").save(tmp_path / "la.png")
    np.testing.assert_allclose(load_image(tmp_path / "la.png")[0], [[255] * 3, [80] * 3], atol=0)


def test_cmyk_uses_pillows_conversion(tmp_path):
    img = Image.new("CMYK", (2, 2), (0, 255, 255, 0))  # full magenta + yellow = red
    img.save(tmp_path / "cmyk.tif")
    image = load_image(tmp_path / "cmyk.tif")
    _check(image, 2, 2)
    np.testing.assert_array_equal(image[0, 0], [255, 0, 0])
    img.save(tmp_path / "cmyk.jpg", quality=100)
    expected = np.asarray(Image.open(tmp_path / "cmyk.jpg").convert("RGB"), dtype=np.float32)
    np.testing.assert_array_equal(load_image(tmp_path / "cmyk.jpg"), expected)


def test_16_bit_png_scales_to_0_255(tmp_path):
    values = np.array([[0, 257 * 100], [65535, 257 * 200]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "grey16.png")  # a 16-bit greyscale PNG
    assert Image.open(tmp_path / "grey16.png").mode.startswith("I;16")
    image = load_image(tmp_path / "grey16.png")
    _check(image, 2, 2)
    np.testing.assert_allclose(image[:, :, 1], [[0, 100], [255, 200]], rtol=0, atol=1e-4)


def test_32_bit_integer_and_float_images(tmp_path):
    ints = np.array([[0, 257 * 10], [65535, 70000]], dtype=np.int32)  # 70000 is clipped
    Image.fromarray(ints, mode="I").save(tmp_path / "i.tif")
    assert Image.open(tmp_path / "i.tif").mode == "I"
    np.testing.assert_allclose(
        load_image(tmp_path / "i.tif")[:, :, 2], [[0, 10], [255, 255]], atol=1e-4
    )
    unit = np.array([[0.0, 0.5], [1.0, 0.25]], dtype=np.float32)  # all in [0, 1]: scaled
    Image.fromarray(unit, mode="F").save(tmp_path / "f_unit.tif")
    np.testing.assert_allclose(
        load_image(tmp_path / "f_unit.tif")[:, :, 0], 255 * unit, rtol=0, atol=1e-4
    )
    big = np.array([[0.0, 7.5], [300.0, -2.0]], dtype=np.float32)  # 0-255 scale, clipped
    Image.fromarray(big, mode="F").save(tmp_path / "f_big.tif")
    np.testing.assert_allclose(load_image(tmp_path / "f_big.tif")[:, :, 0], [[0, 7.5], [255, 0]])


def test_exif_orientation_is_applied(tmp_path):
    # 16 rows x 32 columns, left half red, right half blue, tagged "rotate 90 CW to display"
    pixels = np.zeros((16, 32, 3), dtype=np.uint8)
    pixels[:, :16] = (255, 0, 0)
    pixels[:, 16:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the 0th row is the visual right-hand side
    Image.fromarray(pixels).save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    image = load_image(tmp_path / "rotated.jpg")
    _check(image, 32, 16)  # displayed upright: 32 tall, 16 wide
    top, bottom = image[:16].mean(axis=(0, 1)), image[16:].mean(axis=(0, 1))
    np.testing.assert_allclose(top, [255, 0, 0], atol=12)  # JPEG: atol 12 grey levels
    np.testing.assert_allclose(bottom, [0, 0, 255], atol=12)


def test_max_size_sets_the_longer_side(tmp_path):
    Image.fromarray(np.full((20, 40, 3), 128, dtype=np.uint8)).save(tmp_path / "wide.png")
    small = load_image(tmp_path / "wide.png", max_size=10)
    _check(small, 5, 10)
    np.testing.assert_allclose(small, 128, atol=1e-3)  # a flat image stays flat
    _check(load_image(tmp_path / "wide.png", max_size=80), 40, 80)  # enlarged too
    _check(load_image(tmp_path / "wide.png", max_size=np.int64(10)), 5, 10)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="max_size"):
            load_image(tmp_path / "wide.png", max_size=bad)


def test_fit_longer_side_and_resize_image():
    assert fit_longer_side(20, 40, 10) == (5, 10)
    assert fit_longer_side(40, 20, 10) == (10, 5)
    assert fit_longer_side(3, 1000, 10) == (1, 10)  # never 0
    assert fit_longer_side(384, 512, 256) == (192, 256)
    with pytest.raises(ValueError, match="positive"):
        fit_longer_side(0, 5, 10)
    rng = np.random.default_rng(1)
    image = rng.uniform(0, 255, size=(12, 9, 3))
    resized = resize_image(image, (6, 5))
    assert resized.shape == (6, 5, 3) and resized.dtype == np.float32
    assert resized.min() >= 0 and resized.max() <= 255
    assert resize_image(image, 24).shape == (24, 18, 3)
    assert resize_image(image, np.int64(24)).shape == (24, 18, 3)
    np.testing.assert_array_equal(resize_image(image, 12), image.astype(np.float32))
    same = image.astype(np.float32)
    assert not np.shares_memory(resize_image(same, 12), same)  # a copy by default
    assert resize_image(same, 12, copy=False) is same  # or the image itself, on request
    assert resize_image(image, 12, copy=False).dtype == np.float32  # converted when it must be
    assert resize_image(same, 6, copy=False).shape[:2] == fit_longer_side(12, 9, 6)  # resized
    sharp = np.zeros((8, 8, 3))
    sharp[:, 4:] = 255  # Lanczos overshoots here; the result is clipped
    assert resize_image(sharp, 20).max() <= 255 and resize_image(sharp, 20).min() >= 0


# --- broken inputs ------------------------------------------------------------------------------


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageError, match=r"nope\.png: file does not exist"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="is a directory"):
        load_image(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ImageError, match=r"empty\.jpg: file is empty \(0 bytes\)"):
        load_image(tmp_path / "empty.jpg")


def test_text_file_named_jpg(tmp_path):
    (tmp_path / "notes.jpg").write_text("this is not a picture\n")
    with pytest.raises(ImageError, match=r"notes\.jpg: is not an image"):
        load_image(tmp_path / "notes.jpg")


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_truncated_files(tmp_path, suffix):
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    whole = tmp_path / f"whole{suffix}"
    Image.fromarray(pixels).save(whole)
    data = whole.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) * 6 // 10])
    with pytest.raises(ImageError, match="truncated or corrupt") as info:
        load_image(cut)
    assert str(cut) in str(info.value)


def test_zero_sized_image(tmp_path, monkeypatch):
    # Pillow refuses to write or open a 0x0 file, so hand load_image a 0x0 image directly
    path = tmp_path / "zero.png"
    Image.new("RGB", (1, 1)).save(path)
    monkeypatch.setattr(nst.images.Image, "open", lambda _: Image.new("RGB", (0, 0)))
    with pytest.raises(ImageError, match=r"zero size \(0x0\)"):
        load_image(path)


def test_decompression_bomb_by_our_limit(tmp_path, monkeypatch):
    Image.new("RGB", (40, 30)).save(tmp_path / "bomb.png")
    assert MAX_PIXELS == 178_956_970
    monkeypatch.setattr(nst.images, "MAX_PIXELS", 1000)  # 40 x 30 = 1200 > 1000
    with pytest.raises(ImageError, match=r"bomb\.png: image is too large.*decompression bomb"):
        load_image(tmp_path / "bomb.png")


def test_decompression_bomb_by_pillows_limit(tmp_path, monkeypatch):
    Image.new("RGB", (40, 30)).save(tmp_path / "bomb.png")  # 1200 pixels
    # Pillow's warning zone (limit < 1200 <= 2 * limit) is not an error: MAX_PIXELS rules
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check(load_image(tmp_path / "bomb.png"), 30, 40)
    # above twice Pillow's limit, Pillow's DecompressionBombError becomes an ImageError
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)
    with pytest.raises(ImageError, match=r"bomb\.png: image is too large to load safely"):
        load_image(tmp_path / "bomb.png")


# --- saving -------------------------------------------------------------------------------------


def test_save_png_round_trip_and_rounding(tmp_path):
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)
    out = save_image(tmp_path / "out.png", pixels)
    assert out == tmp_path / "out.png"
    np.testing.assert_array_equal(load_image(out), pixels)
    floats = np.array([[[10.4, 10.6, -5.0], [300.0, 254.5, 0.49]]])
    save_image(tmp_path / "floats.PNG", floats)
    np.testing.assert_array_equal(
        load_image(tmp_path / "floats.PNG")[0], [[10, 11, 0], [255, 254, 0]]
    )
    assert sorted(os.listdir(tmp_path)) == ["floats.PNG", "out.png"]  # no temporary files


def test_save_jpeg(tmp_path):
    flat = np.full((16, 16, 3), (200, 30, 90), dtype=np.float32)
    for name in ("a.jpg", "b.JPEG"):
        save_image(tmp_path / name, flat)
        assert Image.open(tmp_path / name).format == "JPEG"
        np.testing.assert_allclose(
            load_image(tmp_path / name).mean(axis=(0, 1)), flat[0, 0], atol=3
        )


def test_save_errors_name_the_file(tmp_path):
    image = np.zeros((2, 2, 3), dtype=np.uint8)
    for name in ("x.bmp", "x.gif", "x"):
        with pytest.raises(ImageError, match=r"cannot save with extension.*\.png, \.jpg, \.jpeg"):
            save_image(tmp_path / name, image)
    with pytest.raises(ImageError, match="does not exist"):
        save_image(tmp_path / "missing" / "x.png", image)
    with pytest.raises(ImageError, match=r"shape \(2, 2\)"):
        save_image(tmp_path / "x.png", np.zeros((2, 2)))
    with pytest.raises(ImageError, match="NaN or infinite"):
        save_image(tmp_path / "x.png", np.full((2, 2, 3), np.nan))
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ImageError, match="is a directory"):
        save_image(tmp_path / "dir.png", image)
    assert sorted(os.listdir(tmp_path)) == ["dir.png"]


def test_save_when_the_temporary_file_cannot_be_created(tmp_path, monkeypatch):
    # what a read-only directory does for a normal user (root ignores the permission bits)
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(vgg_mat.atomic.tempfile, "mkstemp", refuse)
    with pytest.raises(ImageError, match=r"x\.png: could not write the image \(Permission denied"):
        save_image(tmp_path / "x.png", np.zeros((2, 2, 3)))


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="running as root, which can write into a directory with mode 0o500",
)
def test_save_into_unwritable_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ImageError, match="cannot write in directory"):
            save_image(locked / "x.png", np.zeros((2, 2, 3)))
    finally:
        locked.chmod(0o700)


def test_existing_file_replaced_only_on_success(tmp_path, monkeypatch):
    target = tmp_path / "result.png"
    old = np.full((3, 3, 3), 7, dtype=np.uint8)
    save_image(target, old)

    # a failure while encoding leaves the old file and no temporary file
    def broken_save(self, *args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(Image.Image, "save", broken_save)
        with pytest.raises(ImageError, match="disk full"):
            save_image(target, np.zeros((3, 3, 3)))
    np.testing.assert_array_equal(load_image(target), old)
    assert os.listdir(tmp_path) == ["result.png"]

    # an interrupt (not an OSError) also cleans up and propagates unchanged
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Image.Image, "save", interrupted)
        with pytest.raises(KeyboardInterrupt):
            save_image(target, np.zeros((3, 3, 3)))
    assert os.listdir(tmp_path) == ["result.png"]
    # success replaces it
    save_image(target, np.zeros((3, 3, 3)))
    np.testing.assert_array_equal(load_image(target), 0)
    assert Path(target).stat().st_mode & 0o777 != 0o600  # usual permissions, not mkstemp's


@pytest.mark.parametrize("name", ["labelled.png", "labelled.jpg"])
def test_save_image_stores_metadata_text(tmp_path, name):
    from nst.manifest import read_image_text

    path = save_image(
        tmp_path / name, np.full((4, 6, 3), 128.0), metadata={"Description": "synthetic", "k": "v"}
    )
    text = read_image_text(path)
    assert "Description: synthetic" in text and "k: v" in text
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_manifest_image_formats_are_the_ones_save_image_writes():
    from nst.images import SAVE_FORMATS
    from nst.manifest import IMAGE_FORMATS

    assert IMAGE_FORMATS == SAVE_FORMATS
