"""Fresh-process calls of the issue-6 helpers (models, transfer, multi_target, cleaning): catches exported code that
leans on notebook globals, and checks the packaged timm table is found from an installed-style import."""
from conftest import run_fresh

def test_models_fresh():
    run_fresh("""
        from dlcourse.models import timm_table, benchmark_models, pareto_front, pick_model, plot_speed_accuracy, TIMM_ARCHS
        import matplotlib; matplotlib.use('Agg')
        t = timm_table(); assert len(t) == len(TIMM_ARCHS) and 'timm' in t.attrs['source']
        b = benchmark_models(['mobilenetv3_small_100'], img_size=32, n_warmup=1, n_runs=2)
        assert b.ms[0] > 0
        assert pick_model(b.ms[0]*1.01, archs=['mobilenetv3_small_100'], timings=b) == 'mobilenetv3_small_100'
        assert pareto_front(t, 'cpu_ms').any()
        plot_speed_accuracy(t, x='cpu_ms')
    """)

def test_transfer_fresh(tmp_path):
    run_fresh(f"""
        import torch, timm
        from dlcourse.transfer import (freeze_body, unfreeze, discriminative_lrs, one_cycle_lrs, fine_tune_schedule,
                                       images_to_tensor, fit_tensors, predict_tensors, fine_tune_tensors, few_shot_split)
        from dlcourse.device import create_timm_model
        import numpy as np
        x = images_to_tensor(np.zeros((8, 16, 16, 3), np.uint8)); y = torch.arange(8) % 2
        m = timm.create_model('test_efficientnet', num_classes=2)
        assert freeze_body(m) < unfreeze(m)
        assert len(fit_tensors(m, x, y, epochs=1, bs=4)) == 1
        assert len(fine_tune_tensors(m, x, y, epochs=1, bs=4)) == 2
        assert predict_tensors(m, x).shape == (8, 2)
        torch.save(m.state_dict(), r'{tmp_path}/c.pth')
        assert create_timm_model('test_efficientnet', checkpoint=r'{tmp_path}/c.pth', num_classes=2) is not None
        assert len(fine_tune_schedule(1, 1e-3, 2)) == 4 and len(discriminative_lrs(slice(1e-3), 2)) == 2
        assert len(few_shot_split(np.array([0]*3 + [1]*3), 1)[0]) == 2
    """)

def test_multi_target_and_cleaning_fresh(cache_dir):
    run_fresh("""
        import torch, numpy as np
        from dlcourse.data import synth_paddy, DISEASES
        from dlcourse.multi_target import paddy_multi_dls, head_sizes, MultiHeadLoss, head_metrics, split_heads, head_probs
        from dlcourse.cleaning import (oof_probs, item_losses, cleaner_table, multi_head_cleaner_table,
                                       precision_recall_at_k, cleaner_actions, apply_cleaning)
        from dlcourse.basics import simple_cnn
        p = synth_paddy(n_per_class=8, size=16, n_test=1, label_noise=0.1)  # enough rows that every variety is in train
        dls = paddy_multi_dls(p, bs=4)
        sizes = head_sizes(dls); assert sizes['label'] == 10 and list(sizes) == ['label', 'variety']  # vocabs from the data
        m = simple_cnn(sum(sizes.values()))
        hp = head_probs(m, dls.valid, sizes, tta=True)
        loss = MultiHeadLoss(sizes); xb, *ys = dls.one_batch(); assert loss(m(xb), *ys) > 0
        assert len(head_metrics(sizes)) == 4
        t = multi_head_cleaner_table(range(len(hp['label'][1])), {h: (v[0].numpy(), v[1].numpy()) for h, v in hp.items()},
                                     {h: list(v) for h, v in zip(sizes, dls.vocab)})
        assert len(t) == 2*len(hp['label'][1])
        x = torch.randn(20, 3, 16, 16); y = torch.arange(20) % 10
        o = oof_probs(x, y, lambda: simple_cnn(10), n_folds=2, epochs=1)
        assert o.shape == (20, 10)
        ct = cleaner_table(list(range(20)), torch.softmax(o, 1).numpy(), y.numpy(), DISEASES)
        ct.loc[0, 'action'] = 'delete'
        d, r = cleaner_actions(ct); assert d == [ct.item[0]] and r == {}
        assert precision_recall_at_k([1, 2, 3], [2], 2) == (0.5, 1.0)
    """, DLCOURSE_CACHE=cache_dir, DLCOURSE_DATA='')
