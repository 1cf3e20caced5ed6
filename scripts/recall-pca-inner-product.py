#!/usr/bin/python3
# Usage: /usr/bin/python3 scripts/recall-pca-inner-product.py target/bench-trained/combined-3000.f32 20000 "PCAR224,IVF64,SQ8;PCAR128,IVF64,SQ8" 8,16,32 10000
# (FILE N FACTORIES NPROBES TRAINING): the figures of docs/scale.md "Recall on the real vectors".
# PCAR<k>,IVF<l>,SQ8 under inner product trained on the sample and on the sample with its negation
# (mean exactly zero, so FAISS's PCA becomes the uncentred one and no translation is applied).
import numpy as np, faiss, sys, resource
faiss.omp_set_num_threads(1)
raw = open(sys.argv[1],'rb').read()
m, d = [int(v) for v in np.frombuffer(raw[:8], "<i4")]
real = np.frombuffer(raw[8:], '<f4').reshape(m, d).copy()
N = int(sys.argv[2]); ntrain = int(sys.argv[5])
fl = faiss.IndexFlatIP(d); fl.add(real); D, I = fl.search(real, 2)
nearest = np.sqrt(np.maximum(0, 2 - 2 * D[:, 1]))
rng = np.random.default_rng(7)
x = np.empty((N, d), 'f4'); x[:m] = real[:min(m,N)]
for i in range(m, N):
    a = i % m; b, c = rng.integers(m, size=2)
    diff = real[b] - real[c]; v = real[a] + nearest[a] * rng.random() / max(1e-6, np.linalg.norm(diff)) * diff
    x[i] = v / np.linalg.norm(v)
q = x[rng.choice(N, 200, replace=False)]
ex = faiss.IndexFlatIP(d); ex.add(x); Dt, It = ex.search(q, 10)
def cpu(): r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
t0 = cpu(); ex.search(q, 10); flat_q = (cpu() - t0) / len(q)
for f in sys.argv[3].split(';'):
    for sym in (False, True):
        t = x[:ntrain]
        if sym: t = np.vstack([t, -t])
        t0 = cpu(); idx = faiss.index_factory(d, f, faiss.METRIC_INNER_PRODUCT); idx.train(t); tt = cpu() - t0
        idx.add(x); ivf = faiss.extract_index_ivf(idx)
        for p in [int(v) for v in sys.argv[4].split(',')]:
            ivf.nprobe = p
            t0 = cpu(); _, If = idx.search(q, 10); sq = (cpu() - t0) / len(q)
            rec = np.mean([len(set(If[i]) & set(It[i])) / 10 for i in range(len(q))])
            print(f"{f}\tsymmetrised={sym}\tcode+id {ivf.code_size+8} B\tratio {(4*d+8)/(ivf.code_size+8):.1f}x\tnprobe {p}\trecall@10 {rec:.3f}\tsearch {sq*1e3:.3f} ms CPU\tflat {flat_q*1e3:.3f} ms\ttrain {tt:.1f} s CPU", flush=True)
