"""Documents people bring: safe text extraction (and, later, samples and resumes)."""
