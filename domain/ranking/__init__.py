"""Ranking a profile's items for a job: the service that computes and caches rankings (`service`) and
the pure relevance formulas (`relevance`)."""
