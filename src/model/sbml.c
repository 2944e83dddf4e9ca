/*
 * sbml.c — imports an SBML Level 2 or 3 model (read by libSBML) into an
 * ms_model: compartments, species (amounts or concentrations,
 * hasOnlySubstanceUnits, boundary and constant species, conversion
 * factors), parameters, reactions with kinetic laws (local parameters
 * promoted and function definitions expanded by libSBML's converters),
 * assignment and rate rules, and initial assignments (evaluated when the
 * model is loaded).  Species driven by reactions are integrated as amounts;
 * a species in math means its concentration unless it has only substance
 * units.  What the engine cannot simulate yet — events, algebraic rules,
 * fast reactions, delay(), rateOf(), variable stoichiometry, hierarchical
 * models — is refused with a message naming the construct, never simulated
 * wrongly.  Every SBML symbol is also an observable (`id`), and every
 * species has `__amount_<id>` and `__conc_<id>` for the test suite.
 */
#include "../core/strmap.h"
#include "model_impl.h"
#include "sbml_catch.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sbml/SBMLTypes.h>
#include <sbml/conversion/ConversionProperties.h>
#include <sbml/math/L3FormulaFormatter.h>
#include <sbml/math/L3Parser.h>
#include <sbml/math/L3ParserSettings.h>

typedef enum { K_COMP, K_SPECIES, K_PARAM, K_REACTION, K_SPECREF } skind;

/* One SBML symbol and how the engine represents it. */
typedef struct {
    const char *id;
    skind kind;
    int role;                   /* 0 constant (param), 1 state, 2 assignment rule */
    int state, param;           /* indices when state / param */
    const ASTNode_t *rule;      /* assignment or rate rule math */
    const ASTNode_t *init_math; /* initial assignment */
    double value;               /* SBML value (size, amount or concentration, parameter value) */
    int value_set;
    /* species */
    int comp;                                   /* symbol index of the compartment */
    int hosu, boundary, constant, amount_state; /* amount_state: state holds the amount */
    double init_amount, init_conc;
    int has_amount, has_conc;
    int conv;             /* symbol of the conversion factor, or -1 */
    msi_xid dyn, init;    /* DAG nodes: value during the run, value at t0 */
    msi_xid rhs;          /* states: the right-hand side (built on demand) */
    const ASTNode_t *alg; /* the algebraic rule this symbol is solved from */
    int mark, rhs_mark;   /* cycle detection */
} ssym;

typedef struct {
    ms_context *ctx;
    const char *file;
    Model_t *sm;
    ms_model *m;
    ssym *s;
    size_t n, cap;
    msi_strmap names;
    msi_xdag *g;
    int init_ctx;   /* resolving initial values */
    int model_conv; /* model conversion factor symbol or -1 */
    char **owned;   /* names the importer made up (freed at the end) */
    size_t nowned, owned_cap;
    char why[512]; /* a libSBML failure's reason (sbml_catch.cpp) */
    /* every species reference of every reaction, grouped by species (built
     * once, on demand): a species' rate reads its own, not every reaction */
    struct sref {
        size_t k; /* the species' symbol */
        unsigned r, j;
        int side;
    } * refs;
    size_t nrefs, refs_cap;
    size_t *ref_at; /* per symbol: its references are refs[ref_at[k] .. ref_at[k + 1]) */
} importer;

static ms_status unsupported(importer *I, const char *what)
{
    return msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0,
                    "%s: not supported by the engine yet; the model is refused rather than "
                    "simulated wrongly",
                    what);
}

/* A species reference's stoichiometry: 1 if unset; a Level 1 rational
 * stoichiometry="3" denominator="10" is 3/10, not 3. */
static double stoichiometry(const SpeciesReference_t *sr)
{
    if (!SpeciesReference_isSetStoichiometry(sr))
        return 1;
    double v = SpeciesReference_getStoichiometry(sr);
    int den = SpeciesReference_getDenominator(sr);
    return den > 1 ? v / den : v;
}

/* Seconds in one `unit` (a unit id of the model, or a base unit): a
 * single unit of kind second with exponent 1, or NAN. */
static double seconds_in(Model_t *sm, const char *unit)
{
    if (!unit || !*unit)
        return NAN;
    if (strcmp(unit, "second") == 0)
        return 1;
    UnitDefinition_t *ud = Model_getUnitDefinitionById(sm, unit);
    if (!ud || UnitDefinition_getNumUnits(ud) != 1)
        return NAN;
    Unit_t *u = UnitDefinition_getUnit(ud, 0);
    if (Unit_getKind(u) != UNIT_KIND_SECOND || Unit_getExponentAsDouble(u) != 1)
        return NAN;
    return Unit_getMultiplier(u) * pow(10, Unit_getScale(u));
}

/* Hours in one unit of the model's time: Level 3's timeUnits (none: NAN,
 * undeclared); Levels 1 and 2 define time in seconds unless a unit
 * definition named "time" says otherwise. */
static double time_unit_hours(SBMLDocument_t *doc, Model_t *sm)
{
    double s;
    if (SBMLDocument_getLevel(doc) >= 3)
        s = Model_isSetTimeUnits(sm) ? seconds_in(sm, Model_getTimeUnits(sm)) : NAN;
    else
        s = Model_getUnitDefinitionById(sm, "time") ? seconds_in(sm, "time") : 1;
    return isfinite(s) && s > 0 ? s / 3600 : NAN;
}

/* Nonzero if math `a` reads the quantity `id`. */
static int reads(const ASTNode_t *a, const char *id)
{
    if (!a)
        return 0;
    if (ASTNode_getType(a) == AST_NAME && ASTNode_getName(a) && strcmp(ASTNode_getName(a), id) == 0)
        return 1;
    for (unsigned k = 0; k < ASTNode_getNumChildren(a); k++)
        if (reads(ASTNode_getChild(a, k), id))
            return 1;
    return 0;
}

/* Nonzero if event e reads `id` anywhere: its trigger, delay, priority or
 * an assignment's math. */
static int event_reads(Event_t *e, const char *id)
{
    if ((Event_getTrigger(e) && reads(Trigger_getMath(Event_getTrigger(e)), id)) ||
        (Event_isSetDelay(e) && reads(Delay_getMath(Event_getDelay(e)), id)) ||
        (Event_isSetPriority(e) && reads(Priority_getMath(Event_getPriority(e)), id)))
        return 1;
    for (unsigned k = 0; k < Event_getNumEventAssignments(e); k++)
        if (reads(EventAssignment_getMath(Event_getEventAssignment(e, k)), id))
            return 1;
    return 0;
}

/* Two events whose execution order cannot change a result: neither assigns
 * what the other assigns or reads (in its trigger, delay, priority or
 * assignments), so executing one first changes nothing the other does. */
static int events_commute(Event_t *a, Event_t *b)
{
    for (int pass = 0; pass < 2; pass++) {
        Event_t *x = pass ? b : a, *y = pass ? a : b;
        for (unsigned k = 0; k < Event_getNumEventAssignments(x); k++) {
            const char *v = EventAssignment_getVariable(Event_getEventAssignment(x, k));
            if (!v || event_reads(y, v))
                return 0;
            for (unsigned m = 0; m < Event_getNumEventAssignments(y); m++) {
                const char *w = EventAssignment_getVariable(Event_getEventAssignment(y, m));
                if (!w || strcmp(v, w) == 0)
                    return 0;
            }
        }
    }
    return 1;
}

/* Nonzero if some event assigns a quantity some event's trigger reads: an
 * event can then set off others within the same instant, where the order
 * of equal-priority events matters through the cascade even when their own
 * assignments commute (Test Suite case 00978). */
static int events_cascade(Model_t *sm)
{
    for (unsigned i = 0; i < Model_getNumEvents(sm); i++) {
        Event_t *e = Model_getEvent(sm, i);
        for (unsigned k = 0; k < Event_getNumEventAssignments(e); k++) {
            const char *v = EventAssignment_getVariable(Event_getEventAssignment(e, k));
            for (unsigned j = 0; v && j < Model_getNumEvents(sm); j++) {
                Event_t *o = Model_getEvent(sm, j);
                if (Event_getTrigger(o) && reads(Trigger_getMath(Event_getTrigger(o)), v))
                    return 1;
            }
        }
    }
    return 0;
}

/* The line of an SBML element (0 if libSBML does not know it). */
static int line_of(const void *sb)
{
    return (int)SBase_getLine((const SBase_t *)sb);
}

/* The initial value of a quantity that changes (a species, a non-constant
 * parameter or compartment) must be a finite number: the integrator holds
 * states finite.  A constant may be infinite or NaN (SBML allows it, and
 * case 00951 outputs one); if the dynamics use it, their values stop
 * being numbers and the simulation fails with that said. */
static ms_status finite_value(importer *I, const void *sb, const char *what, const char *id,
                              int set, int constant, double v)
{
    if (!set || constant || isfinite(v))
        return MS_OK;
    return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(sb), 0,
                    "%s '%s' starts at %g; a quantity that changes needs a finite initial value",
                    what, id, v);
}

static int add_sym(importer *I, const char *id, skind kind)
{
    if (msi_grow(I->ctx, (void **)&I->s, &I->cap, I->n + 1, sizeof *I->s))
        return -1;
    ssym *x = &I->s[I->n];
    memset(x, 0, sizeof *x);
    x->id = id;
    x->kind = kind;
    x->comp = x->conv = -1;
    x->dyn = x->init = x->rhs = -1;
    x->state = x->param = -1;
    if (msi_strmap_put(&I->names, id, 0, (int32_t)I->n, NULL) != 0)
        return -2;
    return (int)I->n++;
}

static msi_xid node_of(importer *I, int k);

static msi_xid env_name(msi_math_env *env, const char *name)
{
    importer *I = env->ud;
    const msi_strmap_entry *e = msi_strmap_get(&I->names, name);
    if (!e) {
        msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0, "in %s: unknown symbol '%s'", env->what,
                 name);
        return -1;
    }
    return node_of(I, e->index);
}

static msi_xid env_rate_of(msi_math_env *env, const char *name);

static msi_xid convert(importer *I, const ASTNode_t *ast, const char *what)
{
    msi_math_env env = {.ctx = I->ctx,
                        .g = I->g,
                        .file = I->file,
                        .line = 0,
                        .col = 0,
                        .text = NULL,
                        .what = what,
                        .name = env_name,
                        .call = NULL,
                        .rate_of = env_rate_of,
                        .ud = I,
                        .time_is_zero = I->init_ctx};
    if (!ast) {
        msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0, "%s has no math", what);
        return -1;
    }
    return msi_math_convert(&env, ast);
}

/* SBML L3V2 lets a rule or an event assignment lack math and an event lack
 * a trigger (or its math); such an element has no effect, so it is removed
 * before the import. */
static void drop_empty(Model_t *sm)
{
    for (unsigned i = Model_getNumRules(sm); i-- > 0;)
        if (!Rule_getMath(Model_getRule(sm, i)))
            Rule_free(Model_removeRule(sm, i));
    for (unsigned i = Model_getNumEvents(sm); i-- > 0;) {
        Event_t *ev = Model_getEvent(sm, i);
        if (!Event_getTrigger(ev) || !Trigger_getMath(Event_getTrigger(ev))) {
            Event_free(Model_removeEvent(sm, i));
            continue;
        }
        for (unsigned j = Event_getNumEventAssignments(ev); j-- > 0;)
            if (!EventAssignment_getMath(Event_getEventAssignment(ev, j)))
                EventAssignment_free(Event_removeEventAssignment(ev, j));
    }
}

static void rename_name(ASTNode_t *n, const char *from, const char *to)
{
    if (ASTNode_getType(n) == AST_NAME && ASTNode_getName(n) && !strcmp(ASTNode_getName(n), from))
        ASTNode_setName(n, to);
    for (unsigned i = 0; i < ASTNode_getNumChildren(n); i++)
        rename_name(ASTNode_getChild(n, i), from, to);
}

/* libSBML expands nested calls by substituting one argument after another,
 * so an argument named like a model id (x, y, z) captures that id inside an
 * earlier argument (suite cases 01492-01493).  Renaming every bound variable
 * to a name no model can hold makes the expansion exact. */
static ms_status unique_bvars(ms_context *ctx, Model_t *sm)
{
    for (unsigned i = 0; i < Model_getNumFunctionDefinitions(sm); i++) {
        FunctionDefinition_t *fd = Model_getFunctionDefinition(sm, i);
        const ASTNode_t *lam = FunctionDefinition_getMath(fd);
        if (!lam || ASTNode_getType(lam) != AST_LAMBDA || ASTNode_getNumChildren(lam) < 2)
            continue;
        ASTNode_t *copy = ASTNode_deepCopy(lam);
        if (!copy)
            return msi_nomem(ctx);
        unsigned nb = ASTNode_getNumChildren(copy) - 1;
        for (unsigned j = 0; j < nb; j++) {
            const char *old = ASTNode_getName(ASTNode_getChild(copy, j));
            if (!old)
                continue;
            char *from = msi_strdup(ctx, old), to[64];
            if (!from) {
                ASTNode_free(copy);
                return msi_nomem(ctx);
            }
            snprintf(to, sizeof to, "moodsim__bvar_%u_%u", i, j);
            rename_name(copy, from, to);
            msi_free(ctx, from);
        }
        FunctionDefinition_setMath(fd, copy);
        ASTNode_free(copy);
    }
    return MS_OK;
}

/* Whether some event assigns `id`. */
static int event_assigns(Model_t *sm, const char *id)
{
    for (unsigned i = 0; i < Model_getNumEvents(sm); i++) {
        Event_t *ev = Model_getEvent(sm, i);
        for (unsigned j = 0; j < Event_getNumEventAssignments(ev); j++) {
            const char *v = EventAssignment_getVariable(Event_getEventAssignment(ev, j));
            if (v && id && !strcmp(v, id))
                return 1;
        }
    }
    return 0;
}

#define PLACEHOLDER (INT32_MAX - 1)

/* Symbol k from its algebraic rule 0 = E, when E is linear in it:
 * k = -E(k = 0) / (dE/dk).  Refuses what is not linear. */
static msi_xid solve_linear(importer *I, int k)
{
    ssym *x = &I->s[k];
    msi_xid *slot = I->init_ctx ? &x->init : &x->dyn;
    *slot = msi_x_leaf(I->g, X_STATE, PLACEHOLDER);
    msi_xid e = *slot >= 0 ? convert(I, x->alg, "an algebraic rule") : -1;
    msi_xid a = -1, b = -1, r = -1;
    if (e >= 0) {
        msi_x_diff_reset(I->g);
        a = msi_x_diff(I->g, e, PLACEHOLDER);
        msi_x_diff_reset(I->g);
        msi_xid a2 = a >= 0 ? msi_x_diff(I->g, a, PLACEHOLDER) : -1;
        if (a2 < 0 || !msi_x_is_const(I->g, a2, 0) || msi_x_is_const(I->g, a, 0)) {
            *slot = -1;
            unsupported(I, "an algebraic rule that is not linear in the quantity it determines");
            return -1;
        }
        *slot = msi_x_const(I->g, 0);
        b = convert(I, x->alg, "an algebraic rule");
    }
    *slot = -1;
    if (a >= 0 && b >= 0)
        r = msi_x_unary(I->g, X_NEG, msi_x_binary(I->g, X_DIV, b, a));
    return r;
}

/* The value of symbol k in math: during the run, or at t0 (init_ctx). */
static msi_xid node_of(importer *I, int k)
{
    ssym *x = &I->s[k];
    msi_xid *slot = I->init_ctx ? &x->init : &x->dyn;
    if (*slot >= 0)
        return *slot;
    if (x->mark) {
        msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0,
                 "'%s' depends on itself through rules or initial assignments", x->id);
        return -1;
    }
    x->mark = 1;
    msi_xid r = -1;
    char what[300];
    if (I->init_ctx) {
        if (x->role == 2 && x->alg) { /* so do algebraic rules */
            r = solve_linear(I, k);
        } else if (x->role == 2 && x->rule) { /* assignment rules hold at t0 too */
            snprintf(what, sizeof what, "the rule for '%s'", x->id);
            r = convert(I, x->rule, what);
        } else if (x->init_math) {
            snprintf(what, sizeof what, "the initial assignment of '%s'", x->id);
            r = convert(I, x->init_math, what);
        } else if (x->kind == K_SPECIES) {
            msi_xid size = node_of(I, x->comp);
            double amount = x->has_amount ? x->init_amount : NAN;
            if (x->has_amount)
                r = x->hosu ? msi_x_const(I->g, amount)
                            : msi_x_binary(I->g, X_DIV, msi_x_const(I->g, amount), size);
            else if (x->has_conc)
                r = x->hosu ? msi_x_binary(I->g, X_MUL, msi_x_const(I->g, x->init_conc), size)
                            : msi_x_const(I->g, x->init_conc);
            else
                msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0,
                         "species '%s' has no initial amount, concentration or assignment", x->id);
        } else if (x->kind == K_REACTION) {
            msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0,
                     "a reaction rate ('%s') in an initial value is not supported", x->id);
        } else if (x->value_set) {
            r = msi_x_const(I->g, x->value);
        } else {
            msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0, "'%s' has no value", x->id);
        }
        if (r >= 0 && I->g->n[r].op != X_CONST) {
            msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0,
                     "the initial value of '%s' does not reduce to a number", x->id);
            r = -1;
        }
    } else {
        switch (x->role) {
        case 0:
            r = msi_x_leaf(I->g, X_PARAM, x->param);
            /* an unchanging species keeps its amount: its concentration follows
             * the size of its compartment */
            if (x->kind == K_SPECIES && !x->hosu)
                r = msi_x_binary(I->g, X_DIV, r, node_of(I, x->comp));
            break;
        case 1: {
            msi_xid st = msi_x_leaf(I->g, X_STATE, x->state);
            if (x->kind == K_SPECIES && x->amount_state && !x->hosu)
                st = msi_x_binary(I->g, X_DIV, st, node_of(I, x->comp));
            r = st;
            break;
        }
        case 2:
            if (x->alg) {
                r = solve_linear(I, k);
                break;
            }
            snprintf(what, sizeof what, "the rule for '%s'", x->id);
            r = convert(I, x->rule, what);
            break;
        }
    }
    x->mark = 0;
    if (r >= 0)
        *slot = r;
    return r;
}

/* The right-hand side of state k (built once): reactions for an amount,
 * the rate rule otherwise, 0 for what only events change. */
/* Groups the species references the import collected (I->refs, in the
 * order of reaction, side and reference) by species: a counting sort, so
 * that each species' references keep that order (I->ref_at). */
static int index_refs(importer *I)
{
    I->ref_at = msi_alloc(I->ctx, (I->n + 2) * sizeof *I->ref_at);
    struct sref *by = msi_alloc(I->ctx, (I->nrefs + 1) * sizeof *by);
    if (!I->ref_at || !by) {
        msi_free(I->ctx, by);
        return msi_nomem(I->ctx), -1;
    }
    memset(I->ref_at, 0, (I->n + 2) * sizeof *I->ref_at);
    for (size_t q = 0; q < I->nrefs; q++)
        I->ref_at[I->refs[q].k + 2]++;
    for (size_t k = 0; k < I->n; k++)
        I->ref_at[k + 2] += I->ref_at[k + 1];
    for (size_t q = 0; q < I->nrefs; q++)
        by[I->ref_at[I->refs[q].k + 1]++] = I->refs[q];
    msi_free(I->ctx, I->refs);
    I->refs = by;
    return 0;
}

static msi_xid rhs_of(importer *I, int k)
{
    ssym *x = &I->s[k];
    if (x->rhs >= 0)
        return x->rhs;
    if (x->rhs_mark) {
        msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0, "the rate of '%s' depends on itself (rateOf)",
                 x->id);
        return -1;
    }
    x->rhs_mark = 1;
    Model_t *sm = I->sm;
    msi_xid rhs;
    if (x->amount_state && !I->ref_at && index_refs(I)) {
        x->rhs_mark = 0;
        return -1;
    }
    if (x->amount_state) {
        rhs = msi_x_const(I->g, 0);
        /* reactions do not change boundary or constant species; the terms in
         * the order of reaction, side (reactants first) and reference */
        for (size_t q = I->ref_at[k];
             q < I->ref_at[k + 1] && rhs >= 0 && !x->boundary && !x->constant; q++) {
            unsigned i = I->refs[q].r, j = I->refs[q].j;
            int side = I->refs[q].side;
            Reaction_t *r = Model_getReaction(sm, i);
            msi_xid rate = node_of(I, msi_strmap_get(&I->names, Reaction_getId(r))->index);
            if (rate < 0) {
                rhs = -1;
                break;
            }
            SpeciesReference_t *sr = side ? Reaction_getProduct(r, j) : Reaction_getReactant(r, j);
            /* a species reference with an id is a quantity of its own:
             * its stoichiometry may be assigned or change in time */
            const char *sid = SpeciesReference_getId(sr);
            char synth[512];
            if (SpeciesReference_isSetStoichiometryMath(sr)) {
                snprintf(synth, sizeof synth, "__stoich_%s_%d_%u", Reaction_getId(r), side, j);
                sid = synth;
            }
            msi_xid stoich;
            if (sid && *sid)
                stoich = node_of(I, msi_strmap_get(&I->names, sid)->index);
            else
                stoich = msi_x_const(I->g, stoichiometry(sr));
            msi_xid term = msi_x_binary(I->g, X_MUL, stoich, rate);
            if (x->conv >= 0)
                term = msi_x_binary(I->g, X_MUL, term, node_of(I, x->conv));
            rhs = msi_x_binary(I->g, side ? X_ADD : X_SUB, rhs, term);
        }
    } else if (x->rule) {
        rhs = convert(I, x->rule, x->id);
    } else { /* changed only by events */
        rhs = msi_x_const(I->g, 0);
    }
    x->rhs_mark = 0;
    if (rhs >= 0)
        x->rhs = rhs;
    return rhs;
}

/* rateOf(name): the state's rate (a species' in its own units: for an
 * amount held for a concentration, (A' - S V') / V); 0 for constants. */
static msi_xid env_rate_of(msi_math_env *env, const char *name)
{
    importer *I = env->ud;
    const msi_strmap_entry *e = msi_strmap_get(&I->names, name);
    if (!e) {
        msi_fail(I->ctx, MS_ERR_MODEL, I->file, 0, 0, "rateOf of unknown '%s'", name);
        return -1;
    }
    if (I->init_ctx) {
        unsupported(I, "rateOf() in an initial value");
        return -1;
    }
    ssym *x = &I->s[e->index];
    if (x->role == 0)
        return msi_x_const(I->g, 0);
    if (x->role != 1) {
        unsupported(I, "rateOf() of a quantity defined by an assignment rule");
        return -1;
    }
    msi_xid r = rhs_of(I, e->index);
    if (r >= 0 && x->kind == K_SPECIES && x->amount_state && !x->hosu) {
        ssym *c = &I->s[x->comp];
        msi_xid v = node_of(I, x->comp);
        msi_xid dv = c->role == 1 ? rhs_of(I, x->comp) : msi_x_const(I->g, 0);
        msi_xid conc = node_of(I, e->index);
        r = msi_x_binary(I->g, X_DIV,
                         msi_x_binary(I->g, X_SUB, r, msi_x_binary(I->g, X_MUL, conc, dv)), v);
    }
    return r;
}

static ms_status check_doc(importer *I, SBMLDocument_t *doc)
{
    unsigned n = SBMLDocument_getNumErrors(doc);
    for (unsigned i = 0; i < n; i++) {
        const SBMLError_t *e = SBMLDocument_getError(doc, i);
        /* a declaration without encoding="UTF-8" is read as UTF-8: not an error here */
        if (XMLError_getErrorId((const XMLError_t *)e) == MissingXMLEncoding)
            continue;
        /* a unit nobody defined (e.g. areaUnits="area" with no area): units
         * are not used, except the model's time, checked by undefined_time */
        if (XMLError_getErrorId((const XMLError_t *)e) == DanglingUnitReference)
            continue;
        if (XMLError_getSeverity((const XMLError_t *)e) >= LIBSBML_SEV_ERROR)
            return msi_fail(I->ctx, MS_ERR_SYNTAX, I->file,
                            (int)XMLError_getLine((const XMLError_t *)e),
                            (int)XMLError_getColumn((const XMLError_t *)e), "%s",
                            XMLError_getMessage((const XMLError_t *)e));
    }
    return MS_OK;
}

/* Level 3's timeUnits naming a unit nobody defined: the model's time would
 * be taken as undeclared, though the author meant some unit. */
static ms_status undefined_time(importer *I, SBMLDocument_t *doc)
{
    Model_t *sm = SBMLDocument_getModel(doc);
    if (SBMLDocument_getLevel(doc) < 3 || !sm || !Model_isSetTimeUnits(sm))
        return MS_OK;
    const char *u = Model_getTimeUnits(sm);
    if (!u || Model_getUnitDefinitionById(sm, u) || UnitKind_forName(u) != UNIT_KIND_INVALID)
        return MS_OK;
    return msi_fail(I->ctx, MS_ERR_MODEL, I->file, (int)SBase_getLine((const SBase_t *)sm),
                    (int)SBase_getColumn((const SBase_t *)sm),
                    "the model's timeUnits '%s' is not defined; expected a <unitDefinition> "
                    "of that id or 'second'",
                    u);
}

/* A package the document declares required that moodsim does not
 * implement (qual, distrib, spatial, ...): refused by name, since
 * simulating the core without it would drop part of the model.  comp is
 * flattened and fbc refused by the caller. */
static ms_status required_packages(importer *I, SBMLDocument_t *doc)
{
    const XMLNamespaces_t *ns = SBMLDocument_getNamespaces(doc);
    int n = ns ? XMLNamespaces_getNumNamespaces(ns) : 0;
    for (int i = 0; i < n; i++) {
        char *prefix = XMLNamespaces_getPrefix(ns, i), *uri = XMLNamespaces_getURI(ns, i);
        int skip = !prefix || !*prefix || !uri || strcmp(prefix, "comp") == 0 ||
                   strcmp(prefix, "fbc") == 0 || !strstr(uri, "sbml.org/sbml/level3/version");
        int req = !skip && (SBMLDocument_getPackageRequired(doc, uri) == 1 ||
                            SBMLDocument_getPackageRequired(doc, prefix) == 1);
        char what[300];
        if (req)
            snprintf(what, sizeof what, "the package '%s' (%s), which the model declares required",
                     prefix, uri);
        free(prefix);
        free(uri);
        if (req)
            return unsupported(I, what);
    }
    return MS_OK;
}

/* A libSBML converter, its exceptions caught (sbml_catch.cpp); the reason
 * in I->why. */
static int convert_doc(importer *I, SBMLDocument_t *doc, const char *key)
{
    return msi_sbml_convert(doc, key, I->why, sizeof I->why);
}

/* Refuses math the engine cannot simulate (delay, rateOf). */
static ms_status scan_math(importer *I, const ASTNode_t *a, const char *where)
{
    if (!a)
        return MS_OK;
    int t = ASTNode_getType(a);
    if (t == AST_FUNCTION_DELAY)
        return unsupported(I, "delay() (in a model's math)");
    for (unsigned i = 0; i < ASTNode_getNumChildren(a); i++) {
        ms_status st = scan_math(I, ASTNode_getChild(a, i), where);
        if (st)
            return st;
    }
    return MS_OK;
}

/* The unit, source or hypothesis and evidence level that moodsim's export
 * keeps in a parameter's annotation; other parameters cite the SBML file. */
static ms_status read_provenance(importer *I, const ssym *x, msi_symdef *d)
{
    Parameter_t *p = x->kind == K_PARAM ? Model_getParameterById(I->sm, x->id) : NULL;
    XMLNode_t *ann = p ? SBase_getAnnotation((SBase_t *)p) : NULL;
    for (unsigned i = 0; ann && i < XMLNode_getNumChildren(ann); i++) {
        const XMLNode_t *c = XMLNode_getChild(ann, (int)i);
        if (strcmp(XMLNode_getName(c), "provenance") != 0)
            continue;
        static const char *const keys[] = {"source", "hypothesis", "evidence", "unit"};
        char **dst[] = {&d->source, &d->hypothesis, &d->evidence, &d->unit};
        for (int k = 0; k < 4; k++) {
            char *v = XMLNode_getAttrValueByName(c, keys[k]);
            if (v && *v) {
                msi_free(I->ctx, *dst[k]);
                *dst[k] = msi_strdup(I->ctx, v);
                if (!*dst[k]) {
                    free(v);
                    return msi_nomem(I->ctx);
                }
            }
            free(v);
        }
    }
    if (!d->source && !d->hypothesis) {
        char buf[1200];
        snprintf(buf, sizeof buf, "SBML model file %s", I->file);
        d->source = msi_strdup(I->ctx, buf);
        if (!d->source)
            return msi_nomem(I->ctx);
    }
    return MS_OK;
}

static ms_status import(importer *I)
{
    Model_t *sm = I->sm;
    ms_model *m = I->m;
    ms_status st;
    for (unsigned i = 0; i < Model_getNumEvents(sm); i++) {
        Event_t *ev = Model_getEvent(sm, i);
        if (Event_isSetDelay(ev) &&
            (st = scan_math(I, Delay_getMath(Event_getDelay(ev)), "an event delay")))
            return st;
        if (Event_isSetPriority(ev) &&
            (st = scan_math(I, Priority_getMath(Event_getPriority(ev)), "an event priority")))
            return st;
    }
    /* SBML executes simultaneous events of equal priority in random order;
     * the engine does not draw that order, so such events are refused
     * unless their order cannot matter (events_commute) */
    if (Model_getNumEvents(sm) > 1) {
        int with = 0, without = 0, cascade = events_cascade(sm);
        for (unsigned i = 0; i < Model_getNumEvents(sm); i++) {
            Event_t *ev = Model_getEvent(sm, i);
            if (Event_isSetPriority(ev))
                with++;
            else
                without++;
            for (unsigned j = 0; j < i && Event_isSetPriority(ev); j++) {
                Event_t *o = Model_getEvent(sm, j);
                if (!Event_isSetPriority(o))
                    continue;
                const ASTNode_t *a = Priority_getMath(Event_getPriority(ev));
                const ASTNode_t *b = Priority_getMath(Event_getPriority(o));
                int ca = a && (ASTNode_isReal(a) || ASTNode_isInteger(a));
                int cb = b && (ASTNode_isReal(b) || ASTNode_isInteger(b));
                if (ca && cb &&
                    (ASTNode_isInteger(a) ? (double)ASTNode_getInteger(a) : ASTNode_getReal(a)) ==
                        (ASTNode_isInteger(b) ? (double)ASTNode_getInteger(b)
                                              : ASTNode_getReal(b)) &&
                    (cascade || !events_commute(ev, o)))
                    return unsupported(I, "events with equal priorities (random execution "
                                          "order)");
            }
        }
        if (with && without)
            return unsupported(I, "events with and without priorities together");
    }
    if (Model_getNumConstraints(sm) > 0) {
        /* constraints do not change a simulation */
    }

    /* symbols */
    for (unsigned i = 0; i < Model_getNumCompartments(sm); i++) {
        Compartment_t *c = Model_getCompartment(sm, i);
        int k = add_sym(I, Compartment_getId(c), K_COMP);
        if (k < 0)
            return k == -2 ? msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(c), 0,
                                      "duplicate id '%s'", Compartment_getId(c))
                           : msi_nomem(I->ctx);
        I->s[k].value_set = Compartment_isSetSize(c) || Compartment_isSetVolume(c);
        I->s[k].value = Compartment_isSetSize(c)     ? Compartment_getSize(c)
                        : Compartment_isSetVolume(c) ? Compartment_getVolume(c)
                                                     : 1;
        if (!I->s[k].value_set && Compartment_getSpatialDimensionsAsDouble(c) == 0) {
            I->s[k].value = 1;
            I->s[k].value_set = 1;
        }
        I->s[k].constant = Compartment_getConstant(c);
        if ((st = finite_value(I, c, "compartment", Compartment_getId(c), I->s[k].value_set,
                               I->s[k].constant, I->s[k].value)))
            return st;
    }
    for (unsigned i = 0; i < Model_getNumParameters(sm); i++) {
        Parameter_t *p = Model_getParameter(sm, i);
        int k = add_sym(I, Parameter_getId(p), K_PARAM);
        if (k < 0)
            return k == -2 ? msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(p), 0,
                                      "duplicate id '%s'", Parameter_getId(p))
                           : msi_nomem(I->ctx);
        I->s[k].value_set = Parameter_isSetValue(p);
        I->s[k].value = Parameter_getValue(p);
        I->s[k].constant = Parameter_getConstant(p);
        if ((st = finite_value(I, p, "parameter", Parameter_getId(p), I->s[k].value_set,
                               I->s[k].constant, I->s[k].value)))
            return st;
    }
    for (unsigned i = 0; i < Model_getNumSpecies(sm); i++) {
        Species_t *sp = Model_getSpecies(sm, i);
        int k = add_sym(I, Species_getId(sp), K_SPECIES);
        if (k < 0)
            return k == -2 ? msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(sp), 0,
                                      "duplicate id '%s'", Species_getId(sp))
                           : msi_nomem(I->ctx);
        ssym *x = &I->s[k];
        x->hosu = Species_getHasOnlySubstanceUnits(sp);
        x->boundary = Species_getBoundaryCondition(sp);
        x->constant = Species_getConstant(sp);
        x->has_amount = Species_isSetInitialAmount(sp);
        x->has_conc = Species_isSetInitialConcentration(sp);
        x->init_amount = Species_getInitialAmount(sp);
        x->init_conc = Species_getInitialConcentration(sp);
        if ((st = finite_value(I, sp, "species", Species_getId(sp), x->has_amount, x->constant,
                               x->init_amount)) ||
            (st = finite_value(I, sp, "species", Species_getId(sp), x->has_conc, x->constant,
                               x->init_conc)))
            return st;
    }
    for (unsigned i = 0; i < Model_getNumReactions(sm); i++) {
        Reaction_t *r = Model_getReaction(sm, i);
        if (Reaction_isSetFast(r) && Reaction_getFast(r))
            return unsupported(I, "fast reactions");
        int k = add_sym(I, Reaction_getId(r), K_REACTION);
        if (k < 0)
            return k == -2 ? msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(r), 0,
                                      "duplicate id '%s'", Reaction_getId(r))
                           : msi_nomem(I->ctx);
        for (int side = 0; side < 2; side++) {
            unsigned nr = side ? Reaction_getNumProducts(r) : Reaction_getNumReactants(r);
            for (unsigned j = 0; j < nr; j++) {
                SpeciesReference_t *sr =
                    side ? Reaction_getProduct(r, j) : Reaction_getReactant(r, j);
                if (SpeciesReference_isSetStoichiometryMath(sr)) {
                    /* SBML Level 2: the stoichiometry is a formula; it becomes
                     * an assignment rule of a synthetic species reference */
                    const StoichiometryMath_t *smath = SpeciesReference_getStoichiometryMath(sr);
                    if (!smath || !StoichiometryMath_getMath(smath))
                        return unsupported(I, "stoichiometryMath without math");
                    char *name = msi_alloc(I->ctx, 64 + strlen(Reaction_getId(r)));
                    if (!name)
                        return msi_nomem(I->ctx);
                    sprintf(name, "__stoich_%s_%d_%u", Reaction_getId(r), side, j);
                    if (msi_grow(I->ctx, (void **)&I->owned, &I->owned_cap, I->nowned + 1,
                                 sizeof *I->owned)) {
                        msi_free(I->ctx, name);
                        return msi_nomem(I->ctx);
                    }
                    I->owned[I->nowned++] = name;
                    int q = add_sym(I, name, K_SPECREF);
                    if (q < 0)
                        return msi_nomem(I->ctx);
                    I->s[q].role = 2;
                    I->s[q].rule = StoichiometryMath_getMath(smath);
                    if ((st = scan_math(I, I->s[q].rule, "stoichiometryMath")))
                        return st;
                    continue;
                }
                const char *sid = SpeciesReference_getId(sr);
                if (sid && *sid) {
                    int q = add_sym(I, sid, K_SPECREF);
                    if (q < 0)
                        return msi_nomem(I->ctx);
                    I->s[q].value_set = SpeciesReference_isSetStoichiometry(sr);
                    I->s[q].value = stoichiometry(sr);
                    I->s[q].constant = SpeciesReference_getConstant(sr);
                }
            }
        }
    }
    /* species compartments and conversion factors */
    I->model_conv = -1;
    if (Model_isSetConversionFactor(sm)) {
        const msi_strmap_entry *e = msi_strmap_get(&I->names, Model_getConversionFactor(sm));
        if (!e || I->s[e->index].kind != K_PARAM)
            return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(sm), 0,
                            "the model's conversionFactor '%s' is not a parameter of the model",
                            Model_getConversionFactor(sm));
        I->model_conv = e->index;
    }
    for (unsigned i = 0; i < Model_getNumSpecies(sm); i++) {
        Species_t *sp = Model_getSpecies(sm, i);
        const msi_strmap_entry *e = msi_strmap_get(&I->names, Species_getId(sp));
        const msi_strmap_entry *c = msi_strmap_get(&I->names, Species_getCompartment(sp));
        if (!c || I->s[c->index].kind != K_COMP)
            return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(sp), 0,
                            "species '%s' names no compartment", Species_getId(sp));
        I->s[e->index].comp = c->index;
        I->s[e->index].conv = I->model_conv;
        if (Species_isSetConversionFactor(sp)) {
            const msi_strmap_entry *f = msi_strmap_get(&I->names, Species_getConversionFactor(sp));
            if (!f || I->s[f->index].kind != K_PARAM)
                return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(sp), 0,
                                "the conversionFactor '%s' of species '%s' is not a parameter "
                                "of the model",
                                Species_getConversionFactor(sp), Species_getId(sp));
            I->s[e->index].conv = f->index;
        }
    }
    /* rules and initial assignments */
    for (unsigned i = 0; i < Model_getNumRules(sm); i++) {
        Rule_t *ru = Model_getRule(sm, i);
        if (Rule_isAlgebraic(ru))
            continue; /* handled once every other role is known */
        if (!Rule_getVariable(ru))
            return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(ru), 0,
                            "a rule without a variable");
        const msi_strmap_entry *e = msi_strmap_get(&I->names, Rule_getVariable(ru));
        if (!e)
            return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(ru), 0,
                            "a rule for unknown '%s'", Rule_getVariable(ru));
        ssym *x = &I->s[e->index];
        if ((st = scan_math(I, Rule_getMath(ru), x->id)))
            return st;
        x->rule = Rule_getMath(ru);
        x->role = Rule_isAssignment(ru) ? 2 : 1;
    }
    for (unsigned i = 0; i < Model_getNumInitialAssignments(sm); i++) {
        InitialAssignment_t *ia = Model_getInitialAssignment(sm, i);
        const msi_strmap_entry *e = msi_strmap_get(&I->names, InitialAssignment_getSymbol(ia));
        if (!e)
            return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(ia), 0,
                            "an initial assignment for unknown '%s'",
                            InitialAssignment_getSymbol(ia));
        if ((st = scan_math(I, InitialAssignment_getMath(ia), "initial assignment")))
            return st;
        I->s[e->index].init_math = InitialAssignment_getMath(ia);
    }
    for (unsigned i = 0; i < Model_getNumReactions(sm); i++) {
        Reaction_t *r = Model_getReaction(sm, i);
        KineticLaw_t *kl = Reaction_getKineticLaw(r);
        if (!kl || !KineticLaw_getMath(kl))
            return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(r), 0,
                            "reaction '%s' has no rate law", Reaction_getId(r));
        if ((st = scan_math(I, KineticLaw_getMath(kl), "a kinetic law")))
            return st;
        I->s[msi_strmap_get(&I->names, Reaction_getId(r))->index].rule = KineticLaw_getMath(kl);
    }
    /* reactions drive the amounts of non-boundary species */
    for (unsigned i = 0; i < Model_getNumReactions(sm); i++) {
        Reaction_t *r = Model_getReaction(sm, i);
        for (int side = 0; side < 2; side++) {
            unsigned nr = side ? Reaction_getNumProducts(r) : Reaction_getNumReactants(r);
            for (unsigned j = 0; j < nr; j++) {
                SpeciesReference_t *sr =
                    side ? Reaction_getProduct(r, j) : Reaction_getReactant(r, j);
                const msi_strmap_entry *e =
                    msi_strmap_get(&I->names, SpeciesReference_getSpecies(sr));
                if (!e || I->s[e->index].kind != K_SPECIES)
                    return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(sr), 0,
                                    "reaction '%s' names an unknown species", Reaction_getId(r));
                if (msi_grow(I->ctx, (void **)&I->refs, &I->refs_cap, I->nrefs + 1,
                             sizeof *I->refs))
                    return msi_nomem(I->ctx);
                I->refs[I->nrefs++] = (struct sref){(size_t)e->index, i, j, side};
                ssym *x = &I->s[e->index];
                if (!x->boundary && !x->constant) {
                    if (x->role == 2)
                        return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(sr), 0,
                                        "species '%s' has an assignment rule and takes part in a "
                                        "reaction",
                                        x->id);
                    if (x->role == 1 && !x->amount_state)
                        return unsupported(I, "a species with both a rate rule and reactions");
                    x->role = 1;
                    x->amount_state = 1;
                }
            }
        }
    }

    /* what events assign changes in time: it becomes a state (with no rate
     * of its own unless a rule or reactions give one) */
    for (unsigned i = 0; i < Model_getNumEvents(sm); i++) {
        Event_t *ev = Model_getEvent(sm, i);
        if ((st = scan_math(I, Trigger_getMath(Event_getTrigger(ev)), "an event trigger")))
            return st;
        for (unsigned j = 0; j < Event_getNumEventAssignments(ev); j++) {
            EventAssignment_t *ea = Event_getEventAssignment(ev, j);
            const msi_strmap_entry *e = msi_strmap_get(&I->names, EventAssignment_getVariable(ea));
            if (!e)
                return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(ea), 0,
                                "an event assigns unknown '%s'", EventAssignment_getVariable(ea));
            if ((st = scan_math(I, EventAssignment_getMath(ea), "an event assignment")))
                return st;
            ssym *x = &I->s[e->index];
            if (x->role == 2 || x->kind == K_REACTION)
                return msi_fail(I->ctx, MS_ERR_MODEL, I->file, line_of(ea), 0,
                                "an event assigns '%s', which a rule defines", x->id);
            if (x->role == 0) {
                x->role = 1;
                if (x->kind == K_SPECIES)
                    x->amount_state = 1;
            }
        }
    }

    for (size_t k = 0; k < I->n; k++) {
        ssym *x = &I->s[k];
        /* a concentration under a rate rule in a changing compartment is
         * integrated as a concentration; only a jump of the size (an event)
         * would need its amount kept, which is not mapped yet */
        if (x->kind == K_SPECIES && x->role == 1 && !x->amount_state && !x->hosu &&
            !I->s[x->comp].constant && event_assigns(sm, I->s[x->comp].id))
            return unsupported(I, "a rate rule for a concentration in a compartment an event "
                                  "resizes");
    }

    /* algebraic rules: each determines the one quantity in it that nothing
     * else determines; solved symbolically when linear in it */
    for (unsigned i = 0; i < Model_getNumRules(sm); i++) {
        Rule_t *ru = Model_getRule(sm, i);
        if (!Rule_isAlgebraic(ru))
            continue;
        const ASTNode_t *math = Rule_getMath(ru);
        if ((st = scan_math(I, math, "an algebraic rule")))
            return st;
        List_t *names = ASTNode_getListOfNodes((ASTNode_t *)math, (ASTNodePredicate)ASTNode_isName);
        int cand = -1, many = 0;
        for (unsigned j = 0; names && j < List_size(names); j++) {
            const ASTNode_t *nm = List_get(names, j);
            if (ASTNode_getType(nm) != AST_NAME || !ASTNode_getName(nm))
                continue;
            const msi_strmap_entry *e = msi_strmap_get(&I->names, ASTNode_getName(nm));
            if (!e)
                continue;
            ssym *x = &I->s[e->index];
            if (x->role != 0 || x->constant || x->alg || x->kind == K_REACTION)
                continue;
            if (cand >= 0 && cand != e->index)
                many = 1;
            cand = e->index;
        }
        if (names)
            List_free(names);
        if (cand < 0 || many)
            return unsupported(I, "algebraic rules that do not single out the quantity they "
                                  "determine");
        /* a rule that uses the solved quantity would keep a stale placeholder */
        for (unsigned j = 0; j < Model_getNumRules(sm); j++) {
            Rule_t *o = Model_getRule(sm, j);
            if (o == ru)
                continue;
            List_t *on = Rule_getMath(o) ? ASTNode_getListOfNodes((ASTNode_t *)Rule_getMath(o),
                                                                  (ASTNodePredicate)ASTNode_isName)
                                         : NULL;
            int uses = 0;
            for (unsigned q = 0; on && q < List_size(on); q++) {
                const ASTNode_t *nm = List_get(on, q);
                uses |= ASTNode_getName(nm) && !strcmp(ASTNode_getName(nm), I->s[cand].id);
            }
            if (on)
                List_free(on);
            if (uses)
                return unsupported(I, "algebraic rules whose quantity other rules use");
        }
        I->s[cand].alg = math;
        I->s[cand].role = 2;
    }

    /* engine symbols: states, parameters, rules; then initial values */
    size_t ns = 0, np = 0;
    for (size_t k = 0; k < I->n; k++) {
        ssym *x = &I->s[k];
        if (x->kind == K_REACTION)
            x->role = 2; /* a reaction id in math is its rate */
        if (x->role == 1)
            x->state = (int)ns++;
        else if (x->role == 0)
            x->param = (int)np++;
    }
    size_t nobs = I->n + 2 * Model_getNumSpecies(sm);
    m->sym[MS_STATE] = msi_alloc(I->ctx, (ns + 1) * sizeof(msi_symdef));
    m->sym[MS_PARAM] = msi_alloc(I->ctx, (np + 1) * sizeof(msi_symdef));
    m->sym[MS_OBSERVABLE] = msi_alloc(I->ctx, (nobs + 1) * sizeof(msi_symdef));
    m->rule_order = msi_alloc(I->ctx, sizeof *m->rule_order);
    if (!m->sym[MS_STATE] || !m->sym[MS_PARAM] || !m->sym[MS_OBSERVABLE] || !m->rule_order)
        return msi_nomem(I->ctx);
    /* counts first: ms_model_free releases what is filled in, even on an error */
    m->count[MS_STATE] = ns ? ns : 1;
    m->count[MS_PARAM] = np;
    if (ns == 0) { /* only rules: the engine integrates one constant placeholder */
        msi_symdef *d = &m->sym[MS_STATE][0];
        d->name = msi_strdup(I->ctx, "__no_state");
        d->unit = msi_strdup(I->ctx, "1");
        d->expr = msi_strdup(I->ctx, "0");
        d->init = msi_strdup(I->ctx, "0");
        if (!d->name || !d->unit || !d->expr || !d->init)
            return msi_nomem(I->ctx);
        d->leaf = msi_x_leaf(I->g, X_STATE, 0);
        d->init_node = msi_x_const(I->g, 0);
        d->node = msi_x_const(I->g, 0);
        ns = 1;
    }
    m->count[MS_STATE] = ns;
    /* initial values (constant-folded) */
    I->init_ctx = 1;
    for (size_t k = 0; k < I->n; k++) {
        ssym *x = &I->s[k];
        if (x->kind == K_REACTION || x->role == 2)
            continue;
        if (node_of(I, (int)k) < 0)
            return I->ctx->last ? I->ctx->last : msi_nomem(I->ctx);
    }
    I->init_ctx = 0;
    for (size_t k = 0; k < I->n; k++) {
        ssym *x = &I->s[k];
        msi_symdef *d = NULL;
        if (x->role == 1)
            d = &m->sym[MS_STATE][x->state];
        else if (x->role == 0)
            d = &m->sym[MS_PARAM][x->param];
        if (!d)
            continue;
        d->name = msi_strdup(I->ctx, x->id);
        d->unit = msi_strdup(I->ctx, "(SBML)");
        if (!d->name || !d->unit)
            return msi_nomem(I->ctx);
        d->leaf =
            msi_x_leaf(I->g, x->role == 1 ? X_STATE : X_PARAM, x->role == 1 ? x->state : x->param);
        double v0 = I->g->n[x->init].v;
        if (x->kind == K_SPECIES && !x->hosu && (x->amount_state || x->role == 0))
            v0 *= I->g->n[I->s[x->comp].init].v; /* held as an amount */
        if (x->role == 0) {
            d->value = v0;
            if ((st = read_provenance(I, x, d)))
                return st;
        } else {
            d->init_node = msi_x_const(I->g, v0);
        }
    }
    /* state right-hand sides */
    for (size_t k = 0; k < I->n; k++) {
        ssym *x = &I->s[k];
        if (x->role != 1)
            continue;
        msi_xid rhs = rhs_of(I, (int)k);
        if (rhs < 0)
            return I->ctx->last ? I->ctx->last : msi_nomem(I->ctx);
        msi_symdef *d = &m->sym[MS_STATE][x->state];
        d->node = rhs;
        /* what `check` shows: the rate rule, or where the rate comes from */
        char *f = x->rule && !x->amount_state ? SBML_formulaToL3String(x->rule) : NULL;
        d->expr = msi_strdup(I->ctx, f                 ? f
                                     : x->amount_state ? "(reactions, as an amount)"
                                                       : "0 (changed by events only)");
        free(f);
        char v[64];
        snprintf(v, sizeof v, "%.10g", I->g->n[d->init_node].v);
        d->init = msi_strdup(I->ctx, v);
        if (!d->expr || !d->init)
            return msi_nomem(I->ctx);
    }
    /* observables: every symbol, and species amounts and concentrations */
    size_t no = 0;
    for (size_t k = 0; k < I->n; k++) {
        ssym *x = &I->s[k];
        msi_xid v = node_of(I, (int)k);
        if (v < 0)
            return I->ctx->last ? I->ctx->last : msi_nomem(I->ctx);
        msi_symdef *d = &m->sym[MS_OBSERVABLE][no++];
        m->count[MS_OBSERVABLE] = no;
        d->name = msi_strdup(I->ctx, x->id);
        d->expr = msi_strdup(I->ctx, "(its value)");
        d->unit = msi_strdup(I->ctx, "(SBML)");
        d->node = v;
        if (x->kind != K_SPECIES)
            continue;
        msi_xid size = node_of(I, x->comp);
        msi_xid amount = x->hosu ? v : msi_x_binary(I->g, X_MUL, v, size);
        msi_xid conc = x->hosu ? msi_x_binary(I->g, X_DIV, v, size) : v;
        char name[512];
        snprintf(name, sizeof name, "__amount_%s", x->id);
        m->sym[MS_OBSERVABLE][no].name = msi_strdup(I->ctx, name);
        m->sym[MS_OBSERVABLE][no].unit = msi_strdup(I->ctx, "(SBML)");
        m->sym[MS_OBSERVABLE][no].expr = msi_strdup(I->ctx, "(amount)");
        m->sym[MS_OBSERVABLE][no++].node = amount;
        m->count[MS_OBSERVABLE] = no;
        snprintf(name, sizeof name, "__conc_%s", x->id);
        m->sym[MS_OBSERVABLE][no].name = msi_strdup(I->ctx, name);
        m->sym[MS_OBSERVABLE][no].unit = msi_strdup(I->ctx, "(SBML)");
        m->sym[MS_OBSERVABLE][no].expr = msi_strdup(I->ctx, "(concentration)");
        m->sym[MS_OBSERVABLE][no++].node = conc;
        m->count[MS_OBSERVABLE] = no;
    }
    m->count[MS_OBSERVABLE] = no;
    for (size_t i = 0; i < no; i++)
        if (!m->sym[MS_OBSERVABLE][i].name || !m->sym[MS_OBSERVABLE][i].unit ||
            !m->sym[MS_OBSERVABLE][i].expr || m->sym[MS_OBSERVABLE][i].node < 0)
            return msi_nomem(I->ctx);
    for (size_t i = 0; i < ns; i++)
        if (m->sym[MS_STATE][i].node < 0 || m->sym[MS_STATE][i].leaf < 0)
            return msi_nomem(I->ctx);
    unsigned nev = Model_getNumEvents(sm);
    if (nev) {
        m->ev = msi_alloc(I->ctx, nev * sizeof *m->ev);
        if (!m->ev)
            return msi_nomem(I->ctx);
    }
    for (unsigned i = 0; i < nev; i++) {
        Event_t *ev = Model_getEvent(sm, i);
        msi_eventdef *d = &m->ev[i];
        m->nev = i + 1;
        Trigger_t *tg = Event_getTrigger(ev);
        d->trigger = convert(I, Trigger_getMath(tg), "an event trigger");
        d->persistent = Trigger_isSetPersistent(tg) ? Trigger_getPersistent(tg) : 1;
        d->trigger_values =
            Event_isSetUseValuesFromTriggerTime(ev) ? Event_getUseValuesFromTriggerTime(ev) : 1;
        d->priority = -1;
        d->delay = -1;
        if (Event_isSetDelay(ev) && Delay_getMath(Event_getDelay(ev)))
            d->delay = convert(I, Delay_getMath(Event_getDelay(ev)), "an event delay");
        if (Event_isSetPriority(ev) && Priority_getMath(Event_getPriority(ev)))
            d->priority = convert(I, Priority_getMath(Event_getPriority(ev)), "an event priority");
        /* SBML Level 2 has no initialValue: the trigger was true "before" t0 */
        d->initial_value = Trigger_isSetInitialValue(tg) ? Trigger_getInitialValue(tg) : 1;
        unsigned na = Event_getNumEventAssignments(ev);
        d->target = msi_alloc(I->ctx, (na + 1) * sizeof *d->target);
        d->value = msi_alloc(I->ctx, (na + 1) * sizeof *d->value);
        if (d->trigger < 0 || !d->target || !d->value)
            return I->ctx->last ? I->ctx->last : msi_nomem(I->ctx);
        for (unsigned j = 0; j < na; j++) {
            EventAssignment_t *ea = Event_getEventAssignment(ev, j);
            ssym *x = &I->s[msi_strmap_get(&I->names, EventAssignment_getVariable(ea))->index];
            msi_xid v = convert(I, EventAssignment_getMath(ea), "an event assignment");
            if (v >= 0 && x->kind == K_SPECIES && x->amount_state && !x->hosu)
                v = msi_x_binary(I->g, X_MUL, v, node_of(I, x->comp)); /* to an amount */
            if (v < 0)
                return I->ctx->last ? I->ctx->last : msi_nomem(I->ctx);
            d->target[j] = x->state;
            d->value[j] = v;
            d->n = j + 1;
        }
        d->offset = i ? m->ev[i - 1].offset + m->ev[i - 1].n : 0;
    }
    return msi_model_compile(m);
}

#define MS_SBML_MAX_BYTES (64u * 1024u * 1024u)

ms_status msi_model_load_sbml(ms_context *ctx, const char *path, ms_model **out)
{
    *out = NULL;
    msi_ok(ctx);
    FILE *f = fopen(path, "rb");
    if (!f)
        return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    if (size < 0 || (unsigned long)size > MS_SBML_MAX_BYTES)
        return msi_fail(ctx, MS_ERR_LIMIT, path, 1, 1,
                        "file is %ld bytes; the limit for SBML is %u bytes (64 MiB)", size,
                        MS_SBML_MAX_BYTES);
    ms_status st = msi_sbml_guard(ctx, path);
    if (st)
        return st;
    importer I = {.ctx = ctx, .file = path};
    SBMLDocument_t *doc = msi_sbml_read(path, I.why, sizeof I.why);
    if (!doc)
        return I.why[0] ? msi_fail(ctx, MS_ERR_MODEL, path, 0, 0, "%s", I.why) : msi_nomem(ctx);
    ms_model *m = msi_alloc(ctx, sizeof *m);
    msi_strmap_init(&I.names, ctx);
    st = m ? MS_OK : msi_nomem(ctx);
    if (!st) {
        m->ctx = ctx;
        msi_xdag_init(&m->g, ctx);
        m->body_weight = -1;
        m->time_h = NAN;
        m->file = msi_strdup(ctx, path);
        st = m->file ? MS_OK : msi_nomem(ctx);
    }
    if (!st && (SBMLDocument_getLevel(doc) < 1 || SBMLDocument_getLevel(doc) > 3))
        st = msi_fail(ctx, MS_ERR_MODEL, path, (int)SBase_getLine((const SBase_t *)doc),
                      (int)SBase_getColumn((const SBase_t *)doc),
                      "SBML Level %u: not supported; expected Level 1, 2 or 3",
                      SBMLDocument_getLevel(doc));
    if (!st)
        st = check_doc(&I, doc);
    if (!st)
        st = undefined_time(&I, doc);
    if (!st && SBMLDocument_isSetPackageRequired(doc, "comp"))
        st = convert_doc(&I, doc, "flatten comp")
                 ? unsupported(&I, "hierarchical models (comp) that libSBML cannot flatten")
                 : MS_OK;
    if (!st && SBMLDocument_isSetPackageRequired(doc, "fbc"))
        st = unsupported(&I, "flux balance constraints (fbc)");
    if (!st)
        st = required_packages(&I, doc);
    if (!st && !SBMLDocument_getModel(doc))
        st = msi_fail(ctx, MS_ERR_MODEL, path, 1, 1,
                      "the document has no <model>; expected an SBML model");
    if (!st) /* what the reader alone does not see: a rule for a constant, two
                rules for one variable, an undefined unit of time, ... */
        st = msi_sbml_validate(doc, I.why, sizeof I.why)
                 ? msi_fail(ctx, MS_ERR_MODEL, path, 0, 0, "%s", I.why)
                 : check_doc(&I, doc);
    if (!st && SBMLDocument_getModel(doc))
        st = unique_bvars(ctx, SBMLDocument_getModel(doc));
    if (!st && (convert_doc(&I, doc, "expandFunctionDefinitions") ||
                convert_doc(&I, doc, "promoteLocalParameters")))
        st = msi_fail(ctx, MS_ERR_MODEL, path, 0, 0,
                      "libSBML could not expand function definitions or promote local "
                      "parameters: %s",
                      I.why);
    if (!st) {
        I.sm = SBMLDocument_getModel(doc);
        if (!I.sm)
            st = msi_fail(ctx, MS_ERR_MODEL, path, 0, 0, "the document has no model");
        else
            drop_empty(I.sm);
    }
    if (!st) {
        m->time_h = time_unit_hours(doc, I.sm);
        I.m = m;
        I.g = &m->g;
        const char *id = Model_isSetId(I.sm) ? Model_getId(I.sm) : "sbml_model";
        m->name = msi_strdup(ctx, id && *id ? id : "sbml_model");
        st = m->name ? import(&I) : msi_nomem(ctx);
    }
    msi_strmap_free(&I.names);
    msi_free(ctx, I.s);
    msi_free(ctx, I.refs);
    msi_free(ctx, I.ref_at);
    for (size_t i = 0; i < I.nowned; i++)
        msi_free(ctx, I.owned[i]);
    msi_free(ctx, I.owned);
    SBMLDocument_free(doc);
    if (st) {
        if (ctx->last == MS_OK)
            msi_nomem(ctx);
        ms_model_free(m);
        return ctx->last;
    }
    *out = m;
    return msi_ok(ctx);
}

/* ---------------------------------------------------------------- export */

/* Our formulas use `t` for time; SBML's is the time csymbol. */
static void time_csymbol(ASTNode_t *a)
{
    if (!a)
        return;
    if (ASTNode_getType(a) == AST_NAME && ASTNode_getName(a) && !strcmp(ASTNode_getName(a), "t"))
        ASTNode_setType(a, AST_NAME_TIME);
    for (unsigned i = 0; i < ASTNode_getNumChildren(a); i++)
        time_csymbol(ASTNode_getChild(a, i));
}

static ASTNode_t *parse_formula(const char *text)
{
    L3ParserSettings_t *ps = L3ParserSettings_create();
    if (!ps)
        return NULL;
    L3ParserSettings_setParseLog(ps, L3P_PARSE_LOG_AS_ERROR);
    L3ParserSettings_setParseUnits(ps, 0);
    ASTNode_t *a = SBML_parseL3FormulaWithSettings(text, ps);
    L3ParserSettings_free(ps);
    time_csymbol(a);
    return a;
}

static void xml_attr(char *out, size_t n, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 7 < n; s++) {
        const char *rep = *s == '&'   ? "&amp;"
                          : *s == '<' ? "&lt;"
                          : *s == '>' ? "&gt;"
                          : *s == '"' ? "&quot;"
                                      : NULL;
        if (rep) {
            memcpy(out + o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            out[o++] = *s == '\n' ? ' ' : *s;
        }
    }
    out[o] = '\0';
}

static int add_param(Model_t *sm, const char *id, double value, int constant, const msi_symdef *d)
{
    Parameter_t *p = Model_createParameter(sm);
    if (!p || Parameter_setId(p, id) != LIBSBML_OPERATION_SUCCESS)
        return -1;
    Parameter_setValue(p, value);
    Parameter_setConstant(p, constant);
    if (d && (d->source || d->hypothesis || d->evidence || d->unit)) {
        char src[4096], hyp[4096], ev[256], unit[256], ann[9000];
        xml_attr(src, sizeof src, d->source);
        xml_attr(hyp, sizeof hyp, d->hypothesis);
        xml_attr(ev, sizeof ev, d->evidence);
        xml_attr(unit, sizeof unit, d->unit);
        snprintf(ann, sizeof ann,
                 "<annotation><moodsim:provenance xmlns:moodsim=\"https://moodsim.example/ns/1\""
                 " unit=\"%s\"%s%s%s%s%s%s%s%s%s/></annotation>",
                 unit, d->source ? " source=\"" : "", d->source ? src : "", d->source ? "\"" : "",
                 d->hypothesis ? " hypothesis=\"" : "", d->hypothesis ? hyp : "",
                 d->hypothesis ? "\"" : "", d->evidence ? " evidence=\"" : "",
                 d->evidence ? ev : "", d->evidence ? "\"" : "");
        SBase_setAnnotationString((SBase_t *)p, ann);
    }
    return 0;
}

ms_status ms_model_export_sbml(ms_context *ctx, const ms_model *m, const char *path)
{
    if (!ctx || !m || !path)
        return MS_ERR_ARG;
    SBMLDocument_t *doc = SBMLDocument_createWithLevelAndVersion(3, 2);
    if (!doc)
        return msi_nomem(ctx);
    Model_t *sm = SBMLDocument_createModel(doc);
    ms_status st = MS_OK;
    Model_setId(sm, m->name);
    /* a model file's time is in hours: declared, so readers convert */
    UnitDefinition_t *hour = Model_createUnitDefinition(sm);
    UnitDefinition_setId(hour, "hour");
    Unit_t *u = UnitDefinition_createUnit(hour);
    Unit_setKind(u, UNIT_KIND_SECOND);
    Unit_setExponent(u, 1);
    Unit_setScale(u, 0);
    Unit_setMultiplier(u, 3600);
    Model_setTimeUnits(sm, "hour");
    const char *bad = NULL;
    /* parameters, inputs (their default level), states, rules, observables */
    for (size_t i = 0; i < m->count[MS_PARAM] && !bad; i++)
        if (add_param(sm, m->sym[MS_PARAM][i].name, m->sym[MS_PARAM][i].value, 1,
                      &m->sym[MS_PARAM][i]))
            bad = m->sym[MS_PARAM][i].name;
    for (size_t i = 0; i < m->count[MS_INPUT] && !bad; i++)
        if (m->sym[MS_INPUT][i].input_kind != MS_INPUT_BOLUS &&
            add_param(sm, m->sym[MS_INPUT][i].name, m->sym[MS_INPUT][i].value, 0,
                      &m->sym[MS_INPUT][i]))
            bad = m->sym[MS_INPUT][i].name;
    for (int k = MS_STATE; k <= MS_OBSERVABLE && !bad; k++) {
        if (k == MS_PARAM || k == MS_INPUT)
            continue;
        for (size_t i = 0; i < m->count[k] && !bad; i++) {
            const msi_symdef *d = &m->sym[k][i];
            if (add_param(sm, d->name, 0, 0, d)) {
                bad = d->name;
                break;
            }
            ASTNode_t *math = parse_formula(d->expr);
            if (!math) {
                bad = d->name;
                break;
            }
            Rule_t *r = k == MS_STATE ? (Rule_t *)Model_createRateRule(sm)
                                      : (Rule_t *)Model_createAssignmentRule(sm);
            Rule_setVariable(r, d->name);
            Rule_setMath(r, math);
            ASTNode_free(math);
            if (k == MS_STATE) {
                ASTNode_t *init = parse_formula(d->init);
                InitialAssignment_t *ia = Model_createInitialAssignment(sm);
                if (!init || !ia) {
                    ASTNode_free(init);
                    bad = d->name;
                    break;
                }
                InitialAssignment_setSymbol(ia, d->name);
                InitialAssignment_setMath(ia, init);
                ASTNode_free(init);
            }
        }
    }
    if (bad)
        st = msi_fail(ctx, MS_ERR_MODEL, m->file, 0, 0, "cannot export '%s' to SBML", bad);
    if (!st) {
        /* internal (structure) and full (identifiers, MathML, units,
         * overdetermination, ...) validation; warnings do not stop it */
        unsigned nerr = SBMLDocument_checkInternalConsistency(doc);
        if (nerr == 0)
            nerr = SBMLDocument_checkConsistency(doc);
        for (unsigned i = 0; i < nerr && !st; i++) {
            const SBMLError_t *e = SBMLDocument_getError(doc, i);
            if (XMLError_getSeverity((const XMLError_t *)e) >= LIBSBML_SEV_ERROR)
                st = msi_fail(ctx, MS_ERR_MODEL, path, 0, 0, "libSBML consistency check: %s",
                              XMLError_getMessage((const XMLError_t *)e));
        }
    }
    char *xml = !st ? writeSBMLToString(doc) : NULL;
    if (!st && !xml)
        st = msi_nomem(ctx);
    msi_outfile o;
    if (!st && !(st = msi_out_open(ctx, &o, path))) {
        fputs(xml, o.f);
        st = msi_out_close(ctx, &o, 1); /* a failed write is seen there */
    }
    free(xml);
    SBMLDocument_free(doc);
    return st ? st : msi_ok(ctx);
}
