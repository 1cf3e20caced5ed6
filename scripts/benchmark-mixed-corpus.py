#!/usr/bin/python3
"""Builds the mixed benchmark corpus from real pictures that Debian packages install.

Sources: clip-art (openclipart-png), wallpapers and painted art (gnome-backgrounds, mate-backgrounds,
desktop-base). Each picture is resized so that its longest side is 256-1024 px and re-encoded as a
product catalogue would serve it: 64% baseline JPEG, 5.5% progressive JPEG, 20% PNG (RGBA where the
source has transparency, a third of them as palette PNGs with transparency), 10.5% WebP (lossy, with
alpha where the source has it; one in five lossless). Deterministic for a given DISTINCT.

Usage: benchmark-mixed-corpus.py OUT_DIR DISTINCT
Writes OUT_DIR/images/<n>.<ext> and OUT_DIR/stats.json; skips the work when stats.json is there.
"""
import glob
import json
import os
import random
import sys

from PIL import Image

ROOTS = ["/usr/share/openclipart/png", "/usr/share/backgrounds", "/usr/share/desktop-base"]
MIX = [("jpeg", 0.64), ("progressive", 0.055), ("png", 0.20), ("webp", 0.105)]


def sources():
    files = []
    for root in ROOTS:
        for pattern in ("**/*.png", "**/*.jpg", "**/*.jpeg", "**/*.webp"):
            files.extend(f for f in glob.glob(os.path.join(root, pattern), recursive=True)
                         if os.path.isfile(f) and not os.path.islink(f))
    return sorted(set(files))


def formats(count):
    """Exactly the mix's share of each format, in a deterministic shuffled order."""
    out = []
    for name, share in MIX:
        out.extend([name] * round(count * share))
    out = (out + ["jpeg"] * count)[:count]
    random.Random(7).shuffle(out)
    return out


def on_white(image):
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def main():
    out_dir, distinct = sys.argv[1], int(sys.argv[2])
    stats_file = os.path.join(out_dir, "stats.json")
    if os.path.exists(stats_file):
        stats = json.load(open(stats_file))
        print(json.dumps({k: v for k, v in stats.items() if k != "names"}))
        return
    images_dir = os.path.join(out_dir, "images")
    os.makedirs(images_dir, exist_ok=True)
    rng = random.Random(11)
    candidates = sources()
    rng.shuffle(candidates)
    plan = formats(distinct)
    names, sizes, counts, alpha = [], [], {}, 0
    for path in candidates:
        if len(names) == distinct:
            break
        try:
            source = Image.open(path)
            if max(source.size) < 200 or source.width * source.height > 16_000_000:
                continue  # icons are too small to stand for a product photo; huge wallpapers only cost time
            source.load()
        except Exception:  # noqa: BLE001 - a damaged source file is simply not used
            continue
        fmt = plan[len(names)]
        longest = rng.randint(256, 1024)
        scale = longest / max(source.size)
        size = (max(1, round(source.width * scale)), max(1, round(source.height * scale)))
        has_alpha = source.mode in ("RGBA", "LA", "PA") or "transparency" in source.info
        picture = source.convert("RGBA" if has_alpha else "RGB").resize(size, Image.LANCZOS)
        n = len(names) + 1
        done = [f for f in (f"{n:06d}.jpg", f"{n:06d}.png", f"{n:06d}.webp") if os.path.exists(os.path.join(images_dir, f))]
        if done:
            # Left by an interrupted run: same source, same choices.
            name = done[0]
        elif fmt in ("jpeg", "progressive"):
            name = f"{n:06d}.jpg"
            on_white(picture).save(os.path.join(images_dir, name), "JPEG", quality=rng.randint(80, 92),
                                   progressive=fmt == "progressive", optimize=fmt == "progressive")
        elif fmt == "png":
            name = f"{n:06d}.png"
            if n % 3 == 0:
                # Palette PNG; transparent pixels keep a transparent palette entry.
                picture.convert("RGBA").quantize(colors=256, method=Image.FASTOCTREE).save(
                    os.path.join(images_dir, name), "PNG", optimize=False)
            else:
                picture.save(os.path.join(images_dir, name), "PNG", compress_level=6)
        else:
            name = f"{n:06d}.webp"
            picture.save(os.path.join(images_dir, name), "WEBP", quality=80, lossless=n % 5 == 0, method=4)
        alpha += has_alpha and fmt in ("png", "webp")
        names.append(name)
        sizes.append(os.path.getsize(os.path.join(images_dir, name)))
        counts[fmt] = counts.get(fmt, 0) + 1
    if len(names) < distinct:
        raise SystemExit(f"only {len(names)} usable source pictures for {distinct}")
    sizes.sort()
    stats = {"images": len(names), "formats": counts, "png_webp_with_alpha": alpha,
             "median_bytes": sizes[len(sizes) // 2], "total_bytes": sum(sizes), "names": names}
    with open(stats_file, "w") as f:
        json.dump(stats, f)
    print(json.dumps({k: v for k, v in stats.items() if k != "names"}))


if __name__ == "__main__":
    main()
