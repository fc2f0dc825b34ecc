#!/usr/bin/env python3
"""Re-implementation of the reference trans-tokenization mapping (LAGoM-NLP/transtokenizer `map_tokens`,
`smooth_mapping` (library, in-place), `get_coefficients_for_token`) from the semantics documented in
/work/shared/research/transtokenization.md §1.6-1.7 and §8. It is NOT the authors' code (which is not available
offline); it follows the spec line by line, on the toy vocabularies below, to produce the golden fixture
Tests/EngineTests/Fixtures/transfer/toy_mapping_paper.json that the Swift `--paper-compat` path must reproduce.

Toy tokenizer (both sides): SentencePiece-like greedy longest match on '▁' + text.replace(' ', '▁');
an unmatched character becomes '<unk>'. Vocab iteration order = id order (the library iterates
`new.get_vocab()`, a hash order; the Swift port documents id order).

Usage: python3 scripts/reference/map_tokens_reference.py > Tests/EngineTests/Fixtures/transfer/toy_mapping_paper.json
"""
import json, math, sys, os
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', '..', 'Tests', 'EngineTests', 'Fixtures', 'transfer')

def load_vocab(name):
    with open(os.path.join(FIX, name), encoding='utf-8') as f:
        return [line.rstrip('\n') for line in f if line.rstrip('\n') != '']

class Toy:
    def __init__(self, pieces):
        self.pieces = pieces
        self.vocab = {p: i for i, p in enumerate(pieces)}
        self.unk_token = '<unk>' if '<unk>' in self.vocab else None
        self.specials = {'unk': '<unk>', 'bos': '<s>', 'eos': '</s>'}
        self.specials = {k: v for k, v in self.specials.items() if v in self.vocab}
    def tokenize(self, text):
        s = '▁' + text.replace(' ', '▁')
        out, i = [], 0
        longest = max(len(p) for p in self.pieces)
        while i < len(s):
            for L in range(min(longest, len(s) - i), 0, -1):
                if s[i:i+L] in self.vocab and not s[i:i+L].startswith('<'):
                    out.append(s[i:i+L]); i += L; break
            else:
                out.append('<unk>'); i += 1
        return out

def markers(tok):
    p1 = tok.tokenize(' a')[0].rstrip('a')
    p2 = tok.tokenize('a' * 22)[1].rstrip('a')
    return p1, p2

def map_tokens(table_rows, old, new, min_count):
    C = defaultdict(lambda: defaultdict(int))
    for old_word, new_word, _logp, count in table_rows:
        if old_word == '<eps>' or new_word == '<eps>':
            continue
        count = int(float(count))
        if count < min_count:
            continue
        if new_word in new.vocab and old_word in old.vocab:
            C[new_word][old_word] += count
        else:
            h = max(1, count // 2)
            o, n = old_word.split('—'), new_word.split('—')
            # (a) all-to-all
            d = len(o)
            for nt in n:
                for ot in o:
                    C[nt][ot] += max(1, h // d)
            # (b) diagonal
            if len(o) == len(n):
                d = 1; pairs = list(zip(o, n))
            else:
                g = math.gcd(len(o), len(n)); d = len(o) // g
                ro = [x for x in o for _ in range(len(n) // g)]
                rn = [x for x in n for _ in range(d)]
                pairs = list(zip(ro, rn))
            for ot, nt in pairs:
                C[nt][ot] += max(1, h // d)
    # numbers
    def add_number(s):
        if s in new.vocab:
            C[s][s if s in old.vocab else old.tokenize(s)[0]] += 1
        nt = new.tokenize(s)
        if len(nt) == 1:
            C[nt[0]][old.tokenize(s)[0]] += 1
    for i in range(9999):
        add_number(str(i)); add_number(' ' + str(i))
    for i in range(99):
        add_number('0' + str(i)); add_number(' 0' + str(i))
    # identical strings
    p1n, p2n = markers(new); p1o, p2o = markers(old)
    for token in new.pieces:
        t2 = token
        if p1n != '': t2 = t2.replace(p1n, p1o)
        if p2n != '': t2 = t2.replace(p2n, p2o)
        if t2 in old.vocab:
            C[token][t2] += 1
    # special tokens
    roles = [('pad', ['pad']), ('unk', ['unk']), ('bos', ['bos', 'cls']), ('eos', ['eos', 'sep']),
             ('cls', ['cls', 'bos']), ('sep', ['sep', 'eos']), ('mask', ['mask', 'pad'])]
    for role, cands in roles:
        if role in new.specials:
            src = next((old.specials[c] for c in cands if c in old.specials), old.unk_token)
            C[new.specials[role]][src] += 1_000_000_000
    return C

def smooth_mapping(C, new):
    for t in new.pieces:                        # id order
        if t in C:
            continue
        similar = [u for u in new.pieces if u.startswith(t) and u in C]
        middle = [u for u in C if u in t]
        middle.sort(key=lambda u: len(u), reverse=True)
        middle = [u for i, u in enumerate(middle) if i == 0 or not any(u in m for m in middle[:i])]
        middle.sort(key=lambda u: t.index(u))
        if not similar and not middle:
            continue
        C[t] = defaultdict(int)
        for u in similar + middle:
            tot = sum(C[u].values())
            if tot > 0:
                for s in list(C[u].keys()):
                    W = 2000 if s.startswith('▁') else 1000
                    C[t][s] += max(1, (W * C[u][s]) // tot)
    return C

def main():
    old = Toy(load_vocab('toy_source_vocab.txt'))
    new = Toy(load_vocab('toy_target_vocab.txt'))
    rows = []
    with open(os.path.join(FIX, 'toy_lexical_table.tsv'), encoding='utf-8') as f:
        for line in f:
            if line.strip():
                rows.append(line.rstrip('\n').split('\t'))
    out = {}
    for min_count in (1, 10):
        C = map_tokens(rows, old, new, min_count)
        unsmoothed = {t: dict(C[t]) for t in C}
        C = smooth_mapping(C, new)
        result = []
        for i, t in enumerate(new.pieces):
            if t not in C or sum(C[t].values()) <= 0:
                coeffs = [[new.unk_token, 1.0]]
                counts = {}
            else:
                tot = sum(C[t].values())
                coeffs = sorted([[s, c / tot] for s, c in C[t].items()], key=lambda x: -x[1])
                counts = dict(C[t])
            result.append({'id': i, 'token': t, 'counts': counts, 'coefficients': coeffs,
                           'direct': t in unsmoothed})
        out[f'min_count_{min_count}'] = result
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    print()

if __name__ == '__main__':
    main()
