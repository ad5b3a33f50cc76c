# Exports Jane Austen's "Pride and Prejudice" (1813, public domain) from Debian's
# r-cran-janeaustenr (the package's `prideprejudice`: one element per line of the Project
# Gutenberg text, with its header and licence already removed) to data/text/, for
# examples/char_lstm. Run from the repository root:
#     Rscript scripts/export_janeausten.R
library(janeaustenr)
writeLines(prideprejudice, "data/text/pride_and_prejudice.txt", useBytes = TRUE)
cat("wrote data/text/pride_and_prejudice.txt:", length(prideprejudice), "lines\n")
