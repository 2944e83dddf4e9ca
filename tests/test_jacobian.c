/*
 * test_jacobian.c — the exact (symbolic) Jacobian of each model given on the
 * command line against central finite differences of its right-hand side,
 * at the initial state and at three perturbed states.  Criterion per entry:
 * |J - FD| <= 1e-6 * (largest |J| in its row) + 1e-9 (row-scaled, because a
 * finite difference cannot resolve entries far below the row's size).
 */
#include "moodsim.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static void check_model(ms_context *ctx, const char *path)
{
    ms_model *m = NULL;
    ms_status st = ms_model_load(ctx, path, &m);
    CHECK(st == MS_OK, "load %s: %s", path, ms_errmsg(ctx));
    if (st)
        return;
    ms_sim *s;
    CHECK(ms_sim_new(ctx, m, &s) == MS_OK, "sim");
    size_t n = ms_model_count(m, MS_STATE);
    double *y = calloc(n, sizeof *y), *yp = calloc(n, sizeof *yp), *f1 = calloc(n, sizeof *f1),
           *f2 = calloc(n, sizeof *f2), *J = calloc(n * n, sizeof *J), *y0 = calloc(n, sizeof *y0);
    CHECK(ms_sim_initial(s, y0) == MS_OK, "%s", ms_errmsg(ctx));
    double worst = 0;
    size_t checked = 0;
    for (int point = 0; point < 4; point++) {
        for (size_t i = 0; i < n; i++) /* deterministic, varied, positive points */
            y[i] = y0[i] * (1 + 0.1 * point) + 0.05 * point * (1 + (double)(i % 3));
        double t = 2.0 * point;
        CHECK(ms_sim_jacobian(s, t, y, J) == MS_OK, "jac");
        for (size_t j = 0; j < n; j++) {
            double h = 1e-6 * fmax(fabs(y[j]), 1e-3);
            memcpy(yp, y, n * sizeof *y);
            yp[j] = y[j] + h;
            ms_sim_rhs(s, t, yp, f1);
            yp[j] = y[j] - h;
            ms_sim_rhs(s, t, yp, f2);
            for (size_t i = 0; i < n; i++) {
                double fd = (f1[i] - f2[i]) / (2 * h);
                double rowmax = 0;
                for (size_t k = 0; k < n; k++)
                    rowmax = fmax(rowmax, fabs(J[i * n + k]));
                double err = fabs(J[i * n + j] - fd) / (rowmax + 1e-3);
                worst = fmax(worst, err);
                checked++;
                if (!(fabs(J[i * n + j] - fd) <= 1e-6 * rowmax + 1e-9))
                    CHECK(0, "%s: d f[%zu] / d y[%zu] at point %d: exact %.12g, FD %.12g", path, i,
                          j, point, J[i * n + j], fd);
            }
        }
    }
    printf("%s: %zu entries, %zu structurally nonzero, worst scaled difference %.2g\n", path,
           checked, ms_model_jacobian_nnz(m), worst);
    t_pass++;
    free(y);
    free(yp);
    free(f1);
    free(f2);
    free(J);
    free(y0);
    ms_sim_free(s);
    ms_model_free(m);
}

int main(int argc, char **argv)
{
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return 2;
    CHECK(argc > 1, "no models given");
    for (int i = 1; i < argc; i++)
        check_model(ctx, argv[i]);
    ms_context_free(ctx);
    return test_done("jacobian");
}
