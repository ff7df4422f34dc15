#!/bin/sh
# Interestingness test for corpora/predicate-winch: exit 0 iff the candidate
# module ($1) still makes Winch (x86-64 with AVX but without AVX2) fail with
# "failed to match ISA requirements".
#
#   whittle reduce input.wat --predicate corpora/predicate-winch/still-fails.sh
#
# `whittle check ... --expect R --quiet` exits 0 if the module fails and the
# failure matches R, 1 if it fails otherwise or compiles, 2 on usage errors.
# WHITTLE may point at the whittle binary (the test suite sets it).
if [ "$#" -lt 1 ]; then
    echo "usage: $0 CANDIDATE.wasm" >&2
    exit 2
fi
exec "${WHITTLE:-whittle}" check "$1" \
    -C compiler=winch \
    --target x86_64-unknown-linux-gnu \
    -C cranelift-has_avx=true \
    --expect 'failed to match ISA requirements' \
    --quiet
