import pytest
from gospublic_rating import methodology
from gospublic_rating.methodology import MethodologyError


def test_v1_matches_the_specification():
    m = methodology.load("v1")
    assert m.version == "v1"
    assert m.mandatory_platforms == ("vk", "ok")
    assert m.platforms == ("vk", "ok", "telegram")
    weights = {i.id: (i.block, i.kind, i.weight) for i in m.indicators}
    assert weights == {
        "I1": (1, "share", 0.40),
        "I2": (1, "share", 0.20),
        "I3": (1, "share", 0.20),
        "I4": (1, "share", 0.20),
        "I5": (2, "share", 0.30),
        "I6": (2, "continuous", 0.30),
        "I7": (2, "continuous", 0.25),
        "I8": (2, "continuous", 0.15),
    }
    assert m.params["min_posts"] == 4
    assert (m.params["clip_low_quantile"], m.params["clip_high_quantile"]) == (0.05, 0.95)
    assert (m.params["block1_weight"], m.params["block2_weight"]) == (0.5, 0.5)
    assert m.params["points_decimals"] == 1
    assert m.min_page_stats_coverage == 0.99
    assert 'version = "v1"' in m.toml_text


def test_unknown_version():
    with pytest.raises(MethodologyError, match="no methodology 'v9'"):
        methodology.load("v9")


def _edited(old: str, new: str) -> str:
    text = methodology.load("v1").toml_text
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("weight = 0.40", "weight = 0.45", "block 1 weights add up"),
        ("block2_weight = 0.5", "block2_weight = 0.6", "block weights of the total"),
        ('mandatory_platforms = ["vk", "ok"]', 'mandatory_platforms = ["vk", "max"]', "subset"),
        ('kind = "share"', 'kind = "ratio"', "kind must be"),
        ("clip_low_quantile = 0.05", "clip_low_quantile = 0.96", "clip_low_quantile <"),
        ('version = "v1"', 'version = "v2"', "file says version"),
    ],
)
def test_inconsistent_files_are_rejected(old, new, message):
    with pytest.raises(MethodologyError, match=message):
        methodology.parse("v1", _edited(old, new))
