#!/usr/bin/env python3
"""Benchmark input for `transtok transfer` (not a fixture): splits the en–es Bible into train / 5% held-out verses
(every 20th verse held out) and trains a 16k byte-level BPE Spanish tokenizer on the training Spanish side with
the Hugging Face `tokenizers` library (used here because the tokenizers branch has no trainer yet).
Special tokens mirror SmolLM2's (<|endoftext|>, <|im_start|>, <|im_end|>) so chat markers map explicitly.

Usage: python3 scripts/reference/train_target_tokenizer.py /work/shared/data/en-es-bible OUTDIR [VOCAB]
Writes OUTDIR/{train.en,train.es,heldout.en,heldout.es,tokenizer-es.json}.
"""
import os, sys
from tokenizers import Tokenizer, models, trainers, pre_tokenizers, decoders, processors

src, out = sys.argv[1], sys.argv[2]
vocab = int(sys.argv[3]) if len(sys.argv) > 3 else 16000
os.makedirs(out, exist_ok=True)
en = open(os.path.join(src, 'corpus.en'), encoding='utf-8').read().split('\n')
es = open(os.path.join(src, 'corpus.es'), encoding='utf-8').read().split('\n')
n = min(len(en), len(es))
pairs = [(en[i], es[i]) for i in range(n) if en[i].strip() and es[i].strip()]
train = [p for i, p in enumerate(pairs) if i % 20 != 19]
held = [p for i, p in enumerate(pairs) if i % 20 == 19]
for name, rows in (('train', train), ('heldout', held)):
    for k, lang in ((0, 'en'), (1, 'es')):
        with open(os.path.join(out, f'{name}.{lang}'), 'w', encoding='utf-8') as f:
            f.write('\n'.join(r[k] for r in rows) + '\n')
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.post_processor = processors.ByteLevel(trim_offsets=False)
trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), min_frequency=2)
tok.train_from_iterator((r[1] for r in train), trainer)
tok.save(os.path.join(out, 'tokenizer-es.json'))
print(f'{len(train)} train pairs, {len(held)} held-out pairs, vocab {tok.get_vocab_size()}')
