#!/usr/bin/env python
"""Fault injection, as a user meets it. Each bad input the console scripts know about runs as `python -m
genconvit_nb.MODULE ...` in a fresh process and must end in one line on stderr that names the problem, with the
documented exit status (2: change the command; 1: the work failed on its input). The odd but good inputs (unlabelled
videos, a cut-off download, relative paths from another folder) must work and say what they did. Checks of a
command's own options that need no fresh process live in the notebooks (03d_preprocess, 12_predict).
Run by `make test` (a line of .ci/e2e); prints one line per case and exits 1 if any case failed."""
import concurrent.futures as cf, json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

import pandas as pd
import torch
from PIL import Image

from genconvit_nb.data import write_manifest
from genconvit_nb.models import get_model, save_model_checkpoint
from genconvit_nb.testvideo import make_test_video

T = Path(tempfile.mkdtemp(prefix="faults-"))
ENV = dict(os.environ, GENCONVIT_PROGRESS="0", OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")


def setup():
    "The bad and odd inputs, all under T."
    make_test_video(T/"to_score"/"ok.mp4", n_frames=8, size=(160, 120))
    make_test_video(T/"clip.mkv", n_frames=48, size=(160, 120), codec="libx264")
    b = (T/"clip.mkv").read_bytes(); (T/"to_score"/"cut.mkv").write_bytes(b[:int(len(b) * 0.3)])   # a cut-off download
    (T/"mixed").mkdir(); shutil.copy(T/"to_score"/"cut.mkv", T/"mixed"); (T/"mixed"/"corrupt.mp4").write_bytes(os.urandom(3000))
    (T/"empty").mkdir(); (T/"junk").mkdir(); (T/"junk"/"notes.txt").write_text("x")
    (T/"bad.yaml").write_text("preprocess: {n_frames: [4}\n")
    m = get_model("genconvit", size="tiny", img_size=32, fusion="none", paths="ed").eval()
    save_model_checkpoint(m, T/"ours.pt")
    torch.save({"state_dict": {"backbone.stem.0.weight": torch.zeros(1)}}, T/"genconvit_ed_inference.pth")   # upstream's key names
    (T/"garbage.pt").write_text("this is not a checkpoint\n" * 20)
    img = Image.new("RGB", (64, 64))   # upstream's crop folders, with the same crops in every split
    for s in ("train", "valid", "test"):
        for f in ("vid1_0.jpg", "vid1_5.jpg"): (T/"crops"/s/"real").mkdir(parents=True, exist_ok=True); img.save(T/"crops"/s/"real"/f)
    (T/"crops"/"train"/"fake").mkdir(); img.save(T/"crops"/"train"/"fake"/"vid2_0.jpg")
    rows = [dict(dataset="d", split=s, video_id=f"d/{s}{i}", label=-1, manipulation="unknown", source_id="", frame_index=0, face_index=0,
                 crop_path=f"c/{s}{i}.png", box="0 0 8 8", detector_score=1.0) for s in ("train", "val", "test") for i in range(2)]
    write_manifest(pd.DataFrame(rows), T/"unlabelled"/"manifest.csv")


def manifest(folder):
    return pd.read_csv(T/folder/"manifest.csv", keep_default_na=False)

def predictions(name):
    return pd.read_csv(T/name, keep_default_na=False, dtype=str)

PRE, PRED, TRAIN = "genconvit_nb.preprocess", "genconvit_nb.predict", "genconvit_nb.train_ddp"
CK = ["--checkpoint", str(T/"ours.pt"), "--frames", "2", "--quiet"]
# (name, module, arguments, exit status, what stderr (or stdout) must say, a check of the files written)
CASES = [
    ("preprocess: unlabelled folder, relative paths, a cut-off download", PRE, ["to_score", "out_rel", "--n_frames", "3", "--workers", "0", "--crop_size", "32"], 0,
     ["note: 2 unlabelled video(s) (label -1)", "1 with a warning"],
     lambda: (set(manifest("out_rel").label) == {-1} and set(manifest("out_rel").detector) == {"mtcnn"}
              and manifest("out_rel").groupby("video_id").warning.first()["to_score/cut"].startswith("truncated: read "))),
    ("preprocess: SRC does not exist (named from the current directory)", PRE, ["nope", "o"], 2, [f"video folder not found: {T/'nope'}"], None),
    ("preprocess: --adapter_opts YAML", PRE, ["to_score", "o", "--adapter_opts", "{dedupe: true"], 2, ["--adapter_opts '{dedupe: true' is not valid YAML"], None),
    ("preprocess: unknown adapter", PRE, ["to_score", "o", "--dataset", "kinetics"], 2, ["unknown dataset adapter 'kinetics'", "genconvit_crops"], None),
    ("preprocess: config YAML names the file", PRE, ["to_score", "o", "--config", "bad.yaml"], 2, [f"{T/'bad.yaml'} is not valid YAML (line 1"], None),
    ("preprocess: upstream crops leak between splits", PRE, ["crops", "o", "--dataset", "genconvit_crops"], 1,
     ["1 video(s) have crops in more than one split", "6 of their 6 files byte-identical copies", "{dedupe: true}"], None),
    ("preprocess: upstream crops deduplicated", PRE, ["crops", "crops_out", "--dataset", "genconvit_crops", "--adapter_opts", "{dedupe: true}"], 0,
     ["note: dedupe: 1 video(s) were in more than one split", "2 videos, 3 crops"], lambda: set(manifest("crops_out").split) == {"train"}),
    ("preprocess: --help lists every adapter", PRE, ["--help"], 0, ["folder, ffpp, celebdf, dfdc, timit, genconvit_crops"], None),
    ("predict: an input that does not exist", PRED, ["to_score", "nope.mp4", *CK], 2, [f"not found: nope.mp4 (relative paths are read from {T})"], None),
    ("predict: a folder without videos", PRED, ["empty", *CK], 2, ["no videos found in empty"], None),
    ("predict: upstream weights without --upstream_net", PRED, ["to_score", "--checkpoint", "genconvit_ed_inference.pth"], 1, ["holds upstream GenConViT-ED weights", "add --upstream_net ed"], None),
    ("predict: our checkpoint with --upstream_net", PRED, ["to_score", "--checkpoint", "ours.pt", "--upstream_net", "ed"], 1, ["is a genconvit_nb checkpoint", "drop --upstream_net"], None),
    ("predict: a checkpoint that is not one", PRED, ["to_score", "--checkpoint", "garbage.pt"], 1, ["cannot read checkpoint garbage.pt: "], None),
    ("predict: checkpoint missing", PRED, ["to_score", "--checkpoint", "gone.pt"], 2, ["checkpoint not found: gone.pt"], None),
    ("predict: a cut-off download and a corrupt file", PRED, ["mixed", *CK, "--output", "mixed.csv"], 1, ["1 videos scored, 1 failed", "warning: truncated: read "],
     lambda: (predictions("mixed.csv").set_index("video").loc["mixed/cut.mkv", "n_frames"] == "2"
              and predictions("mixed.csv").set_index("video").loc["mixed/cut.mkv", "warning"].startswith("truncated: read "))),
    ("train: --set data.root read from the current directory", TRAIN, ["--set", "data.root=nodata"], 2, [f"manifest not found: {T/'nodata'/'manifest.csv'}"], None),
    ("train: unlabelled videos refused", TRAIN, ["--set", "data.root=unlabelled"], 1, ["4 video(s) have no label (label -1"], None),
    ("train: --resume a file that is not a checkpoint", TRAIN, ["--resume", "garbage.pt"], 1, ["cannot read checkpoint"], None),
    ("report: --data_root read from the current directory", "genconvit_nb.report", ["--size", "smoke", "--data_root", "junk", "--output_dir", "rep"], 2,
     [f"data root {T/'junk'} has no manifest.csv"], None),
]


def run(case)->tuple:
    "`(name, ok, why, seconds)` of one case."
    name, module, args, code, says, check = case
    t0 = time.time()
    r = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=T, env=ENV, timeout=600)
    err, said = r.stderr.strip(), r.stdout + r.stderr
    why = []
    if r.returncode != code: why.append(f"exit status {r.returncode}, expected {code}")
    if code == 2 or ": error: " in err:
        if "Traceback" in err or err.count("\n") or ": error: " not in err: why.append("not one error line on stderr")
    why += [f"does not say {s!r}" for s in says if s not in said]
    if not why and check is not None:
        try: ok = bool(check())
        except Exception as e: ok, why = False, [f"check failed: {type(e).__name__}: {e}"]
        if not ok and not why: why.append("the files written are not as expected")
    if why: why.append("output: " + said[-1500:])
    return name, not why, "; ".join(why), time.time() - t0


if __name__ == "__main__":
    setup()
    jobs = max(1, min(int(os.environ.get("JOBS", 2)), os.cpu_count() or 1))
    with cf.ThreadPoolExecutor(jobs) as ex: results = list(ex.map(run, CASES))
    for name, ok, why, s in results: print(f"{'PASS' if ok else 'FAIL'} {s:5.1f}s {name}" + ("" if ok else f"\n    {why}"))
    failed = sum(not ok for _, ok, _, _ in results)
    print(f"faults: {len(results) - failed} passed, {failed} failed ({T})")
    if not failed: shutil.rmtree(T, ignore_errors=True)
    sys.exit(1 if failed else 0)
