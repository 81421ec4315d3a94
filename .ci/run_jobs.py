#!/usr/bin/env python
"""The job pool behind `.ci/run-tests`: JOBS jobs at a time, each in a process of its own, each writing RES/<id>.log and
RES/<id>.result ("PASS 12s what" or "FAIL ..."), printed as it ends (a failure with the tail of its log).
A job is a notebook (tested as `nbdev_test --path NB` tests it: the project's `tst_flags` skipped, FLAGS forced) or an
end-to-end check's shell script (RES/e2e/N.sh). Each notebook runs in a child forked from this process after it has
imported torch, torchvision, timm, scikit-learn and pandas once: about 8 s of imports that every notebook would pay
again in a fresh `nbdev_test` process (37 notebooks: about 5 CPU-minutes). The child is still a
process of its own, with its own copy of memory and nothing of another notebook's state; the parent runs no torch
operation before forking (no thread pools to copy). Where `os.fork` is missing, each notebook runs `nbdev_test`.
usage: run_jobs.py JOB [JOB ...]   (env: RES, JOBS, FLAGS, VENV)"""
import os, subprocess, sys, time
from pathlib import Path

RES, JOBS, FLAGS, VENV = Path(os.environ["RES"]), int(os.environ.get("JOBS", 2)), os.environ.get("FLAGS", ""), os.environ.get("VENV", ".venv")
FORK = hasattr(os, "fork")


def is_e2e(job:str)->bool: return job.startswith(str(RES/"e2e"))


def job_id(job:str)->tuple:
    "(id, what) of a job, as the result files and the console name it."
    if is_e2e(job): return "e2e_" + Path(job).stem, "e2e: " + Path(job).read_text().strip()
    return job.replace("/", "_"), job


def preload():
    "Import what nearly every notebook imports, once, in the parent (no torch op runs here)."
    import numpy, pandas, torch, torchvision.transforms.v2, timm, sklearn.metrics, yaml, fastcore.all   # noqa: F401
    import nbdev.test, execnb.shell   # noqa: F401


def test_notebook(nb:str)->int:
    "What `nbdev_test --path NB --n_workers 0 --flags FLAGS` does, in this process: 0 if it passed."
    from nbdev.config import get_config
    from nbdev.test import test_nb
    from fastcore.xtras import working_directory
    cfg, path = get_config(), Path(nb).absolute()
    with working_directory(cfg.nbs_path):
        ok, _ = test_nb(path, skip_flags=cfg.tst_flags.split(), force_flags=FLAGS.split(), basepath=cfg.config_path)
    return 0 if ok else 1


def start(job:str, log:Path)->int:
    "Start one job in a child process; its pid."
    if is_e2e(job):
        cmd, env = ["bash", job], dict(os.environ, PATH=f"{Path.cwd()/VENV/'bin'}{os.pathsep}{os.environ['PATH']}")
    elif not FORK: cmd, env = [f"{VENV}/bin/nbdev_test", "--path", job, "--n_workers", "0"] + (["--flags", FLAGS] if FLAGS else []), dict(os.environ)
    else: cmd = None
    if cmd is not None:
        with log.open("wb") as out: return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env).pid
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid: return pid
    code = 1
    try:   # the child: its output to the job's log, the notebook's tests, then leave without the parent's exit handlers
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644); os.dup2(fd, 1); os.dup2(fd, 2)
        code = test_notebook(job)
    except BaseException as e: print(f"{type(e).__name__}: {e}", file=sys.stderr)
    finally:
        sys.stdout.flush(); sys.stderr.flush(); os._exit(code)


def finish(job:str, status:int, t0:float):
    "Write and print one job's result line (and the tail of its log on failure)."
    jid, what = job_id(job)
    ok = os.waitstatus_to_exitcode(status) == 0
    line = f"{'PASS' if ok else 'FAIL'} {round(time.time() - t0)}s {what}"
    (RES/f"{jid}.result").write_text(line + "\n"); print(line, flush=True)
    if not ok: print("".join("    " + l for l in (RES/f"{jid}.log").read_text(errors="replace").splitlines(keepends=True)[-40:]), flush=True)


if __name__ == "__main__":
    jobs = sys.argv[1:]
    if FORK and not all(map(is_e2e, jobs)): preload()
    running, queue = {}, list(jobs)
    while queue or running:
        while queue and len(running) < JOBS:
            job = queue.pop(0); running[start(job, RES/f"{job_id(job)[0]}.log")] = (job, time.time())
        pid, status = os.wait()
        if pid in running:
            job, t0 = running.pop(pid); finish(job, status, t0)
