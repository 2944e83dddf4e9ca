/*
 * vm.h — the bytecode interpreter: runs a compiled program over a register
 * file.  One loop, one switch (ms_x_apply is inlined), no allocation.
 */
#ifndef MS_VM_H
#define MS_VM_H

#include "model_impl.h"

static inline void ms_prog_run(const ms_prog *p, double *restrict r)
{
    const ms_instr *in = p->code, *end = p->code + p->n;
    for (; in < end; in++)
        r[in->dst] = ms_x_apply(in->op, r[in->a], r[in->b], r[in->c]);
}

#endif
