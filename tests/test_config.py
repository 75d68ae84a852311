import pytest

from ssi_analysis.config import PILLARS, default_config, load_config
from ssi_analysis.errors import SSIConfigError


def test_defaults_cover_every_pillar_with_rationale():
    cfg = default_config()
    assert cfg.window_days == 90 and cfg.mode == "absolute"
    for pillar in PILLARS:
        assert any(m.pillar == pillar and m.weight > 0 for m in cfg.metrics)
    assert all(m.rationale for m in cfg.metrics)
    rate = cfg.metric("connection_acceptance_rate")
    assert rate.inputs == ("connection_requests_accepted", "connection_requests_sent")


def test_user_file_overrides_only_its_keys(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[scoring]\nwindow_days = 30\n[metrics.posts]\nhalf = 10\n")
    cfg = load_config(f)
    assert cfg.window_days == 30
    assert cfg.metric("posts").half == 10
    assert cfg.metric("posts").weight == default_config().metric("posts").weight
    assert cfg.metric("likes") == default_config().metric("likes")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[scoring]\nwindow_day = 30\n", "did you mean 'window_days'"),
        ("[scorin]\nwindow_days = 30\n", "did you mean 'scoring'"),
        ("[metrics.posts]\nhalff = 3\n", "did you mean 'half'"),
        ("[metrics.postz]\nhalf = 3\n", "did you mean 'posts'"),
        ("[scoring]\nmode = 'relativ'\n", "did you mean 'relative'"),
        ("[scoring]\nwindow_days = 0\n", "window_days"),
        ("[metrics.posts]\nhalf = -1\n", "must be > 0"),
        ("[metrics.message_reply_rate]\ntarget = 30\n", "within 0..1"),
        ("[metrics.posts]\nweight = 'heavy'\n", "must be a number"),
        ("[scoring\n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path, text, fragment):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(SSIConfigError) as exc:
        load_config(f)
    assert fragment in str(exc.value)
    assert "bad.toml" in str(exc.value)


def test_a_pillar_without_weight_is_refused(tmp_path):
    f = tmp_path / "c.toml"
    lines = [f"[metrics.{m.name}]\nweight = 0\n" for m in default_config().metrics
             if m.pillar == "insights"]
    f.write_text("".join(lines))
    with pytest.raises(SSIConfigError, match="insights"):
        load_config(f)


def test_missing_config_file(tmp_path):
    with pytest.raises(SSIConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_to_dict_round_trips():
    from ssi_analysis.config import config_from_dict

    cfg = default_config()
    assert config_from_dict(cfg.to_dict()) == cfg


def test_old_analysis_key_names_still_work_with_a_note(tmp_path):
    """n_boot and min_group were renamed n_resamples and min_n (the statistics' own names)."""
    from ssi_analysis.config import AnalysisConfig, load_analysis_config

    f = tmp_path / "old.toml"
    f.write_text("[analysis]\nn_boot = 300\nmin_group = 7\n")
    with pytest.warns(FutureWarning) as notes:
        cfg = load_analysis_config(f)
    assert sorted(str(w.message).split(": ", 1)[1] for w in notes) == [
        "[analysis] min_group is now called min_n; the old name is read as min_n for now, "
        "rename it",
        "[analysis] n_boot is now called n_resamples; the old name is read as n_resamples for "
        "now, rename it"]
    assert all(str(w.message).startswith(str(f)) for w in notes)
    assert (cfg.n_resamples, cfg.min_n) == (300, 7)
    assert cfg == AnalysisConfig(n_resamples=300, min_n=7)
    assert "n_boot" not in cfg.to_dict() and cfg.to_dict()["n_resamples"] == 300
    f.write_text("[analysis]\nn_boot = 300\nn_resamples = 400\n")
    with pytest.raises(SSIConfigError, match="both n_boot and n_resamples"):
        load_analysis_config(f)
