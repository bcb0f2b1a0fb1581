import pytest

from logic import Tally, allow_list, allowed, judge


def test_expressions_follow_or_and_and():
    allow = {"MIT", "Apache-2.0"}
    assert allowed("MIT", allow)
    assert allowed("GPL-3.0-only OR MIT", allow)
    assert allowed("(MIT AND Apache-2.0)", allow)
    assert not allowed("MIT AND GPL-3.0-only", allow)
    assert not allowed("BSD-2-Clause", allow)


def test_components_outside_the_list_are_denied():
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {"name": "a", "version": "1", "licenses": [{"license": {"id": "MIT"}}]},
            {
                "name": "b",
                "version": "2",
                "licenses": [{"expression": "GPL-3.0-only"}],
                "components": [{"name": "c", "licenses": [{"license": {"name": "Custom"}}]}],
            },
            {"name": "d"},
        ],
    }
    tally = Tally()
    judge(sbom, {"MIT"}, tally)
    assert tally.components == 4
    assert tally.unlicensed == 1
    assert tally.denied == {"Custom", "GPL-3.0-only"}
    assert len(tally.offenders) == 2


def test_the_config_must_name_the_allowed_licences():
    with pytest.raises(ValueError):
        allow_list("{}")
    with pytest.raises(ValueError):
        allow_list('{"allowed": [1]}')
    assert allow_list('{"allowed": ["MIT"]}') == {"MIT"}
