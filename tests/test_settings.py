"""Settings: every one documented, every one overridable from the environment, bad values refused."""

from __future__ import annotations

import dataclasses

import pytest

from newsdesk.errors import NewsdeskError, SettingsError
from newsdesk.settings import Settings

SETTING_NAMES = [f.name for f in dataclasses.fields(Settings)]


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_every_setting_has_help_text(name: str) -> None:
    help_text = Settings.help()[name]
    assert len(help_text.split()) >= 5, f"{name} needs help text that says what it does"


def test_the_input_limit_help_states_its_time_and_memory_bounds() -> None:
    help_text = Settings.help()["max_input_bytes"]
    for promise in ("InputError", "gz", "extract()", "memory", "minute"):
        assert promise in help_text


def test_defaults_need_no_environment() -> None:
    assert Settings.from_env({}) == Settings()


# Settings that take one of a few values: another of them.
OTHER_VALUE = {"spacy_gemm": "blis"}


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_every_setting_is_overridden_by_its_environment_variable(name: str) -> None:
    default = getattr(Settings(), name)
    wanted = OTHER_VALUE.get(name) or (default + "_custom" if isinstance(default, str) else default + 1)
    settings = Settings.from_env({f"NEWSDESK_{name.upper()}": str(wanted)})
    assert getattr(settings, name) == wanted


def test_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_MAX_INPUT_BYTES", "1_000_000")
    assert Settings.from_env().max_input_bytes == 1_000_000


def test_unrelated_variables_are_ignored() -> None:
    assert Settings.from_env({"NEWSDESK_NO_SUCH_SETTING": "1", "HOME": "/root"}) == Settings()


@pytest.mark.parametrize("raw", ["lots", "", "1.5", "32MB"])
def test_a_value_that_is_not_a_number_names_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"NEWSDESK_MAX_INPUT_BYTES": raw})
    assert caught.value.source == "NEWSDESK_MAX_INPUT_BYTES"
    assert str(caught.value) == f"NEWSDESK_MAX_INPUT_BYTES: expected int, got {raw!r}"


@pytest.mark.parametrize("raw", ["0", "-5"])
def test_a_limit_must_be_positive(raw: str) -> None:
    with pytest.raises(SettingsError, match="NEWSDESK_MAX_DEPTH: must be a positive whole number"):
        Settings.from_env({"NEWSDESK_MAX_DEPTH": raw})


def test_settings_made_in_code_are_checked_too() -> None:
    with pytest.raises(SettingsError, match="max_input_bytes: must be a positive whole number"):
        Settings(max_input_bytes=-1)
    with pytest.raises(NewsdeskError):
        Settings(max_depth=True)


def test_settings_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().max_depth = 5  # type: ignore[misc]
