/*
 * vm.h — the bytecode interpreter: runs a compiled program over a register
 * file.  One loop, one switch (msi_x_apply is inlined), no allocation.
 */
#ifndef MS_VM_H
#define MS_VM_H

#include "model_impl.h"

static inline void msi_prog_run(const msi_prog *p, double *restrict r)
{
    const msi_instr *in = p->code, *end = p->code + p->n;
    for (; in < end; in++)
        r[in->dst] = msi_x_apply(in->op, r[in->a], r[in->b], r[in->c]);
}

#endif
