# Reference ordering for CRAN: R's compareVersion (utils).
# Reads "A<TAB>B" lines; prints "<", "=" or ">" for each, or "?" when R stops with an error (a
# part that is not a number, reached by the comparison).
con <- file("stdin")
lines <- readLines(con)
close(con)
out <- character(length(lines))
for (i in seq_along(lines)) {
  pair <- strsplit(lines[[i]], "\t", fixed = TRUE)[[1]]
  r <- tryCatch(suppressWarnings(compareVersion(pair[[1]], pair[[2]])), error = function(e) NA)
  out[[i]] <- if (is.na(r)) "?" else c("<", "=", ">")[r + 2]
}
writeLines(out)
