#!/usr/bin/env python3
"""Reference chrF scores from sacreBLEU for `ChrFTests` (Tests/EngineTests/Fixtures/chrf/chrf_reference.json).

sacreBLEU's default CHRF() (chrF2: char order 6, word order 0, beta 2, whitespace removed, effective-order
averaging). Sentence scores for hand-made edge cases and for 40 verse pairs of the bundled en–es Bible with
deterministic perturbations of the reference (word drops, swaps, truncation); corpus scores over groups of them.
Usage: python3 scripts/reference/make_chrf_fixture.py   (needs sacrebleu; prints the version it used)
"""
import gzip
import json
import random
from pathlib import Path

import sacrebleu
from sacrebleu.metrics import CHRF

root = Path(__file__).resolve().parents[2]
out = root / "Tests/EngineTests/Fixtures/chrf/chrf_reference.json"

edge = [
    ("", "El principio."),                                # empty hypothesis
    ("El principio.", ""),                                # empty reference
    ("", ""),                                             # both empty
    ("a", "a"),                                           # one character
    ("ab", "abcdefgh"),                                   # hypothesis shorter than most orders
    ("...!?", "¡¿...!?"),                                 # punctuation only
    ("Dios, dijo: «Sea la luz».", "Y dijo Dios: Sea la luz: y fué la luz."),
    ("Y  dijo\tDios:\nSea la luz", "Y dijo Dios: Sea la luz"),     # runs of ASCII whitespace
    ("Y\u00a0dijo\u2009Dios\u3000luz", "Y dijo Dios luz"),       # non-ASCII whitespace Python's split() removes
    ("Y\u200bdijo", "Y dijo"),                            # zero-width space is not whitespace in Python
    ("Ἐν ἀρχῇ ἦν ὁ λόγος", "Ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν"),   # Greek, precomposed
    ("Ἐν ἀρχῇ ἦν ὁ λόγος", "Ἐν ἀρχῇ ἦν ὁ λόγος"),        # identical: 100
    ("e\u0301l", "él"),                                    # decomposed vs precomposed: different code points
    ("В начале было Слово", "В начале было Слово, и Слово было у Бога"),       # Cyrillic
    ("太初有道，道与神同在", "太初有道，道與神同在，道就是神"),                  # CJK
    ("luz 🌞 luz", "luz 🌞"),                             # non-BMP scalar
    ("the the the the", "the cat"),                       # clipped matches
    ("EL PRINCIPIO", "el principio"),                     # case is kept
]

with gzip.open(root / "data/en-es-bible/bible.en-es.tsv.gz", "rt", encoding="utf-8") as f:
    lines = [next(f).rstrip("\n").split("\t")[1] for _ in range(400)]
rng = random.Random(15)
verses = []
for ref in lines[::10]:
    words = ref.split()
    kind = rng.randrange(4)
    if kind == 0 and len(words) > 3:
        hyp = " ".join(w for i, w in enumerate(words) if rng.random() > 0.3)
    elif kind == 1 and len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
        hyp = " ".join(words)
    elif kind == 2:
        hyp = " ".join(words[: max(1, len(words) // 2)])
    else:
        hyp = " ".join(w[::-1] if rng.random() < 0.4 else w for w in words)
    verses.append((hyp, ref))

chrf = CHRF()
assert (chrf.char_order, chrf.word_order, chrf.beta, chrf.whitespace, chrf.lowercase, chrf.eps_smoothing) == (6, 0, 2, False, False, False)


def sentence(h, r):
    return {"hypothesis": h, "reference": r, "score": chrf.sentence_score(h, [r]).score}


def corpus(pairs, name):
    hyps = [h for h, _ in pairs]
    refs = [r for _, r in pairs]
    return {"name": name, "hypotheses": hyps, "references": refs, "score": chrf.corpus_score(hyps, [refs]).score}


sentences = [sentence(h, r) for h, r in edge + verses]
corpora = [
    corpus(verses, "40 perturbed en-es verses"),
    corpus(edge, "edge cases"),
    corpus(edge[:3], "only empty sides"),
    corpus(verses[:5] + edge[10:16], "verses and non-Latin scripts"),
]
fixture = {
    "generator": f"scripts/reference/make_chrf_fixture.py, sacrebleu {sacrebleu.__version__}, CHRF() defaults",
    "signature": str(chrf.get_signature()),
    "sentences": sentences,
    "corpora": corpora,
}
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"wrote {out} with sacrebleu {sacrebleu.__version__} ({chrf.get_signature()})")
