# Exports two data sets of Debian's r-cran-mlbench to the CSV files shipped in data/tabular.
# Usage: Rscript scripts/export_mlbench.R   (needs: apt-get install r-cran-mlbench)
library(mlbench)
data(BostonHousing)
b <- BostonHousing
b$chas <- as.numeric(as.character(b$chas))  # factor 0/1 -> number
write.csv(b, "data/tabular/boston_housing.csv", row.names = FALSE, quote = FALSE)
data(PimaIndiansDiabetes)
p <- PimaIndiansDiabetes
p$diabetes <- as.numeric(p$diabetes == "pos")  # neg/pos -> 0/1
write.csv(p, "data/tabular/pima_indians_diabetes.csv", row.names = FALSE, quote = FALSE)
cat("exported", nrow(b), "Boston rows and", nrow(p), "Pima rows\n")
