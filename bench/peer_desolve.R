#!/usr/bin/env Rscript
# peer_desolve.R — the benchmark's R peer: the flagship model's equations
# (models/depression_inflammation_v1.yaml) typed by hand in R and integrated with
# deSolve's lsoda, restarted at every switch of an input, as a researcher
# would write it.  Parameter values come from `moodsim check --ledger`, the
# calendar from `moodsim protocol events --format csv`.
#
# usage: peer_desolve.R LEDGER.tsv EVENTS.csv DAYS REPS RTOL ATOL [--scales=FILE] [NAME=VALUE ...]
# (--scales: per-state magnitudes, "STATE,scale" lines; the absolute tolerance
# of a state is then ATOL * max(1, scale), as moodsim's is)
# prints: desolve-lsoda,<ms per patient>,<final HAMD>,<final CRP>,<steps>,<restarts>
suppressPackageStartupMessages(library(deSolve))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 6) stop("usage: peer_desolve.R LEDGER.tsv EVENTS.csv DAYS REPS RTOL ATOL [--scales=FILE] [NAME=VALUE ...]")
LN2 <- 0.693147180559945
STATES <- c("NFKB", "IL6", "TNF", "IL1B", "CRP", "BBB", "MG", "KYN", "BDNF", "DLPFC", "PLAST",
            "EXPECT", "EXO_P", "EXO_E", "NMN_P", "NAD", "SSRI_G", "SSRI_C", "SSRI_F", "AB", "PILL")
INPUTS <- c("tms", "tms_sham", "exosome_iv", "nmn_iv", "anti_tnf_iv", "challenge")

lines <- readLines(args[1])
p <- list()
for (l in lines[-1]) {
  f <- strsplit(l, "\t", fixed = TRUE)[[1]]
  v <- suppressWarnings(as.numeric(f[2]))
  if (!is.na(v)) p[[f[1]]] <- v
}
ev <- read.csv(args[2], stringsAsFactors = FALSE)
if (any(ev$kind != "pulse")) stop("only pulse events are modelled here")
changes <- data.frame(t = c(ev$time_h, ev$time_h + ev$duration_h),
                      input = c(ev$input, ev$input),
                      delta = c(ev$level, -ev$level), stringsAsFactors = FALSE)
changes <- changes[order(changes$t), ]
t_end <- as.numeric(args[3]) * 24
reps <- as.integer(args[4])
rtol <- as.numeric(args[5])
atol <- as.numeric(args[6])
rest <- args[-(1:6)]
if (length(rest) && startsWith(rest[1], "--scales=")) {
  sc <- read.csv(substring(rest[1], 10), header = FALSE, stringsAsFactors = FALSE)
  scale <- setNames(rep(1, length(STATES)), STATES)
  scale[sc$V1] <- pmax(1, sc$V2)
  atol <- atol * unname(scale[STATES])
  rest <- rest[-1]
}
for (a in rest) {
  kv <- strsplit(a, "=", fixed = TRUE)[[1]]
  if (is.null(p[[kv[1]]])) stop(paste("no parameter", kv[1]))
  p[[kv[1]]] <- as.numeric(kv[2])
}

drive0 <- p$drive_median * exp(p$drive_sigma * p$z_drive)
# the inflammatory load: near 0 below the threshold, like load_hill x
# ln(drive / threshold) above it
load_of <- function(drive) log(1 + (drive / p$load_threshold)^p$load_hill)

rhs <- function(t, y, u) {
  with(as.list(c(y, u, p)), {
    tnf_free_frac <- 1 / (1 + AB / ab_neutral)
    sirt_inhib <- nmn_strength * max(NAD - 1, 0)
    exo_block <- exo_strength * EXO_E
    drive_now <- drive0 * (1 + challenge_gain * challenge) * max(1 - sirt_inhib, 0.05) * (1 - exo_block)
    load <- load_of(NFKB * tnf_free_frac)
    contact <- min(tms / 6000 + tms_sham + exosome_iv / (exosome_iv + 1) + nmn_iv / (nmn_iv + 1) +
                   anti_tnf_iv / (anti_tnf_iv + 1) + SSRI_C / (SSRI_C + 1) + PILL / (PILL + 1), 1)
    ssri_occ <- SSRI_C / (SSRI_C + ssri_ec50)
    list(c(
      LN2 / t_half_NFKB * (drive_now - NFKB),
      LN2 / t_half_IL6 * (IL6_ref * NFKB - IL6),
      LN2 / t_half_TNF * (TNF_ref * NFKB - TNF),
      LN2 / t_half_IL1B * (IL1B_ref * il1b_indiv * NFKB^h_il1b - IL1B),
      LN2 / t_half_CRP * (CRP_ref * IL6 / IL6_ref - CRP),
      LN2 / t_half_BBB * (1 + bbb_gain * load - BBB),
      LN2 / t_half_MG * (1 + mg_gain * load * BBB * (1 - exo_block) - MG),
      LN2 / t_half_KYN * (1 + ido_gain * load - KYN),
      LN2 / t_half_BDNF * ((1 + exo_bdnf * EXO_E) / (1 + bdnf_inf * max(MG - 1, 0)) - BDNF),
      k_dlpfc_on * (tms / 6000) * (1 - DLPFC) - LN2 / t_half_dlpfc * DLPFC,
      k_plast_on * DLPFC * BDNF * (1 + synergy_strength * EXO_E) * (1 - PLAST) - LN2 / t_half_plast * PLAST,
      k_expect_on * contact * (1 - EXPECT) - LN2 / t_half_expect * EXPECT,
      exosome_iv - LN2 / t_half_EXO * EXO_P,
      k_exo_e * EXO_P * (1 - EXO_E) - LN2 / t_half_exo_e * EXO_E,
      nmn_iv - LN2 / t_half_NMN * NMN_P,
      nad_per_mg * NMN_P - LN2 / t_half_NAD * (NAD - 1),
      -ka_SSRI * SSRI_G,
      ka_SSRI * SSRI_G - LN2 / t_half_SSRI * SSRI_C,
      LN2 / t_half_SSRI_F * (ssri_occ - SSRI_F),
      anti_tnf_iv - LN2 / t_half_AB * AB,
      -LN2 / t_half_SSRI * PILL))
  })
}

initial <- function() {
  d <- drive0
  load0 <- load_of(d)
  bbb0 <- 1 + p$bbb_gain * load0
  mg0 <- 1 + p$mg_gain * load0 * bbb0
  y <- setNames(rep(0, length(STATES)), STATES)
  y[c("NFKB", "IL6", "TNF", "IL1B", "CRP", "BBB", "MG", "KYN", "BDNF", "NAD")] <-
    c(d, p$IL6_ref * d, p$TNF_ref * d, p$IL1B_ref * p$il1b_indiv * d^p$h_il1b, p$CRP_ref * d,
      bbb0, mg0, 1 + p$ido_gain * load0, 1 / (1 + p$bdnf_inf * max(mg0 - 1, 0)), 1)
  y
}

hamd <- function(t, y) {
  with(as.list(c(y, p)), {
    nat_max <- nat_mean + nat_spread * (2 * u_nat - 1)
    # large expectation responders, or uniform up to plac_hi
    plac_max <- if (u_plac < plac_large_frac) plac_large else
      placebo_scale * plac_hi * (u_plac - plac_large_frac) / (1 - plac_large_frac)
    tms_effect <- if (u_tms_resp < tms_resp_frac) tms_depth_lo + (1 - tms_depth_lo) * u_tms_depth else 0
    ssri_eff <- if (u_ssri < ssri_resp_frac) ssri_max else 0
    inflam <- w_kyn * (KYN - 1) + w_mg * (MG - 1) + w_bdnf * max(1 - BDNF, 0)
    improvement <- 1 - (1 - nat_max * (1 - exp(-t / t_nat))) * (1 - plac_max * EXPECT) *
      (1 - tms_effect * PLAST) * (1 - ssri_eff * SSRI_F)
    max((h_core + inflam) * (1 - improvement), 0)
  })
}

simulate <- function() {
  u <- setNames(rep(0, length(INPUTS)), INPUTS)
  y <- initial()
  t <- 0; k <- 1; steps <- 0; restarts <- 0
  n <- nrow(changes)
  while (t < t_end) {
    while (k <= n && changes$t[k] <= t) {
      u[changes$input[k]] <- u[changes$input[k]] + changes$delta[k]
      if (abs(u[changes$input[k]]) < 1e-12) u[changes$input[k]] <- 0
      k <- k + 1
    }
    stop <- if (k <= n && changes$t[k] < t_end) changes$t[k] else t_end
    out <- lsoda(y, c(t, stop), rhs, u, rtol = rtol, atol = atol, tcrit = stop)
    y <- setNames(out[2, -1], STATES)
    steps <- steps + attr(out, "istate")[2]
    restarts <- restarts + 1
    t <- stop
  }
  c(hamd(t_end, y), y[["CRP"]], steps, restarts)
}

t0 <- proc.time()[["elapsed"]]
for (r in seq_len(reps)) res <- simulate()
ms <- 1000 * (proc.time()[["elapsed"]] - t0) / reps
cat(sprintf("desolve-lsoda,%.4f,%.10g,%.10g,%d,%d\n", ms, res[1], res[2], as.integer(res[3]), as.integer(res[4])))
