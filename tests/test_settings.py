"""Settings come from MOSAIC_* variables, and every one is documented in the README."""

from pathlib import Path

from search.config import Settings, describe_settings
from tests.conftest import ROOT


def test_environment_overrides_defaults():
    settings = Settings.from_env({"MOSAIC_INDEX_DIR": "/srv/ix", "MOSAIC_PER_PAGE": "25", "MOSAIC_MAX_FILE_MB": "2.5"})
    assert (settings.index_dir, settings.per_page, settings.max_file_mb) == (Path("/srv/ix"), 25, 2.5)
    assert Settings.from_env({}, index_dir=Path("x")).index_dir == Path("x")


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, env, default, help_text in describe_settings():
        assert f"`{env}`" in readme, f"{env} ({name}) is not documented in README.md"
