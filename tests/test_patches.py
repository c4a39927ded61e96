import pytest
import torch
import torch.nn.functional as F

from sisrlearn.patches import PatchDataset, extract_patches, fold_patches
from sisrlearn.resize import imresize


def test_extract_matches_unfold_by_hand_and_fold_inverts():
    img = torch.rand(2, 10, 13)
    patches = extract_patches(img, 4, 3)
    assert patches.shape == (3 * 4, 2, 4, 4)
    assert torch.equal(patches[1], img[:, 0:4, 3:7])
    assert torch.equal(patches[4], img[:, 3:7, 0:4])
    covered = fold_patches(patches, (10, 13), 4, 3)
    assert torch.allclose(covered, img)


def test_fold_averages_overlaps():
    patches = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2)])
    out = fold_patches(patches, (2, 3), 2, 1)
    assert torch.allclose(out, torch.tensor([[[0.0, 0.5, 1.0], [0.0, 0.5, 1.0]]]))


def test_patch_errors():
    with pytest.raises(ValueError, match="larger than the image"):
        extract_patches(torch.rand(1, 5, 5), 6, 1)
    with pytest.raises(ValueError, match="patches"):
        fold_patches(torch.rand(3, 1, 2, 2), (4, 4), 2, 2)


def test_patch_dataset_srcnn_subimages():
    img = torch.rand(3, 60, 61)
    ds = PatchDataset([img], 3, patch_size=33, stride=14, label_crop=6)
    x, y = ds[0]
    assert x.shape == (1, 33, 33) and y.shape == (1, 21, 21)
    assert len(ds) == ((60 - 33) // 14 + 1) * ((60 - 33) // 14 + 1)


def test_patch_dataset_post_upsampling_pairs_are_aligned():
    img = torch.rand(3, 48, 48)
    ds = PatchDataset({"a": img}, 2, patch_size=8, stride=8, channels="rgb", upsampled=False)
    x, y = ds[0]
    assert x.shape == (3, 8, 8) and y.shape == (3, 16, 16)
    assert torch.allclose(x, imresize(y.double(), 1 / 2).float(), atol=0.15)
    assert F.mse_loss(x, imresize(y, 1 / 2)) < F.mse_loss(x, imresize(ds[1][1], 1 / 2))


def test_patch_dataset_augment_is_seeded_and_errors():
    img = torch.rand(1, 40, 40)
    a = PatchDataset([img], 2, augment=True, generator=torch.Generator().manual_seed(0))
    b = PatchDataset([img], 2, augment=True, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a[i][0], b[i][0]) for i in range(len(a)))
    with pytest.raises(ValueError, match="smaller than one"):
        PatchDataset([torch.rand(1, 20, 20)], 2)
    with pytest.raises(ValueError, match="channels"):
        PatchDataset([img], 2, channels="lab")
