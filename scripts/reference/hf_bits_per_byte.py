# One-time check: the transfer output loads in transformers; bits per byte on the same held-out text.
import sys, math, torch
from transformers import AutoTokenizer, AutoModelForCausalLM, PreTrainedTokenizerFast
d, text = sys.argv[1], open(sys.argv[2], encoding='utf-8').read()
tok = PreTrainedTokenizerFast(tokenizer_file=d + '/tokenizer.json')
model = AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float32).eval()
ids = tok(text, add_special_tokens=False)['input_ids']
nll, n = 0.0, 0
with torch.no_grad():
    for s in range(0, len(ids), 512):
        w = torch.tensor([ids[s:s + 512]])
        if w.shape[1] < 2: continue
        logits = model(w).logits[0, :-1]
        lp = torch.log_softmax(logits.float(), -1)
        nll -= lp.gather(1, w[0, 1:, None]).sum().item(); n += w.shape[1] - 1
print(f'{d}: loaded {type(model).__name__}, vocab {model.config.vocab_size}, {len(ids)} tokens, {n} scored, '
      f'bits/byte {nll / math.log(2) / len(text.encode()):.4f}, nll/token {nll / n:.4f}')
