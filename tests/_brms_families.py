"""brms 2.18 reference fits of twelve response families (posterior mean, sd).

Each entry is the fit of ``y ~ x + (1 | g)`` (``y | trials(trials) ~ x + (1 | g)`` for
beta_binomial and zero_inflated_binomial) with brms' default priors, 4 chains x 1000
post-warmup draws, seed 1, to tests/data/families/<name>.csv (written by
tests/data/families/simulate.py, whose TRUE dict holds the generating values).
Values are posterior (mean, sd) under brms' parameter names, 4 significant digits;
``epred_mean`` is mean(posterior_epred(fit)), the posterior mean of brms' expected
value averaged over the 600 rows.  ``max_rhat`` is the largest Rhat over every
parameter of the fit (group effects r_g included; lp__ and lprior excluded).
"""

# The R script that produced these numbers (R 4.2.2, brms 2.18.0, rstan 2.21.7,
# Debian bookworm's r-cran-brms; run as `Rscript brms_families.R`, then read the
# PAR / EPRED lines it writes to /tmp/brms_out/<name>.txt):
#
# # brms 2.18.0 / rstan 2.21.7 / R 4.2.2 (Debian bookworm packages).
# # Rscript /tmp/brms_families.R [family ...]   (all twelve when none is named)
# # Data: tests/data/families/<name>.csv, written by tests/data/families/simulate.py.
# library(brms)
# options(width = 200)
# dir <- "/work/main/tests/data/families"
# out <- "/tmp/brms_out"
# dir.create(out, showWarnings = FALSE)
# families <- list(
#   skew_normal = skew_normal(), von_mises = von_mises(),
#   shifted_lognormal = shifted_lognormal(), exgaussian = exgaussian(),
#   inverse.gaussian = inverse.gaussian(), beta_binomial = beta_binomial(),
#   zero_inflated_binomial = zero_inflated_binomial(),
#   zero_inflated_beta = zero_inflated_beta(),
#   zero_one_inflated_beta = zero_one_inflated_beta(),
#   hurdle_gamma = hurdle_gamma(), asym_laplace = asym_laplace(),
#   geometric = geometric()
# )
# todo <- commandArgs(trailingOnly = TRUE)
# if (!length(todo)) todo <- names(families)
# for (name in todo) {
#   file <- gsub(".", "_", name, fixed = TRUE)
#   d <- read.csv(file.path(dir, paste0(file, ".csv")))
#   d$g <- factor(d$g)
#   form <- if (name %in% c("beta_binomial", "zero_inflated_binomial")) {
#     y | trials(trials) ~ x + (1 | g)
#   } else {
#     y ~ x + (1 | g)
#   }
#   fam <- families[[name]]
#   sink(file.path(out, paste0(file, ".txt")))
#   cat("## family:", name, "\n")
#   cat("## get_prior\n"); print(get_prior(form, data = d, family = fam))
#   warns <- character()
#   t0 <- Sys.time()
#   fit <- withCallingHandlers(
#     brm(form, data = d, family = fam, chains = 4, iter = 2000, warmup = 1000,
#         seed = 1, cores = 1, refresh = 0),
#     warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") }
#   )
#   cat("## seconds:", as.numeric(difftime(Sys.time(), t0, units = "secs")), "\n")
#   cat("## warnings\n"); print(warns)
#   cat("## prior_summary\n"); print(prior_summary(fit))
#   cat("## summary\n"); print(summary(fit))
#   s <- posterior::summarise_draws(as_draws_df(fit))
#   params <- !s$variable %in% c("lp__", "lprior")
#   cat("## max Rhat over all parameters:", max(s$rhat[params]), "\n")
#   cat("## Rhat of lp__:", s$rhat[s$variable == "lp__"], "\n")
#   keep <- s[!grepl("^(r_|z_|lp__|lprior)", s$variable), ]
#   cat("## PARAMS\n")
#   for (i in seq_len(nrow(keep))) {
#     cat(sprintf("PAR %s %.10g %.10g %.6f %.1f %.1f\n", keep$variable[i], keep$mean[i], keep$sd[i],
#                 keep$rhat[i], keep$ess_bulk[i], keep$ess_tail[i]))
#   }
#   cat(sprintf("EPRED %.10g\n", mean(posterior_epred(fit))))
#   cat("## stancode\n"); print(stancode(fit))
#   sink()
#   saveRDS(fit, file.path(out, paste0(file, ".rds")))
#   rm(fit); gc()
# }

BRMS_FAMILIES = {
    "skew_normal": {
        # brms default priors, prior_summary(fit):
        #                   prior     class      coef group resp dpar nlpar lb ub       source
        #            normal(0, 4)     alpha                                            default
        #                  (flat)         b                                            default
        #                  (flat)         b         x                             (vectorized)
        #    student_t(3, 1, 2.5) Intercept                                            default
        #    student_t(3, 0, 2.5)        sd                                  0         default
        #    student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #    student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        #    student_t(3, 0, 2.5)     sigma                                  0         default
        "b_Intercept": (1.026, 0.1093),  # Rhat 1.005, bulk ESS 683
        "b_x": (0.5109, 0.03215),  # Rhat 1.001, bulk ESS 4399
        "sd_g__Intercept": (0.5575, 0.08713),  # Rhat 1.000, bulk ESS 831
        "sigma": (0.9859, 0.03206),  # Rhat 1.000, bulk ESS 4750
        "alpha": (5.246, 1.163),  # Rhat 1.001, bulk ESS 2898
        "epred_mean": 1.043,
        "max_rhat": 1.0054,
    },
    "von_mises": {
        # brms default priors, prior_summary(fit):
        #                   prior     class      coef group resp dpar nlpar lb ub       source
        #                  (flat)         b                                            default
        #                  (flat)         b         x                             (vectorized)
        #    student_t(3, 0, 2.5) Intercept                                            default
        #          gamma(2, 0.01)     kappa                                  0         default
        #    student_t(3, 0, 2.5)        sd                                  0         default
        #    student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #    student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        "b_Intercept": (0.2067, 0.07821),  # Rhat 1.001, bulk ESS 1987
        "b_x": (0.3545, 0.04851),  # Rhat 1.002, bulk ESS 5280
        "sd_g__Intercept": (0.3685, 0.07509),  # Rhat 1.004, bulk ESS 1335
        "kappa": (0.996, 0.07031),  # Rhat 1.000, bulk ESS 4369
        "epred_mean": 0.2835,
        "max_rhat": 1.0039,
    },
    "shifted_lognormal": {
        # brms default priors, prior_summary(fit):
        #                      prior     class      coef group resp dpar nlpar lb    ub       source
        #                     (flat)         b                                               default
        #                     (flat)         b         x                                (vectorized)
        #    student_t(3, -0.2, 2.5) Intercept                                               default
        #          uniform(0, min_Y)       ndt                                  0 min_Y      default
        #       student_t(3, 0, 2.5)        sd                                  0            default
        #       student_t(3, 0, 2.5)        sd               g                  0       (vectorized)
        #       student_t(3, 0, 2.5)        sd Intercept     g                  0       (vectorized)
        #       student_t(3, 0, 2.5)     sigma                                  0            default
        "b_Intercept": (-0.6071, 0.1026),  # Rhat 1.002, bulk ESS 978
        "b_x": (0.2307, 0.03394),  # Rhat 1.005, bulk ESS 6186
        "sd_g__Intercept": (0.4934, 0.0803),  # Rhat 1.005, bulk ESS 1054
        "sigma": (0.8169, 0.03444),  # Rhat 1.000, bulk ESS 4068
        "ndt": (0.305, 0.01046),  # Rhat 1.000, bulk ESS 3715
        "epred_mean": 1.172,
        "max_rhat": 1.0046,
    },
    "exgaussian": {
        # brms default priors, prior_summary(fit):
        #                     prior     class      coef group resp dpar nlpar lb ub       source
        #                    (flat)         b                                            default
        #                    (flat)         b         x                             (vectorized)
        #             gamma(1, 0.1)      beta                                  0         default
        #    student_t(3, 2.1, 2.5) Intercept                                            default
        #      student_t(3, 0, 2.5)        sd                                  0         default
        #      student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #      student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        #      student_t(3, 0, 2.5)     sigma                                  0         default
        "b_Intercept": (2.116, 0.09669),  # Rhat 1.002, bulk ESS 1003
        "b_x": (0.5426, 0.03082),  # Rhat 1.000, bulk ESS 5752
        "sd_g__Intercept": (0.4618, 0.07565),  # Rhat 1.003, bulk ESS 1247
        "sigma": (0.4254, 0.04015),  # Rhat 1.001, bulk ESS 3923
        "beta": (1.024, 0.06248),  # Rhat 1.001, bulk ESS 4798
        "epred_mean": 2.144,
        "max_rhat": 1.0028,
    },
    "inverse.gaussian": {
        # brms default priors, prior_summary(fit):
        #                     prior     class      coef group resp dpar nlpar lb ub       source
        #                    (flat)         b                                            default
        #                    (flat)         b         x                             (vectorized)
        #    student_t(3, 4.2, 2.7) Intercept                                            default
        #      student_t(3, 0, 2.7)        sd                                  0         default
        #      student_t(3, 0, 2.7)        sd               g                  0    (vectorized)
        #      student_t(3, 0, 2.7)        sd Intercept     g                  0    (vectorized)
        #         gamma(0.01, 0.01)     shape                                  0         default
        "b_Intercept": (3.766, 0.1564),  # Rhat 1.000, bulk ESS 2645
        "b_x": (0.392, 0.09434),  # Rhat 1.005, bulk ESS 6258
        "sd_g__Intercept": (0.6526, 0.1555),  # Rhat 1.002, bulk ESS 1468
        "shape": (4.716, 0.2827),  # Rhat 1.000, bulk ESS 7134
        "epred_mean": 0.5231,
        "max_rhat": 1.0049,
    },
    "beta_binomial": {
        # brms default priors, prior_summary(fit):
        #                   prior     class      coef group resp dpar nlpar lb ub       source
        #                  (flat)         b                                            default
        #                  (flat)         b         x                             (vectorized)
        #    student_t(3, 0, 2.5) Intercept                                            default
        #       gamma(0.01, 0.01)       phi                                  0         default
        #    student_t(3, 0, 2.5)        sd                                  0         default
        #    student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #    student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        "b_Intercept": (-0.6198, 0.1008),  # Rhat 1.002, bulk ESS 889
        "b_x": (0.4984, 0.03503),  # Rhat 1.000, bulk ESS 6480
        "sd_g__Intercept": (0.5138, 0.08257),  # Rhat 1.004, bulk ESS 876
        "phi": (11.17, 1.04),  # Rhat 1.001, bulk ESS 5972
        "epred_mean": 7.1,
        "max_rhat": 1.0036,
    },
    "zero_inflated_binomial": {
        # brms default priors, prior_summary(fit):
        #                   prior     class      coef group resp dpar nlpar lb ub       source
        #                  (flat)         b                                            default
        #                  (flat)         b         x                             (vectorized)
        #    student_t(3, 0, 2.5) Intercept                                            default
        #    student_t(3, 0, 2.5)        sd                                  0         default
        #    student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #    student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        #              beta(1, 1)        zi                                  0  1      default
        "b_Intercept": (0.2159, 0.08916),  # Rhat 1.003, bulk ESS 421
        "b_x": (0.5317, 0.02433),  # Rhat 1.000, bulk ESS 4761
        "sd_g__Intercept": (0.4604, 0.06691),  # Rhat 1.002, bulk ESS 762
        "zi": (0.215, 0.01611),  # Rhat 1.001, bulk ESS 6153
        "epred_mean": 8.622,
        "max_rhat": 1.0038,
    },
    "zero_inflated_beta": {
        # brms default priors, prior_summary(fit):
        #                   prior     class      coef group resp dpar nlpar lb ub       source
        #                  (flat)         b                                            default
        #                  (flat)         b         x                             (vectorized)
        #    student_t(3, 0, 2.5) Intercept                                            default
        #       gamma(0.01, 0.01)       phi                                  0         default
        #    student_t(3, 0, 2.5)        sd                                  0         default
        #    student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #    student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        #              beta(1, 1)        zi                                  0  1      default
        "b_Intercept": (-0.4575, 0.1329),  # Rhat 1.007, bulk ESS 488
        "b_x": (0.551, 0.03613),  # Rhat 1.001, bulk ESS 4160
        "sd_g__Intercept": (0.7035, 0.1078),  # Rhat 1.008, bulk ESS 682
        "phi": (8.072, 0.5314),  # Rhat 1.003, bulk ESS 3963
        "zi": (0.2506, 0.01827),  # Rhat 1.002, bulk ESS 5525
        "epred_mean": 0.3011,
        "max_rhat": 1.0077,
    },
    "zero_one_inflated_beta": {
        # brms default priors, prior_summary(fit):
        #                   prior     class      coef group resp dpar nlpar lb ub       source
        #                  (flat)         b                                            default
        #                  (flat)         b         x                             (vectorized)
        #              beta(1, 1)       coi                                  0  1      default
        #    student_t(3, 0, 2.5) Intercept                                            default
        #       gamma(0.01, 0.01)       phi                                  0         default
        #    student_t(3, 0, 2.5)        sd                                  0         default
        #    student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #    student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        #              beta(1, 1)       zoi                                  0  1      default
        "b_Intercept": (0.2627, 0.1085),  # Rhat 1.002, bulk ESS 785
        "b_x": (0.4711, 0.03709),  # Rhat 1.001, bulk ESS 7028
        "sd_g__Intercept": (0.54, 0.08402),  # Rhat 1.002, bulk ESS 1085
        "phi": (7.712, 0.5106),  # Rhat 1.002, bulk ESS 5075
        "zoi": (0.2541, 0.01784),  # Rhat 1.001, bulk ESS 7254
        "coi": (0.4412, 0.03986),  # Rhat 1.003, bulk ESS 7567
        "epred_mean": 0.529,
        "max_rhat": 1.0026,
    },
    "hurdle_gamma": {
        # brms default priors, prior_summary(fit):
        #                     prior     class      coef group resp dpar nlpar lb ub       source
        #                    (flat)         b                                            default
        #                    (flat)         b         x                             (vectorized)
        #                beta(1, 1)        hu                                  0  1      default
        #    student_t(3, 0.1, 2.5) Intercept                                            default
        #      student_t(3, 0, 2.5)        sd                                  0         default
        #      student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #      student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        #         gamma(0.01, 0.01)     shape                                  0         default
        "b_Intercept": (0.9565, 0.122),  # Rhat 1.002, bulk ESS 718
        "b_x": (0.4069, 0.04059),  # Rhat 1.000, bulk ESS 6957
        "sd_g__Intercept": (0.6226, 0.09791),  # Rhat 1.009, bulk ESS 851
        "shape": (1.472, 0.0917),  # Rhat 1.001, bulk ESS 7154
        "hu": (0.2579, 0.01738),  # Rhat 1.001, bulk ESS 7887
        "epred_mean": 2.47,
        "max_rhat": 1.0093,
    },
    "asym_laplace": {
        # brms default priors, prior_summary(fit):
        #                   prior     class      coef group resp dpar nlpar lb ub       source
        #                  (flat)         b                                            default
        #                  (flat)         b         x                             (vectorized)
        #    student_t(3, 2, 2.5) Intercept                                            default
        #              beta(1, 1)  quantile                                  0  1      default
        #    student_t(3, 0, 2.5)        sd                                  0         default
        #    student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #    student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        #    student_t(3, 0, 2.5)     sigma                                  0         default
        "b_Intercept": (0.8955, 0.1382),  # Rhat 1.002, bulk ESS 1736
        "b_x": (0.5544, 0.07467),  # Rhat 1.002, bulk ESS 3996
        "sd_g__Intercept": (0.3522, 0.1312),  # Rhat 1.003, bulk ESS 1027
        "sigma": (0.7938, 0.04771),  # Rhat 1.000, bulk ESS 2662
        "quantile": (0.2814, 0.02009),  # Rhat 1.000, bulk ESS 2473
        "epred_mean": 2.581,
        "max_rhat": 1.0033,
    },
    "geometric": {
        # brms default priors, prior_summary(fit):
        #                     prior     class      coef group resp dpar nlpar lb ub       source
        #                    (flat)         b                                            default
        #                    (flat)         b         x                             (vectorized)
        #    student_t(3, 0.7, 2.5) Intercept                                            default
        #      student_t(3, 0, 2.5)        sd                                  0         default
        #      student_t(3, 0, 2.5)        sd               g                  0    (vectorized)
        #      student_t(3, 0, 2.5)        sd Intercept     g                  0    (vectorized)
        "b_Intercept": (1.142, 0.0955),  # Rhat 1.001, bulk ESS 2029
        "b_x": (0.4295, 0.04943),  # Rhat 1.000, bulk ESS 6131
        "sd_g__Intercept": (0.4579, 0.08426),  # Rhat 1.004, bulk ESS 1063
        "epred_mean": 3.858,
        "max_rhat": 1.0043,
    },
}
