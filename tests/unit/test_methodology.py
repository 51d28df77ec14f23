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


def test_v2_matches_the_specification():
    m = methodology.load("v2")
    assert m.version == "v2" and 'version = "v2"' in m.toml_text
    assert m.platforms == ("vk", "ok", "telegram", "max")
    assert m.mandatory_platforms == ("vk", "ok")
    assert m.interaction_platforms == ("vk", "ok", "telegram")
    assert (m.params["presence_platform"], m.params["presence_org_kind"]) == ("max", "regional_authority")
    weights = {i.id: (i.block, i.kind, i.weight) for i in m.indicators}
    assert weights == {
        "I1": (1, "share", 0.35),
        "I2": (1, "share", 0.15),
        "I3": (1, "share", 0.15),
        "I4": (1, "share", 0.15),
        "I9": (1, "share", 0.20),
        "I5": (2, "share", 0.30),
        "I6": (2, "continuous", 0.30),
        "I7": (2, "continuous", 0.25),
        "I8": (2, "continuous", 0.15),
    }
    v1 = methodology.load("v1")
    assert {k: v for k, v in m.params.items() if not k.startswith("presence_")} == {
        k: v for k, v in v1.params.items() if not k.startswith("presence_")
    }


def test_v1_counts_interactions_on_every_platform_and_has_no_presence_platform():
    m = methodology.load("v1")
    assert m.interaction_platforms == m.platforms
    assert m.params["presence_platform"] is None


def test_the_newest_methodology_is_the_default():
    assert methodology.available()[:2] == ("v1", "v2")
    assert methodology.DEFAULT_VERSION == methodology.available()[-1] == "v2"


def test_unknown_version_lists_the_available_ones():
    with pytest.raises(MethodologyError, match="available: v1, v2"):
        methodology.load("v3")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('interaction_platforms = ["vk", "ok", "telegram"]', 'interaction_platforms = ["vk", "rutube"]', "subset"),
        ('presence_platform = "max"', 'presence_platform = "rutube"', "presence_platform 'rutube'"),
        ("weight = 0.20", "weight = 0.25", "block 1 weights add up"),
    ],
)
def test_inconsistent_v2_files_are_rejected(old, new, message):
    text = methodology.load("v2").toml_text
    assert old in text
    with pytest.raises(MethodologyError, match=message):
        methodology.parse("v2", text.replace(old, new, 1))
