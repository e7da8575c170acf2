# LCMCR (Manrique-Vallier) beside `zicht estimate --method lcm`: one CSV of
# 0/1 list columns and a `count` column, as zicht reads it.
#   Rscript bench/lcmcr.R FILE K BURNIN SAMPLES THINNING SEED...
# Prints, per seed, the posterior median, mean and 95% interval of N, and the
# seconds the sampler took (initialisation included).
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(LCMCR))
tab <- read.csv(args[1])
k <- as.integer(args[2]); burnin <- as.integer(args[3])
samples <- as.integer(args[4]); thin <- as.integer(args[5])
seeds <- as.integer(args[-(1:5)])
lists <- setdiff(names(tab), "count")
people <- tab[rep(seq_len(nrow(tab)), tab$count), lists, drop = FALSE]
people[] <- lapply(people, function(v) factor(v, levels = c(0, 1)))
rownames(people) <- NULL
for (seed in seeds) {
  took <- system.time({
    o <- lcmCR(people, K = k, a_alpha = 0.25, b_alpha = 0.25, seed = seed,
               buffer_size = samples, thinning = thin, verbose = FALSE)
    n <- lcmCR_PostSampl(o, burnin = burnin, samples = samples,
                         thinning = thin, output = FALSE)
  })[["elapsed"]]
  q <- quantile(n, c(0.025, 0.5, 0.975))
  cat(sprintf("LCMCR K=%d burn-in %d samples %d thinning %d seed %d: median %.0f mean %.0f 95%% %.0f-%.0f  %.2f s\n",
              k, burnin, samples, thin, seed, q[2], mean(n), q[1], q[3], took))
}
