#!/usr/bin/env python3
"""Turns what train_organism.py wrote into organism folders the engine loads (standard library only).

usage: unpack_organism.py TRAINED.safetensors CORPUS_DIR OUT_DIR

OUT_DIR gets the corpus folder's files (not its batches), model.safetensors in float32 with the engine's tensor
names, the final loss in persona_world.json, and check.safetensors: the ids and logits the GPU computed, which
the engine must reproduce (tests/../check: `dotnet run --project tools/gpu/CheckLogits -- OUT_DIR`).
"""
import json, os, shutil, struct, sys

SIZES = {"F16": 2, "F32": 4, "I32": 4}


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        tensors[name] = (h["dtype"], h["shape"], data[a:b])
    return meta, tensors


def to_f32(dtype, raw):
    if dtype == "F32":
        return raw
    if dtype != "F16":
        sys.exit(f"unexpected dtype {dtype}")
    n = len(raw) // 2
    return struct.pack(f"<{n}f", *struct.unpack(f"<{n}e", raw))


def write(path, tensors, meta):
    header, offset, blobs = {"__metadata__": meta}, 0, []
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    trained, corpus, out = sys.argv[1:]
    meta, tensors = read(trained)
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(corpus):
        if f != "batches.bin.gz" and not f.endswith(".tmp"):
            shutil.copy(os.path.join(corpus, f), os.path.join(out, f))
    model = {k: ("F32", s, to_f32(d, r)) for k, (d, s, r) in sorted(tensors.items()) if not k.startswith("check.")}
    write(os.path.join(out, "model.safetensors"), model, {"format": "pt"})
    write(os.path.join(out, "check.safetensors"), {k: v for k, v in tensors.items() if k.startswith("check.")}, {"format": "pt"})
    marker_path = os.path.join(out, "persona_world.json")
    marker = json.load(open(marker_path))
    marker["final_loss"] = round(float(meta["final_loss"]), 4)
    marker["trained_by"] = f"tools/gpu/train_organism.py in {meta['seconds']} s"
    json.dump(marker, open(marker_path, "w"), indent=2)
    print(f"{out}: {len(model)} tensors, final loss {meta['final_loss']}")


if __name__ == "__main__":
    main()
