"""The registry: built-in identifiers, user files that override them, ad hoc PROVIDER:MODEL ids."""

from __future__ import annotations

import pytest

from arcforge.errors import UsageError
from arcforge.models import UnknownModelError, load_registry
from arcforge.models.registry import user_registry_paths

ORIGINAL_IDS = ["CLAUDE", "GEMINI_PRO", "GEMINI_FLASH", "GPT", "CODER", "PHI", "QWEN"]


def test_builtin_ids_are_the_original_systems_plus_local() -> None:
    registry = load_registry([])
    assert registry.ids() == [*ORIGINAL_IDS, "local"]
    for model_id in ORIGINAL_IDS:
        entry = registry.resolve(model_id)
        assert entry.provider == "openrouter" and entry.base_url == "https://openrouter.ai/api/v1"
        assert entry.api_key_env == "OPENROUTER_API_KEY" and "/" in entry.model
        assert entry.input_price > 0 and entry.output_price > 0
    local = registry.resolve("local")
    assert local.bundled and local.api_key_env == "" and local.context_size >= 8192


@pytest.mark.parametrize(
    ("spec", "provider", "model", "kind"),
    [
        ("openrouter:anthropic/claude-sonnet-4", "openrouter", "anthropic/claude-sonnet-4", "openai"),
        ("ollama:qwen2.5:7b", "ollama", "qwen2.5:7b", "ollama"),
        ("openai:gpt-4o-mini", "openai", "gpt-4o-mini", "openai"),
        ("anthropic:claude-opus-4-1", "anthropic", "claude-opus-4-1", "anthropic"),
        ("groq:llama-3.3-70b-versatile", "groq", "llama-3.3-70b-versatile", "openai"),
    ],
)
def test_ad_hoc_ids(spec: str, provider: str, model: str, kind: str) -> None:
    entry = load_registry([]).resolve(spec)
    assert (entry.id, entry.provider, entry.model, entry.kind) == (spec, provider, model, kind)
    assert not entry.base_url_overridden


def test_base_url_override_and_cache_identity() -> None:
    registry = load_registry([])
    entry = registry.resolve("openai:any", base_url="http://127.0.0.1:9/v1/")
    assert entry.base_url == "http://127.0.0.1:9/v1" and entry.base_url_overridden
    assert entry.identity != registry.resolve("openai:any").identity
    assert registry.resolve("local").identity == "openai:local:gemma-3-270m-q4_k_m@"  # no per-run port in it


def test_user_files_add_and_override_in_order(tmp_path) -> None:
    home_file = tmp_path / "home.toml"
    project_file = tmp_path / "project.toml"
    home_file.write_text(
        '[models.GPT]\nmodel = "openai/gpt-4.1"\n[models.mine]\nprovider = "vllm"\nmodel = "x"\n'
    )
    project_file.write_text(
        '[models.GPT]\ntemperature = 0.3\n[providers.vllm]\nbase_url = "http://gpu:8000/v1"\n'
    )
    registry = load_registry([home_file, project_file, tmp_path / "absent.toml"])
    gpt = registry.resolve("GPT")
    assert (gpt.model, gpt.temperature, gpt.provider) == ("openai/gpt-4.1", 0.3, "openrouter")
    assert registry.resolve("mine").base_url == "http://gpu:8000/v1"
    assert registry.sources[1:] == (str(home_file), str(project_file))


def test_default_user_paths(tmp_path) -> None:
    paths = user_registry_paths(cwd=tmp_path / "proj", home=tmp_path / "me")
    assert paths == [tmp_path / "me/.config/arcforge/models.toml", tmp_path / "proj/models.toml"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[models.x\n", "not valid TOML"),
        ('[models.x]\nprovider = "openrouter"\nmodel = "m"\ncolour = 1\n', "unknown field(s) colour"),
        ('[models.x]\nmodel = "m"\n', "needs provider"),
        (
            '[models.x]\nprovider = "openrouter"\nmodel = "m"\nbase_url = "http://a"\n',
            "belong(s) in [providers.NAME]",
        ),
        ('[modles.x]\nprovider = "openrouter"\n', "unknown table(s) modles"),
    ],
)
def test_bad_files_are_one_line_usage_errors(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "models.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match="models.toml") as caught:
        load_registry([path])
    assert message in str(caught.value)


def test_unknown_ids_say_what_to_use() -> None:
    registry = load_registry([])
    with pytest.raises(UnknownModelError, match="arcforge models list") as caught:
        registry.resolve("GTP")
    assert caught.value.exit_code == 2
    with pytest.raises(UnknownModelError, match="known providers: .*openrouter"):
        registry.resolve("openruter:x/y")
    with pytest.raises(UnknownModelError, match="lacks a model name"):
        registry.resolve("openai:")
