#!/usr/bin/env python3
"""Write the seed corpus of tenant_fuzz: small tenant images laid out as
sandbox/bindings/tenant.lds links them - a static ELF64 x86-64 executable at
1 MiB with code, read-only data holding Solo5's ABI note (spt, version 2)
and device manifest note (MFT1), each also a PT_NOTE segment of its own, and
data with bss, each segment in pages of its own. The manifest note's
descriptor starts with 4 bytes of padding, so that the manifest lies 8-byte
aligned from the note's start. Variants: no device, one block device, one
net device, two devices, and one without bss. Built here, not copied from
the build. Writes tenant/ next to this script; tests/unit/sandbox checks
that image_parse accepts every one.
Usage: python3 tests/fuzz/corpus/make_tenant_seeds.py"""
import os
import struct

PAGE = 0x1000
BASE = 0x100000  # TENANT_GUEST_MIN_BASE
PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W, PF_R = 1, 2, 4
ABI1_NOTE_TYPE = 0x31494241  # "ABI1"
MFT1_NOTE_TYPE = 0x3154464D  # "MFT1"
ABI1_TARGET_SPT, ABI_VERSION = 2, 2
MFT_VERSION = 1
MFT_DEV_BLOCK_BASIC, MFT_DEV_NET_BASIC = 1, 2
MFT_RESERVED_FIRST = 1 << 30


def up(n, a):
    return (n + a - 1) & ~(a - 1)


def note(ntype, desc):
    name = b"Solo5\0"
    return struct.pack("<III", len(name), len(desc), ntype) + name.ljust(8, b"\0") + desc.ljust(up(len(desc), 4), b"\0")


def mft_entry(name, dtype):
    # struct mft_entry, 104 bytes: name[68], type, u (16), b (8), attached, padding
    return name.encode().ljust(68, b"\0") + struct.pack("<I", dtype) + bytes(16) + bytes(8) + b"\0" + bytes(7)


def manifest_note(devices):
    entries = mft_entry("", MFT_RESERVED_FIRST) + b"".join(mft_entry(n, t) for n, t in devices)
    # 4 bytes of padding: the manifest starts 8 bytes into the descriptor's note
    return note(MFT1_NOTE_TYPE, bytes(4) + struct.pack("<II", MFT_VERSION, len(devices) + 1) + entries)


def image(devices, code=b"\xf4\xeb\xfd", rodata=b"hello, tenant\n\0\0", data=b"\1\0\0\0\0\0\0\0", bss=0x1000):
    abi = note(ABI1_NOTE_TYPE, struct.pack("<IIII", ABI1_TARGET_SPT, ABI_VERSION, 0, 0))
    mft = manifest_note(devices)
    abi_at = up(len(rodata), 4)
    mft_at = up(abi_at + len(abi), 8)
    ro = rodata.ljust(abi_at, b"\0") + abi
    ro = ro.ljust(mft_at, b"\0") + mft
    text_off, text_va = PAGE, BASE
    ro_off, ro_va = text_off + up(len(code), PAGE), text_va + up(len(code), PAGE)
    data_off, data_va = ro_off + up(len(ro), PAGE), ro_va + up(len(ro), PAGE)
    phdrs = [
        (PT_LOAD, PF_R | PF_X, text_off, text_va, len(code), len(code), PAGE),
        (PT_LOAD, PF_R, ro_off, ro_va, len(ro), len(ro), PAGE),
        (PT_LOAD, PF_R | PF_W, data_off, data_va, len(data), len(data) + bss, PAGE),
        (PT_NOTE, PF_R, ro_off + abi_at, ro_va + abi_at, len(abi), len(abi), 4),
        (PT_NOTE, PF_R, ro_off + mft_at, ro_va + mft_at, len(mft), len(mft), 8),
    ]
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, version 1
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, BASE, 64, 0, 0, 64, 56, len(phdrs), 64, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", t, f, off, va, va, fsz, msz, al) for t, f, off, va, fsz, msz, al in phdrs)
    out = bytearray(data_off + len(data))
    out[0 : len(ehdr) + len(ph)] = ehdr + ph
    out[text_off : text_off + len(code)] = code
    out[ro_off : ro_off + len(ro)] = ro
    out[data_off : data_off + len(data)] = data
    return bytes(out)


seeds = {
    "hello": image([]),
    "block": image([("storage", MFT_DEV_BLOCK_BASIC)]),
    "net": image([("service0", MFT_DEV_NET_BASIC)]),
    "block-net": image([("storage", MFT_DEV_BLOCK_BASIC), ("net_0", MFT_DEV_NET_BASIC)]),
    "no-bss": image([("storage", MFT_DEV_BLOCK_BASIC)], data=b"\2" * 64, bss=0),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tenant")
os.makedirs(out, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(out, k), "wb") as f:
        f.write(v)
print(f"{len(seeds)} seeds in {out}")
