"""Issue 19, class 4: no silent wrong result on a common shape or setting. Each test failed before the fix.

- Predictions and probabilities in one column `(n, 1)` or 1-D are binary P(class 1) in every helper that takes
  them (`dlcourse.checks.check_preds` / `check_probs`), with scikit-learn's metrics as the oracle; logits in one
  column are refused.
- A cleaning action is 'delete' in any case, or a label exactly as the class names spell it; nothing else becomes a
  silent relabel.
- An optimizer built on another copy of the model is refused (it would train nothing).
- `fit_tensors` augments only when asked; BatchNorm2d trains on one image (issue 20, item 2).
"""
import copy
import numpy as np, pytest, torch
import torch.nn as nn, torch.nn.functional as F
from hypothesis import given, settings, strategies as st, HealthCheck, Phase
from sklearn.metrics import accuracy_score, log_loss

SET = settings(max_examples=25, deadline=None, derandomize=True, phases=(Phase.explicit, Phase.generate),
               suppress_health_check=[HealthCheck.too_slow])

def binary_case(seed, n):
    "Labels 0/1 and a model's P(class 1) for each row, never exactly 0.5 (the threshold) nor whole"
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.clip(0.3*y + rng.random(n)*0.7, 0.01, 0.99)
    p[np.isclose(p, 0.5)] = 0.51
    return y, p

# ------------------------------------------------------------------ one column and 1-D probabilities: P(class 1)
@SET
@given(st.integers(0, 10_000), st.integers(2, 60))
def test_accuracy_one_column_is_p_class_1(seed, n):
    "The issue's example: accuracy(y, p[:, None]) is sklearn's accuracy of p > 0.5, not a one-class argmax"
    from dlcourse.stats import accuracy
    y, p = binary_case(seed, n)
    want = accuracy_score(y, p > 0.5)
    assert accuracy(y, p[:, None]) == pytest.approx(want)
    assert accuracy(y, p) == pytest.approx(want)
    assert accuracy(y, torch.tensor(p)[:, None]) == pytest.approx(want)
    assert accuracy(y, np.stack([1 - p, p], 1)) == pytest.approx(want)  # the same model as two columns

@SET
@given(st.integers(0, 10_000), st.integers(5, 60))
def test_paired_helpers_on_one_column(seed, n):
    "paired_bootstrap, paired_verdict and bootstrap_ci give for one column what they give for its labels"
    from dlcourse.stats import paired_bootstrap, paired_verdict, bootstrap_ci
    y, p = binary_case(seed, n)
    _, q = binary_case(seed + 1, n)
    la, lb = (p > 0.5).astype(int), (q > 0.5).astype(int)
    got = paired_bootstrap(y, p[:, None], q[:, None], n_boot=100)
    assert got == pytest.approx(paired_bootstrap(y, la, lb, n_boot=100))
    assert got[0] == pytest.approx(accuracy_score(y, la) - accuracy_score(y, lb))
    assert paired_verdict(y, p[:, None], q, n_boot=100) == paired_verdict(y, la, lb, n_boot=100)
    assert bootstrap_ci(y, p[:, None], n_boot=100) == pytest.approx(bootstrap_ci(y, la, n_boot=100))

@SET
@given(st.integers(0, 10_000), st.integers(2, 40))
def test_item_losses_on_one_probability_per_item(seed, n):
    "item_losses and cleaner_table take P(class 1) per item as sklearn's log_loss does"
    from dlcourse.cleaning import item_losses, cleaner_table
    y, p = binary_case(seed, n)
    want = log_loss(y, p, labels=[0, 1])
    assert item_losses(p, y).mean() == pytest.approx(want)
    assert item_losses(p[:, None], y).mean() == pytest.approx(want)
    t = cleaner_table(range(n), p, y, vocab=['no', 'yes'])
    assert t.loss.mean() == pytest.approx(want)
    assert (t.predicted == np.where(p[t.item] > 0.5, 'yes', 'no')).all()

@pytest.mark.parametrize('call', [
    lambda p, y: __import__('dlcourse.stats', fromlist=['x']).accuracy(y, p),
    lambda p, y: __import__('dlcourse.stats', fromlist=['x']).paired_bootstrap(y, p, p, n_boot=10),
    lambda p, y: __import__('dlcourse.cleaning', fromlist=['x']).item_losses(p, y),
    lambda p, y: __import__('dlcourse.cleaning', fromlist=['x']).cleaner_table(range(len(y)), p, y, ['a', 'b'])],
    ids=['accuracy', 'paired_bootstrap', 'item_losses', 'cleaner_table'])
def test_one_column_of_logits_is_refused(call):
    "One column of scores outside [0, 1] is neither labels nor P(class 1): a clear error naming the argument"
    y = np.array([0, 1, 1, 0])
    with pytest.raises(ValueError, match=r'pred|probs'): call(np.array([[-1.3], [2.2], [0.7], [-0.2]]), y)

def test_p_class_1_needs_binary_labels():
    from dlcourse.stats import accuracy
    with pytest.raises(ValueError, match='P\\(class 1\\)'): accuracy([0, 1, 2], np.array([[.2], [.7], [.9]]))

# ------------------------------------------------------------------ cleaning actions
DELETE = st.builds(lambda pre, word, post: pre + word + post, st.sampled_from(['', ' ', '  ']),
                   st.sampled_from(['delete', 'Delete', 'DELETE', 'dElEtE']), st.sampled_from(['', ' ', '\t']))

def table(actions):
    "A cleaner table whose `action` column holds `actions`, after two rows (a cat, a dog) with no action"
    from dlcourse.cleaning import cleaner_table
    n = len(actions) + 2
    t = cleaner_table([f'i{k}' for k in range(n)], np.full((n, 2), .5), np.arange(n) % 2, vocab=['cat', 'dog'])
    t['action'] = ['', ''] + list(actions)
    return t

@SET
@given(st.lists(st.one_of(DELETE, st.sampled_from(['', 'cat', 'dog', ' dog '])), min_size=1, max_size=8))
def test_delete_in_any_case_is_a_deletion(actions):
    "The issue's example: 'Delete' typed by hand (no vocab given) deletes; it is never a relabel to 'Delete'"
    from dlcourse.cleaning import cleaner_actions
    t = table(actions)
    for vocab in (None, ['cat', 'dog']):
        delete, relabel = cleaner_actions(t, vocab=vocab)
        want_del = [i for i, a in zip(t.item, t.action) if a.strip().lower() == 'delete']
        assert delete == want_del
        assert relabel == {i: a.strip() for i, a in zip(t.item, t.action) if a.strip() in ('cat', 'dog')}

@SET
@given(st.text(min_size=1, max_size=8).filter(lambda s: s.strip() and s.strip().lower() != 'delete'))
def test_other_actions_are_a_known_label_or_an_error(word):
    "Any other text is a label spelled as a class name, or a ValueError naming the table: never a new class"
    from dlcourse.cleaning import cleaner_actions
    t = table([word, ''])
    try: delete, relabel = cleaner_actions(t)
    except ValueError as e: assert 'table' in str(e); return
    assert delete == [] and set(relabel.values()) <= {'cat', 'dog'}

def test_label_in_another_case_is_refused_with_the_fix():
    from dlcourse.cleaning import cleaner_actions
    with pytest.raises(ValueError, match="did you mean 'dog'"): cleaner_actions(table(['Dog']))
    with pytest.raises(ValueError, match="a class named 'Delete'"): cleaner_actions(table(['dog']), ['cat', 'Delete'])

# ------------------------------------------------------------------ an optimizer on another copy of the model
def lin():
    with torch.random.fork_rng(): torch.manual_seed(0); return nn.Linear(3, 2)

def batches():
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(4, 3, generator=g), torch.arange(4) % 2) for _ in range(2)]

def test_fit_acc_refuses_an_optimizer_on_a_copy():
    "The issue's example: fit_acc with an optimizer built on another copy trained nothing and said nothing"
    from dlcourse.accumulation import fit_acc
    m = lin(); w = m.weight.detach().clone()
    opt = torch.optim.SGD(copy.deepcopy(m).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="opt: .*not `model`'s"): fit_acc(m, batches(), F.cross_entropy, opt, n_acc=8)
    assert torch.equal(m.weight, w)

def test_lr_find_refuses_an_optimizer_on_another_model():
    "The same check in every helper that takes a model and an optimizer"
    from dlcourse.lr_finder import lr_find
    with pytest.raises(ValueError, match="opt: .*not `model`'s"):
        lr_find(lin(), batches(), F.cross_entropy, opt=torch.optim.SGD(lin().parameters(), lr=0.1), num_it=6)

def test_optimizer_on_the_model_still_trains():
    from dlcourse.accumulation import fit_acc
    m = lin(); w = m.weight.detach().clone()
    fit_acc(m, batches(), F.cross_entropy, torch.optim.SGD(m.parameters(), lr=0.1), n_acc=8)
    assert not torch.equal(m.weight, w)

# ------------------------------------------------------------------ augmentation only when asked; BatchNorm2d
def imgs(n=12):
    g = torch.Generator().manual_seed(3)
    return torch.randn(n, 3, 8, 8, generator=g), torch.arange(n) % 2

def cnn():
    from dlcourse.training import simple_cnn
    with torch.random.fork_rng(): torch.manual_seed(0); return simple_cnn(2, widths=(4,))

def test_fit_tensors_does_not_flip_unless_asked():
    "The default trains exactly as flip=False on images; flip=True is the augmentation, and it changes training"
    from dlcourse.training import fit_tensors
    x, y = imgs()
    plain, default, flipped = (fit_tensors(cnn(), x, y, epochs=3, bs=4, progress=False, **kw)
                               for kw in (dict(flip=False), {}, dict(flip=True)))
    assert default == plain
    assert flipped != plain

def test_batchnorm2d_trains_on_one_image():
    "Issue 20, item 2: BatchNorm2d averages over pixels too, so one image (or a last batch of one) trains"
    from dlcourse.training import fit_tensors
    x, y = imgs(1)
    m = cnn(); w = m[0].weight.detach().clone()
    fit_tensors(m, x, y, epochs=2, progress=False)
    assert not torch.equal(m[0].weight, w)
    x, y = imgs(9)  # bs=4: 4, 4 and 1 image
    assert len(fit_tensors(cnn(), x, y, epochs=1, bs=4, progress=False)) == 1

def test_batchnorm1d_single_row_still_refused():
    "BatchNorm1d sees one value per channel in a batch of one row: refused, with the reason"
    from dlcourse.training import fit_tensors
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    with pytest.raises(ValueError, match='one value per channel'):
        fit_tensors(m, torch.randn(1, 3), torch.tensor([1]), progress=False)
