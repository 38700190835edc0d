"""Issue 19, class 7 (the app's items): no hidden state change. `export_model` and `load_model` leave the global
torch RNG where it was (the weights are loaded, not drawn), and `make_app` sets no environment variable (what Gradio
needs is passed as arguments; the `dlcourse app` command sets its own process's environment)."""
import os
import pytest, torch

@pytest.mark.parametrize('arch', ['simple_cnn', 'resnet10t'])
def test_export_and_load_leave_the_rng(tmp_path, arch):
    from dlcourse.app import build_model, export_model, load_model
    m = build_model(arch, 3)
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    d = export_model(m, tmp_path/'m', arch, ['a', 'b', 'c'], size=32, stats=([.5]*3, [.5]*3))
    assert torch.equal(torch.random.get_rng_state(), state), 'export_model drew from the global RNG'
    load_model(d)
    assert torch.equal(torch.random.get_rng_state(), state), 'load_model drew from the global RNG'

def test_make_app_sets_no_environment_variable(tmp_path, monkeypatch):
    from dlcourse.app import build_model, export_model, load_model, make_app
    for k in ('GRADIO_ANALYTICS_ENABLED', 'HF_HUB_DISABLE_TELEMETRY'): monkeypatch.delenv(k, raising=False)
    clf = load_model(export_model(build_model('simple_cnn', 2), tmp_path/'m', 'simple_cnn', ['a', 'b'], size=32))
    before = dict(os.environ)
    app = make_app(clf)
    assert dict(os.environ) == before, {k: os.environ.get(k) for k in set(os.environ) ^ set(before)}
    assert app.analytics_enabled is False  # passed as an argument instead
