#!/usr/bin/env python3
"""Runs an sm_90 artifact's score phase on the CPU with each kernel kind's
reference semantics (NumPy; 16-bit rounding of the tensor-core inputs included)
and compares the logits with Hugging Face: checks the launch plan (buffers,
argument order, slots, liveness) without a GPU. Needs torch, numpy and
transformers (the bench virtual environment).

  plan_emulate.py ARTIFACT_DIR CONFIG|HF_DIR TOKENS
      e.g. /tmp/gpt2-bf16.gpt2c gpt2 1024, or /tmp/mini.gpt2c ../shared/models/gpt2-mini-pydocs 1024
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import hf_reference as hf
art, config, T = sys.argv[1], sys.argv[2], int(sys.argv[3])
manifest=json.load(open(f"{art}/manifest.json")); plan=json.load(open(f"{art}/launch_plan.json"))
m=manifest["model"]; E,H,C,V,L=m["n_embd"],m["n_head"],m["n_positions"],m["vocab_size"],m["n_layer"]; D=E//H
import os
if os.path.isdir(config):
    from transformers import GPT2LMHeadModel
    hfmodel=GPT2LMHeadModel.from_pretrained(config, torch_dtype=torch.float32, attn_implementation="eager").eval()
    tensors={k.replace("transformer.",""):v.float().numpy() for k,v in hfmodel.state_dict().items()}
else:
    hfmodel=None
    tensors={n:t.float().numpy() for n,t in hf.synthetic_tensors(config,1,"cpu")}
def rnd(a,dt):
    if dt=="f32": return a.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(a)).to(torch.bfloat16 if dt=="bf16" else torch.float16).float().numpy()
slots=[]
for s in manifest["weights"]["slots"]:
    v=tensors[s["tensor"]]; v=v.T if s["layout"]=="nk" else v
    slots.append((np.ascontiguousarray(rnd(v,s["dtype"])).ravel(), s["dtype"]))
scratch=np.zeros(plan["scratch_bytes"]//4+1,np.float32)
keys=[np.zeros(H*C*D,np.float32) for _ in range(L)]; values=[np.zeros(H*C*D,np.float32) for _ in range(L)]
logits=np.zeros(T*V,np.float32)
def ln(x,g,b):
    mu=x.mean(-1,keepdims=True); var=((x-mu)**2).mean(-1,keepdims=True); return (x-mu)/np.sqrt(var+1e-5)*g+b
def gelu(x): return 0.5*x*(1+np.tanh(math.sqrt(2/math.pi)*(x+0.044715*x**3)))
ids=list(np.random.default_rng(0).integers(0,V,T))
def arr(a):
    k=a["kind"]
    if k=="weight": return slots[a["slot"]][0],0
    if k=="scratch": return scratch,a["offset"]//4
    if k=="cache": return (keys if a["which"]=="key" else values)[a["layer"]],0
    if k=="logits": return logits,0
    return None,0
reads, writes = [], []
def get(a,n):
    b,o=arr(a)
    if b is scratch: reads.append((o,o+n))
    return b[o:o+n]
def put(a,v):
    b,o=arr(a)
    if b is scratch: writes.append((o,o+v.size))
    b[o:o+v.size]=v.ravel()
def attention(qkv,kc,vc,P,T,stride):
    out=np.zeros((T,E),np.float32)
    for h in range(H):
        q=qkv[:,h*D:(h+1)*D]; K=kc[h,:P+T]; Vv=vc[h,:P+T]
        s=q@K.T/math.sqrt(D)
        mask=np.arange(P+T)[None,:]>(P+np.arange(T))[:,None]; s[mask]=-np.inf
        p=np.exp(s-s.max(1,keepdims=True)); p/=p.sum(1,keepdims=True); out[:,h*D:(h+1)*D]=p@Vv
    return out
def run(name,T,P):
    pending=None
    for index, l in enumerate(plan["phases"][name]["launches"]):
        for w0, w1 in writes:
            for r0, r1 in reads:
                if w0 < r1 and r0 < w1:
                    print(f"hazard: {name} launch {index - 1} writes floats [{w0}, {w1}) it reads [{r0}, {r1})")
        reads.clear(); writes.clear()
        kern=l["kernel"].split("_",1)[1]; A=l["args"]
        rowsof=lambda per: T if per=="rows" else 1
        if kern=="embed":
            put(A[4], np.stack([slots[A[2]["slot"]][0].reshape(-1,E)[ids[t]]+slots[A[3]["slot"]][0].reshape(-1,E)[P+t] for t in range(T)]))
        elif kern in ("gemv","gemm"):
            n=l["grid"][0]["times"]; grows = rowsof(l["grid"][1]["per"])
            wflat,wdt=slots[A[2]["slot"]]; w=wflat.reshape(n,-1); K=w.shape[1]
            x=get(A[1],grows*K).reshape(grows,K)
            kinds=[a["kind"] for a in A]; nw=kinds.count("weight"); i=3; b=None
            tensor=manifest["weights"]["slots"][A[2]["slot"]]["tensor"]
            if kern=="gemm":
                hasbias = nw>=2
                if hasbias: b=slots[A[3]["slot"]][0]; i=4
                x=rnd(x,wdt)
            else:
                if nw>=2: b=slots[A[3]["slot"]][0]; i=4
                if nw==4: x=ln(x,slots[A[4]["slot"]][0],slots[A[5]["slot"]][0]); i=6
            y=x@w.T
            if b is not None: y=y+b
            if "c_fc" in tensor: y=gelu(y)
            if kinds.count("scratch")==3: y=y+get(A[i],grows*n).reshape(grows,n); i+=1
            put(A[i],y)
            if kinds.count("cache")==2:
                kc=arr(A[i+1])[0].reshape(H,C,D); vc=arr(A[i+2])[0].reshape(H,C,D)
                for t in range(grows): kc[:,P+t,:]=y[t,E:2*E].reshape(H,D); vc[:,P+t,:]=y[t,2*E:].reshape(H,D)
        elif kern in ("attention", "attention_mma"):  # the tensor cores' rounding not modelled
            qkv=get(A[1],T*3*E).reshape(T,3*E)
            put(A[4],attention(qkv,arr(A[2])[0].reshape(H,C,D),arr(A[3])[0].reshape(H,C,D),P,T,3*E))
        elif kern=="attention_decode":
            qkv=get(A[1],T*3*E).reshape(T,3*E)
            put(A[6],attention(qkv[T-1:],arr(A[2])[0].reshape(H,C,D),arr(A[3])[0].reshape(H,C,D),P+T-1,1,3*E))
        elif kern=="gather_last": put(A[2],get(A[1],T*E).reshape(T,E)[T-1])
        elif kern=="layer_norm":
            grows=rowsof(l["grid"][0]["per"]); put(A[4],ln(get(A[1],grows*E).reshape(grows,E),slots[A[2]["slot"]][0],slots[A[3]["slot"]][0]))
        elif kern=="kv_write":
            b,o=arr(A[1]); kc=arr(A[2])[0].reshape(H,C,D)
            for t in range(T): kc[:,P+t,:]=b[o+t*3*E:o+t*3*E+E].reshape(H,D)
        else: raise Exception(kern)
run("score",T,0)
model=hfmodel if hfmodel is not None else hf.synthetic_model(config,1,torch.float32,"cpu")
with torch.no_grad(): ref=model(torch.tensor([ids])).logits[0].numpy()
got=logits.reshape(T,V)
print("score T=%d: max diff %.4f, top1 agree %.3f" % (T, np.abs(got-ref).max(), (got.argmax(1)==ref.argmax(1)).mean()))
