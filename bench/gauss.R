# GaussSuppression (Statistics Norway) beside `zicht protect`: the same table,
# the same minimum count, zeros published and never hidden, so that the two
# shares of cells hidden for protection can be set side by side.
#   Rscript bench/gauss.R TABLE.csv K
# TABLE.csv is a table in zicht's export format with every margin (as
# bench/disclose_tables.py writes them); only its most detailed rows are read,
# and GaussSuppression builds the margins again from the nested dimensions it
# finds (a country names its group). Prints cells, small counts, secondary
# cells, their share and the seconds it took.
#
# What it protects against is weaker than zicht's policy: only exact
# disclosure (no hidden small count is a linear combination of what is
# published), no interval width, no integrality, and no "x means at least K".
# Its share is what its greedy elimination needs to stop exact disclosure
# alone: no lower bound, but a mark the stronger requirement cannot be
# expected to beat.
suppressPackageStartupMessages(library(GaussSuppression))
args <- commandArgs(trailingOnly = TRUE)
k <- as.integer(args[2])
rows <- read.csv(args[1], colClasses = "character")
pairs <- strsplit(rows$breakdown, ";", fixed = TRUE)
depth <- lengths(pairs)
leaf <- depth == max(depth)
cells <- lapply(pairs[leaf], function(p) {
  kv <- strsplit(p, "=", fixed = TRUE)
  setNames(vapply(kv, `[`, "", 2), vapply(kv, `[`, "", 1))
})
dims <- sort(names(cells[[1]]))
data <- as.data.frame(do.call(rbind, lapply(cells, function(x) x[dims])),
                      stringsAsFactors = FALSE)
names(data) <- dims
data$freq <- as.integer(rows$value[leaf])
took <- system.time(
  out <- SuppressSmallCounts(data, dimVar = dims, freqVar = "freq",
                             maxN = k - 1, protectZeros = FALSE,
                             secondaryZeros = FALSE, printInc = FALSE)
)[["elapsed"]]
secondary <- out$suppressed & !out$primary
cat(sprintf("GaussSuppression, %d leaf rows: %d cells, %d small counts, %d secondary (%.2f%% of cells), %.1f s\n",
            nrow(data), nrow(out), sum(out$primary), sum(secondary),
            100 * mean(secondary), took))
