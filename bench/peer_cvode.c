/*
 * peer_cvode.c — the benchmark's hand-written peer: the flagship model's
 * equations (models/depression_inflammation_v1.yaml: rules, odes, the HAMD
 * observable) typed in C by hand, integrated the straightforward way with
 * SUNDIALS CVODE (BDF, dense direct solver, CVODE's difference-quotient
 * Jacobian, a scalar absolute tolerance), stopping and re-initialising at
 * every switch of an input.  It reads the parameter values from `moodsim
 * check --ledger` (so that no number is typed twice) and the dosing calendar
 * from `moodsim protocol events --format csv`.
 *
 * usage: peer_cvode LEDGER.tsv EVENTS.csv DAYS REPS RTOL ATOL [--scales=FILE] [NAME=VALUE ...]
 * (--scales: per-state magnitudes, "STATE,scale" lines; the absolute
 * tolerance of a state is then ATOL * max(1, scale), as moodsim's is)
 * prints: cvode,<ms per patient>,<final HAMD>,<final CRP>,<steps>,<restarts>
 */
#define _POSIX_C_SOURCE 200809L
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ parameters */

// clang-format off
#define PARAMS(X)                                                                               \
    X(u_nat) X(u_plac) X(u_tms_resp) X(u_tms_depth) X(z_drive) X(drive_median) X(drive_sigma) \
    X(h_core) X(IL6_ref) X(TNF_ref) X(IL1B_ref) X(h_il1b) X(CRP_ref) X(t_half_NFKB)           \
    X(t_half_IL6) X(t_half_TNF) X(t_half_IL1B) X(t_half_CRP) X(t_half_BBB) X(t_half_MG)       \
    X(t_half_KYN) X(t_half_BDNF) X(bbb_gain) X(mg_gain) X(ido_gain) X(bdnf_inf) X(w_kyn)      \
    X(w_mg) X(w_bdnf) X(nat_mean) X(nat_spread) X(t_nat) X(plac_hi) X(placebo_scale)     \
    X(plac_large_frac) X(plac_large)                                                          \
    X(k_expect_on) X(t_half_expect) X(tms_resp_frac) X(tms_depth_lo) X(k_dlpfc_on)            \
    X(t_half_dlpfc) X(k_plast_on) X(t_half_plast) X(ka_SSRI) X(t_half_SSRI) X(ssri_ec50)      \
    X(t_half_SSRI_F) X(ssri_max) X(ab_neutral) X(t_half_AB) X(challenge_gain) X(t_half_EXO)   \
    X(k_exo_e) X(t_half_exo_e) X(exo_strength) X(exo_bdnf) X(synergy_strength) X(t_half_NMN)  \
    X(nad_per_mg) X(t_half_NAD) X(nmn_strength) X(il1b_indiv) X(load_threshold)         \
    X(load_hill) X(u_ssri) X(ssri_resp_frac)
// clang-format on

typedef struct {
#define FIELD(n) double n;
    PARAMS(FIELD)
#undef FIELD
    /* inputs, current levels */
    double tms, tms_sham, exosome_iv, nmn_iv, anti_tnf_iv, challenge;
    /* derived once per patient */
    double drive0, nat_max, plac_max, tms_effect, ssri_eff;
} model;

static int set_param(model *m, const char *name, double v)
{
#define SET(n)                                                                                     \
    if (strcmp(name, #n) == 0) {                                                                   \
        m->n = v;                                                                                  \
        return 0;                                                                                  \
    }
    PARAMS(SET)
#undef SET
    return -1;
}

enum {
    NFKB,
    IL6,
    TNF,
    IL1B,
    CRP,
    BBB,
    MG,
    KYN,
    BDNF,
    DLPFC,
    PLAST,
    EXPECT,
    EXO_P,
    EXO_E,
    NMN_P,
    NAD,
    SSRI_G,
    SSRI_C,
    SSRI_F,
    AB,
    PILL,
    NS
};

static const double LN2 = 0.693147180559945;

static void derive(model *m)
{
    m->drive0 = m->drive_median * exp(m->drive_sigma * m->z_drive);
    m->nat_max = m->nat_mean + m->nat_spread * (2 * m->u_nat - 1);
    /* expectation: large responders (plac_large_frac) or uniform up to plac_hi */
    double f = m->plac_large_frac;
    m->plac_max =
        m->u_plac < f ? m->plac_large : m->placebo_scale * m->plac_hi * (m->u_plac - f) / (1 - f);
    m->tms_effect = m->u_tms_resp < m->tms_resp_frac
                        ? m->tms_depth_lo + (1 - m->tms_depth_lo) * m->u_tms_depth
                        : 0;
    m->ssri_eff = m->u_ssri < m->ssri_resp_frac ? m->ssri_max : 0;
}

/* the inflammatory load: near 0 below the threshold, like load_hill x
 * ln(drive / threshold) above it */
static double load_of(const model *m, double drive)
{
    return log(1 + pow(drive / m->load_threshold, m->load_hill));
}

static void initial(const model *m, double *y)
{
    double d = m->drive0, load0 = load_of(m, d), bbb0 = 1 + m->bbb_gain * load0,
           mg0 = 1 + m->mg_gain * load0 * bbb0;
    for (int i = 0; i < NS; i++)
        y[i] = 0;
    y[NFKB] = d;
    y[IL6] = m->IL6_ref * d;
    y[TNF] = m->TNF_ref * d;
    y[IL1B] = m->IL1B_ref * m->il1b_indiv * pow(d, m->h_il1b);
    y[CRP] = m->CRP_ref * d;
    y[BBB] = bbb0;
    y[MG] = mg0;
    y[KYN] = 1 + m->ido_gain * load0;
    y[BDNF] = 1 / (1 + m->bdnf_inf * fmax(mg0 - 1, 0));
    y[NAD] = 1;
}

static int rhs(sunrealtype t, N_Vector yv, N_Vector dv, void *ud)
{
    (void)t;
    const model *m = ud;
    const double *y = N_VGetArrayPointer(yv);
    double *dy = N_VGetArrayPointer(dv);
    double tnf_free_frac = 1 / (1 + y[AB] / m->ab_neutral);
    double sirt_inhib = m->nmn_strength * fmax(y[NAD] - 1, 0);
    double exo_block = m->exo_strength * y[EXO_E];
    double drive_now = m->drive0 * (1 + m->challenge_gain * m->challenge) *
                       fmax(1 - sirt_inhib, 0.05) * (1 - exo_block);
    double load = load_of(m, y[NFKB] * tnf_free_frac);
    double contact = fmin(m->tms / 6000 + m->tms_sham + m->exosome_iv / (m->exosome_iv + 1) +
                              m->nmn_iv / (m->nmn_iv + 1) + m->anti_tnf_iv / (m->anti_tnf_iv + 1) +
                              y[SSRI_C] / (y[SSRI_C] + 1) + y[PILL] / (y[PILL] + 1),
                          1);
    double ssri_occ = y[SSRI_C] / (y[SSRI_C] + m->ssri_ec50);
    dy[NFKB] = LN2 / m->t_half_NFKB * (drive_now - y[NFKB]);
    dy[IL6] = LN2 / m->t_half_IL6 * (m->IL6_ref * y[NFKB] - y[IL6]);
    dy[TNF] = LN2 / m->t_half_TNF * (m->TNF_ref * y[NFKB] - y[TNF]);
    dy[IL1B] =
        LN2 / m->t_half_IL1B * (m->IL1B_ref * m->il1b_indiv * pow(y[NFKB], m->h_il1b) - y[IL1B]);
    dy[CRP] = LN2 / m->t_half_CRP * (m->CRP_ref * y[IL6] / m->IL6_ref - y[CRP]);
    dy[BBB] = LN2 / m->t_half_BBB * (1 + m->bbb_gain * load - y[BBB]);
    dy[MG] = LN2 / m->t_half_MG * (1 + m->mg_gain * load * y[BBB] * (1 - exo_block) - y[MG]);
    dy[KYN] = LN2 / m->t_half_KYN * (1 + m->ido_gain * load - y[KYN]);
    dy[BDNF] = LN2 / m->t_half_BDNF *
               ((1 + m->exo_bdnf * y[EXO_E]) / (1 + m->bdnf_inf * fmax(y[MG] - 1, 0)) - y[BDNF]);
    dy[DLPFC] = m->k_dlpfc_on * (m->tms / 6000) * (1 - y[DLPFC]) - LN2 / m->t_half_dlpfc * y[DLPFC];
    dy[PLAST] =
        m->k_plast_on * y[DLPFC] * y[BDNF] * (1 + m->synergy_strength * y[EXO_E]) * (1 - y[PLAST]) -
        LN2 / m->t_half_plast * y[PLAST];
    dy[EXPECT] = m->k_expect_on * contact * (1 - y[EXPECT]) - LN2 / m->t_half_expect * y[EXPECT];
    dy[EXO_P] = m->exosome_iv - LN2 / m->t_half_EXO * y[EXO_P];
    dy[EXO_E] = m->k_exo_e * y[EXO_P] * (1 - y[EXO_E]) - LN2 / m->t_half_exo_e * y[EXO_E];
    dy[NMN_P] = m->nmn_iv - LN2 / m->t_half_NMN * y[NMN_P];
    dy[NAD] = m->nad_per_mg * y[NMN_P] - LN2 / m->t_half_NAD * (y[NAD] - 1);
    dy[SSRI_G] = -m->ka_SSRI * y[SSRI_G];
    dy[SSRI_C] = m->ka_SSRI * y[SSRI_G] - LN2 / m->t_half_SSRI * y[SSRI_C];
    dy[SSRI_F] = LN2 / m->t_half_SSRI_F * (ssri_occ - y[SSRI_F]);
    dy[AB] = m->anti_tnf_iv - LN2 / m->t_half_AB * y[AB];
    dy[PILL] = -LN2 / m->t_half_SSRI * y[PILL];
    return 0;
}

static double hamd(const model *m, double t, const double *y)
{
    double hamd_inflam =
        m->w_kyn * (y[KYN] - 1) + m->w_mg * (y[MG] - 1) + m->w_bdnf * fmax(1 - y[BDNF], 0);
    double improvement = 1 - (1 - m->nat_max * (1 - exp(-t / m->t_nat))) *
                                 (1 - m->plac_max * y[EXPECT]) * (1 - m->tms_effect * y[PLAST]) *
                                 (1 - m->ssri_eff * y[SSRI_F]);
    return fmax((m->h_core + hamd_inflam) * (1 - improvement), 0);
}

/* ---------------------------------------------------------------- inputs */

typedef struct {
    double t;
    int input; /* 0 tms, 1 tms_sham, 2 exosome_iv, 3 nmn_iv, 4 anti_tnf_iv, 5 challenge */
    double delta;
} change;

static double *input_ref(model *m, int i)
{
    double *p[6] = {&m->tms,    &m->tms_sham,    &m->exosome_iv,
                    &m->nmn_iv, &m->anti_tnf_iv, &m->challenge};
    return p[i];
}

static int cmp_change(const void *a, const void *b)
{
    const change *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

static change *read_events(const char *path, size_t *n)
{
    static const char *const names[6] = {"tms",    "tms_sham",    "exosome_iv",
                                         "nmn_iv", "anti_tnf_iv", "challenge"};
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[1024];
    size_t cap = 256;
    change *c = malloc(cap * sizeof *c);
    *n = 0;
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        free(c);
        return NULL;
    }
    while (fgets(line, sizeof line, f)) {
        /* time_h,day,date,weekday,clock,treatment,input,kind,amount,level,duration_h */
        char *fld[11], *save = NULL, *tok = strtok_r(line, ",\n", &save);
        int k = 0;
        for (; tok && k < 11; tok = strtok_r(NULL, ",\n", &save))
            fld[k++] = tok;
        if (k != 11 || strcmp(fld[7], "pulse") != 0) {
            fprintf(stderr, "peer_cvode: %s: only pulse events are modelled here\n", path);
            exit(2);
        }
        int in = -1;
        for (int i = 0; i < 6; i++)
            if (strcmp(fld[6], names[i]) == 0)
                in = i;
        if (in < 0) {
            fprintf(stderr, "peer_cvode: %s: unknown input %s\n", path, fld[6]);
            exit(2);
        }
        double t = atof(fld[0]), level = atof(fld[9]), dur = atof(fld[10]);
        if (*n + 2 > cap)
            c = realloc(c, (cap *= 2) * sizeof *c);
        c[(*n)++] = (change){t, in, level};
        c[(*n)++] = (change){t + dur, in, -level};
    }
    fclose(f);
    qsort(c, *n, sizeof *c, cmp_change);
    return c;
}

static void read_ledger(const char *path, model *m)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "peer_cvode: cannot read %s\n", path);
        exit(2);
    }
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        char *end;
        double v = strtod(tab + 1, &end);
        if (end != tab + 1 && *end == '\t')
            set_param(m, line, v);
    }
    fclose(f);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr,
                "usage: peer_cvode LEDGER.tsv EVENTS.csv DAYS REPS RTOL ATOL [NAME=VALUE ...]\n");
        return 2;
    }
    model m;
    memset(&m, 0, sizeof m);
    read_ledger(argv[1], &m);
    static const char *const snames[NS] = {"NFKB",   "IL6",   "TNF",   "IL1B",  "CRP",    "BBB",
                                           "MG",     "KYN",   "BDNF",  "DLPFC", "PLAST",  "EXPECT",
                                           "EXO_P",  "EXO_E", "NMN_P", "NAD",   "SSRI_G", "SSRI_C",
                                           "SSRI_F", "AB",    "PILL"};
    double scale[NS];
    int first = 7, scaled = 0;
    for (int i = 0; i < NS; i++)
        scale[i] = 1;
    if (argc > 7 && strncmp(argv[7], "--scales=", 9) == 0) {
        FILE *f = fopen(argv[7] + 9, "r");
        char line[256];
        while (f && fgets(line, sizeof line, f)) {
            char *comma = strchr(line, ',');
            if (!comma)
                continue;
            *comma = '\0';
            for (int i = 0; i < NS; i++)
                if (strcmp(line, snames[i]) == 0)
                    scale[i] = fmax(1, atof(comma + 1));
        }
        if (f)
            fclose(f);
        first = 8;
        scaled = 1;
    }
    for (int i = first; i < argc; i++) {
        char name[256];
        const char *eq = strchr(argv[i], '=');
        if (!eq || (size_t)(eq - argv[i]) >= sizeof name)
            return 2;
        memcpy(name, argv[i], (size_t)(eq - argv[i]));
        name[eq - argv[i]] = '\0';
        if (set_param(&m, name, atof(eq + 1))) {
            fprintf(stderr, "peer_cvode: no parameter %s\n", name);
            return 2;
        }
    }
    derive(&m);
    size_t nc;
    change *c = read_events(argv[2], &nc);
    if (!c)
        return 2;
    double t_end = atof(argv[3]) * 24, rtol = atof(argv[5]), atol = atof(argv[6]);
    long reps = strtol(argv[4], NULL, 10);

    SUNContext sunctx;
    SUNContext_Create(NULL, &sunctx);
    N_Vector y = N_VNew_Serial(NS, sunctx);
    SUNMatrix A = SUNDenseMatrix(NS, NS, sunctx);
    SUNLinearSolver LS = SUNLinSol_Dense(y, A, sunctx);
    void *cv = CVodeCreate(CV_BDF, sunctx);
    CVodeInit(cv, rhs, 0, y);
    N_Vector av = N_VNew_Serial(NS, sunctx);
    for (int i = 0; i < NS; i++)
        N_VGetArrayPointer(av)[i] = atol * scale[i];
    if (scaled)
        CVodeSVtolerances(cv, rtol, av);
    else
        CVodeSStolerances(cv, rtol, atol);
    CVodeSetLinearSolver(cv, LS, A);
    CVodeSetUserData(cv, &m);
    CVodeSetMaxNumSteps(cv, 100000);
    CVodeSetMaxHnilWarns(cv, -1); /* t + h == t right after an infusion starts */
    long steps = 0, restarts = 0;
    double t0 = 0, final_hamd = 0, final_crp = 0;
    for (long r = -1; r < reps; r++) { /* r = -1: warm-up, not timed */
        if (r == 0)
            t0 = now_s();
        steps = restarts = 0;
        m.tms = m.tms_sham = m.exosome_iv = m.nmn_iv = m.anti_tnf_iv = m.challenge = 0;
        double *yy = N_VGetArrayPointer(y), t = 0;
        initial(&m, yy);
        size_t k = 0;
        while (t < t_end) {
            while (k < nc && c[k].t <= t) {
                *input_ref(&m, c[k].input) += c[k].delta;
                if (fabs(*input_ref(&m, c[k].input)) < 1e-12)
                    *input_ref(&m, c[k].input) = 0; /* off exactly */
                k++;
            }
            double stop = k < nc && c[k].t < t_end ? c[k].t : t_end;
            CVodeReInit(cv, t, y);
            CVodeSetStopTime(cv, stop);
            restarts++;
            double tret;
            if (CVode(cv, stop, y, &tret, CV_NORMAL) < 0) {
                fprintf(stderr, "peer_cvode: integration failed at t = %g\n", t);
                return 3;
            }
            long ns;
            CVodeGetNumSteps(cv, &ns);
            steps += ns;
            t = stop;
        }
        final_hamd = hamd(&m, t_end, yy);
        final_crp = yy[CRP];
    }
    double dt = now_s() - t0;
    printf("cvode,%.4f,%.10g,%.10g,%ld,%ld\n", 1e3 * dt / (double)reps, final_hamd, final_crp,
           steps, restarts);
    CVodeFree(&cv);
    SUNLinSolFree(LS);
    SUNMatDestroy(A);
    N_VDestroy(y);
    N_VDestroy(av);
    SUNContext_Free(&sunctx);
    free(c);
    return 0;
}
