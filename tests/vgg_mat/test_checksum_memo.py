"""A file of the official size with another MD5 is refused; the MD5 is remembered (issue 16, 13).

The real published size is 534,904,783 bytes: one test builds a sparse file of exactly that
size (no disk space, about a second of hashing) to check the real table end to end; the others
give the small synthetic miniature an entry of its own size in `OFFICIAL_FILES` (the size table
is what decides, so this exercises the same code on a few kilobytes).
"""

from __future__ import annotations

import json
import os
import shutil
import struct

import pytest
import scipy.io

from vgg_mat import integrity, matfile
from vgg_mat.cache import MEMO_NAME, SKIP_CHECKSUM_ENV, remembered_md5, verified_status
from vgg_mat.cli import main
from vgg_mat.integrity import OFFICIAL_SIZE, OfficialFile, check_file
from vgg_mat.matfile import load
from vgg_mat.weights import MatFileError

MI_MATRIX = 14  # MAT-v5 element type of a variable


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path):
    """An empty weights cache (where the memo goes), and no opt-out from the environment."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("VGG_MAT_HOME", str(folder))
    monkeypatch.delenv(SKIP_CHECKSUM_ENV, raising=False)
    return folder


@pytest.fixture
def hashes(monkeypatch):
    """Every path `integrity.file_md5` hashes, in order (it still hashes)."""
    seen = []
    real = integrity.file_md5

    def counting(path, *args, **kwargs):
        seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(integrity, "file_md5", counting)
    return seen


@pytest.fixture
def edited(tmp_path, synthetic_2016_path, monkeypatch):
    """A copy of the miniature whose size is 'official' and whose MD5 is not."""
    path = tmp_path / "edited.mat"
    shutil.copyfile(synthetic_2016_path, path)
    entry = OfficialFile("official-2016", "0" * 32, path.stat().st_size)
    monkeypatch.setattr(integrity, "OFFICIAL_FILES", {"official-2016": entry})
    return path


def _refused(excinfo, path):
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for phrase in ("corrupt or was edited", "vgg-mat download", "verify_checksum=False"):
        assert phrase in message, (phrase, message)
    assert f"{SKIP_CHECKSUM_ENV}=1" in message


def test_sparse_file_of_the_real_official_size_is_refused(tmp_path, monkeypatch, hashes):
    """The real table: 534,904,783 bytes and not the published MD5 -> refused before scipy."""
    path = tmp_path / "imagenet-vgg-verydeep-19.mat"
    header = b"MATLAB 5.0 MAT-file, Platform: GLNXA64".ljust(116, b" ") + bytes(8) + b"\x00\x01IM"
    rest = OFFICIAL_SIZE - len(header) - 8
    with open(path, "wb") as stream:  # one variable whose data is a hole up to the end
        stream.write(header + struct.pack("<II", MI_MATRIX, rest))
        stream.truncate(OFFICIAL_SIZE)
    assert check_file(path) == OFFICIAL_SIZE  # the cheap checks cannot see it

    def no_scipy(*args, **kwargs):
        raise AssertionError("scipy read a file that should have been refused first")

    monkeypatch.setattr(matfile.scipy.io, "whosmat", no_scipy)
    with pytest.raises(MatFileError) as excinfo:
        load(path)
    _refused(excinfo, path)
    assert "exact size of the published 2016 file (534,904,783 bytes)" in str(excinfo.value)
    with pytest.raises(MatFileError):
        load(path)  # refused again from the memo, without hashing again
    assert hashes == [str(path)]


def test_edited_copy_is_refused_and_the_opt_outs_load(edited, monkeypatch, synthetic_2016_path):
    with pytest.raises(MatFileError) as excinfo:
        load(edited)
    _refused(excinfo, edited)
    weights = load(edited, verify_checksum=False)
    assert weights.checksum == "unverified"
    assert weights.names == load(synthetic_2016_path, verify_checksum=False).names
    monkeypatch.setenv(SKIP_CHECKSUM_ENV, "1")
    assert load(edited).checksum == "unverified"
    with pytest.raises(MatFileError):
        load(edited, verify_checksum=True)  # the keyword wins over the environment
    monkeypatch.setenv(SKIP_CHECKSUM_ENV, "0")
    with pytest.raises(MatFileError):
        load(edited)


def test_the_command_line_honours_the_environment_variable(edited, monkeypatch, capsys):
    assert main(["inspect", str(edited)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "corrupt or was edited" in err
    monkeypatch.setenv(SKIP_CHECKSUM_ENV, "1")
    assert main(["inspect", str(edited)]) == 0
    assert "checksum:     unverified" in capsys.readouterr().out


def test_the_md5_is_remembered_until_size_or_mtime_change(edited, home, hashes):
    for _ in range(3):
        with pytest.raises(MatFileError):
            load(edited)
    assert hashes == [str(edited)]  # hashed once
    memo = json.loads((home / MEMO_NAME).read_text(encoding="utf-8"))  # JSON, not pickle
    (entry,) = memo["files"].values()
    assert entry["size"] == edited.stat().st_size and len(entry["md5"]) == 32

    stat = edited.stat()
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched
    with pytest.raises(MatFileError):
        load(edited)
    assert len(hashes) == 2

    # a fixed file (same path, the right MD5 now) is believed at once
    md5 = integrity.file_md5(edited)
    hashes.clear()
    integrity.OFFICIAL_FILES["official-2016"] = OfficialFile("official-2016", md5, stat.st_size)
    assert load(edited).checksum == "official-2016"
    assert hashes == []  # from the memo


def test_a_changed_size_is_hashed_again(tmp_path, hashes):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    first = remembered_md5(path)
    stat = path.stat()
    path.write_bytes(b"abcd")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime, other size
    assert remembered_md5(path) != first
    assert len(hashes) == 2


def test_small_files_are_never_hashed_and_leave_no_memo(synthetic_2016_path, home, monkeypatch):
    def no_hashing(*args, **kwargs):
        raise AssertionError("hashed a file whose size cannot be official")

    monkeypatch.setattr(integrity, "file_md5", no_hashing)
    assert load(synthetic_2016_path).checksum == "unverified"
    assert not home.exists()


def test_a_broken_or_unwritable_memo_only_costs_a_hash(edited, home, hashes, monkeypatch):
    home.mkdir()
    (home / MEMO_NAME).write_bytes(b"\x80\x04 not json")  # e.g. a pickle put there
    with pytest.raises(MatFileError):
        load(edited)
    assert json.loads((home / MEMO_NAME).read_text(encoding="utf-8"))["format"] == 1
    blocked = home / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("VGG_MAT_HOME", str(blocked / "cache"))  # cannot be created, even by root
    assert verified_status(edited, verify_checksum=False) == "unverified"
    assert verified_status(edited, verify_checksum=False) == "unverified"
    assert len(hashes) == 3  # not remembered, and nothing else fails


def test_the_mutation_harness_file_stays_unaffected(tmp_path, synthetic_2016_path):
    """A resaved miniature (another size) loads as before: the check is for official sizes."""
    data = scipy.io.loadmat(synthetic_2016_path)
    path = tmp_path / "resaved.mat"
    scipy.io.savemat(path, {k: v for k, v in data.items() if not k.startswith("__")})
    assert load(path).checksum == "unverified"


def test_the_memo_is_skipped_without_a_home_folder(tmp_path, monkeypatch):
    """No $VGG_MAT_HOME and no home directory (a bare container): hashed, not refused."""
    from vgg_mat import cache, integrity

    path = tmp_path / "file.bin"
    path.write_bytes(b"abc")
    monkeypatch.delenv("VGG_MAT_HOME", raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(cache.Path, "home", staticmethod(no_home))
    assert cache.remembered_md5(path) == integrity.file_md5(path)
