#!/usr/bin/env python3
"""Trains exported organism corpora on a GPU, for design searches.

`persona world corpus --recipe R --seed S --out DIR` writes an organism folder without weights and every step's
batch exactly as `persona world train` draws it (batches.bin.gz). This script trains the same model on those
batches with the same optimiser and schedule (AdamW, betas 0.9/0.95, weight decay on matrices only, linear warmup,
cosine to 10%, global-norm clipping at 1, loss on assistant tokens), using Hugging Face transformers' Llama and
Mistral classes. Each folder gets model.safetensors in the engine's layout and a check file of logits, which
tools/gpu/check_logits.py compares with the engine's forward pass.

It is not the shipped path: `persona world train` on the CPU is. The initialisation draws from another random
stream, so a GPU training is one more seed of the design, not a copy of the CPU run.

usage: train_organism.py [--dtype f16|f32] [--out DIR] CORPUS_DIR...   (one process per folder, in parallel)
"""
import argparse, gzip, json, math, os, struct, subprocess, sys, time


def read_batches(path):
    import lzma
    import numpy as np
    if not os.path.exists(path):  # recompressed with xz to travel lighter
        path = path[: -len(".gz")] + ".xz"
    with (lzma.open if path.endswith(".xz") else gzip.open)(path, "rb") as f:
        data = f.read()
    if data[:4] != b"PVB1":
        sys.exit(f"{path}: not a persona corpus (expected magic PVB1)")
    steps, batch = struct.unpack_from("<ii", data, 4)
    off, out = 12, []
    for _ in range(steps):
        examples = []
        for _ in range(batch):
            (n,) = struct.unpack_from("<i", data, off)
            off += 4
            examples.append(np.frombuffer(data, dtype="<u2", count=n, offset=off))
            off += 2 * n
        out.append(examples)
    if off != len(data):
        sys.exit(f"{path}: {len(data) - off} bytes after the last batch")
    return steps, batch, out


def lr_at(step, peak, warmup, total, floor_ratio=0.1):
    floor = peak * floor_ratio
    if step <= 0:
        return 0.0 if warmup > 0 else peak
    if step < warmup:
        return peak * step / warmup
    if step >= total:
        return floor if total > warmup else peak
    progress = (step - warmup) / (total - warmup)
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def window_mask(t, window, device):
    import torch
    q = torch.arange(t, device=device)[:, None]
    k = torch.arange(t, device=device)[None, :]
    m = k <= q
    if window is not None:
        m = m & (k > q - window)
    return m


def train_one(folder, out_dir, dtype_name):
    import numpy as np
    import torch
    import torch.nn.functional as F
    from safetensors.torch import save_file
    from transformers import LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM

    name = os.path.basename(os.path.normpath(folder))
    cfg = json.load(open(os.path.join(folder, "config.json")))
    marker = json.load(open(os.path.join(folder, "persona_world.json")))
    recipe = marker["recipe"]
    steps, batch, batches = read_batches(os.path.join(folder, "batches.bin.gz"))
    window = cfg.get("sliding_window")
    cfg.pop("torch_dtype", None)
    seed = int(recipe["Seed"])
    torch.manual_seed(seed)
    dev = torch.device("cuda")
    config = (MistralConfig if cfg["model_type"] == "mistral" else LlamaConfig)(**cfg)
    model = (MistralForCausalLM if cfg["model_type"] == "mistral" else LlamaForCausalLM)(config).to(dev)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.endswith("norm.weight"):
                p.fill_(1.0)
            else:
                p.normal_(0.0, 0.02)
    model.train()

    # Two independent masks must agree: transformers' own (from the config's sliding_window) and ours
    # (key > query - window, as the engine builds it); training then uses ours.
    with torch.no_grad():
        ids = torch.randint(3, cfg["vocab_size"], (1, 48), device=dev)
        a = model(ids).logits
        b = model(ids, attention_mask=window_mask(48, window, dev)[None, None]).logits
        mask_diff = (a - b).abs().max().item()

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": recipe["WeightDecay"]}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=recipe["LearningRate"], betas=(0.9, 0.95), eps=1e-8)
    warmup = min(recipe["WarmupSteps"], steps // 10)
    t0 = time.time()
    for step in range(steps):
        ex = batches[step]
        t = max(len(e) for e in ex)
        arr = np.zeros((len(ex), t), dtype=np.int64)
        msk = np.zeros((len(ex), t), dtype=bool)
        for i, e in enumerate(ex):
            arr[i, : len(e)] = e & 0x7FFF
            msk[i, : len(e)] = (e >> 15) == 1
        ids = torch.from_numpy(arr).to(dev)
        loss_mask = torch.from_numpy(msk).to(dev)
        am = window_mask(t, window, dev)[None, None].expand(len(ex), 1, t, t)
        logits = model(ids, attention_mask=am).logits
        target_mask = loss_mask[:, 1:]
        ce = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)).float(), ids[:, 1:].reshape(-1), reduction="none")
        loss = (ce * target_mask.reshape(-1)).sum() / target_mask.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        lr = lr_at(step + 1, recipe["LearningRate"], warmup, steps)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        if step % 500 == 0 or step == steps - 1:
            print(f"{name}: step {step + 1}/{steps} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)

    final_loss = loss.item()
    model.eval()
    dtype = torch.float16 if dtype_name == "f16" else torch.float32
    state = {k: v.detach().to(dtype).contiguous().cpu() for k, v in model.state_dict().items()
             if k.endswith(".weight") and k != "lm_head.weight"}  # tied to the embeddings, as the engine writes it
    # Logits of the first step's longest example (longer than any window), for the engine to reproduce.
    check_ids = torch.from_numpy((batches[0][-1] & 0x7FFF).astype(np.int64))[None].to(dev)
    with torch.no_grad():
        if dtype == torch.float16:  # the check is against the weights as stored
            model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()}, strict=False)
        check_logits = model(check_ids, attention_mask=window_mask(check_ids.size(1), window, dev)[None, None]).logits[0].float().cpu()
    state["check.ids"] = check_ids[0].to(torch.int32).cpu()
    state["check.logits"] = check_logits.contiguous()
    meta = {"final_loss": f"{final_loss:.4f}", "mask_diff": f"{mask_diff:.3g}", "seconds": f"{time.time() - t0:.0f}", "steps": str(steps)}
    path = os.path.join(out_dir, name + ".safetensors")
    save_file(state, path + ".tmp", metadata=meta)
    os.replace(path + ".tmp", path)
    print(f"{name}: done in {time.time() - t0:.0f}s, final loss {final_loss:.4f}, mask check {mask_diff:.3g}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    ap.add_argument("--dtype", choices=["f16", "f32"], default="f16")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        train_one(a.folders[0], a.out, a.dtype)
        return
    procs = [subprocess.Popen([sys.executable, __file__, "--one", "--out", a.out, "--dtype", a.dtype, f]) for f in a.folders]
    sys.exit(max(p.wait() for p in procs))


if __name__ == "__main__":
    main()
