"""Issue 19, class 6 (the saved-model item): a clear error at the PyTorch boundary. A saved model whose model.json
disagrees with its weights, or lacks a field, or holds a value out of range, is refused by `load_model` with a
`ValueError` that names the file and the field, before torch or timm sees it."""
import json
from pathlib import Path
import pytest, torch

@pytest.fixture
def saved(tmp_path):
    from dlcourse.app import build_model, export_model
    return export_model(build_model('simple_cnn', 3), tmp_path/'m', 'simple_cnn', ['a', 'b', 'c'], size=32)

def _edit(folder: Path, **changes):
    meta = json.loads((folder/'model.json').read_text())
    for k, v in changes.items():
        if v is ...: meta.pop(k)
        else: meta[k] = v
    (folder/'model.json').write_text(json.dumps(meta))

def _refused(folder: Path, field: str):
    from dlcourse.app import load_model
    with pytest.raises(ValueError) as e: load_model(folder)
    msg = str(e.value)
    assert str(folder/'model.json') in msg and field in msg, msg
    return msg

CASES = [  # (what model.json says, the field the message must name)
    (dict(classes=['a', 'b']), 'classes'),  # fewer names than the weights have outputs
    (dict(classes=['a', 'b', 'c', 'd', 'e']), 'classes'),
    (dict(classes=[]), 'classes'), (dict(classes='abc'), 'classes'), (dict(classes=['a', 'a', 'b']), 'classes'),
    (dict(arch='resnet10t'), 'arch'),  # another architecture: its keys are not the weights' keys
    (dict(arch='no_such_net'), 'arch'), (dict(arch=3), 'arch'),
    (dict(arch_kwargs=dict(widths=(8, 8, 8, 8))), 'arch_kwargs'), (dict(arch_kwargs=[1]), 'arch_kwargs'),
    (dict(size=0), 'size'), (dict(size=-32), 'size'), (dict(size=10**6), 'size'), (dict(size='32'), 'size'),
    (dict(size=32.5), 'size'), (dict(size=True), 'size'), (dict(size=None), 'size'),
    (dict(mean=[0.5, 0.5]), 'mean'), (dict(mean='0.5'), 'mean'), (dict(std=[0.2, 0, 0.2]), 'std'),
    (dict(std=[float('nan')] * 3), 'std'),
    (dict(crop_pct=0), 'crop_pct'), (dict(crop_pct=1.5), 'crop_pct'), (dict(interpolation='fancy'), 'interpolation'),
    (dict(format='something/9'), 'format'),
] + [(dict({k: ...}), k) for k in ('format', 'arch', 'classes', 'size', 'mean', 'std')]

@pytest.mark.parametrize('changes,field', CASES, ids=[f'{f}-{i}' for i, (_, f) in enumerate(CASES)])
def test_model_json_that_disagrees_is_refused(saved, changes, field):
    _edit(saved, **changes)
    _refused(saved, field)

def test_not_json_or_not_a_dict(saved):
    (saved/'model.json').write_text('{oops')
    _refused(saved, 'not valid JSON')
    (saved/'model.json').write_text('[1, 2]')
    _refused(saved, 'expected a JSON object')

def test_weights_that_are_not_weights(saved):
    from dlcourse.app import load_model
    (saved/'model.pt').write_bytes(b'not a torch file')
    with pytest.raises(ValueError, match='model.pt'): load_model(saved)
    torch.save({'w': torch.zeros(3)}, saved/'model.pt')
    msg = _refused(saved, 'arch')
    assert 'model.pt' in msg

def test_the_message_says_what_the_weights_have(saved):
    _edit(saved, classes=['a', 'b'])
    assert '3 outputs' in _refused(saved, 'classes')

def test_older_files_without_crop_still_load(saved):
    "model.json written before crop_pct and interpolation were recorded: read as no crop, bilinear"
    from dlcourse.app import load_model
    _edit(saved, crop_pct=..., interpolation=...)
    clf = load_model(saved)
    assert clf.cfg['crop_pct'] == 1.0 and clf.cfg['interpolation'] == 'bilinear'
