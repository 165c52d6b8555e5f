#!/usr/bin/env python3
"""Checks the file `score-corpus.py --json` wrote: for each mode, every bug kind the manifest
labels in that mode has a row whose counts add up (tp + fn = the labels of that kind).

usage: check_scores_json.py SCORES.json MANIFEST.json [--only static|dynamic]"""
import json
import sys


def main():
    scores_path, manifest_path = sys.argv[1], sys.argv[2]
    only = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == '--only' else None
    with open(scores_path, encoding='utf-8') as f:
        scores = json.load(f)
    with open(manifest_path, encoding='utf-8') as f:
        programs = json.load(f)['programs']
    labelled = {'static': {}, 'dynamic': {}}
    for p in programs:
        for s in p.get('static', []):
            labelled['static'][s['check']] = labelled['static'].get(s['check'], 0) + 1
        for k in p.get('dynamic', []):
            labelled['dynamic'][k] = labelled['dynamic'].get(k, 0) + 1
    errors = []
    for mode, kinds in labelled.items():
        if only and mode != only:
            continue  # the scorer was run for the other mode only
        if mode not in scores:
            errors.append(f'{mode}: missing')
            continue
        if scores[mode].get('unavailable'):
            continue  # e.g. the analyzer is not built: nothing to check
        rows = scores[mode].get('kinds', {})
        for kind, n in sorted(kinds.items()):
            row = rows.get(kind)
            if row is None:
                errors.append(f'{mode} {kind}: no row')
            elif row['tp'] + row['fn'] != n:
                errors.append(f'{mode} {kind}: tp+fn = {row["tp"] + row["fn"]}, labels = {n}')
    for e in errors:
        print('scores json:', e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
