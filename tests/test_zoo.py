"""``sisrlearn.zoo.describe``: one line per shipped entry, SRGAN fine-tunings named as such."""

import pytest

from sisrlearn import zoo


def _entry(name: str, record: dict) -> zoo.ZooEntry:
    return zoo.ZooEntry(name, "model", record["model"], {}, (4,), None, "", record)


def test_describe_says_what_a_network_learned_from_and_how_long(monkeypatch):
    plain = {"model": "srresnet", "data": "t91", "steps": 24000, "seconds": 5700}
    tuned = {
        "model": "srresnet",
        "data": "t91",
        "steps": 300,
        "seconds": 45,
        "init": {"generator": "srresnet_x4"},
        "adversarial": {"content": "mse", "weight": 0.001},
        "psnr": {"Set5": {"4": 29.5}},
    }
    entries = {"a_x4": _entry("a_x4", plain), "b_x4": _entry("b_x4", tuned)}
    monkeypatch.setattr(zoo, "zoo_entries", lambda: entries)
    assert zoo.describe("a_x4") == "a_x4: srresnet trained on t91, 24,000 steps in 95 min"
    assert zoo.describe("b_x4") == (
        "b_x4: srresnet fine-tuned as SRGAN from srresnet_x4 on t91 (mse content, adversarial "
        "weight 0.001), 300 steps in 45 s; Set5 x4 29.50 dB"
    )
    with pytest.raises(ValueError, match="shipped entry"):
        zoo.describe("nope")


def test_describe_names_a_configuration_other_than_the_papers(monkeypatch):
    wide = {"model": "espcn", "kwargs": {"scale": 3, "n1": 128, "n2": 64}, "data": "t91"}
    paper = {"model": "espcn", "kwargs": {"scale": 3, "n1": 64}, "data": "t91"}
    entries = {"w_x3": _entry("w_x3", wide), "p_x3": _entry("p_x3", paper)}
    monkeypatch.setattr(zoo, "zoo_entries", lambda: entries)
    assert zoo.describe("w_x3").startswith("w_x3: espcn (n1=128, n2=64) trained on t91")
    assert zoo.describe("p_x3").startswith("p_x3: espcn trained on t91")
